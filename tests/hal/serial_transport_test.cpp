// SerialTransport against the slave side of a pseudo-terminal; the test plays
// the modem on the master. Timing assertions use generous bounds: they check
// that a deadline is honoured, not how fast the machine is.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fax/hal/pty.h"
#include "fax/hal/serial_transport.h"

namespace fax::hal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint8_t kXon = 0x11, kXoff = 0x13;

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

void write_master(const PtyPair& pair, std::span<const uint8_t> data) {
    ASSERT_EQ(::write(pair.master_fd(), data.data(), data.size()), static_cast<ssize_t>(data.size()));
}

// Everything the master can read right now (after waiting up to `wait` for the first byte).
std::vector<uint8_t> read_master(const PtyPair& pair, std::chrono::milliseconds wait) {
    std::vector<uint8_t> out;
    pollfd p{pair.master_fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return out;
    std::array<uint8_t, 4096> buf{};
    for (;;) {
        const ssize_t n = ::read(pair.master_fd(), buf.data(), buf.size());
        if (n <= 0) break;
        out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
    return out;
}

// Reads from the master until `want` bytes arrived or 2 s passed.
std::vector<uint8_t> read_master_n(const PtyPair& pair, std::size_t want) {
    std::vector<uint8_t> out;
    const auto deadline = Clock::now() + 2s;
    while (out.size() < want && Clock::now() < deadline) {
        auto got = read_master(pair, 20ms);
        out.insert(out.end(), got.begin(), got.end());
    }
    return out;
}

// Reads from the transport until `want` bytes arrived or 2 s passed.
std::vector<uint8_t> read_transport_n(SerialTransport& t, std::size_t want) {
    std::vector<uint8_t> out;
    std::array<uint8_t, 256> buf{};
    const auto deadline = Clock::now() + 2s;
    while (out.size() < want && Clock::now() < deadline) {
        auto n = t.read(buf, 50ms);
        EXPECT_TRUE(n.ok()) << n.error().to_string();
        if (!n) break;
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
    return out;
}

class SerialTransportTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto p = PtyPair::create();
        ASSERT_TRUE(p.ok()) << p.error().to_string();
        pair_ = std::make_unique<PtyPair>(std::move(p).value());
    }
    const std::string& path() const { return pair_->slave_path(); }
    std::unique_ptr<PtyPair> pair_;
};

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        auto r_ = (expr);                                            \
        ASSERT_TRUE(r_.ok()) << #expr << ": " << r_.error().to_string(); \
    } while (0)

TEST_F(SerialTransportTest, ReadsBytesWrittenOnTheMaster) {
    SerialTransport t(path());
    ASSERT_OK(t.open());
    EXPECT_TRUE(t.is_open());
    const auto reply = bytes("\r\nOK\r\n");
    write_master(*pair_, reply);
    EXPECT_EQ(read_transport_n(t, reply.size()), reply);
}

TEST_F(SerialTransportTest, WritesReachTheMaster) {
    SerialTransport t(path());
    ASSERT_OK(t.open());
    const auto cmd = bytes("AT+FCLASS=1\r");
    auto n = t.write(cmd, 1s);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(*n, cmd.size());
    EXPECT_EQ(read_master_n(*pair_, cmd.size()), cmd);
    ASSERT_OK(t.drain(1s));
}

TEST_F(SerialTransportTest, PassesEveryByteValueUntranslated) {
    SerialTransport t(path(), {115200, FlowControl::None});
    ASSERT_OK(t.open());
    std::vector<uint8_t> all(256);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
    write_master(*pair_, all);
    EXPECT_EQ(read_transport_n(t, all.size()), all) << "raw mode: no CR/LF mapping, no signals, no echo";
    ASSERT_OK(write_all(t, all, 1s));
    EXPECT_EQ(read_master_n(*pair_, all.size()), all);
}

TEST_F(SerialTransportTest, ReadTimesOutReturningZero) {
    SerialTransport t(path());
    ASSERT_OK(t.open());
    std::array<uint8_t, 16> buf{};
    const auto start = Clock::now();
    auto n = t.read(buf, 50ms);
    const auto elapsed = Clock::now() - start;
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(*n, 0u);
    EXPECT_GE(elapsed, 40ms);
    EXPECT_LT(elapsed, 2s);
}

