#include "fax/hal/serial_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <optional>
#include <system_error>
#include <thread>

namespace fax::hal {
namespace {

using Clock = std::chrono::steady_clock;

struct SpeedEntry {
    unsigned baud;
    speed_t code;
};

// The speeds a fax modem's DTE port is run at in practice. Anything else is
// refused up front rather than silently rounded by the driver.
constexpr SpeedEntry kSpeeds[] = {
    {1200, B1200},     {2400, B2400},     {4800, B4800},     {9600, B9600},
    {19200, B19200},   {38400, B38400},   {57600, B57600},   {115200, B115200},
    {230400, B230400}, {460800, B460800}, {921600, B921600},
};

std::optional<speed_t> to_speed(unsigned baud) {
    for (const auto& e : kSpeeds)
        if (e.baud == baud) return e.code;
    return std::nullopt;
}

unsigned from_speed(speed_t code) {
    for (const auto& e : kSpeeds)
        if (e.code == code) return e.baud;
    return 0;
}

std::string errno_text(int err) { return std::generic_category().message(err); }

// errno values a tty read/write returns once the device behind it has gone
// (USB modem unplugged, pty master closed).
bool is_gone(int err) { return err == EIO || err == ENXIO || err == ENODEV; }

// Milliseconds left until `deadline`, rounded up so poll() never returns early.
int remaining_ms(Clock::time_point deadline) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<decltype(ms)>(ms, INT_MAX));
}

Clock::time_point deadline_after(std::chrono::milliseconds timeout) {
    return Clock::now() + std::max(timeout, std::chrono::milliseconds::zero());
}

void set_flow_bits(termios& t, FlowControl flow) {
    t.c_cflag &= ~CRTSCTS;
    t.c_iflag &= ~(IXON | IXOFF | IXANY);
    switch (flow) {
    case FlowControl::None: break;
    case FlowControl::Hardware: t.c_cflag |= CRTSCTS; break;
    case FlowControl::Software:
        // IXON: the modem's XOFF stops our output (what AT+FLO=1 asks of a
        // T.31 modem); IXOFF: the kernel sends XOFF when our input buffer fills.
        t.c_iflag |= IXON | IXOFF;
        t.c_cc[VSTART] = 0x11;  // DC1 / XON
        t.c_cc[VSTOP] = 0x13;   // DC3 / XOFF
        break;
    }
}

const char* on_off(bool b) { return b ? "on" : "off"; }

// Returns the name of the first flow-control setting that differs, if any.
std::optional<std::string> flow_mismatch(const termios& want, const termios& got) {
    const bool want_crtscts = (want.c_cflag & CRTSCTS) != 0, got_crtscts = (got.c_cflag & CRTSCTS) != 0;
    if (want_crtscts != got_crtscts)
        return std::string("CRTSCTS (asked ") + on_off(want_crtscts) + ", device reports " + on_off(got_crtscts) + ")";
    const bool want_ixon = (want.c_iflag & IXON) != 0, got_ixon = (got.c_iflag & IXON) != 0;
    if (want_ixon != got_ixon)
        return std::string("IXON (asked ") + on_off(want_ixon) + ", device reports " + on_off(got_ixon) + ")";
    const bool want_ixoff = (want.c_iflag & IXOFF) != 0, got_ixoff = (got.c_iflag & IXOFF) != 0;
    if (want_ixoff != got_ixoff)
        return std::string("IXOFF (asked ") + on_off(want_ixoff) + ", device reports " + on_off(got_ixoff) + ")";
    return std::nullopt;
}

// tcsetattr() succeeds if *any* of the request was applied (POSIX), so the
// settings a fax session depends on are compared after reading them back.
std::optional<std::string> mismatch(const termios& want, const termios& got) {
    if (cfgetospeed(&got) != cfgetospeed(&want) || cfgetispeed(&got) != cfgetispeed(&want))
        return "speed (asked " + std::to_string(from_speed(cfgetospeed(&want))) + " baud, device reports " +
               std::to_string(from_speed(cfgetospeed(&got))) + ")";
    if (auto f = flow_mismatch(want, got)) return f;
    if ((got.c_cflag & CSIZE) != CS8) return std::string("CS8 (8 data bits)");
    if ((got.c_cflag & PARENB) != 0) return std::string("PARENB off (no parity)");
    if ((got.c_cflag & CREAD) == 0) return std::string("CREAD (receiver on)");
    if ((got.c_cflag & CLOCAL) == 0) return std::string("CLOCAL (ignore carrier detect)");
    if ((got.c_lflag & (ICANON | ECHO | ECHONL | ISIG | IEXTEN)) != 0)
        return std::string("raw mode (ICANON/ECHO/ISIG/IEXTEN off)");
    if ((got.c_oflag & OPOST) != 0) return std::string("raw mode (OPOST off)");
    if ((got.c_iflag & (ISTRIP | INLCR | IGNCR | ICRNL | PARMRK)) != 0)
        return std::string("raw mode (no input translation)");
    if (got.c_cc[VMIN] != 0 || got.c_cc[VTIME] != 0) return std::string("VMIN=0/VTIME=0");
    return std::nullopt;
}

}  // namespace

