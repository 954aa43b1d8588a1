#include "c_callbacks.h"

#include <string>
#include <vector>

#include "fax/base/log.h"
#include "fax/t30/spandsp/hdlc_decoder.h"
#include "fax/t30/spandsp/hdlc_encoder.h"
#include "fax/t30/spandsp/t30_engine.h"

namespace fax::t30::spandsp {

void CCallbacks::set_rx_type(void* user_data, int type, int bit_rate, int short_train, int use_hdlc) {
    static_cast<T30Engine*>(user_data)->on_rx_type(type, bit_rate, short_train, use_hdlc);
}

void CCallbacks::set_tx_type(void* user_data, int type, int bit_rate, int short_train, int use_hdlc) {
    static_cast<T30Engine*>(user_data)->on_tx_type(type, bit_rate, short_train, use_hdlc);
}

void CCallbacks::send_hdlc(void* user_data, const uint8_t* msg, int len) {
    static_cast<T30Engine*>(user_data)->on_send_hdlc(msg, len);
}

int CCallbacks::phase_b(t30_state_t*, void* user_data, int) { return static_cast<T30Engine*>(user_data)->on_phase_b(); }

int CCallbacks::phase_d(t30_state_t*, void* user_data, int fcf) {
    return static_cast<T30Engine*>(user_data)->on_phase_d(fcf);
}

void CCallbacks::phase_e(t30_state_t*, void* user_data, int completion_code) {
    static_cast<T30Engine*>(user_data)->on_phase_e(completion_code);
}

void CCallbacks::hdlc_underflow(void* user_data) { static_cast<HdlcEncoder*>(user_data)->underflow_ = true; }

void CCallbacks::hdlc_frame(void* user_data, const uint8_t* msg, int len, int ok) {
    static_cast<HdlcDecoder*>(user_data)->on_frame(msg, len, ok);
}

int CCallbacks::t4_row(void* user_data, const uint8_t buf[], size_t len) {
    auto* rows = static_cast<std::vector<uint8_t>*>(user_data);
    if (buf != nullptr && len > 0) rows->insert(rows->end(), buf, buf + len);
    return 0;
}

void CCallbacks::log_message(int, const char* text) {
    // T.30 flow logs carry frame names, station ids and parameters, never page data.
    std::string line(text ? text : "");
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    log::write(log::Level::Debug, "t30", line);
}

}  // namespace fax::t30::spandsp
