#include <gtest/gtest.h>

#include "fax/base/result.h"

namespace fax {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0) return fail(Errc::InvalidInput, "value must be positive");
    return v;
}

Status chain(int v) {
    FAX_TRY(parse_positive(v));
    return {};
}

TEST(Result, CarriesValueOrTypedError) {
    auto ok = parse_positive(3);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, 3);
    auto bad = parse_positive(-1);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::InvalidInput);
    EXPECT_EQ(bad.error().to_string(), "invalid input: value must be positive");
}

TEST(Result, TryPropagatesTheError) {
    EXPECT_TRUE(chain(1).ok());
    auto s = chain(0);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::InvalidInput);
}

}  // namespace
}  // namespace fax
