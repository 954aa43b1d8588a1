#include <array>
#include <span>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "fax/driver/dle.h"

namespace fax::driver {
namespace {

// Independent references, written out the textbook way (no SpanDSP: the driver layer and
// its tests do not depend on it).
uint8_t reference_bit_reverse(uint8_t b) {
    uint8_t r = 0;
    for (int i = 0; i < 8; ++i)
        if (b & (1u << i)) r = static_cast<uint8_t>(r | (0x80u >> i));
    return r;
}

// CRC-16/X.25 register (ISO/IEC 13239, T.30 §5.3.7): preset 0xFFFF, polynomial
// x^16 + x^12 + x^5 + 1 processed LSB first (0x8408 reflected), no final complement.
uint16_t reference_crc_register(std::span<const uint8_t> data) {
    uint16_t crc = 0xFFFF;
    for (uint8_t byte : data) {
        for (int bit = 0; bit < 8; ++bit) {
            const bool in = ((byte >> bit) & 1u) != ((crc & 1u) != 0);
            crc = static_cast<uint16_t>(crc >> 1);
            if (in) crc ^= 0x8408;
        }
    }
    return crc;
}
// The FCS sent is the complemented register; over a frame with its FCS appended LSB first
// the register ends at the fixed residue 0xF0B8.
uint16_t reference_fcs(std::span<const uint8_t> data) { return static_cast<uint16_t>(~reference_crc_register(data)); }
constexpr uint16_t kGoodResidue = 0xF0B8;

std::vector<uint8_t> all_byte_values() {
    std::vector<uint8_t> v(256);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i);
    return v;
}

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(DleStuff, DoublesOnlyDle) {
    std::vector<uint8_t> out;
    dle_stuff(std::vector<uint8_t>{0x01, kDle, 0x02, kDle, kDle, kEtx}, out);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x01, kDle, kDle, 0x02, kDle, kDle, kDle, kDle, kEtx}));
}

TEST(DleStuff, AppendsAndTerminates) {
    std::vector<uint8_t> out{0xAA};
    dle_stuff(std::vector<uint8_t>{kEtx, kSub}, out);
    dle_terminate(out);
    EXPECT_EQ(out, (std::vector<uint8_t>{0xAA, kEtx, kSub, kDle, kEtx}));
}

TEST(DleDecoder, RoundTripsAllByteValues) {
    const auto data = all_byte_values();
    std::vector<uint8_t> wire;
    dle_stuff(data, wire);
    EXPECT_EQ(wire.size(), data.size() + 1);  // one DLE doubled
    dle_terminate(wire);

    DleDecoder d;
    std::vector<uint8_t> out;
    const auto fed = d.feed(wire, out);
    EXPECT_TRUE(fed.ended);
    EXPECT_EQ(fed.consumed, wire.size());
    EXPECT_EQ(out, data);
    EXPECT_EQ(d.unknown_escapes(), 0u);
}

TEST(DleDecoder, RoundTripsWhateverTheFeedBoundaries) {
    std::vector<uint8_t> data;
    for (int i = 0; i < 3; ++i) {
        const auto all = all_byte_values();
        data.insert(data.end(), all.begin(), all.end());
        data.push_back(kDle);
        data.push_back(kDle);
    }
    std::vector<uint8_t> wire;
    dle_stuff(data, wire);
    dle_terminate(wire);
    for (std::size_t chunk = 1; chunk <= 17; ++chunk) {
        DleDecoder d;
        std::vector<uint8_t> out;
        bool ended = false;
        std::size_t total = 0;
        for (std::size_t i = 0; i < wire.size() && !ended; i += chunk) {
            const auto piece = std::span(wire).subspan(i, std::min(chunk, wire.size() - i));
            const auto fed = d.feed(piece, out);
            total += fed.consumed;
            ended = fed.ended;
        }
        EXPECT_TRUE(ended) << "chunk " << chunk;
        EXPECT_EQ(total, wire.size()) << "chunk " << chunk;
        EXPECT_EQ(out, data) << "chunk " << chunk;
    }
}

