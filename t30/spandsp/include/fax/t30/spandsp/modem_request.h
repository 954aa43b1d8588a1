// What SpanDSP's T.30 engine asks of its front end and hears back from it, in C++ terms
// (no SpanDSP type): the modem to receive or send with (its set_rx_type / set_tx_type
// handlers) and the receive-side signal reports (SIG_STATUS_*). The Class 1 front end
// (t30/session) works in these; T30Engine (t30_engine.h) translates them.
#pragma once

#include <string_view>

namespace fax::t30::spandsp {

// T.30 §5: the signal or modulation of the next step. Pause is a silent gap (its length in
// ModemRequest::pause_ms); Done means the engine has finished the call (hang up).
enum class FrontEndModem { None, Pause, Ced, Cng, V21, V27ter, V29, V17, Done };

// V.27ter, V.29 and V.17 carry image data (and TCF); V.21 carries the HDLC control frames.
constexpr bool is_image_modem(FrontEndModem m) {
    return m == FrontEndModem::V27ter || m == FrontEndModem::V29 || m == FrontEndModem::V17;
}
// "V.17", "V.29", "V.27ter"; empty for the others.
std::string_view modulation_name(FrontEndModem m);

struct ModemRequest {
    FrontEndModem modem = FrontEndModem::None;
    int bit_rate = 0;
    bool short_train = false;  // V.17 short training (T.30 §5.3.2.4: after the first page)
    bool hdlc = false;         // ECM: image data in HDLC frames (T.4 Annex A)
    int pause_ms = 0;          // Pause only
    bool operator==(const ModemRequest&) const = default;
};

// What the front end heard on the line, for the engine's receive path.
enum class RxSignal { CarrierUp, FramingOk, TrainingSucceeded, CarrierDown };

}  // namespace fax::t30::spandsp
