// Times as the stores keep them: integer seconds or milliseconds since 1970 (UTC).
// Stored values come back from files a hostile process may have altered: a value
// beyond what system_clock (nanoseconds, about ±292 years around 1970) holds saturates
// instead of overflowing (an altered audit entry is then reported by its hash).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace fax::store {

using TimePoint = std::chrono::system_clock::time_point;

inline int64_t to_unix(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline TimePoint from_unix(int64_t s) {
    constexpr int64_t kLimit = std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count();
    return TimePoint(std::chrono::seconds(std::clamp<int64_t>(s, -kLimit, kLimit)));
}

inline int64_t to_unix_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint from_unix_ms(int64_t ms) {
    constexpr int64_t kLimit =
        std::chrono::duration_cast<std::chrono::milliseconds>(TimePoint::duration::max()).count();
    return TimePoint(std::chrono::milliseconds(std::clamp<int64_t>(ms, -kLimit, kLimit)));
}

}  // namespace fax::store
