// How faxctl shows a foreground transmission (send, directory test-fax): live progress
// lines, the final result record, and SIGINT/SIGTERM asking the call to end cleanly.
#pragma once

#include <signal.h>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "fax/station/transmitter.h"
#include "fax/t30/call_session.h"
#include "printer.h"

namespace fax::faxctl {

// While alive, SIGINT (and SIGTERM) only set a flag that the call loop polls: the call
// then ends with DCN instead of the process dying with the modem off-hook. No work
// is done in the handler.
class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    static bool requested();

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

// Live progress: phase, page i of n, modulation and rate, elapsed time.
class Progress {
public:
    Progress(const Printer& printer, std::string job_id, int pages);
    void on_event(const t30::SessionEvent& e);

private:
    const Printer& printer_;
    std::string job_id_;
    int pages_;
    int page_ = 0;
    int done_ = 0;
    t30::CallPhase last_phase_ = t30::CallPhase::Init;
    std::string modulation_;
    std::chrono::steady_clock::time_point t0_;
};

// The options of a foreground transmission from the station's configuration, with
// progress going to `progress` and SIGINT (an InterruptGuard alive around the call)
// ending the call.
station::TransmitOptions foreground_options(const station::StationConfig& config, Progress& progress);

// The final record of a transmission, for --json and for a person.
nlohmann::json outcome_json(const station::TransmitReport& report);
std::string outcome_text(const station::TransmitReport& report);

}  // namespace fax::faxctl
