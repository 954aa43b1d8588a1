#include "concurrency.h"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "bench_gate.h"
#include "fax/base/log.h"
#include "fax/base/unique_fd.h"
#include "fax/sim/realtime_loop.h"
#include "fax/sim/simulation.h"
#include "fax/station/modem_port.h"
#include "fax/t30/session_driver.h"

namespace fax::faxbench {
namespace {

double thread_cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_THREAD, &ru);
    return seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);
}

std::string digits(int v, int width) {
    std::string s = std::to_string(v);
    return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
}

struct Call {
    std::unique_ptr<t30::CallSession> session;
    std::unique_ptr<t30::SessionStepper> stepper;
    sim::ReferenceTerminal* terminal = nullptr;
    Samples start{0};
};

}  // namespace

Status RecipientPool::ensure(int n) {
    for (; added_ < n; ++added_) {
        // 206-500-0000 ... 206-599-9999: dialled as 12065000000 ...
        const std::string d = digits(added_, 6);
        FAX_TRY(gate_.add_verified_recipient(id(added_), "206-5" + d.substr(0, 2) + "-" + d.substr(2)));
    }
    return {};
}

std::string RecipientPool::id(int i) const { return "bench-rt-" + std::to_string(i); }

Result<RealtimeTrial> run_realtime_trial(RecipientPool& pool, int calls, const ConcurrencyOptions& o) {
    if (calls < 1 || calls > 99999) return fail(Errc::InvalidArgument, "concurrency: calls must be 1..99999");
    FAX_TRY(pool.ensure(calls));
    BenchGate& gate = pool.gate();
    RealtimeTrial t;
    t.calls = calls;

    sim::ExchangeOptions xo;
    xo.line_kind = o.line;
    sim::Simulation sim(Samples{160}, xo);
    std::vector<Call> cs(static_cast<std::size_t>(calls));
    const auto scratch = gate.scratch() / "realtime";
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
    std::filesystem::create_directories(scratch, ec);
    for (int i = 0; i < calls; ++i) {
        auto release = gate.clear(o.chart_tiff, pool.id(i));
        if (!release) return fail(release.take_error());
        auto& c = cs[static_cast<std::size_t>(i)];
        auto& modem = sim.add_modem("7" + digits(i, 6));
        sim::TerminalOptions topts;
        topts.role = sim::TerminalOptions::Role::Receive;
        topts.tiff = (scratch / ("rx-" + std::to_string(i) + ".tif")).string();
        topts.ecm = true;
        auto term = sim.try_add_terminal(release->dial_number(), topts);
        if (!term) return fail(term.take_error());
        c.terminal = *term;
        auto session = station::ModemPort::make_session(station::ModemClass::Class1, driver::generic_profile(), true,
                                                        station::SendRole{std::move(*release), job::Tuning{}, "FAXSTACK"});
        if (!session) return fail(session.take_error());
        c.session = std::move(*session);
        FAX_TRY(modem.link().host().open());
        c.stepper = std::make_unique<t30::SessionStepper>(*c.session, modem.link().host());
        c.start = Samples{static_cast<int64_t>(o.stagger_s * kSampleRate * i / calls)};
    }
    UniqueFd stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop) return fail(Errc::Io, "concurrency: eventfd failed");
    sim::RealtimeLoop loop(sim);
    const double period = static_cast<double>(sim.tick().count()) / kSampleRate;
    const Samples end{static_cast<int64_t>((o.stagger_s + o.measure_s) * kSampleRate)};
    std::vector<double> lateness;
    lateness.reserve(static_cast<std::size_t>((o.stagger_s + o.measure_s) / period) + 64);
    std::size_t next = 0;
    bool stopping = false;
    double t0 = 0;
    loop.set_after_step([&] {
        while (next < cs.size() && sim.now() >= cs[next].start) sim.attach(*cs[next++].stepper);
        // Step k (1-based, counting dropped ones) was due at tick k and must be done by tick k + 1.
        const auto& st = loop.stats();
        const double k = static_cast<double>(st.steps + st.dropped_steps);
        lateness.push_back(wall_seconds() - (t0 + (k + 1) * period));
        if (!stopping && sim.now() >= end) {
            stopping = true;
            const std::uint64_t one = 1;
            if (::write(stop.get(), &one, sizeof one) < 0) FAX_LOG(Warn, "faxbench", "cannot stop the realtime loop");
        }
    });
    const double cpu0 = thread_cpu_seconds();
    t0 = wall_seconds();
    auto ran = loop.run(stop.get());
    t.wall_s = wall_seconds() - t0;
    t.cpu_s = thread_cpu_seconds() - cpu0;
    for (auto& c : cs) sim.detach(*c.stepper);
    if (!ran) return fail(ran.take_error());

    t.steps = loop.stats().steps;
    t.late_steps = loop.stats().late_steps;
    t.dropped_steps = loop.stats().dropped_steps;
    for (double l : lateness)
        if (l > 0) {
            ++t.missed;
            t.max_late_ms = std::max(t.max_late_ms, l * 1000.0);
        }
    if (!lateness.empty()) {
        std::vector<double> sorted = lateness;
        std::sort(sorted.begin(), sorted.end());
        t.p99_late_ms = std::max(0.0, sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)] * 1000.0);
    }
    for (const auto& c : cs) {
        const auto& r = c.session->result();
        const bool failed = (c.session->finished() && (!r.status.ok() || !r.call_completed)) ||
                            (c.terminal->done() && c.terminal->result().call_failure.has_value());
        if (failed) {
            if (t.failed_calls == 0)
                t.failure = !r.status.ok() ? r.status.error().to_string()
                                           : (r.completion_text.empty() ? std::string("call failed") : r.completion_text);
            ++t.failed_calls;
        }
    }
    t.kept_up = t.dropped_steps == 0 && t.failed_calls == 0 &&
                static_cast<double>(t.missed) <= o.max_late_fraction * static_cast<double>(t.steps);
    // Received faxes, and the spooled releases (the sessions read theirs while sending).
    std::filesystem::remove_all(scratch, ec);
    std::filesystem::remove_all(gate.scratch() / "spool", ec);
    return t;
}

