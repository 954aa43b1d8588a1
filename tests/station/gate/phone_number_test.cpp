#include "fax/gate/phone_number.h"

#include <gtest/gtest.h>

namespace fax::gate {
namespace {

struct Good {
    const char* text;
    const char* e164;
    const char* dial;
};

TEST(PhoneNumber, NormalisesTheWaysPeopleWriteNumbers) {
    const Good cases[] = {
        {"206-555-0100", "+12065550100", "12065550100"},
        {"(206) 555 0100", "+12065550100", "12065550100"},
        {"1-206-555-0100", "+12065550100", "12065550100"},
        {"206.555.0100", "+12065550100", "12065550100"},
        {"+1 206 555 0100", "+12065550100", "12065550100"},
        {"866-656-4184", "+18666564184", "18666564184"},
        {"+44 20 7946 0958", "+442079460958", "011442079460958"},
    };
    for (const auto& c : cases) {
        auto n = parse_phone_number(c.text);
        ASSERT_TRUE(n.ok()) << c.text << ": " << n.error().to_string();
        EXPECT_EQ(n->e164, c.e164) << c.text;
        EXPECT_EQ(n->dial, c.dial) << c.text;
    }
    EXPECT_EQ(parse_phone_number("2065550100")->display(), "+1 206-555-0100");
}

TEST(PhoneNumber, RejectsMalformedNumbersWithoutQuotingThem) {
    for (const char* bad : {"", "   ", "555-0100", "106-555-0100", "206-155-0100", "+0 123 4567 890", "+1 106 555 0100",
                            "206-555-010O", "+12", "12345678901234567", "206+5550100"}) {
        auto n = parse_phone_number(bad);
        ASSERT_FALSE(n.ok()) << bad;
        EXPECT_EQ(n.error().code, Errc::InvalidInput);
        if (std::string(bad).size() > 4) { EXPECT_EQ(n.error().message.find(bad), std::string::npos); }
    }
}

TEST(PhoneNumber, LocalExtensionsOnlyWhenAllowed) {
    EXPECT_FALSE(parse_phone_number("4321").ok());
    auto n = parse_phone_number("4321", true);
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n->is_e164());
    EXPECT_EQ(n->dial, "4321");
    EXPECT_EQ(n->canonical(), "4321");
    EXPECT_FALSE(is_valid_public_number("4321"));
    EXPECT_TRUE(is_valid_public_number("509-241-7824"));
}

TEST(PhoneNumber, CsiComparisonIgnoresSpacing) {
    EXPECT_TRUE(csi_matches("+1 206 555 0142", "  +12065550142"));
    EXPECT_TRUE(csi_matches("206 555 0142", "2065550142 "));
    EXPECT_FALSE(csi_matches("+1 206 555 0142", "+1 206 555 0143"));
    EXPECT_FALSE(csi_matches("+1 206 555 0142", "2065550142"));  // country code missing: other digits
    EXPECT_TRUE(csi_matches("+1 206 555 0142", "12065550142"));   // a station that sends no '+'
    EXPECT_FALSE(csi_matches("+", "+"));
    EXPECT_TRUE(csi_matches("KP CARDIO", "kp cardio"));
    EXPECT_FALSE(csi_matches("", ""));
}

}  // namespace
}  // namespace fax::gate
