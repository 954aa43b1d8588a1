// HdlcDecoder: HDLC deframing in software (SpanDSP's hdlc_rx) for ECM image data a Class 1
// modem hands over as plain +FRM data (T.31 §8.3.4): flags found, zero bits removed, the
// FCS checked; each frame goes to a handler without its FCS and with the check's verdict
// (T.30 §5.3.1, T.4 Annex A). Bytes in are in Class 1 order (first bit in the LSB).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "fax/base/result.h"

struct hdlc_rx_state_s;

namespace fax::t30::spandsp {

class HdlcDecoder {
public:
    using FrameFn = std::function<void(std::span<const uint8_t> frame, bool fcs_ok)>;
    static Result<std::unique_ptr<HdlcDecoder>> create(FrameFn on_frame);
    ~HdlcDecoder();
    HdlcDecoder(const HdlcDecoder&) = delete;
    HdlcDecoder& operator=(const HdlcDecoder&) = delete;

    // Starts over (a new high-speed carrier): nothing half-received is kept.
    void restart();
    void put(std::span<const uint8_t> bytes);

private:
    friend struct CCallbacks;
    explicit HdlcDecoder(FrameFn on_frame) : on_frame_(std::move(on_frame)) {}
    void on_frame(const uint8_t* msg, int len, int ok);
    struct Free {
        void operator()(hdlc_rx_state_s* s) const noexcept;
    };
    FrameFn on_frame_;
    std::unique_ptr<hdlc_rx_state_s, Free> state_;
};

}  // namespace fax::t30::spandsp
