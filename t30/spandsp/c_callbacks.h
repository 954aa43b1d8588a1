// The C callbacks fax_spandsp registers with SpanDSP, in one place (c_callbacks.cpp): each
// turns SpanDSP's `void* user_data` back into the object that registered it and forwards
// to a member of that object. No other file of the library casts a user_data pointer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fax/t30/spandsp/spandsp.h"

namespace fax::t30::spandsp {

struct CCallbacks {
    // T30Engine (t30_init and the phase handlers).
    static void set_rx_type(void* user_data, int type, int bit_rate, int short_train, int use_hdlc);
    static void set_tx_type(void* user_data, int type, int bit_rate, int short_train, int use_hdlc);
    static void send_hdlc(void* user_data, const uint8_t* msg, int len);
    static int phase_b(t30_state_t* s, void* user_data, int fcf);
    static int phase_d(t30_state_t* s, void* user_data, int fcf);
    static void phase_e(t30_state_t* s, void* user_data, int completion_code);
    // HdlcEncoder / HdlcDecoder.
    static void hdlc_underflow(void* user_data);
    static void hdlc_frame(void* user_data, const uint8_t* msg, int len, int ok);
    // T.4 decoder rows (t4_codec.cpp): user_data is the std::vector<uint8_t> they go to.
    static int t4_row(void* user_data, const uint8_t buf[], size_t len);
    // SpanDSP's log message handler (it carries no user data): to fax::log at Debug.
    static void log_message(int level, const char* text);
};

}  // namespace fax::t30::spandsp
