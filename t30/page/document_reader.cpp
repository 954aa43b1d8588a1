#include "fax/t30/document_reader.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>
#include <tiffio.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

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

struct PdfDocument::Impl {
    std::string path;
    std::unique_ptr<poppler::document> doc;
    int pages = 0;
    // Neither renderer anti-aliases. The grey one feeds binarise(), which thresholds what
    // is not photographic at 50 %: an anti-aliased stroke thinner than half a pixel (a
    // hairline, a 0.25 pt rule at 204 dpi) never reaches 50 % and vanished; rasterised
    // without anti-aliasing it keeps one pixel. The mono one is the same Splash rasteriser
    // writing one bit per pixel (poppler does not anti-alias mono output at all).
    poppler::page_renderer grey;
    poppler::page_renderer mono;

    // The page, and the resolution to render it at so that it is 204 x 196 dpi or, if
    // wider than the 1728-pixel line, scaled to fit it (aspect kept).
    struct Page {
        std::unique_ptr<poppler::page> page;
        double xres = 0, yres = 0;
    };
    Result<Page> page(int index) const {
        if (index < 0 || index >= pages)
            return fail(Errc::InvalidArgument, path + ": no page " + std::to_string(index + 1) + " (the PDF has " +
                                                   std::to_string(pages) + ")");
        Page p;
        p.page.reset(doc->create_page(index));
        if (!p.page) return fail(Errc::InvalidInput, page_prefix(path, index + 1) + "cannot be read");
        // page_rect is in points (1/72 in) and already accounts for /Rotate.
        const poppler::rectf r = p.page->page_rect(poppler::media_box);
        const bool sideways =
            p.page->orientation() == poppler::page::landscape || p.page->orientation() == poppler::page::seascape;
        const double w_in = (sideways ? r.height() : r.width()) / 72.0;
        const double h_in = (sideways ? r.width() : r.height()) / 72.0;
        if (!(w_in > 0.5) || !(h_in > 0.5) || w_in > 200 || h_in > 200)
            return fail(Errc::InvalidInput, page_prefix(path, index + 1) + "implausible page size");
        const double fit = std::min(1.0, kLine / (w_in * kR8));
        p.xres = kR8 * fit;
        p.yres = kFine * fit;
        if (static_cast<uint64_t>(w_in * p.xres) * static_cast<uint64_t>(h_in * p.yres) > kMaxPixels)
            return fail(Errc::InvalidInput, page_prefix(path, index + 1) + "too large for a fax page");
        return p;
    }

    Result<poppler::image> render(int index, const poppler::page_renderer& renderer, poppler::image::format_enum f) const {
        auto p = page(index);
        if (!p) return fail(p.take_error());
        return render(index, *p, renderer, f, -1, -1);
    }
    // The whole page, or (slice_w, slice_h >= 0) its top-left slice_w x slice_h pixels.
    Result<poppler::image> render(int index, const Page& p, const poppler::page_renderer& renderer,
                                  poppler::image::format_enum f, int slice_w, int slice_h) const {
        const bool slice = slice_w >= 0 && slice_h >= 0;
        poppler::image img = renderer.render_page(p.page.get(), p.xres, p.yres, slice ? 0 : -1, slice ? 0 : -1,
                                                  slice ? slice_w : -1, slice ? slice_h : -1);
        if (!img.is_valid() || img.format() != f || img.width() <= 0 || img.height() <= 0 ||
            (slice && (img.width() != slice_w || img.height() != slice_h)))
            return fail(Errc::InvalidInput, page_prefix(path, index + 1) + "could not be rendered");
        return img;
    }
};

PdfDocument::PdfDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PdfDocument::PdfDocument(PdfDocument&&) noexcept = default;
PdfDocument& PdfDocument::operator=(PdfDocument&&) noexcept = default;
PdfDocument::~PdfDocument() = default;

