// UsbTransport against an emulated CDC-ACM (and vendor bulk) modem on umockdev.
// The test plays the device through EmulatedUsbModem. Timing assertions use
// generous bounds: they check that a deadline is honoured, not machine speed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "fax/hal/usb_transport.h"
#include "usb_modem_emulator.h"

namespace fax::hal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::EmulatedUsbModem;
using testing::EmulatedUsbModemOptions;

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }

UsbTransportOptions modem_at(uint16_t vid = 0x0baf, uint16_t pid = 0x0303) {
    UsbTransportOptions o;
    o.device.vendor_id = vid;
    o.device.product_id = pid;
    return o;
}

// Reads until `want` bytes arrived or 5 s passed.
std::string read_n(Transport& t, std::size_t want) {
    std::string out;
    std::array<uint8_t, 256> buf{};
    const auto end = Clock::now() + 5s;
    while (out.size() < want && Clock::now() < end) {
        auto n = t.read(buf, 50ms);
        if (!n) break;
        out.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
    return out;
}

// What the host wrote, waiting up to 5 s for `want` bytes.
std::string device_got(EmulatedUsbModem& dev, std::size_t want) {
    std::string out;
    const auto end = Clock::now() + 5s;
    while (out.size() < want && Clock::now() < end) out += text(dev.take_from_host());
    return out;
}

class UsbTransportTest : public ::testing::Test {
protected:
    void SetUp() override { make(); }
    void make(EmulatedUsbModemOptions o = {}) {
        dev_.reset();
        dev_ = std::make_unique<EmulatedUsbModem>(std::move(o));
        ASSERT_TRUE(dev_->ok()) << "umockdev testbed not available: the test must run with libumockdev-preload.so";
    }
    std::unique_ptr<EmulatedUsbModem> dev_;
};

TEST_F(UsbTransportTest, OpenDetachesClaimsAndRaisesTheLineCloseUndoesIt) {
    UsbTransport t(modem_at());
    auto s = t.open();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_TRUE(t.is_open());
    EXPECT_EQ(dev_->claimed_interfaces(), (std::vector<uint8_t>{0, 1}));
    EXPECT_EQ(dev_->kernel_detaches(), 2);  // cdc_acm was bound to both interfaces
    EXPECT_EQ(dev_->line_rate(), std::optional<uint32_t>(115200));
    EXPECT_EQ(dev_->control_line_state(), 0x03);  // DTR and RTS
    auto l = t.layout();
    ASSERT_TRUE(l.has_value());
    EXPECT_TRUE(l->cdc_acm);
    EXPECT_EQ(l->bulk_in, 0x81);
    EXPECT_EQ(l->bulk_out, 0x02);
    EXPECT_EQ(l->notify_in, std::optional<uint8_t>(0x83));
    EXPECT_EQ(t.port_path(), "1-1");
    EXPECT_EQ(t.describe(), "usb:1-1 0baf:0303");

    t.close();
    EXPECT_FALSE(t.is_open());
    EXPECT_EQ(dev_->control_line_state(), 0x00);  // DTR dropped: the modem hangs up
    EXPECT_TRUE(dev_->claimed_interfaces().empty());
    EXPECT_EQ(dev_->kernel_reattaches(), 2);  // cdc_acm is back
    t.close();  // idempotent
}

TEST_F(UsbTransportTest, BytesFlowBothWays) {
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    auto w = t.write(bytes("ATI3\r"), 1000ms);
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    EXPECT_EQ(*w, 5u);
    EXPECT_EQ(device_got(*dev_, 5), "ATI3\r");
    dev_->send_to_host(bytes("\r\nOK\r\n"));
    EXPECT_EQ(read_n(t, 6), "\r\nOK\r\n");
    // More than one bulk transfer's worth in each direction.
    std::vector<uint8_t> big(10000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
    ASSERT_TRUE(write_all(t, big, 5000ms).ok());
    EXPECT_EQ(device_got(*dev_, big.size()), text(big));
    dev_->send_to_host(big);
    EXPECT_EQ(read_n(t, big.size()), text(big));
}

TEST_F(UsbTransportTest, ReadHonoursItsTimeout) {
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    std::array<uint8_t, 16> buf{};
    const auto t0 = Clock::now();
    auto n = t.read(buf, 200ms);
    const auto took = Clock::now() - t0;
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(*n, 0u);
    EXPECT_GE(took, 190ms);
    EXPECT_LT(took, 10s);
    auto zero = t.read(buf, 0ms);  // a poll: nothing there, no wait
    ASSERT_TRUE(zero.ok());
    EXPECT_EQ(*zero, 0u);
}

TEST_F(UsbTransportTest, WriteIsShortWhenTheDeviceStopsTakingData) {
    EmulatedUsbModemOptions o;
    o.out_accept_limit = 10;  // the device NAKs after 10 bytes
    make(o);
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    std::vector<uint8_t> data(64, 'x');
    const auto t0 = Clock::now();
    auto n = t.write(data, 300ms);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(*n, 10u);
    EXPECT_GE(Clock::now() - t0, 250ms);
    EXPECT_EQ(device_got(*dev_, 10), std::string(10, 'x'));
    auto all = write_all(t, data, 300ms);
    ASSERT_FALSE(all.ok());
    EXPECT_EQ(all.error().code, Errc::Timeout);
}

TEST_F(UsbTransportTest, SerialStateNotificationsReportCarrierAndRing) {
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    EXPECT_FALSE(t.serial_state().has_value());
    dev_->notify_serial_state(0x03);  // DCD + DSR
    std::array<uint8_t, 16> buf{};
    for (auto end = Clock::now() + 5s; !t.serial_state() && Clock::now() < end;) ASSERT_TRUE(t.read(buf, 20ms).ok());
    ASSERT_TRUE(t.serial_state().has_value());
    EXPECT_TRUE(t.serial_state()->dcd);
    EXPECT_FALSE(t.serial_state()->ring);
    dev_->notify_serial_state(0x08);  // RI, carrier gone
    for (auto end = Clock::now() + 5s; t.serial_state()->dcd && Clock::now() < end;) ASSERT_TRUE(t.read(buf, 20ms).ok());
    EXPECT_FALSE(t.serial_state()->dcd);
    EXPECT_TRUE(t.serial_state()->ring);
}

TEST_F(UsbTransportTest, UnplugIsDisconnectedForReadsAndWrites) {
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    dev_->unplug();
    std::array<uint8_t, 16> buf{};
    auto r = t.read(buf, 1000ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::Disconnected) << r.error().to_string();
    auto w = t.write(bytes("AT\r"), 1000ms);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, Errc::Disconnected) << w.error().to_string();
    t.close();  // must not hang or crash on a device that is gone
    EXPECT_FALSE(t.is_open());
}

TEST_F(UsbTransportTest, UnplugDuringAWriteIsDisconnected) {
    EmulatedUsbModemOptions o;
    o.out_accept_limit = 1;  // the write stays in flight
    make(o);
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    std::thread unplugger([this] {
        std::this_thread::sleep_for(200ms);
        dev_->unplug();
    });
    auto w = t.write(std::vector<uint8_t>(64, 'x'), 10000ms);
    unplugger.join();
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, Errc::Disconnected) << w.error().to_string();
}

