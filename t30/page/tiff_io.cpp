// The libtiff adapter: every TIFF* and every libtiff callback of this library lives here
// (STYLE.md §5).
#include "fax/t30/tiff_io.h"

#include "fax/t30/t6_encoder.h"

#include <fcntl.h>
#include <tiffio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "fax/base/log.h"
#include "fax/base/unique_fd.h"
#include "document_file.h"

namespace fax::t30 {
namespace {

// Longest libtiff text kept in one Error (libtiff can repeat a warning per scan line).
constexpr std::size_t kMaxDiagnosticChars = 600;
// Largest decoded page accepted (a fax page at 1728 x 2376 is 0.5 MiB).
constexpr uint64_t kMaxPageBytes = 128ull << 20;
constexpr uint32_t kMaxDimension = 100000;

thread_local TiffDiagnostics* t_capture = nullptr;

std::string format_message(const char* module, const char* fmt, va_list ap) {
    char buf[512];
    va_list copy;
    va_copy(copy, ap);
    std::vsnprintf(buf, sizeof buf, fmt, copy);
    va_end(copy);
    std::string text;
    if (module != nullptr && *module != '\0') {
        text = module;
        text += ": ";
    }
    text += buf;
    return text;
}

void dispatch(bool error, const char* module, const char* fmt, va_list ap) {
    std::string text = format_message(module, fmt, ap);
    if (t_capture != nullptr) {
        t_capture->add(error, text);
        return;
    }
    FAX_LOG(Debug, "tiff", (error ? "libtiff error: " : "libtiff warning: ") + text);
}

void on_error(thandle_t, const char* module, const char* fmt, va_list ap) { dispatch(true, module, fmt, ap); }
// A codec's "warnings" (Fax3Decode1D "Line length mismatch", "Premature EOL", PackBitsDecode
// "Discarding bytes") mean the page image is damaged: a document must not be sent with
// garbled rows, so they count as errors. Other warnings (unknown tags) stay warnings.
void on_warning(thandle_t, const char* module, const char* fmt, va_list ap) {
    const bool codec = module != nullptr && std::strstr(module, "Decode") != nullptr;
    dispatch(codec, module, fmt, ap);
}

struct TiffCloser {
    void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

struct OptionsDeleter {
    void operator()(TIFFOpenOptions* o) const { TIFFOpenOptionsFree(o); }
};

TiffPtr open_tiff(const std::string& path, const char* mode) {
    std::unique_ptr<TIFFOpenOptions, OptionsDeleter> opts(TIFFOpenOptionsAlloc());
    if (opts) TIFFOpenOptionsSetMaxSingleMemAlloc(opts.get(), static_cast<tmsize_t>(kMaxPageBytes * 2));
    return TiffPtr(TIFFOpenExt(path.c_str(), mode, opts.get()));
}

// For reading, from a descriptor open_document_file() vetted; libtiff owns (and closes) a
// duplicate of it. No single allocation larger than the largest page the limits allow.
TiffPtr open_tiff_fd(int fd, const std::string& name, uint64_t max_alloc) {
    UniqueFd dup(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!dup) return nullptr;
    if (::lseek(dup.get(), 0, SEEK_SET) < 0) return nullptr;
    std::unique_ptr<TIFFOpenOptions, OptionsDeleter> opts(TIFFOpenOptionsAlloc());
    if (opts) TIFFOpenOptionsSetMaxSingleMemAlloc(opts.get(), static_cast<tmsize_t>(max_alloc));
    TIFF* t = TIFFFdOpenExt(dup.get(), name.c_str(), "r", opts.get());
    if (t != nullptr) (void)dup.release();  // TIFFClose closes it
    return TiffPtr(t);
}

std::string libtiff_reason(const TiffDiagnostics& d, const std::string& fallback) {
    if (d.has_error()) return "libtiff: " + d.errors();
    // Some decoder failures are only reported as warnings (e.g. a bad fax code word).
    if (!d.warnings().empty()) return fallback + " (libtiff: " + d.warnings() + ")";
    return fallback;
}

std::string page_prefix(const std::string& path, int page) { return path + ": page " + std::to_string(page) + ": "; }

std::string describe_non_bilevel(uint16_t bps, uint16_t spp, uint16_t photometric) {
    std::string kind;
    switch (photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK: kind = spp == 1 ? "greyscale" : "greyscale with alpha"; break;
    case PHOTOMETRIC_RGB: kind = "RGB colour"; break;
    case PHOTOMETRIC_PALETTE: kind = "palette colour"; break;
    case PHOTOMETRIC_SEPARATED: kind = "CMYK colour"; break;
    case PHOTOMETRIC_YCBCR: kind = "YCbCr colour"; break;
    default: kind = "photometric " + std::to_string(photometric); break;
    }
    // In 64 bits: a damaged file can claim 65535 x 65535 (found by fuzz_tiff_read).
    const uint64_t bits = static_cast<uint64_t>(bps) * spp;
    return std::to_string(bits) + "-bit " + kind + " is not a bilevel image";
}

void clear_padding(Bitmap& page) {
    const uint8_t mask = page.last_byte_mask();
    if (mask == 0xff) return;
    for (int y = 0; y < page.height; ++y) page.row(y)[page.stride() - 1] &= mask;
}

void invert(Bitmap& page) {
    for (auto& b : page.bits) b = static_cast<uint8_t>(~b);
    clear_padding(page);
}

// Decodes the current directory of `tif` into a bitmap, or an error text without prefix.
Result<Bitmap> read_directory(TIFF* tif, const TiffDiagnostics& diag) {
    uint32_t w = 0, h = 0;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) || w == 0 || h == 0)
        return fail(Errc::InvalidInput, "no image width/length");
    uint16_t bps = 1, spp = 1, photometric = PHOTOMETRIC_MINISWHITE;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) photometric = PHOTOMETRIC_MINISWHITE;  // fax default
    if (bps != 1 || spp != 1) return fail(Errc::InvalidInput, describe_non_bilevel(bps, spp, photometric));
    if (photometric != PHOTOMETRIC_MINISWHITE && photometric != PHOTOMETRIC_MINISBLACK &&
        photometric != PHOTOMETRIC_PALETTE)
        return fail(Errc::InvalidInput, "1-bit photometric " + std::to_string(photometric) + " is not a bilevel image");
    if (w > kMaxDimension || h > kMaxDimension ||
        static_cast<uint64_t>((w + 7) / 8) * h > kMaxPageBytes)
        return fail(Errc::InvalidInput,
                    "page of " + std::to_string(w) + " x " + std::to_string(h) + " pixels is too large for a fax page");

