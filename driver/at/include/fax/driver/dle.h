// DLE transparency and HDLC helpers for Class 1 data (T.31): the DTE doubles
// every DLE in the data it sends and ends a block with DLE ETX; the modem does
// the same towards the DTE. No I/O; the decoder is fed whatever bytes arrived.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace fax::driver {

inline constexpr uint8_t kDle = 0x10, kEtx = 0x03, kSub = 0x1A, kDc2 = 0x12, kCan = 0x18, kXon = 0x11, kXoff = 0x13;

// T.31 transparency: DLE in data is doubled. Appends to out.
void dle_stuff(std::span<const uint8_t> in, std::vector<uint8_t>& out);
// Appends DLE ETX (end of the data block; the modem answers OK or CONNECT).
void dle_terminate(std::vector<uint8_t>& out);

// Streaming decoder for modem→DTE data: DLE DLE → DLE, DLE SUB → DLE DLE, DLE ETX → end of data;
// any other DLE x pair is dropped and counted. A DLE split across feeds is handled.
//
// Firmware with the DLE bug (profile quirk dle_bug) sends a data DLE alone instead of doubling it.
// With set_lone_dle_is_data(true) a DLE followed by anything but ETX, DLE or SUB is taken as data
// (the DLE and the byte after it), so such a modem's data arrive whole except where a data DLE
// happens to precede ETX, DLE or SUB — which that firmware makes ambiguous.
class DleDecoder {
public:
    void set_lone_dle_is_data(bool on) { lone_dle_is_data_ = on; }
    bool lone_dle_is_data() const { return lone_dle_is_data_; }
    // consumed stops right after DLE ETX: the bytes after it (typically "\r\nOK\r\n")
    // belong to the command-mode line reader, not to the data.
    struct Fed {
        std::size_t consumed;
        bool ended;
    };
    // Appends decoded data to out. After a DLE ETX the decoder is ready for the
    // next block; it keeps no "ended" state of its own.
    Fed feed(std::span<const uint8_t> in, std::vector<uint8_t>& out);
    // Forgets a pending DLE (e.g. after a timeout abandoned the block). Keeps the count.
    void reset() { pending_dle_ = false; }
    std::size_t unknown_escapes() const { return unknown_; }

private:
    bool pending_dle_ = false;
    bool lone_dle_is_data_ = false;
    std::size_t unknown_ = 0;
};

// Bit order helper (SpanDSP's HDLC byte API is MSB-first, Class 1 LSB-first).
uint8_t bit_reverse(uint8_t b);

// ITU CRC-16 (the HDLC FCS of ISO/IEC 13239 that T.30 frames carry: CRC-CCITT, preset 0xFFFF, ones'
// complement sent) over a frame, and a check of a frame that ends with its 2 FCS bytes (LSB first, as sent).
uint16_t hdlc_fcs(std::span<const uint8_t> frame);
bool hdlc_fcs_ok(std::span<const uint8_t> frame_with_fcs);

}  // namespace fax::driver
