// T.6 (MMR, "Group 4") coding of a bilevel page, written for speed: the changing elements
// of each row are found a 64-bit word at a time and the codes are packed through a 64-bit
// accumulator. The coding is the one ITU-T T.6 defines (two-dimensional, the reference line
// of the first row all white, no uncompressed mode), ended by EOFB and zero bits to the
// byte boundary: the same bytes libtiff's encoder writes for a CCITTFAX4 strip with
// Group4Options 0 (tests/t30/page/t6_encoder_test.cpp compares them), several times faster.
#pragma once

#include <cstdint>
#include <vector>

#include "fax/t30/bitmap.h"

namespace fax::t30 {

enum class BitOrder {
    MsbFirst,  // the first bit of the code in a byte's most significant bit (TIFF FillOrder 1)
    LsbFirst,  // in its least significant bit, the order of the line (TIFF FillOrder 2)
};

// The page's T.6 data. Bits beyond `width` in a row's last byte are ignored. An empty
// result for a page that is not well_formed().
std::vector<uint8_t> encode_t6(const Bitmap& page, BitOrder order);

}  // namespace fax::t30
