// Transmission reports: what they say about delivery, and that the PNG and PDF exist,
// carry that text and show the cover thumbnail.
#include "fax/report/transmission_report.h"

#include <cairo.h>
#include <gtest/gtest.h>
#include <poppler-document.h>
#include <poppler-page.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "fax/gate/directory.h"
#include "fax/t30/tiff_io.h"
#include "itu_chart.h"

namespace fax::report {
namespace {

TransmissionReport sample(int pages, int confirmed) {
    TransmissionReport r;
    r.station = "FAXSTACK ROI 1";
    r.job_id = "J-20261201-0001";
    r.recipient_organisation = "KP Cardiology Seattle";
    r.recipient_name = "Dr. Priya Raman";
    r.recipient_fax = "+1 206 555 0142";
    r.remote_csi = "KP CARDIOLOGY";
    r.expected_csi = "KP CARDIOLOGY";
    r.pages_total = pages;
    for (int i = 1; i <= pages; ++i) r.pages.push_back({i, true, i <= confirmed, i <= confirmed ? "MCF" : "RTN"});
    r.modulation = "V.17";
    r.bit_rate = 14400;
    r.ecm = true;
    r.compression = "MMR";
    r.started_at = "2026-12-01 09:00 PST";
    r.finished_at = "2026-12-01 09:01 PST";
    r.duration_s = 61;
    r.result = confirmed == pages ? "ok" : "partial";
    return r;
}

std::filesystem::path scratch(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("fax_report_" + std::to_string(::getpid()) + "_" + name);
}

TEST(TransmissionReport, SummaryNeverClaimsUnconfirmedPages) {
    EXPECT_EQ(delivery_summary(sample(3, 3)), "Delivered: all 3 pages confirmed by the receiving machine");
    EXPECT_EQ(delivery_summary(sample(3, 2)), "Partly delivered: 2 of 3 pages confirmed (not: 3)");
    EXPECT_EQ(delivery_summary(sample(3, 0)), "Not delivered: no page was confirmed by the receiving machine");
    auto sent_not_confirmed = sample(4, 4);
    sent_not_confirmed.pages[1].confirmed = false;  // page 2 answered RTN, later pages MCF
    EXPECT_EQ(delivered_pages(sent_not_confirmed), 3);
    EXPECT_EQ(delivery_summary(sent_not_confirmed), "Partly delivered: 3 of 4 pages confirmed (not: 2)");
    // A page that never went out (call dropped) is not delivered either.
    auto dropped = sample(3, 1);
    dropped.pages[2].sent = false;
    EXPECT_EQ(delivered_pages(dropped), 1);
}

TEST(TransmissionReport, PdfCarriesTheSummaryAndPerPageStatus) {
    const auto path = scratch("r.pdf");
    auto r = sample(3, 2);
    ASSERT_TRUE(write_report_pdf(r, path).ok());
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path.string()));
    ASSERT_TRUE(doc);
    ASSERT_EQ(doc->pages(), 1);
    std::unique_ptr<poppler::page> page(doc->create_page(0));
    const auto bytes = page->text().to_utf8();
    const std::string text(bytes.begin(), bytes.end());
    EXPECT_NE(text.find("Partly delivered: 2 of 3 pages confirmed"), std::string::npos) << text;
    EXPECT_NE(text.find("NOT CONFIRMED"), std::string::npos) << text;
    EXPECT_NE(text.find("KP Cardiology Seattle"), std::string::npos);
    EXPECT_NE(text.find("J-20261201-0001"), std::string::npos);
    EXPECT_NE(text.find("V.17 14400 bit/s, ECM, MMR"), std::string::npos) << text;
    EXPECT_EQ(text.find("delivered (confirmed)", text.find("NOT CONFIRMED")), std::string::npos)
        << "page 3 must not read as delivered";
    std::filesystem::remove(path);
}

// Dark pixels in a rectangle of the PNG (in PNG pixels).
long dark_pixels(cairo_surface_t* s, int x0, int y0, int x1, int y1) {
    const unsigned char* data = cairo_image_surface_get_data(s);
    const int stride = cairo_image_surface_get_stride(s);
    long n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            const uint32_t px = reinterpret_cast<const uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride)[x];
            n += ((px >> 8) & 0xFF) < 128 ? 1 : 0;
        }
    return n;
}

