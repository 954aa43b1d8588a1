// How many bytes SpanDSP's own T.4/T.6 encoder (t4_tx, standalone) produces for one
// page of a fax TIFF: the image data a session would put on the line for that page in
// non-ECM mode, or pack into ECM frames (docs/spandsp-0.0.6-notes.md,
// "Images"). Includes EOLs, fill to the minimum row length (none here) and RTC / EOFB.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fax/base/result.h"

namespace fax::faxbench {

enum class Coding { MH, MR, MMR };  // T.4 1-D, T.4 2-D, T.6
std::string_view to_string(Coding c);

// `page` is 0-based. min_bits_per_row is the receiver's minimum scan-line time
// expressed in bits at the line rate (0: no minimum, as the reference terminal's DIS).
Result<std::size_t> encoded_bytes(const std::string& tiff, int page, Coding coding, int min_bits_per_row = 0);

}  // namespace fax::faxbench