TEST_F(SerialTransportTest, ZeroTimeoutReadReturnsAtOnce) {
    SerialTransport t(path());
    ASSERT_OK(t.open());
    std::array<uint8_t, 16> buf{};
    const auto start = Clock::now();
    auto n = t.read(buf, 0ms);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(*n, 0u);
    EXPECT_LT(Clock::now() - start, 1s);
}

TEST_F(SerialTransportTest, SecondOpenIsDeviceBusy) {
    SerialTransport first(path());
    ASSERT_OK(first.open());
    SerialTransport second(path());
    auto s = second.open();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::DeviceBusy);
    EXPECT_NE(s.error().message.find(path()), std::string::npos) << s.error().message;
    EXPECT_FALSE(second.is_open());

    // Released on close: the next owner gets it.
    first.close();
    ASSERT_OK(second.open());
}

TEST_F(SerialTransportTest, SecondOpenThroughASymlinkIsDeviceBusy) {
    const std::string link = ::testing::TempDir() + "fax_serial_test_link_" + std::to_string(::getpid());
    ASSERT_OK(pair_->link_at(link));
    SerialTransport first(link);
    ASSERT_OK(first.open());
    EXPECT_EQ(first.describe(), link);
    SerialTransport second(path());
    auto s = second.open();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::DeviceBusy);
}

TEST_F(SerialTransportTest, SecondOpenFromAnotherProcessIsDeviceBusy) {
    SerialTransport first(path());
    ASSERT_OK(first.open());
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        SerialTransport other(path());
        auto s = other.open();
        ::_exit(s.ok() ? 0 : s.error().code == Errc::DeviceBusy ? 1 : 2);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1) << "0: the other process opened it; 2: a different error";
}

TEST_F(SerialTransportTest, TtyMarkedExclusiveByAnotherProgramIsDeviceBusy) {
    // Another program (no flock) holds the tty with TIOCEXCL. Even root, which
    // the kernel lets through, must get DeviceBusy.
    const int other = ::open(path().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(other, 0);
    ASSERT_EQ(::ioctl(other, TIOCEXCL), 0);
    SerialTransport t(path());
    auto s = t.open();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::DeviceBusy) << s.error().to_string();
    ASSERT_EQ(::ioctl(other, TIOCNXCL), 0);
    ::close(other);
    ASSERT_OK(t.open());
}

TEST_F(SerialTransportTest, CloseClearsTheExclusiveFlag) {
    {
        SerialTransport t(path());
        ASSERT_OK(t.open());
        int excl = 0;
        ASSERT_EQ(::ioctl(pair_->slave_fd(), TIOCGEXCL, &excl), 0);
        EXPECT_NE(excl, 0);
    }
    // The pair keeps the tty alive, so the flag would outlive the transport if close() left it.
    int excl = 1;
    ASSERT_EQ(::ioctl(pair_->slave_fd(), TIOCGEXCL, &excl), 0);
    EXPECT_EQ(excl, 0);
}