    Bitmap page = Bitmap::blank(static_cast<int>(w), static_cast<int>(h));
    const std::size_t stride = page.stride();

    float xr = 0, yr = 0;
    uint16_t unit = RESUNIT_INCH;
    TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    const bool have_res = TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xr) && TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yr);
    if (have_res && unit != RESUNIT_NONE && std::isfinite(xr) && std::isfinite(yr) && xr > 0 && yr > 0) {
        const double k = unit == RESUNIT_CENTIMETER ? 2.54 : 1.0;
        page.xres_dpi = static_cast<double>(xr) * k;
        page.yres_dpi = static_cast<double>(yr) * k;
        page.resolution_known = true;
    } else {
        page.resolution_known = false;  // xres_dpi/yres_dpi keep the fax default, flagged untrusted
    }

    if (TIFFIsTiled(tif)) {
        uint32_t tw = 0, th = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
        // TIFF 6.0 §15: tile width is a multiple of 16, so tiles start on byte boundaries.
        if (tw == 0 || th == 0 || tw % 8 != 0) return fail(Errc::InvalidInput, "invalid tile size");
        const tmsize_t tile_size = TIFFTileSize(tif);
        const std::size_t tile_row_bytes = tw / 8;
        if (tile_size <= 0 || static_cast<uint64_t>(tile_size) < static_cast<uint64_t>(tile_row_bytes) * th)
            return fail(Errc::InvalidInput, "invalid tile size");
        std::vector<uint8_t> buf(static_cast<std::size_t>(tile_size));
        for (uint32_t ty = 0; ty < h; ty += th) {
            for (uint32_t tx = 0; tx < w; tx += tw) {
                const uint32_t tile = TIFFComputeTile(tif, tx, ty, 0, 0);
                if (TIFFReadEncodedTile(tif, tile, buf.data(), tile_size) < 0 || diag.has_error())
                    return fail(Errc::InvalidInput, libtiff_reason(diag, "cannot decode tile"));
                const std::size_t x_byte = tx / 8;
                const std::size_t n = std::min(tile_row_bytes, stride - x_byte);
                const uint32_t rows = std::min(th, h - ty);
                for (uint32_t r = 0; r < rows; ++r)
                    std::memcpy(page.row(static_cast<int>(ty + r)) + x_byte, buf.data() + r * tile_row_bytes, n);
            }
        }
    } else {
        uint32_t rps = h;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
        rps = std::clamp<uint32_t>(rps, 1, h);
        if (TIFFScanlineSize64(tif) != stride) return fail(Errc::InvalidInput, "unexpected scan line size");
        const uint32_t nstrips = TIFFNumberOfStrips(tif);
        if (static_cast<uint64_t>(nstrips) * rps < h) return fail(Errc::InvalidInput, "too few strips for the image length");
        for (uint32_t s = 0; s < nstrips && s * static_cast<uint64_t>(rps) < h; ++s) {
            const uint32_t y0 = s * rps;
            const uint32_t rows = std::min(rps, h - y0);
            const tmsize_t want = static_cast<tmsize_t>(rows * stride);
            const tmsize_t got = TIFFReadEncodedStrip(tif, s, page.row(static_cast<int>(y0)), want);
            if (got < 0 || diag.has_error())
                return fail(Errc::InvalidInput, libtiff_reason(diag, "cannot decode strip " + std::to_string(s)));
            if (got != want)
                return fail(Errc::InvalidInput, "strip " + std::to_string(s) + " decoded to " + std::to_string(got) +
                                                    " of " + std::to_string(want) + " bytes");
        }
    }

    // Normalise to 1 = black. Fax codecs and raw data alike hand back the stored sample values.
    if (photometric == PHOTOMETRIC_MINISBLACK) {
        invert(page);
    } else if (photometric == PHOTOMETRIC_PALETTE) {
        uint16_t *r = nullptr, *g = nullptr, *b = nullptr;
        if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b) || r == nullptr || g == nullptr || b == nullptr)
            return fail(Errc::InvalidInput, "palette image without a colour map");
        auto luma = [&](int i) { return 299.0 * r[i] + 587.0 * g[i] + 114.0 * b[i]; };
        if (luma(0) < luma(1)) invert(page);  // index 0 is the darker entry: make it 1
    } else {
        clear_padding(page);
    }
    return page;
}

}  // namespace

