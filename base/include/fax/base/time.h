// Time as the protocol engines see it: 8 kHz sample counts handed in by a driver,
// never read from a clock inside an engine (STYLE.md §4).
#pragma once

#include <chrono>
#include <cstdint>

namespace fax {

using Samples = std::chrono::duration<int64_t, std::ratio<1, 8000>>;
inline constexpr int kSampleRate = 8000;

// A source of monotonic time. Behind a real transport it is the wall clock; in an
// in-process simulation it is the simulation's sample counter.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Samples now() const = 0;
};

class SteadyClock final : public Clock {
public:
    SteadyClock() : origin_(std::chrono::steady_clock::now()) {}
    Samples now() const override {
        return std::chrono::duration_cast<Samples>(std::chrono::steady_clock::now() - origin_);
    }

private:
    std::chrono::steady_clock::time_point origin_;
};

// Something that advances by a number of samples in a lock-stepped simulation.
class Steppable {
public:
    virtual ~Steppable() = default;
    virtual void step(Samples elapsed) = 0;
};

}  // namespace fax
