// UTC timestamps as text, from a time handed in (nothing here reads a clock).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace fax {

// "2025-03-01T14:02:09Z"
inline std::string iso_utc(std::chrono::system_clock::time_point t) {
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

// "20250301T140209": the same instant without separators, for ids and file names.
inline std::string compact_utc(std::chrono::system_clock::time_point t) {
    std::string s;
    for (char c : iso_utc(t))
        if (c != '-' && c != ':' && c != 'Z') s.push_back(c);
    return s;
}

}  // namespace fax
