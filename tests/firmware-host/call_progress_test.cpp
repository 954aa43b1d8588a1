// Call progress through the simulated exchange as a Class 1 host sees it:
// BUSY, NO ANSWER, NO DIALTONE, NO CARRIER for an unknown number, RING and
// auto-answer, a held ATA, and hang-up propagation; line faults (a drop after the
// answer or before it, busy / no answer / no dial tone set as LineFaults). Simulated
// time only.
#include <gtest/gtest.h>

#include "fax/sim/line_fault_spec.h"
#include "fax/sim/simulation.h"
#include "modem_harness.h"

namespace fax::sim {
namespace {

using test::ModemHarness;
using test::printable;

constexpr Samples seconds(int s) { return Samples{s * 8000}; }

class CallProgress : public ::testing::Test {
protected:
    CallProgress() : a_(sim_.add_modem("5551001")), b_(sim_.add_modem("5551002")), ha_(sim_, a_), hb_(sim_, b_) {
        EXPECT_NE(ha_.at("ATE0\r"), "");
        EXPECT_NE(ha_.at("AT+FCLASS=1\r"), "");
        EXPECT_NE(hb_.at("ATE0\r"), "");
        EXPECT_NE(hb_.at("AT+FCLASS=1\r"), "");
    }
    bool saw(CallEvent::Kind kind) const {
        for (const auto& e : sim_.exchange().events())
            if (e.kind == kind) return true;
        return false;
    }

