#include "fax/t30/spandsp/hdlc_decoder.h"

#include "c_callbacks.h"
#include "fax/t30/spandsp/spandsp.h"

namespace fax::t30::spandsp {

void HdlcDecoder::Free::operator()(hdlc_rx_state_t* s) const noexcept { hdlc_rx_free(s); }
HdlcDecoder::~HdlcDecoder() = default;

Result<std::unique_ptr<HdlcDecoder>> HdlcDecoder::create(FrameFn on_frame) {
    std::unique_ptr<HdlcDecoder> d(new HdlcDecoder(std::move(on_frame)));
    // CRC-16, bad frames reported (T.4 Annex A: the receiver asks for them again with
    // PPR), framing declared after 5 flags.
    d->state_.reset(hdlc_rx_init(nullptr, 0, 1, 5, &CCallbacks::hdlc_frame, d.get()));
    if (!d->state_) return fail(Errc::Internal, "hdlc_rx_init failed");
    return d;
}

void HdlcDecoder::restart() { hdlc_rx_restart(state_.get()); }

void HdlcDecoder::put(std::span<const uint8_t> bytes) {
    // SpanDSP's HDLC byte API is MSB-first; Class 1 data are LSB-first.
    for (uint8_t b : bytes) hdlc_rx_put_byte(state_.get(), bit_reverse8(b));
}

void HdlcDecoder::on_frame(const uint8_t* msg, int len, int ok) {
    // Negative lengths are status reports (carrier, framing): the Class 1 side reports
    // the carrier from the modem's result codes instead.
    if (len < 0 || !on_frame_) return;
    on_frame_(std::span<const uint8_t>(msg, static_cast<std::size_t>(len)), ok != 0);
}

}  // namespace fax::t30::spandsp
