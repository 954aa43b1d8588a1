// The test's line kind (test_line.h) for in-process simulations: sim::Simulation
// sim(kTestTick, test_exchange_options()) runs on the line FAX_TEST_LINE names.
#pragma once

#include "fax/base/time.h"
#include "fax/sim/exchange.h"
#include "test_line.h"

namespace fax::testing {

inline sim::LineKind test_line() { return on_t38_line() ? sim::LineKind::T38 : sim::LineKind::Audio; }

inline sim::ExchangeOptions test_exchange_options(sim::ExchangeOptions o = {}) {
    o.line_kind = test_line();
    return o;
}

// The simulation tick every suite uses (20 ms).
inline constexpr Samples kTestTick{160};

}  // namespace fax::testing
