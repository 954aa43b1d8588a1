// fax_spandsp's T.4/T.6 codec on page images: what it encodes decodes to the same pixels,
// in every coding a fax call uses.
#include "fax/t30/spandsp/t4_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "fax/t30/tiff_io.h"
#include "itu_chart.h"

namespace fax::t30::spandsp {
namespace {

Bitmap chart(int n) {
    auto pages = read_tiff(fax::testing::itu_chart_path(n));
    EXPECT_TRUE(pages.ok()) << (pages.ok() ? "" : pages.error().to_string());
    return pages.ok() && pages->size() == 1u ? pages->front() : Bitmap{};
}

struct Coding {
    T4Coding coding;
    const char* name;
};

class T4CodecRoundTrip : public ::testing::TestWithParam<Coding> {};

TEST_P(T4CodecRoundTrip, DecodesToThePixelsEncoded) {
    for (int n : {1, 4}) {
        const Bitmap page = chart(n);
        ASSERT_TRUE(page.well_formed());
        auto data = encode_t4(page, GetParam().coding);
        ASSERT_TRUE(data.ok()) << data.error().to_string();
        // Compressed, and far smaller than the raw page (1728 x 2339 / 8 bytes).
        EXPECT_GT(data->size(), 1000u);
        EXPECT_LT(data->size(), page.bits.size() / 2);
        auto back = decode_t4(*data, T4PageFormat{GetParam().coding, page.width, true});
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        EXPECT_EQ(back->width, page.width);
        ASSERT_EQ(back->height, page.height) << "chart " << n;
        EXPECT_EQ(back->bits, page.bits) << "chart " << n << " " << GetParam().name;
        EXPECT_DOUBLE_EQ(back->yres_dpi, 196.0);
    }
}

INSTANTIATE_TEST_SUITE_P(Codings, T4CodecRoundTrip,
                         ::testing::Values(Coding{T4Coding::MH, "MH"}, Coding{T4Coding::MR, "MR"},
                                           Coding{T4Coding::MMR, "MMR"}),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(T4Codec, MmrIsSmallerThanMhForAChart) {
    const Bitmap page = chart(1);
    auto mh = encode_t4(page, T4Coding::MH);
    auto mmr = encode_t4(page, T4Coding::MMR);
    ASSERT_TRUE(mh.ok() && mmr.ok());
    EXPECT_LT(mmr->size(), mh->size());
}

TEST(T4Codec, StandardResolutionPagesKeepTheirResolution) {
    Bitmap page = chart(2);
    // Every other row: the same page at 98 lines per inch.
    Bitmap standard = Bitmap::blank(page.width, page.height / 2, 204.0, 98.0);
    for (int y = 0; y < standard.height; ++y)
        std::copy(page.row(2 * y), page.row(2 * y) + page.stride(), standard.row(y));
    auto data = encode_t4(standard, T4Coding::MR);
    ASSERT_TRUE(data.ok()) << data.error().to_string();
    auto back = decode_t4(*data, T4PageFormat{T4Coding::MR, standard.width, false});
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_DOUBLE_EQ(back->yres_dpi, 98.0);
    EXPECT_EQ(back->bits, standard.bits);
}

TEST(T4Codec, RefusesAMalformedPage) {
    Bitmap bad = Bitmap::blank(1728, 10);
    bad.bits.resize(5);
    auto r = encode_t4(bad, T4Coding::MH);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidArgument);
}

TEST(T4Codec, DataWithoutRowsIsNoPage) {
    const std::vector<uint8_t> noise(64, 0x00);
    auto r = decode_t4(noise, T4PageFormat{T4Coding::MH, 1728, true});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);
}

}  // namespace
}  // namespace fax::t30::spandsp
