#include "fax/t30/page_compare.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace fax::t30 {
namespace {

long long black_in_row(const Bitmap& b, int y) {
    const uint8_t* r = b.row(y);
    const std::size_t n = b.stride();
    long long count = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) count += std::popcount(static_cast<unsigned>(r[i]));
    count += std::popcount(static_cast<unsigned>(r[n - 1] & b.last_byte_mask()));
    return count;
}

// Differing pixels between row ya of a and row yb of b; columns beyond the narrower page
// count when black.
long long row_diff(const Bitmap& a, int ya, const Bitmap& b, int yb) {
    const int common = std::min(a.width, b.width);
    const uint8_t* ra = a.row(ya);
    const uint8_t* rb = b.row(yb);
    long long count = 0;
    const int full = common / 8;
    for (int i = 0; i < full; ++i) count += std::popcount(static_cast<unsigned>(ra[i] ^ rb[i]));
    for (int x = full * 8; x < common; ++x) count += a.get(x, ya) != b.get(x, yb);
    for (int x = common; x < a.width; ++x) count += a.get(x, ya);
    for (int x = common; x < b.width; ++x) count += b.get(x, yb);
    return count;
}

struct Trial {
    long long diff = 0;
    int first_bad_row = -1;  // in received-page rows
};

// Received rows [0, t) must be white; rows t+y match sent row y; rows past the shorter page
// must be white. Stops counting once `limit` is exceeded.
Trial try_offset(const Bitmap& s, const Bitmap& r, int t, long long limit) {
    Trial tr;
    auto note = [&](long long d, int row) {
        if (d != 0 && tr.first_bad_row < 0) tr.first_bad_row = row;
        tr.diff += d;
    };
    for (int y = 0; y < std::min(t, r.height) && tr.diff <= limit; ++y) note(black_in_row(r, y), y);
    const int overlap = std::max(0, std::min(s.height, r.height - t));
    for (int y = 0; y < overlap && tr.diff <= limit; ++y) note(row_diff(s, y, r, t + y), t + y);
    for (int y = overlap; y < s.height && tr.diff <= limit; ++y) note(black_in_row(s, y), t + y);
    for (int y = t + overlap; y < r.height && tr.diff <= limit; ++y) note(black_in_row(r, y), y);
    return tr;
}

}  // namespace

PageDiff compare_pages(const Bitmap& sent, const Bitmap& received, int max_top_offset) {
    PageDiff d;
    d.width_sent = sent.width;
    d.height_sent = sent.height;
    d.width_received = received.width;
    d.height_received = received.height;
    const auto geometry = [&] {
        return "sent " + std::to_string(sent.width) + "x" + std::to_string(sent.height) + ", received " +
               std::to_string(received.width) + "x" + std::to_string(received.height);
    };
    if (!sent.well_formed() || !received.well_formed()) {
        d.differing_pixels = -1;
        d.summary = "malformed bitmap (" + geometry() + ")";
        return d;
    }

    Trial best;
    best.diff = std::numeric_limits<long long>::max();
    int best_t = 0;
    const int max_t = std::clamp(max_top_offset, 0, received.height);
    for (int t = 0; t <= max_t; ++t) {
        const Trial tr = try_offset(sent, received, t, best.diff);
        if (tr.diff < best.diff) {
            best = tr;
            best_t = t;
        }
        if (best.diff == 0) break;
    }
    d.row_offset = best_t;
    d.differing_pixels = best.diff;
    d.identical = best.diff == 0 && sent.width == received.width;
    if (d.identical) {
        d.summary = "identical (" + geometry() + ", received content starts at row " + std::to_string(best_t) + ")";
    } else {
        d.summary = std::to_string(best.diff) + " pixels differ at best row offset " + std::to_string(best_t) +
                    ", first at received row " + std::to_string(best.first_bad_row) + " (" + geometry() + ")";
        if (sent.width != received.width) d.summary += "; widths differ";
    }
    return d;
}

}  // namespace fax::t30
