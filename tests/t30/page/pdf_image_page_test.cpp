// PDF pages that are one bilevel image, read from the PDF's objects (qpdf) instead of being
// rasterised by poppler: every page is rendered both ways (PdfDocument::set_direct_images)
// and must give the same pixels; pages the direct path does not reproduce fall back.
// The test PDFs are written here with qpdf's writer (every box, matrix, encoding and
// number spelled out) and, for the benchmark's own case, with cairo.
#define POINTERHOLDER_TRANSITION 4

#include <cairo-pdf.h>
#include <cairo.h>
#include <gtest/gtest.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>
#include <tiffio.h>
#include <zlib.h>

#include <bit>
#include <cstdio>
#include <string>
#include <vector>

#include "fax/t30/document_reader.h"
#include "fax/t30/t6_encoder.h"
#include "page_test_util.h"

namespace fax::t30 {
namespace {

using test::ScratchDir;

// A w x h image with structure at every scale: pseudo-random 2 x 2 blocks (no isolated
// pixel, so the page does not look halftoned) on a grid shifted by one pixel in every other
// band, in bands of different densities, so that any column or row landing one pixel off
// shows.
Bitmap pattern(int w, int h, unsigned seed = 7) {
    Bitmap b = Bitmap::blank(w, h);
    const int bw = w / 2 + 2, bh = h / 2 + 2;
    std::vector<uint8_t> blocks(static_cast<std::size_t>(bw) * static_cast<std::size_t>(bh));
    for (int by = 0; by < bh; ++by)
        for (int bx = 0; bx < bw; ++bx) {
            seed = seed * 1103515245u + 12345u;
            const unsigned density = 1u + static_cast<unsigned>((by / 19 + bx / 27) % 4);
            blocks[static_cast<std::size_t>(by) * static_cast<std::size_t>(bw) + static_cast<std::size_t>(bx)] =
                (seed >> 16) % 5 < density;
        }
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int shift = (y / 40) % 2;
            const std::size_t at = static_cast<std::size_t>((y + shift) / 2) * static_cast<std::size_t>(bw) +
                                   static_cast<std::size_t>((x + shift) / 2);
            if (blocks[at]) b.set(x, y, true);
        }
    return b;
}

// Rows of ceil(w/8) bytes, MSB first, 1 = `one_is_black` ? black : white (the Decode array
// decides which samples the mask paints).
std::string samples(const Bitmap& b, bool one_is_black) {
    std::string s(b.bits.size(), '\0');
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(one_is_black ? b.bits[i] : ~b.bits[i]);
    return s;
}

std::string deflate(const std::string& in) {
    uLongf n = compressBound(static_cast<uLong>(in.size()));
    std::string out(n, '\0');
    EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(in.data()),
                        static_cast<uLong>(in.size()), 6),
              Z_OK);
    out.resize(n);
    return out;
}

struct ImagePage {
    std::string media = "[0 0 609.882353 872.816327]";
    std::string crop;         // "" : none
    int rotate = 0;
    Bitmap image;             // drawn as /Im0
    std::string decode = "[1 0]";  // "" : none ([0 1])
    bool flate = true;
    std::string content = "1 0 0 -1 0 872.816327 cm q 0 0 0 rg /a0 gs q 609.882353 0 0 -872.816327 0 872.816327 cm /Im0 Do Q Q";
    bool ccitt = false;         // /CCITTFaxDecode: the samples coded T.6 (flate is ignored)
    bool black_is_1 = false;    // with ccitt: /BlackIs1 true
    std::string ccitt_parms;    // with ccitt: "" : << /K -1 /Columns W /Rows H [/BlackIs1 true] >>
    std::size_t ccitt_cut = 0;  // with ccitt: bytes cut from the end of the coded data
    // With ccitt: "" T.6 (the project's encoder), else T.4 as libtiff codes it: "mh" (1-D
    // rows after EOLs), "mr" (2-D, K 4), either "-fill" (EOLs ending on a byte), or "rle"
    // (1-D rows each starting on a byte, no EOL: TIFF's CCITT RLE).
    std::string t4;
    bool ccitt_damage = false;  // with ccitt: a byte in the middle of the data inverted
    bool second_image = false;  // a second XObject /Im1 (the content may draw it)
    bool font = false;          // a /Font /F1 (Helvetica) in the resources
    // What the image is: "" an image mask (/ImageMask true), else these keys (an opaque
    // image, e.g. "/ColorSpace /DeviceGray"); its samples are the same either way.
    std::string kind;
    std::string resources_extra;  // more entries for the page's resources ("/ColorSpace << ... >>")
    // Non-empty: /Im0 is instead an 8-bit /DeviceGray image of these samples (grey_w x
    // grey_h, Flate if `flate`, /Decode `decode` unless it is the default "[1 0]").
    std::vector<uint8_t> grey;
    int grey_w = 0, grey_h = 0;
};

// `coded` (1 = black) as libtiff's T.4 coder writes it (`how` as ImagePage::t4), through a
// scratch TIFF at `scratch`: the strip's bytes.
std::vector<uint8_t> encode_t4(const Bitmap& coded, const std::string& how, const std::string& scratch) {
    const bool rle = how == "rle";
    uint32_t options = 0;
    if (how.rfind("mr", 0) == 0) options |= GROUP3OPT_2DENCODING;
    if (how.find("-fill") != std::string::npos) options |= GROUP3OPT_FILLBITS;
    TIFF* t = TIFFOpen(scratch.c_str(), "w");
    EXPECT_NE(t, nullptr);
    if (!t) return {};
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(coded.width));
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(coded.height));
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_COMPRESSION, rle ? COMPRESSION_CCITTRLE : COMPRESSION_CCITTFAX3);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, static_cast<uint32_t>(coded.height));
    TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0);
    if (!rle) TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, options);
    std::vector<uint8_t> row(coded.stride());
    for (int y = 0; y < coded.height; ++y) {
        std::copy(coded.row(y), coded.row(y) + coded.stride(), row.begin());
        EXPECT_EQ(TIFFWriteScanline(t, row.data(), static_cast<uint32_t>(y), 0), 1);
    }
    TIFFClose(t);
    t = TIFFOpen(scratch.c_str(), "r");
    EXPECT_NE(t, nullptr);
    if (!t) return {};
    std::vector<uint8_t> out(static_cast<std::size_t>(TIFFRawStripSize(t, 0)));
    EXPECT_EQ(TIFFReadRawStrip(t, 0, out.data(), static_cast<tmsize_t>(out.size())), static_cast<tmsize_t>(out.size()));
    TIFFClose(t);
    std::remove(scratch.c_str());
    return out;
}

