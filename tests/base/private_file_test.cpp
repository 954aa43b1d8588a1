#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "fax/base/private_file.h"

namespace fax {
namespace {

namespace fs = std::filesystem;

class Scratch {
public:
    Scratch() {
        std::string tmpl = (fs::temp_directory_path() / "fax-private-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
        path_ = tmpl;
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// The umask is the process's; the helpers must not depend on it.
class Umask {
public:
    explicit Umask(mode_t m) : old_(::umask(m)) {}
    ~Umask() { ::umask(old_); }

private:
    mode_t old_;
};

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(PrivateDir, MadeWithMode0700AndParentsWhateverTheUmask) {
    Scratch s;
    Umask open_umask(0);
    const auto dir = s.path() / "a" / "b" / "data";
    ASSERT_TRUE(make_private_dir(dir, "data directory").ok());
    EXPECT_EQ(mode_of(dir), 0700u);
    EXPECT_EQ(mode_of(s.path() / "a"), 0700u);
    EXPECT_EQ(mode_of(s.path() / "a" / "b"), 0700u);
    // Again: an existing private directory is fine.
    EXPECT_TRUE(make_private_dir(dir, "data directory").ok());
    EXPECT_TRUE(check_private_dir(dir, "data directory").ok());
}

TEST(PrivateDir, AnExistingDirectoryOpenToOthersIsRefusedNotChanged) {
    Scratch s;
    const auto dir = s.path() / "data";
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(dir.c_str(), 0750), 0);
    for (auto* f : {&make_private_dir, &check_private_dir}) {
        auto st = f(dir, "data directory");
        ASSERT_FALSE(st.ok());
        EXPECT_EQ(st.error().code, Errc::InvalidInput);
        EXPECT_NE(st.error().message.find("data directory " + dir.string()), std::string::npos) << st.error().message;
        EXPECT_NE(st.error().message.find("mode 0750"), std::string::npos) << st.error().message;
        EXPECT_NE(st.error().message.find("chmod 0700 " + dir.string()), std::string::npos) << st.error().message;
    }
    EXPECT_EQ(mode_of(dir), 0750u);
}

TEST(PrivateDir, ASymbolicLinkIsRefusedNotFollowed) {
    Scratch s;
    const auto real = s.path() / "real";
    ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
    const auto link = s.path() / "data";
    fs::create_directory_symlink(real, link);
    for (const auto& p : {link, fs::path(link.string() + "/")}) {
        for (auto* f : {&make_private_dir, &check_private_dir}) {
            auto st = f(p, "data directory");
            ASSERT_FALSE(st.ok()) << p;
            EXPECT_EQ(st.error().code, Errc::InvalidInput);
            EXPECT_NE(st.error().message.find("symbolic link"), std::string::npos) << st.error().message;
        }
    }
}

TEST(PrivateDir, AbsentIsNotFoundForCheck) {
    Scratch s;
    auto st = check_private_dir(s.path() / "none", "spool directory");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::NotFound);
}

TEST(PrivateDir, AnotherUsersDirectoryIsRefused) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user (CI runs as root)";
    Scratch s;
    const auto dir = s.path() / "data";
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
    auto st = make_private_dir(dir, "data directory");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::InvalidInput);
    EXPECT_NE(st.error().message.find("owned by uid 65534"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("chown"), std::string::npos) << st.error().message;
}

TEST(PrivateFile, TemporaryIs0600WhateverTheUmaskAndAppearsOnlyOnCommit) {
    Scratch s;
    Umask open_umask(0);
    auto f = PrivateFile::create(s.path(), "report.pdf");
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    EXPECT_EQ(f->temp_path().parent_path(), s.path());
    EXPECT_EQ(mode_of(f->temp_path()), 0600u);
    EXPECT_FALSE(fs::exists(s.path() / "report.pdf"));
    ASSERT_TRUE(f->write_all("content").ok());
    ASSERT_TRUE(f->commit().ok());
    EXPECT_EQ(mode_of(s.path() / "report.pdf"), 0600u);
    EXPECT_EQ(slurp(s.path() / "report.pdf"), "content");
    EXPECT_FALSE(fs::exists(f->temp_path()));
}

TEST(PrivateFile, NotCommittedLeavesNothing) {
    Scratch s;
    {
        auto f = PrivateFile::create(s.path(), "x.tif");
        ASSERT_TRUE(f.ok());
        ASSERT_TRUE(f->write_all("half").ok());
    }
    EXPECT_TRUE(fs::is_empty(s.path()));
}

// A link planted at the final name is replaced, never written through; the file it
// points to keeps its content and mode.
TEST(PrivateFile, ALinkAtTheFinalNameIsReplacedNotFollowed) {
    Scratch s;
    const auto victim = s.path() / "victim";
    std::ofstream(victim) << "keep me";
    ASSERT_EQ(::chmod(victim.c_str(), 0644), 0);
    fs::create_symlink(victim, s.path() / "out.csv");
    ASSERT_TRUE(write_private_file(s.path() / "out.csv", "secret").ok());
    EXPECT_EQ(slurp(victim), "keep me");
    EXPECT_EQ(mode_of(victim), 0644u);
    EXPECT_FALSE(fs::is_symlink(s.path() / "out.csv"));
    EXPECT_EQ(mode_of(s.path() / "out.csv"), 0600u);
    EXPECT_EQ(slurp(s.path() / "out.csv"), "secret");
}

// An existing file at the final name is replaced by a new 0600 file, not rewritten in
// place with whatever mode it had.
TEST(PrivateFile, AnExistingFileIsReplacedWithMode0600) {
    Scratch s;
    const auto target = s.path() / "out.csv";
    std::ofstream(target) << "old";
    ASSERT_EQ(::chmod(target.c_str(), 0644), 0);
    ASSERT_TRUE(write_private_file(target, "new").ok());
    EXPECT_EQ(mode_of(target), 0600u);
    EXPECT_EQ(slurp(target), "new");
}

TEST(PrivateFile, RefusesANameWithADirectoryPart) {
    Scratch s;
    EXPECT_FALSE(PrivateFile::create(s.path(), "../x").ok());
    EXPECT_FALSE(PrivateFile::create(s.path(), "").ok());
}

}  // namespace
}  // namespace fax
