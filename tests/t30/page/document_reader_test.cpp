// Document input: PDF rendered at fax resolution, continuous-tone TIFF resampled and made
// bilevel (text sharp, photographs dithered), refusals for encrypted and damaged files.
#include "fax/t30/document_reader.h"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fax/t30/grey_image.h"
#include "fax/t30/page_prep.h"
#include "page_test_util.h"
#include "test_pdf.h"

namespace fax::t30 {
namespace {

using test::ScratchDir;

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary);
    f << bytes;
}

// Fraction of black pixels in [x0,x1) x [y0,y1).
double black_fraction(const Bitmap& b, int x0, int y0, int x1, int y1) {
    long black = 0, n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x, ++n) black += b.get(x, y) ? 1 : 0;
    return static_cast<double>(black) / static_cast<double>(n);
}

// Page 1: a solid black bar (1 in .. 3 in across, 1 in .. 2 in down), a line of text, and a
// 50% grey square (4.25 in .. 7.25 in across, 8 in .. 10 in down). Page 2: blank.
const std::string kPage1 =
    "0 0 0 rg 72 648 144 72 re f\n"
    "BT /F1 24 Tf 72 560 Td (RELEASE OF INFORMATION) Tj ET\n"
    "0.5 g 306 72 216 144 re f\n";

TEST(DocumentReader, PdfPagesAreRenderedAtFaxResolutionTextSharpGreyDithered) {
    ScratchDir dir;
    const std::string pdf = dir.path("letter.pdf");
    write_file(pdf, fax::testing::make_pdf({kPage1, ""}));
    ASSERT_EQ(*sniff_document(pdf), DocumentKind::Pdf);

    auto pages = read_document(pdf);
    ASSERT_TRUE(pages.ok()) << pages.error().to_string();
    ASSERT_EQ(pages->size(), 2u);
    const Bitmap& p = (*pages)[0];
    // Letter is 8.5 in: scaled by 1728 / (8.5 * 204) to fit the line exactly.
    EXPECT_EQ(p.width, 1728);
    EXPECT_NEAR(p.height, 11 * 196 * (1728.0 / (8.5 * 204)), 2);
    EXPECT_EQ(p.xres_dpi, 204.0);
    EXPECT_EQ(p.yres_dpi, 196.0);
    const double sx = 1728.0 / 8.5, sy = p.height / 11.0;  // pixels per inch as rendered

    // The black bar: solid inside, white just outside (thresholded, not dithered).
    const auto px = [](double in, double s) { return static_cast<int>(std::lround(in * s)); };
    EXPECT_EQ(black_fraction(p, px(1, sx) + 3, px(1, sy) + 3, px(3, sx) - 3, px(2, sy) - 3), 1.0);
    EXPECT_EQ(black_fraction(p, px(1, sx) + 3, px(2, sy) + 3, px(3, sx) - 3, px(2.5, sy)), 0.0);
    EXPECT_EQ(black_fraction(p, px(0.2, sx), px(0.2, sy), px(8, sx), px(0.8, sy)), 0.0) << "top margin is paper";

    // The grey square is dithered: about half its pixels black, and no solid run of rows.
    const double grey = black_fraction(p, px(4.25, sx) + 8, px(8, sy) + 8, px(7.25, sx) - 8, px(10, sy) - 8);
    EXPECT_NEAR(grey, 0.5, 0.03);

    // The text line has ink, with clean white between the text and the bar.
    EXPECT_GT(black_fraction(p, px(1, sx), px(3.05, sy), px(6, sx), px(3.45, sy)), 0.05);

    EXPECT_EQ(black_fraction((*pages)[1], 0, 0, (*pages)[1].width, (*pages)[1].height), 0.0);
}

TEST(DocumentReader, A4PdfIsNarrowerThanTheLineAndNormalisesTo1728) {
    ScratchDir dir;
    const std::string pdf = dir.path("a4.pdf");
    write_file(pdf, fax::testing::make_pdf({kPage1}, 595.28, 841.89));
    auto pages = read_document(pdf);
    ASSERT_TRUE(pages.ok()) << pages.error().to_string();
    EXPECT_NEAR((*pages)[0].width, 8.27 * 204, 2);
    auto n = normalise_page((*pages)[0]);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(n->width, 1728);
}