void write_pdf(const std::string& path, const std::vector<ImagePage>& pages) {
    QPDF q;
    q.emptyPDF();
    QPDFPageDocumentHelper doc(q);
    for (const ImagePage& p : pages) {
        auto image_of = [&](const Bitmap& bm) {
            const bool one_is_black = p.decode == "[1 0]";
            std::string data = samples(bm, one_is_black);
            std::string dict = "<< /Type /XObject /Subtype /Image " + (p.kind.empty() ? "/ImageMask true" : p.kind) +
                               " /BitsPerComponent 1 /Width " +
                               std::to_string(bm.width) + " /Height " + std::to_string(bm.height);
            if (!p.decode.empty()) dict += " /Decode " + p.decode;
            if (p.ccitt) {
                // The samples as a T.6 image whose black pixels are the 0 samples (BlackIs1
                // false, the default) or the 1 samples.
                Bitmap coded = Bitmap::blank(bm.width, bm.height);
                for (std::size_t i = 0; i < data.size(); ++i)
                    coded.bits[i] = static_cast<uint8_t>(p.black_is_1 ? data[i] : ~data[i]);
                std::vector<uint8_t> t6 = p.t4.empty() ? encode_t6(coded, BitOrder::MsbFirst)
                                                       : encode_t4(coded, p.t4, path + ".t4.tif");
                t6.resize(t6.size() - std::min(p.ccitt_cut, t6.size()));
                if (p.ccitt_damage && !t6.empty()) t6[t6.size() / 2] = static_cast<uint8_t>(~t6[t6.size() / 2]);
                data.assign(t6.begin(), t6.end());
                std::string coding = " /K -1";
                if (p.t4 == "rle") coding = " /K 0 /EncodedByteAlign true";
                else if (!p.t4.empty())
                    coding = std::string(p.t4.rfind("mr", 0) == 0 ? " /K 4" : " /K 0") + " /EndOfLine true" +
                             (p.t4.find("-fill") != std::string::npos ? " /EncodedByteAlign true" : "");
                dict += " /Filter /CCITTFaxDecode /DecodeParms ";
                dict += !p.ccitt_parms.empty() ? p.ccitt_parms
                                               : "<<" + coding + " /Columns " + std::to_string(bm.width) + " /Rows " +
                                                     std::to_string(bm.height) +
                                                     (p.black_is_1 ? " /BlackIs1 true >>" : " >>");
            } else if (p.flate) {
                data = deflate(data);
                dict += " /Filter /FlateDecode";
            }
            dict += " >>";
            QPDFObjectHandle s = QPDFObjectHandle::newStream(&q, data);
            QPDFObjectHandle d = QPDFObjectHandle::parse(dict);
            for (const auto& k : d.getKeys()) s.getDict().replaceKey(k, d.getKey(k));
            return s;
        };
        auto grey_image = [&]() {
            std::string data(p.grey.begin(), p.grey.end());
            std::string dict = "<< /Type /XObject /Subtype /Image /ColorSpace /DeviceGray /BitsPerComponent 8 /Width " +
                               std::to_string(p.grey_w) + " /Height " + std::to_string(p.grey_h);
            if (p.decode != "[1 0]" && !p.decode.empty()) dict += " /Decode " + p.decode;
            if (p.flate) {
                data = deflate(data);
                dict += " /Filter /FlateDecode";
            }
            dict += " >>";
            QPDFObjectHandle s = QPDFObjectHandle::newStream(&q, data);
            QPDFObjectHandle d = QPDFObjectHandle::parse(dict);
            for (const auto& k : d.getKeys()) s.getDict().replaceKey(k, d.getKey(k));
            return s;
        };
        QPDFObjectHandle xobjects = QPDFObjectHandle::newDictionary();
        xobjects.replaceKey("/Im0", p.grey.empty() ? image_of(p.image) : grey_image());
        if (p.second_image) xobjects.replaceKey("/Im1", image_of(pattern(64, 64, 3)));
        QPDFObjectHandle resources =
            QPDFObjectHandle::parse("<< /ExtGState << /a0 << /CA 1 /ca 1 >> >> " + p.resources_extra + " >>");
        resources.replaceKey("/XObject", xobjects);
        if (p.font)
            resources.replaceKey("/Font", QPDFObjectHandle::parse(
                                              "<< /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>"));
        std::string dict = "<< /Type /Page /MediaBox " + p.media;
        if (!p.crop.empty()) dict += " /CropBox " + p.crop;
        if (p.rotate != 0) dict += " /Rotate " + std::to_string(p.rotate);
        dict += " >>";
        QPDFObjectHandle page = QPDFObjectHandle::parse(dict);
        page.replaceKey("/Resources", resources);
        page.replaceKey("/Contents", QPDFObjectHandle::newStream(&q, p.content));
        doc.addPage(QPDFPageObjectHelper(q.makeIndirectObject(page)), false);
    }
    QPDFWriter w(q, path.c_str());
    w.setCompressStreams(false);  // the image streams stay as written (Flate or not)
    w.setDecodeLevel(qpdf_dl_none);
    w.setStaticID(true);
    w.write();
}

