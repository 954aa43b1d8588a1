// Runners that connect a session (a protocol engine) to a Transport and a clock.
#pragma once

#include <array>
#include <chrono>
#include <span>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/hal/transport.h"
#include "fax/t30/call_session.h"

namespace fax::t30 {

// In-process, lock-stepped: a simulation steps it after its modems every tick. Reads
// never wait (the simulation advances time itself). Any CallSession (FaxSession,
// Class2Session): the same bytes-in, time, bytes-out contract.
class SessionStepper final : public Steppable {
public:
    SessionStepper(CallSession& session, hal::Transport& transport) : session_(session), transport_(transport) {}

    void step(Samples elapsed) override {
        now_ += elapsed;
        if (session_.finished()) return;
        std::array<uint8_t, 4096> buf{};
        for (;;) {
            auto n = transport_.read(buf, std::chrono::milliseconds(0));
            if (!n) {
                // The device went away: the session ends with the transport's error.
                status_ = fail(n.error());
                session_.transport_failed(n.take_error());
                return;
            }
            if (*n == 0) break;
            session_.on_bytes(std::span<const uint8_t>(buf.data(), *n));
        }
        session_.advance_to(now_);
        auto out = session_.take_output();
        if (!out.empty()) {
            auto w = hal::write_all(transport_, out, std::chrono::milliseconds(1000));
            if (!w.ok()) {
                status_ = w;
                session_.transport_failed(w.take_error());
            }
        }
    }

    Samples now() const { return now_; }
    // A transport failure (e.g. the device went away) ends the session.
    const Status& transport_status() const { return status_; }

private:
    CallSession& session_;
    hal::Transport& transport_;
    Samples now_{0};
    Status status_;
};

// Runs over a real terminal with the wall clock: fax/t30/realtime_runner.h.

}  // namespace fax::t30