TEST(DocumentReader, EncryptedPdfIsRefusedWithAClearReason) {
    if (auto why = fax::testing::missing_peer("/usr/bin/qpdf", "qpdf")) GTEST_SKIP() << *why;
    ScratchDir dir;
    const std::string plain = dir.path("plain.pdf"), locked = dir.path("locked.pdf");
    write_file(plain, fax::testing::make_pdf({kPage1}));
    const std::string cmd = "qpdf --encrypt secret-user secret-owner 256 -- '" + plain + "' '" + locked + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto pages = read_document(locked);
    ASSERT_FALSE(pages.ok());
    EXPECT_EQ(pages.error().code, Errc::Unsupported);
    EXPECT_NE(pages.error().message.find("encrypted"), std::string::npos) << pages.error().message;
    EXPECT_NE(pages.error().message.find(locked), std::string::npos) << "names the file";
}

TEST(DocumentReader, DamagedAndUnknownFilesAreClearErrors) {
    ScratchDir dir;
    const std::string damaged = dir.path("damaged.pdf"), unknown = dir.path("notes.txt");
    write_file(damaged, "%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage");
    write_file(unknown, "Patient notes in plain text");
    auto d = read_document(damaged);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, Errc::InvalidInput) << d.error().to_string();
    auto u = read_document(unknown);
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.error().code, Errc::InvalidInput);
    EXPECT_NE(u.error().message.find("not a PDF, TIFF or PBM"), std::string::npos);
    EXPECT_EQ(u.error().message.find("Patient"), std::string::npos) << "never quotes content";
    auto missing = read_document(dir.path("nope.pdf"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::NotFound);
}

// A page of only black and white: bars, text, a frame; nothing thinner than a pixel.
const std::string kBlackAndWhite =
    "0 0 0 rg 72 648 144 72 re f 300 700 10 60 re f\n"
    "2 w 0 G 60 60 480 660 re S\n"
    "BT /F1 10 Tf 72 560 Td (Discharge summary: patient stable, follow-up in 2 weeks) Tj ET\n"
    "BT /F1 24 Tf 72 500 Td (RELEASE OF INFORMATION) Tj ET\n";

// A photograph-like inline image (8-bit grey, smooth tones), 2 in square at (1 in, 1 in).
std::string photo_content() {
    std::string hex;
    const char* digits = "0123456789abcdef";
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
            const double v = 128 + 90 * std::sin(x / 7.0) * std::cos(y / 9.0);
            const int b = std::clamp(static_cast<int>(v), 0, 255);
            hex += digits[b >> 4];
            hex += digits[b & 15];
        }
    return "q 144 0 0 144 72 72 cm BI /W 64 /H 64 /BPC 8 /CS /G /F /AHx ID " + hex + "> EI Q\n"
           "BT /F1 12 Tf 72 600 Td (Photograph of the wound, day 3) Tj ET\n";
}

