#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fax/hal/inprocess_link.h"

namespace fax::hal {
namespace {

using namespace std::chrono_literals;

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(InProcessLink, HostWriteArrivesAtTheModem) {
    InProcessLink link("5551001");
    Transport& host = link.host();
    ASSERT_TRUE(host.open().ok());
    EXPECT_TRUE(link.host_open());
    const auto cmd = bytes("AT+FCLASS=1\r");
    auto n = host.write(cmd, 0ms);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, cmd.size());
    EXPECT_EQ(link.dce_pending(), cmd.size());
    EXPECT_EQ(link.dce_take(3), bytes("AT+"));
    EXPECT_EQ(link.dce_take(100), bytes("FCLASS=1\r"));
    EXPECT_EQ(link.dce_pending(), 0u);
}

TEST(InProcessLink, ModemSendArrivesAtTheHost) {
    InProcessLink link("5551001");
    Transport& host = link.host();
    ASSERT_TRUE(host.open().ok());
    std::array<uint8_t, 4> buf{};
    auto empty = host.read(buf, 0ms);
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(*empty, 0u) << "nothing sent yet: a read returns at once with 0";

    link.dce_send(bytes("\r\nOK\r\n"));
    auto n = host.read(buf, 0ms);
    ASSERT_TRUE(n.ok());
    ASSERT_EQ(*n, 4u);
    EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.end()), bytes("\r\nOK"));
    n = host.read(buf, 0ms);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)), bytes("\r\n"));
}

TEST(InProcessLink, UnplugMakesTheHostSeeDisconnected) {
    InProcessLink link("5551001");
    Transport& host = link.host();
    ASSERT_TRUE(host.open().ok());
    link.unplug();
    std::array<uint8_t, 4> buf{};
    auto r = host.read(buf, 0ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::Disconnected);
    auto w = host.write(buf, 0ms);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, Errc::Disconnected);
    host.close();
    auto o = host.open();
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().code, Errc::Disconnected);
}

TEST(InProcessLink, ClosedHostFailsAndDropsDtr) {
    InProcessLink link("5551001");
    Transport& host = link.host();
    EXPECT_EQ(host.describe(), "inproc:5551001");
    std::array<uint8_t, 4> buf{};
    EXPECT_FALSE(host.read(buf, 0ms).ok());
    ASSERT_TRUE(host.open().ok());
    EXPECT_TRUE(link.host_dtr());
    ASSERT_TRUE(host.set_dtr(false).ok());
    EXPECT_FALSE(link.host_dtr());
    ASSERT_TRUE(host.set_dtr(true).ok());
    host.close();
    EXPECT_FALSE(link.host_open());
    EXPECT_FALSE(link.host_dtr()) << "closing drops DTR, as HUPCL does on a real port";
}

TEST(InProcessLink, FlushDiscardsTheChosenDirection) {
    InProcessLink link("5551001");
    Transport& host = link.host();
    ASSERT_TRUE(host.open().ok());
    link.dce_send(bytes("RING\r\n"));
    ASSERT_TRUE(host.write(bytes("ATA\r"), 0ms).ok());
    ASSERT_TRUE(host.flush(FlushQueue::Input).ok());
    EXPECT_EQ(link.dce_pending(), 4u);
    std::array<uint8_t, 8> buf{};
    auto n = host.read(buf, 0ms);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u);
    ASSERT_TRUE(host.flush(FlushQueue::Output).ok());
    EXPECT_EQ(link.dce_pending(), 0u);
}

TEST(InProcessLink, WriteAllWritesEverything) {
    InProcessLink link("5551001");
    ASSERT_TRUE(link.host().open().ok());
    const auto data = bytes("ATZ\r");
    ASSERT_TRUE(write_all(link.host(), data, 100ms).ok());
    EXPECT_EQ(link.dce_take(16), data);
}

}  // namespace
}  // namespace fax::hal
