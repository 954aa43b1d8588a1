#include "fax/hal/transport.h"

#include <chrono>

namespace fax::hal {

Status write_all(Transport& t, std::span<const uint8_t> data, std::chrono::milliseconds timeout) {
    using clock = std::chrono::steady_clock;
    const auto end = clock::now() + timeout;
    while (!data.empty()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock::now());
        if (left.count() < 0) return fail(Errc::Timeout, t.describe() + ": write timed out (flow control held?)");
        auto n = t.write(data, left);
        if (!n) return fail(n.take_error());
        data = data.subspan(*n);
    }
    return {};
}

}  // namespace fax::hal