SerialTransport::SerialTransport(std::string path, LineSettings settings)
    : path_(std::move(path)), settings_(settings) {}

SerialTransport::~SerialTransport() { close(); }

Error SerialTransport::sys_error(Errc code, const char* what, int err) const {
    return make_error(code, path_ + ": " + what + ": " + errno_text(err));
}

Status SerialTransport::not_open() const { return fail(Errc::Io, path_ + ": not open"); }

Status SerialTransport::open() {
    if (is_open()) return {};
    if (!to_speed(settings_.baud))
        return fail(Errc::InvalidArgument, path_ + ": unsupported speed " + std::to_string(settings_.baud) + " baud");

    // O_NOCTTY: a modem must never become our controlling terminal (a hang-up
    // would SIGHUP us). O_NONBLOCK: open() must not wait for carrier detect, and
    // every later read/write is bounded by poll() with a deadline.
    UniqueFd fd(::open(path_.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        const int e = errno;
        switch (e) {
        case ENOENT:
        case ENOTDIR: return fail(sys_error(Errc::NotFound, "open", e));
        case ENXIO:
        case ENODEV: return fail(make_error(Errc::NotFound, path_ + ": open: no device behind this node (" + errno_text(e) + ")"));
        case EBUSY:
            return fail(make_error(Errc::DeviceBusy, path_ + ": open: opened exclusively (TIOCEXCL) by another program (" +
                                                         errno_text(e) + ")"));
        case EACCES:
        case EPERM:
            return fail(make_error(Errc::Io, path_ + ": open: " + errno_text(e) + " (is the user in the dialout group?)"));
        default: return fail(sys_error(Errc::Io, "open", e));
        }
    }
    if (!::isatty(fd.get())) return fail(Errc::InvalidArgument, path_ + ": not a terminal device");

    // TIOCEXCL does not stop root (CAP_SYS_ADMIN bypasses it), so an advisory
    // lock makes a second SerialTransport fail in any process. The lock is
    // taken first: TIOCEXCL is a flag on the tty itself, and setting it on a
    // device someone else legitimately holds would lock them out of reopening it.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        if (e == EWOULDBLOCK)
            return fail(Errc::DeviceBusy,
                        path_ + ": in use: another SerialTransport or program holds its lock (flock): " + errno_text(e));
        return fail(sys_error(Errc::Io, "flock", e));
    }
    // Root is let through a tty another program marked exclusive; ask the tty
    // (TIOCGEXCL, Linux 3.8+) so root gets the same DeviceBusy as everyone else.
    if (int excl = 0; ::ioctl(fd.get(), TIOCGEXCL, &excl) == 0 && excl != 0)
        return fail(Errc::DeviceBusy, path_ + ": opened exclusively (TIOCEXCL) by another program");
    if (::ioctl(fd.get(), TIOCEXCL) != 0) return fail(sys_error(Errc::Io, "ioctl(TIOCEXCL)", errno));

    // From here on close() undoes TIOCEXCL if setup fails.
    fd_ = std::move(fd);
    if (auto s = apply(settings_); !s) {
        close();
        return s;
    }
    // Drop whatever the modem said before we owned it (a stale RING or OK would
    // be taken as the answer to our first command).
    if (::tcflush(fd_.get(), TCIOFLUSH) != 0) {
        const int e = errno;
        close();
        return fail(sys_error(Errc::Io, "tcflush", e));
    }
    return {};
}

void SerialTransport::close() {
    if (!fd_) return;
    // The exclusive flag belongs to the tty, not to this descriptor: if another
    // descriptor keeps the tty alive (a PtyPair, a getty), it would outlive us
    // and refuse every later open by a non-root user.
    ::ioctl(fd_.get(), TIOCNXCL);
    fd_.reset();  // also releases the flock
}

