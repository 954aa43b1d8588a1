#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <utility>

#include <gtest/gtest.h>

#include "fax/base/unique_fd.h"

namespace fax {
namespace {

bool fd_is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

std::array<int, 2> make_pipe() {
    std::array<int, 2> p{-1, -1};
    EXPECT_EQ(::pipe2(p.data(), O_CLOEXEC), 0);
    return p;
}

TEST(UniqueFd, DefaultIsEmpty) {
    UniqueFd fd;
    EXPECT_FALSE(fd.is_valid());
    EXPECT_FALSE(fd);
    EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, ClosesOnDestruction) {
    const auto p = make_pipe();
    {
        UniqueFd r(p[0]);
        UniqueFd w(p[1]);
        EXPECT_TRUE(r.is_valid());
        EXPECT_TRUE(fd_is_open(p[0]));
    }
    EXPECT_FALSE(fd_is_open(p[0]));
    EXPECT_FALSE(fd_is_open(p[1]));
}

TEST(UniqueFd, MoveHandsOwnershipOver) {
    const auto p = make_pipe();
    UniqueFd w(p[1]);
    UniqueFd a(p[0]);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.is_valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_EQ(b.get(), p[0]);
    UniqueFd c;
    c = std::move(b);
    EXPECT_EQ(c.get(), p[0]);
    EXPECT_TRUE(fd_is_open(p[0]));
    c = UniqueFd();
    EXPECT_FALSE(fd_is_open(p[0]));
}

TEST(UniqueFd, ReleaseGivesUpWithoutClosing) {
    const auto p = make_pipe();
    UniqueFd w(p[1]);
    int raw = -1;
    {
        UniqueFd r(p[0]);
        raw = r.release();
        EXPECT_FALSE(r.is_valid());
    }
    EXPECT_EQ(raw, p[0]);
    EXPECT_TRUE(fd_is_open(raw));
    ::close(raw);
}

TEST(UniqueFd, ResetClosesTheOldDescriptor) {
    const auto p = make_pipe();
    UniqueFd fd(p[0]);
    fd.reset(p[1]);
    EXPECT_FALSE(fd_is_open(p[0]));
    EXPECT_TRUE(fd_is_open(p[1]));
    fd.reset(p[1]);  // same descriptor again: must not close it
    EXPECT_TRUE(fd_is_open(p[1]));
    fd.reset();
    EXPECT_FALSE(fd_is_open(p[1]));
}

}  // namespace
}  // namespace fax
