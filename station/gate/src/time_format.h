// Internal: the few time conversions the gate needs, without reading any clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fax/base/utc_text.h"

namespace fax::gate::detail {

using TimePoint = std::chrono::system_clock::time_point;

inline int64_t to_unix(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline TimePoint from_unix(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

// "2025-03-01T14:02:09Z"
inline std::string iso_utc(TimePoint t) { return ::fax::iso_utc(t); }

// "2025-03-01"
inline std::string iso_date(TimePoint t) { return iso_utc(t).substr(0, 10); }

}  // namespace fax::gate::detail
