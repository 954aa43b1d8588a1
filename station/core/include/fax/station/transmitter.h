// Transmitter: puts a cleared release on the line in the foreground (faxctl send,
// directory test-fax) and records how it ended.
//
// It opens the modem, hands the release to the session (which consumes it), runs the
// call with the wall clock (t30::run_realtime) until it ends or `stop_requested` asks
// for a clean end (DCN, T.30 §5.3.6.1.6 / §5.4.3), reports progress to the caller, and
// then always records a TransmissionOutcome with ReleaseGate::record_outcome: a cleared
// job that went nowhere (the modem could not be opened) is recorded as failed, never
// left without an outcome.
//
// Until the outcome is recorded, the send keeps a journal beside its spooled file
// (<job>.sending: started, and every MCF-confirmed page, synced as it arrives), so a
// send killed mid-call is reconciled by the next Station::open (docs/station.md).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/release_gate.h"
#include "fax/station/config.h"
#include "fax/t30/call_session.h"

namespace fax::station {

// How far a foreground send got before its call, for a caller that times it (faxctl
// send --timings). FirstByte is the moment the first byte was written to the modem
// (the probe's or the session's: ModemPort::first_write_at()); it falls inside
// ModemIdentify when the modem is probed, after Session otherwise.
enum class TransmitStep {
    Journal,        // the send journal written beside the spooled file
    ModemOpen,      // the device located and opened
    ModemIdentify,  // profile and class settled (probed unless both are configured)
    Session,        // the session made: it re-checked the spooled file's SHA-256, consumed the release
    FirstByte,      // the first byte written to the modem
};
std::string_view to_string(TransmitStep step);  // "journal", "modem_open", ...

struct TransmitOptions {
    ModemConfig modem;  // opened through ModemPort (any device form, any class)
    std::string local_ident = "FAXSTACK";
    // Polled during the call: true ends it cleanly (the caller's SIGINT handler sets it).
    std::function<bool()> stop_requested;
    // Every session event, for live progress (no document content in them).
    std::function<void(const t30::SessionEvent&)> on_event;
    // Each step with the moment it was reached (steady clock), once, in the order
    // reached; FirstByte is reported as soon as the send sees it happened.
    std::function<void(TransmitStep, std::chrono::steady_clock::time_point)> on_step;
};

struct TransmitReport {
    std::string job_id;
    int pages_total = 0;
    gate::TransmissionOutcome outcome;
    bool interrupted = false;  // stop_requested ended the call
    Status recorded;           // record_outcome's result: an unrecorded outcome is a station failure
    std::vector<t30::PageOutcome> page_outcomes;  // the remote's answer per page, for the report
    bool delivered() const { return outcome.completion == gate::CompletionCode::Ok; }
};

class Transmitter {
public:
    Transmitter(gate::ReleaseGate& gate, TransmitOptions options);

    TransmitReport run(gate::ClearedRelease&& release);

private:
    gate::ReleaseGate& gate_;
    TransmitOptions options_;
};

struct StationConfig;
// The station's modem settings as transmit options.
TransmitOptions transmit_options(const StationConfig& config);

}  // namespace fax::station
