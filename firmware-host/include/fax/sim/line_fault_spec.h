// Line faults as text, the form a command line gives them (faxsim --line-fault
// NUMBER=SPEC) and logs print them in. What each fault does: LineFaults in exchange.h.
//
//   SPEC     := ITEM ("," ITEM)*
//   ITEM     := noise=DBM0             white noise, -100..0 dBm0           noise=-35
//             | noise-seed=N           seed of that noise (0..2^32-1)      noise-seed=7
//             | gain=DB                -60..+20 dB (negative: attenuate)   gain=-12
//             | echo=DB/DELAY          echo at -60..0 dB after DELAY       echo=-20/30ms
//             | dropout=LENGTH/PERIOD  LENGTH of silence every PERIOD      dropout=50ms/2s
//             | drop-at=DURATION       release the call DURATION after the answer
//                                                                          drop-at=12.5
//             | drop-after-dial=DURATION  ... after the dial, answered or not
//             | drop-random=SEED[/FROM-TO]  at a point drawn from [FROM, TO) after the
//                                      answer (default 0-60 s)             drop-random=7/5-40
//             | busy | no-answer | no-dialtone
//   T.38 datagrams delivered to the line (a T.38 call only; LineFaults::Packets):
//             | loss=PCT[/BURST]       lose PCT % of datagrams, BURST at a time   loss=2/3
//             | delay=DURATION         one-way delay, up to 10 s           delay=40ms
//             | jitter=DURATION        extra delay drawn from [0, DURATION) jitter=20ms
//             | reorder=PCT[/HOLD]     hold PCT % back by HOLD (30 ms)     reorder=5/30ms
//             | redundancy=N           UDPTL redundancy, 0..4 earlier IFPs per datagram
//             | packet-seed=N          seed of the loss, jitter and reorder draws
//   DURATION := NUMBER [s | ms | samples]   (no unit: seconds; samples are 1/8000 s)
//
// An item may appear once. Errors are Errc::InvalidArgument and quote the item at
// fault, e.g. "line fault 'noise=loud': noise wants a level in dBm0 (e.g. noise=-35)".
#pragma once

#include <string>
#include <string_view>

#include "fax/base/result.h"
#include "fax/sim/exchange.h"

namespace fax::sim {

Result<LineFaults> parse_line_faults(std::string_view spec);

struct LineFaultOption {
    std::string number;  // the line, digits as the exchange knows them
    LineFaults faults;
};
// "NUMBER=SPEC", e.g. "12065551009=noise=-35,drop-at=12.5" (the number is digits only).
Result<LineFaultOption> parse_line_fault_option(std::string_view option);

// The canonical text of `faults` ("" for none); parse_line_faults(to_spec(f)) == f.
std::string to_spec(const LineFaults& faults);

}  // namespace fax::sim