Result<PdfDocument> PdfDocument::open(const std::string& path) {
    silence_poppler();
    auto kind = sniff_document(path);
    if (!kind) return fail(kind.take_error());
    if (*kind != DocumentKind::Pdf) return fail(Errc::InvalidInput, path + ": not a PDF document");
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->doc.reset(poppler::document::load_from_file(path));
    if (!impl->doc) {
        // load_from_file fails both for damage and for a user password; tell them apart by
        // the encryption dictionary, which a locked file still has.
        if (file_contains(path, "/Encrypt"))
            return fail(Errc::Unsupported, path + ": the PDF is encrypted (it needs a password); export an unprotected copy");
        return fail(Errc::InvalidInput, path + ": not a readable PDF (damaged or truncated)");
    }
    if (impl->doc->is_locked())
        return fail(Errc::Unsupported, path + ": the PDF is encrypted (it needs a password); export an unprotected copy");
    const int n = impl->doc->pages();
    if (n <= 0) return fail(Errc::InvalidInput, path + ": the PDF has no pages");
    if (n > kMaxPdfPages) return fail(Errc::InvalidInput, path + ": the PDF has more than " + std::to_string(kMaxPdfPages) + " pages");
    impl->pages = n;
    impl->grey.set_image_format(poppler::image::format_gray8);
    impl->mono.set_image_format(poppler::image::format_mono);
    for (poppler::page_renderer* r : {&impl->grey, &impl->mono}) {
        r->set_render_hint(poppler::page_renderer::antialiasing, false);
        r->set_render_hint(poppler::page_renderer::text_antialiasing, false);
    }
    return PdfDocument(std::move(impl));
}

int PdfDocument::pages() const { return impl_->pages; }

Result<GreyImage> PdfDocument::render_grey(int index) const {
    auto img = impl_->render(index, impl_->grey, poppler::image::format_gray8);
    if (!img) return fail(img.take_error());
    GreyImage g = GreyImage::blank(img->width(), img->height(), kR8, kFine);
    const char* data = img->const_data();
    for (int y = 0; y < img->height(); ++y)
        std::memcpy(&g.at(0, y), data + static_cast<std::ptrdiff_t>(y) * img->bytes_per_row(),
                    static_cast<std::size_t>(img->width()));
    return g;
}

