#include "fax/hal/pty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>
#include <utility>

namespace fax::hal {
namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

Unexpected sys_fail(const std::string& what, int err) { return fail(Errc::Io, what + ": " + errno_text(err)); }

}  // namespace

Result<PtyPair> PtyPair::create() {
    PtyPair p;
    p.master_.reset(::posix_openpt(O_RDWR | O_NOCTTY));
    if (!p.master_) return sys_fail("posix_openpt", errno);
    // posix_openpt() is only specified for O_RDWR|O_NOCTTY; the rest is set here.
    if (::fcntl(p.master_.get(), F_SETFD, FD_CLOEXEC) != 0) return sys_fail("pty master: fcntl(FD_CLOEXEC)", errno);
    const int fl = ::fcntl(p.master_.get(), F_GETFL);
    if (fl < 0 || ::fcntl(p.master_.get(), F_SETFL, fl | O_NONBLOCK) != 0)
        return sys_fail("pty master: fcntl(O_NONBLOCK)", errno);
    if (::grantpt(p.master_.get()) != 0) return sys_fail("grantpt", errno);
    if (::unlockpt(p.master_.get()) != 0) return sys_fail("unlockpt", errno);

    std::array<char, 128> name{};
    if (const int e = ::ptsname_r(p.master_.get(), name.data(), name.size()); e != 0) return sys_fail("ptsname_r", e);
    p.slave_path_ = name.data();

    p.slave_.reset(::open(p.slave_path_.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!p.slave_) return sys_fail(p.slave_path_ + ": open", errno);

    // A fresh pty is in cooked mode with echo on: bytes the fake modem writes
    // before the client has configured the line would be echoed back to it.
    termios t{};
    if (::tcgetattr(p.slave_.get(), &t) != 0) return sys_fail(p.slave_path_ + ": tcgetattr", errno);
    ::cfmakeraw(&t);
    if (::tcsetattr(p.slave_.get(), TCSANOW, &t) != 0) return sys_fail(p.slave_path_ + ": tcsetattr", errno);
    return p;
}

PtyPair::PtyPair(PtyPair&& other) noexcept
    : master_(std::move(other.master_)),
      slave_(std::move(other.slave_)),
      slave_path_(std::exchange(other.slave_path_, {})),
      link_path_(std::exchange(other.link_path_, {})) {}

PtyPair& PtyPair::operator=(PtyPair&& other) noexcept {
    if (this != &other) {
        remove_link();
        master_ = std::move(other.master_);
        slave_ = std::move(other.slave_);
        slave_path_ = std::exchange(other.slave_path_, {});
        link_path_ = std::exchange(other.link_path_, {});
    }
    return *this;
}

PtyPair::~PtyPair() { remove_link(); }

void PtyPair::remove_link() noexcept {
    if (link_path_.empty()) return;
    // Only remove the link if it is still ours: someone may have replaced it
    // (another simulated modem published under the same name).
    std::array<char, 256> target{};
    const ssize_t n = ::readlink(link_path_.c_str(), target.data(), target.size() - 1);
    if (n >= 0 && std::string(target.data(), static_cast<std::size_t>(n)) == slave_path_) ::unlink(link_path_.c_str());
    link_path_.clear();
}

Status PtyPair::link_at(const std::string& symlink_path) {
    if (!master_) return fail(Errc::Internal, "pty: link_at on a moved-from pair");
    if (symlink_path.empty()) return fail(Errc::InvalidArgument, "pty: empty symlink path");
    if (symlink_path == link_path_) return {};

    struct stat st {};
    if (::lstat(symlink_path.c_str(), &st) == 0) {
        if (!S_ISLNK(st.st_mode))
            return fail(Errc::InvalidArgument,
                        symlink_path + ": exists and is not a symbolic link; refusing to replace it");
        // A symlink left by an earlier run whose pty is gone.
        if (::unlink(symlink_path.c_str()) != 0 && errno != ENOENT)
            return sys_fail(symlink_path + ": unlink stale symlink", errno);
    } else if (errno != ENOENT) {
        return sys_fail(symlink_path + ": lstat", errno);
    }
    if (::symlink(slave_path_.c_str(), symlink_path.c_str()) != 0) {
        const int e = errno;
        return fail(e == ENOENT ? Errc::NotFound : Errc::Io, symlink_path + ": symlink: " + errno_text(e));
    }
    remove_link();
    link_path_ = symlink_path;
    return {};
}

}  // namespace fax::hal