// Every page rendered both ways; `direct` says which pages must take the direct path.
void expect_same_pixels(const std::string& pdf, const std::vector<bool>& direct, const std::string& what) {
    auto fast = PdfDocument::open(pdf);
    auto slow = PdfDocument::open(pdf);
    ASSERT_TRUE(fast.ok()) << fast.error().to_string();
    ASSERT_TRUE(slow.ok());
    slow->set_direct_images(false);
    ASSERT_EQ(fast->pages(), static_cast<int>(direct.size()));
    for (int i = 0; i < fast->pages(); ++i) {
        PdfPagePath fp = PdfPagePath::Grey, sp = PdfPagePath::Grey;
        auto a = fast->render_bilevel(i, {}, &fp);
        auto b = slow->render_bilevel(i, {}, &sp);
        ASSERT_TRUE(a.ok()) << a.error().to_string();
        ASSERT_TRUE(b.ok()) << b.error().to_string();
        EXPECT_NE(sp, PdfPagePath::Image) << what << ": direct images off";
        EXPECT_NE(sp, PdfPagePath::ImageGrey) << what << ": direct images off";
        EXPECT_EQ(fp == PdfPagePath::Image || fp == PdfPagePath::ImageGrey, direct[static_cast<std::size_t>(i)])
            << what << ", page " << i + 1;
        ASSERT_TRUE(a->well_formed());
        ASSERT_TRUE(b->well_formed());
        EXPECT_EQ(a->width, b->width) << what << ", page " << i + 1;
        EXPECT_EQ(a->height, b->height) << what << ", page " << i + 1;
        // Counted a byte at a time (per pixel, the count was most of the suite's time under
        // ASan); the bits past a row's width are not pixels and are masked off.
        long differ = 0, black = 0;
        const Bitmap& fa = *a;
        const Bitmap& sb = *b;
        if (fa.width == sb.width && fa.height == sb.height) {
            const std::size_t stride = sb.stride();
            const uint8_t tail = sb.last_byte_mask();
            for (int y = 0; y < sb.height; ++y) {
                const uint8_t* ra = fa.row(y);
                const uint8_t* rb = sb.row(y);
                for (std::size_t k = 0; k < stride; ++k) {
                    const unsigned m = k + 1 == stride ? tail : 0xffu;
                    differ += std::popcount(static_cast<unsigned>((ra[k] ^ rb[k]) & m));
                    black += std::popcount(static_cast<unsigned>(rb[k] & m));
                }
            }
        }
        EXPECT_EQ(differ, 0) << what << ", page " << i + 1 << ": pixels that differ from poppler's";
        EXPECT_GT(black, 0) << what << ", page " << i + 1 << ": the image was drawn";
        EXPECT_TRUE(*a == *b) << what << ", page " << i + 1;
    }
}

// Pages the direct path must leave to poppler, rendered both ways: the first `must_fall_back`
// pages take poppler's path, and every page gives poppler's pixels (or fails both ways).
void expect_poppler_decides(const std::string& pdf, int pages, int must_fall_back) {
    auto fast = PdfDocument::open(pdf);
    auto slow = PdfDocument::open(pdf);
    ASSERT_TRUE(fast.ok()) << fast.error().to_string();
    ASSERT_TRUE(slow.ok());
    slow->set_direct_images(false);
    ASSERT_EQ(fast->pages(), pages);
    for (int i = 0; i < fast->pages(); ++i) {
        PdfPagePath path = PdfPagePath::Image;
        auto a = fast->render_bilevel(i, {}, &path);
        auto b = slow->render_bilevel(i, {}, nullptr);
        ASSERT_EQ(a.ok(), b.ok()) << "page " << i + 1;
        if (!a.ok()) continue;
        if (i < must_fall_back) {
            EXPECT_NE(path, PdfPagePath::Image) << "page " << i + 1;
            EXPECT_NE(path, PdfPagePath::ImageGrey) << "page " << i + 1;
        }
        EXPECT_TRUE(*a == *b) << "page " << i + 1 << (path == PdfPagePath::Image ? " (direct)" : "");
    }
}

TEST(PdfImagePage, TheScanAtThePagesPixelSizeIsReadDirectlyWithPopplersPixels) {
    // The benchmark's charts.pdf page: an ITU chart, 1728 x 2376 at 204 x 196 dpi, as cairo
    // writes it (outer flip, black fill, opacity ExtGState, /Decode [1 0], Flate).
    ScratchDir dir;
    ImagePage p;
    p.image = test::load_itu(1);
    ASSERT_EQ(p.image.width, 1728);
    write_pdf(dir.path("chart.pdf"), {p});
    expect_same_pixels(dir.path("chart.pdf"), {true}, "chart");
}

