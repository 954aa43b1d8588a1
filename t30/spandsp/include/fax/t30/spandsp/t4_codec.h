// T.4/T.6 page data to and from page images, with SpanDSP's T.4 codec: a page as the bytes
// a fax machine sends (and a Class 2.0 modem takes after +FDT or gives after +FDR, +FBO=0:
// first bit in the LSB of each byte), and back.
//
// SpanDSP 0.0.6 encodes only from a TIFF file and decodes only into one. The page goes
// through an anonymous in-memory file (memfd) instead of the file system, so no page
// image — a patient's record — is ever written to disk by the codec.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"

namespace fax::t30::spandsp {

// T.4 §4.1 one-dimensional (MH), T.4 §4.2 two-dimensional (MR), T.6 (MMR).
enum class T4Coding { MH, MR, MMR };

struct T4PageFormat {
    T4Coding coding = T4Coding::MR;
    int width = 1728;  // pixels per row (T.4 §2.2: 1728 for A4 at R8)
    bool fine = true;  // 7.7 lines/mm (196 lpi); else 3.85 (98 lpi)
};

// Encodes a page, ending with RTC (T.4) or EOFB (T.6). The codec takes any width; what a
// call may send is a normalised page (1728 pixels at 204 dpi, 98 or 196 lpi: page_prep.h).
// InvalidArgument for a malformed bitmap; InvalidInput if SpanDSP cannot read the page.
Result<std::vector<uint8_t>> encode_t4(const Bitmap& page, T4Coding coding);

// Decodes one page of such data. InvalidInput if the data hold no image rows.
Result<Bitmap> decode_t4(std::span<const uint8_t> data, const T4PageFormat& format);

}  // namespace fax::t30::spandsp
