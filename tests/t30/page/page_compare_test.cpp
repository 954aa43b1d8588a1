#include "fax/t30/page_compare.h"

#include <gtest/gtest.h>

#include "page_test_util.h"

namespace fax::t30 {
namespace {

Bitmap with_top_band(const Bitmap& b, int rows, bool black_pixel_in_band = false) {
    Bitmap r = Bitmap::blank(b.width, b.height + rows, b.xres_dpi, b.yres_dpi);
    std::copy(b.bits.begin(), b.bits.end(), r.bits.begin() + static_cast<std::ptrdiff_t>(r.stride() * rows));
    if (black_pixel_in_band) r.set(5, rows / 2, true);
    return r;
}

Bitmap resized(const Bitmap& b, int height) {
    Bitmap r = Bitmap::blank(b.width, height, b.xres_dpi, b.yres_dpi);
    const std::size_t n = r.stride() * static_cast<std::size_t>(std::min(height, b.height));
    std::copy(b.bits.begin(), b.bits.begin() + static_cast<std::ptrdiff_t>(n), r.bits.begin());
    return r;
}

TEST(CompareTest, IdenticalPages) {
    const Bitmap a = test::load_itu(1);
    PageDiff d = compare_pages(a, a);
    EXPECT_TRUE(d.identical) << d.summary;
    EXPECT_EQ(d.differing_pixels, 0);
    EXPECT_EQ(d.row_offset, 0);
    EXPECT_EQ(d.width_sent, 1728);
    EXPECT_EQ(d.height_received, 2376);
}

TEST(CompareTest, ShiftedBy20BlankRowsMatchesWithOffset) {
    const Bitmap sent = test::load_itu(2);
    const Bitmap received = with_top_band(sent, 20);
    PageDiff d = compare_pages(sent, received, 20);
    EXPECT_TRUE(d.identical) << d.summary;
    EXPECT_EQ(d.row_offset, 20);
    EXPECT_EQ(d.height_received, 2396);
    // Without the allowance the shift is a difference.
    PageDiff strict = compare_pages(sent, received, 0);
    EXPECT_FALSE(strict.identical);
    EXPECT_GT(strict.differing_pixels, 0);
    // A header band with ink in it is not blank.
    PageDiff inked = compare_pages(sent, with_top_band(sent, 20, true), 20);
    EXPECT_FALSE(inked.identical);
    EXPECT_EQ(inked.differing_pixels, 1);
    EXPECT_EQ(inked.row_offset, 20);
}

TEST(CompareTest, OnePixelDiffers) {
    const Bitmap sent = test::load_itu(3);
    Bitmap received = sent;
    received.set(1000, 1200, !received.get(1000, 1200));
    PageDiff d = compare_pages(sent, received, 20);
    EXPECT_FALSE(d.identical);
    EXPECT_EQ(d.differing_pixels, 1);
    EXPECT_EQ(d.row_offset, 0);
    EXPECT_NE(d.summary.find("received row 1200"), std::string::npos) << d.summary;
}

TEST(CompareTest, BlankRowsAppendedOrCutAtTheBottomAreAllowed) {
    const Bitmap sent = test::pattern_page(1728, 500, 204, 196);
    Bitmap padded = Bitmap::blank(1728, 600);
    std::copy(sent.bits.begin(), sent.bits.end(), padded.bits.begin());
    EXPECT_TRUE(compare_pages(sent, padded).identical);
    // Sent page with a blank tail, received without it.
    EXPECT_TRUE(compare_pages(padded, sent).identical);
    // Cutting rows that carry ink is a difference (the bottom frame line of `sent`).
    PageDiff cut = compare_pages(sent, resized(sent, 499));
    EXPECT_FALSE(cut.identical);
    EXPECT_EQ(cut.differing_pixels, 1728);
}

TEST(CompareTest, DifferentWidthsAreNotIdentical) {
    const Bitmap a = Bitmap::blank(1728, 10);
    const Bitmap b = Bitmap::blank(2048, 10);
    PageDiff d = compare_pages(a, b);
    EXPECT_FALSE(d.identical);
    EXPECT_NE(d.summary.find("widths differ"), std::string::npos);
}

}  // namespace
}  // namespace fax::t30
