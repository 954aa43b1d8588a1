// RealtimeRunner: one call (any CallSession: FaxSession, Class2Session) on one modem with the wall
// clock. It never blocks for longer than it is told: service() reads what the modem
// sent (waiting at most `wait` for the first bytes), advances the session to the clock
// and writes what it produced; output the modem does not accept at once (flow control)
// waits in a buffer for the next turn. An event loop serving many modems in one thread
// (faxd) calls it with wait = 0 whenever the port polls readable and on its timer;
// run_realtime() (one call, one thread: faxctl, tests, faxbench) loops over it.
//
// Software flow control follows one rule for both session types: XON/XOFF only while
// the host sends page data (T.31 §8.4 / T.32 §8.5.1: in command and HDLC phases DC1/DC3
// are data), switched only when nothing of the other kind is still queued.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/hal/transport.h"
#include "fax/t30/call_session.h"

namespace fax::t30 {

struct RealtimeOptions {
    hal::FlowControl flow = hal::FlowControl::Software;  // Software: XON/XOFF only while sending
    std::chrono::milliseconds poll{10};                    // run_realtime's longest wait for bytes
    std::chrono::seconds limit{600};                       // give up on the whole call after this
    // A modem that takes none of the queued output for this long (XOFF never lifted, a
    // wedged port) ends the call with Timeout.
    std::chrono::seconds write_stall{60};
    std::function<bool()> stop_requested;                  // polled by run_realtime; true cancels the call
};

class RealtimeRunner {
public:
    // Borrows both; they must outlive the runner.
    RealtimeRunner(CallSession& session, hal::Transport& transport, RealtimeOptions options = {});

    // Sets the port's flow control for the command phase and starts the session's clock.
    Status begin();
    // One turn: see the header comment. `wait` bounds the first read and the write each.
    void service(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
    // Ends the call as soon as possible (DCN in a call); idempotent.
    void cancel();

    // The session has finished and its last bytes left (or had 5 s to), or the transport failed.
    bool finished() const { return done_; }
    // A transport failure, a write stall or the call limit, if that is how it ended.
    const Status& status() const { return status_; }
    double elapsed_seconds() const;

private:
    void fail_transport(Error e);
    void switch_flow_if_due();

    CallSession& session_;
    hal::Transport& transport_;
    RealtimeOptions options_;
    SteadyClock clock_;
    std::vector<uint8_t> pending_;
    Samples last_write_progress_{0};
    bool tx_flow_ = false;
    bool cancelled_ = false;
    bool done_ = false;
    Samples finished_at_{-1};
    Status status_;
};

// Runs a session to completion over a real (or pseudo-) terminal with the wall clock,
// polling options.stop_requested. Returns the runner's status (transport failure, write
// stall, call limit); how the call itself went is in session.result().
Status run_realtime(CallSession& session, hal::Transport& transport, const RealtimeOptions& options = {});

}  // namespace fax::t30
