// Transmitter: puts a cleared release on the line and records how it ended.
//
// It opens the modem (hal::SerialTransport), hands the release to
// t30::FaxSession::transmit (which consumes it), runs the call with the wall clock
// (t30::run_realtime) while SIGINT asks for a clean end (DCN, T.30 §5.3.6.1.6 /
// §5.4.3), prints live progress, and then always records a TransmissionOutcome with
// ReleaseGate::record_outcome: a cleared job that went nowhere (the modem could not
// be opened) is recorded as failed, never left without an outcome.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/release_gate.h"
#include "fax/hal/transport.h"
#include "fax/t30/fax_session.h"
#include "printer.h"

namespace fax::faxctl {

struct TransmitOptions {
    std::string device;
    std::string profile = "auto";  // modem_profile.h
    hal::LineSettings line;
    std::string local_ident = "FAXSTACK";
    bool ecm = true;
    std::chrono::seconds call_limit{600};
};

struct TransmitReport {
    std::string job_id;
    int pages_total = 0;
    gate::TransmissionOutcome outcome;
    bool interrupted = false;  // SIGINT ended the call
    Status recorded;           // record_outcome's result: an unrecorded outcome is a station failure
    std::vector<t30::PageOutcome> page_outcomes;  // the remote's answer per page, for the report
    bool delivered() const { return outcome.completion == gate::CompletionCode::Ok; }
};

class Transmitter {
public:
    Transmitter(gate::ReleaseGate& gate, const Printer& printer, TransmitOptions options);

    TransmitReport run(gate::ClearedRelease&& release);

private:
    gate::ReleaseGate& gate_;
    const Printer& printer_;
    TransmitOptions options_;
};

struct StationConfig;
// The station's modem settings as transmit options.
TransmitOptions transmit_options(const StationConfig& config);
// The final record of a transmission, for --json and for a person.
nlohmann::json outcome_json(const TransmitReport& report);
std::string outcome_text(const TransmitReport& report);

}  // namespace fax::faxctl
