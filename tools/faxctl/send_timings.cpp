#include "send_timings.h"

#include <algorithm>
#include <cstdio>

namespace fax::faxctl {

void SendTimings::mark(std::string_view step, Clock::time_point at) { marks_.push_back({std::string(step), at}); }

std::vector<SendTimings::Mark> SendTimings::sorted() const {
    std::vector<Mark> m = marks_;
    // The first byte is reported after the step it happened in (the probe): by time.
    std::stable_sort(m.begin(), m.end(), [](const Mark& a, const Mark& b) { return a.at < b.at; });
    return m;
}

double SendTimings::ms_since_start(Clock::time_point t) const {
    return std::chrono::duration<double, std::milli>(t - started_).count();
}

nlohmann::json SendTimings::to_json() const {
    nlohmann::json steps = nlohmann::json::array();
    Clock::time_point prev = started_;
    std::optional<double> first_byte, decision;
    for (const auto& m : sorted()) {
        const double end = ms_since_start(m.at);
        steps.push_back({{"step", m.step},
                         {"ms", std::chrono::duration<double, std::milli>(m.at - prev).count()},
                         {"end_ms", end}});
        prev = m.at;
        if (m.step == "first_byte" && !first_byte) first_byte = end;
        if (m.step == "audit_append" && !decision) decision = end;
    }
    nlohmann::json j{{"event", "timings"},
                     {"clock", "CLOCK_MONOTONIC"},
                     {"start_ns", std::chrono::duration_cast<std::chrono::nanoseconds>(started_.time_since_epoch()).count()},
                     {"steps", steps}};
    j["first_byte_ms"] = first_byte ? nlohmann::json(*first_byte) : nlohmann::json(nullptr);
    j["gate_decision_ms"] = decision ? nlohmann::json(*decision) : nlohmann::json(nullptr);
    return j;
}

std::string SendTimings::to_text() const {
    std::string s = "timings (ms; from faxctl's start):\n";
    char line[128];
    std::snprintf(line, sizeof line, "  %-18s %10s %10s\n", "step", "took", "at");
    s += line;
    Clock::time_point prev = started_;
    for (const auto& m : sorted()) {
        std::snprintf(line, sizeof line, "  %-18s %10.1f %10.1f\n", m.step.c_str(),
                      std::chrono::duration<double, std::milli>(m.at - prev).count(), ms_since_start(m.at));
        s += line;
        prev = m.at;
    }
    const auto j = to_json();
    if (j["first_byte_ms"].is_number()) {
        std::snprintf(line, sizeof line, "  first byte on the modem %.1f ms after faxctl started\n",
                      j["first_byte_ms"].get<double>());
        s += line;
    } else {
        s += "  no byte was written to the modem\n";
    }
    return s;
}

}  // namespace fax::faxctl