Result<ConcurrencyResult> find_max_calls(RecipientPool& pool, const ConcurrencyOptions& o, int first_guess) {
    ConcurrencyResult res;
    int lo = 0, hi = 0;  // largest N known to keep up, smallest known not to (0: unknown)
    auto trial = [&](int n) -> Result<bool> {
        auto t = run_realtime_trial(pool, n, o);
        if (!t) return fail(t.take_error());
        std::fprintf(stderr,
                     "faxbench: %4d calls: %s (steps %llu, missed %llu, dropped %llu, max late %.1f ms, CPU %.0f %%, "
                     "failed calls %d)\n",
                     n, t->kept_up ? "kept up" : "fell behind", static_cast<unsigned long long>(t->steps),
                     static_cast<unsigned long long>(t->missed), static_cast<unsigned long long>(t->dropped_steps),
                     t->max_late_ms, 100.0 * t->duty(), t->failed_calls);
        res.trials.push_back(*t);
        if (t->kept_up) lo = std::max(lo, n);
        else hi = hi == 0 ? n : std::min(hi, n);
        return t->kept_up;
    };
    int n = std::clamp(first_guess, 1, o.max_calls);
    auto first = trial(n);
    if (!first) return fail(first.take_error());
    // The first trial's CPU per call says roughly where the limit is; bracket it from there.
    const double cap = res.trials.back().cpu_capacity();
    int guess = std::clamp(static_cast<int>(0.85 * cap), 1, o.max_calls);
    if (guess != n) {
        auto r = trial(guess);
        if (!r) return fail(r.take_error());
        n = guess;
    }
    while (hi == 0 && lo < o.max_calls) {
        n = std::min(o.max_calls, std::max(lo + 1, static_cast<int>(std::ceil(lo * 1.25))));
        auto r = trial(n);
        if (!r) return fail(r.take_error());
    }
    while (lo == 0 && hi > 1) {
        n = std::max(1, hi * 3 / 4);
        auto r = trial(n);
        if (!r) return fail(r.take_error());
    }
    while (lo > 0 && hi > 0 && hi - lo > std::max(1.0, o.precision * lo)) {
        auto r = trial((lo + hi) / 2);
        if (!r) return fail(r.take_error());
    }
    res.max_calls = lo;
    res.first_failing = hi;
    return res;
}

