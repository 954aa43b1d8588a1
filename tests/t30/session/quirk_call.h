// Test support for whole calls through quirky simulated modems: a modem with a quirk
// spec (its personality in its model string), a probe of it as a station runs one (the
// profile comes from select_profile() on what the modem says), and Class 1 / Class 2.0
// calls to and from a SpanDSP reference terminal, with releases from the real gate.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fax/driver/modem_prober.h"
#include "fax/driver/profile.h"
#include "fax/sim/simulation.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/fax_session.h"
#include "release_fixture.h"

namespace fax::quirktest {

// A Class 1 modem (Class 2.0 too with `class2`) with the quirks of `spec`, announcing
// them in its model string (sim::quirk_model_name).
sim::ModemOptions modem_with(const std::string& spec, bool class2 = false);

// Probes `modem` over its link (generous time-outs, as a station's first probe of an
// unknown modem should have) and returns what it found.
driver::ProbeResult probe(sim::Simulation& sim, sim::SimModem& modem);
// The built-in profile select_profile() picks for that identity.
const driver::ModemProfile& profile_for(const driver::ProbeResult& probe);

struct CallOutcome {
    bool finished = false;        // the session ended within the limit
    t30::SessionResult result;
    sim::TerminalResult terminal;
    double seconds = 0;           // simulated time from start to the session's end
    std::vector<std::string> to_modem;  // AT lines the session sent
    std::string sent_tiff;        // transmit: the cleared document; receive: what the terminal sent
    std::string received_tiff;
};

struct CallSpec {
    std::vector<int> charts = {1};  // ITU charts after the gate's cover (transmit) / sent (receive)
    bool ecm = false;
    bool mmr = false;               // allow T.6 (needs ecm)
    Samples limit{8000 * 600};
    // Called with each of the session's events while the call runs (e.g. to look at the
    // received file mid-call).
    std::function<void(const t30::SessionEvent&)> on_event;
};

// FaxSession::transmit of a gate-cleared release (cover + charts) through `modem` to a
// reference terminal.
CallOutcome send_class1(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                        const CallSpec& spec, t30::SessionOptions opts);
// A reference terminal sends `charts` to `modem`'s number; FaxSession::receive takes them.
CallOutcome receive_class1(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                           const CallSpec& spec, t30::SessionOptions opts);
// Class2Session::transmit of cover + charts through `modem` to a reference terminal.
CallOutcome send_class2(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                        const CallSpec& spec, t30::Class2Options opts);
// A reference terminal sends `charts`; Class2Session::receive takes them.
CallOutcome receive_class2(sim::Simulation& sim, sim::SimModem& modem, const testing::TempDir& dir,
                           const CallSpec& spec, t30::Class2Options opts);

// Every page of `received` equals the same page of `sent`, pixel for pixel; the number of
// pages too. Returns a description of the first difference, or "" when identical.
std::string page_differences(const std::string& sent, const std::string& received);

}  // namespace fax::quirktest
