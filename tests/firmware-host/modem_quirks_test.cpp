// Quirk personalities and faults of the simulated modem (fax/sim/modem_quirks.h): the
// textual spec as a table, then what a DTE sees of each quirk at the AT level, scripted
// over the in-process link in simulated time. The data-mode quirks (DLE bug, carrier
// drop, early CONNECT, in-band flow only) are exercised by whole calls in
// tests/t30/session/modem_quirks_call_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fax/sim/modem_quirks.h"
#include "fax/sim/simulation.h"
#include "modem_harness.h"

namespace fax::sim {
namespace {

using test::ModemHarness;
using test::printable;

constexpr Samples ms(int v) { return Samples{int64_t{v} * 8}; }

TEST(ModemQuirksSpec, ParsesEveryQuirkWithDefaultsAndValues) {
    struct Row {
        const char* spec;
        ModemQuirks want;
    };
    ModemQuirks slow, slow_ms, dle, drop, early, early_ms, late, xon, num, mute, mute5, garb, trunc3, lost, combo;
    slow.slow_atz = ms(8000);
    slow_ms.slow_atz = ms(12000);
    dle.dle_bug = true;
    drop.carrier_drop = true;
    early.early_connect = ms(100);
    early_ms.early_connect = ms(250);
    late.late_ok = ms(4000);
    xon.xon_xoff = true;
    num.numeric_results = true;
    mute.mute_after = 0;
    mute5.mute_after = 5;
    garb.garbage_after = 0;
    trunc3.truncate_after = 3;
    lost.lost_xon = true;
    combo.slow_atz = ms(8000);
    combo.numeric_results = true;
    const std::vector<Row> rows = {
        {"", ModemQuirks{}},
        {"slow-atz", slow},
        {"slow-atz=12000", slow_ms},
        {"dle-bug", dle},
        {"carrier-drop", drop},
        {"early-connect", early},
        {"early-connect=250", early_ms},
        {"late-ok", late},
        {"xon-xoff", xon},
        {"numeric-results", num},
        {"mute", mute},
        {"mute=5", mute5},
        {"garbage", garb},
        {"truncated=3", trunc3},
        {"lost-xon", lost},
        {"slow-atz,numeric-results", combo},
        {" numeric-results , slow-atz ", combo},
    };
    for (const auto& r : rows) {
        auto q = parse_modem_quirks(r.spec);
        ASSERT_TRUE(q.ok()) << r.spec << ": " << q.error().to_string();
        EXPECT_TRUE(*q == r.want) << r.spec;
        // The canonical form reads back the same.
        auto again = parse_modem_quirks(to_spec(*q));
        ASSERT_TRUE(again.ok()) << to_spec(*q);
        EXPECT_TRUE(*again == *q) << r.spec << " -> " << to_spec(*q);
    }
    EXPECT_EQ(to_spec(combo), "slow-atz,numeric-results");
    EXPECT_EQ(to_spec(slow_ms), "slow-atz=12000");
    EXPECT_FALSE(ModemQuirks{}.any());
    EXPECT_TRUE(combo.any());
}

TEST(ModemQuirksSpec, RefusesWhatItDoesNotKnowNamingTheItem) {
    for (const char* bad : {"slow-atx", "dle-bug=1", "slow-atz=0", "slow-atz=abc", "mute=-1", "late-ok=", ",",
                            "numeric-results,,dle-bug", "early-connect=999999"}) {
        auto q = parse_modem_quirks(bad);
        ASSERT_FALSE(q.ok()) << bad;
        EXPECT_EQ(q.error().code, Errc::InvalidArgument) << bad;
        EXPECT_NE(q.error().message.find("quirk"), std::string::npos) << q.error().message;
    }
}

TEST(ModemQuirksSpec, ThePersonalityIsInTheModelName) {
    ModemQuirks q;
    EXPECT_EQ(quirk_model_name("SimModem T31", q), "SimModem T31");
    q.slow_atz = ms(8000);
    EXPECT_EQ(quirk_model_name("SimModem T31", q), "SimModem T31 [slow-atz]");
}

ModemOptions with(const char* spec) {
    ModemOptions o;
    auto q = parse_modem_quirks(spec);
    EXPECT_TRUE(q.ok());
    o.quirks = *q;
    o.model = quirk_model_name(o.model, o.quirks);
    return o;
}

TEST(ModemQuirksAt, SlowAtzAnswersOnlyAfterItsDelay) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", with("slow-atz=6000"));
    ModemHarness h(sim, m);
    h.send("ATZ\r");
    const Samples start = sim.now();
    EXPECT_EQ(h.collect(ms(5800)), "") << "answered before the reset was over";
    const std::string got = h.expect("OK\r\n", ms(1000));
    EXPECT_NE(got.find("OK"), std::string::npos);
    EXPECT_GE(sim.now() - start, ms(6000));
    // Other commands answer at once, and a further ATZ is slow again.
    EXPECT_NE(h.at("ATE0\r", "OK\r\n", ms(200)).find("OK"), std::string::npos);
}

TEST(ModemQuirksAt, NumericResultsStayNumericWhateverV1Says) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", with("numeric-results"));
    ModemHarness h(sim, m);
    EXPECT_EQ(printable(h.at("ATE0V1Q0\r", "0\r")), printable("ATE0V0Q0\r0\r"));
    EXPECT_EQ(printable(h.at("ATV1\r", "0\r")), printable("0\r"));
    EXPECT_EQ(printable(h.at("AT+FCLASS=?\r", "0\r")), printable("0,1,1.0\r\n0\r"));
    EXPECT_EQ(printable(h.at("AT+FTH=146\r", "4\r")), printable("4\r"));
    // A reset loads the stored V0 profile, so even ATZ answers in digits (and echo is back).
    EXPECT_EQ(printable(h.at("ATZ\r", "0\r")), printable("0\r"));
    EXPECT_EQ(printable(h.at("ATE0\r", "0\r")), printable("ATE0\r0\r"));
    EXPECT_EQ(printable(h.at("AT+FMM?\r", "0\r")), printable("SimModem T31 [numeric-results]\r\n0\r"));
}

