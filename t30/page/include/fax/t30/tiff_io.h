// Bilevel TIFF input and fax-TIFF output through libtiff. Every libtiff diagnostic is
// captured (never printed) and becomes part of the returned Error, which names the file,
// the page (1-based) and libtiff's reason.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"

namespace fax::t30 {

enum class TiffCompression { None, T4_1D /*MH*/, T4_2D /*MR*/, T6 /*MMR*/ };

// Every page of a TIFF as bitmaps. Any compression libtiff decodes (none, PackBits, LZW,
// Deflate, G3 1-D/2-D, G4); PHOTOMETRIC MINISWHITE or MINISBLACK (normalised to 1 = black);
// FillOrder MSB2LSB or LSB2MSB; strips or tiles. Resolution is converted to dpi from inch
// or centimetre units; with no XResolution/YResolution (or unit NONE) the page has
// resolution_known = false. Reduced-resolution subfiles (thumbnails) are skipped.
// Errors: NotFound; InvalidInput "FILE: page N: 8-bit greyscale is not a bilevel image",
// "FILE: not a readable TIFF: libtiff: ...", "FILE: page N: libtiff: ..." (also for damaged
// compressed data the decoder only warns about). 1-bit palette pages are read (darker entry
// = black).
Result<std::vector<Bitmap>> read_tiff(const std::string& path);

// Writes a multi-page fax TIFF that SpanDSP 0.0.6 t4_tx and efax read: per page
// SUBFILETYPE page, PAGENUMBER n/total, XResolution/YResolution in RESUNIT_INCH,
// PHOTOMETRIC_MINISWHITE, FILLORDER_LSB2MSB, one strip, T4Options (FILLBITS, + 2DENCODING
// for MR) or T6Options 0. Each image directory precedes its strip (efax reads the strip up
// to end of file). Pages are written as given: normalise them first (page_prep.h).
// Errors: InvalidArgument (no pages, malformed bitmap, page with resolution_known = false),
// Io "FILE: page N: libtiff: ..." (a partial file is removed).
Status write_fax_tiff(const std::string& path, const std::vector<Bitmap>& pages,
                      TiffCompression c = TiffCompression::T4_1D);

// While alive, libtiff errors and warnings raised on this thread are collected here instead
// of going anywhere else. Warnings from a codec's decoder (a module named *Decode*, e.g.
// Fax3Decode1D "Line length mismatch") count as errors: the page image is damaged. Nests (the innermost capture collects). Other libtiff users in the
// process (e.g. SpanDSP's t4_tx) can wrap their calls in one to get libtiff's reason for a
// failure. Outside any capture, libtiff messages go to fax::log at Debug level, never
// straight to stderr. Constructing one installs the process-wide libtiff handlers once.
class TiffDiagnostics {
public:
    TiffDiagnostics();
    ~TiffDiagnostics();
    TiffDiagnostics(const TiffDiagnostics&) = delete;
    TiffDiagnostics& operator=(const TiffDiagnostics&) = delete;

    bool has_error() const { return !errors_.empty(); }
    // "module: message; module: message" (errors only), bounded in length.
    const std::string& errors() const { return errors_; }
    const std::string& warnings() const { return warnings_; }

    // Internal: called from the libtiff handlers.
    void add(bool error, const std::string& text);

private:
    TiffDiagnostics* outer_;
    std::string errors_;
    std::string warnings_;
};

// Installs the process-wide libtiff handlers (idempotent; also done by every function above).
void install_tiff_handlers();

}  // namespace fax::t30
