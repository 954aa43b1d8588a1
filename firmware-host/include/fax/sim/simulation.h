// Simulation: simulated modems, reference terminals and the exchange between
// them, advanced in lock step by a fixed tick of samples — as fast as the CPU
// allows in process, or paced to real time by RealtimeLoop.
//
// One step():
//   1. every modem takes the bytes its host wrote (SimModem::take_dte_input);
//   2. the exchange acts on requests and call timers, then `tick` samples of
//      audio flow both ways on every line (modems and terminals emit and consume
//      audio; modem output to the DTE is written to the link as it is produced);
//   3. every attached host (Steppable) is stepped by `tick`.
// Nothing here reads the wall clock: time is the sample counter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fax/base/time.h"
#include "fax/sim/exchange.h"
#include "fax/sim/reference_terminal.h"
#include "fax/sim/sim_modem.h"

namespace fax::sim {

class Simulation {
public:
    explicit Simulation(Samples tick = Samples{160}, ExchangeOptions exchange_options = {});
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    // A number may be used once; adding a number twice is a programming error (asserts).
    SimModem& add_modem(const std::string& number, ModemOptions options = {});
    // Fails (Errc::InvalidArgument) for a number already in use or unusable options.
    Result<ReferenceTerminal*> try_add_terminal(const std::string& number, TerminalOptions options);
    // As try_add_terminal, asserting success.
    ReferenceTerminal& add_terminal(const std::string& number, TerminalOptions options);

    // Host-side drivers, stepped every tick after the modems and the audio. Lent, not owned.
    void attach(Steppable& host);
    void detach(Steppable& host);

    void step();
    // Steps until done() is true (checked before every step); false if `limit` simulated time passed first.
    bool run_until(const std::function<bool()>& done, Samples limit);

    Samples now() const { return now_; }
    Samples tick() const { return tick_; }
    const Clock& clock() const;
    Exchange& exchange() { return exchange_; }
    const Exchange& exchange() const { return exchange_; }
    // Adds white Gaussian noise at `dbm0` to the audio delivered to `number`'s line.
    void set_line_noise(const std::string& number, double dbm0) { exchange_.set_line_noise(number, dbm0); }

    SimModem* find_modem(const std::string& number);
    ReferenceTerminal* find_terminal(const std::string& number);
    const std::vector<std::unique_ptr<SimModem>>& modems() const { return modems_; }
    const std::vector<std::unique_ptr<ReferenceTerminal>>& terminals() const { return terminals_; }

private:
    class SimClock;

    Samples tick_;
    Samples now_{0};
    Exchange exchange_;
    std::unique_ptr<SimClock> clock_;
    std::vector<std::unique_ptr<SimModem>> modems_;
    std::vector<std::unique_ptr<ReferenceTerminal>> terminals_;
    std::vector<Steppable*> hosts_;
    std::uint64_t detaches_ = 0;
};

}  // namespace fax::sim
