// ModemQuirks: misbehaviour a simulated modem (SimModem, Class 1 and its Class 2.0
// personality) can be given, so that host drivers are tested against what real fax
// modem firmware does (the kinds of trouble HylaFAX's per-modem configuration options
// exist for: ModemResetDelay / reset timeouts, Class1TMConnectDelay, flow control and
// result-code commands, ...). Options, not models: a personality is any combination.
//
// Textual form (faxsim --quirks NUMBER=SPEC): SPEC is a comma-separated list of
// `name` or `name=value`, e.g. "slow-atz=8000,numeric-results". Names:
//
//   personalities                                   value (default)
//   slow-atz          OK to ATZ only after MS ms of simulated time      MS (8000)
//   dle-bug           a 0x10 data byte goes to the DTE as a lone DLE (not
//                     DLE DLE) in received data — unless the byte after it is
//                     ETX, DLE or SUB or the data end there (a lone DLE would
//                     then read as a control pair): a driver that knows
//                     (DleDecoder::set_lone_dle_is_data) decodes it exactly; one
//                     that does not loses every such DLE and the byte after it
//   carrier-drop      NO CARRIER instead of OK when +FTM data end (the modem
//                     drops its carrier between pages even without DCN)
//   early-connect     CONNECT to +FTM before training is on the line: DTE data
//                     arriving within MS ms after that CONNECT are lost     MS (100)
//   late-ok           final result codes to command lines given on hook
//                     (not in a call) arrive MS ms late                     MS (4000)
//   xon-xoff          flow control in band only (XOFF/XON, no CTS): data the
//                     DTE sends after XOFF that do not fit are lost (t31's
//                     4096-byte buffer overruns)
//   numeric-results   result codes in numeric form (V0); ATV1 does not stick
//   faults (for fault injection)
//   mute              stops answering after N command lines: input ignored,
//                     nothing sent to the DTE any more                    N (0)
//   garbage           from command line N+1 on, every answer to a command
//                     line is replaced by a line of random bytes            N (0)
//   truncated         from command line N+1 on, every answer to a command
//                     line is cut after its first 3 bytes                   N (0)
//   lost-xon          sends XOFF when its buffer fills and never XON (implies
//                     xon-xoff)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fax/base/result.h"
#include "fax/base/time.h"

namespace fax::sim {

struct ModemQuirks {
    Samples slow_atz{0};       // 0: ATZ answers at once
    bool dle_bug = false;
    bool carrier_drop = false;
    Samples early_connect{0};  // 0: the modem takes data right after CONNECT
    Samples late_ok{0};        // 0: results at once
    bool xon_xoff = false;
    bool numeric_results = false;

    std::optional<int> mute_after;      // command lines answered before the modem goes mute
    std::optional<int> garbage_after;   // command lines answered properly before garbage
    std::optional<int> truncate_after;  // command lines answered properly before truncation
    bool lost_xon = false;

    bool any() const;
    // In-band flow control is on (xon-xoff or lost-xon).
    bool inband_flow() const { return xon_xoff || lost_xon; }
    friend bool operator==(const ModemQuirks&, const ModemQuirks&) = default;
};

// Parses SPEC (see above). An empty SPEC is no quirk. InvalidArgument names the bad item.
Result<ModemQuirks> parse_modem_quirks(std::string_view spec);
// The canonical SPEC of `q` (names in the order above, values only where they differ
// from the default); "" for no quirk. parse_modem_quirks(to_spec(q)) == q.
std::string to_spec(const ModemQuirks& q);
// The model string a simulated modem with these quirks announces (+FMM?, ATI0, ATI3), so
// that a station recognises the personality by identity and select_profile() picks its
// profile (data/profiles/sim-*.toml): "<base> [<spec>]", or `base` without quirks.
std::string quirk_model_name(const std::string& base, const ModemQuirks& q);

}  // namespace fax::sim
