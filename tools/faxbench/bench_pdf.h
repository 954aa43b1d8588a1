// The PDFs of the prep and release suites (docs/benchmarks.md): a scan is each page one 1-bit
// image mask, the page exactly the image's size at 204 x 196 dpi; a printed record is US Letter
// pages of 10 pt DejaVu Sans text.
#pragma once

#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"

namespace fax::faxbench {

// One page per bitmap, each a 1-bit image mask painted black (a scanned record).
Status write_scanned_pdf(const std::vector<t30::Bitmap>& pages, const std::string& path);
// `pages` US Letter pages of running text from a fixed vocabulary (no patient data).
Status write_text_record_pdf(int pages, const std::string& path);

}  // namespace fax::faxbench