Result<Bitmap> PdfDocument::render_bilevel(int index, const BinariseOptions& opts, PdfPagePath* path) const {
    // Bilevel first: one bit per pixel, no grey page in memory, and no binarise() pass; for
    // text, line art and scanned bilevel images (the bulk of what is released) it is several
    // times cheaper than the grey path and gives the same pixels (the same rasteriser without
    // anti-aliasing; binarise() thresholds a page of only 0 and 255 exactly). poppler's
    // bilevel output halftones every tone with an ordered screen, though: a photograph bands
    // into its few levels, and a grey scan's paper turns into a dot pattern where
    // binarise() makes paper white, text sharp and photographs error-diffused. Such a page
    // shows as many isolated pixels, and is rendered again in grey for binarise().
    //
    // poppler-cpp 22.12 labels a mono image with rows of ceil(width / 8) bytes, but Splash
    // pads its rows to 4 bytes, and only that many bytes are copied: unless the width is a
    // multiple of 32 the rows come out sheared and the last ones lost. Such a page (A4 is
    // 1687 pixels wide) is rendered as a slice of the next multiple of 32 columns (Splash
    // clips to the crop box, so the extra columns are paper) and cut back to its width,
    // which is computed as poppler computes it (crop box x resolution, rounded).
    auto p = impl_->page(index);
    if (!p) return fail(p.take_error());
    const poppler::rectf crop = p->page->page_rect(poppler::crop_box);
    const bool sideways =
        p->page->orientation() == poppler::page::landscape || p->page->orientation() == poppler::page::seascape;
    const double crop_w = (p->xres / 72.0) * (sideways ? crop.height() : crop.width());
    const double crop_h = (p->yres / 72.0) * (sideways ? crop.width() : crop.height());
    int width = -1, slice_w = -1, slice_h = -1;
    if (crop_w >= 1 && crop_w <= kLine + 1 && crop_h >= 1 && crop_w * crop_h <= static_cast<double>(kMaxPixels)) {
        width = static_cast<int>(crop_w + 0.5);
        if (width % 32 != 0) {
            slice_w = (width + 31) / 32 * 32;
            slice_h = static_cast<int>(crop_h + 0.5);
        }
    }
    std::optional<Bitmap> mono;
    if (width > 0) {
        auto img = impl_->render(index, *p, impl_->mono, poppler::image::format_mono, slice_w, slice_h);
        if (!img) return fail(img.take_error());
        if (slice_w < 0) width = img->width();
        // Rows exactly as labelled (a multiple of 32 pixels), else not usable (see above).
        if (img->width() % 32 == 0 && img->bytes_per_row() == img->width() / 8) {
            Bitmap b = Bitmap::blank(width, img->height(), kR8, kFine);
            const uint8_t tail = b.last_byte_mask();
            const std::size_t stride = b.stride();
            const auto* data = reinterpret_cast<const uint8_t*>(img->const_data());
            for (int y = 0; y < b.height; ++y) {
                // poppler's mono rows are MSB first with 1 = white: inverted to 1 = black.
                const uint8_t* src = data + static_cast<std::ptrdiff_t>(y) * img->bytes_per_row();
                uint8_t* dst = b.row(y);
                for (std::size_t i = 0; i < stride; ++i) dst[i] = static_cast<uint8_t>(~src[i]);
                dst[stride - 1] &= tail;
            }
            mono = std::move(b);
        }
    }
    if (mono && !looks_halftoned(*mono)) {
        if (path) *path = PdfPagePath::Mono;
        return std::move(*mono);
    }
    mono.reset();  // one page image at a time
    auto grey = impl_->render(index, *p, impl_->grey, poppler::image::format_gray8, -1, -1);
    if (!grey) return fail(grey.take_error());
    const GreyView view{reinterpret_cast<const uint8_t*>(grey->const_data()), grey->bytes_per_row(), grey->width(),
                        grey->height(), kR8, kFine};
    if (path) *path = PdfPagePath::Grey;
    return binarise(view, opts);
}

bool looks_halftoned(const Bitmap& page, int min_isolated) {
    if (!page.well_formed() || page.height < 3) return false;
    // 64 pixels at a time: row bytes loaded big-endian, so that pixel x of a word is bit
    // 63 - (x % 64) and its neighbours are one shift away; a word covers two 32-pixel tiles.
    const std::size_t stride = page.stride();
    const std::size_t words = (stride + 7) / 8;
    // Which bits of the last word are pixels.
    const int last_bits = page.width - static_cast<int>(64 * (words - 1));
    const uint64_t last_mask = last_bits >= 64 ? ~uint64_t{0} : ~(~uint64_t{0} >> last_bits);
    std::vector<uint64_t> rows[3];
    const auto load = [&](int y, std::vector<uint64_t>& w) {
        w.assign(words, 0);
        const uint8_t* r = page.row(y);
        const std::size_t full = stride / 8;
        for (std::size_t i = 0; i < full; ++i) {
            uint64_t v;
            std::memcpy(&v, r + 8 * i, 8);
            if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
            w[i] = v;
        }
        if (full < words) {
            uint64_t v = 0;
            for (std::size_t k = 8 * full; k < stride; ++k) v = (v << 8) | r[k];
            w[full] = v << (8 * (8 * words - stride));
        }
        w[words - 1] &= last_mask;  // padding bits are never pixels
    };
    constexpr int kTile = 32;
    std::vector<int> count(2 * words, 0);
    load(0, rows[0]);
    load(1, rows[1]);
    for (int y = 1; y + 1 < page.height; ++y) {
        std::vector<uint64_t>& up = rows[(y - 1) % 3];
        std::vector<uint64_t>& cur = rows[y % 3];
        std::vector<uint64_t>& dn = rows[(y + 1) % 3];
        load(y + 1, dn);
        for (std::size_t i = 0; i < words; ++i) {
            const uint64_t c = cur[i], u = up[i], d = dn[i];
            if ((c | u | d) == 0) continue;  // paper
            // Neighbours aligned with this word's pixels (outside the page is white).
            const uint64_t prev = i > 0 ? cur[i - 1] : 0, next = i + 1 < words ? cur[i + 1] : 0;
            const uint64_t left = (c >> 1) | (prev << 63);
            const uint64_t right = (c << 1) | (next >> 63);
            const uint64_t lone_black = c & ~(left | right | u | d);
            uint64_t lone_white = ~c & left & right & u & d;
            if (i + 1 == words) lone_white &= last_mask;
            const uint64_t lone = lone_black | lone_white;
            if (lone == 0) continue;
            count[2 * i] += std::popcount(lone >> 32);
            count[2 * i + 1] += std::popcount(lone & 0xffffffffu);
        }
        if (y % kTile == kTile - 1 || y + 2 == page.height) {
            for (int& n : count) {
                if (n >= min_isolated) return true;
                n = 0;
            }
        }
    }
    return false;
}