Status SerialTransport::apply(const LineSettings& settings) {
    const auto speed = to_speed(settings.baud);
    if (!speed)
        return fail(Errc::InvalidArgument, path_ + ": unsupported speed " + std::to_string(settings.baud) + " baud");
    termios t{};
    if (::tcgetattr(fd_.get(), &t) != 0) return fail(sys_error(Errc::Io, "tcgetattr", errno));
    ::cfmakeraw(&t);  // 8 data bits, no parity, no echo, no translation of CR/LF or DLE
    t.c_iflag &= ~(INPCK | IGNPAR);
    t.c_cflag &= ~CSTOPB;
    // CLOCAL: carrier detect is the modem's business during a call, not a
    // reason for the kernel to hang up the tty. HUPCL: dropping DTR on last
    // close makes the modem go on-hook if this process dies mid-call.
    t.c_cflag |= CLOCAL | CREAD | HUPCL;
    set_flow_bits(t, settings.flow);
    // VMIN=0/VTIME=0: read() never waits; waiting is done by poll() with a deadline.
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (::cfsetispeed(&t, *speed) != 0 || ::cfsetospeed(&t, *speed) != 0)
        return fail(sys_error(Errc::InvalidArgument, "cfsetspeed", errno));
    if (::tcsetattr(fd_.get(), TCSANOW, &t) != 0) return fail(sys_error(Errc::Io, "tcsetattr", errno));

    termios got{};
    if (::tcgetattr(fd_.get(), &got) != 0) return fail(sys_error(Errc::Io, "tcgetattr", errno));
    if (auto m = mismatch(t, got)) return fail(Errc::Io, path_ + ": line setting did not apply: " + *m);
    return {};
}

Status SerialTransport::configure(const LineSettings& settings) {
    if (!to_speed(settings.baud))
        return fail(Errc::InvalidArgument, path_ + ": unsupported speed " + std::to_string(settings.baud) + " baud");
    if (is_open()) FAX_TRY(apply(settings));
    settings_ = settings;
    return {};
}

Status SerialTransport::set_flow_control(FlowControl flow) {
    if (is_open()) {
        termios t{};
        if (::tcgetattr(fd_.get(), &t) != 0) return fail(sys_error(Errc::Io, "tcgetattr", errno));
        set_flow_bits(t, flow);
        if (::tcsetattr(fd_.get(), TCSANOW, &t) != 0) return fail(sys_error(Errc::Io, "tcsetattr", errno));
        termios got{};
        if (::tcgetattr(fd_.get(), &got) != 0) return fail(sys_error(Errc::Io, "tcgetattr", errno));
        if (auto m = flow_mismatch(t, got)) return fail(Errc::Io, path_ + ": flow control did not apply: " + *m);
    }
    settings_.flow = flow;
    return {};
}

Result<LineSettings> SerialTransport::current_settings() const {
    if (!is_open()) return fail(not_open().take_error());
    termios t{};
    if (::tcgetattr(fd_.get(), &t) != 0) return fail(sys_error(Errc::Io, "tcgetattr", errno));
    LineSettings s;
    s.baud = from_speed(cfgetospeed(&t));
    if ((t.c_cflag & CRTSCTS) != 0)
        s.flow = FlowControl::Hardware;
    else if ((t.c_iflag & IXON) != 0)
        s.flow = FlowControl::Software;
    else
        s.flow = FlowControl::None;
    return s;
}

Result<std::size_t> SerialTransport::read(std::span<uint8_t> buf, std::chrono::milliseconds timeout) {
    if (!is_open()) return fail(not_open().take_error());
    if (buf.empty()) return std::size_t{0};
    const auto deadline = deadline_after(timeout);
    for (;;) {
        pollfd p{fd_.get(), POLLIN, 0};
        const int r = ::poll(&p, 1, remaining_ms(deadline));
        if (r < 0) {
            if (errno == EINTR) continue;
            return fail(sys_error(Errc::Io, "poll", errno));
        }
        if (r == 0) return std::size_t{0};  // timeout
        if ((p.revents & POLLNVAL) != 0) return fail(Errc::Internal, path_ + ": poll: descriptor not open");

        const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
        if (n > 0) return static_cast<std::size_t>(n);
        if (n < 0) {
            const int e = errno;
            if (is_gone(e)) return fail(sys_error(Errc::Disconnected, "read", e));
            if (e != EAGAIN && e != EWOULDBLOCK && e != EINTR) return fail(sys_error(Errc::Io, "read", e));
        } else if ((p.revents & (POLLHUP | POLLERR)) != 0) {
            // With VMIN=0 a tty read returns 0 both for "nothing queued" and for a
            // hung-up line; poll()'s POLLHUP tells them apart.
            return fail(Errc::Disconnected, path_ + ": read: the device hung up");
        }
        if (Clock::now() >= deadline) return std::size_t{0};
    }
}

