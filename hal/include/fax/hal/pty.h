// PtyPair: a pseudo-terminal whose slave side looks like a serial modem port.
// Tests open a SerialTransport on slave_path() and play the modem on
// master_fd(); a simulated modem can be published under a stable name with
// link_at() for programs that expect /dev/ttyXXX.
#pragma once

#include <string>

#include "fax/base/result.h"
#include "fax/base/unique_fd.h"

namespace fax::hal {

class PtyPair {
public:
    // posix_openpt/grantpt/unlockpt/ptsname_r. The master is O_NONBLOCK.
    // The pair keeps a slave descriptor of its own open for its whole life, so
    // the master never reads EIO when a client closes the slave (Linux reports
    // EIO on the master while no slave descriptor exists), and sets the slave
    // raw so nothing is echoed or translated before a client configures it.
    static Result<PtyPair> create();

    PtyPair(PtyPair&& other) noexcept;
    PtyPair& operator=(PtyPair&& other) noexcept;
    PtyPair(const PtyPair&) = delete;
    PtyPair& operator=(const PtyPair&) = delete;
    // Removes the symlink made by link_at(), then closes both ends; a client
    // still holding the slave then sees a hang-up (Errc::Disconnected).
    ~PtyPair();

    int master_fd() const { return master_.get(); }
    // The pair's own slave descriptor (for inspecting the line settings a client applied).
    int slave_fd() const { return slave_.get(); }
    // e.g. "/dev/pts/7"
    const std::string& slave_path() const { return slave_path_; }

    // Makes `symlink_path` a symbolic link to slave_path(). A symlink already
    // there (a stale one from an earlier run) is replaced; anything else (a
    // regular file, a directory) is refused with Errc::InvalidArgument. A second
    // call moves the link. The link is removed in the destructor if it still
    // points at this pair's slave.
    Status link_at(const std::string& symlink_path);
    const std::string& link_path() const { return link_path_; }

private:
    PtyPair() = default;
    void remove_link() noexcept;

    UniqueFd master_;
    UniqueFd slave_;
    std::string slave_path_;
    std::string link_path_;
};

}  // namespace fax::hal
