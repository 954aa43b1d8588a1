// Concurrent calls in real time (docs/benchmarks.md, "Concurrent calls"): N calls at
// once in one sim::Simulation, paced by sim::RealtimeLoop (timerfd, 20 ms steps) on one
// thread, as faxsim runs its line. Each call is a complete session, both ends: a gated
// release sent by the project's FaxSession (SessionStepper, in-process link) through a
// simulated Class 1 modem over the exchange to a SpanDSP reference terminal. Calls start
// staggered over `stagger_s`, so that phases mix; every call is still in progress when
// the trial ends. A trial keeps up when the loop dropped no steps, at most
// `max_late_fraction` of its steps ran late (finished after the next 20 ms tick was due)
// and no call failed. find_max_calls() brackets and bisects N.
//
// Not included (unlike faxsim): pseudo-terminal I/O; included (unlike faxsim, where it is
// another process): the sender's session.
#pragma once

#include "fax/sim/exchange.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fax/base/result.h"

namespace fax::faxbench {

class BenchGate;

// Verified directory entries bench-rt-0, bench-rt-1, ... (numbers 206-556-0000, ...): each
// concurrent call needs its own far end.
class RecipientPool {
public:
    explicit RecipientPool(BenchGate& gate) : gate_(gate) {}
    Status ensure(int n);
    std::string id(int i) const;
    BenchGate& gate() { return gate_; }

private:
    BenchGate& gate_;
    int added_ = 0;
};

struct RealtimeTrial {
    int calls = 0;
    double wall_s = 0;
    double cpu_s = 0;              // this thread's CPU during the run (RUSAGE_THREAD)
    std::uint64_t steps = 0;       // 20 ms steps run
    std::uint64_t late_steps = 0;  // run to catch up (RealtimeStats)
    std::uint64_t dropped_steps = 0;
    std::uint64_t missed = 0;      // steps that finished after the next tick was due
    double max_late_ms = 0;        // the worst of those
    double p99_late_ms = 0;        // 99th percentile of step lateness (0 if on time)
    int failed_calls = 0;
    std::string failure;           // first failed call's reason
    bool kept_up = false;
    double duty() const { return wall_s > 0 ? cpu_s / wall_s : 0; }  // CPU per wall second
    // Calls one core would carry at 100 % CPU, from this trial's CPU per call.
    double cpu_capacity() const { return cpu_s > 0 ? calls * wall_s / cpu_s : 0; }
};

struct ConcurrencyOptions {
    std::string chart_tiff;    // the document of every call (one chart page; the gate adds the cover)
    double stagger_s = 5;      // call starts spread over this long
    double measure_s = 15;     // then the trial runs this much longer
    double max_late_fraction = 0.01;
    int max_calls = 16384;
    sim::LineKind line = sim::LineKind::Audio;  // the simulated line of every call
    double precision = 0.05;   // bisection stops when hi - lo <= precision * lo
};

struct ConcurrencyResult {
    std::vector<RealtimeTrial> trials;  // in the order run
    int max_calls = 0;                  // the largest N that kept up
    int first_failing = 0;              // the smallest N that did not (0 if none)
};

Result<RealtimeTrial> run_realtime_trial(RecipientPool& pool, int calls, const ConcurrencyOptions& options);
Result<ConcurrencyResult> find_max_calls(RecipientPool& pool, const ConcurrencyOptions& options, int first_guess);

std::string format_concurrency_table(const ConcurrencyResult& r, int target);
std::string concurrency_json(const ConcurrencyResult& r, const ConcurrencyOptions& o, int target);

}  // namespace fax::faxbench
