#include "fax/t30/tiff_io.h"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <cstdio>
#include <fstream>

#include "fax/t30/page_prep.h"
#include "page_test_util.h"

namespace fax::t30 {
namespace {

using test::ScratchDir;

const char* name_of(TiffCompression c) {
    switch (c) {
    case TiffCompression::None: return "none";
    case TiffCompression::T4_1D: return "MH";
    case TiffCompression::T4_2D: return "MR";
    case TiffCompression::T6: return "MMR";
    }
    return "?";
}

constexpr TiffCompression kAll[] = {TiffCompression::None, TiffCompression::T4_1D, TiffCompression::T4_2D,
                                    TiffCompression::T6};

TEST(TiffTest, EveryItuChartRoundTripsInEveryCompression) {
    ScratchDir dir;
    for (int n = 1; n <= 8; ++n) {
        const Bitmap chart = test::load_itu(n);
        for (TiffCompression c : kAll) {
            SCOPED_TRACE("itu" + std::to_string(n) + " " + name_of(c));
            const std::string path = dir.path("chart.tif");
            ASSERT_TRUE(write_fax_tiff(path, {chart}, c).ok());
            auto back = read_tiff(path);
            ASSERT_TRUE(back.ok()) << back.error().to_string();
            ASSERT_EQ(back->size(), 1u);
            EXPECT_EQ(back->front(), chart);  // pixels, geometry and resolution
        }
    }
}

TEST(TiffTest, MultipageRoundTripWithPageNumbersAndFaxTags) {
    ScratchDir dir;
    std::vector<Bitmap> pages = {test::load_itu(1), test::load_itu(2), test::load_itu(3)};
    pages[1].yres_dpi = 98.0;
    for (TiffCompression c : kAll) {
        SCOPED_TRACE(name_of(c));
        const std::string path = dir.path("multi.tif");
        ASSERT_TRUE(write_fax_tiff(path, pages, c).ok());
        auto back = read_tiff(path);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        ASSERT_EQ(back->size(), 3u);
        for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ((*back)[i], pages[i]) << "page " << i + 1;

        // The tags SpanDSP's t4_tx and efax look at, page by page ("c": no strip chopping).
        test::TiffPtr t(TIFFOpen(path.c_str(), "rc"));
        ASSERT_TRUE(t);
        uint64_t previous_end = 0;
        for (uint16_t i = 0; i < 3; ++i) {
            if (i > 0) {
                ASSERT_TRUE(TIFFReadDirectory(t.get()));
            }
            uint16_t pg = 99, total = 99, photometric = 0, fill = 0, unit = 0;
            uint32_t subfile = 0;
            float xr = 0, yr = 0;
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_PAGENUMBER, &pg, &total));
            EXPECT_EQ(pg, i);
            EXPECT_EQ(total, 3);
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_SUBFILETYPE, &subfile));
            EXPECT_EQ(subfile, static_cast<uint32_t>(FILETYPE_PAGE));
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_PHOTOMETRIC, &photometric));
            EXPECT_EQ(photometric, PHOTOMETRIC_MINISWHITE);
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_FILLORDER, &fill));
            EXPECT_EQ(fill, FILLORDER_LSB2MSB);
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_RESOLUTIONUNIT, &unit));
            EXPECT_EQ(unit, RESUNIT_INCH);
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_XRESOLUTION, &xr));
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_YRESOLUTION, &yr));
            EXPECT_EQ(xr, 204.0f);
            EXPECT_EQ(yr, i == 1 ? 98.0f : 196.0f);
            EXPECT_EQ(TIFFNumberOfStrips(t.get()), 1u);
            if (c == TiffCompression::T4_1D || c == TiffCompression::T4_2D) {
                uint32_t opts = 0;
                ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_GROUP3OPTIONS, &opts));
                EXPECT_EQ((opts & GROUP3OPT_2DENCODING) != 0, c == TiffCompression::T4_2D);
            }
            // Directory first, then its strip, then the next page's directory.
            uint64_t* offsets = nullptr;
            uint64_t* counts = nullptr;
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_STRIPOFFSETS, &offsets));
            ASSERT_TRUE(TIFFGetField(t.get(), TIFFTAG_STRIPBYTECOUNTS, &counts));
            const uint64_t diroff = TIFFCurrentDirOffset(t.get());
            EXPECT_GE(diroff, previous_end);
            EXPECT_GT(offsets[0], diroff);
            previous_end = offsets[0] + counts[0];
        }
        EXPECT_FALSE(TIFFReadDirectory(t.get()));
    }
}

