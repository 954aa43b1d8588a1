// encode_t6() against libtiff's CCITTFAX4 encoder: the same bytes for every page (the ITU
// charts, pages of every kind of run and width), in both fill orders; and write_fax_tiff(T6),
// which uses it, gives the file libtiff's encoder gives.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fax/t30/t6_encoder.h"
#include "fax/t30/tiff_io.h"
#include "page_test_util.h"

namespace fax::t30 {
namespace {

using test::ScratchDir;

struct TiffClose {
    void operator()(TIFF* t) const { TIFFClose(t); }
};

// The page as libtiff's encoder codes it: one strip, written and read back raw.
std::vector<uint8_t> libtiff_t6(const Bitmap& page, BitOrder order, const std::string& path) {
    {
        std::unique_ptr<TIFF, TiffClose> t(TIFFOpen(path.c_str(), "w"));
        EXPECT_TRUE(t);
        if (!t) return {};
        TIFFSetField(t.get(), TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(page.width));
        TIFFSetField(t.get(), TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(page.height));
        TIFFSetField(t.get(), TIFFTAG_BITSPERSAMPLE, 1);
        TIFFSetField(t.get(), TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(t.get(), TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
        TIFFSetField(t.get(), TIFFTAG_FILLORDER, order == BitOrder::LsbFirst ? FILLORDER_LSB2MSB : FILLORDER_MSB2LSB);
        TIFFSetField(t.get(), TIFFTAG_ROWSPERSTRIP, static_cast<uint32_t>(page.height));
        TIFFSetField(t.get(), TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
        TIFFSetField(t.get(), TIFFTAG_GROUP4OPTIONS, 0);
        std::vector<uint8_t> data = page.bits;
        EXPECT_GE(TIFFWriteEncodedStrip(t.get(), 0, data.data(), static_cast<tmsize_t>(data.size())), 0);
    }
    std::unique_ptr<TIFF, TiffClose> t(TIFFOpen(path.c_str(), "r"));
    EXPECT_TRUE(t);
    if (!t) return {};
    const tmsize_t n = TIFFRawStripSize(t.get(), 0);
    std::vector<uint8_t> raw(static_cast<std::size_t>(n));
    EXPECT_EQ(TIFFReadRawStrip(t.get(), 0, raw.data(), n), n);
    return raw;
}

void expect_libtiffs_bytes(const Bitmap& page, const std::string& what, const std::string& scratch) {
    for (BitOrder order : {BitOrder::MsbFirst, BitOrder::LsbFirst}) {
        const std::vector<uint8_t> ours = encode_t6(page, order);
        const std::vector<uint8_t> theirs = libtiff_t6(page, order, scratch);
        ASSERT_FALSE(theirs.empty()) << what;
        std::size_t first_difference = 0;
        while (first_difference < ours.size() && first_difference < theirs.size() &&
               ours[first_difference] == theirs[first_difference])
            ++first_difference;
        EXPECT_EQ(ours.size(), theirs.size()) << what << (order == BitOrder::LsbFirst ? " (LSB first)" : " (MSB first)");
        EXPECT_EQ(first_difference, theirs.size())
            << what << (order == BitOrder::LsbFirst ? " (LSB first)" : " (MSB first)") << ": bytes differ from "
            << first_difference;
    }
}

// Runs of every length: random lengths drawn from short (1..4: vertical and pass modes),
// medium and long (make-up codes, past 2623 the repeated 2560), per row a fresh mix, so
// that rows differ from the row above in every way.
Bitmap runs_page(int w, int h, unsigned seed) {
    Bitmap b = Bitmap::blank(w, h);
    for (int y = 0; y < h; ++y) {
        int x = 0;
        bool black = (seed >> 3) & 1;
        while (x < w) {
            seed = seed * 1103515245u + 12345u;
            const unsigned r = (seed >> 8) % 100;
            int len = r < 60 ? 1 + static_cast<int>((seed >> 16) % 4)
                             : r < 90 ? 1 + static_cast<int>((seed >> 16) % 200)
                                      : 1 + static_cast<int>((seed >> 16) % 6000);
            len = std::min(len, w - x);
            if (black)
                for (int k = 0; k < len; ++k) b.set(x + k, y, true);
            x += len;
            black = !black;
        }
        // Every few rows, the row above again (V0 throughout) or shifted by one pixel.
        if (y > 0 && (seed >> 20) % 7 == 0) {
            for (int x2 = 0; x2 < w; ++x2) b.set(x2, y, b.get(x2, y - 1));
        } else if (y > 0 && (seed >> 20) % 7 == 1) {
            for (int x2 = 0; x2 < w; ++x2) b.set(x2, y, x2 > 0 && b.get(x2 - 1, y - 1));
        }
    }
    return b;
}

TEST(T6Encoder, TheItuChartsGiveLibtiffsBytes) {
    ScratchDir dir;
    for (int n = 1; n <= 8; ++n) expect_libtiffs_bytes(test::load_itu(n), "chart " + std::to_string(n), dir.path("ref.tif"));
}

TEST(T6Encoder, RunsOfEveryLengthAndWidthGiveLibtiffsBytes) {
    ScratchDir dir;
    for (int w : {1, 7, 8, 9, 63, 64, 65, 127, 1728, 1729, 2000, 2623, 2624, 2625, 5184, 7000}) {
        for (unsigned seed : {1u, 2u, 3u})
            expect_libtiffs_bytes(runs_page(w, 37, seed * 7919u + static_cast<unsigned>(w)),
                                  "runs " + std::to_string(w) + " wide, seed " + std::to_string(seed), dir.path("ref.tif"));
    }
}

TEST(T6Encoder, UniformAndStripedPagesGiveLibtiffsBytes) {
    ScratchDir dir;
    Bitmap white = Bitmap::blank(1728, 20);
    expect_libtiffs_bytes(white, "white", dir.path("ref.tif"));
    Bitmap black = Bitmap::blank(1731, 20);
    for (int y = 0; y < black.height; ++y)
        for (int x = 0; x < black.width; ++x) black.set(x, y, true);
    expect_libtiffs_bytes(black, "black", dir.path("ref.tif"));
    Bitmap one_row = Bitmap::blank(4000, 1);
    one_row.set(0, 0, true);
    one_row.set(3999, 0, true);
    expect_libtiffs_bytes(one_row, "one row, black at both ends", dir.path("ref.tif"));
    Bitmap checker = Bitmap::blank(1728, 64);
    for (int y = 0; y < checker.height; ++y)
        for (int x = 0; x < checker.width; ++x) checker.set(x, y, ((x / (1 + y % 5)) + y) % 2 == 0);
    expect_libtiffs_bytes(checker, "checkers", dir.path("ref.tif"));
}

TEST(T6Encoder, BitsBeyondTheWidthAreIgnored) {
    Bitmap a = runs_page(1001, 40, 5);
    Bitmap b = a;
    for (int y = 0; y < b.height; ++y) b.row(y)[b.stride() - 1] |= static_cast<uint8_t>(~b.last_byte_mask());
    EXPECT_EQ(encode_t6(a, BitOrder::LsbFirst), encode_t6(b, BitOrder::LsbFirst));
}

TEST(T6Encoder, WriteFaxTiffGivesTheFileLibtiffsEncoderGives) {
    // The whole file: tags and strips, as write_fax_tiff wrote it when libtiff encoded it.
    ScratchDir dir;
    std::vector<Bitmap> pages = {test::load_itu(1), runs_page(1728, 300, 9), Bitmap::blank(1728, 10)};
    const std::string ours = dir.path("ours.tif");
    ASSERT_TRUE(write_fax_tiff(ours, pages, TiffCompression::T6).ok());
    auto back = read_tiff(ours);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    ASSERT_EQ(back->size(), pages.size());
    for (std::size_t i = 0; i < pages.size(); ++i) EXPECT_TRUE((*back)[i].bits == pages[i].bits) << "page " << i + 1;
    // The strips are libtiff's bytes in the file's fill order (LSB first).
    std::unique_ptr<TIFF, TiffClose> t(TIFFOpen(ours.c_str(), "r"));
    ASSERT_TRUE(t);
    for (std::size_t i = 0; i < pages.size(); ++i, TIFFReadDirectory(t.get())) {
        const tmsize_t n = TIFFRawStripSize(t.get(), 0);
        std::vector<uint8_t> raw(static_cast<std::size_t>(n));
        ASSERT_EQ(TIFFReadRawStrip(t.get(), 0, raw.data(), n), n);
        EXPECT_TRUE(raw == libtiff_t6(pages[i], BitOrder::LsbFirst, dir.path("ref.tif"))) << "page " << i + 1;
        uint16_t fill = 0;
        ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_FILLORDER, &fill));
        EXPECT_EQ(fill, FILLORDER_LSB2MSB);
    }
}

}  // namespace
}  // namespace fax::t30
