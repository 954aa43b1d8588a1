// SerialTransport: a Transport over a POSIX serial device (USB CDC-ACM modem,
// UART, or the slave side of a pseudo-terminal in tests).
//
// Opening follows what careful modem stacks do (ModemManager's mm-port-serial):
// O_NOCTTY so the modem never becomes our controlling terminal, O_NONBLOCK so no
// call can hang on carrier detect, TIOCEXCL plus flock() so nobody else opens the
// device while a fax is on the line, raw 8N1, and every tcsetattr() is read back
// and compared because the kernel accepts a request it only partly applied.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fax/base/result.h"
#include "fax/hal/transport.h"
#include "fax/base/unique_fd.h"

namespace fax::hal {

class SerialTransport final : public Transport {
public:
    // Nothing is touched until open(); `settings` are applied there.
    explicit SerialTransport(std::string path, LineSettings settings = {});
    ~SerialTransport() override;

    // Owns a device; the driver borrows it by reference (STYLE.md models: libcamera ownership rules).
    SerialTransport(const SerialTransport&) = delete;
    SerialTransport& operator=(const SerialTransport&) = delete;
    SerialTransport(SerialTransport&&) = delete;
    SerialTransport& operator=(SerialTransport&&) = delete;

    // Errors: NotFound (no such device), DeviceBusy (another owner holds it),
    // InvalidArgument (unsupported speed, not a terminal), Io (a setting did not
    // stick, named in the message). Calling open() on an open transport is a no-op.
    Status open() override;
    // Idempotent. Releases TIOCEXCL and the lock, then closes; with HUPCL (left
    // set) the last close drops DTR, which makes a modem hang up.
    void close() override;
    bool is_open() const override { return fd_.is_valid(); }

    // Waits up to `timeout` for the first byte, then returns what is there
    // (0 on timeout). Errc::Disconnected when the device went away (EIO/ENXIO/
    // ENODEV, or a hang-up with nothing left to read).
    Result<std::size_t> read(std::span<uint8_t> buf, std::chrono::milliseconds timeout) override;
    // Writes until everything is accepted or `timeout` passes; returns the count
    // accepted, which is short (possibly 0) when flow control held the line.
    Result<std::size_t> write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override;

    Status flush(FlushQueue which) override;
    // Waits until the kernel's output queue is empty (polls TIOCOUTQ, so it
    // honours `timeout`; Errc::Timeout if flow control keeps it full). Only where
    // the driver cannot report its queue does it fall back to tcdrain(), which
    // blocks without a deadline. Bytes already in a UART's shift register or FIFO
    // may still be leaving when it returns.
    Status drain(std::chrono::milliseconds timeout) override;

    // Modem control lines via TIOCMBIS/TIOCMBIC. A pseudo-terminal has none:
    // Errc::Unsupported.
    Status set_dtr(bool on) override;
    Status set_rts(bool on) override;

    // Stores `settings`; when open, re-applies the whole line setup and verifies it.
    Status configure(const LineSettings& settings) override;
    // Changes only the flow-control bits (and verifies them); stored when closed.
    Status set_flow_control(FlowControl flow) override;

    int poll_fd() const override { return fd_.get(); }

    // The device path.
    std::string describe() const override { return path_; }

    const LineSettings& settings() const { return settings_; }
    // What the device reports now (tcgetattr), for diagnostics and tests.
    Result<LineSettings> current_settings() const;

private:
    Status apply(const LineSettings& settings);
    Status not_open() const;
    Error sys_error(Errc code, const char* what, int err) const;

    std::string path_;
    LineSettings settings_;
    UniqueFd fd_;
};

}  // namespace fax::hal