TEST(DleDecoder, DleSplitAcrossFeeds) {
    DleDecoder d;
    std::vector<uint8_t> out;
    auto fed = d.feed(std::vector<uint8_t>{0x41, kDle}, out);
    EXPECT_EQ(fed.consumed, 2u);
    EXPECT_FALSE(fed.ended);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x41})) << "a lone trailing DLE is held, not emitted";
    fed = d.feed(std::vector<uint8_t>{kDle, 0x42, kDle}, out);
    EXPECT_EQ(fed.consumed, 3u);
    EXPECT_FALSE(fed.ended);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x41, kDle, 0x42}));
    fed = d.feed(std::vector<uint8_t>{kEtx, 0x43}, out);
    EXPECT_TRUE(fed.ended);
    EXPECT_EQ(fed.consumed, 1u);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x41, kDle, 0x42}));
}

TEST(DleDecoder, ConsumedStopsRightAfterDleEtx) {
    // What a modem sends at the end of a received HDLC frame: data, DLE ETX, then the result code.
    std::vector<uint8_t> in{0xFF, 0x13, 0x80, kDle, kEtx};
    const auto tail = bytes("\r\nOK\r\n");
    in.insert(in.end(), tail.begin(), tail.end());
    DleDecoder d;
    std::vector<uint8_t> out;
    const auto fed = d.feed(in, out);
    EXPECT_TRUE(fed.ended);
    EXPECT_EQ(fed.consumed, 5u);
    EXPECT_EQ(out, (std::vector<uint8_t>{0xFF, 0x13, 0x80}));
    EXPECT_EQ(std::vector<uint8_t>(in.begin() + static_cast<std::ptrdiff_t>(fed.consumed), in.end()), tail);
}

TEST(DleDecoder, DleSubIsTwoDles) {
    DleDecoder d;
    std::vector<uint8_t> out;
    const auto fed = d.feed(std::vector<uint8_t>{0x01, kDle, kSub, 0x02, kDle, kEtx}, out);
    EXPECT_TRUE(fed.ended);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x01, kDle, kDle, 0x02}));
}

TEST(DleDecoder, UnknownEscapesAreDroppedAndCounted) {
    DleDecoder d;
    std::vector<uint8_t> out;
    const auto fed = d.feed(std::vector<uint8_t>{0x01, kDle, 0x41, 0x02, kDle, kCan, kDle, kDc2, 0x03, kDle, kEtx}, out);
    EXPECT_TRUE(fed.ended);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x01, 0x02, 0x03}));
    EXPECT_EQ(d.unknown_escapes(), 3u);
}

TEST(DleDecoder, ReadyForTheNextBlockAfterEtx) {
    DleDecoder d;
    std::vector<uint8_t> out;
    const std::vector<uint8_t> two_blocks{0x01, kDle, kEtx, 0x02, kDle, kDle, kDle, kEtx};
    auto fed = d.feed(two_blocks, out);
    ASSERT_TRUE(fed.ended);
    EXPECT_EQ(fed.consumed, 3u);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x01}));
    out.clear();
    fed = d.feed(std::span(two_blocks).subspan(fed.consumed), out);
    EXPECT_TRUE(fed.ended);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x02, kDle}));
}

TEST(DleDecoder, ResetForgetsAPendingDle) {
    DleDecoder d;
    std::vector<uint8_t> out;
    (void)d.feed(std::vector<uint8_t>{kDle}, out);
    d.reset();
    const auto fed = d.feed(std::vector<uint8_t>{kEtx}, out);
    EXPECT_FALSE(fed.ended) << "the ETX after a reset is data, not the end of a block";
    EXPECT_EQ(out, (std::vector<uint8_t>{kEtx}));
}

TEST(DleBitReverse, MatchesTheReference) {
    EXPECT_EQ(bit_reverse(0x01), 0x80);
    EXPECT_EQ(bit_reverse(0x13), 0xC8);
    EXPECT_EQ(bit_reverse(0xFF), 0xFF);
    for (int i = 0; i < 256; ++i) {
        const auto b = static_cast<uint8_t>(i);
        EXPECT_EQ(bit_reverse(b), reference_bit_reverse(b)) << i;
        EXPECT_EQ(bit_reverse(bit_reverse(b)), b);
    }
}

TEST(DleHdlcFcs, KnownCheckValue) {
    // The standard check value of CRC-16/X.25 (the HDLC FCS) for "123456789".
    EXPECT_EQ(hdlc_fcs(bytes("123456789")), 0x906E);
}