TiffDiagnostics::TiffDiagnostics() : outer_(t_capture) {
    install_tiff_handlers();
    t_capture = this;
}

TiffDiagnostics::~TiffDiagnostics() { t_capture = outer_; }

void TiffDiagnostics::add(bool error, const std::string& text) {
    std::string& s = error ? errors_ : warnings_;
    if (s.size() >= kMaxDiagnosticChars) return;
    if (!s.empty()) s += "; ";
    s += text;
    if (s.size() > kMaxDiagnosticChars) {
        s.resize(kMaxDiagnosticChars);
        s += "...";
    }
}

void install_tiff_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        // The plain handlers default to printing on stderr: remove them, keep only ours.
        TIFFSetErrorHandler(nullptr);
        TIFFSetWarningHandler(nullptr);
        TIFFSetErrorHandlerExt(&on_error);
        TIFFSetWarningHandlerExt(&on_warning);
    });
}

Result<std::vector<Bitmap>> read_tiff(const std::string& path) {
    const DocumentLimits limits;
    auto file = detail::open_document_file(path, limits);
    if (!file) return fail(file.take_error());
    std::vector<Bitmap> pages;
    detail::TiffSink sink;
    sink.on_bilevel = [&](int, Bitmap&& b) -> Status {
        pages.push_back(std::move(b));
        return {};
    };
    auto n = detail::read_tiff_pages(file->fd.get(), path, {}, limits, detail::TiffDecode::Bilevel, sink);
    if (!n) return fail(n.take_error());
    return pages;
}

