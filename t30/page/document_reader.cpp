#include "fax/t30/document_reader.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>
#include <tiffio.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <fstream>
#include <memory>
#include <mutex>

#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"

namespace fax::t30 {

namespace {

constexpr double kR8 = 204.0;
constexpr double kFine = 196.0;
constexpr int kLine = 1728;
constexpr uint64_t kMaxPixels = 120'000'000;  // a 600 dpi Letter scan is 34 Mpx; more is not a page
constexpr int kMaxPdfPages = 2000;

// Poppler reports syntax problems on stderr unless told otherwise; they can quote the
// document's text, so they go nowhere.
void silence_poppler() {
    static std::once_flag once;
    std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

std::string page_prefix(const std::string& path, int page) { return path + ": page " + std::to_string(page) + ": "; }

struct TiffCloser {
    void operator()(TIFF* t) const { TIFFClose(t); }
};

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

// True if `needle` occurs in the file (read in chunks that overlap by the needle's length).
bool file_contains(const std::string& path, std::string_view needle) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) return false;
    std::string window;
    char buf[1 << 16];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) {
        window.append(buf, n);
        if (window.find(needle) != std::string::npos) return true;
        window.erase(0, window.size() - std::min(window.size(), needle.size() - 1));
    }
    return false;
}

}  // namespace

Result<DocumentKind> sniff_document(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return fail(Errc::NotFound, path + ": no such file");
        return fail(Errc::Io, path + ": cannot open: " + std::strerror(errno));
    }
    char m[5] = {};
    in.read(m, sizeof m);
    const auto n = in.gcount();
    if (n >= 5 && std::memcmp(m, "%PDF-", 5) == 0) return DocumentKind::Pdf;
    if (n >= 4 && (std::memcmp(m, "II*\0", 4) == 0 || std::memcmp(m, "MM\0*", 4) == 0 ||
                   std::memcmp(m, "II+\0", 4) == 0 || std::memcmp(m, "MM\0+", 4) == 0))
        return DocumentKind::Tiff;
    if (n >= 2 && m[0] == 'P' && (m[1] == '1' || m[1] == '4')) return DocumentKind::Pbm;
    return DocumentKind::Unknown;
}

Result<std::vector<GreyImage>> render_pdf(const std::string& path) {
    silence_poppler();
    auto kind = sniff_document(path);
    if (!kind) return fail(kind.take_error());
    if (*kind != DocumentKind::Pdf) return fail(Errc::InvalidInput, path + ": not a PDF document");
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
    if (!doc) {
        // load_from_file fails both for damage and for a user password; tell them apart by
        // the encryption dictionary, which a locked file still has.
        if (file_contains(path, "/Encrypt"))
            return fail(Errc::Unsupported, path + ": the PDF is encrypted (it needs a password); export an unprotected copy");
        return fail(Errc::InvalidInput, path + ": not a readable PDF (damaged or truncated)");
    }
    if (doc->is_locked())
        return fail(Errc::Unsupported, path + ": the PDF is encrypted (it needs a password); export an unprotected copy");
    const int n = doc->pages();
    if (n <= 0) return fail(Errc::InvalidInput, path + ": the PDF has no pages");
    if (n > kMaxPdfPages) return fail(Errc::InvalidInput, path + ": the PDF has more than " + std::to_string(kMaxPdfPages) + " pages");

    poppler::page_renderer renderer;
    renderer.set_image_format(poppler::image::format_gray8);
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    std::vector<GreyImage> pages;
    for (int i = 0; i < n; ++i) {
        std::unique_ptr<poppler::page> page(doc->create_page(i));
        if (!page) return fail(Errc::InvalidInput, page_prefix(path, i + 1) + "cannot be read");
        // page_rect is in points (1/72 in) and already accounts for /Rotate.
        const poppler::rectf r = page->page_rect(poppler::media_box);
        const bool sideways = page->orientation() == poppler::page::landscape || page->orientation() == poppler::page::seascape;
        const double w_in = (sideways ? r.height() : r.width()) / 72.0;
        const double h_in = (sideways ? r.width() : r.height()) / 72.0;
        if (!(w_in > 0.5) || !(h_in > 0.5) || w_in > 200 || h_in > 200)
            return fail(Errc::InvalidInput, page_prefix(path, i + 1) + "implausible page size");
        const double fit = std::min(1.0, kLine / (w_in * kR8));
        const double xres = kR8 * fit, yres = kFine * fit;
        if (static_cast<uint64_t>(w_in * xres) * static_cast<uint64_t>(h_in * yres) > kMaxPixels)
            return fail(Errc::InvalidInput, page_prefix(path, i + 1) + "too large for a fax page");
        poppler::image img = renderer.render_page(page.get(), xres, yres);
        if (!img.is_valid() || img.format() != poppler::image::format_gray8)
            return fail(Errc::InvalidInput, page_prefix(path, i + 1) + "could not be rendered");
        GreyImage g = GreyImage::blank(img.width(), img.height(), kR8, kFine);
        const char* data = img.const_data();
        for (int y = 0; y < img.height(); ++y)
            std::memcpy(&g.at(0, y), data + static_cast<std::ptrdiff_t>(y) * img.bytes_per_row(),
                        static_cast<std::size_t>(img.width()));
        pages.push_back(std::move(g));
    }
    return pages;
}

