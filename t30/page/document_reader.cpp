#include "fax/t30/document_reader.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <tiffio.h>
#include <unistd.h>
#include <zlib.h>

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
#include <chrono>

#include "document_file.h"
#include "pdf_image_page.h"

#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"

namespace fax::t30 {

namespace {

constexpr double kR8 = 204.0;
constexpr double kFine = 196.0;
constexpr int kLine = 1728;
constexpr uint64_t kMaxPixels = 120'000'000;  // a 600 dpi Letter scan is 34 Mpx; more is not a page

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
    DocumentLimits limits;
    UniqueFd fd;  // the vetted file; poppler reads it through /proc/self/fd
    std::unique_ptr<poppler::document> doc;
    int pages = 0;
    // Neither renderer anti-aliases. The grey one feeds binarise(), which thresholds what
    // is not photographic at 50 %: an anti-aliased stroke thinner than half a pixel (a
    // hairline, a 0.25 pt rule at 204 dpi) never reaches 50 % and vanished; rasterised
    // without anti-aliasing it keeps one pixel. The mono one is the same Splash rasteriser
    // writing one bit per pixel (poppler does not anti-alias mono output at all).
    poppler::page_renderer grey;
    poppler::page_renderer mono;
    // Pages that are one bilevel image, read with qpdf (pdf_image_page.h); opened on the
    // first bilevel page, and not at all when direct_images is off.
    bool direct_images = true;
    mutable bool images_tried = false;
    mutable std::unique_ptr<detail::PdfImagePages> images;
    detail::PdfImagePages* image_pages() const {
        if (!images_tried) {
            images_tried = true;
            images = detail::PdfImagePages::open("/proc/self/fd/" + std::to_string(fd.get()), pages);
        }
        return images.get();
    }

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
        // Checked from the page box, before poppler renders anything.
        const uint64_t w_px = static_cast<uint64_t>(w_in * p.xres), h_px = static_cast<uint64_t>(h_in * p.yres);
        if (w_px * h_px > std::min(kMaxPixels, limits.max_page_pixels))
            return fail(Errc::InvalidInput,
                        page_prefix(path, index + 1) +
                            limit_text("a page of " + std::to_string(w_px) + " x " + std::to_string(h_px) +
                                           " pixels at fax resolution",
                                       kLimitPagePixels, std::min(kMaxPixels, limits.max_page_pixels)));
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

namespace {

// Counts what the Flate streams of a PDF decompress to, stopping as soon as the total
// passes max_decompressed_bytes: poppler would inflate a shared 4 GB stream of zeros
// again for every page that draws it, for hours. Every "stream" keyword is tried as the
// start of zlib data (a stream of another filter fails inflate's header check at once).
Status prescan_flate(int fd, uint64_t size, const std::string& path, const DocumentLimits& limits) {
    if (size == 0) return {};
    void* map = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) return fail(Errc::Io, path + ": cannot read: " + std::strerror(errno));
    struct Unmap {
        void* p;
        std::size_t n;
        ~Unmap() { ::munmap(p, n); }
    } unmap{map, static_cast<std::size_t>(size)};
    const std::string_view data(static_cast<const char*>(map), static_cast<std::size_t>(size));
    // Raw deflate after the zlib header is checked here: inflate() then counts the same
    // bytes, without computing the Adler-32 checksum that only the stream's end would check
    // (the bytes before a bad checksum were counted either way).
    z_stream z{};
    if (inflateInit2(&z, -15) != Z_OK) return fail(Errc::Internal, "zlib: cannot initialise");
    struct End {
        z_stream* z;
        ~End() { inflateEnd(z); }
    } end{&z};
    static thread_local unsigned char sink[1 << 16];
    uint64_t total = 0;
    for (std::size_t pos = 0; (pos = data.find("stream", pos)) != std::string_view::npos;) {
        const bool is_end = pos >= 3 && data.substr(pos - 3, 3) == "end";
        pos += 6;
        if (is_end) continue;
        std::size_t start = pos;
        if (start < data.size() && data[start] == '\r') ++start;
        if (start < data.size() && data[start] == '\n') ++start;
        if (start == pos) continue;  // "stream" must be followed by an end of line
        // The zlib header inflate() would check: deflate, a window of at most 32 KiB, no
        // preset dictionary (with one, inflate() stops before any data), FCHECK.
        if (data.size() - start < 2) continue;
        const auto cmf = static_cast<unsigned char>(data[start]), flg = static_cast<unsigned char>(data[start + 1]);
        if ((cmf & 0x0f) != 8 || (cmf >> 4) > 7 || (flg & 0x20) != 0 || (cmf * 256u + flg) % 31 != 0) continue;
        if (inflateReset2(&z, -static_cast<int>((cmf >> 4) + 8)) != Z_OK) continue;  // the declared window
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + start + 2));
        z.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size() - start - 2, 1u << 30));
        for (;;) {
            z.next_out = sink;
            z.avail_out = sizeof sink;
            const int rc = inflate(&z, Z_NO_FLUSH);
            total += sizeof sink - z.avail_out;
            if (total > limits.max_decompressed_bytes)
                return fail(Errc::InvalidInput,
                            path + ": " + limit_text("its compressed streams, which decompress to more than " +
                                                         std::to_string(limits.max_decompressed_bytes) + " bytes,",
                                                     kLimitDecompressedBytes, limits.max_decompressed_bytes));
            if (rc != Z_OK) break;  // the end of the stream, not zlib data, or damaged
            if (z.avail_out != 0 && z.avail_in == 0) break;
        }
    }
    return {};
}

}  // namespace

