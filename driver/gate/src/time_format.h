// Internal: the few time conversions the gate needs, without reading any clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace fax::gate::detail {

using TimePoint = std::chrono::system_clock::time_point;

inline int64_t to_unix(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline TimePoint from_unix(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

// "2025-03-01T14:02:09Z"
inline std::string iso_utc(TimePoint t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss hms{secs - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

// "2025-03-01"
inline std::string iso_date(TimePoint t) { return iso_utc(t).substr(0, 10); }

}  // namespace fax::gate::detail