TEST(PdfImagePage, CairosOwnImageMaskPageIsReadDirectly) {
    // Written exactly as tools/faxbench/prep_bench.cpp writes charts.pdf.
    ScratchDir dir;
    const std::string pdf = dir.path("cairo.pdf");
    std::vector<Bitmap> charts = {test::load_itu(2), pattern(1728, 2376)};
    cairo_surface_t* surface = cairo_pdf_surface_create(pdf.c_str(), 1728 * 72.0 / 204.0, 2376 * 72.0 / 196.0);
    cairo_t* cr = cairo_create(surface);
    for (const Bitmap& page : charts) {
        cairo_surface_t* mask = cairo_image_surface_create(CAIRO_FORMAT_A1, page.width, page.height);
        cairo_surface_flush(mask);
        unsigned char* d = cairo_image_surface_get_data(mask);
        const int stride = cairo_image_surface_get_stride(mask);
        for (int y = 0; y < page.height; ++y) {
            unsigned char* row = d + static_cast<std::ptrdiff_t>(y) * stride;
            std::fill(row, row + stride, 0);
            for (int x = 0; x < page.width; ++x)
                if (page.get(x, y)) {
                    const int bit = std::endian::native == std::endian::little ? (x & 7) : 7 - (x & 7);
                    row[x >> 3] = static_cast<unsigned char>(row[x >> 3] | (1u << bit));
                }
        }
        cairo_surface_mark_dirty(mask);
        cairo_save(cr);
        cairo_scale(cr, 72.0 / 204.0, 72.0 / 196.0);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_mask_surface(cr, mask, 0, 0);
        cairo_restore(cr);
        cairo_show_page(cr);
        cairo_surface_destroy(mask);
    }
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    ASSERT_EQ(cairo_surface_status(surface), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(surface);
    expect_same_pixels(pdf, {true, true}, "cairo");
}

TEST(PdfImagePage, EveryEncodingAndDecodeArrayGivesPopplersPixels) {
    ScratchDir dir;
    std::vector<ImagePage> pages;
    for (bool flate : {true, false})
        for (const char* decode : {"[1 0]", "[0 1]", ""}) {
            ImagePage p;
            p.image = pattern(1728, 2376, flate ? 11u : 13u);
            p.flate = flate;
            p.decode = decode;
            pages.push_back(p);
        }
    write_pdf(dir.path("enc.pdf"), pages);
    expect_same_pixels(dir.path("enc.pdf"), std::vector<bool>(pages.size(), true), "encodings");
}

TEST(PdfImagePage, ScaledPlacedAndCroppedImagesGivePopplersPixels) {
    ScratchDir dir;
    std::vector<ImagePage> pages;
    std::vector<bool> direct;
    auto add = [&](ImagePage p, bool d) {
        pages.push_back(std::move(p));
        direct.push_back(d);
    };
    // Larger than the image: exactly 2x, and non-integer ratios (replicated by Bresenham).
    for (auto [w, h] : {std::pair{864, 1188}, std::pair{1000, 1500}, std::pair{1727, 2375}, std::pair{613, 997}}) {
        ImagePage p;
        p.image = pattern(w, h, static_cast<unsigned>(w));
        add(p, true);
    }
    // Not flipped (the image drawn with a positive height: upside down on the page).
    {
        ImagePage p;
        p.image = pattern(900, 1300);
        p.content = "q 609.882353 0 0 872.816327 0 0 cm /Im0 Do Q";
        add(p, true);
    }
    // Placed inside the page at fractional positions, in part off the page.
    for (const char* cm : {"300.25 0 0 -400.5 100.3 700.7 cm", "500 0 0 -500 250.5 300 cm", "310 0 0 -431.3 -20.6 450 cm"}) {
        ImagePage p;
        p.image = pattern(700, 900);
        p.content = std::string("q ") + cm + " /Im0 Do Q";
        add(p, true);
    }
    // Clipped to rectangles (cairo clips a page to its whole points: "0 0 609 872 re W n"),
    // nested, saved and restored.
    for (const char* content :
         {"1 0 0 -1 0 872.816327 cm q Q q 0 0 609 872 re W n 0 0 0 rg /a0 gs q 609.882353 0 0 -872.816327 0 872.816327 cm /Im0 Do Q Q",
          "q 100.5 200.25 300.7 -150.3 re W n 50 50 500 700 re W* n 609.882353 0 0 -872.816327 0 872.816327 cm /Im0 Do Q",
          "q 10 10 100 100 re W n Q 609.882353 0 0 -872.816327 0 872.816327 cm /Im0 Do"}) {
        ImagePage p;
        p.image = pattern(1728, 2376, 5);
        p.content = content;
        add(p, true);
    }
    // Smaller than the image: Splash averages samples into grey, the screen decides: poppler.
    {
        ImagePage p;
        p.image = pattern(2000, 2500);
        add(p, false);
    }
    // Letter (scaled to fit 1728) and A4 (1687 wide: rendered as a 1696-pixel slice).
    for (const char* media : {"[0 0 612 792]", "[0 0 595.28 841.89]", "[0 0 500.5 700]"}) {
        ImagePage p;
        p.media = media;
        p.image = pattern(1100, 1500);
        p.content = "q 612 0 0 -792 0 792 cm /Im0 Do Q";
        add(p, true);
    }
    // Crop boxes inside the media box, Letter and A4 (a slice, clipped to the crop box).
    for (const auto& [media, crop] : {std::pair{"[0 0 612 792]", "[20.5 30 580 760.25]"},
                                      std::pair{"[0 0 595.28 841.89]", "[10 10 585.28 831.89]"},
                                      std::pair{"[0 0 609.882353 872.816327]", "[0 0 609.882353 800]"},
                                      std::pair{"[0 0 612 792]", "[100 100 400.7 600.3]"}}) {
        ImagePage p;
        p.media = media;
        p.crop = crop;
        p.image = pattern(1000, 1400);
        p.content = "q 612 0 0 -792 0 792 cm /Im0 Do Q";
        add(p, true);
    }
    write_pdf(dir.path("scaled.pdf"), pages);
    expect_same_pixels(dir.path("scaled.pdf"), direct, "scaled/placed/cropped");
}

TEST(PdfImagePage, CcittT6ImageMasksGivePopplersPixels) {
    // A scanner's page: the image mask coded T.6 (CCITTFaxDecode, K -1), decoded by libtiff
    // on the direct path and by poppler's own decoder on the other.
    ScratchDir dir;
    std::vector<ImagePage> pages;
    for (bool black_is_1 : {false, true})
        for (const char* decode : {"[1 0]", "[0 1]", ""}) {
            ImagePage p;
            p.image = test::load_itu(black_is_1 ? 4 : 1);
            p.ccitt = true;
            p.black_is_1 = black_is_1;
            p.decode = decode;
            pages.push_back(p);
        }
    // The parameters as scanners spell them: Columns and Rows left out (1728 is the
    // default), the defaults spelled out, in an array.
    ImagePage sparse;
    sparse.image = pattern(1728, 2376, 17);
    sparse.ccitt = true;
    sparse.ccitt_parms = "<< /K -1 >>";
    pages.push_back(sparse);
    ImagePage spelled = sparse;
    spelled.ccitt_parms = "<< /K -1 /Columns 1728 /EncodedByteAlign false /EndOfLine false /EndOfBlock true "
                          "/BlackIs1 false /DamagedRowsBeforeError 0 >>";
    pages.push_back(spelled);
    // Scaled up and placed, and on a Letter page (a 1728-pixel line, scaled to fit).
    ImagePage scaled;
    scaled.image = pattern(1000, 1400, 19);
    scaled.ccitt = true;
    scaled.content = "q 500 0 0 -700 50.5 760 cm /Im0 Do Q";
    pages.push_back(scaled);
    ImagePage letter = scaled;
    letter.media = "[0 0 612 792]";
    letter.content = "q 612 0 0 -792 0 792 cm /Im0 Do Q";
    pages.push_back(letter);
    write_pdf(dir.path("ccitt.pdf"), pages);
    expect_same_pixels(dir.path("ccitt.pdf"), std::vector<bool>(pages.size(), true), "CCITT T.6");
}

TEST(PdfImagePage, OpaqueOneBitGreyImagesGivePopplersPixels) {
    // What most scanners write: not a mask but a 1-bit /DeviceGray image, which Splash draws
    // opaque (white too) through its colour map and mono screen: the same pixels as a mask
    // when its samples are copied (at its own size) or replicated (enlarged 4x or more in a
    // direction); enlarged less, it is interpolated into grey, and that is poppler's.
    ScratchDir dir;
    std::vector<ImagePage> pages;
    std::vector<bool> direct;
    auto add = [&](ImagePage p, bool d) {
        if (p.kind.empty()) p.kind = "/ColorSpace /DeviceGray";
        pages.push_back(std::move(p));
        direct.push_back(d);
    };
    // At its own size on the whole page (1728 x 2376 pixels: 609.882352 x 872.632653 pt
    // from the top is 1727.999997 x 2375.5 pixels): every encoding and Decode array.
    const std::string own_size = "q 609.882352 0 0 -872.632653 0 872.816327 cm /Im0 Do Q";
    for (int enc = 0; enc < 4; ++enc)
        for (const char* decode : {"[1 0]", "[0 1]", ""}) {
            ImagePage p;
            p.image = pattern(1728, 2376, static_cast<unsigned>(31 + enc));
            p.content = own_size;
            p.flate = enc == 0;
            p.ccitt = enc >= 2;
            p.black_is_1 = enc == 3;
            p.decode = decode;
            add(p, true);
        }
    // /Interpolate at its own size changes nothing (whole steps, weights 1 and 0).
    ImagePage smooth;
    smooth.image = pattern(1728, 2376, 41);
    smooth.content = own_size;
    smooth.kind = "/ColorSpace /DeviceGray /Interpolate true";
    add(smooth, true);
    // At its own size placed at fractional positions (999.5 x 1399.5 pixels from 100.3,
    // 2177.8: 1000 x 1400 pixels), on a cropped page and in a clip.
    ImagePage placed;
    placed.image = pattern(1000, 1400, 37);
    placed.content = "q 352.764706 0 0 -514.102041 35.4 800 cm /Im0 Do Q";
    add(placed, true);
    ImagePage cropped = placed;  // 1700 pixels wide: a slice
    cropped.crop = "[0 0 600 792]";
    add(cropped, true);
    ImagePage clipped = placed;
    clipped.content = "q 100.5 300.25 200.7 400.3 re W n 352.764706 0 0 -514.102041 35.4 800 cm /Im0 Do Q";
    add(clipped, true);
    // Enlarged 4x or more in at least one direction: replicated (Bresenham), also on the
    // page's 1729 x 2377 pixels (609.882353 x 872.816327 pt are 1728.0000002 x 2376.00001).
    for (auto [w, h] : {std::pair{432, 594}, std::pair{400, 500}, std::pair{1728, 500}, std::pair{1000, 580},
                        std::pair{300, 2376}}) {
        ImagePage p;
        p.image = pattern(w, h, static_cast<unsigned>(w + h));
        add(p, true);
    }
    ImagePage upside_down;  // not flipped: drawn with a positive height, placed and clipped
    upside_down.image = pattern(100, 130, 45);
    upside_down.content = "q 50.5 60 500 700 re W n 400.3 0 0 600.7 30.2 100.9 cm /Im0 Do Q";
    add(upside_down, true);
    // Enlarged less than 4x both ways (the whole page's 1728 x 2376 on 1729 x 2377 among them),
    // or with /Interpolate: bilinear grey, poppler's.
    for (auto [w, h] : {std::pair{1728, 2376}, std::pair{1000, 1500}, std::pair{1728, 2000}, std::pair{1700, 2376}}) {
        ImagePage p;
        p.image = pattern(w, h, static_cast<unsigned>(w * 3 + h));
        add(p, false);
    }
    ImagePage smooth4x;
    smooth4x.image = pattern(432, 594, 43);
    smooth4x.kind = "/ColorSpace /DeviceGray /Interpolate true";
    add(smooth4x, false);
    // Colour spaces and Decode arrays whose grey is not proven 0 and 255, and /DeviceGray
    // redefined by the page's /DefaultGray (here inverted): poppler's.
    for (const char* kind : {"/ColorSpace [/CalGray << /WhitePoint [0.9505 1 1.089] /Gamma 2.2 >>]",
                             "/ColorSpace [/CalGray << /WhitePoint [0.9505 1 1.089] >>]",
                             "/ColorSpace [/Indexed /DeviceGray 1 <00ff>]", "/ColorSpace /DeviceGray /Decode [0 0.5]"}) {
        ImagePage p;
        p.image = pattern(1728, 2376, 47);
        p.content = own_size;
        p.kind = kind;
        if (std::string(kind).find("/Decode") != std::string::npos) p.decode = "";
        add(p, false);
    }
    ImagePage redefined;
    redefined.image = pattern(1728, 2376, 53);
    redefined.content = own_size;
    redefined.resources_extra = "/ColorSpace << /DefaultGray [/Indexed /DeviceGray 1 <ff00>] >>";
    add(redefined, false);
    write_pdf(dir.path("opaque.pdf"), pages);
    expect_same_pixels(dir.path("opaque.pdf"), direct, "1-bit grey images");
}

TEST(PdfImagePage, CcittG3ImagesGivePopplersPixels) {
    // T.4 ("Group 3") data as libtiff codes it: 1-D and 2-D rows after EOLs (with and
    // without fill bits), and 1-D rows on bytes without EOLs; masks and opaque images,
    // BlackIs1 either way, at the page's size and scaled and placed.
    ScratchDir dir;
    std::vector<ImagePage> pages;
    unsigned seed = 61;
    for (const char* how : {"mh", "mh-fill", "mr", "mr-fill", "rle"})
        for (int variant = 0; variant < 3; ++variant) {
            ImagePage p;
            p.ccitt = true;
            p.t4 = how;
            p.black_is_1 = variant == 1;
            if (variant == 2) {
                p.kind = "/ColorSpace /DeviceGray";
                p.image = pattern(1728, 2376, seed++);
                p.content = "q 609.882352 0 0 -872.632653 0 872.816327 cm /Im0 Do Q";
            } else {
                p.image = variant == 0 ? test::load_itu(1) : pattern(1000, 1400, seed++);
                if (variant == 1) p.content = "q 500 0 0 -700 50.5 760 cm /Im0 Do Q";
            }
            pages.push_back(p);
        }
    // Columns and Rows left out (1728 is the default).
    ImagePage sparse;
    sparse.image = pattern(1728, 2376, 71);
    sparse.ccitt = true;
    sparse.t4 = "mr";
    sparse.ccitt_parms = "<< /K 2 /EndOfLine true >>";
    pages.push_back(sparse);
    write_pdf(dir.path("g3.pdf"), pages);
    expect_same_pixels(dir.path("g3.pdf"), std::vector<bool>(pages.size(), true), "CCITT T.4");
}

TEST(PdfImagePage, CcittG3DataTheDirectPathCannotProveKeepsPopplersPath) {
    // T.4 rows neither after EOLs nor on bytes (libtiff has no codec for them), EOL-coded
    // rows labelled as byte-aligned ones and the other way round, 2-D rows without EOLs,
    // data cut short: poppler's path (a damaged byte in the middle: either path, but the
    // direct one only with poppler's pixels).
    ScratchDir dir;
    std::vector<ImagePage> pages;
    ImagePage base;
    base.image = pattern(1728, 2376, 73);
    base.ccitt = true;
    base.t4 = "mh";
    for (const auto& [how, parms] :
         {std::pair{"mh", "<< /K 0 /Columns 1728 >>"}, std::pair{"mr", "<< /K 1 /Columns 1728 >>"},
          std::pair{"rle", "<< /K 0 /Columns 1728 /EndOfLine true >>"},
          std::pair{"mh", "<< /K 0 /Columns 1728 /EncodedByteAlign true >>"},
          std::pair{"mh", "<< /K 0 /Columns 1728 /EndOfLine true /Uncompressed true >>"},
          std::pair{"mh", "<< /K 0 /Columns 1720 /EndOfLine true >>"}}) {
        ImagePage p = base;
        p.t4 = how;
        p.ccitt_parms = parms;
        pages.push_back(p);
    }
    for (const char* how : {"mh", "mr", "rle"}) {
        ImagePage p = base;
        p.t4 = how;
        p.ccitt_cut = 3000;
        pages.push_back(p);
    }
    const std::size_t must_fall_back = pages.size();
    for (const char* how : {"mh", "mr", "rle"}) {
        ImagePage p = base;
        p.t4 = how;
        p.ccitt_damage = true;
        pages.push_back(p);
    }
    write_pdf(dir.path("g3-other.pdf"), pages);
    expect_poppler_decides(dir.path("g3-other.pdf"), static_cast<int>(pages.size()), static_cast<int>(must_fall_back));
}

// A w x h grey image: the pattern's blocks black on every grey level in bands (a scan's
// tones: 0), on white (1), or on white with every grey level only in the pixels right of a
// black one (2: whatever the screen makes of them, no isolated pixel, so the page stays mono).
std::vector<uint8_t> grey_scan(int w, int h, unsigned seed, int tones) {
    const Bitmap b = pattern(w, h, seed);
    std::vector<uint8_t> g(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const auto level = static_cast<uint8_t>((x / 3 + y * 7) % 256);
            uint8_t v = 255;
            if (b.get(x, y)) v = 0;
            else if (tones == 0 || (tones == 2 && x > 0 && b.get(x - 1, y))) v = level;
            g[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)] = v;
        }
    return g;
}