TEST(ModemQuirksAt, NumericResultsInClass2) {
    Simulation sim;
    ModemOptions o = with("numeric-results");
    o.offer_class2 = true;
    SimModem& m = sim.add_modem("5551001", o);
    ModemHarness h(sim, m);
    EXPECT_EQ(printable(h.at("ATE0V1\r", "0\r")), printable("ATE0V0\r0\r"));
    EXPECT_EQ(printable(h.at("AT+FCLASS=2.0\r", "0\r")), printable("0\r"));
    EXPECT_TRUE(m.class2_active());
    EXPECT_EQ(printable(h.at("ATV1\r", "0\r")), printable("0\r"));
    EXPECT_EQ(printable(h.at("AT+FLI?\r", "0\r")), printable("\"\"\r\n0\r"));
}

TEST(ModemQuirksAt, LateOkDelaysAnswersOnHookOnly) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", with("late-ok=2000"));
    ModemHarness h(sim, m);
    h.send("ATE0\r");
    EXPECT_EQ(h.collect(ms(1900)), "");
    EXPECT_NE(h.expect("OK\r\n", ms(300)).find("OK"), std::string::npos);
}

TEST(ModemFaults, MuteStopsAnsweringAfterNLines) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", with("mute=2"));
    ModemHarness h(sim, m);
    EXPECT_NE(h.at("ATE0\r").find("OK"), std::string::npos);
    EXPECT_NE(h.at("AT\r").find("OK"), std::string::npos);
    EXPECT_FALSE(m.muted());
    h.send("AT\r");
    EXPECT_EQ(h.collect(ms(3000)), "");
    EXPECT_TRUE(m.muted());
    h.send("ATI3\r");
    EXPECT_EQ(h.collect(ms(3000)), "");
}

TEST(ModemFaults, GarbageReplacesEveryAnswerAfterNLines) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", with("garbage=1"));
    ModemHarness h(sim, m);
    EXPECT_NE(h.at("ATE0\r").find("OK"), std::string::npos);
    h.send("AT+FCLASS=?\r");
    const std::string got = h.collect(ms(500));
    ASSERT_EQ(got.size(), 16u) << printable(got);
    EXPECT_EQ(got.substr(0, 2), "\r\n");
    EXPECT_EQ(got.find("OK"), std::string::npos);
    for (std::size_t i = 2; i < 14; ++i) EXPECT_GE(static_cast<unsigned char>(got[i]), 0x80) << i;
}

TEST(ModemFaults, TruncatedAnswersAreCutAfterThreeBytes) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", with("truncated=1"));
    ModemHarness h(sim, m);
    EXPECT_NE(h.at("ATE0\r").find("OK"), std::string::npos);
    h.send("AT+FCLASS=?\r");
    EXPECT_EQ(printable(h.collect(ms(500))), printable("\r\n0"));
    h.send("AT\r");
    EXPECT_EQ(printable(h.collect(ms(500))), printable("\r\nO"));
}

}  // namespace
}  // namespace fax::sim