TEST(PdfDocument, RendersOnePageAtATimeTheSamePagesAsReadDocumentAndRenderPdf) {
    ScratchDir dir;
    const std::string pdf = dir.path("five.pdf");
    write_file(pdf, fax::testing::make_pdf({kBlackAndWhite, kPage1, "", photo_content(), kBlackAndWhite}));
    auto doc = PdfDocument::open(pdf);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    ASSERT_EQ(doc->pages(), 5);
    auto all = read_document(pdf);
    ASSERT_TRUE(all.ok()) << all.error().to_string();
    auto grey = render_pdf(pdf);
    ASSERT_TRUE(grey.ok()) << grey.error().to_string();
    ASSERT_EQ(all->size(), 5u);
    ASSERT_EQ(grey->size(), 5u);
    // Pages in any order, one at a time, are the document's pages.
    for (int i : {4, 0, 3, 1, 2}) {
        auto b = doc->render_bilevel(i);
        ASSERT_TRUE(b.ok()) << b.error().to_string();
        EXPECT_TRUE(*b == (*all)[static_cast<std::size_t>(i)]) << "page " << i + 1;
        auto g = doc->render_grey(i);
        ASSERT_TRUE(g.ok()) << g.error().to_string();
        EXPECT_TRUE(g->px == (*grey)[static_cast<std::size_t>(i)].px) << "page " << i + 1;
        EXPECT_EQ(g->width, b->width);
        EXPECT_EQ(g->height, b->height);
        EXPECT_EQ(b->xres_dpi, 204.0);
        EXPECT_EQ(b->yres_dpi, 196.0);
    }
    EXPECT_TRUE((*all)[0] == (*all)[4]) << "the same content gives the same page";
    EXPECT_FALSE((*all)[0] == (*all)[1]);
    for (int bad : {-1, 5}) {
        auto e = doc->render_bilevel(bad);
        ASSERT_FALSE(e.ok());
        EXPECT_EQ(e.error().code, Errc::InvalidArgument);
        EXPECT_NE(e.error().message.find(pdf), std::string::npos) << e.error().message;
        EXPECT_FALSE(doc->render_grey(bad).ok());
    }
    // Opening keeps read_document()'s refusals.
    const std::string damaged = dir.path("damaged.pdf");
    write_file(damaged, "%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage");
    auto d = PdfDocument::open(damaged);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, Errc::InvalidInput);
    EXPECT_EQ(PdfDocument::open(dir.path("nope.pdf")).error().code, Errc::NotFound);
}

TEST(PdfDocument, BlackAndWhitePagesAreRenderedBilevelWithTheGreyPathsPixels) {
    ScratchDir dir;
    // Letter (1728 wide), A4 (1687: not a multiple of 32, rendered as a slice; the last byte
    // of a row is partly padding), an odd size, and a landscape page scaled to fit.
    for (const auto& [w, h] : {std::pair{612.0, 792.0}, std::pair{595.28, 841.89}, std::pair{500.5, 700.0}, std::pair{792.0, 612.0}}) {
        const std::string pdf = dir.path("bw.pdf");
        write_file(pdf, fax::testing::make_pdf({kBlackAndWhite}, w, h));
        auto doc = PdfDocument::open(pdf);
        ASSERT_TRUE(doc.ok()) << doc.error().to_string();
        PdfPagePath path = PdfPagePath::Grey;
        auto b = doc->render_bilevel(0, {}, &path);
        ASSERT_TRUE(b.ok()) << b.error().to_string();
        EXPECT_EQ(path, PdfPagePath::Mono) << "no tones: rendered bilevel directly";
        auto g = doc->render_grey(0);
        ASSERT_TRUE(g.ok()) << g.error().to_string();
        const Bitmap expected = binarise(*g);
        ASSERT_TRUE(b->well_formed());
        EXPECT_EQ(b->width, expected.width);
        EXPECT_EQ(b->height, expected.height);
        EXPECT_TRUE(b->bits == expected.bits) << "width " << b->width;
        EXPECT_GT(black_fraction(*b, 0, 0, b->width, b->height), 0.01);
    }
    // Rotated pages (/Rotate turns the slice too): 800 x 500 pt turned upright is 1417 wide.
    for (int rotate : {90, 180, 270}) {
        std::string bytes = fax::testing::make_pdf({kBlackAndWhite}, 800, 500);
        // make_pdf has no /Rotate; inserting it moves the objects, and poppler rebuilds the
        // cross-reference table of such a file.
        bytes.insert(bytes.find("/MediaBox"), "/Rotate " + std::to_string(rotate) + " ");
        const std::string pdf = dir.path("rotated.pdf");
        write_file(pdf, bytes);
        auto doc = PdfDocument::open(pdf);
        ASSERT_TRUE(doc.ok()) << doc.error().to_string();
        PdfPagePath path = PdfPagePath::Grey;
        auto b = doc->render_bilevel(0, {}, &path);
        ASSERT_TRUE(b.ok()) << b.error().to_string();
        EXPECT_EQ(path, PdfPagePath::Mono);
        auto g = doc->render_grey(0);
        ASSERT_TRUE(g.ok()) << g.error().to_string();
        EXPECT_EQ(g->width, rotate == 180 ? 1728 : 1417);
        EXPECT_TRUE(*b == binarise(*g)) << "rotate " << rotate;
    }
}

