#include "fax/report/transmission_report.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <functional>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fax/t30/grey_image.h"

namespace fax::report {

namespace {

// RAII for the cairo objects (STYLE.md §5).
struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
    void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Context = std::unique_ptr<cairo_t, ContextDeleter>;

constexpr double kPageW = 612, kPageH = 792;  // US Letter in points; drawing is in points
constexpr double kMargin = 54;
constexpr double kThumbW = 150;                     // cover thumbnail, top right
constexpr double kThumbTop = kMargin + 60;
constexpr double kValueX = kMargin + 130;           // field values start here...
constexpr double kValueMaxW = kPageW - kMargin - kThumbW - 12 - kValueX;  // ...and stop before the thumbnail

std::string fmt_rate(const TransmissionReport& r) {
    if (r.bit_rate <= 0) return "no training";
    std::string s = r.modulation + " " + std::to_string(r.bit_rate) + " bit/s";
    s += r.ecm ? ", ECM" : ", no ECM";
    if (!r.compression.empty()) s += ", " + r.compression;
    return s;
}

std::string fmt_duration(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    return buf;
}

class Drawing {
public:
    explicit Drawing(cairo_t* cr) : cr_(cr) {}

    // Draws `s` at (x, y), one line, as it is.
    void text(double x, double y, const std::string& s, double size, bool bold = false) {
        font(size, bold);
        cairo_move_to(cr_, x, y);
        cairo_show_text(cr_, s.c_str());
    }
    // A labelled value. The value is never cut: it is wrapped at spaces (a word wider
    // than the column is broken between characters) onto at most kFieldLines lines,
    // and set smaller, down to 7 points, until it fits. The longest organisation, person
    // and station ids the directory accepts fit at 10 or 8 points.
    void field(double& y, const std::string& label, const std::string& value) {
        text(kMargin, y, label, 10, true);
        const std::string v = value.empty() ? "-" : value;
        constexpr int kFieldLines = 4;
        std::vector<std::string> lines;
        double size = 10;
        for (; size >= 7; size -= 1) {
            font(size, false);
            lines = wrap(v, kValueMaxW);
            if (lines.size() <= kFieldLines) break;
        }
        if (size < 7) size = 7;  // still too long: every line is drawn all the same
        font(size, false);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            cairo_move_to(cr_, kValueX, y + static_cast<double>(i) * size * 1.25);
            cairo_show_text(cr_, lines[i].c_str());
        }
        y += 15 + static_cast<double>(lines.size() - 1) * size * 1.25;
    }
    void rule(double y) {
        cairo_set_line_width(cr_, 0.8);
        cairo_move_to(cr_, kMargin, y);
        cairo_line_to(cr_, kPageW - kMargin, y);
        cairo_stroke(cr_);
    }

private:
    void font(double size, bool bold) {
        cairo_select_font_face(cr_, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr_, size);
    }
    // `s` in lines no wider than max_w with the current font: greedy at spaces, and a
    // word that alone is wider is split between UTF-8 characters. The values are short
    // (the directory bounds names, T.30 station ids), so each candidate is simply measured.
    std::vector<std::string> wrap(const std::string& s, double max_w) {
        std::vector<std::string> lines;
        std::string line;
        std::size_t i = 0;
        while (i < s.size()) {
            const std::size_t end = std::min(s.find(' ', i), s.size());
            std::string word = s.substr(i, end - i);
            i = end < s.size() ? end + 1 : end;
            std::string candidate = line.empty() ? word : line + " " + word;
            if (width_of(candidate) <= max_w) {
                line = std::move(candidate);
                continue;
            }
            if (!line.empty()) lines.push_back(std::move(line));
            line.clear();
            // The word alone: split it where it stops fitting.
            while (width_of(word) > max_w) {
                std::size_t cut = 0, next = 0;
                while (next < word.size()) {
                    std::size_t n = next + 1;
                    while (n < word.size() && (static_cast<unsigned char>(word[n]) & 0xC0) == 0x80) ++n;
                    if (cut > 0 && width_of(word.substr(0, n)) > max_w) break;
                    cut = next = n;
                }
                lines.push_back(word.substr(0, cut));
                word.erase(0, cut);
            }
            line = std::move(word);
        }
        if (!line.empty() || lines.empty()) lines.push_back(line);
        return lines;
    }
    double width_of(const std::string& s) {
        cairo_text_extents_t e;
        cairo_text_extents(cr_, s.c_str(), &e);
        return e.x_advance;
    }
    cairo_t* cr_;
};

// The cover, shrunk to `width` points wide, as a grey image surface.
Surface thumbnail(const t30::Bitmap& cover, int px_w) {
    t30::GreyImage g = t30::GreyImage::blank(cover.width, cover.height, cover.xres_dpi, cover.yres_dpi);
    for (int y = 0; y < cover.height; ++y)
        for (int x = 0; x < cover.width; ++x) g.at(x, y) = cover.get(x, y) ? 0 : 255;
    // Keep the physical aspect ratio (fax pixels are not square).
    const double aspect = (cover.height / cover.yres_dpi) / (cover.width / cover.xres_dpi);
    const int px_h = std::max(1, static_cast<int>(std::lround(px_w * aspect)));
    const t30::GreyImage small = t30::resample(g, px_w, px_h, 1, 1);
    Surface s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, px_w, px_h));
    cairo_surface_flush(s.get());
    unsigned char* data = cairo_image_surface_get_data(s.get());
    const int stride = cairo_image_surface_get_stride(s.get());
    for (int y = 0; y < px_h; ++y) {
        auto* row = reinterpret_cast<uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
        for (int x = 0; x < px_w; ++x) {
            const uint32_t v = small.at(x, y);
            row[x] = (v << 16) | (v << 8) | v;
        }
    }
    cairo_surface_mark_dirty(s.get());
    return s;
}