// A MINISBLACK page stores 1 = white; it must come back as 1 = black.
TEST(TiffTest, ReadsMinIsBlackUncompressedAndG4) {
    ScratchDir dir;
    const Bitmap page = test::pattern_page(1728, 300, 204, 196);
    for (uint16_t compression : {uint16_t{COMPRESSION_NONE}, uint16_t{COMPRESSION_CCITTFAX4}}) {
        SCOPED_TRACE(compression);
        const std::string path = dir.path("minisblack.tif");
        test::write_raw_tiff(path,
                             {[&](TIFF* t) {
                                 TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 1728);
                                 TIFFSetField(t, TIFFTAG_IMAGELENGTH, 300);
                                 TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
                                 TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
                                 TIFFSetField(t, TIFFTAG_COMPRESSION, compression);
                                 TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
                                 TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 64);
                                 TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0);
                                 TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0);
                                 TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
                             }},
                             {test::rows_of(page, /*invert=*/true)});
        auto back = read_tiff(path);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        ASSERT_EQ(back->size(), 1u);
        EXPECT_EQ(back->front(), page);
    }
}

TEST(TiffTest, ReadsLsb2MsbFillOrder) {
    ScratchDir dir;
    const Bitmap page = test::pattern_page(1728, 120, 204, 196);
    const std::string path = dir.path("lsb.tif");
    test::write_raw_tiff(path,
                         {[](TIFF* t) {
                             TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 1728);
                             TIFFSetField(t, TIFFTAG_IMAGELENGTH, 120);
                             TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
                             TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
                             TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
                             TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
                             TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 120);
                             TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0);
                             TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0);
                         }},
                         {test::rows_of(page)});
    // The bytes on disk really are bit-reversed.
    {
        test::TiffPtr t(TIFFOpen(path.c_str(), "r"));
        ASSERT_TRUE(t);
        std::vector<uint8_t> raw(static_cast<std::size_t>(TIFFRawStripSize(t.get(), 0)));
        ASSERT_GT(TIFFReadRawStrip(t.get(), 0, raw.data(), static_cast<tmsize_t>(raw.size())), 0);
        const uint8_t first = page.row(0)[0];  // 0xff (top frame line)
        const uint8_t second_row_first = page.row(1)[0];  // 0x80 (left frame line)
        EXPECT_EQ(raw[0], first);
        EXPECT_EQ(raw[page.stride()], 0x01);
        EXPECT_EQ(second_row_first, 0x80);
    }
    auto back = read_tiff(path);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->front(), page);
}