TEST(PdfDocument, PagesWithTonesTakeTheGreyPathAndAreDithered) {
    ScratchDir dir;
    const std::string pdf = dir.path("tones.pdf");
    write_file(pdf, fax::testing::make_pdf({kPage1, photo_content()}));
    auto doc = PdfDocument::open(pdf);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    for (int i = 0; i < 2; ++i) {
        PdfPagePath path = PdfPagePath::Mono;
        auto b = doc->render_bilevel(i, {}, &path);
        ASSERT_TRUE(b.ok()) << b.error().to_string();
        EXPECT_EQ(path, PdfPagePath::Grey) << "page " << i + 1;
        auto g = doc->render_grey(i);
        ASSERT_TRUE(g.ok());
        EXPECT_TRUE(*b == binarise(*g)) << "page " << i + 1;
    }
}

TEST(PdfDocument, HairlinesAndThinStrokesKeepAPixel) {
    // Anti-aliased and thresholded at 50 %, strokes thinner than half a pixel vanish.
    ScratchDir dir;
    const std::string pdf = dir.path("thin.pdf");
    write_file(pdf, fax::testing::make_pdf({"0 w 0 G 72 700 m 540 700 l S\n"
                                            "0.1 w 72 650 m 540 660 l S\n"
                                            "0.1 w 100 300 m 104 600 l S\n"}));
    auto pages = read_document(pdf);
    ASSERT_TRUE(pages.ok()) << pages.error().to_string();
    const Bitmap& p = (*pages)[0];
    const double sx = p.width / 8.5, sy = p.height / 11.0;
    const auto X = [&](double pt) { return static_cast<int>(pt / 72 * sx); };
    const auto Y = [&](double pt) { return static_cast<int>((792 - pt) / 72 * sy); };
    const auto column_has_ink = [&](int x, int y0, int y1) {
        for (int y = std::max(0, y0); y <= std::min(p.height - 1, y1); ++y)
            if (p.get(x, y)) return true;
        return false;
    };
    const auto row_has_ink = [&](int y, int x0, int x1) {
        for (int x = std::max(0, x0); x <= std::min(p.width - 1, x1); ++x)
            if (p.get(x, y)) return true;
        return false;
    };
    for (int x = X(74); x <= X(538); ++x) {
        ASSERT_TRUE(column_has_ink(x, Y(700) - 2, Y(700) + 2)) << "hairline broken at x " << x;
        const double y_pt = 650 + 10 * (x / sx * 72 - 72) / 468;
        ASSERT_TRUE(column_has_ink(x, Y(y_pt) - 2, Y(y_pt) + 2)) << "0.1 pt slanted line broken at x " << x;
    }
    for (int y = Y(598); y <= Y(302); ++y) {
        const double x_pt = 100 + 4 * ((792 - y / sy * 72) - 300) / 300;
        ASSERT_TRUE(row_has_ink(y, X(x_pt) - 2, X(x_pt) + 2)) << "0.1 pt steep line broken at y " << y;
    }
}

// An ordered 4 x 4 dither of `level`/16 over [x0,x0+n) x [y0,y0+n).
void bayer_patch(Bitmap& b, int x0, int y0, int n, int level) {
    static const int kBayer[4][4] = {{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}};
    for (int y = y0; y < y0 + n; ++y)
        for (int x = x0; x < x0 + n; ++x) b.set(x, y, kBayer[y & 3][x & 3] < level);
}