    Simulation sim_;
    SimModem& a_;
    SimModem& b_;
    ModemHarness ha_;
    ModemHarness hb_;
};

TEST_F(CallProgress, BusyNumberGivesBusy) {
    sim_.exchange().set_busy("5550000");
    const Samples t0 = sim_.now();
    EXPECT_EQ(printable(ha_.at("ATDT555-0000\r", "BUSY\r\n", seconds(5))), printable("\r\nBUSY\r\n"));
    EXPECT_LE(sim_.now() - t0, seconds(2));
    EXPECT_FALSE(a_.off_hook());
    EXPECT_TRUE(saw(CallEvent::Kind::Busy));
    // The modem is usable again.
    EXPECT_EQ(printable(ha_.at("AT\r")), printable("\r\nOK\r\n"));
}

TEST_F(CallProgress, LineInACallIsBusy) {
    EXPECT_NE(hb_.at("ATS0=1\r"), "");
    ha_.send("ATD5551002\r");
    ASSERT_NE(hb_.expect("CONNECT\r\n", seconds(10)), "");
    SimModem& c = sim_.add_modem("5551003");
    ModemHarness hc(sim_, c);
    EXPECT_NE(hc.at("ATE0\r"), "");
    EXPECT_EQ(printable(hc.at("ATD5551002\r", "\r\n", seconds(5))), printable("\r\nBUSY\r\n"));
}

TEST_F(CallProgress, NoAnswerAfterRingLimit) {
    sim_.exchange().set_no_answer("5550001");
    const Samples t0 = sim_.now();
    EXPECT_EQ(printable(ha_.at("ATD5550001\r", "NO ANSWER\r\n", seconds(120))), printable("\r\nNO ANSWER\r\n"));
    const auto& opt = sim_.exchange().options();
    // Post-dial delay plus ring_limit cadences (default 8 rings, 6 s apart).
    EXPECT_NEAR(static_cast<double>((sim_.now() - t0).count()),
                static_cast<double>((opt.post_dial_delay + opt.ring_cadence * opt.ring_limit).count()), 8000.0);
    EXPECT_FALSE(a_.off_hook());
}

TEST_F(CallProgress, UnansweredModemRingsThenCallerGetsNoAnswer) {
    sim_.exchange().set_ring_limit(3);
    ha_.send("ATD5551002\r");
    const std::string rings = hb_.expect("RING\r\n\r\nRING\r\n\r\nRING\r\n", seconds(30));
    EXPECT_NE(rings, "");
    EXPECT_EQ(printable(ha_.expect("NO ANSWER\r\n", seconds(30))), printable("\r\nNO ANSWER\r\n"));
    EXPECT_FALSE(b_.off_hook());
}

TEST_F(CallProgress, UnknownNumberGivesNoCarrier) {
    EXPECT_EQ(printable(ha_.at("ATD5559999\r", "NO CARRIER\r\n", seconds(30))), printable("\r\nNO CARRIER\r\n"));
    EXPECT_TRUE(saw(CallEvent::Kind::Unobtainable));
    EXPECT_EQ(printable(ha_.at("AT\r")), printable("\r\nOK\r\n"));
}

TEST_F(CallProgress, NoDialtone) {
    sim_.exchange().set_no_dialtone("5551001");
    EXPECT_EQ(printable(ha_.at("ATD5551002\r", "NO DIALTONE\r\n", seconds(10))), printable("\r\nNO DIALTONE\r\n"));
}

TEST_F(CallProgress, AutoAnswerRingsThenConnects) {
    EXPECT_NE(hb_.at("ATS0=1\r"), "");
    ha_.send("ATD5551002\r");
    // The answering modem: RING, then (CED, then the implied +FTH=3) CONNECT.
    const std::string b_out = hb_.expect("CONNECT\r\n", seconds(10));
    EXPECT_EQ(printable(b_out), printable("\r\nRING\r\n\r\nCONNECT\r\n"));
    EXPECT_TRUE(b_.in_call());
    // The caller: implied +FRH=3, CONNECT once the answerer's V.21 flags arrive.
    EXPECT_EQ(printable(ha_.expect("CONNECT\r\n", seconds(10))), printable("\r\nCONNECT\r\n"));
    EXPECT_TRUE(a_.in_call());
    EXPECT_TRUE(saw(CallEvent::Kind::Answered));
}

TEST_F(CallProgress, AtaWithoutRingIsHeldUntilACallArrives) {
    hb_.send("ATA\r");
    EXPECT_EQ(hb_.collect(seconds(3)), "");
    EXPECT_TRUE(b_.off_hook());
    ha_.send("ATD5551002\r");
    EXPECT_EQ(printable(hb_.expect("CONNECT\r\n", seconds(10))), printable("\r\nCONNECT\r\n"));
    EXPECT_EQ(printable(ha_.expect("CONNECT\r\n", seconds(10))), printable("\r\nCONNECT\r\n"));
}

TEST_F(CallProgress, AtaThenRingAnswers) {
    ha_.send("ATD5551002\r");
    ASSERT_NE(hb_.expect("RING\r\n", seconds(5)), "");
    EXPECT_EQ(printable(hb_.at("ATA\r", "CONNECT\r\n", seconds(5))), printable("\r\nCONNECT\r\n"));
}

TEST_F(CallProgress, HangUpReachesTheOtherModem) {
    EXPECT_NE(hb_.at("ATS0=1\r"), "");
    ha_.send("ATD5551002\r");
    ASSERT_NE(hb_.expect("CONNECT\r\n", seconds(10)), "");
    ASSERT_NE(ha_.expect("CONNECT\r\n", seconds(10)), "");
    // Abort the caller's receive, then hang up.
    ha_.send("X");
    ASSERT_NE(ha_.expect("OK\r\n", seconds(5)), "");
    EXPECT_NE(ha_.at("ATH\r"), "");
    EXPECT_FALSE(a_.in_call());
    const std::string b_out = hb_.expect("NO CARRIER\r\n", seconds(5));
    EXPECT_NE(b_out, "") << printable(hb_.received());
    EXPECT_FALSE(b_.in_call());
    const auto& ev = sim_.exchange().events();
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back().kind, CallEvent::Kind::HangUp);
    EXPECT_EQ(ev.back().by, "5551001");
}

TEST_F(CallProgress, DtrDropHangsUp) {
    EXPECT_NE(hb_.at("ATS0=1\r"), "");
    ha_.send("ATD5551002\r");
    ASSERT_NE(ha_.expect("CONNECT\r\n", seconds(10)), "");
    ASSERT_TRUE(a_.link().host().set_dtr(false).ok());
    sim_.run_until([&] { return !b_.in_call(); }, seconds(2));
    EXPECT_FALSE(a_.in_call());
    EXPECT_FALSE(b_.in_call());
}

TEST_F(CallProgress, ModemCallsAReferenceTerminal) {
    TerminalOptions t;
    t.role = TerminalOptions::Role::Receive;
    t.tiff = std::string(FAX_BINARY_DIR) + "/test-tmp-unused.tif";
    ReferenceTerminal& term = sim_.add_terminal("5551009", t);
    // The terminal answers after one ring; its CED and DIS reach the caller: CONNECT on the flags.
    EXPECT_NE(ha_.at("ATD5551009\r", "CONNECT\r\n", seconds(15)), "");
    EXPECT_TRUE(term.in_call());
    // Frames arrive one per CONNECT ... DLE ETX OK (FCS included); the host
    // re-issues +FRH=3 for each next one, until the final frame: DIS
    // (address 0xFF, control 0x13, FCF 0x80). The first is CSI (0x03, 0x40).
    std::string frame = ha_.expect("\x10\x03\r\nOK\r\n", seconds(10));
    EXPECT_EQ(frame.substr(0, 3), std::string("\xff\x03\x40")) << printable(frame);
    for (int i = 0; i < 4 && frame.find("\xff\x13") == std::string::npos; ++i)
        frame = ha_.at("AT+FRH=3\r", "\x10\x03\r\nOK\r\n", seconds(5));
    EXPECT_EQ(printable(frame.substr(0, 14)), printable("\r\nCONNECT\r\n\xff\x13\x80"));
    // Walking away: the terminal notices the line drop.
    EXPECT_NE(ha_.at("ATH\r"), "");
    sim_.run_until([&] { return term.done(); }, seconds(5));
    EXPECT_TRUE(term.done());
    EXPECT_NE(term.result().completion_code, kT30ErrOk);
}

// ---------------------------------------------------------------- line faults

const CallEvent* last_hang_up(const Exchange& ex) {
    const CallEvent* h = nullptr;
    for (const auto& e : ex.events())
        if (e.kind == CallEvent::Kind::HangUp) h = &e;
    return h;
}

TEST_F(CallProgress, LineDropAfterAnswerGivesNoCarrierAtBothEnds) {
    LineFaults f;
    f.drop_after_answer = seconds(5);
    sim_.exchange().set_line_faults("5551002", f);
    EXPECT_NE(hb_.at("ATS0=1\r"), "");
    ha_.send("ATD5551002\r");
    ASSERT_NE(hb_.expect("CONNECT\r\n", seconds(10)), "");
    ASSERT_NE(ha_.expect("CONNECT\r\n", seconds(10)), "");
    ASSERT_TRUE(a_.in_call());
    // The caller is receiving V.21 (the implied +FRH=3): the line goes dead under it.
    EXPECT_NE(ha_.expect("NO CARRIER\r\n", seconds(10)), "") << printable(ha_.received());
    sim_.run_until([&] { return !b_.in_call(); }, seconds(1));
    EXPECT_FALSE(a_.in_call());
    EXPECT_FALSE(b_.in_call());
    const CallEvent* h = last_hang_up(sim_.exchange());
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->by, kReleasedByExchange);
    EXPECT_NE(h->cause.find("5551002"), std::string::npos) << h->cause;
    // Released on the first step at or after the point: within one tick.
    EXPECT_GE(h->duration, seconds(5));
    EXPECT_LT(h->duration, seconds(5) + sim_.tick());
    EXPECT_NE(h->describe().find("hang-up by exchange (line fault on 5551002: drop 5.000 s after answer)"),
              std::string::npos)
        << h->describe();
    // The modems are usable again.
    EXPECT_EQ(printable(ha_.at("AT\r")), printable("\r\nOK\r\n"));
}

