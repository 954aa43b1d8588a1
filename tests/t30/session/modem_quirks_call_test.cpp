// Each quirk personality of the simulated modem, end to end: the station probes the modem,
// select_profile() picks the personality's profile by identity (+FMI?/+FMM?/ATI3), and a
// whole call with that profile's quirks delivers ITU charts pixel for pixel. The same call
// with the generic profile's quirks must fail against the same modem — which shows that
// the personality misbehaves and that it is the driver's handling that copes with it.
#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <string>

#include "line_kind.h"
#include "fax/driver/profile.h"
#include "quirk_call.h"

namespace fax {
namespace {

using quirktest::CallOutcome;
using quirktest::CallSpec;

enum class Direction { Send, Receive };

struct Personality {
    const char* name;
    const char* spec;        // faxsim --quirks syntax
    const char* profile_id;  // what select_profile() must pick
    Direction direction;
    bool class2;
    CallSpec call;
};

void PrintTo(const Personality& p, std::ostream* os) { *os << p.name << " (" << p.spec << ")"; }

CallSpec charts(std::vector<int> c, bool ecm = false, bool mmr = false) {
    CallSpec s;
    s.charts = std::move(c);
    s.ecm = ecm;
    s.mmr = mmr;
    return s;
}

CallOutcome run_call(const Personality& p, const driver::ModemQuirks& quirks, const testing::TempDir& dir) {
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", quirktest::modem_with(p.spec, p.class2));
    if (p.class2) {
        t30::Class2Options o;
        o.quirks = quirks;
        o.data_format = p.call.mmr ? 3 : 1;
        return p.direction == Direction::Send ? quirktest::send_class2(sim, modem, dir, p.call, o)
                                              : quirktest::receive_class2(sim, modem, dir, p.call, o);
    }
    t30::SessionOptions o;
    o.quirks = quirks;
    return p.direction == Direction::Send ? quirktest::send_class1(sim, modem, dir, p.call, o)
                                          : quirktest::receive_class1(sim, modem, dir, p.call, o);
}

// Everything a good call is: ended normally, every page confirmed (or received), and the
// pages identical to what was sent.
std::string failures(const Personality& p, const CallOutcome& c) {
    std::string why;
    auto add = [&](const std::string& w) { why += (why.empty() ? "" : "; ") + w; };
    if (!c.finished) add("the session did not end");
    if (!c.result.status.ok()) add("status " + c.result.status.error().to_string());
    if (!c.result.call_completed) add("call not completed (" + c.result.completion_text + ")");
    if (p.direction == Direction::Send) {
        if (c.result.pages_confirmed != c.result.pages_in_document || c.result.pages_in_document == 0)
            add(std::to_string(c.result.pages_confirmed) + " of " + std::to_string(c.result.pages_in_document) +
                " pages confirmed");
    } else if (c.result.pages_received != static_cast<int>(p.call.charts.size())) {
        add(std::to_string(c.result.pages_received) + " pages received");
    }
    if (why.empty()) {
        const std::string d = quirktest::page_differences(c.sent_tiff, c.received_tiff);
        if (!d.empty()) add("pages differ: " + d);
    }
    return why;
}

class Personalities : public ::testing::TestWithParam<Personality> {};

TEST_P(Personalities, TheStationPicksItsProfileByIdentity) {
    const Personality& p = GetParam();
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", quirktest::modem_with(p.spec, p.class2));
    const auto probe = quirktest::probe(sim, modem);
    ASSERT_TRUE(probe.status.ok()) << probe.status.error().to_string();
    EXPECT_NE(probe.identity.fmm.find(std::string("[") + p.spec + "]"), std::string::npos) << probe.identity.fmm;
    EXPECT_EQ(quirktest::profile_for(probe).id, p.profile_id) << "identity " << probe.identity.fmi << " / "
                                                             << probe.identity.fmm;
}

TEST_P(Personalities, AWholeCallWithItsProfileIsPixelExact) {
    const Personality& p = GetParam();
    testing::TempDir dir;
    const driver::ModemProfile* profile = nullptr;
    {
        sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
        auto& modem = sim.add_modem("5551001", quirktest::modem_with(p.spec, p.class2));
        profile = &quirktest::profile_for(quirktest::probe(sim, modem));
    }
    ASSERT_EQ(profile->id, p.profile_id);
    const CallOutcome c = run_call(p, profile->quirks, dir);
    EXPECT_EQ(failures(p, c), "");
    std::printf("[ quirks   ] %s with profile %s: %.1f s simulated, %d page(s)\n", p.name, profile->id.c_str(),
                c.seconds, p.direction == Direction::Send ? c.result.pages_confirmed : c.result.pages_received);
}

TEST_P(Personalities, TheGenericProfileFailsAgainstIt) {
    const Personality& p = GetParam();
    testing::TempDir dir;
    const CallOutcome c = run_call(p, driver::generic_profile().quirks, dir);
    const std::string why = failures(p, c);
    EXPECT_NE(why, "") << "the personality did no harm: the test of its handling proves nothing";
    // Whatever went wrong, nothing is claimed that did not happen.
    if (p.direction == Direction::Send && !quirktest::page_differences(c.sent_tiff, c.received_tiff).empty()) {
        EXPECT_LT(c.result.pages_confirmed, c.result.pages_in_document);
    }
    std::printf("[ quirks   ] %s with the generic profile: %s (%.1f s simulated)\n", p.name, why.c_str(), c.seconds);
}

INSTANTIATE_TEST_SUITE_P(
    ModemQuirksCall, Personalities,
    ::testing::Values(
        Personality{"slow_atz", "slow-atz", "sim-slow-atz", Direction::Send, false, charts({1})},
        Personality{"numeric_results", "numeric-results", "sim-numeric-results", Direction::Send, false, charts({1})},
        Personality{"numeric_results_receive", "numeric-results", "sim-numeric-results", Direction::Receive, false,
                    charts({2})},
        Personality{"carrier_drop", "carrier-drop", "sim-carrier-drop", Direction::Send, false, charts({1, 2})},
        Personality{"early_connect", "early-connect", "sim-early-connect", Direction::Send, false, charts({1})},
        Personality{"dle_bug", "dle-bug", "sim-dle-bug", Direction::Receive, false, charts({1, 2}, true, true)},
        Personality{"late_ok", "late-ok", "sim-late-ok", Direction::Send, false, charts({1})},
        Personality{"xon_xoff", "xon-xoff", "sim-xon-xoff", Direction::Send, false, charts({1})},
        Personality{"class2_slow_atz", "slow-atz", "sim-slow-atz", Direction::Send, true, charts({1})},
        Personality{"class2_numeric_results", "numeric-results", "sim-numeric-results", Direction::Send, true,
                    charts({1})},
        Personality{"class2_late_ok", "late-ok", "sim-late-ok", Direction::Send, true, charts({1})},
        Personality{"class2_dle_bug", "dle-bug", "sim-dle-bug", Direction::Receive, true, charts({1, 2})}),
    [](const ::testing::TestParamInfo<Personality>& i) { return std::string(i.param.name); });

// needs_far (T.31 §8.5.1): the simulated t31 accepts +FAR but behaves no differently with it,
// so there is no personality that fails without it; what the driver does is checked here.
TEST(ModemQuirksCall, NeedsFarSendsFar1DuringSetUp) {
    testing::TempDir dir;
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001");
    t30::SessionOptions o;
    o.quirks.needs_far = true;
    CallSpec spec = charts({1});
    const CallOutcome c = quirktest::send_class1(sim, modem, dir, spec, o);
    EXPECT_TRUE(c.result.call_completed) << c.result.completion_text;
    int far = 0;
    for (const auto& l : c.to_modem) far += l == "AT+FAR=1";
    EXPECT_EQ(far, 1);
    t30::SessionOptions plain;
    sim::Simulation sim2;
    auto& modem2 = sim2.add_modem("5551001");
    testing::TempDir dir2;
    const CallOutcome c2 = quirktest::send_class1(sim2, modem2, dir2, spec, plain);
    for (const auto& l : c2.to_modem) EXPECT_NE(l, "AT+FAR=1");
}

}  // namespace
}  // namespace fax