TEST_F(UsbTransportTest, SelectsBySerialAndPortPath) {
    UsbTransportOptions o = modem_at();
    o.device.bus = 1;
    o.device.port_path = {1};
    o.device.serial = "0000001";
    UsbTransport ok(o);
    auto s = ok.open();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    ok.close();

    o.device.serial = "0000002";
    UsbTransport other_serial(o);
    auto e1 = other_serial.open();
    ASSERT_FALSE(e1.ok());
    EXPECT_EQ(e1.error().code, Errc::NotFound);

    o.device.serial.reset();
    o.device.port_path = {2};
    UsbTransport other_port(o);
    EXPECT_EQ(other_port.open().error().code, Errc::NotFound);

    UsbTransport other_id(modem_at(0x1234, 0x5678));
    auto e3 = other_id.open();
    ASSERT_FALSE(e3.ok());
    EXPECT_EQ(e3.error().code, Errc::NotFound);
    EXPECT_NE(e3.error().message.find("1234:5678"), std::string::npos) << e3.error().message;
}

TEST_F(UsbTransportTest, SecondOwnerIsBusy) {
    UsbTransport a(modem_at()), b(modem_at());
    ASSERT_TRUE(a.open().ok());
    auto s = b.open();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::DeviceBusy) << s.error().to_string();
    EXPECT_EQ(dev_->claimed_interfaces(), (std::vector<uint8_t>{0, 1}));  // a still holds them
}