TEST_F(CallProgress, WithoutTheFaultTheSameCallStaysUp) {
    // The control for the test above: the same call, no fault, no hang-up by the exchange.
    EXPECT_NE(hb_.at("ATS0=1\r"), "");
    ha_.send("ATD5551002\r");
    ASSERT_NE(ha_.expect("CONNECT\r\n", seconds(10)), "");
    sim_.run_until([] { return false; }, seconds(8));
    EXPECT_TRUE(a_.in_call());
    EXPECT_TRUE(b_.in_call());
    EXPECT_EQ(last_hang_up(sim_.exchange()), nullptr);
}

TEST_F(CallProgress, LineDropBeforeAnswerStopsTheRingingAndGivesNoCarrier) {
    auto f = parse_line_faults("drop-after-dial=3.5");
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    sim_.exchange().set_line_faults("5551002", *f);
    const Samples t0 = sim_.now();
    ha_.send("ATD5551002\r");
    ASSERT_NE(hb_.expect("RING\r\n", seconds(3)), "");  // ring 1 at 1 s; nobody answers
    EXPECT_EQ(printable(ha_.expect("NO CARRIER\r\n", seconds(5))), printable("\r\nNO CARRIER\r\n"));
    EXPECT_GE(sim_.now() - t0, seconds(3));
    EXPECT_LE(sim_.now() - t0, seconds(4));
    EXPECT_FALSE(a_.off_hook());
    // No more rings reach the called modem (the next would have come 6 s after the first).
    EXPECT_EQ(hb_.collect(seconds(10)).find("RING"), std::string::npos);
    const CallEvent* h = last_hang_up(sim_.exchange());
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->by, kReleasedByExchange);
    EXPECT_EQ(h->duration, Samples{0});  // never answered
    EXPECT_FALSE(saw(CallEvent::Kind::Answered));
}

TEST_F(CallProgress, BusyNoAnswerAndNoDialtoneAsLineFaults) {
    sim_.exchange().set_ring_limit(2);
    sim_.exchange().set_line_faults("5550000", *parse_line_faults("busy"));
    EXPECT_EQ(printable(ha_.at("ATD5550000\r", "\r\n", seconds(5))), printable("\r\nBUSY\r\n"));
    sim_.exchange().set_line_faults("5550001", *parse_line_faults("no-answer"));
    EXPECT_EQ(printable(ha_.at("ATD5550001\r", "NO ANSWER\r\n", seconds(30))), printable("\r\nNO ANSWER\r\n"));
    sim_.exchange().set_line_faults("5551001", *parse_line_faults("no-dialtone"));
    EXPECT_EQ(printable(ha_.at("ATD5551002\r", "NO DIALTONE\r\n", seconds(10))), printable("\r\nNO DIALTONE\r\n"));
    // Clearing the faults restores the line.
    sim_.exchange().set_line_faults("5551001", {});
    EXPECT_EQ(sim_.exchange().line_faults("5551001"), LineFaults{});
    EXPECT_NE(hb_.at("ATS0=1\r"), "");
    EXPECT_NE(ha_.at("ATD5551002\r", "CONNECT\r\n", seconds(10)), "");
}

}  // namespace
}  // namespace fax::sim
