// fax_spandsp's software HDLC (ECM over a Class 1 modem): what the encoder frames, the
// decoder gives back whole with a good FCS; a damaged frame is reported bad.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "fax/t30/spandsp/hdlc_decoder.h"
#include "fax/t30/spandsp/hdlc_encoder.h"

namespace fax::t30::spandsp {
namespace {

struct Got {
    std::vector<uint8_t> frame;
    bool ok;
};

std::vector<uint8_t> fcd_frame(uint8_t seq, std::size_t len) {
    // T.4 Annex A: address, control, FCD, frame number, then image data.
    std::vector<uint8_t> f = {0xFF, 0x03, 0x06, seq};
    for (std::size_t i = 0; i < len; ++i) f.push_back(static_cast<uint8_t>(i * 37 + seq));
    return f;
}

TEST(HdlcCodec, FramesComeBackWholeAndInOrder) {
    auto enc = HdlcEncoder::create();
    ASSERT_TRUE(enc.ok());
    std::vector<Got> got;
    auto dec = HdlcDecoder::create([&](std::span<const uint8_t> f, bool ok) { got.push_back({{f.begin(), f.end()}, ok}); });
    ASSERT_TRUE(dec.ok());
    (*enc)->restart();
    (*enc)->flags(20);
    std::vector<uint8_t> line = (*enc)->drain();
    const std::vector<std::vector<uint8_t>> frames = {fcd_frame(0, 256), fcd_frame(1, 256), {0xFF, 0x13, 0x86}};
    for (const auto& f : frames) {
        (*enc)->frame(f);
        auto part = (*enc)->drain();
        line.insert(line.end(), part.begin(), part.end());
    }
    (*enc)->flags(3);
    auto tail = (*enc)->drain();
    line.insert(line.end(), tail.begin(), tail.end());
    (*dec)->restart();
    (*dec)->put(line);
    ASSERT_EQ(got.size(), frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        EXPECT_TRUE(got[i].ok) << i;
        EXPECT_EQ(got[i].frame, frames[i]) << i;
    }
}

TEST(HdlcCodec, ADamagedFrameIsReportedBad) {
    auto enc = HdlcEncoder::create();
    ASSERT_TRUE(enc.ok());
    std::vector<Got> got;
    auto dec = HdlcDecoder::create([&](std::span<const uint8_t> f, bool ok) { got.push_back({{f.begin(), f.end()}, ok}); });
    ASSERT_TRUE(dec.ok());
    // As the front end does: preamble, frame, closing flags, each drained in turn (the
    // encoder asks for the next frame as soon as it has started on one).
    (*enc)->flags(20);
    std::vector<uint8_t> line = (*enc)->drain();
    // White image data: runs of zero bits, where one flipped bit cannot look like a flag
    // or an abort.
    std::vector<uint8_t> frame = {0xFF, 0x03, 0x06, 0x07};
    frame.resize(132, 0x00);
    (*enc)->frame(frame);
    for (uint8_t b : (*enc)->drain()) line.push_back(b);
    (*enc)->flags(3);
    for (uint8_t b : (*enc)->drain()) line.push_back(b);
    line[line.size() / 2] ^= 0x10;  // one bit, inside the frame's data
    (*dec)->put(line);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_FALSE(got[0].ok);
}

}  // namespace
}  // namespace fax::t30::spandsp