TEST(PdfImagePage, EightBitGreyImagesAtTheirOwnSizeGivePopplersPixels) {
    // A grey scan drawn at its own size: Splash's mono renderer screens each sample's grey
    // (a page of tones then looks halftoned, and its grey, as poppler's grey renderer draws
    // it, is made bilevel by binarise()); a grey image of only black and white stays mono.
    ScratchDir dir;
    std::vector<ImagePage> pages;
    std::vector<bool> direct;
    const PdfPagePath want[] = {PdfPagePath::ImageGrey, PdfPagePath::ImageGrey, PdfPagePath::Image,
                                PdfPagePath::Image, PdfPagePath::Image};
    for (int i = 0; i < 5; ++i) {
        ImagePage p;
        p.grey_w = 1728;
        p.grey_h = 2376;
        p.grey = grey_scan(1728, 2376, 81u + static_cast<unsigned>(i), i < 2 ? 0 : i < 4 ? 1 : 2);
        p.flate = i % 2 == 0;
        p.decode = i == 1 ? "[1 0]" : i == 3 ? "[0 1]" : "";
        p.content = "q 609.882352 0 0 -872.632653 0 872.816327 cm /Im0 Do Q";
        pages.push_back(p);
        direct.push_back(true);
    }
    // At its own size, placed at a fractional position; on an A4-wide crop (the mono page a
    // 1696-pixel slice, the grey one whole); not flipped; in a clip.
    ImagePage placed;
    placed.grey_w = 1000;
    placed.grey_h = 1400;
    placed.grey = grey_scan(1000, 1400, 91, 0);
    placed.content = "q 352.764706 0 0 -514.102041 35.4 800 cm /Im0 Do Q";
    pages.push_back(placed);
    ImagePage cropped = placed;
    cropped.crop = "[0 0 595.28 792]";
    pages.push_back(cropped);
    ImagePage upright = placed;
    upright.content = "q 352.764706 0 0 514.102041 35.4 285.9 cm /Im0 Do Q";
    pages.push_back(upright);
    ImagePage clipped = placed;
    clipped.content = "q 100.5 300.25 200.7 400.3 re W n 352.764706 0 0 -514.102041 35.4 800 cm /Im0 Do Q";
    pages.push_back(clipped);
    for (int i = 0; i < 4; ++i) direct.push_back(true);
    // Enlarged: interpolated, poppler's; smaller: averaged into boxes (see
    // OpaqueImagesDrawnSmallerGivePopplersPixels), direct.
    for (auto [w, h] : {std::pair{1000, 1400}, std::pair{2000, 2600}}) {
        ImagePage p;
        p.grey_w = w;
        p.grey_h = h;
        p.grey = grey_scan(w, h, 93, 0);
        pages.push_back(p);
        direct.push_back(w > 1728);
    }
    write_pdf(dir.path("grey8.pdf"), pages);
    expect_same_pixels(dir.path("grey8.pdf"), direct, "8-bit grey images");
    auto doc = PdfDocument::open(dir.path("grey8.pdf"));
    ASSERT_TRUE(doc.ok());
    for (int i = 0; i < 5; ++i) {
        PdfPagePath path = PdfPagePath::Mono;
        ASSERT_TRUE(doc->render_bilevel(i, {}, &path).ok());
        EXPECT_EQ(path, want[i]) << "page " << i + 1;
    }
}

