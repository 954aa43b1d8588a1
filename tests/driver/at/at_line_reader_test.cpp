#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "fax/driver/at_response.h"

namespace fax::driver {
namespace {

std::span<const uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<std::string> drain(AtLineReader& r) {
    std::vector<std::string> out;
    while (auto l = r.next()) out.push_back(*l);
    return out;
}

struct SplitCase {
    std::string_view name;
    std::string_view stream;
    std::vector<std::string> lines;
    std::size_t partial;
};

const SplitCase kSplits[] = {
    {"verbose CRLF framing", "\r\nOK\r\n", {"OK"}, 0},
    {"LF only", "OK\n", {"OK"}, 0},
    {"CR only", "OK\r", {"OK"}, 0},
    {"LF CR", "OK\n\r", {"OK"}, 0},
    {"echo then answer", "AT+FTM=?\r\r\n+FTM: 24,48,72\r\n\r\nOK\r\n", {"AT+FTM=?", "+FTM: 24,48,72", "OK"}, 0},
    {"numeric ATV0 style", "0\r", {"0"}, 0},
    {"empty lines dropped", "\r\n\r\n\n\r\r\nRING\r\n\r\n", {"RING"}, 0},
    {"trailing spaces trimmed", "CONNECT 14400  \r\n", {"CONNECT 14400"}, 0},
    {"spaces-only line dropped", "   \r\nOK\r\n", {"OK"}, 0},
    {"leading spaces kept", "  OK\r\n", {"  OK"}, 0},
    {"NULs ignored", std::string_view("\0O\0K\0\r\n", 7), {"OK"}, 0},
    {"unterminated tail held back", "OK\r\nCONN", {"OK"}, 4},
    {"nothing terminated", "RIN", {}, 3},
};

TEST(AtLineReader, SplitsRawModemOutput) {
    for (const auto& c : kSplits) {
        AtLineReader r;
        r.feed(as_bytes(c.stream));
        EXPECT_EQ(drain(r), c.lines) << c.name;
        EXPECT_EQ(r.buffered_partial(), c.partial) << c.name;
        EXPECT_EQ(r.overlong_count(), 0u) << c.name;
    }
}

TEST(AtLineReader, SameLinesWhateverTheFeedBoundaries) {
    const std::string_view stream = "AT+FRH=3\r\r\nCONNECT\r\n\r\nOK\r\n\r\nNO CARRIER\r\n";
    const std::vector<std::string> want = {"AT+FRH=3", "CONNECT", "OK", "NO CARRIER"};
    for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
        AtLineReader r;
        std::vector<std::string> got;
        for (std::size_t i = 0; i < stream.size(); i += chunk) {
            r.feed(as_bytes(stream.substr(i, chunk)));
            while (auto l = r.next()) got.push_back(*l);
        }
        EXPECT_EQ(got, want) << "chunk size " << chunk;
        EXPECT_EQ(r.buffered_partial(), 0u);
    }
}

TEST(AtLineReader, LineCompletesOnlyWhenTerminated) {
    AtLineReader r;
    r.feed(as_bytes("NO CAR"));
    EXPECT_EQ(r.next(), std::nullopt);
    EXPECT_EQ(r.buffered_partial(), 6u);
    r.feed(as_bytes("RIER"));
    EXPECT_EQ(r.next(), std::nullopt);
    r.feed(as_bytes("\r"));
    EXPECT_EQ(r.next(), "NO CARRIER");
    EXPECT_EQ(r.buffered_partial(), 0u);
    r.feed(as_bytes("\n"));  // the LF of the CR LF pair makes no empty line
    EXPECT_EQ(r.next(), std::nullopt);
}

TEST(AtLineReader, OverlongLineIsCutDeliveredAndFlagged) {
    AtLineReader r;
    const std::string junk(AtLineReader::kMaxLine + 100, 'x');
    r.feed(as_bytes(junk));
    auto first = r.next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->size(), AtLineReader::kMaxLine);
    EXPECT_EQ(r.overlong_count(), 1u);
    EXPECT_EQ(r.buffered_partial(), 0u) << "the tail of an overlong line is not held";
    // The rest of the runaway line, even if it looks like a result code, is dropped.
    r.feed(as_bytes("OK\r\nOK\r\n"));
    EXPECT_EQ(drain(r), std::vector<std::string>{"OK"});
    EXPECT_EQ(r.overlong_count(), 1u);
}

TEST(AtLineReader, LineOfExactlyMaxLengthIsNotOverlong) {
    AtLineReader r;
    const std::string line(AtLineReader::kMaxLine, 'y');
    r.feed(as_bytes(line + "\r\n"));
    EXPECT_EQ(r.next(), line);
    EXPECT_EQ(r.overlong_count(), 0u);
}

TEST(AtLineReader, OverlongAcrossFeeds) {
    AtLineReader r;
    const std::string half(AtLineReader::kMaxLine / 2 + 10, 'z');
    r.feed(as_bytes(half));
    r.feed(as_bytes(half));
    r.feed(as_bytes("\r\nOK\r\n"));
    auto lines = drain(r);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].size(), AtLineReader::kMaxLine);
    EXPECT_EQ(lines[1], "OK");
    EXPECT_EQ(r.overlong_count(), 1u);
}

TEST(AtLineReader, ClearDropsLinesAndPartial) {
    AtLineReader r;
    r.feed(as_bytes("RING\r\nRI"));
    r.clear();
    EXPECT_EQ(r.next(), std::nullopt);
    EXPECT_EQ(r.buffered_partial(), 0u);
    r.feed(as_bytes("OK\r\n"));
    EXPECT_EQ(r.next(), "OK");
}

TEST(AtLineReader, FeedsTheResultCodeParser) {
    AtLineReader r;
    r.feed(as_bytes("AT+FRM=146\r\r\n+FCERROR\r\n"));
    auto echo = r.next();
    ASSERT_TRUE(echo);
    EXPECT_TRUE(is_echo(*echo, "AT+FRM=146"));
    EXPECT_EQ(parse_result_code(*echo), std::nullopt);
    auto answer = r.next();
    ASSERT_TRUE(answer);
    EXPECT_EQ(parse_result_code(*answer), AtResult::FcError);
}

}  // namespace
}  // namespace fax::driver
