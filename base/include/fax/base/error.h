// Typed errors shared by every layer (STYLE.md §3: errors are values with a typed cause).
#pragma once

#include <string>
#include <string_view>

namespace fax {

// One enum for the whole stack; modem result strings, errno values and policy
// refusals are mapped onto it at exactly one boundary each.
enum class Errc {
    Io,               // read/write/ioctl failed (errno in the message)
    Timeout,          // a deadline passed with no answer
    Disconnected,     // the device went away (EIO on a tty, LIBUSB_ERROR_NO_DEVICE)
    DeviceBusy,       // exclusive open refused (TIOCEXCL, claimed interface)
    NotFound,         // no such device, file or entry
    InvalidArgument,  // a caller passed something malformed
    InvalidInput,     // a file or request from the user is malformed
    Unsupported,      // the device or library cannot do what was asked
    Protocol,         // the peer said something the protocol does not allow
    ModemError,       // modem answered ERROR / +FCERROR
    NoCarrier,        // NO CARRIER
    LineBusy,         // BUSY
    NoDialtone,       // NO DIALTONE
    NoAnswer,         // NO ANSWER
    Cancelled,        // stopped on request
    PolicyRefused,    // the release gate refused the request
    Internal,         // a broken invariant that was caught
    Unavailable,      // a server the station needs (the shared store) cannot be reached
    Conflict,         // a store refused a second row with the same key
};

std::string_view to_string(Errc code);

struct Error {
    Errc code;
    std::string message;  // context for a person; never patient data or document contents

    std::string to_string() const;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace fax
