// Whole calls over the libusb transport: the project's T.30 session receives
// through UsbTransport -> emulated USB CDC-ACM device (umockdev) -> simulated
// T.31 modem (fax::sim::SimModem) -> simulated line -> SpanDSP reference
// terminal sending ITU-T T.24 charts. Pixel-exact; then the device is unplugged
// in the middle of a page.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "line_kind.h"
#include "itu_chart.h"
#include "fax/hal/usb_transport.h"
#include "fax/sim/simulation.h"
#include "fax/t30/fax_session.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/pbm.h"
#include "fax/t30/session_driver.h"
#include "fax/t30/tiff_io.h"
#include "usb_modem_emulator.h"

namespace fax {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "faxusb-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& n) const { return (path_ / n).string(); }

private:
    fs::path path_;
};

std::string write_charts(const TempDir& dir, const std::vector<int>& charts) {
    std::vector<t30::Bitmap> pages;
    for (int n : charts) {
        auto b = t30::read_tiff(fax::testing::itu_chart_path(n));
        EXPECT_TRUE(b.ok() && b->size() == 1u) << (b.ok() ? "" : b.error().to_string());
        if (b && b->size() == 1u) pages.push_back(std::move(b->front()));
    }
    const std::string path = dir.file("doc.tif");
    auto s = t30::write_fax_tiff(path, pages, t30::TiffCompression::T4_1D);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    return path;
}

hal::UsbTransportOptions usb_modem() {
    hal::UsbTransportOptions o;
    o.device.vendor_id = 0x0baf;
    o.device.product_id = 0x0303;
    return o;
}

// The simulated world with the modem behind the emulated USB device.
struct UsbWorld {
    sim::Simulation sim{fax::testing::kTestTick, fax::testing::test_exchange_options()};
    sim::SimModem& modem = sim.add_modem("5551001");
    testing::EmulatedUsbModem usb;
    testing::UsbSimBridge bridge{usb, modem.link()};
    hal::UsbTransport transport{usb_modem()};
    UsbWorld() { sim.attach(bridge); }
    ~UsbWorld() { sim.detach(bridge); }
};

// Steps the simulation until the host has read `until` from the modem.
std::string converse(UsbWorld& w, const std::string& command, const std::string& until) {
    std::vector<uint8_t> cmd(command.begin(), command.end());
    auto s = hal::write_all(w.transport, cmd, std::chrono::milliseconds(2000));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    std::string got;
    std::array<uint8_t, 512> buf{};
    w.sim.run_until(
        [&] {
            auto n = w.transport.read(buf, std::chrono::milliseconds(0));
            if (!n) return true;
            got.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
            return got.find(until) != std::string::npos;
        },
        Samples{8000 * 10});
    return got;
}

TEST(UsbFax, AtDialogueThroughTheUsbTransport) {
    UsbWorld w;
    ASSERT_TRUE(w.usb.ok()) << "umockdev testbed not available";
    auto s = w.transport.open();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_NE(converse(w, "AT\r", "OK\r\n").find("OK"), std::string::npos);
    const std::string fmi = converse(w, "AT+FMI?\r", "OK\r\n");
    EXPECT_NE(fmi.find("faxstack"), std::string::npos) << fmi;
    const std::string fmm = converse(w, "AT+FMM?\r", "OK\r\n");
    EXPECT_NE(fmm.find("SimModem T31"), std::string::npos) << fmm;
    const std::string classes = converse(w, "AT+FCLASS=?\r", "OK\r\n");
    EXPECT_NE(classes.find("1"), std::string::npos) << classes;
}

struct Call {
    TempDir dir;
    std::string doc;
    sim::TerminalOptions topts;
    std::unique_ptr<t30::FaxSession> session;
};

// The reference terminal dials the modem and sends `charts`; the session answers over USB.
void start_receive(UsbWorld& w, Call& c, const std::vector<int>& charts, bool ecm) {
    c.doc = write_charts(c.dir, charts);
    c.topts.role = sim::TerminalOptions::Role::Send;
    c.topts.tiff = c.doc;
    c.topts.ecm = ecm;
    c.topts.dial = "5551001";
    c.topts.dial_delay = Samples{8000};
    w.sim.add_terminal("5551009", c.topts);
    t30::SessionOptions so;
    so.local_ident = "FAXSTACK USB";
    so.ecm = true;
    auto s = t30::FaxSession::receive(c.dir.file("rx.tif"), so);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    c.session = std::move(*s);
}