TEST(TiffTest, ReadsTiledLzwAndMultiStripPackbitsDeflateInCentimetres) {
    ScratchDir dir;
    const Bitmap page = test::pattern_page(1000, 333, 200, 200);
    struct Case {
        uint16_t compression;
        bool tiled;
    };
    for (Case k : {Case{COMPRESSION_LZW, true}, Case{COMPRESSION_PACKBITS, false}, Case{COMPRESSION_ADOBE_DEFLATE, false}}) {
        SCOPED_TRACE(k.compression);
        const std::string path = dir.path("x.tif");
        {
            test::TiffPtr t(TIFFOpen(path.c_str(), "w"));
            ASSERT_TRUE(t);
            TIFFSetField(t.get(), TIFFTAG_IMAGEWIDTH, 1000);
            TIFFSetField(t.get(), TIFFTAG_IMAGELENGTH, 333);
            TIFFSetField(t.get(), TIFFTAG_BITSPERSAMPLE, 1);
            TIFFSetField(t.get(), TIFFTAG_COMPRESSION, k.compression);
            TIFFSetField(t.get(), TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
            TIFFSetField(t.get(), TIFFTAG_XRESOLUTION, 200.0 / 2.54);
            TIFFSetField(t.get(), TIFFTAG_YRESOLUTION, 200.0 / 2.54);
            TIFFSetField(t.get(), TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
            if (k.tiled) {
                TIFFSetField(t.get(), TIFFTAG_TILEWIDTH, 256);
                TIFFSetField(t.get(), TIFFTAG_TILELENGTH, 128);
                std::vector<uint8_t> tile(static_cast<std::size_t>(TIFFTileSize(t.get())));
                for (int ty = 0; ty < 333; ty += 128) {
                    for (int tx = 0; tx < 1000; tx += 256) {
                        std::fill(tile.begin(), tile.end(), 0);
                        for (int r = 0; r < 128 && ty + r < 333; ++r)
                            for (int x = 0; x < 256 && tx + x < 1000; ++x)
                                if (page.get(tx + x, ty + r))
                                    tile[static_cast<std::size_t>(r) * 32 + static_cast<std::size_t>(x / 8)] |=
                                        static_cast<uint8_t>(0x80u >> (x & 7));
                        ASSERT_GE(TIFFWriteTile(t.get(), tile.data(), static_cast<uint32_t>(tx),
                                                static_cast<uint32_t>(ty), 0, 0),
                                  0);
                    }
                }
            } else {
                TIFFSetField(t.get(), TIFFTAG_ROWSPERSTRIP, 50);
                for (int y = 0; y < 333; ++y) {
                    std::vector<uint8_t> row(page.row(y), page.row(y) + page.stride());
                    ASSERT_EQ(TIFFWriteScanline(t.get(), row.data(), static_cast<uint32_t>(y), 0), 1);
                }
            }
        }
        auto back = read_tiff(path);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        ASSERT_EQ(back->size(), 1u);
        const Bitmap& b = back->front();
        EXPECT_TRUE(b.resolution_known);
        EXPECT_NEAR(b.xres_dpi, 200.0, 0.01);
        EXPECT_NEAR(b.yres_dpi, 200.0, 0.01);
        EXPECT_EQ(b.bits, page.bits);
        EXPECT_EQ(b.width, 1000);
        EXPECT_EQ(b.height, 333);
    }
}

TEST(TiffTest, MissingResolutionIsFlagged) {
    ScratchDir dir;
    const Bitmap page = test::pattern_page(1728, 50, 204, 196);
    const std::string path = dir.path("nores.tif");
    test::write_raw_tiff(path,
                         {[](TIFF* t) {
                             TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 1728);
                             TIFFSetField(t, TIFFTAG_IMAGELENGTH, 50);
                             TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
                             TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
                             TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
                         }},
                         {test::rows_of(page)});
    auto back = read_tiff(path);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_FALSE(back->front().resolution_known);
    EXPECT_EQ(back->front().bits, page.bits);
}

TEST(TiffTest, GreyscalePageIsInvalidInputNamingFileAndPage) {
    ScratchDir dir;
    const Bitmap page = test::pattern_page(1728, 40, 204, 196);
    const std::string path = dir.path("grey.tif");
    std::vector<std::vector<uint8_t>> grey_rows(40, std::vector<uint8_t>(64, 0x80));
    test::write_raw_tiff(path,
                         {[](TIFF* t) {
                              TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 1728);
                              TIFFSetField(t, TIFFTAG_IMAGELENGTH, 40);
                              TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
                              TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
                              TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0);
                              TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0);
                          },
                          [](TIFF* t) {
                              TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 64);
                              TIFFSetField(t, TIFFTAG_IMAGELENGTH, 40);
                              TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
                              TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
                              TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
                          }},
                         {test::rows_of(page), grey_rows});
    auto r = read_tiff(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);
    EXPECT_EQ(r.error().message, path + ": page 2: 8-bit greyscale is not a bilevel image");
}

TEST(TiffTest, RgbPageIsInvalidInput) {
    ScratchDir dir;
    const std::string path = dir.path("rgb.tif");
    std::vector<std::vector<uint8_t>> rows(8, std::vector<uint8_t>(3 * 16, 0x80));
    test::write_raw_tiff(path,
                         {[](TIFF* t) {
                             TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 16);
                             TIFFSetField(t, TIFFTAG_IMAGELENGTH, 8);
                             TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
                             TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 3);
                             TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
                             TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
                         }},
                         {rows});
    auto r = read_tiff(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);
    EXPECT_EQ(r.error().message, path + ": page 1: 24-bit RGB colour is not a bilevel image");
}

// Broken files fail with the file's name and libtiff's reason, and nothing reaches stderr.
TEST(TiffTest, TruncatedAndGarbageFilesAreInvalidInputWithoutStderrNoise) {
    ScratchDir dir;
    const std::string good = dir.path("good.tif");
    ASSERT_TRUE(write_fax_tiff(good, {test::load_itu(1), test::load_itu(2)}, TiffCompression::T4_1D).ok());
    std::string bytes;
    {
        std::ifstream in(good, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    ASSERT_GT(bytes.size(), 2000u);
    struct Case {
        std::string name;
        std::string content;
    };
    std::vector<Case> cases = {
        {"header_only.tif", bytes.substr(0, 6)},
        {"first_dir_cut.tif", bytes.substr(0, 60)},
        {"first_strip_cut.tif", bytes.substr(0, 2000)},
        {"second_page_cut.tif", bytes.substr(0, bytes.size() - 3000)},
        {"garbage.tif", "II*\0garbage garbage garbage garbage garbage"},
        {"not_tiff.tif", "this is just some text, not an image at all"},
        {"empty.tif", ""},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.name);
        const std::string path = dir.path(k.name);
        {
            std::ofstream out(path, std::ios::binary);
            out.write(k.content.data(), static_cast<std::streamsize>(k.content.size()));
        }
        ::testing::internal::CaptureStderr();
        auto r = read_tiff(path);
        const std::string err = ::testing::internal::GetCapturedStderr();
        EXPECT_EQ(err, "");
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, Errc::InvalidInput);
        EXPECT_EQ(r.error().message.rfind(path + ": ", 0), 0u) << r.error().message;
        EXPECT_LT(r.error().message.size(), 1000u);
    }
}

