// Whole transmissions over the libusb transport: a release cleared by the real gate
// (tests/integration/fixture.h: a verified directory entry, a treatment request, the
// gate's cover as page 1) is sent by t30::FaxSession::transmit through UsbTransport ->
// emulated USB CDC-ACM device (umockdev) -> simulated T.31 modem (fax::sim::SimModem)
// -> simulated line -> SpanDSP reference terminal receiving. The modem runs with the
// profile its USB id selects, as a station runs it. Pixel-exact; then the device is
// unplugged in the middle of page 2 and the job's outcome is what the terminal stored.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "fax/driver/profile.h"
#include "fax/hal/usb_transport.h"
#include "fax/job/outcome_mapping.h"
#include "fax/job/retry_policy.h"
#include "fax/sim/simulation.h"
#include "fax/t30/fax_session.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/session_driver.h"
#include "release_fixture.h"
#include "usb_modem_emulator.h"

namespace fax {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// The profile a station picks for the emulated device: discovery reports its VID:PID
// (0baf:0303, the U.S. Robotics 5637), which outranks any identity string.
const driver::ModemProfile& emulated_modem_profile() {
    const testing::EmulatedUsbModemOptions dev;
    driver::ModemIdentity id;
    id.usb = driver::UsbId{dev.vendor_id, dev.product_id};
    return driver::select_profile(id, driver::builtin_profiles());
}

hal::UsbTransportOptions usb_options(const driver::ModemProfile& profile) {
    const testing::EmulatedUsbModemOptions dev;
    hal::UsbDeviceSelector sel;
    sel.vendor_id = dev.vendor_id;
    sel.product_id = dev.product_id;
    return driver::usb_transport_options(profile, sel);
}

// The simulated world with the sending modem behind the emulated USB device and the
// reference terminal answering at the number the gate has the modem dial.
struct UsbTxWorld {
    TempDir dir;
    sim::Simulation sim;
    sim::SimModem& modem = sim.add_modem("5551001");
    testing::EmulatedUsbModem usb;
    testing::UsbSimBridge bridge{usb, modem.link()};
    const driver::ModemProfile& profile = emulated_modem_profile();
    hal::UsbTransport transport{usb_options(profile)};
    sim::TerminalOptions topts;
    sim::ReferenceTerminal* term = nullptr;

    explicit UsbTxWorld(bool terminal_ecm) {
        sim.attach(bridge);
        topts.role = sim::TerminalOptions::Role::Receive;
        topts.tiff = dir.file("rx.tif");
        topts.ecm = terminal_ecm;
        term = &sim.add_terminal(testing::kTerminalNumber.dial, topts);
    }
    ~UsbTxWorld() { sim.detach(bridge); }
};

// A release of the cover + `charts`, cleared by the gate on `w.dir`.
struct ClearedJob {
    std::string doc, spooled, job_id;
    int pages = 0;
    std::unique_ptr<t30::FaxSession> session;
};

void clear_and_start(UsbTxWorld& w, testing::TestGate& gate, ClearedJob& j, const std::vector<int>& charts,
                     bool ecm) {
    j.doc = testing::write_charts(w.dir, charts, "doc.tif");
    ASSERT_TRUE(gate.ready());
    ASSERT_TRUE(gate.add_verified_recipient("clinic", testing::kTerminalNumber.fax).ok());
    auto release = gate.clear_document(j.doc, "clinic");
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    j.job_id = release->job_id();
    j.spooled = release->tiff_path();
    j.pages = release->page_count();
    ASSERT_EQ(j.pages, static_cast<int>(charts.size()) + 1);  // the gate's cover, then the charts

    t30::SessionOptions so;
    so.local_ident = "FAXSTACK USB";
    so.ecm = ecm;
    so.quirks = w.profile.quirks;
    auto s = t30::FaxSession::transmit(std::move(*release), so);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    j.session = std::move(*s);
}

// The emulated device is a U.S. Robotics 5637 by its USB id; its profile's quirks
// (a 50 ms pause between +FTM's CONNECT and the data, a long ATZ) are the session's.
TEST(UsbFaxTransmitProfile, TheEmulatedModemSelectsItsUsbIdProfile) {
    const auto& p = emulated_modem_profile();
    EXPECT_EQ(p.id, "usr-5637");
    EXPECT_EQ(p.quirks.connect_to_data_delay, 50ms);
    EXPECT_EQ(p.quirks.reset_timeout, 8000ms);
    EXPECT_EQ(p.quirks.flow, hal::FlowControl::Hardware);
}

class UsbFaxTransmit : public ::testing::TestWithParam<bool> {};

TEST_P(UsbFaxTransmit, ClearedReleaseArrivesPixelExact) {
    const bool ecm = GetParam();
    UsbTxWorld w(/*terminal_ecm=*/true);
    ASSERT_TRUE(w.usb.ok()) << "umockdev testbed not available";
    ASSERT_TRUE(w.transport.open().ok());
    testing::TestGate gate(w.dir);
    ClearedJob j;
    clear_and_start(w, gate, j, {1}, ecm);
    ASSERT_TRUE(j.session);

    t30::SessionStepper stepper(*j.session, w.transport);
    w.sim.attach(stepper);
    const bool done = w.sim.run_until([&] { return j.session->finished() && w.term->done(); }, Samples{8000 * 300});
    w.sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string(j.session->phase());
    const auto& r = j.session->result();
    EXPECT_TRUE(stepper.transport_status().ok()) << stepper.transport_status().error().to_string();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.pages_confirmed, 2);
    EXPECT_EQ(r.ecm, ecm);
    EXPECT_EQ(r.remote_ident, "REFERENCE TERMINAL");
    EXPECT_EQ(w.term->result().completion_code, 0) << w.term->result().completion_text;
    EXPECT_EQ(w.term->result().pages, 2);
    EXPECT_EQ(w.term->result().remote_ident, "FAXSTACK USB");
    testing::expect_release_received(j.doc, j.spooled, w.topts.tiff);

