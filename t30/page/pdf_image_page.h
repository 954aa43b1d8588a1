// Internal to fax_page: PDF pages that are one scanned image (bilevel, or 8-bit grey drawn at
// its own size), read from the PDF's objects
// with qpdf and placed at fax resolution without rasterising the page through poppler.
// Not installed; PdfDocument (document_reader.cpp) uses it before poppler's mono renderer.
//
// The result is the bitmap poppler's Splash renderer (mono, no anti-aliasing) makes of the
// same page, pixel for pixel, or nothing: every page the rules below do not prove identical
// is left to poppler. A page takes this path only when all of these hold:
//   - /Rotate 0, 90, 180 or 270, no /Annots, no /UserUnit, a crop box inside the media box;
//   - its resources have no fonts and no /ColorSpace, and one XObject: an image mask
//     (/ImageMask true, 1 bit) or an opaque 1-bit /DeviceGray image (/ImageMask absent or
//     false; Splash maps its samples to grey 0 and 255, which its mono screen makes exactly
//     black and white, and white on the blank page changes nothing), or an opaque 8-bit
//     /DeviceGray image (each sample's grey as GfxImageColorMap and colToByte make it;
//     render() screens it with Splash's 4 x 4 dispersed matrix, below 300 dpi only, and
//     render_grey() gives it as poppler's grey renderer does), /Decode absent, [0 1]
//     or [1 0], no /OC, /Mask or /SMask, unfiltered or /FlateDecode (what qpdf
//     decodes; the Flate streams were counted against max_decompressed_bytes before), or
//     /CCITTFaxDecode (1 bit; Columns the image's width, Rows absent or its height) with
//     T.6 data (K < 0, what scanners write; no EncodedByteAlign or EndOfLine), T.4 1-D or 2-D data
//     with EndOfLine (K = 0 or K > 0; fill bits and EncodedByteAlign either way), or T.4
//     1-D data with EncodedByteAlign and no EOLs, that libtiff decodes to exactly the
//     image's rows without a warning (damaged data is left to poppler);
//   - its content is q, Q, cm, a black fill colour (0 g, 0 0 0 rg), gs of an ExtGState that
//     only sets opacity 1 or the normal blend mode, rectangle clips ("x y w h re W n", as
//     cairo writes them) and one Do of that image;
//   - the image lands upright (scaling, optionally flipped vertically), or turned a
//     quarter or a half (a /Rotate page: Splash's arbitraryTransformMask/Image, which maps
//     every device pixel's centre back through the inverted matrix onto the scaled image;
//     the scaled sizes computed as each of them computes them), at its own size or
//     larger in both directions: Splash then copies or replicates samples (whole pixels,
//     Bresenham steps), never averages them into grey that the halftone screen would
//     decide. An opaque 1-bit image must moreover be at exactly its own size, or enlarged
//     4x or more in one direction without /Interpolate (an 8-bit one at exactly its own
//     size, whatever its /Interpolate): less enlarged, Splash::scaleImage
//     interpolates it bilinearly into grey (and the dithered page then takes the grey
//     path anyway). An opaque image (1 or 8 bits) may instead be drawn upright and smaller
//     than itself in both directions: Splash::scaleImageYdownXdown averages it into grey
//     boxes with integer arithmetic, reproduced here; render() screens them, render_grey()
//     gives them. Masks drawn smaller, opaque images smaller one way only or turned and
//     smaller, otherwise rotated or skewed images, and every other page, go to poppler.
// The device transform, image bounds, clip and replication are computed with the same
// double arithmetic, in the same order, as poppler's Page::makeBox, GfxState,
// Splash::fillImageMask, Splash::drawImage, their arbitrary transforms and SplashClip, so that floor() lands on the same pixel (a page
// 609.882353 pt wide at 204 dpi is 1727.99999 pixels, and the image covers pixels 0..1727).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "fax/t30/bitmap.h"
#include "fax/t30/grey_image.h"

namespace fax::t30::detail {

class PdfImagePages {
public:
    // The PDF at `path` parsed by qpdf (no recovery of damaged files, warnings discarded),
    // or nullptr if qpdf cannot read it or finds another page count than `pages` (poppler's):
    // then every page takes poppler's path.
    static std::unique_ptr<PdfImagePages> open(const std::string& path, int pages) noexcept;
    ~PdfImagePages();

    // Page `index` (0-based) as poppler's mono renderer draws it at xres x yres dpi (the
    // whole crop box, or with slice_w, slice_h >= 0 the top-left slice of that many pixels),
    // cut to its first `width` columns (width < 0: all of them); 1 = black, resolution
    // fields 204 x 196 as PdfDocument labels its pages. Nothing when the page is not one this
    // path reproduces exactly. Never throws.
    std::optional<Bitmap> render(int index, double xres, double yres, int slice_w, int slice_h,
                                 int width) const noexcept;

    // Page `index` as poppler's grey renderer (Splash mono8, no anti-aliasing) draws it at
    // xres x yres dpi (the whole crop box), for a page whose image is 8-bit grey or an opaque
    // image drawn smaller (the rules above); nothing for every other page. Labelled
    // 204 x 196. Never throws.
    std::optional<GreyImage> render_grey(int index, double xres, double yres) const noexcept;

private:
    struct Impl;
    explicit PdfImagePages(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace fax::t30::detail