// Both reports open alike: a white page, the title, the one-line summary, a rule.
// Returns where the fields start.
double heading(cairo_t* cr, Drawing& d, const std::string& title, const std::string& summary) {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    double y = kMargin + 18;
    d.text(kMargin, y, title, 18, true);
    y += 22;
    d.text(kMargin, y, summary, 13, true);
    y += 10;
    d.rule(y);
    return y + 20;
}

void draw(cairo_t* cr, const TransmissionReport& r) {
    Drawing d(cr);
    double y = heading(cr, d, "FAX TRANSMISSION REPORT", delivery_summary(r));

    d.field(y, "Job", r.job_id);
    d.field(y, "From station", r.station);
    d.field(y, "Recipient", r.recipient_name.empty() ? r.recipient_organisation
                                                     : r.recipient_name + ", " + r.recipient_organisation);
    d.field(y, "Fax number", r.recipient_fax);
    std::string csi = r.remote_csi.empty() ? "(the remote did not identify itself)" : r.remote_csi;
    if (!r.expected_csi.empty()) csi += r.remote_csi == r.expected_csi ? "  (as expected)" : "  (expected " + r.expected_csi + ")";
    d.field(y, "Remote station id", csi);
    d.field(y, "Line", fmt_rate(r));
    d.field(y, "Started", r.started_at);
    d.field(y, "Finished", r.finished_at);
    d.field(y, "Duration", fmt_duration(r.duration_s));
    d.field(y, "Result", r.detail.empty() ? r.result : r.result + " - " + r.detail);

    // The cover thumbnail, top right beside the fields (a Letter page's box is reserved
    // even without one, so the layout does not move). Cover only: a release's record
    // pages are never reproduced on the report.
    const double tx = kPageW - kMargin - kThumbW, ty = kThumbTop;
    double th = kThumbW * 11.0 / 8.5;
    if (r.cover) {
        Surface thumb = thumbnail(*r.cover, 300);
        const double scale = kThumbW / 300.0;
        th = cairo_image_surface_get_height(thumb.get()) * scale;
        cairo_save(cr);
        cairo_translate(cr, tx, ty);
        cairo_scale(cr, scale, scale);
        cairo_set_source_surface(cr, thumb.get(), 0, 0);
        cairo_paint(cr);
        cairo_restore(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 0.5);
        cairo_rectangle(cr, tx, ty, kThumbW, th);
        cairo_stroke(cr);
        d.text(tx, ty + th + 12, "Cover page as sent", 8);
    }
    y = std::max(y + 8, ty + th + 24);
    d.rule(y);
    y += 18;

    d.text(kMargin, y, "Page", 10, true);
    d.text(kMargin + 60, y, "Content", 10, true);
    d.text(kMargin + 150, y, "Remote answer", 10, true);
    d.text(kMargin + 260, y, "Status", 10, true);
    y += 15;
    const double table_bottom = kPageH - kMargin - 20;
    for (std::size_t i = 0; i < r.pages.size(); ++i) {
        const PageLine& p = r.pages[i];
        if (y > table_bottom - 15 && i + 1 < r.pages.size()) {
            d.text(kMargin, y, "... " + std::to_string(r.pages.size() - i) + " more pages, " +
                                   std::to_string(std::count_if(r.pages.begin() + static_cast<std::ptrdiff_t>(i),
                                                                r.pages.end(), [](const PageLine& l) { return l.confirmed; })) +
                                   " of them confirmed", 10);
            break;
        }
        d.text(kMargin, y, std::to_string(p.page), 10);
        d.text(kMargin + 60, y, p.page == 1 ? "cover" : "record", 10);
        d.text(kMargin + 150, y, p.response.empty() ? "-" : p.response, 10);
        d.text(kMargin + 260, y, p.confirmed ? "delivered (confirmed)" : p.sent ? "NOT CONFIRMED" : "not sent", 10,
               !p.confirmed);
        y += 14;
    }
}

