#include "fax/t30/t6_encoder.h"

#include <array>
#include <bit>
#include <cstring>
#include <string_view>

namespace fax::t30 {
namespace {

// A code as ITU-T T.4 tables 2 and 3 print it: a string of bits, first bit sent first.
struct Code {
    uint32_t bits = 0;
    int len = 0;
};

constexpr Code code(std::string_view s) {
    Code c;
    for (char ch : s) c.bits = (c.bits << 1) | (ch == '1' ? 1u : 0u);
    c.len = static_cast<int>(s.size());
    return c;
}

// T.4 table 2: terminating codes, runs 0..63.
constexpr std::array<std::string_view, 64> kWhiteTerm = {
    "00110101", "000111",   "0111",     "1000",     "1011",     "1100",     "1110",     "1111",
    "10011",    "10100",    "00111",    "01000",    "001000",   "000011",   "110100",   "110101",
    "101010",   "101011",   "0100111",  "0001100",  "0001000",  "0010111",  "0000011",  "0000100",
    "0101000",  "0101011",  "0010011",  "0100100",  "0011000",  "00000010", "00000011", "00011010",
    "00011011", "00010010", "00010011", "00010100", "00010101", "00010110", "00010111", "00101000",
    "00101001", "00101010", "00101011", "00101100", "00101101", "00000100", "00000101", "00001010",
    "00001011", "01010010", "01010011", "01010100", "01010101", "00100100", "00100101", "01011000",
    "01011001", "01011010", "01011011", "01001010", "01001011", "00110010", "00110011", "00110100"};
constexpr std::array<std::string_view, 64> kBlackTerm = {
    "0000110111",   "010",          "11",           "10",           "011",          "0011",
    "0010",         "00011",        "000101",       "000100",       "0000100",      "0000101",
    "0000111",      "00000100",     "00000111",     "000011000",    "0000010111",   "0000011000",
    "0000001000",   "00001100111",  "00001101000",  "00001101100",  "00000110111",  "00000101000",
    "00000010111",  "00000011000",  "000011001010", "000011001011", "000011001100", "000011001101",
    "000001101000", "000001101001", "000001101010", "000001101011", "000011010010", "000011010011",
    "000011010100", "000011010101", "000011010110", "000011010111", "000001101100", "000001101101",
    "000011011010", "000011011011", "000001010100", "000001010101", "000001010110", "000001010111",
    "000001100100", "000001100101", "000001010010", "000001010011", "000000100100", "000000110111",
    "000000111000", "000000100111", "000000101000", "000001011000", "000001011001", "000000101011",
    "000000101100", "000001011010", "000001100110", "000001100111"};
// T.4 table 3: make-up codes, runs 64, 128, ... 1728 (index run / 64 - 1), then the
// extended make-up codes both colours share, runs 1792 ... 2560.
constexpr std::array<std::string_view, 27> kWhiteMakeup = {
    "11011",     "10010",     "010111",    "0110111",   "00110110",  "00110111",  "01100100",
    "01100101",  "01101000",  "01100111",  "011001100", "011001101", "011010010", "011010011",
    "011010100", "011010101", "011010110", "011010111", "011011000", "011011001", "011011010",
    "011011011", "010011000", "010011001", "010011010", "011000",    "010011011"};
constexpr std::array<std::string_view, 27> kBlackMakeup = {
    "0000001111",    "000011001000",  "000011001001",  "000001011011",  "000000110011",  "000000110100",
    "000000110101",  "0000001101100", "0000001101101", "0000001001010", "0000001001011", "0000001001100",
    "0000001001101", "0000001110010", "0000001110011", "0000001110100", "0000001110101", "0000001110110",
    "0000001110111", "0000001010010", "0000001010011", "0000001010100", "0000001010101", "0000001011010",
    "0000001011011", "0000001100100", "0000001100101"};
constexpr std::array<std::string_view, 13> kExtendedMakeup = {
    "00000001000",  "00000001100",  "00000001101",  "000000010010", "000000010011", "000000010100", "000000010101",
    "000000010110", "000000010111", "000000011100", "000000011101", "000000011110", "000000011111"};

// Both colours' codes for runs 0..63 and make-ups 64..2560 in one table each.
struct RunCodes {
    std::array<Code, 64> term{};
    std::array<Code, 40> makeup{};  // index run / 64 - 1: 64 ... 2560
};

constexpr RunCodes run_codes(const std::array<std::string_view, 64>& term,
                             const std::array<std::string_view, 27>& makeup) {
    RunCodes r;
    for (std::size_t i = 0; i < 64; ++i) r.term[i] = code(term[i]);
    for (std::size_t i = 0; i < 27; ++i) r.makeup[i] = code(makeup[i]);
    for (std::size_t i = 0; i < 13; ++i) r.makeup[27 + i] = code(kExtendedMakeup[i]);
    return r;
}

constexpr RunCodes kWhite = run_codes(kWhiteTerm, kWhiteMakeup);
constexpr RunCodes kBlack = run_codes(kBlackTerm, kBlackMakeup);

// T.4 table 4: the two-dimensional mode codes.
constexpr Code kPass = code("0001");
constexpr Code kHorizontal = code("001");
// Vertical mode by a1 - b1, -3 ... 3: VL3, VL2, VL1, V0, VR1, VR2, VR3.
constexpr std::array<Code, 7> kVertical = {code("0000010"), code("000010"), code("010"), code("1"),
                                           code("011"),     code("000011"), code("0000011")};
constexpr Code kEol = code("000000000001");

constexpr std::array<uint8_t, 256> kReversed = [] {
    std::array<uint8_t, 256> r{};
    for (unsigned i = 0; i < 256; ++i) {
        unsigned v = 0;
        for (int k = 0; k < 8; ++k) v |= ((i >> k) & 1u) << (7 - k);
        r[i] = static_cast<uint8_t>(v);
    }
    return r;
}();

// Codes packed first bit first into a 64-bit accumulator, stored 32 bits at a time into
// `out` (grown as needed; `size()` bytes are the data).
class BitWriter {
public:
    explicit BitWriter(std::vector<uint8_t>& out) : out_(out) {}
    void put(Code c) {
        acc_ |= static_cast<uint64_t>(c.bits) << (64 - used_ - c.len);  // used_ < 32, len <= 32
        used_ += c.len;
        if (used_ >= 32) {
            if (pos_ + 4 > out_.size()) out_.resize(2 * out_.size() + 64);
            const auto word = static_cast<uint32_t>(acc_ >> 32);
            out_[pos_] = static_cast<uint8_t>(word >> 24);
            out_[pos_ + 1] = static_cast<uint8_t>(word >> 16);
            out_[pos_ + 2] = static_cast<uint8_t>(word >> 8);
            out_[pos_ + 3] = static_cast<uint8_t>(word);
            pos_ += 4;
            acc_ <<= 32;
            used_ -= 32;
        }
    }
    // A run's make-up codes (while longer than 2623: 2560 at a time, then one for the
    // multiple of 64 left) and its terminating code.
    void run(const RunCodes& t, int n) {
        while (n >= 2624) {
            put(t.makeup[2560 / 64 - 1]);
            n -= 2560;
        }
        if (n >= 64) {
            put(t.makeup[static_cast<std::size_t>(n / 64 - 1)]);
            n %= 64;
        }
        put(t.term[static_cast<std::size_t>(n)]);
    }
    // The last bits, padded with zeros to a byte; the buffer cut to the data.
    void finish() {
        out_.resize(pos_ + 4);
        for (; used_ > 0; used_ -= 8) {
            out_[pos_++] = static_cast<uint8_t>(acc_ >> 56);
            acc_ <<= 8;
        }
        out_.resize(pos_);
    }

private:
    std::vector<uint8_t>& out_;
    std::size_t pos_ = 0;
    uint64_t acc_ = 0;
    int used_ = 0;
};

// The changing elements of a row (T.4 §4.2.1.3.1: a pixel of another colour than the one
// before it, the one before the first being white), ascending, followed by `width` three
// times so that the coder can look two past any element: written to `out`, which holds
// width + 3 elements. Even indices are changes to black, odd ones to white.
int changing_elements(const uint8_t* row, std::size_t stride, int width, int* out) {
    uint64_t prev_last = 0;  // the last pixel of the previous word, as bit 63 after the shift
    const std::size_t words = (stride + 7) / 8;
    int* o = out;
    for (std::size_t w = 0; w < words; ++w) {
        uint64_t v = 0;
        const std::size_t at = 8 * w, n = std::min<std::size_t>(8, stride - at);
        if (n == 8) {
            std::memcpy(&v, row + at, 8);
            if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
        } else {
            for (std::size_t k = 0; k < n; ++k) v |= static_cast<uint64_t>(row[at + k]) << (56 - 8 * k);
        }
        // Pixel x of the word is bit 63 - x; a change is a pixel unlike the one to its left.
        const int base = static_cast<int>(64 * w);
        uint64_t changes = v ^ ((v >> 1) | prev_last);
        prev_last = v << 63;
        if (base + 64 > width) changes &= ~(~uint64_t{0} >> (width - base));  // pixels < width only
        while (changes != 0) {
            const int bit = std::countl_zero(changes);
            *o++ = base + bit;
            changes &= ~(uint64_t{1} << (63 - bit));
        }
    }
    o[0] = o[1] = o[2] = width;
    return static_cast<int>(o - out);
}

// The row's pixels equal those of `above` (the padding bits of the last byte aside).
bool same_pixels(const uint8_t* row, const uint8_t* above, std::size_t stride, uint8_t last_mask) {
    if (std::memcmp(row, above, stride - 1) != 0) return false;
    return ((row[stride - 1] ^ above[stride - 1]) & last_mask) == 0;
}

}  // namespace

std::vector<uint8_t> encode_t6(const Bitmap& page, BitOrder order) {
    std::vector<uint8_t> out;
    if (!page.well_formed()) return out;
    out.resize(page.bits.size() / 8 + 64);
    BitWriter bw(out);
    const int width = page.width;
    // A row has at most `width` changes (a change at x < width only), then three sentinels.
    // The line above the first is all white: no change, only the sentinels.
    std::vector<int> lists(2 * (static_cast<std::size_t>(width) + 3), width);
    int* ref = lists.data();
    int* cur = lists.data() + width + 3;
    int ref_changes = 0;
    const uint8_t last_mask = page.last_byte_mask();
    for (int y = 0; y < page.height; ++y) {
        if (y > 0 && same_pixels(page.row(y), page.row(y - 1), page.stride(), last_mask)) {
            // The row above again: every changing element, and the end of the row, is V0
            // (a1 = b1 at each step), one bit "1" each; the reference line stays.
            for (int left = ref_changes + 1; left > 0; left -= 32) {
                const int n = std::min(left, 32);
                bw.put(Code{n == 32 ? 0xffffffffu : (1u << n) - 1, n});
            }
            continue;
        }
        const int changes = changing_elements(page.row(y), page.stride(), width, cur);
        // T.4 §4.2.1.3.2 as T.6 codes it: a0 starts before the first pixel (white).
        int a0 = -1;
        std::size_t ca = 0;  // cur[ca] = a1, the first change after a0; its parity is a0's colour
        std::size_t rb = 0;  // the first element of ref after a0
        while (a0 < width) {
            while (ref[rb] <= a0) ++rb;
            // b1: the first change on the reference line after a0 to the colour opposite a0's
            // (an element's index parity is its colour, as ca's is a0's).
            const std::size_t b = (rb & 1) == (ca & 1) ? rb : rb + 1;
            const int a1 = cur[ca], b1 = ref[b], b2 = ref[b + 1];
            if (b2 < a1) {
                bw.put(kPass);
                a0 = b2;
            } else if (a1 - b1 >= -3 && a1 - b1 <= 3) {
                bw.put(kVertical[static_cast<std::size_t>(a1 - b1 + 3)]);
                a0 = a1;
                ++ca;
            } else {
                const int a2 = cur[ca + 1];
                const bool white = (ca & 1) == 0;
                bw.put(kHorizontal);
                bw.run(white ? kWhite : kBlack, a1 - (a0 < 0 ? 0 : a0));
                bw.run(white ? kBlack : kWhite, a2 - a1);
                a0 = a2;
                ca += 2;
            }
        }
        std::swap(ref, cur);
        ref_changes = changes;
    }
    bw.put(kEol);  // EOFB
    bw.put(kEol);
    bw.finish();
    if (order == BitOrder::LsbFirst)
        for (uint8_t& b : out) b = kReversed[b];
    return out;
}

}  // namespace fax::t30
