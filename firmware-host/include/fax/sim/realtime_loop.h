// RealtimeLoop: runs a Simulation at the pace of the wall clock, for modems
// published on pseudo-terminals to real programs. A periodic timerfd fires once
// per tick (160 samples = 20 ms); every expiry advances the simulation by one
// step, so it never runs ahead of real time, and a late wake-up runs the missed
// steps back to back (up to max_catch_up; beyond that the backlog is dropped
// with a warning rather than run in a burst the DTEs could not follow). Between
// steps the loop poll(2)s the ports and moves their bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "fax/base/result.h"
#include "fax/sim/pty_modem_port.h"
#include "fax/sim/simulation.h"

namespace fax::sim {

struct RealtimeStats {
    std::uint64_t steps = 0;
    std::uint64_t late_steps = 0;     // run to catch up after a late wake-up
    std::uint64_t dropped_steps = 0;  // skipped: more than max_catch_up behind
};

class RealtimeLoop {
public:
    explicit RealtimeLoop(Simulation& sim, int max_catch_up = 50);

    // Lent; must outlive run().
    void add_port(PtyModemPort& port);
    // Called after every simulation step (e.g. to report finished calls).
    void set_after_step(std::function<void()> fn) { after_step_ = std::move(fn); }

    // Runs until `stop_fd` (a signalfd, eventfd or pipe) becomes readable; does not read it.
    Status run(int stop_fd);
    const RealtimeStats& stats() const { return stats_; }

private:
    Status service_ports();

    Simulation& sim_;
    int max_catch_up_;
    std::vector<PtyModemPort*> ports_;
    std::function<void()> after_step_;
    RealtimeStats stats_;
};

}  // namespace fax::sim