TEST_F(SerialTransportTest, AppliesAndVerifiesLineSettings) {
    SerialTransport t(path(), {9600, FlowControl::Hardware});
    ASSERT_OK(t.open());

    auto cur = t.current_settings();
    ASSERT_TRUE(cur.ok()) << cur.error().to_string();
    EXPECT_EQ(cur->baud, 9600u);
    EXPECT_EQ(cur->flow, FlowControl::Hardware);

    // Independently of the transport: what the tty itself says.
    termios tio{};
    ASSERT_EQ(::tcgetattr(pair_->slave_fd(), &tio), 0);
    EXPECT_EQ(cfgetospeed(&tio), B9600);
    EXPECT_EQ(cfgetispeed(&tio), B9600);
    EXPECT_NE(tio.c_cflag & CRTSCTS, 0u);
    EXPECT_EQ(tio.c_iflag & (IXON | IXOFF), 0u);
    EXPECT_EQ(tio.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
    EXPECT_EQ(tio.c_cflag & PARENB, 0u);
    EXPECT_NE(tio.c_cflag & CLOCAL, 0u);
    EXPECT_EQ(tio.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0u);
    EXPECT_EQ(tio.c_oflag & OPOST, 0u);
    EXPECT_EQ(tio.c_cc[VMIN], 0);
    EXPECT_EQ(tio.c_cc[VTIME], 0);

    ASSERT_OK(t.set_flow_control(FlowControl::Software));
    ASSERT_EQ(::tcgetattr(pair_->slave_fd(), &tio), 0);
    EXPECT_EQ(tio.c_cflag & CRTSCTS, 0u);
    EXPECT_EQ(tio.c_iflag & (IXON | IXOFF), static_cast<tcflag_t>(IXON | IXOFF));
    EXPECT_EQ(cfgetospeed(&tio), B9600) << "set_flow_control must leave the speed alone";
    EXPECT_EQ(t.settings().flow, FlowControl::Software);

    ASSERT_OK(t.set_flow_control(FlowControl::None));
    cur = t.current_settings();
    ASSERT_TRUE(cur.ok());
    EXPECT_EQ(cur->flow, FlowControl::None);

    ASSERT_OK(t.configure({57600, FlowControl::Hardware}));
    cur = t.current_settings();
    ASSERT_TRUE(cur.ok());
    EXPECT_EQ(cur->baud, 57600u);
    EXPECT_EQ(cur->flow, FlowControl::Hardware);
}

TEST_F(SerialTransportTest, UnsupportedSpeedIsInvalidArgument) {
    SerialTransport bad(path(), {12345, FlowControl::None});
    auto s = bad.open();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::InvalidArgument);
    EXPECT_NE(s.error().message.find("12345"), std::string::npos);
    EXPECT_FALSE(bad.is_open());

    SerialTransport t(path(), {19200, FlowControl::None});
    ASSERT_OK(t.open());
    auto c = t.configure({12345, FlowControl::None});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::InvalidArgument);
    EXPECT_EQ(t.settings().baud, 19200u);
    auto cur = t.current_settings();
    ASSERT_TRUE(cur.ok());
    EXPECT_EQ(cur->baud, 19200u);
}

TEST_F(SerialTransportTest, DtrOnAPtyIsUnsupported) {
    SerialTransport t(path());
    ASSERT_OK(t.open());
    auto dtr = t.set_dtr(true);
    ASSERT_FALSE(dtr.ok());
    EXPECT_EQ(dtr.error().code, Errc::Unsupported);
    EXPECT_NE(dtr.error().message.find("no modem control lines"), std::string::npos) << dtr.error().message;
    EXPECT_NE(dtr.error().message.find(path()), std::string::npos);
    auto rts = t.set_rts(false);
    ASSERT_FALSE(rts.ok());
    EXPECT_EQ(rts.error().code, Errc::Unsupported);
}

TEST(SerialTransport, MissingPathIsNotFound) {
    SerialTransport t("/dev/fax-test-no-such-tty");
    auto s = t.open();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::NotFound);
    EXPECT_NE(s.error().message.find("/dev/fax-test-no-such-tty"), std::string::npos);
    EXPECT_FALSE(t.is_open());
}

TEST(SerialTransport, NonTerminalIsInvalidArgument) {
    SerialTransport t("/dev/null");
    auto s = t.open();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::InvalidArgument);
    EXPECT_FALSE(t.is_open());
}

TEST(SerialTransport, OperationsWhenClosedFail) {
    SerialTransport t("/dev/fax-test-no-such-tty");
    std::array<uint8_t, 4> buf{};
    auto r = t.read(buf, 10ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::Io);
    auto w = t.write(buf, 10ms);
    ASSERT_FALSE(w.ok());
    EXPECT_FALSE(t.flush(FlushQueue::Both).ok());
    EXPECT_FALSE(t.drain(10ms).ok());
    EXPECT_FALSE(t.set_dtr(true).ok());
    t.close();
    t.close();  // idempotent
    EXPECT_EQ(t.describe(), "/dev/fax-test-no-such-tty");
    // Settings are stored while closed and applied at open().
    EXPECT_TRUE(t.set_flow_control(FlowControl::Software).ok());
    EXPECT_EQ(t.settings().flow, FlowControl::Software);
}

