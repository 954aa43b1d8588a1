// CallSession: what a runner needs of one call's protocol engine — FaxSession (T.30 on
// the host, Class 1 modem) and Class2Session (T.30 in a Class 2.0 modem) alike. Bytes
// from the modem and the time go in, bytes for the modem come out; the engine does no
// I/O and reads no clock. Runners: t30::SessionStepper (a simulation, lock-stepped) and
// t30::RealtimeRunner (a real or pseudo-terminal, USB; the wall clock).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"

namespace fax::t30 {

enum class CallPhase { Init, Dialing, WaitingForCall, Answering, Negotiating, Transfer, PostPage, HangingUp, Done };
std::string_view to_string(CallPhase p);

// How a call ended, typed: what a station needs to decide whether and when to try again
// and what to report. Both session types settle it the same way (settle_call_end below)
// from what the modem said, what T.30 reported (SpanDSP's phase E code for FaxSession, the
// modem's +FHS hang-up status for Class2Session, T.32 Table 24) and what the caller did.
enum class CallEnd {
    None,            // the call has not ended yet
    Ok,              // T.30 reached its normal end (DCN after the last page, T.30 §5.3.5)
    Busy,            // BUSY: the number is engaged
    NoAnswer,        // NO ANSWER: nobody picked up
    NoDialtone,      // NO DIALTONE: the line is dead or not connected
    NoCarrier,       // the far end's carrier never came or was lost; the call dropped
    NoCall,          // receive: no call came within the ring time-out
    Timeout,         // a T.30 timer expired (T0, T1, T2, T3, T5: T.30 §5.4.3), or the modem stopped answering
    TrainingFailed,  // no modulation trained down to the slowest common one (T.30 §5.3.2.4): try slower
    Incompatible,    // the far end cannot take what this call sends, or send what it takes (DIS, T.30 §5.3.6.2)
    Protocol,        // the far end, or the modem, broke the procedure: unexpected, invalid or missing answers
    IdentMismatch,   // ended by us before any page: the remote station id is not the verified one
    Cancelled,       // cancel(): the operator, a shutdown, or a runner's call limit (its status says which)
    Document,        // the document could not be read, or the received one could not be written
    Modem,           // the modem cannot do this (no Class 1 / 2.0, no modulation) or failed (ERROR, unplugged)
    Failed,          // ended without success and without a more specific cause
};
std::string_view to_string(CallEnd e);

// The CallEnd for a typed error of the modem, its transport or the session:
// LineBusy → Busy, NoAnswer, NoDialtone, NoCarrier, Timeout, Protocol, Cancelled as such;
// ModemError, Unsupported, Io, Disconnected, DeviceBusy → Modem; NotFound, InvalidInput →
// Document; anything else → Failed.
CallEnd call_end_for(Errc code);

// What a session knows when its call ends, in the order it counts: the gate's identity
// check, then a cancel (unless T.30 had ended normally: what fails after a cancel is its
// doing), then an error (a receive still waiting for RING that timed out is NoCall), then
// T.30's own verdict; Failed if none.
struct CallEndFacts {
    bool ident_mismatch = false;
    const Error* error = nullptr;
    bool waiting_for_call = false;
    bool cancelled = false;
    std::optional<CallEnd> protocol;
};
CallEnd settle_call_end(const CallEndFacts& facts);

struct PageOutcome {
    int page = 0;          // 1-based
    std::string response;  // "MCF", "RTP", "RTN", "PPR", ... as the remote answered
    bool confirmed = false;
};

struct SessionResult {
    Status status;                       // modem or transport failure, if any
    // How the call ended: callers branch on this (and on the page counts below). It is
    // None until the session has finished.
    CallEnd end = CallEnd::None;
    bool call_completed = false;         // T.30 reached a normal end (DCN exchanged)
    // For logs only, never to branch on: their meaning differs by session type —
    // SpanDSP's T30_ERR_* code and text (FaxSession), the modem's +FHS hang-up status
    // (Class2Session, T.32 Table 24). -1 when nothing was reported.
    int completion_code = -1;
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

class CallSession {
public:
    virtual ~CallSession() = default;

    virtual void on_bytes(std::span<const uint8_t> bytes) = 0;
    virtual void advance_to(Samples now) = 0;
    virtual std::vector<uint8_t> take_output() = 0;
    // Asks the session to end the call as soon as possible (DCN, or +FKS/ATH in Class 2.0).
    virtual void cancel() = 0;
    // The transport failed (e.g. Errc::Disconnected: the modem was unplugged): the
    // session ends at once with that error as its status; nothing more can be sent.
    virtual void transport_failed(Error error) = 0;

    virtual bool finished() const = 0;
    // True while the host sends data to the modem (HDLC frames or page data): a runner
    // enables XON/XOFF output flow control only then, as efax does, so that 0x11/0x13
    // in received data are never taken for flow control.
    virtual bool transmitting_data() const = 0;
    virtual CallPhase phase() const = 0;
    virtual const SessionResult& result() const = 0;
    virtual const std::string& job_id() const = 0;

    virtual void set_event_handler(std::function<void(const SessionEvent&)> fn) = 0;
    // AT trace lines (commands and responses, never data-mode bytes), for debugging.
    virtual void set_trace(std::function<void(bool to_modem, const std::string& line)> fn) = 0;
};

}  // namespace fax::t30