TEST(LooksHalftoned, TonesDoAndTextLineArtAndScansDoNot) {
    Bitmap blank = Bitmap::blank(1728, 400);
    EXPECT_FALSE(looks_halftoned(blank));
    // Bars, 1-pixel lines, a frame, and a few stray pixels (scanner dust).
    Bitmap art = Bitmap::blank(1725, 400);
    for (int y = 50; y < 70; ++y)
        for (int x = 100; x < 900; ++x) art.set(x, y, true);
    for (int x = 0; x < art.width; ++x) art.set(x, 200, true);
    for (int y = 0; y < art.height; ++y) art.set(art.width - 1, y, true);
    for (int k = 0; k < 20; ++k) art.set(1000 + 3 * k, 300 + (k % 5) * 3, true);
    EXPECT_FALSE(looks_halftoned(art));
    const Bitmap itu = test::load_itu(1);
    EXPECT_FALSE(looks_halftoned(itu)) << "a scanned bilevel page";
    for (int level : {1, 2, 4, 8, 12, 15}) {
        Bitmap tone = art;
        bayer_patch(tone, 1216, 96, 32, level);  // one tile
        EXPECT_TRUE(looks_halftoned(tone)) << "level " << level << "/16";
    }
    // The last tile column and the last rows count too (rows of whole 64-bit words or not).
    for (int w : {1725, 1700}) {
        Bitmap edge = Bitmap::blank(w, 400);
        bayer_patch(edge, w - 24, 400 - 24, 24, 8);
        EXPECT_TRUE(looks_halftoned(edge)) << w;
    }
    // The threshold is per tile: 20 isolated pixels in one tile, 20 more in the tile to its
    // right and 20 in the tile below.
    Bitmap few = Bitmap::blank(200, 200);
    for (int k = 0; k < 20; ++k) {
        few.set(64 + 3 * (k % 10), 66 + 3 * (k / 10), true);
        few.set(96 + 3 * (k % 10), 66 + 3 * (k / 10), true);
        few.set(64 + 3 * (k % 10), 98 + 3 * (k / 10), true);
    }
    EXPECT_FALSE(looks_halftoned(few, 21));
    EXPECT_TRUE(looks_halftoned(few, 20));
}

