#include "fax/t30/page_prep.h"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <cstdio>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "fax/t30/page_compare.h"
#include "page_test_util.h"

namespace fax::t30 {
namespace {

using test::ScratchDir;

bool any_black(const Bitmap& b, int x0, int x1, int y) {
    for (int x = std::max(0, x0); x <= std::min(b.width - 1, x1); ++x)
        if (b.get(x, y)) return true;
    return false;
}

bool any_black_col(const Bitmap& b, int x, int y0, int y1) {
    for (int y = std::max(0, y0); y <= std::min(b.height - 1, y1); ++y)
        if (b.get(x, y)) return true;
    return false;
}

long long black_pixels(const Bitmap& b) {
    long long n = 0;
    for (int y = 0; y < b.height; ++y)
        for (int x = 0; x < b.width; ++x) n += b.get(x, y);
    return n;
}

TEST(NormaliseTest, AlreadyNormalPageIsUnchangedBitForBit) {
    for (int n = 1; n <= 8; ++n) {
        const Bitmap chart = test::load_itu(n);
        auto r = normalise_page(chart);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_EQ(*r, chart);
    }
    // 8 dots/mm x 7.7 lines/mm as stored in centimetre units: the same fax resolution.
    Bitmap cm = test::load_itu(2);
    cm.xres_dpi = 80.0 * 2.54;  // 203.2
    cm.yres_dpi = 77.0 * 2.54;  // 195.58
    auto r = normalise_page(cm);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->bits, cm.bits);
    EXPECT_EQ(r->xres_dpi, 204.0);
    EXPECT_EQ(r->yres_dpi, 196.0);
}

// The overload for a page the caller is done with gives the same result; an already-normal
// page's buffer is moved into it (no copy), any other page is scaled as before.
TEST(NormaliseTest, OwnedPageGivesTheSameResultAndMovesAnAlreadyNormalBuffer) {
    Bitmap cm = test::load_itu(2);
    cm.xres_dpi = 80.0 * 2.54;  // 203.2: snapped to 204, still already normal
    cm.yres_dpi = 77.0 * 2.54;
    auto copied = normalise_page(cm);
    ASSERT_TRUE(copied.ok());
    const uint8_t* buffer = cm.bits.data();
    auto moved = normalise_page(std::move(cm));
    ASSERT_TRUE(moved.ok());
    EXPECT_EQ(*moved, *copied);
    EXPECT_EQ(moved->bits.data(), buffer) << "an already-normal page was copied";

    Bitmap wide = Bitmap::blank(2550, 600, 300, 300);
    wide.set(1001, 10, true);
    auto scaled_copy = normalise_page(wide);
    auto scaled_owned = normalise_page(Bitmap(wide));
    ASSERT_TRUE(scaled_copy.ok() && scaled_owned.ok());
    EXPECT_EQ(*scaled_owned, *scaled_copy);
}

// US Letter at 300 dpi is 2550 pixels wide: 2550 * 204/300 = 1734 > 1728, so it is shrunk to
// fit (never cropped), and 1-pixel lines survive the 0.68 scale.
TEST(NormaliseTest, Letter300DpiBecomes1728At204x196AndKeepsThinLines) {
    Bitmap letter = Bitmap::blank(2550, 3300, 300, 300);
    const int vx = 1001;  // a 1-pixel vertical line
    const int hy = 1501;  // a 1-pixel horizontal line
    for (int y = 100; y < 3200; ++y) letter.set(vx, y, true);
    for (int x = 100; x < 2450; ++x) letter.set(x, hy, true);
    for (int x = 0; x < 2550; ++x) letter.set(x, 0, true);           // edge to edge: must not be cut
    for (int y = 0; y < 3300; ++y) letter.set(2549, y, true);        // right edge column

    auto r = normalise_page(letter);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const Bitmap& out = *r;
    EXPECT_EQ(out.width, 1728);
    EXPECT_EQ(out.xres_dpi, 204.0);
    EXPECT_EQ(out.yres_dpi, 196.0);
    EXPECT_TRUE(out.resolution_known);
    const double s = 1728.0 / 2550.0;
    const double sy = s * 196.0 / 204.0;
    EXPECT_NEAR(out.height, 3300 * sy, 1.0);

    // Vertical line: present in every output row it spans, within a pixel of where it belongs.
    const int ox = static_cast<int>(vx * s);
    for (int y = static_cast<int>(101 * sy) + 1; y < static_cast<int>(3199 * sy) - 1; ++y)
        ASSERT_TRUE(any_black(out, ox - 1, ox + 1, y)) << "vertical line lost at row " << y;
    // Horizontal line: present in every output column it spans.
    const int oy = static_cast<int>(hy * sy);
    for (int x = static_cast<int>(101 * s) + 1; x < static_cast<int>(2449 * s) - 1; ++x)
        ASSERT_TRUE(any_black_col(out, x, oy - 1, oy + 1)) << "horizontal line lost at column " << x;
    // Nothing cropped: the top edge line spans the full width, the right edge is the last column.
    for (int x = 0; x < 1728; ++x) ASSERT_TRUE(out.get(x, 0)) << x;
    for (int y = 0; y < out.height; ++y) ASSERT_TRUE(out.get(1727, y)) << y;
    // Thin lines stay thin (at most 2 output pixels).
    int thickness = 0;
    for (int x = ox - 3; x <= ox + 3; ++x) thickness += out.get(x, 1000);
    EXPECT_LE(thickness, 2);
}

TEST(NormaliseTest, Standard98BecomesFineWithRowsDoubled) {
    Bitmap std98 = test::pattern_page(1728, 1100, 204, 98);
    auto r = normalise_page(std98, {PrepOptions::Vertical::Fine});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->width, 1728);
    ASSERT_EQ(r->height, 2200);
    EXPECT_EQ(r->yres_dpi, 196.0);
    for (int y = 0; y < 2200; ++y)
        ASSERT_EQ(0, std::memcmp(r->row(y), std98.row(y / 2), std98.stride())) << "row " << y;
    // Asked for Standard, the same page is already normal.
    auto s = normalise_page(std98, {PrepOptions::Vertical::Standard});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*s, std98);
}

