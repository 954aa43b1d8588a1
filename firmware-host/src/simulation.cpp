#include "fax/sim/simulation.h"

#include <algorithm>
#include <cassert>

#include "fax/base/log.h"

namespace fax::sim {

class Simulation::SimClock final : public Clock {
public:
    explicit SimClock(const Simulation& sim) : sim_(sim) {}
    Samples now() const override { return sim_.now(); }

private:
    const Simulation& sim_;
};

Simulation::Simulation(Samples tick, ExchangeOptions exchange_options)
    : tick_(tick), exchange_(exchange_options), clock_(std::make_unique<SimClock>(*this)) {
    assert(tick.count() > 0);
}

Simulation::~Simulation() = default;

const Clock& Simulation::clock() const { return *clock_; }

SimModem& Simulation::add_modem(const std::string& number, ModemOptions options) {
    assert(!exchange_.has_line(number) && "number already in use");
    auto m = SimModem::create(number, exchange_, std::move(options));
    assert(m.ok() && "t31_init failed");
    modems_.push_back(std::move(*m));
    exchange_.add_line(number, *modems_.back());
    return *modems_.back();
}

Result<ReferenceTerminal*> Simulation::try_add_terminal(const std::string& number, TerminalOptions options) {
    if (number.empty()) return fail(Errc::InvalidArgument, "terminal: empty number");
    if (exchange_.has_line(number)) return fail(Errc::InvalidArgument, "number " + number + " is already in use");
    auto t = ReferenceTerminal::create(number, std::move(options), exchange_, now_);
    if (!t) return fail(t.take_error());
    terminals_.push_back(std::move(*t));
    exchange_.add_line(number, *terminals_.back());
    return terminals_.back().get();
}

ReferenceTerminal& Simulation::add_terminal(const std::string& number, TerminalOptions options) {
    auto t = try_add_terminal(number, std::move(options));
    if (!t) FAX_LOG(Error, "simulation", t.error().to_string());
    assert(t.ok());
    return **t;
}

void Simulation::attach(Steppable& host) {
    if (std::find(hosts_.begin(), hosts_.end(), &host) == hosts_.end()) hosts_.push_back(&host);
}

void Simulation::detach(Steppable& host) {
    std::erase(hosts_, &host);
    ++detaches_;
}

void Simulation::step() {
    for (auto& m : modems_) m->take_dte_input();
    exchange_.step(now_, tick_);
    now_ += tick_;
    // A host may detach itself (or another) while being stepped: until one does, every
    // host of the snapshot is still attached (no search per host, which with thousands of
    // calls would cost more than the calls).
    const auto hosts = hosts_;
    const std::uint64_t detaches = detaches_;
    for (Steppable* h : hosts)
        if (detaches_ == detaches || std::find(hosts_.begin(), hosts_.end(), h) != hosts_.end()) h->step(tick_);
}

bool Simulation::run_until(const std::function<bool()>& done, Samples limit) {
    const Samples end = now_ + limit;
    for (;;) {
        if (done()) return true;
        if (now_ >= end) return false;
        step();
    }
}

SimModem* Simulation::find_modem(const std::string& number) {
    for (auto& m : modems_)
        if (m->number() == number) return m.get();
    return nullptr;
}

ReferenceTerminal* Simulation::find_terminal(const std::string& number) {
    for (auto& t : terminals_)
        if (t->number() == number) return t.get();
    return nullptr;
}

}  // namespace fax::sim
