// Runners that connect a FaxSession (a protocol engine) to a Transport and a clock.
#pragma once

#include <chrono>
#include <functional>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/hal/transport.h"
#include "fax/t30/fax_session.h"

namespace fax::t30 {

// In-process, lock-stepped: a simulation steps it after its modems every tick. Reads
// never wait (the simulation advances time itself).
class SessionStepper final : public Steppable {
public:
    SessionStepper(FaxSession& session, hal::Transport& transport);
    void step(Samples elapsed) override;
    Samples now() const { return now_; }
    // A transport failure (e.g. the device went away) ends the session.
    const Status& transport_status() const { return status_; }

private:
    FaxSession& session_;
    hal::Transport& transport_;
    Samples now_{0};
    Status status_;
};

struct RealtimeOptions {
    hal::FlowControl flow = hal::FlowControl::Software;  // Software: XON/XOFF only while sending
    std::chrono::milliseconds poll{10};
    std::chrono::seconds limit{600};                       // give up on the whole call after this
    std::function<bool()> stop_requested;                  // polled; true cancels the call
};

// Runs a session to completion over a real (or pseudo-) terminal with the wall clock.
Status run_realtime(FaxSession& session, hal::Transport& transport, const RealtimeOptions& opts = {});

}  // namespace fax::t30
