// Any document a release station is handed, as bilevel pages ready for normalise_page():
// PDF (rendered with poppler at fax resolution), TIFF of any common compression and colour
// (bilevel pages read as they are; grey, palette and colour pages resampled to the fax grid
// and made bilevel by binarise(): text thresholded, photographs dithered), and PBM.
// The kind is decided by the file's content, not its name.
#pragma once

#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"
#include "fax/t30/grey_image.h"

namespace fax::t30 {

enum class DocumentKind { Pdf, Tiff, Pbm, Unknown };

// By the first bytes of the file. NotFound / Io if it cannot be read.
Result<DocumentKind> sniff_document(const std::string& path);

// Every page. Errors name the file and, where it applies, the page (1-based), never page
// content: NotFound; Unsupported "FILE: the PDF is encrypted ..." (a password-protected
// PDF: the station cannot read it and must not guess); InvalidInput for damaged or unknown
// files ("FILE: not a PDF, TIFF or PBM document").
Result<std::vector<Bitmap>> read_document(const std::string& path, const BinariseOptions& opts = {});

// PDF pages rendered in 8-bit grey at fax resolution: 204 x 196 dpi, or smaller so that a
// page wider than 8.47 in fits the 1728-pixel line. Errors as read_document().
Result<std::vector<GreyImage>> render_pdf(const std::string& path);

// Non-bilevel TIFF pages in 8-bit grey at their own resolution (no resolution tags: the
// page is taken to be 8.5 in wide). Bilevel pages are read too (as 0/255).
Result<std::vector<GreyImage>> read_tiff_grey(const std::string& path);

}  // namespace fax::t30
