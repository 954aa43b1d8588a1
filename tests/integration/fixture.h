// Shared set-up for the end-to-end tests: ITU charts as fax TIFFs, a simulated
// line, and releases for the transmit path.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fax/driver/cleared_release.h"
#include "fax/t30/bitmap.h"
#include "fax/t30/tiff_io.h"

namespace fax::testing {

// A fresh temporary directory, removed on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// ITU-T T.24 chart n (1..8) at 204x196 dpi.
t30::Bitmap itu_chart(int n);
// Writes the given charts as one multi-page fax TIFF.
std::string write_charts(const TempDir& dir, const std::vector<int>& charts, const std::string& name,
                         t30::TiffCompression c = t30::TiffCompression::T4_1D);

// Clears a document for transmission to `number` the way production does: through
// the release gate, with a verified directory entry for that number.
gate::ClearedRelease clear_for_test(const TempDir& dir, const std::string& tiff_path, const std::string& number,
                                    const std::optional<std::string>& expected_csi = std::nullopt);

}  // namespace fax::testing
