// How many bytes SpanDSP's T.4/T.6 encoder (through the t30 adapter, fax_spandsp)
// produces for one page of a fax TIFF: the image data a session would put on the line
// for that page in non-ECM mode, or pack into ECM frames (docs/spandsp-0.0.6-notes.md,
// "Images"). Includes EOLs and RTC / EOFB; no fill (the reference terminal's DIS asks
// for no minimum scan-line time).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fax/base/result.h"

namespace fax::faxbench {

enum class Coding { MH, MR, MMR };  // T.4 1-D, T.4 2-D, T.6
std::string_view to_string(Coding c);

// `page` is 0-based.
Result<std::size_t> encoded_bytes(const std::string& tiff, int page, Coding coding);

}  // namespace fax::faxbench