Result<PdfDocument> PdfDocument::open(const std::string& path) { return open(path, DocumentLimits{}); }

Result<PdfDocument> PdfDocument::open(const std::string& path, const DocumentLimits& limits) {
    silence_poppler();
    auto file = detail::open_document_file(path, limits);
    if (!file) return fail(file.take_error());
    char magic[5] = {};
    if (::pread(file->fd.get(), magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic) ||
        std::memcmp(magic, "%PDF-", 5) != 0)
        return fail(Errc::InvalidInput, path + ": not a PDF document");
    FAX_TRY(prescan_flate(file->fd.get(), file->size, path, limits));
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->limits = limits;
    impl->fd = std::move(file->fd);
    const std::string via = "/proc/self/fd/" + std::to_string(impl->fd.get());
    impl->doc.reset(poppler::document::load_from_file(via));
    if (!impl->doc) {
        // load_from_file fails both for damage and for a user password; tell them apart by
        // the encryption dictionary, which a locked file still has.
        if (file_contains(via, "/Encrypt"))
            return fail(Errc::Unsupported, path + ": the PDF is encrypted (it needs a password); export an unprotected copy");
        return fail(Errc::InvalidInput, path + ": not a readable PDF (damaged or truncated)");
    }
    if (impl->doc->is_locked())
        return fail(Errc::Unsupported, path + ": the PDF is encrypted (it needs a password); export an unprotected copy");
    const int n = impl->doc->pages();
    if (n <= 0) return fail(Errc::InvalidInput, path + ": the PDF has no pages");
    if (n > limits.max_pages)
        return fail(Errc::InvalidInput, path + ": " + limit_text("a PDF of " + std::to_string(n) + " pages", kLimitPages,
                                                                 static_cast<uint64_t>(limits.max_pages)));
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

void PdfDocument::set_direct_images(bool on) { impl_->direct_images = on; }

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
    bool direct = false;
    // A page that is one image at its size or larger: read from the PDF's objects and placed
    // as Splash places it (pdf_image_page.h), the same pixels without rasterising the page.
    if (width > 0 && impl_->direct_images) {
        if (detail::PdfImagePages* images = impl_->image_pages()) {
            // Unsliced, poppler's rows are usable only at a multiple of 32 pixels (see above).
            auto b = images->render(index, p->xres, p->yres, slice_w, slice_h, slice_w < 0 ? -1 : width);
            if (b && (slice_w >= 0 || b->width % 32 == 0)) {
                mono = std::move(*b);
                direct = true;
            }
        }
    }
    if (width > 0 && !mono) {
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
        if (path) *path = direct ? PdfPagePath::Image : PdfPagePath::Mono;
        return std::move(*mono);
    }
    mono.reset();  // one page image at a time
    // A page read directly whose image is 8-bit grey: its grey as poppler's grey renderer
    // draws it, without rasterising the page either.
    if (direct) {
        if (auto g = impl_->image_pages()->render_grey(index, p->xres, p->yres)) {
            const GreyView view{g->px.data(), g->width, g->width, g->height, kR8, kFine};
            if (path) *path = PdfPagePath::ImageGrey;
            return binarise(view, opts);
        }
    }
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

Result<std::vector<GreyImage>> read_tiff_grey(const std::string& path) {
    const DocumentLimits limits;
    auto file = detail::open_document_file(path, limits);
    if (!file) return fail(file.take_error());
    std::vector<GreyImage> pages;
    detail::TiffSink sink;
    sink.on_grey = [&](int, GreyImage&& g) -> Status {
        pages.push_back(std::move(g));
        return {};
    };
    auto n = detail::read_tiff_pages(file->fd.get(), path, {}, limits, detail::TiffDecode::Grey, sink);
    if (!n) return fail(n.take_error());
    return pages;
}

namespace {

// --- PDF pages rendered in a child process ---------------------------------------------
//
// poppler cannot be interrupted inside a page, and what a page costs is not known until it
// is drawn (a content stream can loop over a shared image, a JBIG2 or CCITT stream can
// expand without end). So the pages are rendered in a forked child with RLIMIT_CPU
// (max_cpu_seconds) and RLIMIT_AS (child_address_space()), which writes each bilevel page to
// a pipe; the parent reads them under a wall-clock deadline and kills the child when it
// passes. The child only reads the document and writes the pipe: it touches no store, logs
// nothing, and leaves with _exit().

// Address space of the rendering child: poppler, its libraries and the document's
// structures, plus a page of max_page_pixels in grey and in bilevel (and poppler's working
// copy): 612 MiB at the default 50 Mpx.
uint64_t child_address_space(const DocumentLimits& limits) { return (512ull << 20) + 2 * limits.max_page_pixels; }

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

enum : char { kMsgCount = 'C', kMsgPage = 'P', kMsgError = 'E', kMsgDone = 'D' };

struct PageHeader {
    int32_t number;
    int32_t width;
    int32_t height;
    double xres;
    double yres;
};

bool write_all(int fd, const void* data, std::size_t n) {
    const auto* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

void child_error(int out, const Error& e) {
    const char type = kMsgError;
    const auto code = static_cast<int32_t>(e.code);
    const auto len = static_cast<uint32_t>(std::min<std::size_t>(e.message.size(), 4096));
    (void)(write_all(out, &type, 1) && write_all(out, &code, sizeof code) && write_all(out, &len, sizeof len) &&
           write_all(out, e.message.data(), len));
}

// The child's work: every message it sends, then _exit.
[[noreturn]] void child_render(const std::string& path, const std::vector<int>& wanted, const DocumentLimits& limits,
                               const BinariseOptions& opts, int out) {
    const rlim_t cpu = static_cast<rlim_t>(std::max(1, limits.max_cpu_seconds));
    const rlimit cpu_limit{cpu, cpu + 1};  // SIGXCPU at the soft limit, SIGKILL one second later
    ::setrlimit(RLIMIT_CPU, &cpu_limit);
    const rlimit no_core{0, 0};  // SIGXCPU dumps core by default: not a document's pages
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (!kAddressSanitizer) {  // ASan reserves terabytes of address space up front
        const rlimit as{child_address_space(limits), child_address_space(limits)};
        ::setrlimit(RLIMIT_AS, &as);
    }
    int rc = 0;
    try {
        auto doc = PdfDocument::open(path, limits);
        if (!doc) {
            child_error(out, doc.error());
            ::_exit(0);
        }
        const char ctype = kMsgCount;
        const int32_t count = doc->pages();
        if (!write_all(out, &ctype, 1) || !write_all(out, &count, sizeof count)) ::_exit(1);
        uint64_t doc_pixels = 0;
        for (int n : wanted) {
            if (n > count) break;
            auto b = doc->render_bilevel(n - 1, opts);
            if (!b) {
                child_error(out, b.error());
                ::_exit(0);
            }
            doc_pixels += static_cast<uint64_t>(b->width) * static_cast<uint64_t>(b->height);
            if (doc_pixels > limits.max_document_pixels) {
                child_error(out, Error{Errc::InvalidInput,
                                       page_prefix(path, n) + limit_text("the pages selected up to this one, " +
                                                                             std::to_string(doc_pixels) + " pixels,",
                                                                         kLimitDocumentPixels,
                                                                         limits.max_document_pixels)});
                ::_exit(0);
            }
            const char ptype = kMsgPage;
            const PageHeader h{n, b->width, b->height, b->xres_dpi, b->yres_dpi};
            if (!write_all(out, &ptype, 1) || !write_all(out, &h, sizeof h) ||
                !write_all(out, b->bits.data(), b->bits.size()))
                ::_exit(1);
        }
        const char done = kMsgDone;
        if (!write_all(out, &done, 1)) rc = 1;
    } catch (...) {  // std::bad_alloc under RLIMIT_AS, or anything poppler throws
        rc = 2;
    }
    ::_exit(rc);
}

// Reads exactly n bytes from the child before `deadline`; false on end of file or timeout.
bool read_exact(int fd, void* data, std::size_t n, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
    auto* p = static_cast<char*>(data);
    while (n > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            return false;
        }
        pollfd pfd{fd, POLLIN, 0};
        const int pr = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (pr < 0 && errno == EINTR) continue;
        if (pr < 0) return false;
        if (pr == 0) continue;
        const ssize_t r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

Result<DocumentPages> read_pdf_pages(const std::string& path, const std::vector<int>& wanted_in,
                                     const DocumentLimits& limits, const BinariseOptions& opts) {
    silence_poppler();
    const std::vector<int> wanted = normalise_selection(wanted_in);
    // Every page when none is named: the child is told the page numbers, so "all" is
    // 1..max_pages (it stops at the document's count).
    std::vector<int> ask = wanted;
    if (wanted_in.empty())
        for (int i = 1; i <= limits.max_pages; ++i) ask.push_back(i);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(Errc::Io, "pipe: " + std::string(std::strerror(errno)));
    UniqueFd in(fds[0]), out(fds[1]);
    // A page (513 KB at 1728 x 2376) through a 64 KiB pipe is eight wake-ups of each side;
    // through 1 MiB, one. The default stays if the system allows less.
    (void)::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    const pid_t pid = ::fork();
    if (pid < 0) return fail(Errc::Io, "fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        in.reset();
        child_render(path, ask, limits, opts, out.get());
    }
    out.reset();
    // CPU time is the child's limit; the wall clock allows for a loaded machine, and ends a
    // child that waits on something instead of computing.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2 * limits.max_cpu_seconds + 10);
    bool timed_out = false;
    std::optional<Error> error;
    bool done = false;
    DocumentPages doc;
    uint64_t doc_pixels = 0;
    for (;;) {
        char type = 0;
        if (!read_exact(in.get(), &type, 1, deadline, timed_out)) break;
        if (type == kMsgCount) {
            int32_t n = 0;
            if (!read_exact(in.get(), &n, sizeof n, deadline, timed_out)) break;
            doc.page_count = n;
        } else if (type == kMsgPage) {
            PageHeader h{};
            if (!read_exact(in.get(), &h, sizeof h, deadline, timed_out)) break;
            const uint64_t px = static_cast<uint64_t>(std::max(0, h.width)) * static_cast<uint64_t>(std::max(0, h.height));
            doc_pixels += px;
            // The child checked these; the parent trusts no size it did not check itself.
            if (h.width <= 0 || h.height <= 0 || h.width > kLine + 32 || px > limits.max_page_pixels ||
                doc_pixels > limits.max_document_pixels || !(h.xres > 0) || !(h.yres > 0)) {
                error = Error{Errc::InvalidInput, page_prefix(path, h.number) + "the renderer returned an implausible page"};
                break;
            }
            Bitmap b = Bitmap::blank(h.width, h.height, h.xres, h.yres);
            if (!read_exact(in.get(), b.bits.data(), b.bits.size(), deadline, timed_out)) break;
            doc.numbers.push_back(h.number);
            doc.pages.push_back(std::move(b));
        } else if (type == kMsgError) {
            int32_t code = 0;
            uint32_t len = 0;
            if (!read_exact(in.get(), &code, sizeof code, deadline, timed_out) ||
                !read_exact(in.get(), &len, sizeof len, deadline, timed_out) || len > 4096)
                break;
            std::string msg(len, '\0');
            if (!read_exact(in.get(), msg.data(), len, deadline, timed_out)) break;
            error = Error{static_cast<Errc>(code), std::move(msg)};
            break;
        } else if (type == kMsgDone) {
            done = true;
            break;
        } else {
            break;
        }
    }
    if (!done) ::kill(pid, SIGKILL);  // no-op if it has ended; ends one that hangs or overruns
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (error) return fail(std::move(*error));
    if (done) return doc;
    // SIGXCPU at the soft CPU limit, SIGKILL at the hard one (or from the wall-clock deadline).
    if (timed_out || (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL)))
        return fail(Errc::InvalidInput, path + ": " + limit_text("rendering the PDF", kLimitCpuSeconds,
                                                                 static_cast<uint64_t>(limits.max_cpu_seconds)));
    return fail(Errc::InvalidInput,
                path + ": the PDF could not be rendered (the renderer ran out of memory or failed on damaged content)");
}

}  // namespace

Result<DocumentPages> read_document_pages(const std::string& path, const std::vector<int>& wanted,
                                          const DocumentLimits& limits, const BinariseOptions& opts) {
    auto file = detail::open_document_file(path, limits);
    if (!file) return fail(file.take_error());
    char m[5] = {};
    const ssize_t n = ::pread(file->fd.get(), m, sizeof m, 0);
    if (n < 0) return fail(Errc::Io, path + ": cannot read: " + std::strerror(errno));
    if (n >= 5 && std::memcmp(m, "%PDF-", 5) == 0) {
        file->fd.reset();  // the child opens and vets the file again itself
        return read_pdf_pages(path, wanted, limits, opts);
    }
    if (n >= 4 && (std::memcmp(m, "II*\0", 4) == 0 || std::memcmp(m, "MM\0*", 4) == 0 ||
                   std::memcmp(m, "II+\0", 4) == 0 || std::memcmp(m, "MM\0+", 4) == 0)) {
        // Bilevel TIFFs keep their exact pixels; if a wanted page is not bilevel, every
        // wanted page takes the grey path.
        DocumentPages doc;
        detail::TiffSink sink;
        sink.on_bilevel = [&](int number, Bitmap&& b) -> Status {
            doc.numbers.push_back(number);
            doc.pages.push_back(std::move(b));
            return {};
        };
        sink.on_grey = [&](int number, GreyImage&& g) -> Status {
            doc.numbers.push_back(number);
            doc.pages.push_back(binarise(to_fax_grid(g), opts));
            return {};
        };
        auto count = detail::read_tiff_pages(file->fd.get(), path, wanted, limits, detail::TiffDecode::Auto, sink);
        if (!count) return fail(count.take_error());
        doc.page_count = *count;
        return doc;
    }
    if (n >= 2 && m[0] == 'P' && (m[1] == '1' || m[1] == '4'))
        return detail::read_pbm_pages(file->fd.get(), file->size, path, wanted, limits, kR8, kFine);
    return fail(Errc::InvalidInput, path + ": not a PDF, TIFF or PBM document");
}

Result<std::vector<Bitmap>> read_document(const std::string& path, const BinariseOptions& opts) {
    auto doc = read_document_pages(path, {}, DocumentLimits{}, opts);
    if (!doc) return fail(doc.take_error());
    return std::move(doc->pages);
}

}  // namespace fax::t30
