// Test support: a release-of-information desk in memory. It clears documents through
// the real fax::gate::ReleaseGate — an in-memory directory and audit log, a directory
// entry verified the production way (a delivered test fax, then a telephone
// confirmation) and a ReleaseRequest — so the tests never construct a ClearedRelease
// any other way.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/driver/cleared_release.h"
#include "fax/t30/bitmap.h"

namespace fax::class2test {

class ReleaseDesk {
public:
    // Databases in memory; the gate's spool (the cleared TIFFs) under `work_dir`.
    static Result<std::unique_ptr<ReleaseDesk>> create(const std::filesystem::path& work_dir);
    ~ReleaseDesk();

    // Adds a KP provider entry for `fax` (expected CSI optional), verifies it, and clears
    // all `pages` of `document` for treatment. The release's dial_number() is the number
    // the simulated recipient must be reachable at; its TIFF is the cover then the pages.
    Result<gate::ClearedRelease> clear(const std::string& document, int pages, const std::string& fax,
                                       const std::optional<std::string>& expected_csi);

    class Impl;

private:
    explicit ReleaseDesk(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// A fresh directory under the system temp dir, removed at destruction (unless
// FAX_KEEP_TEST_FILES is set).
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

// ITU-T T.24 chart n (1..8) at 204 x 196 dpi.
Result<t30::Bitmap> itu_chart(int n);
// The charts as one multi-page fax TIFF at `path`.
Status write_charts(const std::string& path, const std::vector<int>& charts);

}  // namespace fax::class2test
