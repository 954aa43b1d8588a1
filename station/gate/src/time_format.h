// Internal: the few time conversions the gate needs, without reading any clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fax/base/utc_text.h"
#include "fax/store/stored_time.h"

namespace fax::gate::detail {

using TimePoint = std::chrono::system_clock::time_point;

using store::from_unix;
using store::to_unix;

// "2025-03-01T14:02:09Z"
inline std::string iso_utc(TimePoint t) { return ::fax::iso_utc(t); }

// "2025-03-01"
inline std::string iso_date(TimePoint t) { return iso_utc(t).substr(0, 10); }

}  // namespace fax::gate::detail