    // Every page MCF-confirmed: the job is done, and the audit trail says so.
    const auto out = job::outcome_for(r, stepper.transport_status(), j.pages, testing::gate_now(),
                                      testing::gate_now() + 1min);
    EXPECT_EQ(out.completion, gate::CompletionCode::Ok) << out.detail;
    EXPECT_EQ(out.pages_confirmed, 2);
    ASSERT_TRUE(gate.gate().record_outcome(j.job_id, out).ok());
    auto d = gate.audit().disclosures(testing::kMemberReference, testing::gate_now() - 1h, testing::gate_now() + 1h);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    ASSERT_EQ(d->size(), 1u);
    EXPECT_EQ(d->front().pages_delivered, 2);
    EXPECT_EQ(d->front().completion, gate::CompletionCode::Ok);
}

INSTANTIATE_TEST_SUITE_P(Ecm, UsbFaxTransmit, ::testing::Values(false, true),
                         [](const auto& p) { return std::string(p.param ? "ECM" : "noECM"); });

int mcf_count(const t30::SessionResult& r) { return job::pages_confirmed_by_mcf(r); }

TEST(UsbFaxTransmitUnplug, UnplugDuringAPageEndsWithDisconnectedAndARetryablePartialOutcome) {
    UsbTxWorld w(/*terminal_ecm=*/false);
    ASSERT_TRUE(w.usb.ok()) << "umockdev testbed not available";
    ASSERT_TRUE(w.transport.open().ok());
    testing::TestGate gate(w.dir);
    ClearedJob j;
    clear_and_start(w, gate, j, {1, 2}, /*ecm=*/false);
    ASSERT_TRUE(j.session);

    t30::SessionStepper stepper(*j.session, w.transport);
    w.sim.attach(stepper);
    // The cover confirmed (MCF) and page 2's image data going out; 3 s on, the host is
    // in the middle of chart 1 (which takes far longer than that at any V.17/V.29 rate).
    ASSERT_TRUE(w.sim.run_until(
        [&] { return mcf_count(j.session->result()) == 1 && j.session->phase() == t30::CallPhase::Transfer; },
        Samples{8000 * 120}))
        << "phase " << t30::to_string(j.session->phase()) << ", MCF " << mcf_count(j.session->result());
    w.sim.run_until([] { return false; }, Samples{8000 * 3});
    ASSERT_FALSE(j.session->finished());
    ASSERT_EQ(j.session->phase(), t30::CallPhase::Transfer);
    w.usb.unplug();
    const bool session_done = w.sim.run_until([&] { return j.session->finished(); }, Samples{8000 * 120});
    w.sim.detach(stepper);
    ASSERT_TRUE(session_done) << "the session did not end after the unplug; phase "
                              << t30::to_string(j.session->phase());
    // The line side goes on without the host: the terminal ends its call on its own.
    ASSERT_TRUE(w.sim.run_until([&] { return w.term->done(); }, Samples{8000 * 300}))
        << "the reference terminal never ended its call";

    // A typed, clear failure: the transport's NO_DEVICE, which the session ends with.
    ASSERT_FALSE(stepper.transport_status().ok());
    EXPECT_EQ(stepper.transport_status().error().code, Errc::Disconnected)
        << stepper.transport_status().error().to_string();
    const auto& r = j.session->result();
    EXPECT_FALSE(r.call_completed);
    ASSERT_FALSE(r.status.ok());
    EXPECT_EQ(r.status.error().code, Errc::Disconnected) << r.status.error().to_string();

    // What the terminal stored: at least the cover (a partial page 2 may be kept too).
    const int stored = w.term->result().pages;
    EXPECT_NE(w.term->result().completion_code, 0) << "the terminal's call cannot have ended normally";
    auto got = t30::read_tiff(w.topts.tiff);
    auto spooled = t30::read_tiff(j.spooled);
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_TRUE(spooled.ok()) << spooled.error().to_string();
    ASSERT_GE(stored, 1);
    ASSERT_EQ(static_cast<int>(got->size()), stored);

    // The session counts only what the remote confirmed, and the remote has it.
    EXPECT_EQ(r.pages_confirmed, 1);
    EXPECT_EQ(mcf_count(r), 1);
    EXPECT_LE(r.pages_confirmed, stored);
    for (const auto& po : r.page_outcomes) {
        if (po.response != "MCF") continue;
        ASSERT_GE(po.page, 1);
        ASSERT_LE(po.page, stored) << "page " << po.page << " confirmed but not stored by the terminal";
        const auto& sent = (*spooled)[static_cast<std::size_t>(po.page - 1)];
        const auto& recv = (*got)[static_cast<std::size_t>(po.page - 1)];
        auto d = t30::compare_pages(sent, recv);
        EXPECT_TRUE(d.identical) << "confirmed page " << po.page << ": " << d.summary;
    }

    // The job's outcome: not Ok, Partial (the cover delivered), retryable; the next
    // attempt sends only what was not confirmed, and the audit trail records page 1.
    const std::vector<int> attempt_pages{1, 2, 3};
    const auto out = job::outcome_for_attempt(r, stepper.transport_status(), 1, attempt_pages, testing::gate_now(),
                                              testing::gate_now() + 1min);
    EXPECT_NE(out.completion, gate::CompletionCode::Ok);
    EXPECT_EQ(out.completion, gate::CompletionCode::Partial) << gate::to_string(out.completion) << ": " << out.detail;
    EXPECT_EQ(out.confirmed_pages, std::vector<int>{1});
    for (int p : out.confirmed_pages) EXPECT_LE(p, stored) << "confirmed page " << p << " not stored";
    EXPECT_EQ(out.pages_confirmed, 1);
    EXPECT_NE(out.detail.find(to_string(Errc::Disconnected)), std::string::npos) << out.detail;
    const auto cls = job::classify(out, /*all_delivered=*/false, /*station_shutdown=*/false);
    EXPECT_EQ(cls, job::FailureClass::Page) << job::to_string(cls);
    const auto next = job::decide(job::RetryPolicy{}, job::Tuning{}, 1, out, false, false);
    EXPECT_EQ(next.state, job::JobState::Queued) << "a device unplug must leave the job to be retried";

    ASSERT_TRUE(gate.gate().record_outcome(j.job_id, out).ok());
    auto d = gate.audit().disclosures(testing::kMemberReference, testing::gate_now() - 1h, testing::gate_now() + 1h);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    ASSERT_EQ(d->size(), 1u);
    EXPECT_EQ(d->front().pages_delivered, 1);
    EXPECT_EQ(d->front().completion, gate::CompletionCode::Partial);
}

}  // namespace
}  // namespace fax
