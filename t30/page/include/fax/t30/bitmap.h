// A bilevel page image in memory: 1 bit per pixel, rows packed MSB-first,
// 1 = black (the PBM/TIFF MINISWHITE convention), stride = ceil(width/8).
// Bits beyond `width` in a row's last byte are kept zero (readers and the scaler
// guarantee it), so whole-byte comparisons of rows are exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fax::t30 {

struct Bitmap {
    int width = 0;
    int height = 0;
    double xres_dpi = 204.0;   // fax R8
    double yres_dpi = 196.0;   // fine
    std::vector<uint8_t> bits;
    // False when the source carried no usable resolution (a TIFF without XResolution/
    // YResolution, or ResolutionUnit NONE); xres_dpi/yres_dpi then hold the fax default
    // and must not be trusted (page_prep.h refuses to guess unless the page is 1728 wide).
    bool resolution_known = true;

    static Bitmap blank(int w, int h, double xres = 204.0, double yres = 196.0) {
        Bitmap b;
        b.width = w;
        b.height = h;
        b.xres_dpi = xres;
        b.yres_dpi = yres;
        b.bits.assign(b.stride() * static_cast<std::size_t>(h), 0);
        return b;
    }
    std::size_t stride() const { return (static_cast<std::size_t>(width) + 7) / 8; }
    uint8_t* row(int y) { return bits.data() + stride() * static_cast<std::size_t>(y); }
    const uint8_t* row(int y) const { return bits.data() + stride() * static_cast<std::size_t>(y); }
    bool get(int x, int y) const { return (row(y)[x >> 3] >> (7 - (x & 7))) & 1; }
    void set(int x, int y, bool black) {
        uint8_t& b = row(y)[x >> 3];
        const uint8_t m = static_cast<uint8_t>(0x80u >> (x & 7));
        b = black ? static_cast<uint8_t>(b | m) : static_cast<uint8_t>(b & ~m);
    }
    // Mask for the valid bits of a row's last byte (0xff when width is a multiple of 8).
    uint8_t last_byte_mask() const {
        const int tail = width & 7;
        return tail == 0 ? uint8_t{0xff} : static_cast<uint8_t>(0xffu << (8 - tail));
    }
    // True when the buffer matches the declared geometry (checked at every I/O boundary).
    bool well_formed() const {
        return width > 0 && height > 0 && bits.size() == stride() * static_cast<std::size_t>(height);
    }
    bool row_is_white(int y) const {
        const uint8_t* r = row(y);
        for (std::size_t i = 0; i < stride(); ++i)
            if (r[i] != 0) return false;
        return true;
    }
    // Same geometry, resolution and pixels.
    friend bool operator==(const Bitmap&, const Bitmap&) = default;
};

}  // namespace fax::t30