namespace {

// One page (a directory that is not a thumbnail) as pass 1 saw it.
struct PageInfo {
    int number = 0;
    uint32_t w = 0, h = 0;
    bool bilevel = false;
    uint64_t bits_per_pixel = 1;  // as stored: bits per sample x samples per pixel
};

uint64_t bits_per_pixel(TIFF* tif) {
    uint16_t bps = 1, spp = 1;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    return std::max<uint64_t>(1, static_cast<uint64_t>(bps) * spp);
}

// The current directory through libtiff's RGBA interface (every photometric and compression
// it supports: grey, palette, RGB, YCbCr/JPEG, CMYK, 1..16 bits), as 8-bit grey.
Result<GreyImage> read_grey_directory(TIFF* tif, uint32_t w, uint32_t h, const TiffDiagnostics& diag) {
    float xr = 0, yr = 0;
    uint16_t unit = RESUNIT_INCH;
    TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    double xres = 0, yres = 0;
    if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xr) && TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yr) &&
        unit != RESUNIT_NONE && std::isfinite(xr) && std::isfinite(yr) && xr >= 10 && yr >= 10 && xr <= 10000 &&
        yr <= 10000) {
        const double k = unit == RESUNIT_CENTIMETER ? 2.54 : 1.0;
        xres = xr * k;
        yres = yr * k;
    } else {
        xres = yres = w / 8.5;  // documented assumption: a Letter-wide scan
    }
    std::vector<uint32_t> rgba(static_cast<std::size_t>(w) * h);
    if (!TIFFReadRGBAImageOriented(tif, w, h, rgba.data(), ORIENTATION_TOPLEFT, 0) || diag.has_error())
        return fail(Errc::InvalidInput,
                    "libtiff: " + (diag.has_error() ? diag.errors() : std::string("cannot decode the image")));
    GreyImage g = GreyImage::blank(static_cast<int>(w), static_cast<int>(h), xres, yres);
    for (std::size_t i = 0; i < rgba.size(); ++i) {
        const uint32_t p = rgba[i];
        // ITU-R BT.601 luma, composited over white (a transparent scan margin is paper).
        const double a = TIFFGetA(p) / 255.0;
        const double luma = 0.299 * TIFFGetR(p) + 0.587 * TIFFGetG(p) + 0.114 * TIFFGetB(p);
        g.px[i] = static_cast<uint8_t>(std::lround(luma * a + 255.0 * (1.0 - a)));
    }
    return g;
}

}  // namespace

