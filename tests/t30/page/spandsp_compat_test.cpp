// write_fax_tiff output must be accepted by SpanDSP 0.0.6's own TIFF reader (t4_tx), the
// component that sends it: it checks width, resolution and encodes each page.
#include <gtest/gtest.h>
#include <tiffio.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wcast-align"
#include <spandsp.h>
#pragma GCC diagnostic pop

#include <memory>

#include "fax/t30/page_prep.h"
#include "fax/t30/tiff_io.h"
#include "page_test_util.h"

namespace fax::t30 {
namespace {

using test::ScratchDir;

struct T4TxDeleter {
    void operator()(t4_tx_state_t* s) const {
        t4_tx_release(s);
        t4_tx_free(s);
    }
};
using T4Tx = std::unique_ptr<t4_tx_state_t, T4TxDeleter>;

struct EncodedPage {
    long long bytes = 0;
    t4_stats_t stats{};
};

// Encodes every page of `path` with t4_tx in `encoding`; fails the test on any refusal.
std::vector<EncodedPage> encode_all(const std::string& path, int encoding, int& pages_in_file) {
    std::vector<EncodedPage> out;
    TiffDiagnostics diag;  // t4_tx reports through libtiff's handlers: keep them off stderr
    T4Tx tx(t4_tx_init(nullptr, path.c_str(), -1, -1));
    EXPECT_TRUE(tx) << "t4_tx_init refused " << path << ": " << diag.errors();
    if (!tx) return out;
    t4_tx_set_tx_encoding(tx.get(), encoding);
    t4_tx_set_min_bits_per_row(tx.get(), 0);
    pages_in_file = t4_tx_get_pages_in_file(tx.get());
    for (int page = 0; page < 64; ++page) {
        if (t4_tx_start_page(tx.get()) != 0) break;
        EncodedPage e;
        uint8_t buf[4096];
        for (;;) {
            const int n = t4_tx_get_chunk(tx.get(), buf, static_cast<int>(sizeof buf));
            e.bytes += n;
            if (n < static_cast<int>(sizeof buf)) break;
        }
        t4_tx_end_page(tx.get());
        t4_tx_get_transfer_statistics(tx.get(), &e.stats);
        out.push_back(e);
    }
    EXPECT_FALSE(diag.has_error()) << diag.errors();
    return out;
}

TEST(TiffSpanDspTest, T4TxEncodesItu1FromEveryTiffCompression) {
    ScratchDir dir;
    const Bitmap chart = test::load_itu(1);
    long long mmr_bytes = -1;
    for (TiffCompression c : {TiffCompression::None, TiffCompression::T4_1D, TiffCompression::T4_2D,
                              TiffCompression::T6}) {
        SCOPED_TRACE(static_cast<int>(c));
        const std::string path = dir.path("itu1.tif");
        ASSERT_TRUE(write_fax_tiff(path, {chart}, c).ok());
        int pages = 0;
        auto enc = encode_all(path, T4_COMPRESSION_ITU_T6, pages);
        ASSERT_EQ(enc.size(), 1u);
        EXPECT_EQ(pages, 1);
        EXPECT_EQ(enc[0].stats.width, 1728);
        EXPECT_EQ(enc[0].stats.length, 2376);
        EXPECT_EQ(enc[0].stats.x_resolution, T4_X_RESOLUTION_R8);
        EXPECT_EQ(enc[0].stats.y_resolution, T4_Y_RESOLUTION_FINE);
        EXPECT_GT(enc[0].bytes, 10000);
        if (mmr_bytes < 0) mmr_bytes = enc[0].bytes;
        EXPECT_EQ(enc[0].bytes, mmr_bytes) << "same pixels must give the same MMR stream";
    }
    ::testing::Test::RecordProperty("itu1_mmr_bytes", static_cast<int>(mmr_bytes));
    // SpanDSP 0.0.6 notes: ITU chart 1, fine, MMR = 18,103 bytes.
    EXPECT_NEAR(static_cast<double>(mmr_bytes), 18103.0, 18103.0 * 0.02);
}

TEST(TiffSpanDspTest, T4TxLineSizesForItu1MatchTheNotes) {
    ScratchDir dir;
    const std::string path = dir.path("itu1.tif");
    ASSERT_TRUE(write_fax_tiff(path, {test::load_itu(1)}).ok());
    struct Case {
        int encoding;
        double reference;  // spandsp-0.0.6-notes.md line-time table
        const char* name;
    };
    for (Case k : {Case{T4_COMPRESSION_ITU_T4_1D, 37423, "MH"}, Case{T4_COMPRESSION_ITU_T4_2D, 25967, "MR"},
                   Case{T4_COMPRESSION_ITU_T6, 18103, "MMR"}}) {
        int pages = 0;
        auto enc = encode_all(path, k.encoding, pages);
        ASSERT_EQ(enc.size(), 1u);
        ::testing::Test::RecordProperty(std::string("itu1_bytes_") + k.name, static_cast<int>(enc[0].bytes));
        EXPECT_NEAR(static_cast<double>(enc[0].bytes), k.reference, k.reference * 0.05) << k.name;
    }
}

TEST(TiffSpanDspTest, T4TxReadsPreparedMultipageDocumentsAtBothVerticalResolutions) {
    ScratchDir dir;
    const std::string in = dir.path("in.tif");
    Bitmap letter = test::pattern_page(2550, 3300, 300, 300);
    ASSERT_TRUE(write_fax_tiff(in, {test::load_itu(1), letter, test::load_itu(5)}, TiffCompression::T6).ok());
    for (auto v : {PrepOptions::Vertical::Fine, PrepOptions::Vertical::Standard}) {
        const std::string out = dir.path("out.tif");
        auto doc = prepare_document({in}, out, {v});
        ASSERT_TRUE(doc.ok()) << doc.error().to_string();
        int pages = 0;
        auto enc = encode_all(out, T4_COMPRESSION_ITU_T4_1D, pages);
        ASSERT_EQ(enc.size(), 3u);
        EXPECT_EQ(pages, 3);
        for (const auto& e : enc) {
            EXPECT_EQ(e.stats.width, 1728);
            EXPECT_EQ(e.stats.x_resolution, T4_X_RESOLUTION_R8);
            EXPECT_EQ(e.stats.y_resolution,
                      v == PrepOptions::Vertical::Fine ? T4_Y_RESOLUTION_FINE : T4_Y_RESOLUTION_STANDARD);
        }
        EXPECT_EQ(enc[0].stats.length, v == PrepOptions::Vertical::Fine ? 2376 : 1188);
    }
}

}  // namespace
}  // namespace fax::t30