Result<std::vector<GreyImage>> render_pdf(const std::string& path) {
    auto doc = PdfDocument::open(path);
    if (!doc) return fail(doc.take_error());
    std::vector<GreyImage> pages;
    for (int i = 0; i < doc->pages(); ++i) {
        auto g = doc->render_grey(i);
        if (!g) return fail(g.take_error());
        pages.push_back(std::move(*g));
    }
    return pages;
}

namespace {

// Every page image of a non-bilevel TIFF in 8-bit grey, handed to `take` one at a time (so
// that memory holds one decoded page). Errors as read_tiff_grey().
Status for_each_tiff_grey(const std::string& path, const std::function<void(GreyImage&&)>& take) {
    install_tiff_handlers();
    auto kind = sniff_document(path);
    if (!kind) return fail(kind.take_error());
    if (*kind != DocumentKind::Tiff) return fail(Errc::InvalidInput, path + ": not a TIFF document");
    TiffDiagnostics diag;
    std::unique_ptr<TIFF, TiffCloser> tif(TIFFOpen(path.c_str(), "r"));
    if (!tif) return fail(Errc::InvalidInput, path + ": not a readable TIFF: libtiff: " + diag.errors());
    int taken = 0;
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
        rgba = {};
        take(std::move(g));
        ++taken;
    } while (TIFFReadDirectory(tif.get()));
    if (taken == 0) return fail(Errc::InvalidInput, path + ": no page images");
    return {};
}

}  // namespace

Result<std::vector<GreyImage>> read_tiff_grey(const std::string& path) {
    std::vector<GreyImage> pages;
    FAX_TRY(for_each_tiff_grey(path, [&](GreyImage&& g) { pages.push_back(std::move(g)); }));
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
        std::vector<Bitmap> pages;
        FAX_TRY(for_each_tiff_grey(path, [&](GreyImage&& g) { pages.push_back(binarise(to_fax_grid(g), opts)); }));
        return pages;
    }
    case DocumentKind::Pdf: {
        // Page by page: one page image in memory at a time.
        auto doc = PdfDocument::open(path);
        if (!doc) return fail(doc.take_error());
        std::vector<Bitmap> pages;
        pages.reserve(static_cast<std::size_t>(doc->pages()));
        for (int i = 0; i < doc->pages(); ++i) {
            auto b = doc->render_bilevel(i, opts);
            if (!b) return fail(b.take_error());
            pages.push_back(std::move(*b));
        }
        return pages;
    }
    case DocumentKind::Unknown: break;
    }
    return fail(Errc::InvalidInput, path + ": not a PDF, TIFF or PBM document");
}

}  // namespace fax::t30
