// End to end: release gate -> the project's Class 1 driver and T.30 session ->
// simulated modem -> simulated line -> SpanDSP reference terminal, and the reverse;
// pixel-exact.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "fax/base/log.h"
#include "fax/gate/audit_log.h"
#include "fax/sim/simulation.h"
#include "fax/t30/fax_session.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/session_driver.h"
#include "line_kind.h"
#include "release_fixture.h"

namespace fax {
namespace {

using testing::TempDir;

struct Mode {
    const char* name;
    bool ecm;
    bool mh, mr, mmr;
};

void expect_pages_equal(const std::string& sent_tiff, const std::string& received_tiff) {
    auto sent = t30::read_tiff(sent_tiff);
    auto got = t30::read_tiff(received_tiff);
    ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_EQ(sent->size(), got->size());
    for (std::size_t i = 0; i < sent->size(); ++i) {
        auto d = t30::compare_pages((*sent)[i], (*got)[i]);
        EXPECT_TRUE(d.identical) << "page " << i + 1 << ": " << d.summary;
    }
}

// FAX_TRACE=1 prints the AT dialogue and call events of a test's sessions.
void maybe_trace(t30::FaxSession& s, const char* who) {
    if (std::getenv("FAX_TRACE") == nullptr) return;
    log::set_level(log::Level::Debug);
    s.set_trace([who](bool to_modem, const std::string& line) {
        std::fprintf(stderr, "%s %s %s\n", who, to_modem ? ">>" : "<<", line.c_str());
    });
    s.set_event_handler([who](const t30::SessionEvent& e) {
        std::fprintf(stderr, "%s [%s] %s\n", who, std::string(t30::to_string(e.phase)).c_str(), e.detail.c_str());
    });
}

class DriverToTerminal : public ::testing::TestWithParam<Mode> {};

TEST_P(DriverToTerminal, SendsItuChartsPixelExact) {
    const Mode m = GetParam();
    TempDir dir;
    const std::string doc = testing::write_charts(dir, {1, 2}, "doc.tif");
    testing::TestGate gate(dir);
    ASSERT_TRUE(gate.ready());
    ASSERT_TRUE(gate.add_verified_recipient("clinic", testing::kTerminalNumber.fax).ok());
    auto release = gate.clear_document(doc, "clinic");
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string job = release->job_id();
    const std::string spooled = release->tiff_path();
    EXPECT_EQ(release->page_count(), 3);  // cover + 2 charts
    EXPECT_EQ(release->rule_id(), "POL-PROV-KP");

    sim::Simulation sim(testing::kTestTick, testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001");
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Receive;
    topts.tiff = dir.file("rx.tif");
    topts.ecm = true;
    auto& term = sim.add_terminal(testing::kTerminalNumber.dial, topts);

    t30::SessionOptions so;
    so.ecm = m.ecm;
    so.allow_mh = m.mh;
    so.allow_mr = m.mr;
    so.allow_mmr = m.mmr;
    auto session = t30::FaxSession::transmit(std::move(*release), so);
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    maybe_trace(**session, "tx");
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    const bool done = sim.run_until([&] { return (*session)->finished() && term.done(); }, Samples{8000 * 300});
    sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string((*session)->phase());
    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.pages_confirmed, 3);
    EXPECT_EQ(r.ecm, m.ecm);
    EXPECT_EQ(r.remote_ident, "REFERENCE TERMINAL");
    EXPECT_EQ(term.result().completion_code, 0) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 3);
    testing::expect_release_received(doc, spooled, topts.tiff);
    // On the T.38 registration the call really went as packets.
    const auto packets = sim.exchange().packet_stats(testing::kTerminalNumber.dial);
    if (testing::on_t38_line()) {
        EXPECT_GT(packets.ifp, 100u);
    } else {
        EXPECT_EQ(packets.ifp, 0u);
    }

