// Bounded work for every document (issue #14): each hostile input is generated here and
// must end in a typed limit error (or a refusal) quickly, before any large allocation.
#include "fax/t30/document_limits.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "fax/t30/document_reader.h"
#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"
#include "hostile_documents.h"
#include "page_test_util.h"
#include "test_pdf.h"

namespace fax::t30 {
namespace {

using test::ScratchDir;

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary);
    f << bytes;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The error is a limit's, names the configuration key, and names the file.
void expect_limit(const Result<DocumentPages>& r, std::string_view key, const std::string& path) {
    ASSERT_FALSE(r.ok()) << "read " << r->pages.size() << " pages";
    EXPECT_EQ(r.error().code, Errc::InvalidInput) << r.error().to_string();
    EXPECT_TRUE(is_limit_error(r.error())) << r.error().to_string();
    EXPECT_NE(r.error().message.find(std::string(key)), std::string::npos) << r.error().to_string();
    EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().to_string();
}

// 100 pages of 10000 x 100000 (white, G4: 1.2 MB) decoded to 125 MB each, every page
// before the selection was applied: 8 GB and an abort. Now page 1's size is refused from
// its directory, before anything is decoded.
TEST(DocumentLimits, HugeTiffPagesAreRefusedFromTheDirectoryBeforeDecoding) {
    ScratchDir dir;
    const std::string tif = dir.path("bomb.tif");
    ASSERT_TRUE(test::write_tiff_directories(tif, 100, 10000, 100000));
    EXPECT_LT(std::filesystem::file_size(tif), 1'400'000u);
    const auto t0 = std::chrono::steady_clock::now();
    expect_limit(read_document_pages(tif, {1, 2}, DocumentLimits{}), kLimitPagePixels, tif);
    auto all = read_document(tif);
    ASSERT_FALSE(all.ok());
    EXPECT_TRUE(is_limit_error(all.error())) << all.error().to_string();
    EXPECT_LT(seconds_since(t0), 5.0);
    if (!test::kUnderAsan) {
        EXPECT_TRUE(test::run_with_address_space(256ull << 20, [&] {
            auto r = read_document_pages(tif, {}, DocumentLimits{});
            return !r.ok() && is_limit_error(r.error());
        })) << "refused within 256 MB of address space";
    }
}

// 5,000 pages with pages 1-2 selected decoded all 5,000 (2.4 GB). Pages 3.. are
// undecodable here: reading them at all is an error, so success shows they were not read.
TEST(DocumentLimits, OnlySelectedTiffPagesAreDecodedAndThePageCountIsLimited) {
    ScratchDir dir;
    const std::string tif = dir.path("many.tif");
    ASSERT_TRUE(test::write_tiff_directories(tif, 5000, 1728, 2200, /*junk_pages=*/true, {1, 2}));
    DocumentLimits roomy;
    roomy.max_pages = 5000;
    roomy.max_document_pixels = roomy.max_decompressed_bytes = 1'000'000'000'000;
    const auto t0 = std::chrono::steady_clock::now();
    auto doc = read_document_pages(tif, {2, 1, 2}, roomy);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    EXPECT_EQ(doc->page_count, 5000);
    EXPECT_EQ(doc->numbers, (std::vector<int>{1, 2}));
    ASSERT_EQ(doc->pages.size(), 2u);
    EXPECT_EQ(doc->pages[0].width, 1728);
    ASSERT_NE(doc->find(2), nullptr);
    EXPECT_EQ(doc->find(3), nullptr);
    // The whole document is read when every page is wanted, and page 3 is then an error.
    auto whole = read_document_pages(tif, {}, roomy);
    ASSERT_FALSE(whole.ok());
    EXPECT_NE(whole.error().message.find("page 3"), std::string::npos) << whole.error().to_string();
    // The station's default: more than 2000 pages is refused without decoding any.
    expect_limit(read_document_pages(tif, {1, 2}, DocumentLimits{}), kLimitPages, tif);
    EXPECT_LT(seconds_since(t0), 10.0);
}

TEST(DocumentLimits, TiffDocumentPixelsAndDecodedBytesAreSummedOverTheSelectedPages) {
    ScratchDir dir;
    const std::string tif = dir.path("three.tif");
    ASSERT_TRUE(test::write_tiff_directories(tif, 3, 1728, 2200));
    DocumentLimits l;
    l.max_document_pixels = 2 * 1728 * 2200;
    ASSERT_TRUE(read_document_pages(tif, {1, 3}, l).ok());
    auto r = read_document_pages(tif, {1, 2, 3}, l);
    expect_limit(r, kLimitDocumentPixels, tif);
    EXPECT_NE(r.error().message.find("page 3"), std::string::npos);
    DocumentLimits bytes;
    bytes.max_decompressed_bytes = 2 * 216 * 2200;  // two pages' bilevel buffers
    expect_limit(read_document_pages(tif, {1, 2, 3}, bytes), kLimitDecompressedBytes, tif);
}

// A 4.4 MB PDF whose 1,999 pages share one 4 GB stream of zeros ran for hours. Here the
// stream is 64 MB and the limit 16 MB: refused by counting, before poppler sees it.
TEST(DocumentLimits, APdfWhoseStreamsDecompressBeyondTheLimitIsRefusedBeforeRendering) {
    ScratchDir dir;
    const std::string pdf = dir.path("zeros.pdf");
    ASSERT_TRUE(test::write_zero_stream_pdf(pdf, 1999, 64ull << 20));
    DocumentLimits l;
    l.max_decompressed_bytes = 16ull << 20;
    const auto t0 = std::chrono::steady_clock::now();
    expect_limit(read_document_pages(pdf, {1, 2}, l), kLimitDecompressedBytes, pdf);
    EXPECT_LT(seconds_since(t0), 5.0);
}

// The count reads past the zlib header itself: a stream that declares a smaller window
// (9..14 bits; the Adler-32 checksum at its end is not computed) is counted all the same.
TEST(DocumentLimits, FlateStreamsWithSmallerWindowsAreCountedToo) {
    ScratchDir dir;
    for (int bits : {9, 10, 12, 14}) {
        const std::string pdf = dir.path("zeros-" + std::to_string(bits) + ".pdf");
        ASSERT_TRUE(test::write_zero_stream_pdf(pdf, 2, 24ull << 20, Z_BEST_COMPRESSION, 612, 792, bits));
        DocumentLimits l;
        l.max_decompressed_bytes = 16ull << 20;
        expect_limit(read_document_pages(pdf, {1}, l), kLimitDecompressedBytes, pdf);
        l.max_decompressed_bytes = 32ull << 20;  // under the limit: read (two blank pages)
        auto doc = read_document_pages(pdf, {1}, l);
        EXPECT_TRUE(doc.ok()) << bits << " bits: " << doc.error().to_string();
    }
}

// What the count cannot see (a stream that is not Flate, a page that is simply slow) is
// bounded by the rendering child's CPU limit.
TEST(DocumentLimits, PdfRenderingIsBoundedByTheCpuLimit) {
    ScratchDir dir;
    const std::string pdf = dir.path("slow.pdf");
    ASSERT_TRUE(test::write_zero_stream_pdf(pdf, 20, 256ull << 20, /*level=*/1));
    DocumentLimits l;
    l.max_cpu_seconds = 1;
    const auto t0 = std::chrono::steady_clock::now();
    expect_limit(read_document_pages(pdf, {1, 2, 3, 4, 5, 6, 7, 8}, l), kLimitCpuSeconds, pdf);
    EXPECT_LT(seconds_since(t0), 10.0);
}

// An 8.5 x 200 in page took 93 s to render; its page box is refused first.
TEST(DocumentLimits, AHugePdfPageBoxIsRefusedByThePixelLimitBeforeRendering) {
    ScratchDir dir;
    const std::string pdf = dir.path("tall.pdf");
    write_file(pdf, fax::testing::make_pdf({"0 0 0 rg 72 72 144 144 re f\n"}, 612, 14400));
    const auto t0 = std::chrono::steady_clock::now();
    auto r = read_document_pages(pdf, {1}, DocumentLimits{});
    expect_limit(r, kLimitPagePixels, pdf);
    EXPECT_NE(r.error().message.find("page 1"), std::string::npos);
    EXPECT_LT(seconds_since(t0), 5.0);
}

TEST(DocumentLimits, PdfPageCountAndSelectionAreApplied) {
    ScratchDir dir;
    const std::string pdf = dir.path("three.pdf");
    write_file(pdf, fax::testing::make_pdf({"", "0 0 0 rg 72 72 144 144 re f\n", ""}));
    auto doc = read_document_pages(pdf, {2}, DocumentLimits{});
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    EXPECT_EQ(doc->page_count, 3);
    EXPECT_EQ(doc->numbers, std::vector<int>{2});
    ASSERT_EQ(doc->pages.size(), 1u);
    EXPECT_EQ(doc->pages[0].width, 1728);
    DocumentLimits two;
    two.max_pages = 2;
    expect_limit(read_document_pages(pdf, {1}, two), kLimitPages, pdf);
}

// "P4\n100000 100000\n" (20 bytes) allocated 1.2 GB before the raster was found missing.
TEST(DocumentLimits, APbmHeaderIsCheckedAgainstTheLimitsAndTheFileSizeBeforeAllocating) {
    ScratchDir dir;
    const std::string pbm = dir.path("header.pbm");
    write_file(pbm, "P4\n100000 100000\n\n\n");
    expect_limit(read_document_pages(pbm, {1}, DocumentLimits{}), kLimitPagePixels, pbm);
    if (test::kUnderAsan) GTEST_SKIP() << "the address-space limit needs a build without ASan";
    // With the pixel limits out of the way, the file's size refuses it, still before the
    // page is allocated: 512 MB of address space is far less than the 1.25 GB declared.
    DocumentLimits roomy;
    roomy.max_page_pixels = roomy.max_document_pixels = roomy.max_decompressed_bytes = 20'000'000'000ull;
    EXPECT_TRUE(test::run_with_address_space(512ull << 20, [&] {
        auto r = read_document_pages(pbm, {1}, roomy);
        return !r.ok() && r.error().message.find("truncated") != std::string::npos;
    }));
    write_file(pbm, "P1\n4000 4000\n0 1 0");
    auto plain = read_pbm(pbm);
    ASSERT_FALSE(plain.ok());
    EXPECT_NE(plain.error().message.find("truncated"), std::string::npos) << plain.error().to_string();
}

// A FIFO hung the command for ever in open(); a directory, a device and a symbolic link
// are not documents either. Each is refused before it is opened.
TEST(DocumentLimits, APathThatIsNotARegularFileIsRefusedBeforeItBlocks) {
    ScratchDir dir;
    const std::string fifo = dir.path("scan.pdf"), link = dir.path("link.pdf"), real = dir.path("real.pdf");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    write_file(real, fax::testing::make_pdf({""}));
    std::filesystem::create_symlink(real, link);
    const auto t0 = std::chrono::steady_clock::now();
    for (const std::string& p : {fifo, dir.path(""), std::string("/dev/zero"), link}) {
        auto r = read_document_pages(p, {1}, DocumentLimits{});
        ASSERT_FALSE(r.ok()) << p;
        EXPECT_EQ(r.error().code, Errc::InvalidInput) << r.error().to_string();
        EXPECT_NE(r.error().message.find("not a regular file"), std::string::npos) << r.error().to_string();
    }
    auto f = read_document(fifo);
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.error().message.find("a FIFO"), std::string::npos) << f.error().to_string();
    EXPECT_FALSE(read_tiff(fifo).ok());
    EXPECT_FALSE(read_pbm(fifo).ok());
    EXPECT_FALSE(PdfDocument::open(fifo).ok());
    EXPECT_LT(seconds_since(t0), 5.0);
    ASSERT_TRUE(read_document_pages(real, {1}, DocumentLimits{}).ok());
}

TEST(DocumentLimits, AFileLargerThanTheLimitIsRefusedUnread) {
    ScratchDir dir;
    const std::string pbm = dir.path("big.pbm");
    write_file(pbm, "P4\n8 8\n" + std::string(10000, '\0'));
    DocumentLimits l;
    l.max_file_bytes = 4096;
    expect_limit(read_document_pages(pbm, {1}, l), kLimitFileBytes, pbm);
    ASSERT_TRUE(read_document_pages(pbm, {1}, DocumentLimits{}).ok());
}

}  // namespace
}  // namespace fax::t30