// A 200 dpi Letter scan written with the given photometric/compression: left, black bars
// of text-like sharpness on white; right, a horizontal grey ramp.
void write_scan(const std::string& path, bool rgb, uint16_t compression) {
    test::TiffPtr t(TIFFOpen(path.c_str(), "w"));
    ASSERT_TRUE(t);
    const uint32_t w = 1700, h = 2200;
    TIFFSetField(t.get(), TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t.get(), TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t.get(), TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t.get(), TIFFTAG_SAMPLESPERPIXEL, rgb ? 3 : 1);
    TIFFSetField(t.get(), TIFFTAG_PHOTOMETRIC, rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t.get(), TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t.get(), TIFFTAG_COMPRESSION, compression);
    if (compression == COMPRESSION_JPEG) TIFFSetField(t.get(), TIFFTAG_JPEGQUALITY, 90);
    TIFFSetField(t.get(), TIFFTAG_ROWSPERSTRIP, 16);
    TIFFSetField(t.get(), TIFFTAG_XRESOLUTION, 200.0f);
    TIFFSetField(t.get(), TIFFTAG_YRESOLUTION, 200.0f);
    TIFFSetField(t.get(), TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    const int spp = rgb ? 3 : 1;
    std::vector<uint8_t> row(static_cast<std::size_t>(w) * spp);
    for (uint32_t y = 0; y < h; ++y) {
        for (uint32_t x = 0; x < w; ++x) {
            uint8_t v = 255;
            if (x < 800) {
                // 20-pixel black bars every 60 rows (text lines), 200 .. 700 across.
                if (x >= 200 && x < 700 && (y % 60) < 20 && y > 200 && y < 2000) v = 0;
            } else if (x >= 900 && x < 1600 && y > 400 && y < 1800) {
                v = static_cast<uint8_t>(255 * (x - 900) / 700);  // ramp dark -> light
            }
            for (int c = 0; c < spp; ++c) row[static_cast<std::size_t>(x) * spp + c] = v;
        }
        ASSERT_EQ(TIFFWriteScanline(t.get(), row.data(), y, 0), 1);
    }
}

class ContinuousToneTiff : public ::testing::TestWithParam<std::pair<bool, uint16_t>> {};

TEST_P(ContinuousToneTiff, IsResampledToTheFaxGridWithSharpTextAndDitheredTone) {
    ScratchDir dir;
    const std::string tif = dir.path("scan.tif");
    write_scan(tif, GetParam().first, GetParam().second);
    auto pages = read_document(tif);
    ASSERT_TRUE(pages.ok()) << pages.error().to_string();
    ASSERT_EQ(pages->size(), 1u);
    const Bitmap& p = (*pages)[0];
    // 8.5 in at 204 dpi is 1734 pixels: scaled to fit the 1728 line.
    const double fit = 1728.0 / 1734.0;
    EXPECT_EQ(p.width, 1728);
    EXPECT_NEAR(p.height, 11 * 196 * fit, 2);
    const double sx = 204 * fit / 200, sy = 196 * fit / 200;  // output pixels per scan pixel
    const auto X = [&](int x) { return static_cast<int>(std::lround(x * sx)); };
    const auto Y = [&](int y) { return static_cast<int>(std::lround(y * sy)); };

    // A text bar (scan rows 240..260) is solid and the gap under it (rows 265..295) white.
    EXPECT_EQ(black_fraction(p, X(210), Y(242), X(690), Y(258)), 1.0);
    EXPECT_EQ(black_fraction(p, X(210), Y(266), X(690), Y(294)), 0.0);

    // The ramp keeps its tone: each tenth of it is about as dark as its mean grey.
    for (int k = 1; k < 9; ++k) {
        const int x0 = 900 + 70 * k, x1 = x0 + 70;
        const double expected = 1.0 - ((x0 + x1) / 2.0 - 900) / 700.0;
        EXPECT_NEAR(black_fraction(p, X(x0) + 2, Y(500), X(x1) - 2, Y(1700)), expected, 0.06) << "tenth " << k;
    }
}

INSTANTIATE_TEST_SUITE_P(Kinds, ContinuousToneTiff,
                         ::testing::Values(std::make_pair(false, uint16_t{COMPRESSION_NONE}),
                                           std::make_pair(false, uint16_t{COMPRESSION_LZW}),
                                           std::make_pair(true, uint16_t{COMPRESSION_ADOBE_DEFLATE}),
                                           std::make_pair(true, uint16_t{COMPRESSION_JPEG})),
                         [](const auto& i) {
                             return std::string(i.param.first ? "RGB_" : "Grey_") + std::to_string(i.param.second);
                         });

TEST(DocumentReader, BilevelTiffAndPbmKeepTheirPixels) {
    ScratchDir dir;
    const Bitmap chart = test::load_itu(1);
    const std::string tif = dir.path("chart.tif");
    ASSERT_TRUE(write_fax_tiff(tif, {chart}, TiffCompression::T6).ok());
    auto a = read_document(tif);
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    EXPECT_TRUE((*a)[0].bits == chart.bits);
    test::write_itu_pbm(1, dir.path("chart.pbm"));
    auto b = read_document(dir.path("chart.pbm"));
    ASSERT_TRUE(b.ok()) << b.error().to_string();
    EXPECT_TRUE((*b)[0].bits == chart.bits);
}

TEST(Binarise, MidTonesKeepTheirMeanToneAndBlackAndWhiteStayExact) {
    for (int v : {80, 128, 176}) {
        GreyImage g = GreyImage::blank(256, 256, 204, 196, static_cast<uint8_t>(v));
        const Bitmap b = binarise(g);
        EXPECT_NEAR(black_fraction(b, 0, 0, 256, 256), 1.0 - v / 255.0, 0.02) << "grey " << v;
    }
    // Tones outside the mid band are ink or paper: thresholded, not dithered into noise.
    EXPECT_EQ(black_fraction(binarise(GreyImage::blank(64, 64, 204, 196, 40)), 0, 0, 64, 64), 1.0);
    EXPECT_EQ(black_fraction(binarise(GreyImage::blank(64, 64, 204, 196, 215)), 0, 0, 64, 64), 0.0);
    GreyImage g = GreyImage::blank(64, 64, 204, 196, 255);
    for (int y = 10; y < 20; ++y)
        for (int x = 0; x < 64; ++x) g.at(x, y) = 0;
    const Bitmap b = binarise(g);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) ASSERT_EQ(b.get(x, y), y >= 10 && y < 20) << x << "," << y;
}

