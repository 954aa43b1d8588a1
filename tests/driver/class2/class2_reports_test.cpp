// Class 2.0 report parsing, as tables of raw modem lines (ModemManager style).
#include <gtest/gtest.h>

#include "fax/driver/class2_reports.h"

namespace fax::driver {
namespace {

TEST(Class2Params, ParsesSessionParameterLines) {
    struct Case {
        const char* line;
        bool ok;
        Class2Params want;
    };
    const Case cases[] = {
        {"+FCS:1,5,0,2,0,0,0,0", true, {1, 5, 0, 2, 0, 0, 0, 0}},
        {"+FIS: 0,3,0,2,1,1,0,7", true, {0, 3, 0, 2, 1, 1, 0, 7}},
        {"1,5,0,2,3,1,0,0", true, {1, 5, 0, 2, 3, 1, 0, 0}},
        {"+FCS:0,1", true, {0, 1, 0, 2, 0, 0, 0, 0}},  // trailing fields keep defaults
        // T.32 Table 21: VR is a bit map in hexadecimal (the far end's DIS in +FIS offers
        // several): 3 = fine + superfine (SpanDSP's DIS), 11 = fine + 200 x 200, 7F = all.
        {"+FIS:3,5,0,2,3,1,0,0", true, {3, 5, 0, 2, 3, 1, 0, 0}},
        {"+FIS:11,5,0,2,0,0,0,0", true, {0x11, 5, 0, 2, 0, 0, 0, 0}},
        {"+FIS:7F,5,0,2,0,0,0,0", true, {0x7F, 5, 0, 2, 0, 0, 0, 0}},
        {"+FIS:7f,5", true, {0x7F, 5, 0, 2, 0, 0, 0, 0}},
        {"+FIS:80,5,0,2,0,0,0,0", false, {}},           // no such resolution bit
        {"+FCS:1,6,0,2,0,0,0,0", false, {}},            // BR 6 does not exist
        {"+FCS:1,5,0,2,0,0,0,0,0", false, {}},          // nine fields
        {"+FCS:1,,0", false, {}},
        {"+FCS:", false, {}},
        {"+FCS:a,b", false, {}},
    };
    for (const auto& c : cases) {
        auto p = parse_class2_params(c.line);
        EXPECT_EQ(p.ok(), c.ok) << c.line;
        if (p.ok() && c.ok) {
            EXPECT_EQ(*p, c.want) << c.line;
        }
    }
    EXPECT_EQ((Class2Params{1, 5, 0, 2, 3, 1, 0, 0}).to_string(), "1,5,0,2,3,1,0,0");
    EXPECT_EQ((Class2Params{0x11, 5, 0, 2, 0, 0, 0, 0}).to_string(), "11,5,0,2,0,0,0,0");
    EXPECT_EQ((Class2Params{1, 5}).bit_rate(), 14400);
    EXPECT_EQ((Class2Params{1, 3}).bit_rate(), 9600);
    EXPECT_EQ((Class2Params{1, 0}).bit_rate(), 2400);
}

TEST(Class2Reports, SplitsReportLines) {
    struct Case {
        const char* line;
        bool is_report;
        const char* name;
        const char* value;
    };
    const Case cases[] = {
        {"+FCO", true, "FCO", ""},
        {"+FCI:\"NORTH CLINIC\"", true, "FCI", "\"NORTH CLINIC\""},
        {"+fhs:00", true, "FHS", "00"},
        {"  +FPS:1,2376,0,0,0  ", true, "FPS", "1,2376,0,0,0"},
        {"OK", false, "", ""},
        {"+GMI:x", false, "", ""},
        {"+FCO extra", false, "", ""},
    };
    for (const auto& c : cases) {
        auto r = parse_class2_report(c.line);
        EXPECT_EQ(r.has_value(), c.is_report) << c.line;
        if (r && c.is_report) {
            EXPECT_EQ(r->name, c.name);
            EXPECT_EQ(r->value, c.value);
        }
    }
    const std::vector<std::string> info = {"+FCO", "+FCI:\"  REMOTE 1 \"", "+FIS:1,5,0,2,3,1,0,0"};
    EXPECT_EQ(unquote_ident(*find_report(info, "FCI")), "REMOTE 1");
    EXPECT_FALSE(find_report(info, "FHS").has_value());
}

TEST(Class2Reports, HangupAndPageStatus) {
    EXPECT_EQ(*parse_hangup_status("00"), 0);
    EXPECT_EQ(*parse_hangup_status("02"), 2);
    EXPECT_EQ(*parse_hangup_status("4A"), 0x4A);  // hexadecimal, T.32 Table 24
    EXPECT_FALSE(parse_hangup_status("zz").ok());
    EXPECT_FALSE(parse_hangup_status("").ok());
    EXPECT_EQ(hangup_status_text(0), "normal end of call");
    EXPECT_EQ(hangup_status_text(0x02), "call aborted from +FKS or CAN");
    EXPECT_EQ(hangup_status_text(0x25), "transmit phase B error");
    EXPECT_EQ(*parse_page_status("1,2376,0,0,0"), 1);
    EXPECT_EQ(*parse_page_status("2"), 2);
    EXPECT_FALSE(parse_page_status("9,1").ok());
    EXPECT_TRUE(page_confirmed(1));
    EXPECT_TRUE(page_confirmed(3));
    EXPECT_TRUE(page_confirmed(5));
    EXPECT_FALSE(page_confirmed(2));
    EXPECT_FALSE(page_confirmed(4));
    EXPECT_EQ(page_response_name(1), "MCF");
    EXPECT_EQ(page_response_name(2), "RTN");
    EXPECT_EQ(post_page_char(PostPage::Mps), ',');
    EXPECT_EQ(post_page_char(PostPage::Eom), ';');
    EXPECT_EQ(post_page_char(PostPage::Eop), '.');
}

}  // namespace
}  // namespace fax::driver
