#include "tiff_fixture.h"

#include <tiffio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

namespace fax::sim::test {

namespace {
struct TiffClose {
    void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffClose>;
}  // namespace

bool write_fax_tiff(const std::string& path, const Bilevel& image, TiffCoding coding) {
    TiffPtr t(TIFFOpen(path.c_str(), "w"));
    if (!t) return false;
    TIFF* tif = t.get();
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(image.width));
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(image.height));
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, 204.0f);
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, 196.0f);
    TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, static_cast<uint32_t>(image.height));
    TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(tif, TIFFTAG_PAGENUMBER, 0, 1);
    switch (coding) {
    case TiffCoding::Uncompressed:
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
        break;
    case TiffCoding::G3_1D:
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
        TIFFSetField(tif, TIFFTAG_GROUP3OPTIONS, 0);
        break;
    case TiffCoding::G4:
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
        break;
    }
    // Write the directory before the data (some readers stream the strip to EOF).
    if (!TIFFCheckpointDirectory(tif)) return false;
    std::vector<uint8_t> row(image.stride());
    for (int y = 0; y < image.height; ++y) {
        std::copy_n(image.bits.begin() + static_cast<std::ptrdiff_t>(image.stride() * static_cast<std::size_t>(y)),
                    image.stride(), row.begin());
        if (TIFFWriteScanline(tif, row.data(), static_cast<uint32_t>(y), 0) < 0) return false;
    }
    return TIFFWriteDirectory(tif) != 0;
}

std::optional<Bilevel> read_tiff_page(const std::string& path, int page) {
    TiffPtr t(TIFFOpen(path.c_str(), "r"));
    if (!t) return std::nullopt;
    TIFF* tif = t.get();
    if (!TIFFSetDirectory(tif, static_cast<tdir_t>(page))) return std::nullopt;
    uint32_t w = 0, h = 0;
    uint16_t bps = 0, spp = 1, photometric = PHOTOMETRIC_MINISWHITE;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    if (bps != 1 || spp != 1 || w == 0) return std::nullopt;
    Bilevel b;
    b.width = static_cast<int>(w);
    b.height = static_cast<int>(h);
    b.bits.assign(b.stride() * h, 0);
    const auto scan = static_cast<std::size_t>(TIFFScanlineSize(tif));
    std::vector<uint8_t> row(std::max(scan, b.stride()));
    for (uint32_t y = 0; y < h; ++y) {
        if (TIFFReadScanline(tif, row.data(), y, 0) < 0) return std::nullopt;
        uint8_t* dst = b.bits.data() + b.stride() * y;
        for (std::size_t i = 0; i < b.stride(); ++i)
            dst[i] = photometric == PHOTOMETRIC_MINISBLACK ? static_cast<uint8_t>(~row[i]) : row[i];
        if (const int extra = b.width % 8; extra != 0) dst[b.stride() - 1] &= static_cast<uint8_t>(0xff << (8 - extra));
    }
    return b;
}

int tiff_page_count(const std::string& path) {
    TiffPtr t(TIFFOpen(path.c_str(), "r"));
    if (!t) return 0;
    return static_cast<int>(TIFFNumberOfDirectories(t.get()));
}

TempDir::TempDir(const std::string& name) {
    path_ = std::string(FAX_BINARY_DIR) + "/test-tmp/" + name + "-" + std::to_string(::getpid());
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    std::filesystem::create_directories(path_, ec);
}

TempDir::~TempDir() {
    std::error_code ec;
    if (std::getenv("FAX_KEEP_TEST_FILES") == nullptr) std::filesystem::remove_all(path_, ec);
}

}  // namespace fax::sim::test
