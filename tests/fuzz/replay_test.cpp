// Replays every input kept under tests/fuzz/corpus/<target>/ (seeds and former crashes)
// through its target in the ordinary test build, so fuzz findings stay fixed.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace fax::fuzz {

namespace {
std::map<std::string, TargetFn>& registry() {
    static std::map<std::string, TargetFn> r;
    return r;
}
}  // namespace

bool register_target(std::string_view name, TargetFn fn) {
    registry().emplace(std::string(name), fn);
    return true;
}

namespace {

const std::filesystem::path kCorpus = std::filesystem::path(FAX_SOURCE_DIR) / "tests/fuzz/corpus";

TEST(FuzzCorpus, EveryTargetHasSeeds) {
    ASSERT_FALSE(registry().empty());
    for (const auto& [name, fn] : registry()) {
        const auto dir = kCorpus / name;
        ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
        EXPECT_FALSE(std::filesystem::is_empty(dir)) << dir;
    }
}

TEST(FuzzCorpus, ReplaysEveryKeptInput) {
    int replayed = 0;
    for (const auto& [name, fn] : registry()) {
        for (const auto& entry : std::filesystem::directory_iterator(kCorpus / name)) {
            std::ifstream f(entry.path(), std::ios::binary);
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            // A violated property aborts the binary; this line then names the input.
            std::fprintf(stderr, "replaying %s\n", entry.path().c_str());
            fn(bytes);
            ++replayed;
        }
    }
    EXPECT_GT(replayed, 0);
}

}  // namespace
}  // namespace fax::fuzz