TEST(NormaliseTest, FineToStandardHalvesRowsAndKeepsOneRowLines) {
    Bitmap fine = Bitmap::blank(1728, 400, 204, 196);
    for (int x = 10; x < 1700; ++x) fine.set(x, 201, true);  // odd row: one of a pair
    auto r = normalise_page(fine, {PrepOptions::Vertical::Standard});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->height, 200);
    EXPECT_EQ(r->yres_dpi, 98.0);
    for (int x = 10; x < 1700; ++x) ASSERT_TRUE(r->get(x, 100)) << x;
    EXPECT_EQ(black_pixels(*r), 1690);
}

TEST(NormaliseTest, A4At200DpiIsScaledAndCentred) {
    Bitmap a4 = Bitmap::blank(1654, 2339, 200, 200);  // 210 x 297 mm
    for (int y = 0; y < 2339; ++y) {
        a4.set(0, y, true);
        a4.set(1653, y, true);
    }
    auto r = normalise_page(a4);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->width, 1728);
    EXPECT_NEAR(r->height, 2339 * 196.0 / 200.0, 1.0);
    const int content = static_cast<int>(std::lround(1654 * 204.0 / 200.0));  // 1687
    const int left = (1728 - content) / 2;
    for (int y = 0; y < r->height; ++y) {
        ASSERT_TRUE(r->get(left, y)) << y;
        ASSERT_TRUE(r->get(left + content - 1, y)) << y;
        ASSERT_FALSE(r->get(left - 1, y)) << y;
        ASSERT_FALSE(r->get(left + content, y)) << y;
    }
}

TEST(NormaliseTest, HighResolutionsScaleDown) {
    struct Case {
        int w, h;
        double xr, yr;
    };
    for (Case k : {Case{3400, 4400, 400, 400}, Case{1700, 2200, 200, 200}, Case{2480, 3508, 300, 300},
                   Case{1728, 2200, 204, 391.16}}) {
        SCOPED_TRACE(std::to_string(k.w) + "@" + std::to_string(k.xr));
        Bitmap in = test::pattern_page(k.w, k.h, k.xr, k.yr);
        auto r = normalise_page(in);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_EQ(r->width, 1728);
        EXPECT_EQ(r->yres_dpi, 196.0);
        const double sx = std::min(204.0 / k.xr, 1728.0 / k.w);
        EXPECT_NEAR(r->height, k.h * sx * (196.0 / 204.0) * (k.xr / k.yr), 1.5);
        // The 1-pixel frame survives on all four sides.
        EXPECT_TRUE(any_black(*r, 0, 1727, 0));
        EXPECT_TRUE(any_black(*r, 0, 1727, r->height - 1));
    }
}

TEST(NormaliseTest, MissingResolutionOnNon1728PageIsAnError) {
    Bitmap b = test::pattern_page(2480, 100, 204, 196);
    b.resolution_known = false;
    auto r = normalise_page(b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);
    EXPECT_NE(r.error().message.find("no resolution tags and not 1728 wide"), std::string::npos) << r.error().message;

    // Exactly 1728 wide: assumed 204 x 196, pixels untouched, resolution now stated.
    Bitmap fax = test::load_itu(3);
    fax.resolution_known = false;
    auto ok = normalise_page(fax);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->bits, fax.bits);
    EXPECT_TRUE(ok->resolution_known);
}

