// Test images: the ITU-T T.24 charts (testdata/itu/, G4 TIFF) read and written as fax
// TIFFs with libtiff, and TIFF pages read back to bits for pixel comparison. Kept here
// so these tests depend on nothing but libtiff.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fax::sim::test {

// 1 bit per pixel, rows MSB-first, 1 = black, stride = (width + 7) / 8.
struct Bilevel {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> bits;
    std::size_t stride() const { return static_cast<std::size_t>((width + 7) / 8); }
};

enum class TiffCoding { Uncompressed, G3_1D, G4 };
// One page, 204 x 196 dpi (ResolutionUnit inch), MINISWHITE, image directory first.
bool write_fax_tiff(const std::string& path, const Bilevel& image, TiffCoding coding);

std::optional<Bilevel> read_tiff_page(const std::string& path, int page = 0);
int tiff_page_count(const std::string& path);

// A directory under the build tree, emptied at construction, removed at destruction.
class TempDir {
public:
    explicit TempDir(const std::string& name);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

}  // namespace fax::sim::test
