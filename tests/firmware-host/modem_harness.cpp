#include "modem_harness.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <span>

namespace fax::sim::test {

ModemHarness::ModemHarness(Simulation& sim, SimModem& modem) : sim_(sim), modem_(modem) {
    (void)modem_.link().host().open();
}

void ModemHarness::send(const std::string& bytes) {
    auto w = modem_.link().host().write(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
        std::chrono::milliseconds(0));
    (void)w;
}

void ModemHarness::pull() {
    std::array<uint8_t, 1024> buf{};
    for (;;) {
        auto n = modem_.link().host().read(buf, std::chrono::milliseconds(0));
        if (!n || *n == 0) return;
        buffer_.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
}

std::string ModemHarness::expect(const std::string& needle, Samples limit) {
    const bool found = sim_.run_until(
        [&] {
            pull();
            return buffer_.find(needle) != std::string::npos;
        },
        limit);
    if (!found) return {};
    std::string out;
    out.swap(buffer_);
    return out;
}

std::string ModemHarness::at(const std::string& command, const std::string& needle, Samples limit) {
    send(command);
    return expect(needle, limit);
}

std::string ModemHarness::collect(Samples duration) {
    sim_.run_until([] { return false; }, duration);
    pull();
    std::string out;
    out.swap(buffer_);
    return out;
}

std::string printable(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\r') out += "<CR>";
        else if (c == '\n') out += "<LF>";
        else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "<%02X>", static_cast<unsigned char>(c));
            out += hex;
        } else out += c;
    }
    return out;
}

}  // namespace fax::sim::test
