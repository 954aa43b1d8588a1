#include "fax/base/error.h"

namespace fax {

std::string_view to_string(Errc code) {
    switch (code) {
    case Errc::Io: return "I/O error";
    case Errc::Timeout: return "timeout";
    case Errc::Disconnected: return "device disconnected";
    case Errc::DeviceBusy: return "device busy";
    case Errc::NotFound: return "not found";
    case Errc::InvalidArgument: return "invalid argument";
    case Errc::InvalidInput: return "invalid input";
    case Errc::Unsupported: return "unsupported";
    case Errc::Protocol: return "protocol error";
    case Errc::ModemError: return "modem error";
    case Errc::NoCarrier: return "no carrier";
    case Errc::LineBusy: return "line busy";
    case Errc::NoDialtone: return "no dial tone";
    case Errc::NoAnswer: return "no answer";
    case Errc::Cancelled: return "cancelled";
    case Errc::PolicyRefused: return "refused by release policy";
    case Errc::Internal: return "internal error";
    case Errc::Unavailable: return "unavailable";
    case Errc::Conflict: return "conflict";
    }
    return "unknown error";
}

std::string Error::to_string() const {
    std::string s(fax::to_string(code));
    if (!message.empty()) {
        s += ": ";
        s += message;
    }
    return s;
}

}  // namespace fax
