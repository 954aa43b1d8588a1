// Continuous-tone pages (scans in grey or colour, rendered PDF pages) on their way to the
// fax line: resampled to the fax grid, then made bilevel, text sharp and photographs
// dithered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fax/t30/bitmap.h"

namespace fax::t30 {

// 8-bit luminance, 0 = black, 255 = white, row-major without padding.
struct GreyImage {
    int width = 0;
    int height = 0;
    double xres_dpi = 0;
    double yres_dpi = 0;
    std::vector<uint8_t> px;

    static GreyImage blank(int w, int h, double xres, double yres, uint8_t value = 255) {
        GreyImage g;
        g.width = w;
        g.height = h;
        g.xres_dpi = xres;
        g.yres_dpi = yres;
        g.px.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), value);
        return g;
    }
    bool well_formed() const {
        return width > 0 && height > 0 && xres_dpi > 0 && yres_dpi > 0 &&
               px.size() == static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    }
    uint8_t at(int x, int y) const { return px[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)]; }
    uint8_t& at(int x, int y) { return px[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)]; }
};

// Area-average resampling to exactly w x h pixels (each output pixel is the mean of the
// source area it covers), labelled with the given resolution.
GreyImage resample(const GreyImage& in, int w, int h, double xres_dpi, double yres_dpi);

// Resamples to fax fine resolution (204 x 196 dpi), keeping the physical size; a page wider
// than the 1728-pixel line is scaled down to fit it (aspect kept), never cropped.
GreyImage to_fax_grid(const GreyImage& in);

struct BinariseOptions {
    int block = 16;                  // region classification granularity, pixels
    uint8_t threshold = 128;         // text: darker than this is black
    // A block is photographic when more than this fraction of its pixels are mid-tones
    // (between dark_limit and light_limit). Anti-aliased text edges stay well below it.
    double photo_fraction = 0.40;
    uint8_t dark_limit = 64;
    uint8_t light_limit = 192;
    // "Soft" pixels are neither ink (<= ink_limit) nor paper (>= paper_limit); a block of
    // mostly soft pixels next to a photographic one belongs to the photograph.
    uint8_t ink_limit = 8;
    uint8_t paper_limit = 247;
};

// Text and line art are thresholded (sharp edges, no dither noise); photographic regions are
// error-diffused (Floyd-Steinberg, serpentine), so their mean tone survives. A region is
// photographic where its blocks have many mid-tones, extended through the connected blocks
// of soft tones (a photograph's shadows and highlights) and by one block more. Uniform
// areas of near-ink or near-paper tone away from photographs are thresholded. The result
// has the input's size and resolution.
Bitmap binarise(const GreyImage& in, const BinariseOptions& opts = {});

// The same on grey pixels held elsewhere (e.g. a renderer's buffer): `stride` bytes from
// one row to the next, at least `width`.
struct GreyView {
    const uint8_t* px = nullptr;
    std::ptrdiff_t stride = 0;
    int width = 0;
    int height = 0;
    double xres_dpi = 0;
    double yres_dpi = 0;
};
Bitmap binarise(const GreyView& in, const BinariseOptions& opts = {});

}  // namespace fax::t30
