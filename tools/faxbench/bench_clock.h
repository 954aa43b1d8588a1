// The two clocks the benchmark reads: this process's CPU time (user + system,
// getrusage) and the monotonic wall clock. CPU time is the figure that survives a
// machine shared with other work; wall time is what a durable commit (fsync) costs.
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace fax::faxbench {

inline double seconds_of(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

inline double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);
}

inline double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Wall and CPU time of one stretch of work.
class Stopwatch {
public:
    Stopwatch() : wall0_(wall_seconds()), cpu0_(cpu_seconds()) {}
    double wall() const { return wall_seconds() - wall0_; }
    double cpu() const { return cpu_seconds() - cpu0_; }

private:
    double wall0_;
    double cpu0_;
};

}  // namespace fax::faxbench
