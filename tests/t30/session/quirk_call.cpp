#include "quirk_call.h"

#include <array>
#include <cstdio>
#include <cstdlib>

#include "fax/base/log.h"
#include "fax/sim/modem_quirks.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/session_driver.h"
#include "fax/t30/tiff_io.h"

namespace fax::quirktest {
namespace {

constexpr const char* kStation = "NORTH CLINIC";
constexpr const char* kRecipientFax = "206-555-0140";

// Steps a ModemProber from the simulation, like SessionStepper does a session.
class ProberStepper final : public Steppable {
public:
    ProberStepper(driver::ModemProber& p, hal::Transport& t) : p_(p), t_(t) {}
    void step(Samples elapsed) override {
        now_ += elapsed;
        if (p_.finished()) return;
        std::array<uint8_t, 4096> buf{};
        for (;;) {
            auto n = t_.read(buf, std::chrono::milliseconds(0));
            if (!n || *n == 0) break;
            p_.on_bytes(std::span<const uint8_t>(buf.data(), *n));
        }
        p_.advance_to(now_);
        auto out = p_.take_output();
        if (!out.empty()) (void)hal::write_all(t_, out, std::chrono::milliseconds(1000));
    }

private:
    driver::ModemProber& p_;
    hal::Transport& t_;
    Samples now_{0};
};

// FAX_TRACE=1 prints the AT dialogue and call events.
// The spec's on_event, if any, sees every event.
template <typename S>
void watch(S& s, std::vector<std::string>& to_modem, const CallSpec& spec) {
    const bool trace = std::getenv("FAX_TRACE") != nullptr;
    if (trace) log::set_level(log::Level::Debug);
    s.set_trace([&to_modem, trace](bool out, const std::string& line) {
        if (out) to_modem.push_back(line);
        if (trace) std::fprintf(stderr, "%s %s\n", out ? ">>" : "<<", line.c_str());
    });
    if (trace || spec.on_event)
        s.set_event_handler([trace, also = spec.on_event](const t30::SessionEvent& e) {
            if (trace)
                std::fprintf(stderr, "[%s] %s\n", std::string(t30::to_string(e.phase)).c_str(), e.detail.c_str());
            if (also) also(e);
        });
}

template <typename Session, typename Stepper>
void run(sim::Simulation& sim, Session& session, sim::SimModem& modem, sim::ReferenceTerminal& term, Samples limit,
         CallOutcome& out) {
    if (auto s = modem.link().host().open(); !s) {
        out.result.status = s;
        return;
    }
    Stepper stepper(session, modem.link().host());
    const Samples start = sim.now();
    sim.attach(stepper);
    // The session's end is what matters; the terminal gets a little longer to finish.
    out.finished = sim.run_until([&] { return session.finished(); }, limit);
    const Samples end = sim.now();
    sim.run_until([&] { return term.done(); }, Samples{8000 * 120});
    sim.detach(stepper);
    modem.link().host().close();
    out.result = session.result();
    out.terminal = term.result();
    out.seconds = static_cast<double>((end - start).count()) / 8000.0;
}

int compressions(const CallSpec& spec) {
    int c = sim::kT30SupportT4_1D | sim::kT30SupportT4_2D;
    if (spec.mmr) c |= sim::kT30SupportT6;
    return c;
}

}  // namespace

sim::ModemOptions modem_with(const std::string& spec, bool class2) {
    sim::ModemOptions o;
    auto q = sim::parse_modem_quirks(spec);
    if (!q) {
        std::fprintf(stderr, "bad quirk spec %s: %s\n", spec.c_str(), q.error().to_string().c_str());
        std::abort();
    }
    o.quirks = *q;
    o.offer_class2 = class2;
    o.model = sim::quirk_model_name(o.model, o.quirks);
    return o;
}

driver::ProbeResult probe(sim::Simulation& sim, sim::SimModem& modem) {
    driver::ProbeOptions po;
    po.reset_timeout = Samples{8000 * 20};
    po.command_timeout = Samples{8000 * 10};
    driver::ModemProber prober(po);
    if (!modem.link().host().open()) return {};
    ProberStepper stepper(prober, modem.link().host());
    sim.attach(stepper);
    sim.run_until([&] { return prober.finished(); }, Samples{8000 * 300});
    sim.detach(stepper);
    modem.link().host().close();
    return prober.result();
}

const driver::ModemProfile& profile_for(const driver::ProbeResult& probe) {
    return driver::select_profile(probe.identity, driver::builtin_profiles());
}

namespace {

// The far end: a reference terminal that receives (a send) or sends (a receive) the
// spec's charts with the spec's modes.
sim::TerminalOptions terminal_for(const CallSpec& spec, sim::TerminalOptions::Role role, const std::string& tiff) {
    sim::TerminalOptions topts;
    topts.role = role;
    topts.tiff = tiff;
    topts.ident = kStation;
    topts.ecm = spec.ecm;
    topts.compressions = compressions(spec);
    return topts;
}

template <class Options>
void apply_modes(const CallSpec& spec, Options& opts) {
    opts.ecm = spec.ecm;
    if constexpr (requires { opts.allow_mmr; }) opts.allow_mmr = spec.mmr;  // Class 1: the host codes pages
}

// A gate-cleared release of the spec's charts sent by Session to a receiving terminal.
template <class Session, class Stepper, class Options>
CallOutcome send_call(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir, const CallSpec& spec,
                      Options opts) {
    CallOutcome out;
    const std::string doc = dir.file("record.tif");
    if (auto s = testing::write_charts_at(doc, spec.charts); !s) {
        out.result.status = s;
        return out;
    }
    auto release = testing::clear_for_fax(dir, doc, kRecipientFax, std::string(kStation));
    if (!release) {
        out.result.status = fail(release.take_error());
        return out;
    }
    out.sent_tiff = release->tiff_path();
    out.received_tiff = dir.file("rx.tif");
    auto& term = sim.add_terminal(release->dial_number(),
                                  terminal_for(spec, sim::TerminalOptions::Role::Receive, out.received_tiff));
    apply_modes(spec, opts);
    auto session = Session::transmit(std::move(*release), opts);
    if (!session) {
        out.result.status = fail(session.take_error());
        return out;
    }
    watch(**session, out.to_modem, spec);
    run<Session, Stepper>(sim, **session, modem, term, spec.limit, out);
    return out;
}

// The spec's charts sent by a terminal that dials the modem, received by Session.
template <class Session, class Stepper, class Options>
CallOutcome receive_call(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                         const CallSpec& spec, Options opts) {
    CallOutcome out;
    out.sent_tiff = dir.file("tx.tif");
    out.received_tiff = dir.file("rx.tif");
    if (auto s = testing::write_charts_at(out.sent_tiff, spec.charts); !s) {
        out.result.status = s;
        return out;
    }
    auto topts = terminal_for(spec, sim::TerminalOptions::Role::Send, out.sent_tiff);
    topts.dial = modem.number();
    // Time for the session's set-up (a slow or late modem takes a while) before the call.
    topts.dial_delay = Samples{8000 * 40};
    auto& term = sim.add_terminal("12065550199", topts);
    apply_modes(spec, opts);
    auto session = Session::receive(out.received_tiff, opts);
    if (!session) {
        out.result.status = fail(session.take_error());
        return out;
    }
    watch(**session, out.to_modem, spec);
    run<Session, Stepper>(sim, **session, modem, term, spec.limit, out);
    return out;
}

}  // namespace

CallOutcome send_class1(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                        const CallSpec& spec, t30::SessionOptions opts) {
    return send_call<t30::FaxSession, t30::SessionStepper>(sim, modem, dir, spec, std::move(opts));
}

CallOutcome receive_class1(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                           const CallSpec& spec, t30::SessionOptions opts) {
    return receive_call<t30::FaxSession, t30::SessionStepper>(sim, modem, dir, spec, std::move(opts));
}

CallOutcome send_class2(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                        const CallSpec& spec, t30::Class2Options opts) {
    return send_call<t30::Class2Session, t30::SessionStepper>(sim, modem, dir, spec, std::move(opts));
}

CallOutcome receive_class2(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                           const CallSpec& spec, t30::Class2Options opts) {
    return receive_call<t30::Class2Session, t30::SessionStepper>(sim, modem, dir, spec, std::move(opts));
}

std::string page_differences(const std::string& sent, const std::string& received) {
    auto a = t30::read_tiff(sent);
    if (!a) return "sent: " + a.error().to_string();
    auto b = t30::read_tiff(received);
    if (!b) return "received: " + b.error().to_string();
    if (a->size() != b->size())
        return std::to_string(a->size()) + " pages sent, " + std::to_string(b->size()) + " received";
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto d = t30::compare_pages((*a)[i], (*b)[i]);
        if (!d.identical) return "page " + std::to_string(i + 1) + ": " + d.summary;
    }
    return "";
}

}  // namespace fax::quirktest