std::string format_concurrency_table(const ConcurrencyResult& r, int target) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%6s %7s %8s %8s %7s %9s %9s %6s %7s %10s  %s\n", "calls", "wall s", "CPU s", "steps",
                  "missed", "p99 ms", "max ms", "CPU %", "failed", "cap@100%", "result");
    out += line;
    out += std::string(100, '-') + "\n";
    for (const auto& t : r.trials) {
        std::snprintf(line, sizeof line, "%6d %7.1f %8.2f %8llu %7llu %9.2f %9.1f %6.0f %7d %10.0f  %s\n", t.calls, t.wall_s,
                      t.cpu_s, static_cast<unsigned long long>(t.steps), static_cast<unsigned long long>(t.missed),
                      t.p99_late_ms, t.max_late_ms, 100.0 * t.duty(), t.failed_calls, t.cpu_capacity(),
                      t.kept_up ? "kept up" : (t.dropped_steps > 0 ? "fell behind (steps dropped)" : "fell behind"));
        out += line;
    }
    out += "\n";
    std::snprintf(line, sizeof line,
                  "concurrent calls kept in real time on one thread: %d (next tried: %d); target >= %d: %s, ratio %.2f\n",
                  r.max_calls, r.first_failing, target, r.max_calls >= target ? "met" : "NOT met",
                  target > 0 ? static_cast<double>(r.max_calls) / target : 0.0);
    out += line;
    return out;
}

std::string concurrency_json(const ConcurrencyResult& r, const ConcurrencyOptions& o, int target) {
    nlohmann::json j;
    j["setup"] = "N calls (gated FaxSession -> simulated Class 1 modem -> exchange -> reference terminal, in-process "
                 "links) in one Simulation paced by RealtimeLoop on one thread";
    j["stagger_s"] = o.stagger_s;
    j["measure_s"] = o.measure_s;
    j["kept_up_rule"] = "no dropped steps, no failed call, missed steps <= max_late_fraction of steps";
    j["max_late_fraction"] = o.max_late_fraction;
    j["line"] = std::string(sim::to_string(o.line));
    j["max_calls"] = r.max_calls;
    j["first_failing"] = r.first_failing;
    j["target"] = target;
    j["ratio_to_target"] = target > 0 ? static_cast<double>(r.max_calls) / target : 0.0;
    auto& a = j["trials"];
    a = nlohmann::json::array();
    for (const auto& t : r.trials)
        a.push_back({{"calls", t.calls},
                     {"wall_s", t.wall_s},
                     {"cpu_s", t.cpu_s},
                     {"steps", t.steps},
                     {"late_steps", t.late_steps},
                     {"dropped_steps", t.dropped_steps},
                     {"missed", t.missed},
                     {"p99_late_ms", t.p99_late_ms},
                     {"max_late_ms", t.max_late_ms},
                     {"cpu_per_wall", t.duty()},
                     {"cpu_capacity_calls", t.cpu_capacity()},
                     {"failed_calls", t.failed_calls},
                     {"failure", t.failure},
                     {"kept_up", t.kept_up}});
    return j.dump();
}

}  // namespace fax::faxbench
