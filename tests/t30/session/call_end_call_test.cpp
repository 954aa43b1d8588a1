// SessionResult::end, the typed end of a call, from whole calls of both session types
// through the simulated modem: what a station decides retries and reports on.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "line_kind.h"
#include "fax/sim/simulation.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/fax_session.h"
#include "fax/t30/session_driver.h"
#include "release_fixture.h"

namespace fax::t30 {
namespace {

constexpr Samples kLimit{8000 * 300};

enum class Kind { Class1, Class2 };

struct Call {
    bool busy = false;                        // the number is engaged
    std::optional<std::string> expected_csi;  // the directory's verified station id
    bool cancel_in_transfer = false;          // cancel() once the first page starts
};

struct Ended {
    bool finished = false;
    SessionResult result;
};

template <class Session, class Options>
Ended run(Kind kind, const Call& c, Options opts) {
    Ended out;
    testing::TempDir dir;
    const std::string doc = testing::write_charts(dir, {1}, "record.tif");
    auto release = testing::clear_for_test(dir, doc, testing::kTerminalNumber, c.expected_csi);
    EXPECT_TRUE(release.ok()) << release.error().to_string();
    if (!release) return out;
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    sim::ModemOptions mo;
    mo.offer_class2 = kind == Kind::Class2;
    auto& modem = sim.add_modem("5551001", mo);
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Receive;
    topts.tiff = dir.file("rx.tif");
    topts.ident = "NORTH CLINIC";
    sim.add_terminal(testing::kTerminalNumber.dial, topts);
    if (c.busy) sim.exchange().set_busy(testing::kTerminalNumber.dial);
    auto session = Session::transmit(std::move(*release), std::move(opts));
    EXPECT_TRUE(session.ok()) << session.error().to_string();
    if (!session) return out;
    Session& s = **session;
    bool cancel = false;
    if (c.cancel_in_transfer)
        s.set_event_handler([&](const SessionEvent& e) {
            if (e.phase == CallPhase::Transfer) cancel = true;
        });
    EXPECT_TRUE(modem.link().host().open().ok());
    SessionStepper stepper(s, modem.link().host());
    sim.attach(stepper);
    out.finished = sim.run_until(
        [&] {
            if (cancel) {
                cancel = false;
                s.cancel();
            }
            return s.finished();
        },
        kLimit);
    sim.detach(stepper);
    out.result = s.result();
    return out;
}

Call busy_number() {
    Call c;
    c.busy = true;
    return c;
}
Call other_station() {
    Call c;
    c.expected_csi = "SOUTH CLINIC";
    return c;
}
Call cancelled_in_transfer() {
    Call c;
    c.cancel_in_transfer = true;
    return c;
}

Ended class1(const Call& c) { return run<FaxSession>(Kind::Class1, c, SessionOptions{}); }
Ended class2(const Call& c) { return run<Class2Session>(Kind::Class2, c, Class2Options{}); }

TEST(CallEndClass1, ADeliveredReleaseIsOk) {
    const Ended e = class1({});
    ASSERT_TRUE(e.finished);
    EXPECT_EQ(e.result.end, CallEnd::Ok) << to_string(e.result.end) << " " << e.result.completion_text;
    EXPECT_TRUE(e.result.call_completed);
}

TEST(CallEndClass1, AnEngagedNumberIsBusy) {
    const Ended e = class1(busy_number());
    ASSERT_TRUE(e.finished);
    EXPECT_EQ(e.result.end, CallEnd::Busy) << to_string(e.result.end);
}

TEST(CallEndClass1, AnotherStationIsIdentMismatch) {
    const Ended e = class1(other_station());
    ASSERT_TRUE(e.finished);
    EXPECT_TRUE(e.result.remote_ident_mismatch);
    EXPECT_EQ(e.result.end, CallEnd::IdentMismatch) << to_string(e.result.end);
}

// Before CallEnd a cancelled call ended with status ok and SpanDSP's "call dropped"
// code, which the station counted as a protocol failure.
TEST(CallEndClass1, ACancelDuringThePageIsCancelled) {
    const Ended e = class1(cancelled_in_transfer());
    ASSERT_TRUE(e.finished);
    EXPECT_EQ(e.result.end, CallEnd::Cancelled) << to_string(e.result.end) << " " << e.result.completion_text;
}

TEST(CallEndClass2, ADeliveredReleaseIsOk) {
    const Ended e = class2({});
    ASSERT_TRUE(e.finished);
    EXPECT_EQ(e.result.end, CallEnd::Ok) << to_string(e.result.end) << " " << e.result.completion_text;
}

TEST(CallEndClass2, AnEngagedNumberIsBusy) {
    const Ended e = class2(busy_number());
    ASSERT_TRUE(e.finished);
    EXPECT_EQ(e.result.end, CallEnd::Busy) << to_string(e.result.end);
}

// +FKS after the remote's +FCI makes the modem report +FHS:02 ("aborted"): the identity
// check, not that code, is how the call ended.
TEST(CallEndClass2, AnotherStationIsIdentMismatch) {
    const Ended e = class2(other_station());
    ASSERT_TRUE(e.finished);
    EXPECT_EQ(e.result.end, CallEnd::IdentMismatch) << to_string(e.result.end);
}

TEST(CallEndClass2, ACancelDuringThePageIsCancelled) {
    const Ended e = class2(cancelled_in_transfer());
    ASSERT_TRUE(e.finished);
    EXPECT_EQ(e.result.end, CallEnd::Cancelled) << to_string(e.result.end) << " " << e.result.completion_text;
}

}  // namespace
}  // namespace fax::t30
