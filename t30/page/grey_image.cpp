#include "fax/t30/grey_image.h"

#include <algorithm>
#include <cmath>

namespace fax::t30 {

namespace {

constexpr double kR8 = 204.0;   // T.4 §2.2
constexpr double kFine = 196.0;
constexpr int kLine = 1728;

// Weights of source cells [0, n_src) covering destination cell j of n_dst (box filter).
struct Span {
    int first = 0;
    std::vector<double> w;
};

std::vector<Span> spans(int n_src, int n_dst) {
    std::vector<Span> out(static_cast<std::size_t>(n_dst));
    const double scale = static_cast<double>(n_src) / n_dst;
    for (int j = 0; j < n_dst; ++j) {
        const double a = j * scale, b = (j + 1) * scale;
        Span& s = out[static_cast<std::size_t>(j)];
        s.first = static_cast<int>(std::floor(a));
        const int last = std::min(n_src - 1, static_cast<int>(std::ceil(b)) - 1);
        for (int i = s.first; i <= last; ++i) {
            const double cover = std::min(b, i + 1.0) - std::max(a, static_cast<double>(i));
            s.w.push_back(cover / scale);
        }
    }
    return out;
}

}  // namespace

GreyImage resample(const GreyImage& in, int w, int h, double xres_dpi, double yres_dpi) {
    GreyImage out = GreyImage::blank(w, h, xres_dpi, yres_dpi);
    const auto xs = spans(in.width, w);
    const auto ys = spans(in.height, h);
    // Separable: rows first into doubles, then columns.
    std::vector<double> tmp(static_cast<std::size_t>(w) * static_cast<std::size_t>(in.height));
    for (int y = 0; y < in.height; ++y) {
        for (int x = 0; x < w; ++x) {
            const Span& s = xs[static_cast<std::size_t>(x)];
            double acc = 0;
            for (std::size_t k = 0; k < s.w.size(); ++k) acc += s.w[k] * in.at(s.first + static_cast<int>(k), y);
            tmp[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)] = acc;
        }
    }
    for (int y = 0; y < h; ++y) {
        const Span& s = ys[static_cast<std::size_t>(y)];
        for (int x = 0; x < w; ++x) {
            double acc = 0;
            for (std::size_t k = 0; k < s.w.size(); ++k)
                acc += s.w[k] * tmp[static_cast<std::size_t>(s.first + static_cast<int>(k)) * static_cast<std::size_t>(w) +
                                    static_cast<std::size_t>(x)];
            out.at(x, y) = static_cast<uint8_t>(std::clamp(std::lround(acc), 0L, 255L));
        }
    }
    return out;
}

GreyImage to_fax_grid(const GreyImage& in) {
    const double width_in = in.width / in.xres_dpi;
    const double height_in = in.height / in.yres_dpi;
    double fit = 1.0;  // < 1 when the page is wider than the fax line
    if (width_in * kR8 > kLine) fit = kLine / (width_in * kR8);
    const int w = std::clamp(static_cast<int>(std::lround(width_in * kR8 * fit)), 1, kLine);
    const int h = std::max(1, static_cast<int>(std::lround(height_in * kFine * fit)));
    if (w == in.width && h == in.height) {
        GreyImage same = in;
        same.xres_dpi = kR8;
        same.yres_dpi = kFine;
        return same;
    }
    return resample(in, w, h, kR8, kFine);
}

Bitmap binarise(const GreyImage& in, const BinariseOptions& o) {
    return binarise(GreyView{in.px.data(), in.width, in.width, in.height, in.xres_dpi, in.yres_dpi}, o);
}

