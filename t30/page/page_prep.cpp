#include "fax/t30/page_prep.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "fax/t30/pbm.h"

namespace fax::t30 {
namespace {

constexpr double kR8 = 204.0;        // T.4 §2.2: 8 pels/mm, the only width SpanDSP 0.0.6 sends
constexpr double kFine = 196.0;      // 7.7 lines/mm
constexpr double kStandard = 98.0;   // 3.85 lines/mm
constexpr double kTolerance = 0.01;  // 203.2 (8 dots/mm) and 195.58 (7.7 l/mm) are these values
constexpr double kMinDpi = 10.0, kMaxDpi = 10000.0;
constexpr long kMaxOutputRows = 100000;

bool near(double a, double nominal) { return std::fabs(a - nominal) <= kTolerance * nominal; }

double snap_x(double x) { return near(x, kR8) ? kR8 : x; }
double snap_y(double y) {
    if (near(y, kFine)) return kFine;
    if (near(y, kStandard)) return kStandard;
    return y;
}

// One axis of the area-coverage scaler. Positions are in units of 1/(src*dst): destination
// pixel d spans [d*src, (d+1)*src), source pixel i spans [i*dst, (i+1)*dst), so overlaps are
// exact integers and identity / row doubling reproduce the input bit for bit.
struct AxisMap {
    std::vector<std::size_t> first;  // per destination pixel, index into taps (size dst+1)
    std::vector<int> src;            // source pixel of each tap
    std::vector<uint32_t> overlap;   // overlap of each tap, in units

    AxisMap(int src_n, int dst_n) {
        first.reserve(static_cast<std::size_t>(dst_n) + 1);
        const uint64_t s = static_cast<uint64_t>(src_n), d = static_cast<uint64_t>(dst_n);
        for (uint64_t k = 0; k < d; ++k) {
            first.push_back(src.size());
            const uint64_t lo = k * s, hi = (k + 1) * s;
            for (uint64_t i = lo / d; i < s && i * d < hi; ++i) {
                const uint64_t a = std::max(lo, i * d), b = std::min(hi, (i + 1) * d);
                if (b > a) {
                    src.push_back(static_cast<int>(i));
                    overlap.push_back(static_cast<uint32_t>(b - a));
                }
            }
        }
        first.push_back(src.size());
    }
};

// Scales `in` to dst_w x dst_h and places it at column x0 of a kFaxWidth-wide page.
// A destination pixel is black when its black coverage is at least half of
// min(1, scale_x) * min(1, scale_y): a 1-pixel line always leaves at least that much in one
// destination pixel, so downscaling never drops thin strokes (at the price of slightly
// bolder text), while at scale >= 1 this is a plain 50% area majority.
Bitmap scale_into(const Bitmap& in, int dst_w, int dst_h, int x0, double yres) {
    Bitmap out = Bitmap::blank(kFaxWidth, dst_h, kR8, yres);
    const AxisMap xm(in.width, dst_w), ym(in.height, dst_h);
    const uint64_t threshold = static_cast<uint64_t>(std::min(in.width, dst_w)) *
                               static_cast<uint64_t>(std::min(in.height, dst_h));

    // Horizontal coverage of source rows, computed once per row and kept while in use.
    std::vector<std::vector<uint32_t>> hcov_cache;
    std::vector<int> cache_row;
    auto hcov = [&](int r) -> const std::vector<uint32_t>& {
        for (std::size_t i = 0; i < cache_row.size(); ++i)
            if (cache_row[i] == r) return hcov_cache[i];
        std::vector<uint32_t> cov(static_cast<std::size_t>(dst_w), 0);
        const uint8_t* row = in.row(r);
        for (int d = 0; d < dst_w; ++d) {
            uint32_t sum = 0;
            for (std::size_t t = xm.first[static_cast<std::size_t>(d)]; t < xm.first[static_cast<std::size_t>(d) + 1]; ++t) {
                const int x = xm.src[t];
                if ((row[x >> 3] >> (7 - (x & 7))) & 1) sum += xm.overlap[t];
            }
            cov[static_cast<std::size_t>(d)] = sum;
        }
        if (cache_row.size() >= 8) {  // rows are visited in order: drop the oldest
            cache_row.erase(cache_row.begin());
            hcov_cache.erase(hcov_cache.begin());
        }
        cache_row.push_back(r);
        hcov_cache.push_back(std::move(cov));
        return hcov_cache.back();
    };

    std::vector<uint64_t> acc(static_cast<std::size_t>(dst_w));
    for (int y = 0; y < dst_h; ++y) {
        std::fill(acc.begin(), acc.end(), 0);
        for (std::size_t t = ym.first[static_cast<std::size_t>(y)]; t < ym.first[static_cast<std::size_t>(y) + 1]; ++t) {
            const std::vector<uint32_t>& cov = hcov(ym.src[t]);
            const uint64_t wy = ym.overlap[t];
            for (std::size_t d = 0; d < acc.size(); ++d) acc[d] += wy * cov[d];
        }
        for (int d = 0; d < dst_w; ++d)
            if (2 * acc[static_cast<std::size_t>(d)] >= threshold && acc[static_cast<std::size_t>(d)] != 0)
                out.set(x0 + d, y, true);
    }
    return out;
}

std::string dims(const Bitmap& b) { return std::to_string(b.width) + " x " + std::to_string(b.height); }

enum class Kind { Tiff, Pbm, Unknown };

Result<Kind> sniff(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        const int err = errno;
        if (err == ENOENT) return fail(Errc::NotFound, path + ": no such file");
        return fail(Errc::Io, path + ": cannot open: " + std::strerror(err));
    }
    unsigned char m[4] = {0, 0, 0, 0};
    const std::size_t n = std::fread(m, 1, sizeof m, f);
    std::fclose(f);
    if (n >= 4 && ((m[0] == 'I' && m[1] == 'I' && (m[2] == 42 || m[2] == 43) && m[3] == 0) ||
                   (m[0] == 'M' && m[1] == 'M' && m[2] == 0 && (m[3] == 42 || m[3] == 43))))
        return Kind::Tiff;
    if (n >= 2 && m[0] == 'P' && (m[1] == '4' || m[1] == '1')) return Kind::Pbm;
    return Kind::Unknown;
}

// normalise_page() for both overloads: `owned`, if given, is `in` itself, which the
// caller is done with, so an already-normal page is moved out instead of copied.
Result<Bitmap> normalise(const Bitmap& in, Bitmap* owned, const PrepOptions& opts) {
    if (!in.well_formed()) return fail(Errc::InvalidArgument, "bitmap geometry does not match its buffer");
    const double target_y = opts.vertical == PrepOptions::Vertical::Fine ? kFine : kStandard;

    double xres = in.xres_dpi, yres = in.yres_dpi;
    if (!in.resolution_known) {
        // SpanDSP would send such a page as 204 x 98; only a fax-width page can be trusted
        // to be a fax page (then at fine resolution, as every fax TIFF writer of ours does).
        if (in.width != kFaxWidth)
            return fail(Errc::InvalidInput, "no resolution tags and not " + std::to_string(kFaxWidth) + " wide (" +
                                                dims(in) + ")");
        xres = kR8;
        yres = kFine;
    }
    if (!(xres >= kMinDpi && xres <= kMaxDpi && yres >= kMinDpi && yres <= kMaxDpi))
        return fail(Errc::InvalidInput, "implausible resolution " + std::to_string(xres) + " x " + std::to_string(yres) + " dpi");
    xres = snap_x(xres);
    yres = snap_y(yres);

    if (in.width == kFaxWidth && xres == kR8 && yres == target_y) {
        // Already normal: same pixels, exact nominal resolution.
        Bitmap out = owned != nullptr ? std::move(*owned) : Bitmap(in);
        out.xres_dpi = kR8;
        out.yres_dpi = target_y;
        out.resolution_known = true;
        return out;
    }

    double sx = kR8 / xres;
    double sy = target_y / yres;
    long dst_w = std::lround(in.width * sx);
    if (dst_w > kFaxWidth) {
        // Never crop: shrink to fit, keeping the aspect ratio.
        const double fit = static_cast<double>(kFaxWidth) / (in.width * sx);
        dst_w = kFaxWidth;
        sy *= fit;
    }
    const long dst_h = std::max(1L, std::lround(in.height * sy));
    dst_w = std::max(1L, dst_w);
    if (dst_h > kMaxOutputRows)
        return fail(Errc::InvalidInput, "page of " + dims(in) + " would be " + std::to_string(dst_h) + " fax rows long");
    const int x0 = static_cast<int>((kFaxWidth - dst_w) / 2);
    return scale_into(in, static_cast<int>(dst_w), static_cast<int>(dst_h), x0, target_y);
}

}  // namespace

