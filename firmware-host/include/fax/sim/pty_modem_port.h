// PtyModemPort: publishes a SimModem's DTE port as a pseudo-terminal, so that
// an ordinary fax program (efax, HylaFAX, our own driver over SerialTransport)
// can open e.g. /tmp/faxA as its modem.
//
//   PTY master → modem: read only while t31 asserts CTS and the in-process link
//     holds less than a slice; the modem then hands the bytes to t31 under CTS.
//     Nothing is ever dropped: while CTS is low the master is simply not read and
//     the kernel's pty buffer (then the DTE's write) holds the data.
//   modem → PTY master: t31 output, with XOFF (0x13) when t31 drops CTS and XON
//     (0x11) when it raises it again, in band — the DTE enables IXON while it
//     sends page data (efax does). Writes the master refuses (EAGAIN) are buffered.
//   The pair keeps its own slave descriptor open, so a DTE closing the port does
//   not make the master read EIO; the next DTE finds the modem as it was left.
//   A pty has no DTR. Every SerialTransport holds a flock on the port while it has it
//   open, so when that lock goes away (the DTE closed the port, or died holding it)
//   the port drops DTR to the modem for 200 ms, which hangs up a call as a real modem
//   does on HUPCL (V.250 &D2); a TIOCEXCL left by a DTE that died (on a pty it
//   outlives its owner, as the master keeps the tty) is cleared. The lock is read
//   from /proc/locks, never taken, so looking cannot make a DTE's open fail. DTEs
//   that take no lock (efax) are left alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/hal/pty.h"
#include "fax/sim/sim_modem.h"

namespace fax::sim {

class PtyModemPort {
public:
    // Creates the pty, links `link_path` to its slave (a stale symlink is
    // replaced; anything else there is refused) and opens the modem's link.
    static Result<std::unique_ptr<PtyModemPort>> create(SimModem& modem, const std::string& link_path);
    ~PtyModemPort();  // removes the symlink
    PtyModemPort(const PtyModemPort&) = delete;
    PtyModemPort& operator=(const PtyModemPort&) = delete;

    int master_fd() const { return pty_.master_fd(); }
    const std::string& slave_path() const { return pty_.slave_path(); }
    const std::string& link_path() const { return pty_.link_path(); }
    SimModem& modem() { return modem_; }

    // The poll(2) events worth waiting for now: POLLIN while the modem can take
    // input, POLLOUT while output is buffered.
    short poll_events() const;
    // Moves what can be moved without blocking, both ways.
    Status service();
    std::size_t output_pending() const { return out_.size(); }

private:
    PtyModemPort(SimModem& modem, hal::PtyPair pty);
    bool wants_input() const;
    Status read_input();
    Status write_output();
    void check_dead_owner();

    SimModem& modem_;
    hal::PtyPair pty_;
    std::vector<uint8_t> out_;
    std::chrono::steady_clock::time_point next_owner_check_{};
    std::chrono::steady_clock::time_point dtr_low_until_{};
    bool dtr_low_ = false;
    bool owner_present_ = false;  // a SerialTransport held the port's lock when last looked
};

}  // namespace fax::sim
