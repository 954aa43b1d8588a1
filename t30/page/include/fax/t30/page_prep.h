// Page normalisation: turn arbitrary bilevel pages into what SpanDSP 0.0.6 can send
// (1728 pixels wide at 204 dpi, 98 or 196 lpi, resolution present; it does not rescale).
#pragma once

#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"
#include "fax/t30/tiff_io.h"

namespace fax::t30 {

struct PrepOptions {
    enum class Vertical { Fine /*196*/, Standard /*98*/ } vertical = Vertical::Fine;
};

// The fax page width at R8 (A4 and Letter both; T.4 §2.2).
inline constexpr int kFaxWidth = 1728;

// Normalises one page to 1728 pixels at 204 dpi and 196 (Fine) or 98 (Standard) lpi.
// - Resolutions within 1% of 204 / 196 / 98 (203.2 from 8 dots/mm, 195.58 from 7.7 l/mm)
//   count as those values; they are stored exactly as 204 / 196 / 98.
// - Otherwise the page is scaled with an area-coverage scaler whose threshold keeps
//   1-pixel lines (no nearest-neighbour dropouts); 98 -> 196 doubles rows exactly.
// - Narrower than 1728 after scaling: centred, padded white. Wider: scaled down to fit
//   (aspect kept), never cropped. Page length is kept (no A4 cut).
// - No resolution (resolution_known = false): assumed 204 x 196 if exactly 1728 wide,
//   else InvalidInput "no resolution tags and not 1728 wide (W x H)".
// - An already-normal page comes back with the same pixels, bit for bit.
Result<Bitmap> normalise_page(const Bitmap& in, const PrepOptions& opts = {});
// The same for a page the caller is done with: an already-normal page is moved into the
// result instead of copied (same pixels and fields as the overload above).
Result<Bitmap> normalise_page(Bitmap&& in, const PrepOptions& opts = {});

struct PreparedDocument {
    std::string tiff_path;
    int pages = 0;
};

// Reads every input (TIFF or PBM, by content, not extension; PBM pages count as having no
// resolution), normalises every page and writes one multi-page fax TIFF at out_path.
// Errors name the file, the page (1-based) and the reason, never image data.
Result<PreparedDocument> prepare_document(const std::vector<std::string>& inputs, const std::string& out_path,
                                          const PrepOptions& opts = {},
                                          TiffCompression c = TiffCompression::T4_1D);

}  // namespace fax::t30