TEST(PdfImagePage, CcittDataTheDirectPathCannotProveKeepsPopplersPath) {
    // G3 parameters, byte-aligned rows, EOLs, another width, other rows, parameters in an
    // array for a filter that is not (poppler then ignores them), and T.6 data cut short
    // (libtiff's decoder warns: the rows it would make up are poppler's to decide):
    // poppler's path, with the pixels it gives with direct images off.
    ScratchDir dir;
    std::vector<ImagePage> pages;
    ImagePage base;
    base.image = pattern(1728, 2376, 23);
    base.ccitt = true;
    for (const char* parms : {"<< /K 0 /Columns 1728 >>", "<< /K 1 /Columns 1728 >>",
                              "<< /K -1 /Columns 1728 /EncodedByteAlign true >>",
                              "<< /K -1 /Columns 1728 /EndOfLine true >>", "<< /K -1 /Columns 1720 >>",
                              "<< /K -1 /Columns 1728 /Rows 2000 >>", "<< /K -1 /Columns 1728 /Uncompressed true >>",
                              "<< /Columns 1728 >>", "[<< /K -1 /Columns 1728 >>]"}) {
        ImagePage p = base;
        p.ccitt_parms = parms;
        pages.push_back(p);
    }
    for (std::size_t cut : {std::size_t{40}, std::size_t{4000}}) {
        ImagePage p = base;
        p.ccitt_cut = cut;
        pages.push_back(p);
    }
    write_pdf(dir.path("ccitt-other.pdf"), pages);
    expect_poppler_decides(dir.path("ccitt-other.pdf"), static_cast<int>(pages.size()), static_cast<int>(pages.size()));
}