// Damaged compressed data is refused, not sent with garbled rows (libtiff's fax decoder only
// warns about most of it).
TEST(TiffTest, DamagedCompressedDataIsInvalidInput) {
    ScratchDir dir;
    for (TiffCompression c : {TiffCompression::T4_1D, TiffCompression::T4_2D, TiffCompression::T6}) {
        SCOPED_TRACE(name_of(c));
        const std::string path = dir.path("damaged.tif");
        ASSERT_TRUE(write_fax_tiff(path, {test::load_itu(1), test::load_itu(2)}, c).ok());
        std::string bytes;
        {
            std::ifstream in(path, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        // Page 1's strip starts right after its directory (well below offset 400).
        for (std::size_t i = 0; i < 64; ++i) bytes[5000 + i] = static_cast<char>(0xa5 ^ i);
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        }
        ::testing::internal::CaptureStderr();
        auto r = read_tiff(path);
        EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, Errc::InvalidInput);
        EXPECT_EQ(r.error().message.rfind(path + ": page 1: ", 0), 0u) << r.error().message;
        EXPECT_NE(r.error().message.find("Decode"), std::string::npos) << r.error().message;
    }
}

TEST(TiffTest, MissingFileIsNotFound) {
    ::testing::internal::CaptureStderr();
    auto r = read_tiff("/nonexistent/dir/x.tif");
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::NotFound);
}

TEST(TiffTest, WriteRefusesPagesWithoutResolutionAndUnwritablePaths) {
    ScratchDir dir;
    Bitmap page = test::load_itu(1);
    page.resolution_known = false;
    auto s = write_fax_tiff(dir.path("x.tif"), {page});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::InvalidArgument);
    EXPECT_NE(s.error().message.find("page 1"), std::string::npos);

    EXPECT_EQ(write_fax_tiff(dir.path("x.tif"), {}).error().code, Errc::InvalidArgument);

    ::testing::internal::CaptureStderr();
    auto w = write_fax_tiff("/nonexistent/dir/x.tif", {test::load_itu(1)});
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, Errc::Io);
    EXPECT_NE(w.error().message.find("/nonexistent/dir/x.tif"), std::string::npos);
}

// External readers: libtiff's tiffinfo must not complain, and efax's own TIFF reader (efix)
// must see the same pixels in the MH file.
TEST(TiffTest, TiffinfoAndEfixReadTheOutput) {
    if (auto why = fax::testing::missing_peer("/usr/bin/efix", "efax")) GTEST_SKIP() << *why;
    ScratchDir dir;
    const std::vector<Bitmap> pages = {test::load_itu(1), test::load_itu(4)};
    const std::string path = dir.path("doc.tif");
    ASSERT_TRUE(write_fax_tiff(path, pages, TiffCompression::T4_1D).ok());
    const std::string info_err = dir.path("tiffinfo.err");
    ASSERT_EQ(std::system(("tiffinfo -D " + path + " >/dev/null 2>" + info_err).c_str()), 0);
    {
        std::ifstream e(info_err);
        std::string text((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
        EXPECT_EQ(text, "");
    }
    const std::string pattern = dir.path("efix%d.pbm");
    ASSERT_EQ(std::system(("efix -v '' -o pbm -n " + pattern + " " + path + " >/dev/null 2>&1").c_str()), 0);
    for (std::size_t i = 0; i < pages.size(); ++i) {
        SCOPED_TRACE("page " + std::to_string(i + 1));
        auto got = read_pbm(dir.path("efix" + std::to_string(i + 1) + ".pbm"));
        ASSERT_TRUE(got.ok()) << got.error().to_string();
        EXPECT_EQ(got->width, pages[i].width);
        EXPECT_EQ(got->height, pages[i].height);
        EXPECT_EQ(got->bits, pages[i].bits);
    }
}

}  // namespace
}  // namespace fax::t30
