// The boundary between the modem drivers and the bytes: a Transport is
// open/close, read with a deadline, write, flush and line control. The drivers
// know nothing else about the device (STYLE.md §1).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fax/base/result.h"

namespace fax::hal {

enum class FlowControl {
    None,
    Hardware,  // RTS/CTS
    Software,  // XON/XOFF (IXON: the modem may stop our output)
};

struct LineSettings {
    unsigned baud = 115200;
    FlowControl flow = FlowControl::Hardware;
};

enum class FlushQueue { Input, Output, Both };

class Transport {
public:
    virtual ~Transport() = default;

    virtual Status open() = 0;
    virtual void close() = 0;
    virtual bool is_open() const = 0;

    // Reads what is available, waiting at most `timeout` for the first byte.
    // Returns 0 on timeout. Errc::Disconnected when the device went away.
    virtual Result<std::size_t> read(std::span<uint8_t> buf, std::chrono::milliseconds timeout) = 0;

    // Writes as much as the device accepts within `timeout` (flow control may
    // hold it back); returns the count written, which may be short.
    virtual Result<std::size_t> write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) = 0;

    // Discards unread input and/or unsent output.
    virtual Status flush(FlushQueue which) = 0;
    // Waits until all output has left the host (tcdrain).
    virtual Status drain(std::chrono::milliseconds timeout) = 0;

    virtual Status set_dtr(bool on) = 0;
    virtual Status set_rts(bool on) = 0;
    virtual Status configure(const LineSettings& settings) = 0;
    virtual Status set_flow_control(FlowControl flow) = 0;

    // A descriptor that polls readable when read() has data (or the device went away),
    // for an event loop that serves many modems in one thread; -1 if the transport has
    // none (such a loop then reads at its tick).
    virtual int poll_fd() const { return -1; }

    // A short name for logs and errors, e.g. "/dev/ttyACM0" or "inproc:5551001".
    virtual std::string describe() const = 0;
};

// Writes all of `data`, looping over short writes until `timeout` has elapsed in total.
Status write_all(Transport& t, std::span<const uint8_t> data, std::chrono::milliseconds timeout);

}  // namespace fax::hal
