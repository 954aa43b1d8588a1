#include "fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "fax/base/sha256.h"
#include "fax/t30/pbm.h"

namespace fax::testing {

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "faxtest-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (std::getenv("FAX_KEEP_TEST_FILES") == nullptr) std::filesystem::remove_all(path_, ec);
}

t30::Bitmap itu_chart(int n) {
    auto b = t30::read_pbm(std::string(FAX_ITU_DIR) + "/itu" + std::to_string(n) + ".pbm", 204.0, 196.0);
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().to_string());
    return b.ok() ? std::move(b).value() : t30::Bitmap{};
}

std::string write_charts(const TempDir& dir, const std::vector<int>& charts, const std::string& name,
                         t30::TiffCompression c) {
    std::vector<t30::Bitmap> pages;
    for (int n : charts) pages.push_back(itu_chart(n));
    const std::string path = dir.file(name);
    auto s = t30::write_fax_tiff(path, pages, c);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    return path;
}

}  // namespace fax::testing

// Temporary: until the release gate lands, the test builds releases itself.
namespace fax::gate {
class ReleaseGate {
public:
    static ClearedRelease make(const std::string& tiff, const std::string& number, std::optional<std::string> csi,
                               int pages) {
        ClearedRelease r;
        r.valid_ = true;
        r.job_id_ = "test-job";
        r.rule_id_ = "TEST";
        r.dial_number_ = number;
        r.expected_csi_ = std::move(csi);
        r.tiff_path_ = tiff;
        r.page_count_ = pages;
        r.content_sha256_ = *sha256_file_hex(tiff);
        return r;
    }
};
}  // namespace fax::gate

namespace fax::testing {
gate::ClearedRelease clear_for_test(const TempDir&, const std::string& tiff_path, const std::string& number,
                                    const std::optional<std::string>& expected_csi) {
    auto pages = t30::read_tiff(tiff_path);
    return gate::ReleaseGate::make(tiff_path, number, expected_csi, pages.ok() ? static_cast<int>(pages->size()) : 0);
}
}  // namespace fax::testing
