// Document input: PDF rendered at fax resolution, continuous-tone TIFF resampled and made
// bilevel (text sharp, photographs dithered), refusals for encrypted and damaged files.
#include "fax/t30/document_reader.h"

#include <gtest/gtest.h>
#include <tiffio.h>

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
    if (std::system("command -v qpdf >/dev/null 2>&1") != 0) GTEST_SKIP() << "qpdf (scripts/setup.sh) not installed";
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
    auto b = read_document(test::itu_chart(1));
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