TEST_F(SerialTransportTest, CloseIsIdempotentAndReopenWorks) {
    SerialTransport t(path());
    ASSERT_OK(t.open());
    ASSERT_OK(t.open());  // already open: no-op
    t.close();
    t.close();
    EXPECT_FALSE(t.is_open());
    ASSERT_OK(t.open());
    const auto reply = bytes("OK\r\n");
    write_master(*pair_, reply);
    EXPECT_EQ(read_transport_n(t, reply.size()), reply);
}

TEST_F(SerialTransportTest, FlushDiscardsPendingInput) {
    SerialTransport t(path());
    ASSERT_OK(t.open());
    write_master(*pair_, bytes("RING\r\n"));
    // Wait until the tty has queued the bytes (the pty moves them asynchronously).
    const auto deadline = Clock::now() + 2s;
    int queued = 0;
    while (Clock::now() < deadline) {
        ASSERT_EQ(::ioctl(pair_->slave_fd(), TIOCINQ, &queued), 0);
        if (queued == 6) break;
        ::usleep(1000);
    }
    ASSERT_EQ(queued, 6);
    ASSERT_OK(t.flush(FlushQueue::Input));
    std::array<uint8_t, 16> buf{};
    auto n = t.read(buf, 50ms);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u);
}

TEST_F(SerialTransportTest, XoffStallsWritesUntilXon) {
    SerialTransport t(path(), {115200, FlowControl::Software});
    ASSERT_OK(t.open());

    // The modem says XOFF. The pty acts on it asynchronously, so probe with
    // single bytes (drained by the "modem") until a write is held back.
    write_master(*pair_, std::vector<uint8_t>{kXoff});
    const uint8_t probe = 'x';
    bool stalled = false;
    const auto deadline = Clock::now() + 2s;
    while (!stalled && Clock::now() < deadline) {
        auto n = t.write(std::span(&probe, 1), 10ms);
        ASSERT_TRUE(n.ok()) << n.error().to_string();
        stalled = *n == 0;
        (void)read_master(*pair_, 0ms);
    }
    ASSERT_TRUE(stalled) << "XOFF from the modem never stopped our output";
    (void)read_master(*pair_, 20ms);

    std::vector<uint8_t> page(8192);
    for (std::size_t i = 0; i < page.size(); ++i) page[i] = static_cast<uint8_t>(i * 7);
    const auto start = Clock::now();
    auto n = t.write(page, 100ms);
    const auto elapsed = Clock::now() - start;
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_LT(*n, page.size()) << "a stopped line accepted the whole page";
    EXPECT_GE(elapsed, 80ms) << "write must wait out its timeout while stopped";
    EXPECT_LT(elapsed, 2s);
    std::vector<uint8_t> received = read_master(*pair_, 50ms);
    EXPECT_EQ(received.size(), *n) << "bytes leaked past XOFF";

    // XON: the rest goes through.
    write_master(*pair_, std::vector<uint8_t>{kXon});
    std::size_t sent = *n;
    const auto resume_deadline = Clock::now() + 2s;
    while (received.size() < page.size() && Clock::now() < resume_deadline) {
        if (sent < page.size()) {
            auto m = t.write(std::span(page).subspan(sent), 20ms);
            ASSERT_TRUE(m.ok()) << m.error().to_string();
            sent += *m;
        }
        auto got = read_master(*pair_, 10ms);
        received.insert(received.end(), got.begin(), got.end());
    }
    EXPECT_EQ(sent, page.size());
    EXPECT_EQ(received, page);
}

TEST_F(SerialTransportTest, ReportsDisconnectedWhenThePtyGoesAway) {
    SerialTransport t(path());
    ASSERT_OK(t.open());
    pair_.reset();  // the "modem" is unplugged
    std::array<uint8_t, 16> buf{};
    auto r = t.read(buf, 1s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::Disconnected) << r.error().to_string();
    auto w = t.write(buf, 100ms);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, Errc::Disconnected) << w.error().to_string();
    t.close();
    EXPECT_FALSE(t.is_open());
}

}  // namespace
}  // namespace fax::hal