    // The outcome closes the job in the audit trail: the accounting of disclosures
    // shows the release with every page delivered, and the hash chain verifies.
    gate::TransmissionOutcome out;
    out.pages_sent = r.pages_confirmed;
    out.pages_confirmed = r.pages_confirmed;
    out.remote_csi = r.remote_ident;
    out.negotiated.bit_rate = r.bit_rate;
    out.negotiated.modulation = r.modulation;
    out.negotiated.ecm = r.ecm;
    out.completion = gate::CompletionCode::Ok;
    out.started_at = testing::gate_now();
    out.finished_at = testing::gate_now() + std::chrono::seconds(static_cast<int>(r.line_seconds) + 1);
    auto recorded = gate.gate().record_outcome(job, out);
    ASSERT_TRUE(recorded.ok()) << recorded.error().to_string();
    auto verify = gate.audit().verify();
    ASSERT_TRUE(verify.ok()) << verify.error().to_string();
    EXPECT_TRUE(verify->ok) << verify->message;
    EXPECT_EQ(verify->entries, 2);  // the decision and the outcome
    auto disclosures = gate.audit().disclosures(testing::kMemberReference, testing::gate_now() - std::chrono::hours(1),
                                                testing::gate_now() + std::chrono::hours(1));
    ASSERT_TRUE(disclosures.ok()) << disclosures.error().to_string();
    ASSERT_EQ(disclosures->size(), 1u);
    EXPECT_EQ(disclosures->front().job_id, job);
    EXPECT_EQ(disclosures->front().pages_cleared, 3);
    EXPECT_EQ(disclosures->front().pages_delivered, 3);
    EXPECT_EQ(disclosures->front().completion, gate::CompletionCode::Ok);
}

INSTANTIATE_TEST_SUITE_P(Modes, DriverToTerminal,
                         ::testing::Values(Mode{"MH_noECM", false, true, false, false},
                                           Mode{"MR_noECM", false, true, true, false},
                                           Mode{"MMR_ECM", true, true, true, true},
                                           Mode{"MH_ECM", true, true, false, false}),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace fax

namespace fax {
namespace {

using testing::TempDir;

class TerminalToDriver : public ::testing::TestWithParam<bool> {};

// Reference terminal -> simulated modem -> the project's driver receiving.
TEST_P(TerminalToDriver, ReceivesItuChartsPixelExact) {
    const bool ecm = GetParam();
    TempDir dir;
    const std::string doc = testing::write_charts(dir, {3, 4}, "doc.tif");
    sim::Simulation sim(testing::kTestTick, testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001");
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Send;
    topts.tiff = doc;
    topts.ecm = ecm;
    topts.dial = "5551001";
    topts.dial_delay = Samples{8000};
    auto& term = sim.add_terminal("5551009", topts);

    t30::SessionOptions so;
    so.local_ident = "FAXSTACK RX";
    so.ecm = true;
    auto session = t30::FaxSession::receive(dir.file("rx.tif"), so);
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    const bool done = sim.run_until([&] { return (*session)->finished() && term.done(); }, Samples{8000 * 300});
    sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string((*session)->phase());
    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.pages_received, 2);
    EXPECT_EQ(r.remote_ident, "REFERENCE TERMINAL");
    EXPECT_EQ(r.ecm, ecm);
    EXPECT_EQ(term.result().completion_code, 0) << term.result().completion_text;
    expect_pages_equal(doc, dir.file("rx.tif"));
}

INSTANTIATE_TEST_SUITE_P(Ecm, TerminalToDriver, ::testing::Values(false, true),
                         [](const auto& p) { return std::string(p.param ? "ECM" : "noECM"); });

// The project's driver on both ends, through two simulated modems.
TEST(DriverToDriver, SendsThroughTwoSimulatedModems) {
    TempDir dir;
    const std::string doc = testing::write_charts(dir, {5, 6, 7}, "doc.tif");
    sim::Simulation sim(testing::kTestTick, testing::test_exchange_options());
    auto& a = sim.add_modem("5551001");
    auto& b = sim.add_modem(testing::kModemBNumber.dial);
    auto release = testing::clear_for_test(dir, doc, testing::kModemBNumber);
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string spooled = release->tiff_path();
    auto tx = t30::FaxSession::transmit(std::move(*release), {});
    t30::SessionOptions rxo;
    rxo.local_ident = "FAXSTACK RX";
    auto rx = t30::FaxSession::receive(dir.file("rx.tif"), rxo);
    ASSERT_TRUE(tx.ok() && rx.ok());
    maybe_trace(**tx, "tx");
    maybe_trace(**rx, "rx");
    ASSERT_TRUE(a.link().host().open().ok());
    ASSERT_TRUE(b.link().host().open().ok());
    t30::SessionStepper sa(**tx, a.link().host());
    t30::SessionStepper sb(**rx, b.link().host());
    sim.attach(sb);
    sim.attach(sa);
    const bool done = sim.run_until([&] { return (*tx)->finished() && (*rx)->finished(); }, Samples{8000 * 300});
    ASSERT_TRUE(done);
    EXPECT_TRUE((*tx)->result().status.ok()) << (*tx)->result().status.error().to_string();
    EXPECT_TRUE((*tx)->result().call_completed) << (*tx)->result().completion_text;
    EXPECT_EQ((*tx)->result().pages_confirmed, 4);  // cover + 3 charts
    EXPECT_EQ((*tx)->result().remote_ident, "FAXSTACK RX");
    EXPECT_EQ((*rx)->result().pages_received, 4);
    EXPECT_EQ((*rx)->result().remote_ident, "FAXSTACK");
    testing::expect_release_received(doc, spooled, dir.file("rx.tif"));
}

// The remote identifies itself as a station other than the one verified for the
// number: the call ends with DCN before any page.
TEST(DriverToTerminal, CsiMismatchEndsCallBeforeAnyPage) {
    TempDir dir;
    const std::string doc = testing::write_charts(dir, {1}, "doc.tif");
    sim::Simulation sim(testing::kTestTick, testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001");
    sim::TerminalOptions topts;
    topts.tiff = dir.file("rx.tif");
    topts.ident = "SOMEONE ELSE";
    auto& term = sim.add_terminal(testing::kTerminalNumber.dial, topts);
    auto release = testing::clear_for_test(dir, doc, testing::kTerminalNumber, "CLINIC FAX 1");
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    ASSERT_EQ(release->expected_csi(), std::optional<std::string>("CLINIC FAX 1"));
    auto session = t30::FaxSession::transmit(std::move(*release), {});
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    ASSERT_TRUE(sim.run_until([&] { return (*session)->finished() && term.done(); }, Samples{8000 * 120}));
    const auto& r = (*session)->result();
    EXPECT_TRUE(r.remote_ident_mismatch);
    EXPECT_EQ(r.remote_ident, "SOMEONE ELSE");
    EXPECT_EQ(r.pages_confirmed, 0);
    EXPECT_FALSE(r.call_completed);
    EXPECT_EQ(term.result().pages, 0);
}

TEST(DriverToTerminal, BusyNumberIsATypedFailure) {
    TempDir dir;
    const std::string doc = testing::write_charts(dir, {1}, "doc.tif");
    sim::Simulation sim(testing::kTestTick, testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001");
    sim.exchange().set_busy(testing::kTerminalNumber.dial);
    auto release = testing::clear_for_test(dir, doc, testing::kTerminalNumber);
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    auto session = t30::FaxSession::transmit(std::move(*release), {});
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    ASSERT_TRUE(sim.run_until([&] { return (*session)->finished(); }, Samples{8000 * 120}));
    const auto& r = (*session)->result();
    ASSERT_FALSE(r.status.ok());
    EXPECT_EQ(r.status.error().code, Errc::LineBusy);
    EXPECT_EQ(r.pages_confirmed, 0);
}

TEST(FaxSessionTransmit, RefusesASpentRelease) {
    TempDir dir;
    const std::string doc = testing::write_charts(dir, {1}, "doc.tif");
    auto cleared = testing::clear_for_test(dir, doc, testing::kTerminalNumber);
    ASSERT_TRUE(cleared.ok()) << cleared.error().to_string();
    gate::ClearedRelease& release = *cleared;
    ASSERT_TRUE(release.valid());
    auto first = t30::FaxSession::transmit(std::move(release), {});
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(release.valid());  // NOLINT(bugprone-use-after-move): moved-from state is the point
    auto second = t30::FaxSession::transmit(std::move(release), {});
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, Errc::InvalidArgument);
}

TEST(FaxSessionTransmit, RefusesADocumentChangedAfterClearance) {
    TempDir dir;
    const std::string doc = testing::write_charts(dir, {1}, "doc.tif");
    auto release = testing::clear_for_test(dir, doc, testing::kTerminalNumber);
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    // The spooled file (cover + chart 1) is swapped for other pages after the gate hashed it.
    ASSERT_TRUE(t30::write_fax_tiff(release->tiff_path(), {testing::itu_chart(2), testing::itu_chart(1)}).ok());
    auto s = t30::FaxSession::transmit(std::move(*release), {});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::InvalidInput);
}

}  // namespace
}  // namespace fax