TEST(PdfImagePage, OpaqueImagesDrawnSmallerGivePopplersPixels) {
    // A 300 dpi scan on a fax page: Splash averages an opaque image drawn smaller than itself
    // both ways into grey boxes (scaleImageYdownXdown); the mono page screens them (and
    // usually looks halftoned), the grey one is made bilevel by binarise(). 1-bit and 8-bit,
    // Letter (scaled to fit) and the fax page, placed, not flipped, clipped. Smaller one way
    // only (another scaler) and turned pages stay poppler's.
    ScratchDir dir;
    std::vector<ImagePage> pages;
    std::vector<bool> direct;
    auto add = [&](ImagePage p, bool d) {
        pages.push_back(std::move(p));
        direct.push_back(d);
    };
    for (int bits : {1, 8}) {
        const auto image = [&](ImagePage& p, int w, int h, unsigned seed) {
            if (bits == 1) {
                p.kind = "/ColorSpace /DeviceGray";
                p.image = pattern(w, h, seed);
            } else {
                p.grey_w = w;
                p.grey_h = h;
                p.grey = grey_scan(w, h, seed, 1);
            }
        };
        ImagePage letter;  // 2550 x 3300 (300 dpi) on Letter: 1728 x 2156 pixels
        letter.media = "[0 0 612 792]";
        letter.content = "q 612 0 0 -792 0 792 cm /Im0 Do Q";
        image(letter, 2550, 3300, 101);
        add(letter, true);
        ImagePage page;  // 2000 x 2600 on the fax page
        image(page, 2000, 2600, 103);
        add(page, true);
        ImagePage placed = page;  // upright, at a fractional position, clipped
        image(placed, 900, 1000, 105);
        placed.content = "q 50.5 60 500 700 re W n 250.3 0 0 300.7 30.2 100.9 cm /Im0 Do Q";
        add(placed, true);
        ImagePage one_way = page;  // narrower only: scaleImageYupXdown
        image(one_way, 2000, 2000, 107);
        add(one_way, false);
        ImagePage turned = page;
        turned.rotate = 90;
        add(turned, false);
    }
    write_pdf(dir.path("smaller.pdf"), pages);
    expect_same_pixels(dir.path("smaller.pdf"), direct, "opaque images drawn smaller");
}

// The content drawing /Im0 upright in user space onto the device rectangle (dx, dy) wd x hd
// (pixels at 204 x 196 dpi) of the default page (609.882353 x 872.816327 pt, turned by
// `rotate`: sideways its media box is given turned too, so the device is 1728 x 2376).
std::string place(int rotate, double dx, double dy, double wd, double hd) {
    const double kx = 204.0 / 72.0, ky = 196.0 / 72.0, pw = 609.882353, ph = 872.816327;
    double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    if (rotate == 0) {
        x0 = dx / kx, x1 = (dx + wd) / kx, y0 = ph - (dy + hd) / ky, y1 = ph - dy / ky;
    } else if (rotate == 90) {  // media box [0 0 ph pw]
        y0 = dx / kx, y1 = (dx + wd) / kx, x0 = dy / ky, x1 = (dy + hd) / ky;
    } else if (rotate == 180) {
        x0 = pw - (dx + wd) / kx, x1 = pw - dx / kx, y0 = dy / ky, y1 = (dy + hd) / ky;
    } else {  // 270, media box [0 0 ph pw]
        y0 = pw - (dx + wd) / kx, y1 = pw - dx / kx, x0 = ph - (dy + hd) / ky, x1 = ph - dy / ky;
    }
    char buf[200];
    std::snprintf(buf, sizeof buf, "q %.9f 0 0 %.9f %.9f %.9f cm /Im0 Do Q", x1 - x0, y1 - y0, x0, y0);
    return buf;
}