Bitmap binarise(const GreyView& in, const BinariseOptions& o) {
    Bitmap out = Bitmap::blank(in.width, in.height, in.xres_dpi, in.yres_dpi);
    if (in.width <= 0 || in.height <= 0) return out;
    const int bw = (in.width + o.block - 1) / o.block;
    const int bh = (in.height + o.block - 1) / o.block;
    const auto row = [&in](int y) { return in.px + static_cast<std::ptrdiff_t>(y) * in.stride; };

    // 1. Per block: the fraction of mid-tones (photographs have many; text, even
    //    anti-aliased, has few) and of "soft" pixels (neither paper nor ink). Counted row
    //    by row through lookup tables (the page is read once, in memory order).
    const std::size_t nb = static_cast<std::size_t>(bw) * static_cast<std::size_t>(bh);
    std::vector<uint8_t> photo(nb, 0), soft(nb, 0);
    const auto idx = [bw](int bx, int by) { return static_cast<std::size_t>(by) * static_cast<std::size_t>(bw) + static_cast<std::size_t>(bx); };
    uint8_t is_mid[256], is_soft[256];
    for (int v = 0; v < 256; ++v) {
        is_mid[v] = (v > o.dark_limit && v < o.light_limit) ? 1 : 0;
        is_soft[v] = (v > o.ink_limit && v < o.paper_limit) ? 1 : 0;
    }
    std::vector<int> mid_count(static_cast<std::size_t>(bw)), soft_count(static_cast<std::size_t>(bw));
    for (int by = 0; by < bh; ++by) {
        std::fill(mid_count.begin(), mid_count.end(), 0);
        std::fill(soft_count.begin(), soft_count.end(), 0);
        const int y1 = std::min(in.height, (by + 1) * o.block);
        for (int y = by * o.block; y < y1; ++y) {
            const uint8_t* p = row(y);
            for (int bx = 0; bx < bw; ++bx) {
                int mid = 0, softs = 0;
                const int x1 = std::min(in.width, (bx + 1) * o.block);
                for (int x = bx * o.block; x < x1; ++x) {
                    mid += is_mid[p[x]];
                    softs += is_soft[p[x]];
                }
                mid_count[static_cast<std::size_t>(bx)] += mid;
                soft_count[static_cast<std::size_t>(bx)] += softs;
            }
        }
        for (int bx = 0; bx < bw; ++bx) {
            const int n = (y1 - by * o.block) * (std::min(in.width, (bx + 1) * o.block) - bx * o.block);
            photo[idx(bx, by)] = mid_count[static_cast<std::size_t>(bx)] > o.photo_fraction * n ? 1 : 0;
            soft[idx(bx, by)] = soft_count[static_cast<std::size_t>(bx)] > n / 2 ? 1 : 0;
        }
    }
    // 2. A photograph's dark and light areas are soft blocks connected to its mid-tones:
    //    grow the photo regions through them (flood fill), then by one more block so soft
    //    edges are not thresholded.
    std::vector<std::pair<int, int>> todo;
    for (int by = 0; by < bh; ++by)
        for (int bx = 0; bx < bw; ++bx)
            if (photo[idx(bx, by)]) todo.emplace_back(bx, by);
    while (!todo.empty()) {
        const auto [bx, by] = todo.back();
        todo.pop_back();
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                const int x = bx + dx, y = by + dy;
                if (x < 0 || y < 0 || x >= bw || y >= bh || photo[idx(x, y)] || !soft[idx(x, y)]) continue;
                photo[idx(x, y)] = 1;
                todo.emplace_back(x, y);
            }
    }
    std::vector<uint8_t> grown = photo;
    for (int by = 0; by < bh; ++by)
        for (int bx = 0; bx < bw; ++bx) {
            if (!photo[idx(bx, by)]) continue;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    const int x = bx + dx, y = by + dy;
                    if (x >= 0 && y >= 0 && x < bw && y < bh) grown[idx(x, y)] = 1;
                }
        }

    // 3. Threshold text; diffuse error inside photo regions only (serpentine Floyd-Steinberg).
    //    Every pixel is thresholded first, eight to a byte; in rows that cross a photo region
    //    its pixels are then replaced by the diffused ones. Error never crosses a thresholded
    //    pixel (what is diffused into one is dropped), so this is the same as deciding pixel
    //    by pixel.
    const int full_bytes = in.width / 8;
    std::vector<double> err_cur(static_cast<std::size_t>(in.width) + 2, 0.0), err_next(err_cur.size(), 0.0);
    for (int y = 0; y < in.height; ++y) {
        const uint8_t* p = row(y);
        uint8_t* q = out.row(y);
        for (int k = 0; k < full_bytes; ++k) {
            const uint8_t* s = p + 8 * k;
            unsigned b = 0;
            for (int j = 0; j < 8; ++j) b = (b << 1) | (s[j] < o.threshold ? 1u : 0u);
            q[k] = static_cast<uint8_t>(b);
        }
        for (int x = 8 * full_bytes; x < in.width; ++x)
            if (p[x] < o.threshold) q[x >> 3] = static_cast<uint8_t>(q[x >> 3] | (0x80u >> (x & 7)));

        std::fill(err_next.begin(), err_next.end(), 0.0);
        const uint8_t* photo_row = grown.data() + idx(0, y / o.block);
        if (std::find(photo_row, photo_row + bw, uint8_t{1}) != photo_row + bw) {
            const bool ltr = (y % 2) == 0;
            for (int i = 0; i < in.width; ++i) {
                const int x = ltr ? i : in.width - 1 - i;
                if (!photo_row[x / o.block]) continue;
                const std::size_t e = static_cast<std::size_t>(x) + 1;  // err arrays are offset by one
                const double v = p[x] + err_cur[e];
                const bool black = v < 128.0;
                out.set(x, y, black);
                const double qe = v - (black ? 0.0 : 255.0);
                const std::size_t fwd = ltr ? e + 1 : e - 1, back = ltr ? e - 1 : e + 1;
                err_cur[fwd] += qe * 7.0 / 16.0;
                err_next[back] += qe * 3.0 / 16.0;
                err_next[e] += qe * 5.0 / 16.0;
                err_next[fwd] += qe * 1.0 / 16.0;
            }
        }
        std::swap(err_cur, err_next);
    }
    return out;
}

}  // namespace fax::t30
