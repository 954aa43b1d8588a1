#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "fax/hal/pty.h"

namespace fax::hal {
namespace {

namespace fs = std::filesystem;

// A private directory for symlinks, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "fax_pty_test.XXXXXX").string();
        if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::optional<std::string> link_target(const fs::path& p) {
    std::error_code ec;
    const auto t = fs::read_symlink(p, ec);
    if (ec) return std::nullopt;
    return t.string();
}

TEST(PtyPair, CreatesARawNonBlockingPair) {
    auto pair = PtyPair::create();
    ASSERT_TRUE(pair.ok()) << pair.error().to_string();
    EXPECT_GE(pair->master_fd(), 0);
    EXPECT_GE(pair->slave_fd(), 0);
    EXPECT_EQ(pair->slave_path().rfind("/dev/pts/", 0), 0u) << pair->slave_path();
    EXPECT_NE(::fcntl(pair->master_fd(), F_GETFL) & O_NONBLOCK, 0);

    termios t{};
    ASSERT_EQ(::tcgetattr(pair->slave_fd(), &t), 0);
    EXPECT_EQ(t.c_lflag & (ECHO | ICANON | ISIG), 0u) << "slave must not echo before a client configures it";
    EXPECT_EQ(t.c_oflag & OPOST, 0u);
    EXPECT_EQ(t.c_iflag & ICRNL, 0u);
}

TEST(PtyPair, MasterDoesNotReadEioAfterAClientCloses) {
    auto pair = PtyPair::create();
    ASSERT_TRUE(pair.ok()) << pair.error().to_string();
    const int client = ::open(pair->slave_path().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(client, 0);
    ::close(client);
    std::array<uint8_t, 16> buf{};
    const ssize_t n = ::read(pair->master_fd(), buf.data(), buf.size());
    EXPECT_EQ(n, -1);
    EXPECT_EQ(errno, EAGAIN) << "the pair's own slave descriptor keeps the master alive";
}

TEST(PtyPair, NothingEchoesBackToTheMaster) {
    auto pair = PtyPair::create();
    ASSERT_TRUE(pair.ok()) << pair.error().to_string();
    const std::string at = "AT\r";
    ASSERT_EQ(::write(pair->master_fd(), at.data(), at.size()), static_cast<ssize_t>(at.size()));
    pollfd p{pair->master_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 50), 0) << "bytes written on the master came back (echo)";
}

TEST(PtyPair, LinkAtCreatesAndRemovesASymlink) {
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    const auto link = dir.path() / "ttyFAX0";
    {
        auto pair = PtyPair::create();
        ASSERT_TRUE(pair.ok()) << pair.error().to_string();
        auto s = pair->link_at(link.string());
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        EXPECT_EQ(link_target(link), pair->slave_path());
        EXPECT_EQ(pair->link_path(), link.string());
    }
    EXPECT_FALSE(fs::exists(fs::symlink_status(link))) << "destructor must remove the link";
}

TEST(PtyPair, LinkAtReplacesAStaleSymlink) {
    TempDir dir;
    const auto link = dir.path() / "ttyFAX0";
    fs::create_symlink("/dev/pts/does-not-exist", link);
    auto pair = PtyPair::create();
    ASSERT_TRUE(pair.ok()) << pair.error().to_string();
    auto s = pair->link_at(link.string());
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(link_target(link), pair->slave_path());
}

TEST(PtyPair, LinkAtRefusesToReplaceARegularFile) {
    TempDir dir;
    const auto path = dir.path() / "ttyFAX0";
    std::ofstream(path) << "precious";
    auto pair = PtyPair::create();
    ASSERT_TRUE(pair.ok()) << pair.error().to_string();
    auto s = pair->link_at(path.string());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::InvalidArgument);
    EXPECT_NE(s.error().message.find(path.string()), std::string::npos);
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(path)));
    EXPECT_TRUE(pair->link_path().empty());
}

TEST(PtyPair, LinkAtTwiceMovesTheLink) {
    TempDir dir;
    const auto a = dir.path() / "a", b = dir.path() / "b";
    auto pair = PtyPair::create();
    ASSERT_TRUE(pair.ok()) << pair.error().to_string();
    ASSERT_TRUE(pair->link_at(a.string()).ok());
    ASSERT_TRUE(pair->link_at(b.string()).ok());
    EXPECT_FALSE(fs::exists(fs::symlink_status(a)));
    EXPECT_EQ(link_target(b), pair->slave_path());
}

TEST(PtyPair, DestructorLeavesALinkSomeoneElseReplaced) {
    TempDir dir;
    const auto link = dir.path() / "ttyFAX0";
    {
        auto pair = PtyPair::create();
        ASSERT_TRUE(pair.ok()) << pair.error().to_string();
        ASSERT_TRUE(pair->link_at(link.string()).ok());
        fs::remove(link);
        fs::create_symlink("/dev/pts/other", link);
    }
    EXPECT_EQ(link_target(link), "/dev/pts/other");
}

TEST(PtyPair, MoveKeepsTheLinkWithTheNewOwner) {
    TempDir dir;
    const auto link = dir.path() / "ttyFAX0";
    {
        auto created = PtyPair::create();
        ASSERT_TRUE(created.ok()) << created.error().to_string();
        PtyPair outer = std::move(created).value();
        const int master = outer.master_fd();
        ASSERT_TRUE(outer.link_at(link.string()).ok());
        {
            PtyPair inner(std::move(outer));
            EXPECT_EQ(inner.master_fd(), master);
            EXPECT_EQ(outer.master_fd(), -1);  // NOLINT(bugprone-use-after-move): checking the moved-from state
        }
        // `inner` owned the link and removed it; `outer` has nothing left to remove.
        EXPECT_FALSE(fs::exists(fs::symlink_status(link)));
    }
}

}  // namespace
}  // namespace fax::hal