namespace detail {

Result<int> read_tiff_pages(int fd, const std::string& path, const std::vector<int>& wanted_in,
                            const DocumentLimits& limits, TiffDecode mode, const TiffSink& sink) {
    const double cpu_start = thread_cpu_seconds();
    const std::vector<int> wanted = normalise_selection(wanted_in);
    const bool all = wanted_in.empty();
    auto is_wanted = [&](int n) { return all || std::binary_search(wanted.begin(), wanted.end(), n); };
    // The largest single buffer a page may need: its RGBA image (4 bytes a pixel).
    const uint64_t max_alloc = std::max<uint64_t>(limits.max_page_pixels * 4, 64ull << 20);
    TiffDiagnostics diag;
    TiffPtr tif = open_tiff_fd(fd, path, max_alloc);
    if (!tif) return fail(Errc::InvalidInput, path + ": not a readable TIFF: " + libtiff_reason(diag, "unknown reason"));

    // Pass 1: the directories only. Page count, and the wanted pages' geometry against the
    // limits, before any page is decoded.
    std::vector<PageInfo> infos;
    int pages = 0, dir = 0;
    uint64_t doc_pixels = 0, doc_bytes = 0;
    bool all_bilevel = true;
    const long max_dirs = 2L * limits.max_pages + 16;  // thumbnails between pages, but not without end
    for (;;) {
        ++dir;
        if (dir > max_dirs)
            return fail(Errc::InvalidInput, path + ": " + limit_text("more than " + std::to_string(max_dirs) + " images",
                                                                     kLimitPages, static_cast<uint64_t>(limits.max_pages)));
        uint32_t subfile = 0;
        TIFFGetField(tif.get(), TIFFTAG_SUBFILETYPE, &subfile);
        if ((subfile & FILETYPE_REDUCEDIMAGE) == 0) {
            ++pages;
            if (pages > limits.max_pages)
                return fail(Errc::InvalidInput, path + ": " + limit_text("more than " + std::to_string(limits.max_pages) + " pages",
                                                                         kLimitPages, static_cast<uint64_t>(limits.max_pages)));
            if (is_wanted(pages)) {
                PageInfo info;
                info.number = pages;
                if (!TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &info.w) ||
                    !TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &info.h) || info.w == 0 || info.h == 0)
                    return fail(Errc::InvalidInput, page_prefix(path, pages) + "no image width/length");
                info.bits_per_pixel = bits_per_pixel(tif.get());
                info.bilevel = info.bits_per_pixel == 1;
                all_bilevel = all_bilevel && info.bilevel;
                const uint64_t px = static_cast<uint64_t>(info.w) * info.h;
                const std::string geometry =
                    "a page of " + std::to_string(info.w) + " x " + std::to_string(info.h) + " pixels";
                if (px > limits.max_page_pixels)
                    return fail(Errc::InvalidInput,
                                page_prefix(path, pages) + limit_text(geometry, kLimitPagePixels, limits.max_page_pixels));
                doc_pixels += px;
                if (doc_pixels > limits.max_document_pixels)
                    return fail(Errc::InvalidInput, page_prefix(path, pages) +
                                                        limit_text("the pages selected up to this one, " +
                                                                       std::to_string(doc_pixels) + " pixels,",
                                                                   kLimitDocumentPixels, limits.max_document_pixels));
                infos.push_back(info);
            }
        }
        if (!TIFFReadDirectory(tif.get())) break;
    }
    if (diag.has_error())  // TIFFReadDirectory returns 0 both at the end and on a broken directory
        return fail(Errc::InvalidInput, page_prefix(path, dir + 1) + libtiff_reason(diag, ""));
    if (pages == 0) return fail(Errc::InvalidInput, path + ": no page images");
    const bool grey = mode == TiffDecode::Grey || (mode == TiffDecode::Auto && !all_bilevel);
    // What decoding the selected pages inflates to, at their own sample depth.
    for (const PageInfo& i : infos) {
        doc_bytes += (static_cast<uint64_t>(i.w) * i.bits_per_pixel + 7) / 8 * i.h;
        if (doc_bytes > limits.max_decompressed_bytes)
            return fail(Errc::InvalidInput, page_prefix(path, i.number) +
                                                limit_text("decoding the pages selected up to this one (" +
                                                               std::to_string(doc_bytes) + " bytes)",
                                                           kLimitDecompressedBytes, limits.max_decompressed_bytes));
    }
    if (infos.empty()) return pages;

    // Pass 2: from the first directory again, decoding the wanted pages only.
    if (!TIFFSetDirectory(tif.get(), 0))
        return fail(Errc::InvalidInput, path + ": not a readable TIFF: " + libtiff_reason(diag, "cannot rewind"));
    std::size_t next = 0;
    int page = 0;
    dir = 0;
    while (next < infos.size()) {
        ++dir;
        uint32_t subfile = 0;
        TIFFGetField(tif.get(), TIFFTAG_SUBFILETYPE, &subfile);
        if ((subfile & FILETYPE_REDUCEDIMAGE) == 0 && ++page == infos[next].number) {
            const PageInfo& info = infos[next++];
            if (thread_cpu_seconds() - cpu_start > limits.max_cpu_seconds)
                return fail(Errc::InvalidInput,
                            page_prefix(path, page) + limit_text("reading the document", kLimitCpuSeconds,
                                                                 static_cast<uint64_t>(limits.max_cpu_seconds)));
            if (grey) {
                auto g = read_grey_directory(tif.get(), info.w, info.h, diag);
                if (!g) return fail(Errc::InvalidInput, page_prefix(path, page) + g.error().message);
                FAX_TRY(sink.on_grey(page, std::move(*g)));
            } else {
                auto b = read_directory(tif.get(), diag);
                if (!b) {
                    Error e = b.take_error();
                    return fail(e.code, page_prefix(path, page) + e.message);
                }
                FAX_TRY(sink.on_bilevel(page, std::move(*b)));
            }
        }
        if (next < infos.size() && !TIFFReadDirectory(tif.get()))
            return fail(Errc::InvalidInput, page_prefix(path, dir + 1) + libtiff_reason(diag, "directory lost"));
    }
    return pages;
}

}  // namespace detail