Result<std::size_t> SerialTransport::write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) {
    if (!is_open()) return fail(not_open().take_error());
    const auto deadline = deadline_after(timeout);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0) {
            const int e = errno;
            if (e == EINTR) continue;
            if (is_gone(e)) return fail(sys_error(Errc::Disconnected, "write", e));
            if (e != EAGAIN && e != EWOULDBLOCK) return fail(sys_error(Errc::Io, "write", e));
        }
        // The output queue is full, or flow control (CTS low, XOFF received)
        // stopped it: wait for room until the deadline, then report what went.
        const int wait = remaining_ms(deadline);
        if (wait == 0) break;
        pollfd p{fd_.get(), POLLOUT, 0};
        const int r = ::poll(&p, 1, wait);
        if (r < 0) {
            if (errno == EINTR) continue;
            return fail(sys_error(Errc::Io, "poll", errno));
        }
        if (r == 0) break;
        if ((p.revents & POLLNVAL) != 0) return fail(Errc::Internal, path_ + ": poll: descriptor not open");
        if ((p.revents & POLLHUP) != 0 && (p.revents & POLLOUT) == 0)
            return fail(Errc::Disconnected, path_ + ": write: the device hung up");
    }
    return done;
}

Status SerialTransport::flush(FlushQueue which) {
    if (!is_open()) return not_open();
    const int q = which == FlushQueue::Input ? TCIFLUSH : which == FlushQueue::Output ? TCOFLUSH : TCIOFLUSH;
    if (::tcflush(fd_.get(), q) != 0) {
        const int e = errno;
        return fail(sys_error(is_gone(e) ? Errc::Disconnected : Errc::Io, "tcflush", e));
    }
    return {};
}

Status SerialTransport::drain(std::chrono::milliseconds timeout) {
    if (!is_open()) return not_open();
    const auto deadline = deadline_after(timeout);
    for (;;) {
        int queued = 0;
        if (::ioctl(fd_.get(), TIOCOUTQ, &queued) != 0) {
            const int e = errno;
            if (is_gone(e)) return fail(sys_error(Errc::Disconnected, "ioctl(TIOCOUTQ)", e));
            if (e != ENOTTY && e != EINVAL) return fail(sys_error(Errc::Io, "ioctl(TIOCOUTQ)", e));
            // No queue count from this driver: tcdrain() is all there is, and it
            // blocks until the driver says the output is gone.
            if (::tcdrain(fd_.get()) != 0) return fail(sys_error(Errc::Io, "tcdrain", errno));
            return {};
        }
        if (queued <= 0) return {};
        const int wait = remaining_ms(deadline);
        if (wait == 0)
            return fail(Errc::Timeout, path_ + ": drain: " + std::to_string(queued) + " bytes still queued after " +
                                           std::to_string(timeout.count()) + " ms (flow control holding the line?)");
        // A byte at 115200 baud takes ~87 us; a short sleep keeps this cheap
        // without adding noticeable latency to a T.30 turnaround.
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait, 2)));
    }
}

namespace {

Status set_modem_line(int fd, const std::string& path, int bit, const char* name, bool on) {
    int bits = bit;
    if (::ioctl(fd, on ? TIOCMBIS : TIOCMBIC, &bits) == 0) return {};
    const int e = errno;
    if (e == ENOTTY || e == EINVAL)
        return fail(Errc::Unsupported, path + ": cannot set " + name +
                                           ": the device has no modem control lines (a pseudo-terminal?): " +
                                           errno_text(e));
    return fail(is_gone(e) ? Errc::Disconnected : Errc::Io,
                path + ": ioctl(" + (on ? "TIOCMBIS " : "TIOCMBIC ") + name + "): " + errno_text(e));
}

}  // namespace

Status SerialTransport::set_dtr(bool on) {
    if (!is_open()) return not_open();
    return set_modem_line(fd_.get(), path_, TIOCM_DTR, "DTR", on);
}

Status SerialTransport::set_rts(bool on) {
    if (!is_open()) return not_open();
    return set_modem_line(fd_.get(), path_, TIOCM_RTS, "RTS", on);
}

}  // namespace fax::hal
