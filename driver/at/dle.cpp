#include "fax/driver/dle.h"

namespace fax::driver {

void dle_stuff(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
    out.reserve(out.size() + in.size() + in.size() / 64 + 2);
    for (const uint8_t b : in) {
        if (b == kDle) out.push_back(kDle);
        out.push_back(b);
    }
}

void dle_terminate(std::vector<uint8_t>& out) {
    out.push_back(kDle);
    out.push_back(kEtx);
}

DleDecoder::Fed DleDecoder::feed(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
        const uint8_t b = in[i];
        if (!pending_dle_) {
            if (b == kDle)
                pending_dle_ = true;
            else
                out.push_back(b);
            continue;
        }
        pending_dle_ = false;
        switch (b) {
        case kDle: out.push_back(kDle); break;
        case kSub:  // a compressed pair of data DLEs
            out.push_back(kDle);
            out.push_back(kDle);
            break;
        case kEtx: return Fed{i + 1, true};
        default:
            ++unknown_;
            if (lone_dle_is_data_) {
                // A DLE the firmware forgot to double (profile quirk dle_bug).
                out.push_back(kDle);
                out.push_back(b);
            }
            // Otherwise not defined for modem-to-DTE data: drop the pair rather
            // than pass a control sequence off as image or HDLC bytes.
            break;
        }
    }
    return Fed{in.size(), false};
}

uint8_t bit_reverse(uint8_t b) {
    unsigned v = b;
    v = ((v & 0xF0u) >> 4) | ((v & 0x0Fu) << 4);
    v = ((v & 0xCCu) >> 2) | ((v & 0x33u) << 2);
    v = ((v & 0xAAu) >> 1) | ((v & 0x55u) << 1);
    return static_cast<uint8_t>(v);
}

namespace {

// CRC-CCITT in its bit-reflected form (polynomial x^16 + x^12 + x^5 + 1 →
// 0x8408), because HDLC sends each octet least significant bit first.
uint16_t crc_itu16(std::span<const uint8_t> data, uint16_t crc) {
    for (const uint8_t b : data) {
        crc = static_cast<uint16_t>(crc ^ b);
        for (int bit = 0; bit < 8; ++bit)
            crc = static_cast<uint16_t>((crc & 1u) != 0 ? (crc >> 1) ^ 0x8408u : crc >> 1);
    }
    return crc;
}

}  // namespace

uint16_t hdlc_fcs(std::span<const uint8_t> frame) { return static_cast<uint16_t>(~crc_itu16(frame, 0xFFFF)); }

bool hdlc_fcs_ok(std::span<const uint8_t> frame_with_fcs) {
    if (frame_with_fcs.size() < 2) return false;
    const std::size_t n = frame_with_fcs.size() - 2;
    const uint16_t fcs = hdlc_fcs(frame_with_fcs.first(n));
    return frame_with_fcs[n] == (fcs & 0xFFu) && frame_with_fcs[n + 1] == (fcs >> 8);
}

}  // namespace fax::driver