TEST_F(UsbTransportTest, ConfigureAndLineControlSendClassRequests) {
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    ASSERT_TRUE(t.configure({57600, FlowControl::Hardware}).ok());
    EXPECT_EQ(dev_->line_rate(), std::optional<uint32_t>(57600));
    ASSERT_TRUE(t.set_rts(false).ok());
    EXPECT_EQ(dev_->control_line_state(), 0x01);
    ASSERT_TRUE(t.set_dtr(false).ok());
    EXPECT_EQ(dev_->control_line_state(), 0x00);
    ASSERT_TRUE(t.set_dtr(true).ok());
    EXPECT_EQ(dev_->control_line_state(), 0x01);
    EXPECT_EQ(t.configure({0, FlowControl::None}).error().code, Errc::InvalidArgument);
}

TEST_F(UsbTransportTest, ADeviceThatStallsLineCodingStillOpens) {
    EmulatedUsbModemOptions o;
    o.line_coding_stalls = true;
    make(o);
    UsbTransport t(modem_at());
    auto s = t.open();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_FALSE(dev_->line_rate().has_value());
    EXPECT_EQ(dev_->control_line_state(), 0x03);
}

TEST_F(UsbTransportTest, SoftwareFlowControlHoldsOutputAndStripsXonXoff) {
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    ASSERT_TRUE(t.set_flow_control(FlowControl::Software).ok());
    const uint8_t xoff[] = {0x13}, xon_data[] = {'a', 0x11, 'b'};
    dev_->send_to_host(xoff);
    std::array<uint8_t, 16> buf{};
    auto n = t.read(buf, 200ms);  // consumes the XOFF: nothing for the caller
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u);
    auto held = t.write(bytes("DATA"), 200ms);
    ASSERT_TRUE(held.ok());
    EXPECT_EQ(*held, 0u);  // XOFF holds our output
    EXPECT_TRUE(dev_->take_from_host().empty());
    dev_->send_to_host(xon_data);
    EXPECT_EQ(read_n(t, 2), "ab");
    auto go = t.write(bytes("DATA"), 1000ms);
    ASSERT_TRUE(go.ok());
    EXPECT_EQ(*go, 4u);
    EXPECT_EQ(device_got(*dev_, 4), "DATA");
    // Without software flow control 0x11/0x13 are data.
    ASSERT_TRUE(t.set_flow_control(FlowControl::Hardware).ok());
    dev_->send_to_host(xoff);
    EXPECT_EQ(read_n(t, 1), "\x13");
}

TEST_F(UsbTransportTest, VendorBulkModemFromAProfileLayout) {
    EmulatedUsbModemOptions o;
    o.vendor_bulk = true;
    make(o);
    UsbTransport cdc(modem_at());  // no CDC-ACM interface on this device
    auto e = cdc.open();
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, Errc::Unsupported) << e.error().to_string();

    UsbTransportOptions vo = modem_at();
    vo.vendor_layout = UsbVendorLayout{0, 0x81, 0x02, 0x83};
    UsbTransport t(vo);
    auto s = t.open();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(dev_->claimed_interfaces(), (std::vector<uint8_t>{0}));
    EXPECT_EQ(t.set_dtr(true).error().code, Errc::Unsupported);
    ASSERT_TRUE(t.write(bytes("AT\r"), 1000ms).ok());
    EXPECT_EQ(device_got(*dev_, 3), "AT\r");
    dev_->send_to_host(bytes("OK"));
    EXPECT_EQ(read_n(t, 2), "OK");
}

TEST_F(UsbTransportTest, AStalledBulkInIsReportedThenClearedAndDataFlowsAgain) {
    EmulatedUsbModemOptions o;
    o.stall_first_in = true;
    make(o);
    UsbTransport t(modem_at());
    ASSERT_TRUE(t.open().ok());
    dev_->send_to_host(bytes("RING\r\n"));
    std::array<uint8_t, 16> buf{};
    auto r = t.read(buf, 2000ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::Io);
    EXPECT_NE(r.error().message.find("stalled"), std::string::npos) << r.error().message;
    // The next read clears the halt (USB 2.0 §9.4.5) and resubmits; nothing was lost.
    EXPECT_EQ(read_n(t, 6), "RING\r\n");
    EXPECT_EQ(dev_->clear_halts(), 1);
}

TEST_F(UsbTransportTest, NotOpenIsAnError) {
    UsbTransport t(modem_at());
    std::array<uint8_t, 4> buf{};
    EXPECT_EQ(t.read(buf, 0ms).error().code, Errc::Io);
    EXPECT_EQ(t.write(bytes("x"), 0ms).error().code, Errc::Io);
    EXPECT_EQ(t.describe(), "usb:0baf:0303");
}

}  // namespace
}  // namespace fax::hal