class UsbFaxReceive : public ::testing::TestWithParam<bool> {};

TEST_P(UsbFaxReceive, ItuChartsArrivePixelExact) {
    const bool ecm = GetParam();
    UsbWorld w;
    ASSERT_TRUE(w.usb.ok()) << "umockdev testbed not available";
    ASSERT_TRUE(w.transport.open().ok());
    Call c;
    start_receive(w, c, {1, 2}, ecm);
    ASSERT_TRUE(c.session);
    auto& term = *w.sim.find_terminal("5551009");
    t30::SessionStepper stepper(*c.session, w.transport);
    w.sim.attach(stepper);
    const bool done = w.sim.run_until([&] { return c.session->finished() && term.done(); }, Samples{8000 * 300});
    w.sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string(c.session->phase());
    const auto& r = c.session->result();
    EXPECT_TRUE(stepper.transport_status().ok()) << stepper.transport_status().error().to_string();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.pages_received, 2);
    EXPECT_EQ(r.ecm, ecm);
    EXPECT_EQ(r.remote_ident, "REFERENCE TERMINAL");
    EXPECT_EQ(term.result().completion_code, 0) << term.result().completion_text;

    auto sent = t30::read_tiff(c.doc);
    auto got = t30::read_tiff(c.dir.file("rx.tif"));
    ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_EQ(sent->size(), got->size());
    for (std::size_t i = 0; i < sent->size(); ++i) {
        auto d = t30::compare_pages((*sent)[i], (*got)[i]);
        EXPECT_TRUE(d.identical) << "page " << i + 1 << ": " << d.summary;
    }
}

INSTANTIATE_TEST_SUITE_P(Ecm, UsbFaxReceive, ::testing::Values(false, true),
                         [](const auto& p) { return std::string(p.param ? "ECM" : "noECM"); });

TEST(UsbFax, UnplugDuringAPageEndsTheCallWithDisconnected) {
    UsbWorld w;
    ASSERT_TRUE(w.usb.ok()) << "umockdev testbed not available";
    ASSERT_TRUE(w.transport.open().ok());
    Call c;
    start_receive(w, c, {1, 2, 3}, false);
    ASSERT_TRUE(c.session);
    t30::SessionStepper stepper(*c.session, w.transport);
    w.sim.attach(stepper);
    // Page 1 received, then 5 s on: the post-page exchange is over and page 2's
    // image data is on the bus (chart 2 takes far longer than that to send).
    ASSERT_TRUE(w.sim.run_until([&] { return c.session->phase() == t30::CallPhase::PostPage; }, Samples{8000 * 120}))
        << "phase " << t30::to_string(c.session->phase());
    w.sim.run_until([] { return false; }, Samples{8000 * 5});
    ASSERT_FALSE(c.session->finished());
    w.usb.unplug();
    const bool done = w.sim.run_until([&] { return c.session->finished(); }, Samples{8000 * 120});
    w.sim.detach(stepper);
    ASSERT_TRUE(done) << "the session did not end after the unplug; phase " << t30::to_string(c.session->phase());
    ASSERT_FALSE(stepper.transport_status().ok());
    EXPECT_EQ(stepper.transport_status().error().code, Errc::Disconnected)
        << stepper.transport_status().error().to_string();
    const auto& r = c.session->result();
    EXPECT_FALSE(r.call_completed);
    EXPECT_EQ(r.pages_received, 1);  // page 2 was cut off
    ASSERT_FALSE(r.status.ok());
    // A retryable failure: the device went away, not a protocol or policy refusal.
    // The stepper hands the transport's error to the session, which ends with it.
    EXPECT_EQ(r.status.error().code, Errc::Disconnected) << r.status.error().to_string();
}

}  // namespace
}  // namespace fax