// binarise() as it was before it was made faster (pixel by pixel), the reference the
// faster one must match bit for bit.
Bitmap reference_binarise(const GreyImage& in, const BinariseOptions& o) {
    Bitmap out = Bitmap::blank(in.width, in.height, in.xres_dpi, in.yres_dpi);
    const int bw = (in.width + o.block - 1) / o.block;
    const int bh = (in.height + o.block - 1) / o.block;

    // 1. Per block: the fraction of mid-tones (photographs have many; text, even
    //    anti-aliased, has few) and of "soft" pixels (neither paper nor ink).
    const std::size_t nb = static_cast<std::size_t>(bw) * static_cast<std::size_t>(bh);
    std::vector<uint8_t> photo(nb, 0), soft(nb, 0);
    const auto idx = [bw](int bx, int by) { return static_cast<std::size_t>(by) * static_cast<std::size_t>(bw) + static_cast<std::size_t>(bx); };
    for (int by = 0; by < bh; ++by) {
        for (int bx = 0; bx < bw; ++bx) {
            int mid = 0, softs = 0, n = 0;
            for (int y = by * o.block; y < std::min(in.height, (by + 1) * o.block); ++y)
                for (int x = bx * o.block; x < std::min(in.width, (bx + 1) * o.block); ++x) {
                    const uint8_t v = in.at(x, y);
                    mid += (v > o.dark_limit && v < o.light_limit) ? 1 : 0;
                    softs += (v > o.ink_limit && v < o.paper_limit) ? 1 : 0;
                    ++n;
                }
            photo[idx(bx, by)] = mid > o.photo_fraction * n ? 1 : 0;
            soft[idx(bx, by)] = softs > n / 2 ? 1 : 0;
        }
    }
    // 2. A photograph's dark and light areas are soft blocks connected to its mid-tones:
    //    grow the photo regions through them (flood fill), then by one more block so soft
    //    edges are not thresholded.
    std::vector<std::pair<int, int>> todo;
    for (int by = 0; by < bh; ++by)
        for (int bx = 0; bx < bw; ++bx)
            if (photo[idx(bx, by)]) todo.emplace_back(bx, by);
    while (!todo.empty()) {
        const auto [bx, by] = todo.back();
        todo.pop_back();
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                const int x = bx + dx, y = by + dy;
                if (x < 0 || y < 0 || x >= bw || y >= bh || photo[idx(x, y)] || !soft[idx(x, y)]) continue;
                photo[idx(x, y)] = 1;
                todo.emplace_back(x, y);
            }
    }
    std::vector<uint8_t> grown = photo;
    for (int by = 0; by < bh; ++by)
        for (int bx = 0; bx < bw; ++bx) {
            if (!photo[idx(bx, by)]) continue;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    const int x = bx + dx, y = by + dy;
                    if (x >= 0 && y >= 0 && x < bw && y < bh) grown[idx(x, y)] = 1;
                }
        }
    const auto is_photo = [&](int x, int y) {
        return grown[idx(x / o.block, y / o.block)] != 0;
    };

    // 3. Threshold text; diffuse error inside photo regions only (serpentine Floyd-Steinberg).
    std::vector<double> err_cur(static_cast<std::size_t>(in.width) + 2, 0.0), err_next(err_cur.size(), 0.0);
    for (int y = 0; y < in.height; ++y) {
        const bool ltr = (y % 2) == 0;
        std::fill(err_next.begin(), err_next.end(), 0.0);
        for (int i = 0; i < in.width; ++i) {
            const int x = ltr ? i : in.width - 1 - i;
            const std::size_t e = static_cast<std::size_t>(x) + 1;  // err arrays are offset by one
            if (!is_photo(x, y)) {
                out.set(x, y, in.at(x, y) < o.threshold);
                continue;
            }
            const double v = in.at(x, y) + err_cur[e];
            const bool black = v < 128.0;
            out.set(x, y, black);
            const double q = v - (black ? 0.0 : 255.0);
            const std::size_t fwd = ltr ? e + 1 : e - 1, back = ltr ? e - 1 : e + 1;
            err_cur[fwd] += q * 7.0 / 16.0;
            err_next[back] += q * 3.0 / 16.0;
            err_next[e] += q * 5.0 / 16.0;
            err_next[fwd] += q * 1.0 / 16.0;
        }
        std::swap(err_cur, err_next);
    }
    return out;
}

