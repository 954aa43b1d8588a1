// FaxSession: one T.30 call run on the host by SpanDSP's t30_state_t, with a
// Class 1 modem as its front end (T.31). Three parts: the T.30 engine behind its adapter
// (spandsp::T30Engine, t30/spandsp), the Class 1 front end (t30/session/class1_front_end.h:
// set-up, dial/answer, the data-mode pump, ECM framing) and the session that joins them
// (the release, phases, events, the result). The mapping between the engine's requests
// and Class 1 commands follows docs/spandsp-0.0.6-notes.md.
//
// The session is a protocol engine: it does no I/O and reads no clock. A runner
// hands it the modem's bytes (on_bytes), the time (advance_to), and writes what
// take_output() returns to the transport. That one engine serves an in-process
// simulation (lock-stepped, simulated time) and a real tty (wall clock).
//
// Transmission: the only way to create a sending session is transmit(), which
// consumes a gate::ClearedRelease. The number dialled, the pages sent and the
// expected remote identity all come from that release.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/driver/cleared_release.h"
#include "fax/driver/profile.h"
#include "fax/t30/call_session.h"

namespace fax::t30 {

struct SessionOptions {
    std::string local_ident = "FAXSTACK";  // our TSI (sending) or CSI (receiving), <= 20 chars
    bool ecm = true;
    bool allow_mh = true;
    bool allow_mr = true;
    bool allow_mmr = true;                 // T.6 needs ECM
    bool allow_v17 = true;
    bool allow_v29 = true;
    bool allow_v27ter = true;
    Samples dial_timeout{8000 * 90};       // ATD until CONNECT (or BUSY / NO ANSWER)
    Samples ring_timeout{0};               // receive: how long to wait for RING (0 = forever)
    std::string dial_prefix = "ATDT";
    // What this modem model needs (the quirks of the profile select_profile() chose for
    // it, data/profiles/): ATZ and command time-outs, numeric result codes, the DLE bug,
    // a pause between +FTM's CONNECT and its data, NO CARRIER after page data, AT+FAR=1,
    // in-band (XON/XOFF) flow control. The defaults are the generic profile's.
    driver::ModemQuirks quirks;
};

class FaxSession final : public CallSession {
public:
    ~FaxSession() override;
    FaxSession(const FaxSession&) = delete;
    FaxSession& operator=(const FaxSession&) = delete;

    // The transmit entry point. Consumes the release; fails (and dials nothing) if the
    // release was already spent or its document no longer matches what was cleared.
    static Result<std::unique_ptr<FaxSession>> transmit(gate::ClearedRelease&& release, SessionOptions opts = {});
    // Waits for a call, answers, and writes the received document to rx_tiff.
    static Result<std::unique_ptr<FaxSession>> receive(const std::string& rx_tiff, SessionOptions opts = {});

    // CallSession (call_session.h). cancel() sends DCN if in a call.
    void on_bytes(std::span<const uint8_t> bytes) override;
    void advance_to(Samples now) override;
    std::vector<uint8_t> take_output() override;
    void cancel() override;
    void transport_failed(Error error) override;
    bool finished() const override;
    bool transmitting_data() const override;
    CallPhase phase() const override;
    const SessionResult& result() const override;
    const std::string& job_id() const override;
    void set_event_handler(std::function<void(const SessionEvent&)> fn) override;
    void set_trace(std::function<void(bool to_modem, const std::string& line)> fn) override;

    class Impl;

private:
    explicit FaxSession(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace fax::t30
