// CallRunner: one T.30 call on one modem, serviced by an event loop that serves many
// modems in one thread (faxd). Never blocks for long: reads take what is there, output
// the modem does not accept at once (flow control) waits in a buffer for the next turn.
// The same contract as t30::run_realtime (which blocks a thread per call), with the
// same software flow-control rule: XON/XOFF only while the host sends data.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/hal/transport.h"
#include "fax/t30/fax_session.h"

namespace fax::faxd {

class CallRunner {
public:
    // Borrows both; they must outlive the runner.
    CallRunner(t30::FaxSession& session, hal::Transport& transport, hal::FlowControl flow,
               std::chrono::seconds call_limit);

    Status begin();
    // Reads what the modem sent, advances the session to the wall clock and writes
    // what it produced. Call whenever the transport polls readable, and at least every
    // few tens of milliseconds (the session's timers).
    void service();
    // Ends the call as soon as possible (DCN in a call).
    void cancel();

    bool finished() const { return done_; }
    // A transport failure or the call limit, if that is how it ended.
    const Status& status() const { return status_; }
    double elapsed_seconds() const;

private:
    void fail_transport(Error e);

    t30::FaxSession& session_;
    hal::Transport& transport_;
    hal::FlowControl flow_;
    Samples limit_;
    SteadyClock clock_;
    std::vector<uint8_t> pending_;
    bool tx_flow_ = false;
    bool cancelled_ = false;
    bool done_ = false;
    Samples finished_at_{0};
    Status status_;
};

}  // namespace fax::faxd
