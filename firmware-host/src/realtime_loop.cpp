#include "fax/sim/realtime_loop.h"

#include <poll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#include "fax/base/log.h"
#include "fax/base/unique_fd.h"

namespace fax::sim {

namespace {
constexpr std::string_view kComponent = "realtime";

Unexpected io_fail(const std::string& what, int err) {
    return fail(Errc::Io, what + ": " + std::generic_category().message(err));
}
}  // namespace

RealtimeLoop::RealtimeLoop(Simulation& sim, int max_catch_up) : sim_(sim), max_catch_up_(max_catch_up) {}

void RealtimeLoop::add_port(PtyModemPort& port) { ports_.push_back(&port); }

Status RealtimeLoop::service_ports() {
    for (PtyModemPort* p : ports_) FAX_TRY(p->service());
    return {};
}

Status RealtimeLoop::run(int stop_fd) {
    UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer) return io_fail("timerfd_create", errno);
    // One sample is 125 us.
    const std::int64_t period_ns = sim_.tick().count() * 125'000;
    itimerspec its{};
    its.it_interval.tv_sec = static_cast<time_t>(period_ns / 1'000'000'000);
    its.it_interval.tv_nsec = static_cast<long>(period_ns % 1'000'000'000);
    its.it_value = its.it_interval;
    if (::timerfd_settime(timer.get(), 0, &its, nullptr) != 0) return io_fail("timerfd_settime", errno);

    std::vector<pollfd> fds;
    for (;;) {
        fds.clear();
        fds.push_back(pollfd{stop_fd, POLLIN, 0});
        fds.push_back(pollfd{timer.get(), POLLIN, 0});
        for (PtyModemPort* p : ports_) fds.push_back(pollfd{p->master_fd(), p->poll_events(), 0});
        const int r = ::poll(fds.data(), fds.size(), -1);
        if (r < 0) {
            if (errno == EINTR) continue;
            return io_fail("poll", errno);
        }
        if (fds[0].revents != 0) return {};

        if (fds[1].revents & POLLIN) {
            std::uint64_t expirations = 0;
            const ssize_t n = ::read(timer.get(), &expirations, sizeof expirations);
            if (n == static_cast<ssize_t>(sizeof expirations) && expirations > 0) {
                std::uint64_t run = expirations;
                if (run > static_cast<std::uint64_t>(max_catch_up_)) {
                    stats_.dropped_steps += run - static_cast<std::uint64_t>(max_catch_up_);
                    FAX_LOG(Warn, kComponent,
                            "fell " + std::to_string(run) + " steps behind real time; dropping the backlog");
                    run = static_cast<std::uint64_t>(max_catch_up_);
                }
                stats_.late_steps += run - 1;
                for (std::uint64_t i = 0; i < run; ++i) {
                    FAX_TRY(service_ports());
                    sim_.step();
                    ++stats_.steps;
                    if (after_step_) after_step_();
                }
            }
        }
        FAX_TRY(service_ports());
    }
}

}  // namespace fax::sim
