#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "fax/base/sha256.h"

namespace fax {
namespace {

constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";  // FIPS 180-2 "abc"

TEST(Sha256, KnownVectorInOnePartAndInSeveral) {
    EXPECT_EQ(sha256_hex(std::string_view("abc")), kAbc);
    Sha256 h;
    ASSERT_TRUE(h.ok());
    h.update(std::string_view("a"));
    h.update(std::string_view(""));
    h.update(std::string_view("bc"));
    auto d = h.finish();
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(Sha256::to_hex(*d), kAbc);
}

TEST(Sha256, FinishStartsTheNextDigestAfresh) {
    Sha256 h;
    h.update(std::string_view("xyz"));
    ASSERT_TRUE(h.finish().has_value());
    h.update(std::string_view("abc"));
    auto d = h.finish();
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(Sha256::to_hex(*d), kAbc) << "the first digest's input leaked into the second";
    auto empty = h.finish();
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(Sha256::to_hex(*empty), sha256_hex(std::string_view("")));
}

TEST(Sha256, EqualsHexOnlyForTheExactLowercaseSpelling) {
    Sha256 h;
    h.update(std::string_view("abc"));
    auto d = h.finish();
    ASSERT_TRUE(d.has_value());
    EXPECT_TRUE(Sha256::equals_hex(*d, kAbc));
    std::string upper = kAbc;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_FALSE(Sha256::equals_hex(*d, upper));
    EXPECT_FALSE(Sha256::equals_hex(*d, std::string(kAbc).substr(0, 63)));
    std::string last = kAbc;
    last.back() = 'c';
    EXPECT_FALSE(Sha256::equals_hex(*d, last));
    EXPECT_FALSE(Sha256::equals_hex(*d, std::string(kAbc) + "0"));
}

}  // namespace
}  // namespace fax
