#include "fax/gate/page_selection.h"

#include <gtest/gtest.h>

namespace fax::gate {
namespace {

TEST(PageSelection, ParsesRangesAndLists) {
    EXPECT_EQ(*parse_page_selection("1-3,5"), (std::vector<int>{1, 2, 3, 5}));
    EXPECT_EQ(*parse_page_selection(" 4 - 6 , 8 "), (std::vector<int>{4, 5, 6, 8}));
    EXPECT_EQ(*parse_page_selection("7"), (std::vector<int>{7}));
    EXPECT_EQ(*parse_page_selection("9,2"), (std::vector<int>{2, 9}));
}

TEST(PageSelection, RejectsWithAReason) {
    const std::pair<const char*, const char*> cases[] = {
        {"3-", "not a page range (expected e.g. 1-3,5)"},
        {"", "is empty"},
        {"-2", "not a page range"},
        {"0", "numbered from 1"},
        {"5-3", "runs backwards"},
        {"1-3,2", "page 2 is selected twice"},
        {"1,,2", "not a page range"},
        {"a", "not a page range"},
        {"10000", "stop at 9999"},
        {"1.5", "not a page range"},
    };
    for (const auto& [text, expect] : cases) {
        auto r = parse_page_selection(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_NE(r.error().message.find(expect), std::string::npos) << text << " -> " << r.error().message;
    }
}

TEST(PageSelection, FormatsCompactly) {
    EXPECT_EQ(format_page_selection({1, 2, 3, 5}), "1-3,5");
    EXPECT_EQ(format_page_selection({4}), "4");
    EXPECT_EQ(format_page_selection({}), "");
    EXPECT_EQ(format_page_selection({3, 1, 2, 2}), "1-3");
}

}  // namespace
}  // namespace fax::gate
