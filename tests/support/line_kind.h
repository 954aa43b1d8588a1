// Which simulated line a test runs over: FAX_TEST_LINE=audio (the default) or t38. CTest
// registers the suites that place calls once per line kind (fax_add_test LINES), so the
// same tests prove the stack over the 8 kHz audio line and over the T.38 packet line.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/time.h"
#include "fax/sim/exchange.h"

namespace fax::testing {

inline sim::LineKind test_line() {
    const char* v = std::getenv("FAX_TEST_LINE");
    return v && std::string_view(v) == "t38" ? sim::LineKind::T38 : sim::LineKind::Audio;
}

inline bool on_t38_line() { return test_line() == sim::LineKind::T38; }

inline sim::ExchangeOptions test_exchange_options(sim::ExchangeOptions o = {}) {
    o.line_kind = test_line();
    return o;
}

// The simulation tick every suite uses (20 ms).
inline constexpr Samples kTestTick{160};

// Arguments that put a faxsim process on the same line kind.
inline std::vector<std::string> faxsim_line_args() {
    if (!on_t38_line()) return {};
    return {"--line", "t38"};
}

}  // namespace fax::testing