// Text-like bars everywhere (up to the last column), a ramp and a patch of noise each in a
// rectangle of their own (photographic regions bounded across and down), soft lines.
GreyImage test_grey(int w, int h, unsigned seed) {
    GreyImage g = GreyImage::blank(w, h, 204, 196);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            seed = seed * 1103515245u + 12345u;
            uint8_t v = ((y / 7) % 3 == 0 && x % 11 < 8) ? 0 : 255;
            if (x >= w / 3 && x < 2 * w / 3 && y >= h / 4 && y < h / 2)
                v = static_cast<uint8_t>((x * 255) / w + (y % 5));  // ramp
            else if (x >= w / 2 && x < 5 * w / 6 && y >= h / 2 && y < 3 * h / 4)
                v = static_cast<uint8_t>(seed >> 24);  // noise
            else if (y > 3 * h / 4 && x % 37 == 0)
                v = 30;  // soft lines
            g.at(x, y) = v;
        }
    return g;
}

TEST(Binarise, MatchesThePixelByPixelReferenceExactly) {
    for (const auto& [w, h] : {std::pair{1728, 300}, std::pair{203, 77}, std::pair{203, 190}, std::pair{9, 5}, std::pair{1, 1}}) {
        const GreyImage g = test_grey(w, h, static_cast<unsigned>(w * h));
        for (const BinariseOptions& o : {BinariseOptions{}, BinariseOptions{.block = 7, .threshold = 100}}) {
            const Bitmap fast = binarise(g, o), ref = reference_binarise(g, o);
            ASSERT_TRUE(fast.well_formed());
            EXPECT_TRUE(fast == ref) << w << " x " << h << " block " << o.block;
        }
    }
    // A rendered page (text, bar, grey square) too.
    ScratchDir dir;
    const std::string pdf = dir.path("p.pdf");
    write_file(pdf, fax::testing::make_pdf({kPage1}));
    auto grey = render_pdf(pdf);
    ASSERT_TRUE(grey.ok()) << grey.error().to_string();
    EXPECT_TRUE(binarise((*grey)[0]) == reference_binarise((*grey)[0], {}));
}

TEST(Binarise, AViewWithRowPaddingIsTheSameAsTheImage) {
    const GreyImage g = test_grey(203, 77, 5);
    std::vector<uint8_t> padded(static_cast<std::size_t>(213) * 77, 0);
    for (int y = 0; y < 77; ++y)
        for (int x = 0; x < 203; ++x) padded[static_cast<std::size_t>(y) * 213 + static_cast<std::size_t>(x)] = g.at(x, y);
    const Bitmap v = binarise(GreyView{padded.data(), 213, 203, 77, 204, 196});
    EXPECT_TRUE(v == binarise(g));
}

TEST(Resample, AreaAverageKeepsTheMean) {
    GreyImage g = GreyImage::blank(300, 300, 300, 300);
    for (int y = 0; y < 300; ++y)
        for (int x = 0; x < 300; ++x) g.at(x, y) = static_cast<uint8_t>((x + y) % 2 ? 0 : 255);
    const GreyImage r = resample(g, 204, 196, 204, 196);
    ASSERT_TRUE(r.well_formed());
    long sum = 0;
    for (uint8_t v : r.px) sum += v;
    EXPECT_NEAR(static_cast<double>(sum) / static_cast<double>(r.px.size()), 127.5, 2.0);
}

}  // namespace
}  // namespace fax::t30
