// FaxSession: one T.30 call run on the host by SpanDSP's t30_state_t, with a
// Class 1 modem as its front end (T.31). The mapping between the engine's
// requests (set_rx_type / set_tx_type / send_hdlc) and Class 1 commands follows
// ../shared/docs/spandsp-0.0.6-notes.md.
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

enum class CallPhase { Init, Dialing, WaitingForCall, Answering, Negotiating, Transfer, PostPage, HangingUp, Done };
std::string_view to_string(CallPhase p);

struct PageOutcome {
    int page = 0;          // 1-based
    std::string response;  // "MCF", "RTP", "RTN", "PPR", ... as the remote answered
    bool confirmed = false;
};

struct SessionResult {
    Status status;                       // modem or transport failure, if any
    bool call_completed = false;         // T.30 reached a normal end (DCN exchanged)
    int completion_code = -1;            // T30_ERR_*
    std::string completion_text;
    int pages_in_document = 0;
    int pages_confirmed = 0;             // transmit: pages the remote answered with MCF (or RTP)
    int pages_received = 0;              // receive
    std::vector<PageOutcome> page_outcomes;
    std::string remote_ident;            // CSI (when sending) or TSI (when receiving)
    bool remote_ident_mismatch = false;  // expected CSI differed: ended before any page
    int bit_rate = 0;
    std::string modulation;              // "V.17", "V.29", "V.27ter"
    bool ecm = false;
    std::string compression;             // "MH", "MR", "MMR"
    double line_seconds = 0;             // off-hook to on-hook
    std::string modem_classes;           // +FCLASS=? reply
};

// Progress notifications for live display and logs. They carry no document content.
struct SessionEvent {
    CallPhase phase;
    std::string detail;
};

class FaxSession {
public:
    ~FaxSession();
    FaxSession(const FaxSession&) = delete;
    FaxSession& operator=(const FaxSession&) = delete;

    // The transmit entry point. Consumes the release; fails (and dials nothing) if the
    // release was already spent or its document no longer matches what was cleared.
    static Result<std::unique_ptr<FaxSession>> transmit(gate::ClearedRelease&& release, SessionOptions opts = {});
    // Waits for a call, answers, and writes the received document to rx_tiff.
    static Result<std::unique_ptr<FaxSession>> receive(const std::string& rx_tiff, SessionOptions opts = {});

    void on_bytes(std::span<const uint8_t> bytes);
    void advance_to(Samples now);
    std::vector<uint8_t> take_output();
    // Asks the session to end the call as soon as possible (DCN if in a call).
    void cancel();
    // The transport failed (e.g. Errc::Disconnected: the modem was unplugged): the
    // session ends at once with that error as its status; nothing more can be sent.
    void transport_failed(Error error);

    bool finished() const;
    // True while the host is sending data to the modem (HDLC frames or image data):
    // the runner enables XON/XOFF output flow control only then, as efax does, so
    // that 0x11/0x13 in received data are never taken for flow control.
    bool transmitting_data() const;
    CallPhase phase() const;
    const SessionResult& result() const;
    const std::string& job_id() const;

    void set_event_handler(std::function<void(const SessionEvent&)> fn);
    // AT trace lines (commands and responses, never data-mode bytes), for debugging.
    void set_trace(std::function<void(bool to_modem, const std::string& line)> fn);

    class Impl;

private:
    explicit FaxSession(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace fax::t30
