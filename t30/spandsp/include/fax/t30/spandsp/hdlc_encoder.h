// HdlcEncoder: HDLC framing in software (SpanDSP's hdlc_tx) for ECM image data over a
// Class 1 modem, which carries HDLC itself only at V.21 (T.31 §8.3.3): flags, zero-bit
// insertion and the 16-bit FCS (T.30 §5.3.1, T.4 Annex A) are added here and the
// result goes out as plain +FTM data. Bytes out are in Class 1 order (first bit in the
// LSB); SpanDSP's own byte API is MSB-first and the reversal stays in here.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fax/base/result.h"

struct hdlc_tx_state_s;

namespace fax::t30::spandsp {

class HdlcEncoder {
public:
    static Result<std::unique_ptr<HdlcEncoder>> create();
    ~HdlcEncoder();
    HdlcEncoder(const HdlcEncoder&) = delete;
    HdlcEncoder& operator=(const HdlcEncoder&) = delete;

    // Forgets anything queued (a new high-speed burst).
    void restart();
    // Queues `count` flag octets (the preamble before the first frame, T.30 §5.3.1).
    void flags(int count);
    // Queues one frame (address, control, FCF and data, without FCS).
    void frame(std::span<const uint8_t> frame);
    // Everything queued so far, encoded, ending where the encoder would start idling.
    std::vector<uint8_t> drain();

private:
    friend struct CCallbacks;
    HdlcEncoder() = default;
    struct Free {
        void operator()(hdlc_tx_state_s* s) const noexcept;
    };
    std::unique_ptr<hdlc_tx_state_s, Free> state_;
    bool underflow_ = false;
};

}  // namespace fax::t30::spandsp
