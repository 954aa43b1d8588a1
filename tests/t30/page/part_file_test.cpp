// PartFile: a received document is created private (0600) under <path>.part, whatever the
// umask, never through a symbolic link, and only a commit gives it its final name.
#include "fax/t30/part_file.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "page_test_util.h"

namespace fax::t30 {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;

class Umask {
public:
    explicit Umask(mode_t m) : old_(::umask(m)) {}
    ~Umask() { ::umask(old_); }

private:
    mode_t old_;
};

std::optional<mode_t> mode_of(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
    return st.st_mode & 07777;
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(PartFile, IsCreatedPrivateUnderAUsualUmask) {
    Umask u(022);
    ScratchDir dir;
    auto p = PartFile::create(dir.path("rx.tif"));
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(p->part_path(), dir.path("rx.tif.part"));
    EXPECT_EQ(mode_of(p->part_path()), std::optional<mode_t>(0600));
    EXPECT_FALSE(fs::exists(dir.path("rx.tif")));
}

TEST(PartFile, IsWritableByItsOwnerEvenUnderAUmaskThatForbidsIt) {
    Umask u(0277);
    ScratchDir dir;
    auto p = PartFile::create(dir.path("rx.tif"));
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(mode_of(p->part_path()), std::optional<mode_t>(0600));
}

TEST(PartFile, AWriterThatOpensItByNameKeepsItPrivate) {
    Umask u(022);
    ScratchDir dir;
    auto p = PartFile::create(dir.path("rx.tif"));
    ASSERT_TRUE(p.ok());
    // As libtiff's TIFFOpen(name, "w") does.
    const int fd = ::open(p->part_path().c_str(), O_RDWR | O_CREAT | O_TRUNC, 0666);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "II*\0", 4), 4);
    ::close(fd);
    EXPECT_EQ(mode_of(p->part_path()), std::optional<mode_t>(0600));
}

TEST(PartFile, CommitRenamesItToTheFinalName) {
    Umask u(022);
    ScratchDir dir;
    const std::string final_path = dir.path("rx.tif");
    write_text(final_path, "an older fax");
    auto p = PartFile::create(final_path);
    ASSERT_TRUE(p.ok());
    write_text(p->part_path(), "the pages");
    ASSERT_TRUE(p->commit().ok());
    EXPECT_TRUE(p->committed());
    EXPECT_FALSE(fs::exists(final_path + ".part"));
    EXPECT_EQ(read_text(final_path), "the pages");
    EXPECT_EQ(mode_of(final_path), std::optional<mode_t>(0600));
    EXPECT_TRUE(p->commit().ok()) << "a second commit changes nothing";
}

TEST(PartFile, WithoutACommitNothingIsLeft) {
    ScratchDir dir;
    {
        auto p = PartFile::create(dir.path("rx.tif"));
        ASSERT_TRUE(p.ok());
        EXPECT_TRUE(fs::exists(dir.path("rx.tif.part")));
    }
    EXPECT_FALSE(fs::exists(dir.path("rx.tif.part")));
    EXPECT_FALSE(fs::exists(dir.path("rx.tif")));
    auto q = PartFile::create(dir.path("rx.tif"));
    ASSERT_TRUE(q.ok());
    q->discard();
    EXPECT_FALSE(fs::exists(dir.path("rx.tif.part")));
    EXPECT_FALSE(q->commit().ok()) << "nothing to commit after a discard";
}

TEST(PartFile, ALeftoverPartIsReplaced) {
    ScratchDir dir;
    write_text(dir.path("rx.tif.part"), "an interrupted receive");
    ASSERT_EQ(::chmod(dir.path("rx.tif.part").c_str(), 0644), 0);
    auto p = PartFile::create(dir.path("rx.tif"));
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(mode_of(p->part_path()), std::optional<mode_t>(0600));
    EXPECT_EQ(read_text(p->part_path()), "");
}

TEST(PartFile, ASymbolicLinkInItsPlaceIsNeverFollowed) {
    ScratchDir dir;
    const std::string victim = dir.path("victim.txt");
    write_text(victim, "not yours");
    ASSERT_EQ(::chmod(victim.c_str(), 0644), 0);
    fs::create_symlink(victim, dir.path("rx.tif.part"));
    auto p = PartFile::create(dir.path("rx.tif"));
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_FALSE(fs::is_symlink(p->part_path()));
    EXPECT_EQ(read_text(victim), "not yours");
    EXPECT_EQ(mode_of(victim), std::optional<mode_t>(0644));
}

TEST(PartFile, AReplacedPartIsNotCommitted) {
    ScratchDir dir;
    auto p = PartFile::create(dir.path("rx.tif"));
    ASSERT_TRUE(p.ok());
    fs::remove(p->part_path());
    write_text(p->part_path(), "someone else's file");
    auto c = p->commit();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::Io);
    EXPECT_FALSE(fs::exists(dir.path("rx.tif")));
}

TEST(PartFile, AMissingFolderIsAnIoError) {
    ScratchDir dir;
    auto p = PartFile::create(dir.path("no/such/folder/rx.tif"));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Errc::Io);
}

TEST(PartFile, MovingHandsTheFileOver) {
    ScratchDir dir;
    auto p = PartFile::create(dir.path("rx.tif"));
    ASSERT_TRUE(p.ok());
    PartFile moved = std::move(*p);
    EXPECT_TRUE(fs::exists(dir.path("rx.tif.part")));
    ASSERT_TRUE(moved.commit().ok());
    EXPECT_TRUE(fs::exists(dir.path("rx.tif")));
}

}  // namespace
}  // namespace fax::t30