Status check(cairo_surface_t* s, const std::filesystem::path& path) {
    const cairo_status_t st = cairo_surface_status(s);
    if (st != CAIRO_STATUS_SUCCESS)
        return fail(Errc::Io, path.string() + ": cannot write the report: " + cairo_status_to_string(st));
    return {};
}

}  // namespace

int delivered_pages(const TransmissionReport& r) {
    return static_cast<int>(std::count_if(r.pages.begin(), r.pages.end(), [](const PageLine& p) { return p.confirmed; }));
}

std::string delivery_summary(const TransmissionReport& r) {
    const int total = std::max<int>(r.pages_total, static_cast<int>(r.pages.size()));
    const int ok = delivered_pages(r);
    if (ok == 0) return "Not delivered: no page was confirmed by the receiving machine";
    if (ok == total) return "Delivered: all " + std::to_string(total) + " pages confirmed by the receiving machine";
    std::string missing;
    int listed = 0;
    for (const auto& p : r.pages) {
        if (p.confirmed) continue;
        if (listed++ < 5) missing += (missing.empty() ? "" : ", ") + std::to_string(p.page);
    }
    if (listed > 5) missing += ", ...";
    return "Partly delivered: " + std::to_string(ok) + " of " + std::to_string(total) + " pages confirmed (not: " +
           missing + ")";
}

namespace {

using DrawFn = std::function<void(cairo_t*)>;

Status write_png(const DrawFn& draw_fn, const std::filesystem::path& path) {
    constexpr double kDpi = 150;
    Surface s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(kPageW / 72 * kDpi),
                                         static_cast<int>(kPageH / 72 * kDpi)));
    Context cr(cairo_create(s.get()));
    cairo_scale(cr.get(), kDpi / 72, kDpi / 72);
    draw_fn(cr.get());
    cairo_surface_flush(s.get());
    const cairo_status_t st = cairo_surface_write_to_png(s.get(), path.c_str());
    if (st != CAIRO_STATUS_SUCCESS)
        return fail(Errc::Io, path.string() + ": cannot write the report: " + cairo_status_to_string(st));
    return {};
}

Status write_pdf(const DrawFn& draw_fn, const std::filesystem::path& path) {
    Surface s(cairo_pdf_surface_create(path.c_str(), kPageW, kPageH));
    if (auto c = check(s.get(), path); !c) return c;
    {
        Context cr(cairo_create(s.get()));
        draw_fn(cr.get());
        cairo_show_page(cr.get());
    }
    cairo_surface_finish(s.get());
    return check(s.get(), path);
}

// A received fax: the call and what arrived, never an image of it (received pages are
// records too).
void draw_reception(cairo_t* cr, const ReceptionReport& r) {
    Drawing d(cr);
    double y = heading(cr, d, "FAX RECEPTION REPORT", reception_summary(r));
    d.field(y, "Received fax", r.rx_id);
    d.field(y, "Station", r.station);
    d.field(y, "Modem", r.modem);
    d.field(y, "Remote station id", r.remote_tsi.empty() ? "(the sender did not identify itself)" : r.remote_tsi);
    std::string line = r.bit_rate <= 0 ? std::string("no training")
                                       : r.modulation + " " + std::to_string(r.bit_rate) + " bit/s" +
                                             (r.ecm ? ", ECM" : ", no ECM") +
                                             (r.compression.empty() ? "" : ", " + r.compression);
    d.field(y, "Line", line);
    d.field(y, "Started", r.started_at);
    d.field(y, "Finished", r.finished_at);
    d.field(y, "Duration", fmt_duration(r.duration_s));
    d.field(y, "Result", r.detail.empty() ? r.result : r.result + " - " + r.detail);
    d.field(y, "Stored as", r.stored_as.empty() ? "(nothing stored)" : r.stored_as);
    y += 8;
    d.rule(y);
    y += 18;
    d.text(kMargin, y, "The pages are not reproduced here: a received fax may carry patient records.", 9);
}

}  // namespace

Status write_report_png(const TransmissionReport& r, const std::filesystem::path& path) {
    return write_png([&r](cairo_t* cr) { draw(cr, r); }, path);
}

Status write_report_pdf(const TransmissionReport& r, const std::filesystem::path& path) {
    return write_pdf([&r](cairo_t* cr) { draw(cr, r); }, path);
}

std::string reception_summary(const ReceptionReport& r) {
    if (r.pages_received == 0) return "Nothing received";
    const std::string n = std::to_string(r.pages_received) + (r.pages_received == 1 ? " page" : " pages");
    return r.complete ? "Received: " + n : "Partly received: " + n + ", then the call failed";
}

Status write_reception_report_png(const ReceptionReport& r, const std::filesystem::path& path) {
    return write_png([&r](cairo_t* cr) { draw_reception(cr, r); }, path);
}

Status write_reception_report_pdf(const ReceptionReport& r, const std::filesystem::path& path) {
    return write_pdf([&r](cairo_t* cr) { draw_reception(cr, r); }, path);
}

}  // namespace fax::report
