// A bilevel page image in memory: 1 bit per pixel, rows packed MSB-first,
// 1 = black (the PBM/TIFF MINISWHITE convention), stride = ceil(width/8).
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

    static Bitmap blank(int w, int h, double xres = 204.0, double yres = 196.0) {
        Bitmap b{w, h, xres, yres, {}};
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
};

}  // namespace fax::t30