Result<Bitmap> normalise_page(const Bitmap& in, const PrepOptions& opts) { return normalise(in, nullptr, opts); }

Result<Bitmap> normalise_page(Bitmap&& in, const PrepOptions& opts) { return normalise(in, &in, opts); }

Result<PreparedDocument> prepare_document(const std::vector<std::string>& inputs, const std::string& out_path,
                                          const PrepOptions& opts, TiffCompression c) {
    if (inputs.empty()) return fail(Errc::InvalidArgument, "no input files");
    for (const auto& in : inputs) {
        std::error_code ec;
        if (in == out_path || std::filesystem::equivalent(in, out_path, ec))
            return fail(Errc::InvalidArgument, out_path + ": output would overwrite an input");
    }

    std::vector<Bitmap> pages;
    for (const auto& path : inputs) {
        auto kind = sniff(path);
        if (!kind) return fail(kind.take_error());
        std::vector<Bitmap> file_pages;
        if (*kind == Kind::Tiff) {
            auto r = read_tiff(path);
            if (!r) return fail(r.take_error());
            file_pages = std::move(*r);
        } else if (*kind == Kind::Pbm) {
            auto r = read_pbm(path);
            if (!r) return fail(r.take_error());
            r->resolution_known = false;  // PBM has no resolution: same rule as an untagged TIFF
            file_pages.push_back(std::move(*r));
        } else {
            return fail(Errc::InvalidInput, path + ": not a TIFF or PBM image");
        }
        for (std::size_t i = 0; i < file_pages.size(); ++i) {
            auto n = normalise_page(file_pages[i], opts);
            if (!n) {
                Error e = n.take_error();
                return fail(e.code, path + ": page " + std::to_string(i + 1) + ": " + e.message);
            }
            pages.push_back(std::move(*n));
        }
    }
    FAX_TRY(write_fax_tiff(out_path, pages, c));
    return PreparedDocument{out_path, static_cast<int>(pages.size())};
}

}  // namespace fax::t30
