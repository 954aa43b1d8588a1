#include "fax/t30/pbm.h"

#include <gtest/gtest.h>

#include <fstream>

#include "page_test_util.h"

namespace fax::t30 {
namespace {

using test::ScratchDir;

long long black_pixels(const Bitmap& b) {
    long long n = 0;
    for (int y = 0; y < b.height; ++y)
        for (int x = 0; x < b.width; ++x) n += b.get(x, y);
    return n;
}

TEST(PbmTest, ReadsEveryItuChart) {
    ScratchDir dir;
    for (int n = 1; n <= 8; ++n) {
        SCOPED_TRACE("itu" + std::to_string(n));
        const std::string pbm = dir.path("itu" + std::to_string(n) + ".pbm");
        const Bitmap chart = test::write_itu_pbm(n, pbm);
        auto r = read_pbm(pbm);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_EQ(r->width, 1728);
        EXPECT_EQ(r->height, 2376);
        EXPECT_EQ(r->xres_dpi, 204.0);
        EXPECT_EQ(r->yres_dpi, 196.0);
        EXPECT_TRUE(r->resolution_known);
        EXPECT_TRUE(r->well_formed());
        EXPECT_GT(black_pixels(*r), 1000);
        EXPECT_TRUE(r->bits == chart.bits);
    }
}

TEST(PbmTest, CallerStatesResolution) {
    ScratchDir dir;
    test::write_itu_pbm(1, dir.path("itu1.pbm"));
    auto r = read_pbm(dir.path("itu1.pbm"), 204.0, 98.0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->yres_dpi, 98.0);
}

TEST(PbmTest, WriteReadRoundTripOddWidth) {
    ScratchDir dir;
    Bitmap b = test::pattern_page(301, 77, 204, 196);
    ASSERT_TRUE(write_pbm(dir.path("a.pbm"), b).ok());
    auto r = read_pbm(dir.path("a.pbm"));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, b);
}

TEST(PbmTest, ReadsPlainP1WithComments) {
    ScratchDir dir;
    {
        std::ofstream f(dir.path("p1.pbm"));
        f << "P1\n# a comment\n5 3\n1 0 0 0 1\n0 1 0 1 0\n00100\n";
    }
    auto r = read_pbm(dir.path("p1.pbm"));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->width, 5);
    ASSERT_EQ(r->height, 3);
    EXPECT_TRUE(r->get(0, 0));
    EXPECT_FALSE(r->get(1, 0));
    EXPECT_TRUE(r->get(4, 0));
    EXPECT_TRUE(r->get(1, 1));
    EXPECT_TRUE(r->get(3, 1));
    EXPECT_TRUE(r->get(2, 2));
    EXPECT_EQ(black_pixels(*r), 5);
}

TEST(PbmTest, MissingFileIsNotFound) {
    auto r = read_pbm("/nonexistent/x.pbm");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::NotFound);
    EXPECT_NE(r.error().message.find("/nonexistent/x.pbm"), std::string::npos);
}

TEST(PbmTest, TruncatedAndGarbageAreInvalidInput) {
    ScratchDir dir;
    {
        std::ofstream f(dir.path("t.pbm"), std::ios::binary);
        f << "P4\n1728 2376\n" << std::string(1000, '\0');
    }
    {
        std::ofstream f(dir.path("g.pbm"), std::ios::binary);
        f << "hello world";
    }
    {
        std::ofstream f(dir.path("h.pbm"), std::ios::binary);
        f << "P4\n-5 x\n";
    }
    for (const char* name : {"t.pbm", "g.pbm", "h.pbm"}) {
        auto r = read_pbm(dir.path(name));
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().code, Errc::InvalidInput) << name;
        EXPECT_NE(r.error().message.find(dir.path(name)), std::string::npos) << r.error().message;
    }
}

}  // namespace
}  // namespace fax::t30
