#include "fax/sim/pty_modem_port.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <chrono>
#include <system_error>

#include "fax/base/log.h"

namespace fax::sim {

namespace {
// Read from the master only while the link holds less than this: the modem
// hands the link to t31 under CTS once per step, so this bounds what waits there.
constexpr std::size_t kInputHighWater = 1024;
constexpr std::size_t kReadChunk = 512;
// Output nobody reads (no DTE has the port open) is dropped beyond this, oldest first.
constexpr std::size_t kOutputCap = 64 * 1024;

Unexpected io_fail(const std::string& what, int err) {
    return fail(Errc::Io, what + ": " + std::generic_category().message(err));
}
}  // namespace

PtyModemPort::PtyModemPort(SimModem& modem, hal::PtyPair pty) : modem_(modem), pty_(std::move(pty)) {}

PtyModemPort::~PtyModemPort() { modem_.link().host().close(); }

Result<std::unique_ptr<PtyModemPort>> PtyModemPort::create(SimModem& modem, const std::string& link_path) {
    auto pty = hal::PtyPair::create();
    if (!pty) return fail(pty.take_error());
    if (auto s = pty->link_at(link_path); !s) return fail(s.take_error());
    FAX_TRY(modem.link().host().open());
    modem.set_inband_flow_control(true);
    FAX_LOG(Info, "pty", link_path + " -> " + pty->slave_path() + " (modem " + modem.number() + ")");
    return std::unique_ptr<PtyModemPort>(new PtyModemPort(modem, std::move(*pty)));
}

bool PtyModemPort::wants_input() const {
    return modem_.cts() && modem_.link().dce_pending() < kInputHighWater;
}

short PtyModemPort::poll_events() const {
    short ev = 0;
    if (wants_input()) ev |= POLLIN;
    if (!out_.empty()) ev |= POLLOUT;
    return ev;
}

namespace {

// True if some process holds a flock on the file `st` names. Read from /proc/locks so
// that looking never takes the lock itself (a client opening the port at that moment
// would find it held). Lines: "1: FLOCK  ADVISORY  WRITE 7251 00:1a:4 0 EOF".
bool flock_held(const struct stat& st) {
    std::ifstream locks("/proc/locks");
    char want[64];
    std::snprintf(want, sizeof want, "%02x:%02x:%lu", major(st.st_dev), minor(st.st_dev),
                  static_cast<unsigned long>(st.st_ino));
    for (std::string line; std::getline(locks, line);) {
        if (line.find("FLOCK") == std::string::npos) continue;
        std::istringstream fields(line);
        for (std::string f; fields >> f;)
            if (f == want) return true;
    }
    return false;
}

}  // namespace

void PtyModemPort::check_dead_owner() {
    const auto now = std::chrono::steady_clock::now();
    if (dtr_low_ && now >= dtr_low_until_) {
        dtr_low_ = false;
        (void)modem_.link().host().set_dtr(true);
    }
    if (now < next_owner_check_) return;
    next_owner_check_ = now + std::chrono::milliseconds(100);
    struct stat st {};
    if (::fstat(pty_.slave_fd(), &st) != 0) return;
    // Every SerialTransport holds a flock on the port while it has it open. When the
    // lock goes away (a close, or the owner died), the DTE has let go of the port: a
    // real modem sees DTR drop (HUPCL) and hangs up (V.250 &D2); so does this one.
    const bool held = flock_held(st);
    int excl = 0;
    const bool exclusive = ::ioctl(pty_.slave_fd(), TIOCGEXCL, &excl) == 0 && excl != 0;
    if (held) {
        owner_present_ = true;
        return;
    }
    if (!owner_present_ && !exclusive) return;
    owner_present_ = false;
    // On a pty TIOCEXCL outlives an owner that died (the master keeps the tty).
    if (exclusive) (void)::ioctl(pty_.slave_fd(), TIOCNXCL);
    FAX_LOG(Info, "pty", link_path() + ": the DTE let go of the port" +
                             std::string(exclusive ? " without closing it" : "") + "; dropping DTR");
    (void)modem_.link().host().set_dtr(false);
    dtr_low_ = true;
    dtr_low_until_ = now + std::chrono::milliseconds(200);
}

Status PtyModemPort::service() {
    check_dead_owner();
    FAX_TRY(read_input());
    return write_output();
}

Status PtyModemPort::read_input() {
    std::array<uint8_t, kReadChunk> buf{};
    while (wants_input()) {
        const ssize_t n = ::read(pty_.master_fd(), buf.data(), buf.size());
        if (n > 0) {
            auto w = modem_.link().host().write(std::span<const uint8_t>(buf.data(), static_cast<std::size_t>(n)),
                                                std::chrono::milliseconds(0));
            if (!w) return fail(w.take_error());
            continue;
        }
        if (n == 0) break;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EIO) break;  // EIO: no slave open (not while we hold one)
        return io_fail(link_path() + ": read pty master", errno);
    }
    return {};
}

Status PtyModemPort::write_output() {
    std::array<uint8_t, 4096> buf{};
    for (;;) {
        auto n = modem_.link().host().read(buf, std::chrono::milliseconds(0));
        if (!n) return fail(n.take_error());
        if (*n == 0) break;
        out_.insert(out_.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
    if (out_.size() > kOutputCap) {
        FAX_LOG(Warn, "pty", link_path() + ": nobody is reading the port; dropping old modem output");
        out_.erase(out_.begin(), out_.end() - static_cast<std::ptrdiff_t>(kOutputCap / 2));
    }
    std::size_t done = 0;
    while (done < out_.size()) {
        const ssize_t n = ::write(pty_.master_fd(), out_.data() + done, out_.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;  // the DTE is not reading: keep it
        out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(done));
        return io_fail(link_path() + ": write pty master", errno);
    }
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(done));
    return {};
}

}  // namespace fax::sim