Result<std::vector<GreyImage>> read_tiff_grey(const std::string& path) {
    install_tiff_handlers();
    auto kind = sniff_document(path);
    if (!kind) return fail(kind.take_error());
    if (*kind != DocumentKind::Tiff) return fail(Errc::InvalidInput, path + ": not a TIFF document");
    TiffDiagnostics diag;
    std::unique_ptr<TIFF, TiffCloser> tif(TIFFOpen(path.c_str(), "r"));
    if (!tif) return fail(Errc::InvalidInput, path + ": not a readable TIFF: libtiff: " + diag.errors());
    std::vector<GreyImage> pages;
    int dir = 0;
    do {
        ++dir;
        uint32_t subfile = 0;
        TIFFGetField(tif.get(), TIFFTAG_SUBFILETYPE, &subfile);
        if (subfile & FILETYPE_REDUCEDIMAGE) continue;  // thumbnails
        uint32_t w = 0, h = 0;
        if (!TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &h) ||
            w == 0 || h == 0)
            return fail(Errc::InvalidInput, page_prefix(path, dir) + "no image width/length");
        if (static_cast<uint64_t>(w) * h > kMaxPixels)
            return fail(Errc::InvalidInput, page_prefix(path, dir) + "too large for a fax page");
        float xr = 0, yr = 0;
        uint16_t unit = RESUNIT_INCH;
        TIFFGetFieldDefaulted(tif.get(), TIFFTAG_RESOLUTIONUNIT, &unit);
        double xres = 0, yres = 0;
        if (TIFFGetField(tif.get(), TIFFTAG_XRESOLUTION, &xr) && TIFFGetField(tif.get(), TIFFTAG_YRESOLUTION, &yr) &&
            unit != RESUNIT_NONE && std::isfinite(xr) && std::isfinite(yr) && xr >= 10 && yr >= 10 && xr <= 10000 &&
            yr <= 10000) {
            const double k = unit == RESUNIT_CENTIMETER ? 2.54 : 1.0;
            xres = xr * k;
            yres = yr * k;
        } else {
            xres = yres = w / 8.5;  // documented assumption: a Letter-wide scan
        }
        // libtiff's RGBA interface decodes every photometric and compression it supports
        // (grey, palette, RGB, YCbCr/JPEG, CMYK, 1..16 bits) into one layout.
        std::vector<uint32_t> rgba(static_cast<std::size_t>(w) * h);
        if (!TIFFReadRGBAImageOriented(tif.get(), w, h, rgba.data(), ORIENTATION_TOPLEFT, 0) || diag.has_error())
            return fail(Errc::InvalidInput, page_prefix(path, dir) + "libtiff: " +
                                                (diag.has_error() ? diag.errors() : std::string("cannot decode the image")));
        GreyImage g = GreyImage::blank(static_cast<int>(w), static_cast<int>(h), xres, yres);
        for (std::size_t i = 0; i < rgba.size(); ++i) {
            const uint32_t p = rgba[i];
            // ITU-R BT.601 luma, composited over white (a transparent scan margin is paper).
            const double a = TIFFGetA(p) / 255.0;
            const double luma = 0.299 * TIFFGetR(p) + 0.587 * TIFFGetG(p) + 0.114 * TIFFGetB(p);
            g.px[i] = static_cast<uint8_t>(std::lround(luma * a + 255.0 * (1.0 - a)));
        }
        pages.push_back(std::move(g));
    } while (TIFFReadDirectory(tif.get()));
    if (pages.empty()) return fail(Errc::InvalidInput, path + ": no page images");
    return pages;
}

Result<std::vector<Bitmap>> read_document(const std::string& path, const BinariseOptions& opts) {
    auto kind = sniff_document(path);
    if (!kind) return fail(kind.take_error());
    switch (*kind) {
    case DocumentKind::Pbm: {
        auto page = read_pbm(path);
        if (!page) return fail(page.take_error());
        std::vector<Bitmap> pages;
        pages.push_back(std::move(*page));
        return pages;
    }
    case DocumentKind::Tiff: {
        // Bilevel TIFFs keep their exact pixels; anything else takes the grey path.
        auto bilevel = read_tiff(path);
        if (bilevel || bilevel.error().message.find("is not a bilevel image") == std::string::npos) return bilevel;
        auto grey = read_tiff_grey(path);
        if (!grey) return fail(grey.take_error());
        std::vector<Bitmap> pages;
        for (const auto& g : *grey) pages.push_back(binarise(to_fax_grid(g), opts));
        return pages;
    }
    case DocumentKind::Pdf: {
        auto grey = render_pdf(path);
        if (!grey) return fail(grey.take_error());
        std::vector<Bitmap> pages;
        for (const auto& g : *grey) pages.push_back(binarise(g, opts));
        return pages;
    }
    case DocumentKind::Unknown: break;
    }
    return fail(Errc::InvalidInput, path + ": not a PDF, TIFF or PBM document");
}

}  // namespace fax::t30
