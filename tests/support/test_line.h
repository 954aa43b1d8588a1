// Which simulated line a test runs over: FAX_TEST_LINE=audio (the default) or t38. CTest
// registers the suites that place calls once per line kind (fax_add_test T38), so the
// same tests prove the stack over the 8 kHz audio line and over the T.38 packet line.
// This part needs nothing but the standard library (suites that only start faxsim);
// line_kind.h adds what in-process simulations need.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace fax::testing {

inline bool on_t38_line() {
    const char* v = std::getenv("FAX_TEST_LINE");
    return v && std::string_view(v) == "t38";
}

// Arguments that put a faxsim process on the test's line kind.
inline std::vector<std::string> faxsim_line_args() {
    if (!on_t38_line()) return {};
    return {"--line", "t38"};
}

}  // namespace fax::testing
