// Hostile documents, generated at test time (issue #14): the resource bombs a release
// station must refuse within its DocumentLimits. Small enough to write in milliseconds;
// the full-size reproducers (a 4 GB zero stream) are made the same way with larger sizes.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <tiffio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "test_pdf.h"

namespace fax::t30::test {

// A white G4 page of `h` rows (a multiple of 8), whatever its width: every row is one
// vertical-mode V0 code (a single 1 bit), then EOFB. 12.5 KB hold a 10000 x 100000 page.
inline std::vector<uint8_t> white_g4(uint32_t h) {
    std::vector<uint8_t> v(h / 8, 0xff);
    v.insert(v.end(), {0x00, 0x10, 0x01});
    return v;
}

// A TIFF of `pages` G4 pages of w x h. With `junk`, the strips are bytes that are not a G4
// code stream (libtiff does not look at them until a page is decoded), except for the
// pages listed in `good`, which are white; without, every page is a white page.
inline bool write_tiff_directories(const std::string& path, int pages, uint32_t w, uint32_t h,
                                   bool junk_pages = false, const std::vector<int>& good = {}) {
    TIFF* t = TIFFOpen(path.c_str(), "w");
    if (t == nullptr) return false;
    const std::vector<uint8_t> junk(64, 0x5a);  // not a valid G4 code stream
    const std::vector<uint8_t> white = white_g4(h);
    bool ok = true;
    for (int p = 1; ok && p <= pages; ++p) {
        ok = TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) && TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w) &&
             TIFFSetField(t, TIFFTAG_IMAGELENGTH, h) && TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1) &&
             TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1) && TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, h) &&
             TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE) &&
             TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4) && TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0) &&
             TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0) && TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
        const bool real = !junk_pages || std::find(good.begin(), good.end(), p) != good.end();
        const std::vector<uint8_t>& strip = real ? white : junk;
        if (ok) ok = TIFFWriteRawStrip(t, 0, const_cast<uint8_t*>(strip.data()), static_cast<tmsize_t>(strip.size())) >= 0;
        ok = ok && TIFFWriteDirectory(t);
    }
    TIFFClose(t);
    return ok;
}

// One Flate content stream of `zeros` zero bytes, shared by every one of `pages` pages of
// w_pt x h_pt points: poppler parses the whole stream again for every page it draws.
// `window_bits` is the deflate window (9..15; the zlib header declares it).
inline bool write_zero_stream_pdf(const std::string& path, int pages, uint64_t zeros, int level = Z_BEST_COMPRESSION,
                                  double w_pt = 612, double h_pt = 792, int window_bits = 15) {
    std::string stream;
    {
        z_stream z{};
        if (deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
        std::vector<unsigned char> in(1 << 20, 0), out(1 << 16);
        uint64_t left = zeros;
        int rc = Z_OK;
        do {
            const uint64_t n = std::min<uint64_t>(left, in.size());
            left -= n;
            z.next_in = in.data();
            z.avail_in = static_cast<uInt>(n);
            const int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
            do {
                z.next_out = out.data();
                z.avail_out = static_cast<uInt>(out.size());
                rc = deflate(&z, flush);
                stream.append(reinterpret_cast<const char*>(out.data()), out.size() - z.avail_out);
            } while (z.avail_out == 0);
        } while (left > 0);
        deflateEnd(&z);
        if (rc != Z_STREAM_END) return false;
    }
    std::vector<std::string> objs;
    std::string kids;
    for (int i = 0; i < pages; ++i) kids += std::to_string(4 + i) + " 0 R ";
    objs.push_back("<< /Type /Catalog /Pages 2 0 R >>");
    objs.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
    objs.push_back("<< /Length " + std::to_string(stream.size()) + " /Filter /FlateDecode >>\nstream\n" + stream +
                   "\nendstream");
    char box[96];
    std::snprintf(box, sizeof box, "/MediaBox [0 0 %g %g]", w_pt, h_pt);
    for (int i = 0; i < pages; ++i)
        objs.push_back("<< /Type /Page /Parent 2 0 R " + std::string(box) + " /Contents 3 0 R >>");
    const std::string out = fax::testing::pdf_from_objects(objs);
    std::ofstream f(path, std::ios::binary);
    f << out;
    return static_cast<bool>(f);
}

// Runs `body` in a forked child whose address space is limited to `bytes` (a huge
// allocation fails there instead of succeeding on a large test machine); true if `body`
// returned true. The child leaves with _exit, so nothing of the test runner runs twice.
inline bool run_with_address_space(uint64_t bytes, const std::function<bool()>& body) {
    const pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        const rlimit r{bytes, bytes};
        ::setrlimit(RLIMIT_AS, &r);
        bool ok = false;
        try {
            ok = body();
        } catch (...) {
        }
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif
#else
inline constexpr bool kUnderAsan = false;
#endif

}  // namespace fax::t30::test