Status write_fax_tiff(const std::string& path, const std::vector<Bitmap>& pages, TiffCompression c) {
    if (pages.empty()) return fail(Errc::InvalidArgument, path + ": no pages to write");
    if (pages.size() > 0xffff) return fail(Errc::InvalidArgument, path + ": too many pages");
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const Bitmap& p = pages[i];
        const std::string where = page_prefix(path, static_cast<int>(i + 1));
        if (!p.well_formed()) return fail(Errc::InvalidArgument, where + "bitmap geometry does not match its buffer");
        // A fax TIFF without resolution tags is sent as 204 x 98 by SpanDSP: never write one.
        if (!p.resolution_known || !(p.xres_dpi > 0) || !(p.yres_dpi > 0))
            return fail(Errc::InvalidArgument, where + "resolution unknown; normalise the page first");
    }

    TiffDiagnostics diag;
    TiffPtr tif = open_tiff(path, "wl");  // little-endian classic TIFF on every host
    if (!tif) return fail(Errc::Io, path + ": cannot create: " + libtiff_reason(diag, std::strerror(errno)));

    auto failed = [&](int page, const std::string& why) -> Unexpected {
        tif.reset();
        std::remove(path.c_str());
        return fail(Errc::Io, page_prefix(path, page) + libtiff_reason(diag, why));
    };

    const auto total = static_cast<uint16_t>(pages.size());
    std::vector<uint8_t> scratch;
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const Bitmap& p = pages[i];
        TIFF* t = tif.get();
        const int n = static_cast<int>(i + 1);
        bool ok = TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) &&
                  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(p.width)) &&
                  TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(p.height)) &&
                  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1) && TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1) &&
                  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
                  TIFFSetField(t, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT) &&
                  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE) &&
                  TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB) &&
                  TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, static_cast<uint32_t>(p.height)) &&
                  TIFFSetField(t, TIFFTAG_XRESOLUTION, p.xres_dpi) &&
                  TIFFSetField(t, TIFFTAG_YRESOLUTION, p.yres_dpi) &&
                  TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH) &&
                  TIFFSetField(t, TIFFTAG_PAGENUMBER, static_cast<int>(i), static_cast<int>(total));
        switch (c) {
        case TiffCompression::None: ok = ok && TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE); break;
        case TiffCompression::T4_1D:
            ok = ok && TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3) &&
                 TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, GROUP3OPT_FILLBITS);
            break;
        case TiffCompression::T4_2D:
            ok = ok && TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3) &&
                 TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, GROUP3OPT_FILLBITS | GROUP3OPT_2DENCODING);
            break;
        case TiffCompression::T6:
            ok = ok && TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4) &&
                 TIFFSetField(t, TIFFTAG_GROUP4OPTIONS, 0);
            break;
        }
        if (!ok) return failed(n, "cannot set the page tags");
        // Write this page's directory before its strip (efax reads a strip up to the end of
        // the file); TIFFWriteDirectory below rewrites it in place with the strip's offset.
        if (!TIFFCheckpointDirectory(t)) return failed(n, "cannot write the image directory");

        if (c == TiffCompression::T6) {
            // Coded here (t6_encoder.h: libtiff's bytes, several times faster), written raw.
            const std::vector<uint8_t> coded = encode_t6(p, BitOrder::LsbFirst);
            if (coded.empty() ||
                TIFFWriteRawStrip(t, 0, const_cast<uint8_t*>(coded.data()), static_cast<tmsize_t>(coded.size())) < 0)
                return failed(n, "cannot write the image data");
            if (!TIFFWriteDirectory(t)) return failed(n, "cannot write the image directory");
            if (diag.has_error()) return failed(n, "");
            continue;
        }
        scratch.assign(p.bits.begin(), p.bits.end());
        const uint8_t mask = p.last_byte_mask();
        for (int y = 0; y < p.height; ++y) scratch[p.stride() * static_cast<std::size_t>(y) + p.stride() - 1] &= mask;
        if (TIFFWriteEncodedStrip(t, 0, scratch.data(), static_cast<tmsize_t>(scratch.size())) < 0)
            return failed(n, "cannot write the image data");
        if (!TIFFWriteDirectory(t)) return failed(n, "cannot write the image directory");
        if (diag.has_error()) return failed(n, "");
    }
    // Closing flushes; its errors (disk full) are still captured by `diag`.
    tif.reset();
    if (diag.has_error()) {
        std::remove(path.c_str());
        return fail(Errc::Io, path + ": " + libtiff_reason(diag, ""));
    }
    return {};
}

}  // namespace fax::t30
