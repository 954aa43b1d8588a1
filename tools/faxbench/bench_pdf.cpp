#include "bench_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>

namespace fax::faxbench {
namespace {

struct SurfaceFree {
    void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextFree {
    void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceFree>;
using Context = std::unique_ptr<cairo_t, ContextFree>;

uint8_t mirrored(uint8_t b) {
    uint8_t r = 0;
    for (int i = 0; i < 8; ++i)
        if (b & (1u << i)) r = static_cast<uint8_t>(r | (0x80u >> i));
    return r;
}

Status finished(cairo_surface_t* pdf, const std::string& path) {
    cairo_surface_finish(pdf);
    if (cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS)
        return fail(Errc::Io, path + ": cairo: " + cairo_status_to_string(cairo_surface_status(pdf)));
    return {};
}

}  // namespace

Status write_scanned_pdf(const std::vector<t30::Bitmap>& pages, const std::string& path) {
    if (pages.empty()) return fail(Errc::InvalidArgument, "write_scanned_pdf: no pages");
    Surface pdf(cairo_pdf_surface_create(path.c_str(), pages.front().width * 72.0 / 204.0,
                                         pages.front().height * 72.0 / 196.0));
    Context cr(cairo_create(pdf.get()));
    // CAIRO_FORMAT_A1 holds pixels in 32-bit words in the machine's bit order: on a
    // little-endian machine the leftmost pixel is a byte's least significant bit.
    const bool lsb_first = std::endian::native == std::endian::little;
    for (const auto& p : pages) {
        cairo_pdf_surface_set_size(pdf.get(), p.width * 72.0 / 204.0, p.height * 72.0 / 196.0);
        Surface mask(cairo_image_surface_create(CAIRO_FORMAT_A1, p.width, p.height));
        cairo_surface_flush(mask.get());
        unsigned char* data = cairo_image_surface_get_data(mask.get());
        const int stride = cairo_image_surface_get_stride(mask.get());
        for (int y = 0; y < p.height; ++y) {
            unsigned char* row = data + static_cast<std::ptrdiff_t>(y) * stride;
            std::fill(row, row + stride, 0);
            const uint8_t* src = p.row(y);
            for (std::size_t i = 0; i < p.stride(); ++i) row[i] = lsb_first ? mirrored(src[i]) : src[i];
        }
        cairo_surface_mark_dirty(mask.get());
        cairo_save(cr.get());
        cairo_scale(cr.get(), 72.0 / 204.0, 72.0 / 196.0);
        cairo_set_source_rgb(cr.get(), 0, 0, 0);
        cairo_mask_surface(cr.get(), mask.get(), 0, 0);
        cairo_restore(cr.get());
        cairo_show_page(cr.get());
    }
    cr.reset();
    return finished(pdf.get(), path);
}

Status write_text_record_pdf(int pages, const std::string& path) {
    Surface pdf(cairo_pdf_surface_create(path.c_str(), 612, 792));
    Context cr(cairo_create(pdf.get()));
    static const char* kWords[] = {"assessment", "plan",     "history",  "medication", "review",     "follow-up",
                                   "clinic",     "discharge", "summary", "reported",   "stable",     "normal",
                                   "results",    "within",   "limits",   "continue",   "current",    "dose",
                                   "weeks",      "patient",  "denies",   "pain",       "examination", "unremarkable",
                                   "laboratory", "imaging",  "recommended", "and",     "the",        "of",
                                   "with",       "no",       "for",      "in",         "was",        "to"};
    constexpr unsigned kCount = sizeof kWords / sizeof kWords[0];
    unsigned seed = 12345;
    for (int pg = 0; pg < pages; ++pg) {
        cairo_set_source_rgb(cr.get(), 0, 0, 0);
        cairo_select_font_face(cr.get(), "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        cairo_set_font_size(cr.get(), 14);
        cairo_move_to(cr.get(), 54, 60);
        const std::string title = "Discharge summary (benchmark text), page " + std::to_string(pg + 1);
        cairo_show_text(cr.get(), title.c_str());
        cairo_select_font_face(cr.get(), "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr.get(), 10);
        for (int line = 0; line < 54; ++line) {
            std::string text;
            while (text.size() < 95) {
                seed = seed * 1103515245u + 12345u;
                text += kWords[(seed >> 16) % kCount];
                text += ' ';
            }
            cairo_move_to(cr.get(), 54, 90 + line * 12.5);
            cairo_show_text(cr.get(), text.c_str());
        }
        cairo_show_page(cr.get());
    }
    cr.reset();
    return finished(pdf.get(), path);
}

}  // namespace fax::faxbench
