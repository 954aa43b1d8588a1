// Pixel-exact comparison of a sent and a received page (loopback and interop tests).
#pragma once

#include <string>

#include "fax/t30/bitmap.h"

namespace fax::t30 {

struct PageDiff {
    bool identical = false;
    int width_sent = 0, height_sent = 0, width_received = 0, height_received = 0;
    long long differing_pixels = 0;
    int row_offset = 0;   // rows of the received page above the sent content
    std::string summary;  // one line for a person; geometry and counts only
};

// The received page may carry up to max_top_offset extra rows above the sent content (efax
// prepends a 20-row header band), which must be all white; rows beyond the shorter page
// (blank rows appended or cut at the bottom) must be white; everything else must match
// exactly. The best offset (fewest differing pixels, smallest offset on ties) is reported;
// differing_pixels counts mismatches plus black pixels in rows that should be white.
PageDiff compare_pages(const Bitmap& sent, const Bitmap& received, int max_top_offset = 0);

}  // namespace fax::t30
