// Any document a release station is handed, as bilevel pages ready for normalise_page():
// PDF (rendered with poppler at fax resolution; a page that is one scanned image mask is
// read from the PDF's objects with qpdf and placed with poppler's pixels, PdfDocument), TIFF of any common compression and colour
// (bilevel pages read as they are; grey, palette and colour pages resampled to the fax grid
// and made bilevel by binarise(): text thresholded, photographs dithered), and PBM.
// The kind is decided by the file's content, not its name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"
#include "fax/t30/document_limits.h"
#include "fax/t30/grey_image.h"

namespace fax::t30 {

enum class DocumentKind { Pdf, Tiff, Pbm, Unknown };

// By the first bytes of the file. NotFound / Io if it cannot be read.
Result<DocumentKind> sniff_document(const std::string& path);

// The wanted pages (1-based; empty: every page) of a document, under `limits`: the file is
// refused unless it is a regular file (never opened if it is a FIFO, device or link), and the
// page count and each wanted page's size are checked before anything is decoded; a page that
// is not wanted is never decoded. A PDF is rendered in a child process bounded by
// max_cpu_seconds of CPU and 512 MiB + 2 bytes per
// max_page_pixels of address space (its Flate streams are counted against
// max_decompressed_bytes before poppler reads them). Errors name the file (and page), never
// content; a limit's error says which (is_limit_error(), document_limits.h).
Result<DocumentPages> read_document_pages(const std::string& path, const std::vector<int>& wanted,
                                          const DocumentLimits& limits, const BinariseOptions& opts = {});

// Every page, under the default DocumentLimits. Errors name the file and, where it applies, the page (1-based), never page
// content: NotFound; Unsupported "FILE: the PDF is encrypted ..." (a password-protected
// PDF: the station cannot read it and must not guess); InvalidInput for damaged or unknown
// files ("FILE: not a PDF, TIFF or PBM document").
Result<std::vector<Bitmap>> read_document(const std::string& path, const BinariseOptions& opts = {});

// PDF pages rendered in 8-bit grey at fax resolution: 204 x 196 dpi, or smaller so that a
// page wider than 8.47 in fits the 1728-pixel line. Errors as read_document(). Every page
// at once (4 MB each): read_document() and the gate render one page at a time (PdfDocument).
Result<std::vector<GreyImage>> render_pdf(const std::string& path);

// How PdfDocument::render_bilevel() made a page.
enum class PdfPagePath {
    Mono,  // rendered bilevel by poppler directly: the page has only black and white
    Grey,  // the page has tones: rendered in grey and made bilevel by binarise()
    Image, // one bilevel image: read from the PDF's objects (qpdf) and placed as poppler
           // places it, without rasterising the page (the same pixels as Mono)
    ImageGrey, // one image with tones (8-bit grey, or scaled down into grey), read and placed
               // so, in grey as poppler's grey renderer draws it, made bilevel by binarise()
               // (the same pixels as Grey)
};

// A PDF opened once and rendered one page at a time, so that memory holds one page image
// (and poppler's document), not the whole document. Pages are rendered without
// anti-aliasing: thresholding anti-aliased strokes thinner than half a pixel loses them.
class PdfDocument {
public:
    // Errors as read_document(): NotFound, Unsupported (encrypted), InvalidInput (not a PDF,
    // damaged, no pages, more pages than the station takes).
    static Result<PdfDocument> open(const std::string& path);
    // Under `limits`: a regular file only, at most max_pages pages, Flate streams that
    // decompress to at most max_decompressed_bytes, pages of at most max_page_pixels at fax
    // resolution (checked from the page box before rendering). CPU time is not bounded
    // here: read_document_pages() renders in a child process that is.
    static Result<PdfDocument> open(const std::string& path, const DocumentLimits& limits);
    PdfDocument(PdfDocument&&) noexcept;
    PdfDocument& operator=(PdfDocument&&) noexcept;
    ~PdfDocument();

    int pages() const;
    // On (the default), a page that is one scanned image (an image mask drawn at its own
    // size or larger, an opaque 1-bit or 8-bit grey image, on any quarter /Rotate:
    // pdf_image_page.h says which) is read from the PDF's objects with qpdf and placed exactly as poppler's
    // renderer places it, without rasterising the page (PdfPagePath::Image, ImageGrey);
    // every other page is rendered by poppler. Off: every page is rendered by poppler (the
    // tests compare the two).
    void set_direct_images(bool on);
    // One page (0-based index) in 8-bit grey at fax resolution (see render_pdf()). Errors
    // name the file and the page (1-based): implausible or too large a page, not renderable;
    // InvalidArgument for an index out of range.
    Result<GreyImage> render_grey(int index) const;
    // One page as the bilevel page read_document() gives, same geometry as render_grey():
    // a page of only black and white is rendered bilevel directly (the same rasteriser, so
    // the same pixels as thresholding render_grey()); a page with tones (a photograph, a
    // grey scan, tints) is binarise(render_grey(index), opts). `path`, if given, says which.
    Result<Bitmap> render_bilevel(int index, const BinariseOptions& opts = {}, PdfPagePath* path = nullptr) const;

private:
    struct Impl;
    explicit PdfDocument(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// True when a bilevel page looks halftoned: some 32 x 32 tile holds at least
// `min_isolated` isolated pixels (a pixel whose four neighbours all have the other colour).
// Rendered text, line art and scanned bilevel pages have few; an ordered or diffused
// halftone of any tone between about 1/16 and 15/16 has one in every few pixels.
bool looks_halftoned(const Bitmap& page, int min_isolated = 32);

// Non-bilevel TIFF pages in 8-bit grey at their own resolution (no resolution tags: the
// page is taken to be 8.5 in wide). Bilevel pages are read too (as 0/255).
Result<std::vector<GreyImage>> read_tiff_grey(const std::string& path);

}  // namespace fax::t30