TEST(NormaliseTest, PrepareDocumentDetectsFormatsByContentAndWritesOneFaxTiff) {
    ScratchDir dir;
    // A PBM chart named .dat, a 300 dpi TIFF named .pbm, a 2-page 204x98 TIFF without extension.
    const std::string pbm = dir.path("chart.dat");
    ASSERT_TRUE(write_pbm(pbm, test::load_itu(1)).ok());
    const std::string tif300 = dir.path("letter.pbm");
    Bitmap letter = test::pattern_page(2550, 3300, 300, 300);
    Bitmap letter_for_write = letter;
    ASSERT_TRUE(write_fax_tiff(tif300, {letter_for_write}, TiffCompression::T6).ok());
    const std::string std98 = dir.path("standard");
    Bitmap s1 = test::pattern_page(1728, 1100, 204, 98), s2 = test::pattern_page(1728, 900, 204, 98);
    ASSERT_TRUE(write_fax_tiff(std98, {s1, s2}, TiffCompression::T4_2D).ok());

    const std::string out = dir.path("out.tif");
    auto doc = prepare_document({pbm, tif300, std98}, out);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    EXPECT_EQ(doc->pages, 4);
    EXPECT_EQ(doc->tiff_path, out);
    auto pages = read_tiff(out);
    ASSERT_TRUE(pages.ok()) << pages.error().to_string();
    ASSERT_EQ(pages->size(), 4u);
    for (const Bitmap& p : *pages) {
        EXPECT_EQ(p.width, 1728);
        EXPECT_EQ(p.xres_dpi, 204.0);
        EXPECT_EQ(p.yres_dpi, 196.0);
        EXPECT_TRUE(p.resolution_known);
    }
    EXPECT_EQ((*pages)[0].bits, test::load_itu(1).bits);
    EXPECT_EQ((*pages)[2].height, 2200);
    EXPECT_EQ((*pages)[3].height, 1800);
    EXPECT_TRUE(compare_pages(*normalise_page(s2), (*pages)[3]).identical);
}

TEST(NormaliseTest, PrepareDocumentErrorsNameFileAndPage) {
    ScratchDir dir;
    const std::string good = dir.path("good.tif");
    ASSERT_TRUE(write_fax_tiff(good, {test::load_itu(1)}).ok());
    // Page 2 is 2480 wide without resolution tags.
    const std::string bad = dir.path("bad.tif");
    {
        test::TiffPtr t(TIFFOpen(bad.c_str(), "w"));
        ASSERT_TRUE(t);
        for (int p = 0; p < 2; ++p) {
            const int w = p == 0 ? 1728 : 2480;
            TIFFSetField(t.get(), TIFFTAG_IMAGEWIDTH, w);
            TIFFSetField(t.get(), TIFFTAG_IMAGELENGTH, 10);
            TIFFSetField(t.get(), TIFFTAG_BITSPERSAMPLE, 1);
            TIFFSetField(t.get(), TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
            std::vector<uint8_t> row(static_cast<std::size_t>((w + 7) / 8), 0);
            for (uint32_t y = 0; y < 10; ++y) ASSERT_EQ(TIFFWriteScanline(t.get(), row.data(), y, 0), 1);
            ASSERT_TRUE(TIFFWriteDirectory(t.get()));
        }
    }
    const std::string out = dir.path("out.tif");
    auto r = prepare_document({good, bad}, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);
    EXPECT_EQ(r.error().message.rfind(bad + ": page 2: no resolution tags and not 1728 wide", 0), 0u)
        << r.error().message;
    EXPECT_FALSE(std::filesystem::exists(out));

    // A 300 dpi PBM has no resolution either: refused rather than guessed.
    const std::string wide_pbm = dir.path("wide.pbm");
    ASSERT_TRUE(write_pbm(wide_pbm, test::pattern_page(2550, 40, 300, 300)).ok());
    auto p = prepare_document({wide_pbm}, out);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message.rfind(wide_pbm + ": page 1: no resolution tags", 0), 0u) << p.error().message;

    // Neither TIFF nor PBM; missing file; output over an input.
    const std::string text = dir.path("notes.txt");
    {
        std::FILE* f = std::fopen(text.c_str(), "wb");
        std::fputs("hello", f);
        std::fclose(f);
    }
    auto t = prepare_document({text}, out);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().message, text + ": not a TIFF or PBM image");
    EXPECT_EQ(prepare_document({dir.path("missing.tif")}, out).error().code, Errc::NotFound);
    EXPECT_EQ(prepare_document({good}, good).error().code, Errc::InvalidArgument);
    EXPECT_EQ(prepare_document({}, out).error().code, Errc::InvalidArgument);
}

}  // namespace
}  // namespace fax::t30
