#include "fax/t30/hangup_call_end.h"

namespace fax::t30 {

CallEnd call_end_for_hangup_status(int fhs) {
    switch (fhs) {
    case 0x00: return CallEnd::Ok;
    case 0x01: return CallEnd::NoCarrier;  // ring detected without a fax handshake
    case 0x02: return CallEnd::Cancelled;  // aborted with +FKS or CAN
    case 0x03: return CallEnd::NoCarrier;  // no loop current: the line dropped
    case 0x11: return CallEnd::Timeout;    // T1 expired: no fax answer
    case 0x21: return CallEnd::Incompatible;
    case 0x27: return CallEnd::TrainingFailed;
    case 0x41:
    case 0x42:
    case 0x44:
    case 0x45:
    case 0x46:
    case 0x47: return CallEnd::Document;
    case 0x43:
    case 0x93: return CallEnd::Modem;
    case 0x73:
    case 0x74: return CallEnd::Timeout;
    default: break;
    }
    // Transmit phases A-D (0x10-0x6F) and receive phases B-D (0x70-0xBF).
    if (fhs >= 0x10 && fhs < 0xC0) return CallEnd::Protocol;
    return CallEnd::Failed;
}

}  // namespace fax::t30
