// Drives a SimModem's DTE port from a test, as a host driver would, in
// simulated time: write a command, step the simulation until the expected
// answer has arrived (or a simulated deadline passed).
#pragma once

#include <string>

#include "fax/sim/simulation.h"

namespace fax::sim::test {

class ModemHarness {
public:
    ModemHarness(Simulation& sim, SimModem& modem);
    void send(const std::string& bytes);
    // Steps until the modem's output since the last take() contains `needle`; returns everything
    // received so far (and consumes it) or an empty string after `limit` simulated time.
    std::string expect(const std::string& needle, Samples limit = Samples{2 * 8000});
    // Sends `command` and waits for `needle` (default: the final "OK").
    std::string at(const std::string& command, const std::string& needle = "OK\r\n", Samples limit = Samples{2 * 8000});
    // Steps for `duration` and returns what arrived.
    std::string collect(Samples duration);
    const std::string& received() const { return buffer_; }

private:
    void pull();
    Simulation& sim_;
    SimModem& modem_;
    std::string buffer_;
};

// "\r\nOK\r\n" → "<CR><LF>OK<CR><LF>" for readable failure messages.
std::string printable(const std::string& s);

}  // namespace fax::sim::test
