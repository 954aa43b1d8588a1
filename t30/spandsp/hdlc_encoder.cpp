#include "fax/t30/spandsp/hdlc_encoder.h"

#include "c_callbacks.h"
#include "fax/t30/spandsp/spandsp.h"

namespace fax::t30::spandsp {

void HdlcEncoder::Free::operator()(hdlc_tx_state_t* s) const noexcept { hdlc_tx_free(s); }
HdlcEncoder::~HdlcEncoder() = default;

Result<std::unique_ptr<HdlcEncoder>> HdlcEncoder::create() {
    std::unique_ptr<HdlcEncoder> e(new HdlcEncoder());
    // CRC-16 (T.30 §5.3.1), two flags between frames, no progressive mode.
    e->state_.reset(hdlc_tx_init(nullptr, 0, 2, 0, &CCallbacks::hdlc_underflow, e.get()));
    if (!e->state_) return fail(Errc::Internal, "hdlc_tx_init failed");
    return e;
}

void HdlcEncoder::restart() { hdlc_tx_restart(state_.get()); }

void HdlcEncoder::flags(int count) { hdlc_tx_flags(state_.get(), count); }

void HdlcEncoder::frame(std::span<const uint8_t> frame) { hdlc_tx_frame(state_.get(), frame.data(), frame.size()); }

std::vector<uint8_t> HdlcEncoder::drain() {
    underflow_ = false;
    std::vector<uint8_t> out;
    // The underflow handler fires inside hdlc_tx_get_byte when the queue runs dry; the
    // byte that call returns still belongs to the burst.
    for (int guard = 0; guard < 100000 && !underflow_; ++guard)
        out.push_back(bit_reverse8(static_cast<uint8_t>(hdlc_tx_get_byte(state_.get()))));
    return out;
}

}  // namespace fax::t30::spandsp