TEST(PdfImagePage, RotatedPagesGivePopplersPixels) {
    // /Rotate turns the device transform: Splash draws the image with its arbitrary
    // transform (arbitraryTransformMask/Image: every device pixel mapped back through the
    // inverted matrix, with scaled sizes of their own). Masks, opaque 1-bit and 8-bit grey
    // images, on all four rotations: at their own size (the whole page and placed), enlarged,
    // on Letter and A4 (slices) pages and cropped.
    ScratchDir dir;
    std::vector<ImagePage> pages;
    std::vector<bool> direct;
    auto add = [&](ImagePage p, bool d) {
        pages.push_back(std::move(p));
        direct.push_back(d);
    };
    for (int rotate : {0, 90, 180, 270}) {
        const bool sideways = rotate == 90 || rotate == 270;
        for (int kind = 0; kind < 3; ++kind)
            for (int where = 0; where < 2; ++where) {
                ImagePage p;
                p.rotate = rotate;
                if (sideways) p.media = "[0 0 872.816327 609.882353]";
                // At its own size: 1728 x 2376 pixels on the whole page (0.2 to 1727.7: at
                // exactly 0 the sums of the content's numbers can land a hair below, a 1729th
                // column, and Splash interpolates), or 1000 x 1400 at a fractional position.
                const int w = where == 0 ? 1728 : 1000, h = where == 0 ? 2376 : 1400;
                p.content = where == 0 ? place(rotate, 0.2, 0.2, w - 0.5, h - 0.5)
                                       : place(rotate, 100.3, 200.2, w - 0.5, h - 0.5);
                // The image's own width lies along the device's y sideways.
                const int iw = sideways ? h : w, ih = sideways ? w : h;
                p.image = pattern(iw, ih, static_cast<unsigned>(rotate + kind + where));
                if (kind == 1) p.kind = "/ColorSpace /DeviceGray";
                if (kind == 2) {
                    p.grey_w = iw;
                    p.grey_h = ih;
                    p.grey = grey_scan(iw, ih, 97, where == 0 ? 2 : 0);
                }
                add(p, true);
            }
        // Enlarged: a mask 1.3x, an opaque image 4.2x (replicated), an opaque one 2x
        // (interpolated: poppler's).
        ImagePage mask;
        mask.rotate = rotate;
        if (sideways) mask.media = "[0 0 872.816327 609.882353]";
        mask.image = pattern(sideways ? 500 : 400, sideways ? 400 : 500, 5);
        mask.content = place(rotate, 50.3, 60.2, 520, 650);
        add(mask, true);
        ImagePage opaque = mask;
        opaque.kind = "/ColorSpace /DeviceGray";
        opaque.image = pattern(sideways ? 120 : 100, sideways ? 100 : 120, 9);
        opaque.content = place(rotate, 30.1, 40.4, 420, 504);
        add(opaque, true);
        ImagePage twice = opaque;
        twice.content = place(rotate, 30.1, 40.4, 200, 240);
        add(twice, false);
        // Letter (scaled to fit the line) and an A4 crop (a slice).
        ImagePage letter;
        letter.rotate = rotate;
        letter.media = "[0 0 612 792]";
        letter.image = pattern(1000, 1300, 11);
        letter.content = "q 612 0 0 -792 0 792 cm /Im0 Do Q";
        add(letter, true);
        ImagePage a4 = letter;
        a4.media = "[0 0 595.28 841.89]";
        a4.crop = "[10 20 585.28 831.89]";
        add(a4, true);
    }
    write_pdf(dir.path("rot.pdf"), pages);
    expect_same_pixels(dir.path("rot.pdf"), direct, "rotation");
}

TEST(PdfImagePage, PagesThatAreNotOneImageKeepPopplersPath) {
    ScratchDir dir;
    std::vector<ImagePage> pages;
    ImagePage text_and_image;
    text_and_image.image = pattern(1728, 2376);
    text_and_image.font = true;
    text_and_image.content += " BT /F1 24 Tf 100 100 Td (Page) Tj ET";
    pages.push_back(text_and_image);
    ImagePage two_images;
    two_images.image = pattern(1728, 2376);
    two_images.second_image = true;
    two_images.content += " q 100 0 0 100 50 50 cm /Im1 Do Q";
    pages.push_back(two_images);
    ImagePage drawn_twice;
    drawn_twice.image = pattern(800, 800);
    drawn_twice.content = "q 300 0 0 -300 0 300 cm /Im0 Do Q q 300 0 0 -300 300 600 cm /Im0 Do Q";
    pages.push_back(drawn_twice);
    ImagePage grey_ink;
    grey_ink.image = pattern(1728, 2376);
    grey_ink.content = "0.5 g q 609.882353 0 0 -872.816327 0 872.816327 cm /Im0 Do Q";
    pages.push_back(grey_ink);
    ImagePage with_a_rectangle;
    with_a_rectangle.image = pattern(1728, 2376);
    with_a_rectangle.content += " 10 10 100 100 re f";
    pages.push_back(with_a_rectangle);
    write_pdf(dir.path("mixed.pdf"), pages);
    // The grey ink is halftoned by poppler's mono renderer: the grey path, where both agree too.
    auto fast = PdfDocument::open(dir.path("mixed.pdf"));
    ASSERT_TRUE(fast.ok());
    for (int i = 0; i < fast->pages(); ++i) {
        PdfPagePath path = PdfPagePath::Image;
        auto b = fast->render_bilevel(i, {}, &path);
        ASSERT_TRUE(b.ok()) << b.error().to_string();
        EXPECT_NE(path, PdfPagePath::Image) << "page " << i + 1;
    }
}

TEST(PdfImagePage, DamagedImagesFallBackOrFailCleanly) {
    ScratchDir dir;
    // Image data shorter than the image, and a dimension far beyond any page: poppler's path
    // (which the limits bound), never a crash in the direct one.
    ImagePage short_data;
    short_data.image = pattern(1728, 2376);
    short_data.flate = false;
    ImagePage huge = short_data;
    huge.image = pattern(64, 64);
    // Before them, a whole image one row taller: its samples are left in the direct path's
    // reused buffer, and must not stand in for the short image's missing row.
    ImagePage taller = short_data;
    taller.image = pattern(1728, 2377, 3);
    write_pdf(dir.path("short.pdf"), {taller, short_data, huge});
    // Declare more rows than the data holds, and a 900000-row image.
    std::string bytes;
    {
        std::FILE* f = std::fopen(dir.path("short.pdf").c_str(), "rb");
        ASSERT_NE(f, nullptr);
        char buf[65536];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) bytes.append(buf, n);
        std::fclose(f);
    }
    auto patch = [&](const std::string& from, const std::string& to) {
        const auto at = bytes.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        bytes.replace(at, from.size(), to);
    };
    patch("/Height 2376", "/Height 2377");
    patch("/Height 64", "/Height 9e5");  // not an integer: poppler's path decides
    {
        std::FILE* f = std::fopen(dir.path("damaged.pdf").c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
    }
    auto doc = PdfDocument::open(dir.path("damaged.pdf"));
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    ASSERT_EQ(doc->pages(), 3);
    for (int i = 0; i < doc->pages(); ++i) {
        PdfPagePath path = PdfPagePath::Image;
        auto b = doc->render_bilevel(i, {}, &path);
        if (i == 0) continue;  // the taller image, drawn smaller than itself: either path
        if (b.ok()) {
            EXPECT_NE(path, PdfPagePath::Image) << "page " << i + 1;
        } else {
            EXPECT_EQ(b.error().code, Errc::InvalidInput);
        }
    }
    // Through the bounded reader as the station reads it: pages or a typed error.
    auto pages = read_document_pages(dir.path("damaged.pdf"), {}, DocumentLimits{});
    if (!pages.ok()) {
        EXPECT_EQ(pages.error().code, Errc::InvalidInput);
    }
}

}  // namespace
}  // namespace fax::t30
