// Dense test pages: deterministic noise that compresses badly, so that one A4 page needs
// more than one ECM partial page. T.30 Annex A: a partial page (block) holds at most 256
// frames; SpanDSP 0.0.6 fills frames of 256 octets, so a page whose coded data exceed
// 64 KiB is sent as several blocks, each ended by PPS-NULL and answered by MCF before the
// page's own post-page message (PPS-MPS/EOP) ends its last block. The ITU charts all fit
// one block (chart 1 in MMR is 18 KB), which is why they never exercised that exchange.
//
// Header-only: the firmware-host suite wraps the rows in its own Bilevel, the driver
// suites in t30::Bitmap (both are 1 bit per pixel, rows MSB-first, 1 = black).
// encoded_page_bytes() measures a page with SpanDSP's own T.4/T.6 encoder, the one the
// modem and the reference terminal use, so a test can show that its page spans blocks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <spandsp.h>
#pragma GCC diagnostic pop

namespace fax::testing {

inline constexpr int kDenseWidth = 1728;   // A4 at R8
inline constexpr int kDenseHeight = 2376;  // A4 at 7.7 lines/mm (fine), like the ITU charts
// One ECM block as SpanDSP 0.0.6 sends it: 256 frames of 256 octets (T.30 Annex A.3).
inline constexpr std::size_t kEcmBlockBytes = 256 * 256;

// Noise a page of ITU-chart size: each `cell`-pixel run of a row is black with probability
// black_per_mille / 1000, from a fixed linear congruential sequence started at `seed`.
// Measured with SpanDSP 0.0.6's encoder: (30 per mille, cell 2) is about 110 KB in MMR
// (2 blocks), 86 KB in MH; (20 per mille, cell 1) about 158 KB in MMR (3 blocks).
inline std::vector<uint8_t> dense_page_rows(uint32_t seed, int black_per_mille, int cell) {
    const std::size_t stride = kDenseWidth / 8;
    std::vector<uint8_t> bits(stride * kDenseHeight, 0);
    uint32_t state = seed;
    for (int y = 0; y < kDenseHeight; ++y) {
        uint8_t* row = bits.data() + stride * static_cast<std::size_t>(y);
        for (int x = 0; x < kDenseWidth; x += cell) {
            state = state * 1664525u + 1013904223u;
            if (static_cast<int>((state >> 8) % 1000) >= black_per_mille) continue;
            for (int k = 0; k < cell && x + k < kDenseWidth; ++k)
                row[(x + k) / 8] = static_cast<uint8_t>(row[(x + k) / 8] | (0x80u >> ((x + k) % 8)));
        }
    }
    return bits;
}

// The T.4/T.6 data SpanDSP 0.0.6 produces for page `page` (0-based) of a fax TIFF in
// `t4_compression` (T4_COMPRESSION_ITU_T4_1D / _T4_2D / _T6), RTC/EOFB included, first
// bit in the LSB of each byte (what a Class 2.0 DTE sends at +FBO=0); empty if SpanDSP
// cannot read the page.
inline std::vector<uint8_t> encoded_page(const std::string& tiff, int page, int t4_compression) {
    struct Free {
        void operator()(t4_tx_state_t* s) const noexcept { t4_tx_free(s); }
    };
    std::unique_ptr<t4_tx_state_t, Free> tx(t4_tx_init(nullptr, tiff.c_str(), page, page));
    std::vector<uint8_t> out;
    if (!tx) return out;
    t4_tx_set_tx_encoding(tx.get(), t4_compression);
    t4_tx_set_min_bits_per_row(tx.get(), 0);
    if (t4_tx_start_page(tx.get()) != 0) return out;
    std::array<uint8_t, 4096> buf{};
    for (;;) {
        const int n = t4_tx_get_chunk(tx.get(), buf.data(), static_cast<int>(buf.size()));
        if (n > 0) out.insert(out.end(), buf.begin(), buf.begin() + n);
        if (n < static_cast<int>(buf.size())) break;
    }
    t4_tx_end_page(tx.get());
    return out;
}

inline std::size_t encoded_page_bytes(const std::string& tiff, int page, int t4_compression) {
    return encoded_page(tiff, page, t4_compression).size();
}

// ECM partial pages (blocks) a page of `bytes` coded data needs.
inline std::size_t ecm_blocks(std::size_t bytes) { return (bytes + kEcmBlockBytes - 1) / kEcmBlockBytes; }

}  // namespace fax::testing