TEST(TransmissionReport, PngIsLetterAt150DpiWithTheCoverThumbnailOnly) {
    auto charts = t30::read_tiff(fax::testing::itu_chart_path(1));
    ASSERT_TRUE(charts.ok() && charts->size() == 1u);
    auto cover = Result<t30::Bitmap>(std::move(charts->front()));
    const auto with = scratch("with.png"), without = scratch("without.png");
    auto r = sample(2, 2);
    ASSERT_TRUE(write_report_png(r, without).ok());
    r.cover = *cover;
    ASSERT_TRUE(write_report_png(r, with).ok());

    std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> a(
        cairo_image_surface_create_from_png(with.c_str()), &cairo_surface_destroy);
    std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> b(
        cairo_image_surface_create_from_png(without.c_str()), &cairo_surface_destroy);
    ASSERT_EQ(cairo_surface_status(a.get()), CAIRO_STATUS_SUCCESS);
    ASSERT_EQ(cairo_image_surface_get_width(a.get()), 1275);
    ASSERT_EQ(cairo_image_surface_get_height(a.get()), 1650);
    // The thumbnail sits at the top right (points 408..558 across, from 114 down for 194).
    const int x0 = 408 * 150 / 72 + 4, x1 = 558 * 150 / 72 - 4, y0 = 114 * 150 / 72 + 4, y1 = (114 + 194) * 150 / 72;
    EXPECT_GT(dark_pixels(a.get(), x0, y0, x1, y1), 1000);
    EXPECT_EQ(dark_pixels(b.get(), x0, y0, x1, y1), 0);
    EXPECT_GT(dark_pixels(b.get(), 0, 0, 1275, 400), 1000) << "the heading and fields have ink";
    std::filesystem::remove(with);
    std::filesystem::remove(without);
}

// Every word of the PDF's page with its box (points, from the top left).
std::vector<poppler::text_box> pdf_words(const std::filesystem::path& path) {
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path.string()));
    EXPECT_TRUE(doc);
    if (!doc) return {};
    std::unique_ptr<poppler::page> page(doc->create_page(0));
    return page->text_list();
}

std::string utf8(const poppler::ustring& u) {
    const auto bytes = u.to_utf8();
    return {bytes.begin(), bytes.end()};
}

// The longest names the directory accepts and the longest T.30 station ids are shown
// whole: wrapped (or set smaller) inside the value column, never cut.
TEST(TransmissionReport, LongestDirectoryNamesAndStationIdsAreShownWhole) {
    auto r = sample(2, 2);
    std::string org = "Kaiser Permanente Capitol Hill Campus, Department of Cardiology and Cardiovascular "
                      "Surgery, Outpatient Records";
    while (org.size() < gate::kMaxOrganisationChars) org += "x";
    ASSERT_EQ(org.size(), gate::kMaxOrganisationChars);
    r.recipient_organisation = org;
    r.recipient_name = std::string(gate::kMaxPersonChars, 'W');  // one word wider than the column
    r.remote_csi = "+1 206 555 0143 0000";                       // 20 characters, T.30's most
    r.expected_csi = "+1 206 555 0142 0000";
    ASSERT_EQ(r.remote_csi.size(), 20u);
    const auto path = scratch("long.pdf");
    ASSERT_TRUE(write_report_pdf(r, path).ok());
    const auto words = pdf_words(path);
    ASSERT_FALSE(words.empty());
    std::string all;
    // The field values: from x = 184 to 396 points (the thumbnail box begins at 408),
    // between the summary line (above 110) and the page table (below 330).
    for (const auto& w : words) {
        const std::string t = utf8(w.text());
        all += t + " ";
        EXPECT_EQ(t.find("..."), std::string::npos) << "a value was cut: " << t;
        if (w.bbox().x() >= 180 && w.bbox().y() > 110 && w.bbox().y() < 330) {
            EXPECT_LE(w.bbox().x() + w.bbox().width(), 396.5) << "'" << t << "' runs past the value column";
        }
    }
    std::string wrapped_name;  // the one long word, in the pieces it was broken into
    for (const auto& w : words) {
        std::string t = utf8(w.text());
        if (!t.empty() && t.back() == ',') t.pop_back();  // "<person>, <organisation>"
        if (!t.empty() && t.find_first_not_of('W') == std::string::npos) wrapped_name += t;
    }
    EXPECT_EQ(wrapped_name, r.recipient_name);
    std::istringstream org_words(org);
    for (std::string word; org_words >> word;) EXPECT_NE(all.find(word), std::string::npos) << word << " is missing";
    // The differing digit of the expected station id is there (it used to be cut off).
    EXPECT_NE(all.find("+1 206 555 0143 0000"), std::string::npos) << all;
    EXPECT_NE(all.find("(expected +1 206 555 0142 0000)"), std::string::npos) << all;
    std::filesystem::remove(path);
}

TEST(TransmissionReport, UnwritablePathIsAnIoError) {
    auto s = write_report_png(sample(1, 1), "/nonexistent-dir/r.png");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::Io);
    auto p = write_report_pdf(sample(1, 1), "/nonexistent-dir/r.pdf");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Errc::Io);
}

}  // namespace
}  // namespace fax::report
