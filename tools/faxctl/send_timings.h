// SendTimings: where the time of `faxctl send --timings` goes, from the moment faxctl
// started to the first byte written to the modem (docs/faxctl.md, "Timings"). The
// commands mark each step as it finishes; the gate and the transmitter report theirs
// through their step observers. Printed on stderr when the send is over: a table, or
// with --json one {"event":"timings"} line. Steady (monotonic) clock throughout; the
// start is given as CLOCK_MONOTONIC nanoseconds so that a parent that started faxctl
// (faxbench) can add the process start-up it measured itself.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace fax::faxctl {

class SendTimings {
public:
    using Clock = std::chrono::steady_clock;

    explicit SendTimings(Clock::time_point started) : started_(started) {}

    // `step` finished now (or at `at`). The first_byte step is also kept apart.
    void mark(std::string_view step) { mark(step, Clock::now()); }
    void mark(std::string_view step, Clock::time_point at);

    // The steps in time order, each with its own duration (since the step before it)
    // and its end, in milliseconds since faxctl started; first_byte_ms and
    // gate_decision_ms (the end of the gate's audit append), when reached.
    nlohmann::json to_json() const;
    std::string to_text() const;

private:
    struct Mark {
        std::string step;
        Clock::time_point at;
    };
    std::vector<Mark> sorted() const;
    double ms_since_start(Clock::time_point t) const;

    Clock::time_point started_;
    std::vector<Mark> marks_;
};

}  // namespace fax::faxctl