TEST(DleHdlcFcs, T30FrameAppendedLsbFirstChecksOk) {
    // Address 0xFF, control 0x13 (final frame), FCF 0x80 (DIS as Class 1 delivers it).
    std::vector<uint8_t> frame{0xFF, 0x13, 0x80};
    const uint16_t fcs = hdlc_fcs(frame);
    EXPECT_EQ(fcs, 0x3BCE);
    EXPECT_EQ(fcs, reference_fcs(frame));

    frame.push_back(static_cast<uint8_t>(fcs & 0xFF));
    frame.push_back(static_cast<uint8_t>(fcs >> 8));
    EXPECT_TRUE(hdlc_fcs_ok(frame));
    EXPECT_EQ(reference_crc_register(frame), kGoodResidue);

    for (std::size_t byte = 0; byte < frame.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            auto bad = frame;
            bad[byte] = static_cast<uint8_t>(bad[byte] ^ (1u << bit));
            EXPECT_FALSE(hdlc_fcs_ok(bad)) << "byte " << byte << " bit " << bit;
        }
    }
}

TEST(DleHdlcFcs, MatchesTheReferenceOnALongerFrame) {
    // A DIS with an information field, its FCS appended LSB first as on the line.
    std::vector<uint8_t> frame{0xFF, 0x13, 0x80, 0x00, 0xEE, 0xF8, 0x80, 0x80, 0x91, 0x80, 0x80, 0x01};
    const uint16_t fcs = hdlc_fcs(frame);
    EXPECT_EQ(fcs, reference_fcs(frame));
    frame.push_back(static_cast<uint8_t>(fcs & 0xFF));
    frame.push_back(static_cast<uint8_t>(fcs >> 8));
    EXPECT_EQ(reference_crc_register(frame), kGoodResidue);
    EXPECT_TRUE(hdlc_fcs_ok(frame));
}

TEST(DleHdlcFcs, TooShortIsNotOk) {
    EXPECT_FALSE(hdlc_fcs_ok(std::vector<uint8_t>{}));
    EXPECT_FALSE(hdlc_fcs_ok(std::vector<uint8_t>{0xFF}));
    // Two bytes are an empty frame plus its FCS: preset 0xFFFF, complemented → 0x0000.
    EXPECT_EQ(hdlc_fcs({}), 0x0000);
    EXPECT_TRUE(hdlc_fcs_ok(std::vector<uint8_t>{0x00, 0x00}));
    EXPECT_FALSE(hdlc_fcs_ok(std::vector<uint8_t>{0x00, 0x01}));
}

}  // namespace
}  // namespace fax::driver

namespace fax::driver {
namespace {

// The DLE bug (profile quirk dle_bug): firmware that does not double a data DLE.
TEST(DleDecoder, ALoneDleIsDataWhenTheProfileSaysSo) {
    const std::vector<uint8_t> buggy = {0x41, kDle, 0x42, kDle, kDle, kDle, 0x7F, kDle, kEtx};
    DleDecoder strict;
    std::vector<uint8_t> out;
    auto fed = strict.feed(buggy, out);
    EXPECT_TRUE(fed.ended);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x41, kDle}));  // DLE 0x42 and DLE 0x7F dropped
    EXPECT_EQ(strict.unknown_escapes(), 2u);

    DleDecoder tolerant;
    tolerant.set_lone_dle_is_data(true);
    out.clear();
    fed = tolerant.feed(buggy, out);
    EXPECT_TRUE(fed.ended);
    EXPECT_EQ(fed.consumed, buggy.size());
    EXPECT_EQ(out, (std::vector<uint8_t>{0x41, kDle, 0x42, kDle, kDle, 0x7F}));
    // Split anywhere, the same.
    for (std::size_t cut = 1; cut < buggy.size(); ++cut) {
        DleDecoder d;
        d.set_lone_dle_is_data(true);
        std::vector<uint8_t> o;
        d.feed(std::span(buggy).first(cut), o);
        d.feed(std::span(buggy).subspan(cut), o);
        EXPECT_EQ(o, (std::vector<uint8_t>{0x41, kDle, 0x42, kDle, kDle, 0x7F})) << "cut at " << cut;
    }
    // Correctly stuffed data decode the same either way.
    std::vector<uint8_t> good;
    dle_stuff(std::vector<uint8_t>{0x10, 0x03, 0x10, 0x10, 0x1A}, good);
    dle_terminate(good);
    out.clear();
    DleDecoder t2;
    t2.set_lone_dle_is_data(true);
    t2.feed(good, out);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x10, 0x03, 0x10, 0x10, 0x1A}));
}

}  // namespace
}  // namespace fax::driver
