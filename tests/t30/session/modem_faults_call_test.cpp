// Modem faults (the fault-injection cases of the simulated modem, fax/sim/modem_quirks.h):
// a modem that goes mute, answers garbage or truncated answers, or loses XON. Whatever the
// fault and wherever in the call it strikes, the session must end within bounded time with
// a typed error that names what went wrong, and never count a page the far end did not
// confirm.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "line_kind.h"
#include "fax/t30/tiff_io.h"
#include "quirk_call.h"

namespace fax {
namespace {

using quirktest::CallOutcome;
using quirktest::CallSpec;

CallSpec two_charts() {
    CallSpec s;
    s.charts = {1, 2};
    s.limit = Samples{8000 * 400};
    return s;
}

// Pages the reference terminal got: its own count once its call has ended, else the
// pages already in its output file (a far end left hanging by a mute modem times out
// long after our session has ended).
int pages_received(const CallOutcome& c) {
    if (c.terminal.finished) return c.terminal.pages;
    auto got = t30::read_tiff(c.received_tiff);
    return got ? static_cast<int>(got->size()) : 0;
}

// The rules for every fault.
void expect_clean_failure(const CallOutcome& c, Errc code, const std::string& message_part) {
    ASSERT_TRUE(c.finished) << "the session did not end within the limit";
    ASSERT_FALSE(c.result.status.ok()) << "a fault went unnoticed";
    EXPECT_EQ(c.result.status.error().code, code) << c.result.status.error().to_string();
    EXPECT_NE(c.result.status.error().message.find(message_part), std::string::npos)
        << c.result.status.error().to_string();
    EXPECT_FALSE(c.result.call_completed);
    EXPECT_LE(c.result.pages_confirmed, pages_received(c)) << "a page counted that the far end never received";
    // Error messages never carry the number dialled.
    EXPECT_EQ(c.result.status.error().message.find("5550140"), std::string::npos);
}

CallOutcome send_through(const std::string& spec, driver::ModemQuirks quirks = {}, bool class2 = false) {
    testing::TempDir dir;
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", quirktest::modem_with(spec, class2));
    if (class2) {
        t30::Class2Options o;
        o.quirks = quirks;
        return quirktest::send_class2(sim, modem, dir, two_charts(), o);
    }
    t30::SessionOptions o;
    o.quirks = quirks;
    return quirktest::send_class1(sim, modem, dir, two_charts(), o);
}

void report(const char* what, const CallOutcome& c) {
    std::printf("[ faults   ] %s: %s after %.1f s simulated; %d page(s) confirmed, %d received (far end: %s)\n", what,
                c.result.status.ok() ? "ok" : c.result.status.error().to_string().c_str(), c.seconds,
                c.result.pages_confirmed, pages_received(c),
                c.terminal.finished ? c.terminal.completion_text.c_str() : "still in the call");
}

TEST(ModemFaultsCall, MuteFromTheStartIsATimeoutOnAtz) {
    const CallOutcome c = send_through("mute");
    expect_clean_failure(c, Errc::Timeout, "no answer from the modem to ATZ");
    EXPECT_EQ(c.terminal.calls, 0) << "a mute modem dialled";
    EXPECT_LE(c.seconds, 5.5);  // the generic profile's reset_timeout
    report("mute=0", c);
}

// The modem stops answering at various points of a two-page call (after set-up, in
// phase B, around the pages): always a Timeout naming the unanswered command.
class MuteDuringTheCall : public ::testing::TestWithParam<int> {};

TEST_P(MuteDuringTheCall, EndsWithATimeoutNamingTheCommand) {
    const int lines = GetParam();
    const CallOutcome c = send_through("mute=" + std::to_string(lines));
    expect_clean_failure(c, Errc::Timeout, "no answer from the modem to ");
    // The longest wait of a Class 1 call is +FRH=3 / +FRM (60 s) or ATD (90 s).
    EXPECT_LE(c.seconds, 160.0);
    report(("mute=" + std::to_string(lines)).c_str(), c);
}

INSTANTIATE_TEST_SUITE_P(ModemFaultsCall, MuteDuringTheCall, ::testing::Values(6, 9, 12, 16, 20, 24, 28));

TEST(ModemFaultsCall, GarbageIsAProtocolErrorNamingTheAnswer) {
    const CallOutcome c = send_through("garbage=2");
    expect_clean_failure(c, Errc::Protocol, "garbled answer from the modem to AT+FCLASS=?: \"\\x");
    EXPECT_LE(c.seconds, 1.0);
    EXPECT_EQ(c.terminal.calls, 0);
    report("garbage=2", c);
}

TEST(ModemFaultsCall, ATruncatedAnswerIsAProtocolErrorNamingIt) {
    const CallOutcome c = send_through("truncated=2");
    expect_clean_failure(c, Errc::Protocol, "incomplete answer from the modem to AT+FCLASS=?: \"0\" and no line end");
    EXPECT_LE(c.seconds, 3.5);  // the command time-out
    EXPECT_EQ(c.terminal.calls, 0);
    report("truncated=2", c);
}

TEST(ModemFaultsCall, LostXonIsATimeoutNamingTheFlowControl) {
    driver::ModemQuirks q;
    q.flow = hal::FlowControl::Software;  // the station's profile says XON/XOFF
    const CallOutcome c = send_through("lost-xon", q);
    expect_clean_failure(c, Errc::Timeout, "no XON from the modem within 10 s of its XOFF (during AT+FTM=");
    EXPECT_EQ(c.result.pages_confirmed, 0);
    report("lost-xon", c);
}

TEST(ModemFaultsCall, Class2MuteIsATimeoutOnAtz) {
    const CallOutcome c = send_through("mute", {}, true);
    expect_clean_failure(c, Errc::Timeout, "no answer from the modem to ATZ");
    EXPECT_EQ(c.terminal.calls, 0);
    report("class2 mute=0", c);
}

TEST(ModemFaultsCall, Class2MuteAfterDiallingIsATimeout) {
    // Set-up is 11 lines and ATD the 12th; the modem hangs during the pages: what it
    // reported confirmed (+FPS) counts, nothing more.
    const CallOutcome c = send_through("mute=12", {}, true);
    expect_clean_failure(c, Errc::Timeout, "no answer from the modem to ");
    EXPECT_LT(c.result.pages_confirmed, c.result.pages_in_document);
    report("class2 mute=12", c);
}

TEST(ModemFaultsCall, Class2GarbageAndTruncation) {
    const CallOutcome g = send_through("garbage=3", {}, true);
    expect_clean_failure(g, Errc::Protocol, "garbled answer from the modem to AT+FCLASS=2.0");
    report("class2 garbage=3", g);
    const CallOutcome t = send_through("truncated=3", {}, true);
    expect_clean_failure(t, Errc::Protocol, "incomplete answer from the modem to AT+FCLASS=2.0");
    report("class2 truncated=3", t);
}

}  // namespace
}  // namespace fax
