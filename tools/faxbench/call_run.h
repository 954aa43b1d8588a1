// One benchmark call: a cleared release sent by the project's FaxSession through a
// simulated Class 1 modem over an ideal simulated line (audio or T.38) to a SpanDSP
// reference terminal, lock-stepped in process (sim::Simulation, as tests/integration does).
// Line time comes from the simulation's sample clock, CPU time from getrusage().
#pragma once

#include <string>

#include "encoded_size.h"
#include "fax/driver/cleared_release.h"
#include "fax/sim/exchange.h"

namespace fax::faxbench {

struct Mode {
    std::string name;  // "MH", "MR", "MMR+ECM"
    Coding coding;
    bool ecm;
};

struct CallMeasurement {
    bool ok = false;
    std::string failure;        // why the call does not count (empty when ok)
    int pages_confirmed = 0;
    int terminal_pages = 0;     // pages the reference terminal stored
    double answer_to_dcn_s = 0;     // far end answers (exchange) -> our DCN has been sent
    double answer_to_phase_e_s = 0;  // far end answers -> phase E (after SpanDSP's final pause)
    double offhook_s = 0;        // session result: ATD to on-hook
    double simulated_s = 0;      // simulated time the whole run took
    double cpu_s = 0;            // user + system CPU of the run (getrusage)
    int bit_rate = 0;
    std::string compression;
    bool ecm = false;
};

struct RunOptions {
    // Print the call's AT dialogue and session events with simulated timestamps on
    // stderr (where the line time goes).
    bool trace = false;
    // The simulated line: 8 kHz audio, or T.38 packets (sim::LineKind).
    sim::LineKind line = sim::LineKind::Audio;
};

// `rx_tiff` is where the reference terminal stores what it receives.
CallMeasurement run_call(gate::ClearedRelease&& release, const Mode& mode, const std::string& rx_tiff,
                         const RunOptions& options = {});

}  // namespace fax::faxbench
