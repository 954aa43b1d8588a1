#include "pdf_image_page.h"

// qpdf 11: std::shared_ptr throughout, no PointerHolder.
#define POINTERHOLDER_TRANSITION 4

#include <qpdf/Buffer.hh>
#include <qpdf/Pipeline.hh>
#include <qpdf/Pl_Discard.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFLogger.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>

#include <tiffio.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#include "fax/t30/tiff_io.h"

namespace fax::t30::detail {
namespace {

constexpr uint64_t kMaxScaledPixels = 120'000'000;  // as document_reader.cpp's kMaxPixels

// A real number as poppler's lexer reads it: the integer part, then each fraction digit
// added as digit * 0.1^k with the power built by repeated multiplication (not strtod:
// the two can differ in the last bit, and a last bit decides floor() at a page's edge).
std::optional<double> lexed_real(std::string_view s) {
    std::size_t i = 0;
    bool neg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    int xi = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (xi > 100'000'000) return std::nullopt;  // poppler switches to other arithmetic
        xi = xi * 10 + (s[i++] - '0');
    }
    if (i == s.size() || s[i] != '.') return std::nullopt;
    ++i;
    double xf = xi, scale = 0.1;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        xf = xf + scale * (s[i] - '0');
        scale *= 0.1;
    }
    return neg ? -xf : xf;
}

std::optional<double> number(QPDFObjectHandle o) {
    if (o.isInteger()) {
        const long long v = o.getIntValue();
        if (v < INT_MIN || v > INT_MAX) return std::nullopt;
        return static_cast<double>(v);
    }
    if (o.isReal()) return lexed_real(o.getRealValue());
    return std::nullopt;
}

struct Box {
    double x1, y1, x2, y2;
};

std::optional<Box> box(QPDFObjectHandle o) {
    if (!o.isArray() || o.getArrayNItems() != 4) return std::nullopt;
    std::array<double, 4> v{};
    for (int i = 0; i < 4; ++i) {
        auto n = number(o.getArrayItem(i));
        if (!n || !std::isfinite(*n)) return std::nullopt;
        v[static_cast<std::size_t>(i)] = *n;
    }
    if (!(v[0] < v[2]) || !(v[1] < v[3])) return std::nullopt;  // poppler would reorder them
    return Box{v[0], v[1], v[2], v[3]};
}

using Matrix = std::array<double, 6>;

// GfxState::concatCTM's arithmetic.
void concat(Matrix& ctm, const double* m) {
    const double a1 = ctm[0], b1 = ctm[1], c1 = ctm[2], d1 = ctm[3];
    ctm[0] = m[0] * a1 + m[1] * c1;
    ctm[1] = m[0] * b1 + m[1] * d1;
    ctm[2] = m[2] * a1 + m[3] * c1;
    ctm[3] = m[2] * b1 + m[3] * d1;
    ctm[4] = m[4] * a1 + m[5] * c1 + ctm[4];
    ctm[5] = m[4] * b1 + m[5] * d1 + ctm[5];
}

bool is_zero(QPDFObjectHandle o) {
    auto n = number(o);
    return n && *n == 0;
}

// An ExtGState that changes nothing an opaque black image mask shows.
bool harmless_ext_gstate(QPDFObjectHandle gs) {
    if (!gs.isDictionary()) return false;
    for (const auto& key : gs.getKeys()) {
        QPDFObjectHandle v = gs.getKey(key);
        if (key == "/Type") continue;
        if (key == "/CA" || key == "/ca") {
            auto n = number(v);
            if (!n || *n != 1) return false;
        } else if (key == "/BM") {
            if (!v.isName() || (v.getName() != "/Normal" && v.getName() != "/Compatible")) return false;
        } else if (key == "/SA" || key == "/LW" || key == "/LC" || key == "/LJ" || key == "/ML" || key == "/FL") {
            continue;  // stroke parameters: nothing is stroked
        } else {
            return false;
        }
    }
    return true;
}

// SplashClip's rectangle: the clip as doubles and the pixels it keeps (floor of the low
// edge, ceil of the high edge minus one), narrowed by SplashClip::clipToRect's rule.
struct Clip {
    double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
    int x_min_i = 0, x_max_i = -1, y_min_i = 0, y_max_i = -1;

    void to_rect(double xa, double ya, double xb, double yb) {
        const double lo_x = std::min(xa, xb), hi_x = std::max(xa, xb), lo_y = std::min(ya, yb), hi_y = std::max(ya, yb);
        if (lo_x > x_min) x_min = lo_x, x_min_i = static_cast<int>(std::floor(x_min));
        if (hi_x < x_max) x_max = hi_x, x_max_i = static_cast<int>(std::ceil(x_max)) - 1;
        if (lo_y > y_min) y_min = lo_y, y_min_i = static_cast<int>(std::floor(y_min));
        if (hi_y < y_max) y_max = hi_y, y_max_i = static_cast<int>(std::ceil(y_max)) - 1;
    }
};

bool finite_in_range(double v) { return std::isfinite(v) && v > -1e9 && v < 1e9; }

// A user-space point through the CTM as SplashXPath transforms a path's points.
void device(const Matrix& m, double x, double y, double& dx, double& dy) {
    dx = x * m[0] + y * m[2] + m[4];
    dy = x * m[1] + y * m[3] + m[5];
}

// The page's content, checked operator by operator; `image_ctm` is the CTM at the one Do.
struct ContentCheck : QPDFObjectHandle::ParserCallbacks {
    QPDFObjectHandle resources;
    std::string image_name;
    Matrix ctm{};
    Clip clip;
    std::vector<std::pair<Matrix, Clip>> saved;
    std::vector<QPDFObjectHandle> operands;
    std::optional<Matrix> image_ctm;
    Clip image_clip;
    // A rectangle clip in progress: "x y w h re", "W" (or "W*"), "n".
    std::optional<std::array<double, 4>> rect;
    bool clip_pending = false;
    bool bad = false;

    void reject() {
        bad = true;
        terminateParsing();
    }
    void handleObject(QPDFObjectHandle o) override {
        if (bad) return;
        if (!o.isOperator()) {
            if (o.isInlineImage() || operands.size() >= 8) return reject();
            operands.push_back(o);
            return;
        }
        const std::string op = o.getOperatorValue();
        std::vector<QPDFObjectHandle> args;
        args.swap(operands);
        // Only "re W n" (or "re W* n") builds a path: a clip to a rectangle.
        if (rect && !(op == "W" || op == "W*" || op == "n")) return reject();
        if (op == "re") {
            if (rect || args.size() != 4) return reject();
            std::array<double, 4> r{};
            for (std::size_t i = 0; i < 4; ++i) {
                auto n = number(args[i]);
                if (!n || !finite_in_range(*n)) return reject();
                r[i] = *n;
            }
            if (r[2] == 0 || r[3] == 0) return reject();
            rect = r;
        } else if (op == "W" || op == "W*") {
            if (!rect || clip_pending || !args.empty()) return reject();
            clip_pending = true;
        } else if (op == "n") {
            if (!rect || !clip_pending || !args.empty()) return reject();
            // Gfx::opRectangle's corners; SplashClip takes the first and third segments' starts.
            const auto& r = *rect;
            double xa, ya, xb, yb;
            device(ctm, r[0], r[1], xa, ya);
            device(ctm, r[0] + r[2], r[1] + r[3], xb, yb);
            double xc, yc, xd, yd;  // the other two corners: an axis-aligned rectangle only
            device(ctm, r[0] + r[2], r[1], xc, yc);
            device(ctm, r[0], r[1] + r[3], xd, yd);
            if (!finite_in_range(xa) || !finite_in_range(ya) || !finite_in_range(xb) || !finite_in_range(yb) ||
                !((xc == xb && yc == ya && xd == xa && yd == yb) || (xc == xa && yc == yb && xd == xb && yd == ya)))
                return reject();
            clip.to_rect(xa, ya, xb, yb);
            rect.reset();
            clip_pending = false;
        } else if (op == "q") {
            if (!args.empty() || saved.size() > 64) return reject();
            saved.emplace_back(ctm, clip);
        } else if (op == "Q") {
            if (!args.empty() || saved.empty()) return reject();
            ctm = saved.back().first;
            clip = saved.back().second;
            saved.pop_back();
        } else if (op == "cm") {
            if (args.size() != 6) return reject();
            double m[6];
            for (std::size_t i = 0; i < 6; ++i) {
                auto n = number(args[i]);
                if (!n || !std::isfinite(*n)) return reject();
                m[i] = *n;
            }
            concat(ctm, m);
        } else if (op == "g") {
            if (args.size() != 1 || !is_zero(args[0])) return reject();
        } else if (op == "rg") {
            if (args.size() != 3 || !is_zero(args[0]) || !is_zero(args[1]) || !is_zero(args[2])) return reject();
        } else if (op == "gs") {
            if (args.size() != 1 || !args[0].isName()) return reject();
            QPDFObjectHandle d = resources.getKey("/ExtGState");
            if (!d.isDictionary() || !harmless_ext_gstate(d.getKey(args[0].getName()))) return reject();
        } else if (op == "Do") {
            if (args.size() != 1 || !args[0].isName() || args[0].getName() != image_name || image_ctm) return reject();
            image_ctm = ctm;
            image_clip = clip;
        } else if (op == "w" || op == "J" || op == "j" || op == "M" || op == "d" || op == "i" || op == "ri" ||
                   op == "G" || op == "RG") {
            // stroke and rendering parameters: nothing is stroked, the mask is not a colour image
        } else {
            return reject();
        }
    }
    void handleEOF() override {
        if (!operands.empty() || rect) bad = true;
    }
};

// The bilevel image the page draws, decoded, or nothing: an image mask, or an opaque 1-bit
// /DeviceGray image. Splash draws the image's samples as grey 0 or 255 (its colour map),
// which its mono screen makes exactly black or white; white on the blank page changes
// nothing, so the image's black samples are what a mask with the same /Decode paints.
struct Mask {
    int width = 0, height = 0;
    bool paint_ones = false;  // /Decode [1 0]: a 1 sample paints (is black)
    bool opaque = false;      // an image, not a mask: Splash::drawImage, which interpolates
    bool interpolate = false;  // /Interpolate true (an image's: masks are never interpolated)
    int bits = 1;              // 8: an opaque 8-bit /DeviceGray image, one byte a sample
    std::array<uint8_t, 256> grey{};  // with bits 8: the grey Splash draws for each sample
    const uint8_t* data = nullptr;  // the first (width + 7) / 8 * height decoded bytes
};

// Decoded stream data into a buffer that is kept from page to page (a scan's pages are the
// same size: no allocation, no fresh memory to fault in, no growing copies). Only the first
// `want` bytes are kept, which is all poppler reads of an image; the rest is counted.
class SampleSink final : public Pipeline {
public:
    explicit SampleSink(std::vector<uint8_t>& buf) : Pipeline("fax image samples", nullptr), buf_(buf) {}
    void start(std::size_t want) {
        want_ = want;
        got_ = 0;
        if (buf_.size() < want) buf_.resize(want);
    }
    void write(unsigned char const* data, size_t len) override {
        if (got_ < want_) std::memcpy(buf_.data() + got_, data, std::min(len, want_ - got_));
        got_ += len;
    }
    void finish() override {}
    std::size_t got() const { return got_; }

private:
    std::vector<uint8_t>& buf_;
    std::size_t want_ = 0, got_ = 0;
};

// --- CCITTFaxDecode (T.6 "Group 4", T.4 "Group 3") image data, decoded by libtiff -------
//
// The stream's bytes are wrapped in a one-strip TIFF in memory and read through
// TIFFClientOpen. Only data that decodes cleanly is used: exactly the image's rows, no
// warning or error from the decoder (a bad code, a row of the wrong length, data ending
// early); poppler's own decoder gives the same pixels for such data (both follow T.4/T.6),
// and anything else is left to it.

// The TIFF's header and directory (`bytes`), then the stream's data where it is (not copied).
struct MemoryTiff {
    std::vector<uint8_t> bytes;
    const uint8_t* data = nullptr;
    std::size_t data_size = 0;
    toff_t pos = 0;
    std::size_t size() const { return bytes.size() + data_size; }
};

tsize_t mem_read(thandle_t h, tdata_t buf, tsize_t n) {
    auto* m = static_cast<MemoryTiff*>(h);
    if (n < 0 || m->pos >= m->size()) return 0;
    auto* out = static_cast<uint8_t*>(buf);
    std::size_t want = std::min<std::size_t>(static_cast<std::size_t>(n), m->size() - m->pos), done = 0;
    if (m->pos < m->bytes.size()) {
        const std::size_t k = std::min<std::size_t>(want, m->bytes.size() - m->pos);
        std::memcpy(out, m->bytes.data() + m->pos, k);
        done = k;
    }
    if (done < want) {
        const std::size_t at = m->pos + done - m->bytes.size();
        std::memcpy(out + done, m->data + at, want - done);
        done = want;
    }
    m->pos += done;
    return static_cast<tsize_t>(done);
}
tsize_t mem_write(thandle_t, tdata_t, tsize_t) { return 0; }
toff_t mem_seek(thandle_t h, toff_t off, int whence) {
    auto* m = static_cast<MemoryTiff*>(h);
    const toff_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : static_cast<toff_t>(m->size());
    if (off > UINT64_MAX - base) return static_cast<toff_t>(-1);
    m->pos = base + off;
    return m->pos;
}
int mem_close(thandle_t) { return 0; }
toff_t mem_size(thandle_t h) { return static_cast<MemoryTiff*>(h)->size(); }
int mem_map(thandle_t, tdata_t*, toff_t*) { return 0; }
void mem_unmap(thandle_t, tdata_t, toff_t) {}

void put16(std::vector<uint8_t>& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v));
    b.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
    put16(b, static_cast<uint16_t>(v));
    put16(b, static_cast<uint16_t>(v >> 16));
}

// How CCITTFaxDecode data is coded, as libtiff's Fax3 codecs read it.
enum class Ccitt {
    T6,          // K < 0: T.6 ("Group 4"), TIFF compression 4
    MhEol,       // K = 0 with EndOfLine: T.4 one-dimensional rows each after an EOL, compression 3
    MrEol,       // K > 0 with EndOfLine: T.4 two-dimensional (an EOL and a tag bit per row), compression 3
    MhAligned,   // K = 0, no EOL, each row byte-aligned: TIFF's "CCITT RLE", compression 2
};

// CCITT data of a width x height image into `out` (rows of ceil(width / 8) bytes, 1 = black),
// or false.
bool decode_ccitt(const uint8_t* data, std::size_t size, int width, int height, Ccitt coding,
                  std::vector<uint8_t>& out) {
    if (size == 0 || size > (1u << 30)) return false;
    // Little-endian classic TIFF: header, one directory (ascending tags), data.
    struct Entry {
        uint16_t tag, type;
        uint32_t value;
    };
    constexpr uint16_t kShort = 3, kLong = 4;
    const uint32_t compression = coding == Ccitt::T6          ? COMPRESSION_CCITTFAX4
                                 : coding == Ccitt::MhAligned ? COMPRESSION_CCITTRLE
                                                              : COMPRESSION_CCITTFAX3;
    const bool options = coding != Ccitt::MhAligned;  // T4Options (G3) or T6Options; RLE has none
    const uint32_t entry_count = options ? 11 : 10;
    const uint32_t kDataAt = 8 + 2 + entry_count * 12 + 4;
    std::vector<Entry> entries = {
        {TIFFTAG_IMAGEWIDTH, kLong, static_cast<uint32_t>(width)},
        {TIFFTAG_IMAGELENGTH, kLong, static_cast<uint32_t>(height)},
        {TIFFTAG_BITSPERSAMPLE, kShort, 1},
        {TIFFTAG_COMPRESSION, kShort, compression},
        {TIFFTAG_PHOTOMETRIC, kShort, PHOTOMETRIC_MINISWHITE},
        {TIFFTAG_FILLORDER, kShort, FILLORDER_MSB2LSB},
        {TIFFTAG_STRIPOFFSETS, kLong, kDataAt},
        {TIFFTAG_SAMPLESPERPIXEL, kShort, 1},
        {TIFFTAG_ROWSPERSTRIP, kLong, static_cast<uint32_t>(height)},
        {TIFFTAG_STRIPBYTECOUNTS, kLong, static_cast<uint32_t>(size)},
    };
    if (coding == Ccitt::T6) entries.push_back({TIFFTAG_T6OPTIONS, kLong, 0});
    // Bit 0: two-dimensional rows. Fill bits before EOLs need no option: the decoder skips
    // zero bits up to each EOL.
    if (coding == Ccitt::MhEol || coding == Ccitt::MrEol)
        entries.push_back({TIFFTAG_T4OPTIONS, kLong, coding == Ccitt::MrEol ? GROUP3OPT_2DENCODING : 0u});
    MemoryTiff m;
    m.bytes.reserve(kDataAt);
    m.bytes.insert(m.bytes.end(), {'I', 'I', 42, 0});
    put32(m.bytes, 8);
    put16(m.bytes, static_cast<uint16_t>(entries.size()));
    for (const Entry& e : entries) {
        put16(m.bytes, e.tag);
        put16(m.bytes, e.type);
        put32(m.bytes, 1);
        if (e.type == kShort) {
            put16(m.bytes, static_cast<uint16_t>(e.value));
            put16(m.bytes, 0);
        } else {
            put32(m.bytes, e.value);
        }
    }
    put32(m.bytes, 0);
    if (m.bytes.size() != kDataAt) return false;
    m.data = data;
    m.data_size = size;

    TiffDiagnostics diag;  // any warning of the decoder (a bad code, too few rows) is a refusal
    struct Close {
        void operator()(TIFF* t) const { TIFFClose(t); }
    };
    std::unique_ptr<TIFF, Close> t(TIFFClientOpen("fax image", "rm", &m, mem_read, mem_write, mem_seek, mem_close,
                                                  mem_size, mem_map, mem_unmap));
    if (!t) return false;
    const std::size_t need = (static_cast<std::size_t>(width) + 7) / 8 * static_cast<std::size_t>(height);
    if (out.size() < need) out.resize(need);
    const tmsize_t got = TIFFReadEncodedStrip(t.get(), 0, out.data(), static_cast<tmsize_t>(need));
    return got == static_cast<tmsize_t>(need) && !diag.has_error() && diag.warnings().empty();
}

// A CCITTFaxDecode parameter dictionary this path decodes exactly as poppler does, and how
// its data is coded: T.6 (K < 0) without byte-aligned rows or EOLs; T.4 one- or
// two-dimensional (K = 0, K > 0) with EndOfLine (every row after an EOL, as both decoders
// find it: the first 1 after eleven or more 0 bits, so fill bits and EncodedByteAlign make
// no difference); or one-dimensional with EncodedByteAlign and no EOLs (each row starts on a
// byte). Columns the image's width, Rows absent or its height. black_is_1 says which decoded
// colour the samples give as 1.
bool ccitt_parameters(QPDFObjectHandle parms, int width, int height, bool& black_is_1, Ccitt& coding) {
    if (!parms.isNull() && !parms.isDictionary()) return false;
    black_is_1 = false;
    long long k = 0;
    bool columns = false, eol = false, aligned = false;
    if (parms.isDictionary())
        for (const auto& key : parms.getKeys()) {
            QPDFObjectHandle v = parms.getKey(key);
            if (key == "/K") {
                if (!v.isInteger()) return false;
                k = v.getIntValue();
            } else if (key == "/Columns") {
                if (!v.isInteger() || v.getIntValue() != width) return false;
                columns = true;
            } else if (key == "/Rows") {
                if (!v.isInteger() || v.getIntValue() != height) return false;
            } else if (key == "/BlackIs1") {
                if (!v.isBool()) return false;
                black_is_1 = v.getBoolValue();
            } else if (key == "/EncodedByteAlign") {
                if (!v.isBool()) return false;
                aligned = v.getBoolValue();
            } else if (key == "/EndOfLine") {
                if (!v.isBool()) return false;
                eol = v.getBoolValue();
            } else if (key == "/EndOfBlock") {
                if (!v.isBool()) return false;
            } else if (key == "/DamagedRowsBeforeError") {
                if (!v.isInteger()) return false;
            } else {
                return false;
            }
        }
    // Columns defaults to 1728 in a PDF: spelled out or that.
    if (!columns && width != 1728) return false;
    if (k < 0) {
        if (eol || aligned) return false;
        coding = Ccitt::T6;
    } else if (eol) {
        coding = k == 0 ? Ccitt::MhEol : Ccitt::MrEol;
    } else if (k == 0 && aligned) {
        coding = Ccitt::MhAligned;
    } else {
        return false;  // T.4 rows neither after EOLs nor on bytes: libtiff has no such codec
    }
    return true;
}

std::optional<Mask> read_mask(QPDFObjectHandle image, std::vector<uint8_t>& buffer) {
    if (!image.isStream()) return std::nullopt;
    QPDFObjectHandle d = image.getDict();
    for (const char* abbreviated : {"/W", "/H", "/D", "/IM", "/BPC", "/CS", "/I", "/F", "/DP", "/SMask", "/Mask", "/OC",
                                    "/SMaskInData"})
        if (d.hasKey(abbreviated)) return std::nullopt;
    if (!d.getKey("/Subtype").isNameAndEquals("/Image")) return std::nullopt;
    Mask m;
    QPDFObjectHandle im = d.getKey("/ImageMask");
    if (!im.isNull() && !im.isBool()) return std::nullopt;
    m.opaque = !(im.isBool() && im.getBoolValue());
    QPDFObjectHandle w = d.getKey("/Width"), h = d.getKey("/Height"), bpc = d.getKey("/BitsPerComponent");
    if (!w.isInteger() || !h.isInteger()) return std::nullopt;
    if (m.opaque) {
        // 1 or 8 bits of /DeviceGray (the name itself: the page's resources have no
        // /ColorSpace that could redefine it as /DefaultGray): 1-bit samples are grey 0 and 255.
        if (!(bpc.isInteger() && (bpc.getIntValue() == 1 || bpc.getIntValue() == 8))) return std::nullopt;
        m.bits = static_cast<int>(bpc.getIntValue());
        if (!d.getKey("/ColorSpace").isNameAndEquals("/DeviceGray")) return std::nullopt;
        QPDFObjectHandle interpolate = d.getKey("/Interpolate");
        if (!interpolate.isNull() && !interpolate.isBool()) return std::nullopt;
        m.interpolate = interpolate.isBool() && interpolate.getBoolValue();
    } else if (!bpc.isNull() && !(bpc.isInteger() && bpc.getIntValue() == 1)) {
        return std::nullopt;
    }
    const long long wv = w.getIntValue(), hv = h.getIntValue();
    if (wv < 1 || hv < 1 || wv > 1'000'000 || hv > 1'000'000 ||
        static_cast<uint64_t>(wv) * static_cast<uint64_t>(hv) > kMaxScaledPixels)
        return std::nullopt;
    m.width = static_cast<int>(wv);
    m.height = static_cast<int>(hv);
    QPDFObjectHandle decode = d.getKey("/Decode");
    if (!decode.isNull()) {
        if (!decode.isArray() || decode.getArrayNItems() != 2) return std::nullopt;
        auto a = number(decode.getArrayItem(0)), b = number(decode.getArrayItem(1));
        if (!a || !b) return std::nullopt;
        if (*a == 1 && *b == 0) m.paint_ones = true;
        else if (!(*a == 0 && *b == 1)) return std::nullopt;
    }
    if (m.bits == 8) {
        // GfxImageColorMap's grey for each sample (the decoded value as a 16.16 colour
        // component, truncated, clipped), then SplashOutputDev's byte of it (colToByte).
        const double low = m.paint_ones ? 1 : 0, range = m.paint_ones ? -1 : 1;
        for (int i = 0; i < 256; ++i) {
            const double v = low + (i * range) / 255;
            long long c = static_cast<long long>(v * 65536.0);
            c = std::clamp(c, 0LL, 65536LL);
            m.grey[static_cast<std::size_t>(i)] = static_cast<uint8_t>(((c << 8) - c + 0x8000) >> 16);
        }
    }
    QPDFObjectHandle filter = d.getKey("/Filter");
    const bool filter_array = filter.isArray();
    if (filter.isArray()) {
        if (filter.getArrayNItems() == 0) filter = QPDFObjectHandle::newNull();
        else if (filter.getArrayNItems() == 1) filter = filter.getArrayItem(0);
        else return std::nullopt;
    }
    QPDFObjectHandle parms = d.getKey("/DecodeParms");
    if (parms.isArray()) {
        if (parms.getArrayNItems() != 1) return std::nullopt;
        parms = parms.getArrayItem(0);
    }
    const uint64_t need = (m.bits == 8 ? static_cast<uint64_t>(m.width) : (static_cast<uint64_t>(m.width) + 7) / 8) *
                          static_cast<uint64_t>(m.height);
    if (filter.isNameAndEquals("/CCITTFaxDecode")) {
        if (m.bits != 1) return std::nullopt;
        // What a scanner writes: the raw T.6 (or T.4) data, decoded here by libtiff (1 = black).
        // The parameters as poppler pairs them with the filter: an array for an array.
        if (d.getKey("/DecodeParms").isArray() != filter_array) return std::nullopt;
        bool black_is_1 = false;
        Ccitt coding = Ccitt::T6;
        if (!ccitt_parameters(parms, m.width, m.height, black_is_1, coding)) return std::nullopt;
        std::shared_ptr<Buffer> raw = image.getRawStreamData();
        if (!raw) return std::nullopt;
        if (!decode_ccitt(raw->getBuffer(), raw->getSize(), m.width, m.height, coding, buffer)) return std::nullopt;
        // The samples as the PDF defines them: BlackIs1 false makes black pixels 0.
        if (!black_is_1)
            for (std::size_t i = 0; i < static_cast<std::size_t>(need); ++i) buffer[i] = static_cast<uint8_t>(~buffer[i]);
        m.data = buffer.data();
        return m;
    }
    if (!filter.isNull() && !filter.isNameAndEquals("/FlateDecode")) return std::nullopt;
    if (!parms.isNull()) return std::nullopt;
    SampleSink sink(buffer);
    sink.start(static_cast<std::size_t>(need));
    bool filtered = false;
    if (!image.pipeStreamData(&sink, &filtered, 0, qpdf_dl_generalized, true) || (!filter.isNull() && !filtered))
        return std::nullopt;  // damaged, or a filter qpdf did not apply
    if (sink.got() < need) return std::nullopt;  // poppler pads short data its own way
    m.data = buffer.data();
    return m;
}

// Splash's Bresenham replication of n source samples onto scaled >= n pixels: for each
// scaled pixel, its source sample.
std::vector<int> replicate(int n, int scaled) {
    std::vector<int> map;
    map.reserve(static_cast<std::size_t>(scaled));
    const int p = scaled / n, q = scaled % n;
    int t = 0;
    for (int i = 0; i < n; ++i) {
        int step = p;
        if ((t += q) >= n) {
            t -= n;
            step = p + 1;
        }
        for (int k = 0; k < step; ++k) map.push_back(i);
    }
    return map;
}

// The threshold matrix of the screen SplashOutputDev gives its mono renderer below 300 dpi
// (dispersed, 4 x 4, gamma 1, thresholds 0 and 1): grey v at device pixel (x, y) is white
// when v >= at[y & 3][x & 3]. Recursive ordered dither; levels 1..16 mapped onto 1..255.
struct DispersedScreen {
    uint8_t at[4][4] = {};
    DispersedScreen() { fill(2, 2, 1, 2, 1); }
    void fill(int row, int col, int level, int delta, int offset) {
        if (delta == 0) {
            at[row][col] = static_cast<uint8_t>(1 + 254 * (level - 1) / 15);
            return;
        }
        const int half = delta / 2, next = 4 * offset;
        fill(row, col, level, half, next);
        fill((row + delta) % 4, (col + delta) % 4, level + offset, half, next);
        fill((row + delta) % 4, col, level + 2 * offset, half, next);
        fill((row + 2 * delta) % 4, (col + delta) % 4, level + 3 * offset, half, next);
    }
};

bool fits_int(double v) { return std::isfinite(v) && v > -1e9 && v < 1e9; }
int floor_int(double v) { return static_cast<int>(std::floor(v)); }

// An opaque image averaged down to scaled_w x scaled_h (both smaller than it) as
// Splash::scaleImageYdownXdown averages it: Bresenham runs of rows and columns, the grey of
// each box summed and multiplied by (1 << 23) / (its rows x its columns), shifted back.
std::vector<uint8_t> scale_down(const Mask& m, int scaled_w, int scaled_h) {
    std::vector<uint8_t> out(static_cast<std::size_t>(scaled_w) * static_cast<std::size_t>(scaled_h));
    const std::size_t stride = m.bits == 8 ? static_cast<std::size_t>(m.width) : (static_cast<std::size_t>(m.width) + 7) / 8;
    const uint8_t flip_bits = m.paint_ones ? 0x00 : 0xff;
    // One source row's greys at a time (a painted 1-bit sample is 0, another 255).
    std::vector<uint8_t> greys(static_cast<std::size_t>(m.width));
    const auto unpack = [&](const uint8_t* row) {
        uint8_t* g = greys.data();
        if (m.bits == 8) {
            for (int x = 0; x < m.width; ++x) g[x] = m.grey[row[x]];
            return;
        }
        for (int x = 0; x < m.width; x += 8) {
            const unsigned painted = static_cast<uint8_t>(row[static_cast<std::size_t>(x) >> 3] ^ flip_bits);
            const int n = std::min(8, m.width - x);
            for (int k = 0; k < n; ++k) g[x + k] = ((painted >> (7 - k)) & 1) ? 0 : 255;
        }
    };
    const int yp = m.height / scaled_h, yq = m.height % scaled_h;
    const int xp = m.width / scaled_w, xq = m.width % scaled_w;
    std::vector<uint32_t> sums(static_cast<std::size_t>(m.width));
    int yt = 0, src_row = 0;
    for (int y = 0; y < scaled_h; ++y) {
        int y_step = yp;
        if ((yt += yq) >= scaled_h) {
            yt -= scaled_h;
            y_step = yp + 1;
        }
        std::fill(sums.begin(), sums.end(), 0u);
        for (int i = 0; i < y_step && src_row < m.height; ++i, ++src_row) {
            unpack(m.data + stride * static_cast<std::size_t>(src_row));
            uint32_t* sum = sums.data();
            const uint8_t* g = greys.data();
            for (int x = 0; x < m.width; ++x) sum[x] += g[x];
        }
        const uint32_t d0 = (1u << 23) / static_cast<uint32_t>(y_step * xp);
        const uint32_t d1 = (1u << 23) / static_cast<uint32_t>(y_step * (xp + 1));
        int xt = 0, xx = 0;
        uint8_t* dst = out.data() + static_cast<std::size_t>(scaled_w) * static_cast<std::size_t>(y);
        for (int x = 0; x < scaled_w; ++x) {
            int x_step = xp;
            uint32_t d = d0;
            if ((xt += xq) >= scaled_w) {
                xt -= scaled_w;
                x_step = xp + 1;
                d = d1;
            }
            uint32_t pix = 0;
            for (int i = 0; i < x_step; ++i) pix += sums[static_cast<std::size_t>(xx++)];
            dst[x] = static_cast<uint8_t>((pix * d) >> 23);
        }
    }
    return out;
}

// An image turned a quarter or a half in device space (mat axis-aligned but not upright:
// mat[1] = mat[2] = 0 with mat[0] < 0, or mat[0] = mat[3] = 0), drawn as
// Splash::arbitraryTransformMask and arbitraryTransformImage draw it: the image scaled
// (replicated: only at its size or larger, as upright) to sizes computed from the
// matrix, then every device pixel of the rectangle whose centre maps back, through the
// inverted matrix, onto a scaled sample (floor, clamped). Into `bits` (mono: 8-bit samples
// screened) or `grey`; false when this is not reproduced.
bool draw_turned(const Mask& m, const double* mat, const Clip& ic, int out_w, int bh, double xres, double yres,
                 Bitmap* bits, GreyImage* grey) {
    const bool quarter = mat[0] == 0 && mat[3] == 0 && mat[1] != 0 && mat[2] != 0;
    const bool half = mat[1] == 0 && mat[2] == 0 && mat[0] < 0 && mat[3] != 0;
    if (!quarter && !half) return false;
    if (grey && m.bits != 8) return false;  // only an 8-bit image's grey is drawn turned
    const double vx[4] = {mat[4], mat[2] + mat[4], mat[0] + mat[2] + mat[4], mat[0] + mat[4]};
    const double vy[4] = {mat[5], mat[3] + mat[5], mat[1] + mat[3] + mat[5], mat[1] + mat[5]};
    for (int i = 0; i < 4; ++i)
        if (!fits_int(vx[i]) || !fits_int(vy[i])) return false;
    // An axis-aligned rectangle: its corners pairwise equal (one section, vertical edges).
    if (quarter ? !(vx[0] == vx[3] && vx[1] == vx[2] && vy[0] == vy[1] && vy[2] == vy[3])
                : !(vx[0] == vx[1] && vx[2] == vx[3] && vy[0] == vy[3] && vy[1] == vy[2]))
        return false;
    const double lo_x = std::min(vx[0], vx[2]), hi_x = std::max(vx[0], vx[2]);
    const double lo_y = std::min(vy[0], vy[2]), hi_y = std::max(vy[0], vy[2]);
    const int x_min = floor_int(lo_x), x_max = floor_int(hi_x) + 1, y_min = floor_int(lo_y), y_max = floor_int(hi_y) + 1;
    int sw = 0, sh = 0;
    if (!m.opaque) {
        // arbitraryTransformMask: each axis's extent of each matrix column, the larger.
        const auto extent = [](double a, double off) {
            return a >= 0 ? floor_int(a + off) + 1 - floor_int(off) : floor_int(off) + 1 - floor_int(a + off);
        };
        sw = std::max(extent(mat[0], mat[4]), extent(mat[1], mat[5]));
        sh = std::max(extent(mat[2], mat[4]), extent(mat[3], mat[5]));
    } else {
        // arbitraryTransformImage: the bounding box, swapped when the image lies across.
        if (std::fabs(mat[0]) >= std::fabs(mat[1])) {
            sw = x_max - x_min;
            sh = y_max - y_min;
        } else {
            sw = y_max - y_min;
            sh = x_max - x_min;
        }
        if (sw <= 1 || sh <= 1) return false;  // it sizes such images otherwise
    }
    if (sw < m.width || sh < m.height) return false;
    if (static_cast<uint64_t>(sw) * static_cast<uint64_t>(sh) > kMaxScaledPixels) return false;
    if (m.opaque && !(sw == m.width && sh == m.height) &&
        (m.bits == 8 || m.interpolate || (sw / m.width < 4 && sh / m.height < 4)))
        return false;
    if (m.bits == 8 && bits && xres > 299.9 && yres > 299.9) return false;
    const double r00 = mat[0] / sw, r01 = mat[1] / sw, r10 = mat[2] / sh, r11 = mat[3] / sh;
    const double det = r00 * r11 - r01 * r10;
    if (!(std::fabs(det) >= 1e-6)) return false;
    const double ir00 = r11 / det, ir01 = -r01 / det, ir10 = -r10 / det, ir11 = r00 / det;
    const int dx_lo = std::max({x_min, ic.x_min_i, 0}), dx_hi = std::min({x_max - 1, ic.x_max_i, out_w - 1});
    const int dy_lo = std::max({y_min, ic.y_min_i, 0}), dy_hi = std::min({y_max - 1, ic.y_max_i, bh - 1});
    if (dx_lo > dx_hi || dy_lo > dy_hi) return true;
    const std::vector<int> xmap = replicate(m.width, sw), ymap = replicate(m.height, sh);
    // Turned by quarters, the inverted matrix has two zero entries (r11 / det and r00 / det
    // for a quarter, -r01 / det and -r10 / det for a half), and a zero times a finite value
    // adds a zero: each scaled coordinate depends on the device row alone or on the column
    // alone. Both maps are computed once, with Splash's expressions.
    const auto scaled_x = [&](int x, int y) {
        const double fx = static_cast<double>(x) + 0.5 - mat[4], fy = static_cast<double>(y) + 0.5 - mat[5];
        return xmap[static_cast<std::size_t>(std::clamp(floor_int(fx * ir00 + fy * ir10), 0, sw - 1))];
    };
    const auto scaled_y = [&](int x, int y) {
        const double fx = static_cast<double>(x) + 0.5 - mat[4], fy = static_cast<double>(y) + 0.5 - mat[5];
        return ymap[static_cast<std::size_t>(std::clamp(floor_int(fx * ir01 + fy * ir11), 0, sh - 1))];
    };
    // For each device column and row: the source column and row it reads (one of each is
    // used per direction).
    std::vector<int> col_sx(static_cast<std::size_t>(dx_hi - dx_lo + 1)), col_sy(col_sx.size());
    std::vector<int> row_sx(static_cast<std::size_t>(dy_hi - dy_lo + 1)), row_sy(row_sx.size());
    for (int x = dx_lo; x <= dx_hi; ++x) {
        col_sx[static_cast<std::size_t>(x - dx_lo)] = quarter ? 0 : scaled_x(x, dy_lo);
        col_sy[static_cast<std::size_t>(x - dx_lo)] = quarter ? scaled_y(x, dy_lo) : 0;
    }
    for (int y = dy_lo; y <= dy_hi; ++y) {
        row_sx[static_cast<std::size_t>(y - dy_lo)] = quarter ? scaled_x(dx_lo, y) : 0;
        row_sy[static_cast<std::size_t>(y - dy_lo)] = quarter ? 0 : scaled_y(dx_lo, y);
    }
    const std::size_t stride = m.bits == 8 ? static_cast<std::size_t>(m.width) : (static_cast<std::size_t>(m.width) + 7) / 8;
    const uint8_t flip_bits = m.paint_ones ? 0x00 : 0xff;
    static const DispersedScreen screen;
    for (int y = dy_lo; y <= dy_hi; ++y) {
        const int rsx = row_sx[static_cast<std::size_t>(y - dy_lo)], rsy = row_sy[static_cast<std::size_t>(y - dy_lo)];
        uint8_t* d = bits ? bits->row(y) : nullptr;
        for (int x = dx_lo; x <= dx_hi; ++x) {
            const std::size_t i = static_cast<std::size_t>(x - dx_lo);
            const int sx = quarter ? rsx : col_sx[i], sy = quarter ? col_sy[i] : rsy;
            const uint8_t* row = m.data + stride * static_cast<std::size_t>(sy);
            bool black = false;
            if (m.bits == 8) {
                const uint8_t v = m.grey[row[sx]];
                if (grey) {
                    grey->at(x, y) = v;
                    continue;
                }
                black = v < screen.at[y & 3][x & 3];
            } else {
                black = ((row[static_cast<std::size_t>(sx) >> 3] ^ flip_bits) >> (7 - (sx & 7))) & 1;
            }
            if (black) d[x >> 3] = static_cast<uint8_t>(d[x >> 3] | (0x80u >> (x & 7)));
        }
    }
    return true;
}

}  // namespace

struct PdfImagePages::Impl {
    QPDF pdf;
    std::vector<QPDFPageObjectHelper> pages;
    std::vector<uint8_t> samples;  // the decoded image of the page in hand, reused

    // With `grey`, the page's grey into it instead (the returned bitmap is a placeholder).
    std::optional<Bitmap> render(int index, double xres, double yres, int slice_w, int slice_h, int width,
                                 GreyImage* grey);
};

PdfImagePages::PdfImagePages(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PdfImagePages::~PdfImagePages() = default;

std::unique_ptr<PdfImagePages> PdfImagePages::open(const std::string& path, int pages) noexcept {
    try {
        auto impl = std::make_unique<Impl>();
        auto logger = QPDFLogger::create();
        auto discard = std::make_shared<Pl_Discard>();
        logger->setInfo(discard);
        logger->setWarn(discard);
        logger->setError(discard);
        impl->pdf.setLogger(logger);
        impl->pdf.setSuppressWarnings(true);
        impl->pdf.setAttemptRecovery(false);
        impl->pdf.processFile(path.c_str());
        if (impl->pdf.isEncrypted()) return nullptr;
        impl->pages = QPDFPageDocumentHelper(impl->pdf).getAllPages();
        if (static_cast<int>(impl->pages.size()) != pages) return nullptr;
        return std::unique_ptr<PdfImagePages>(new PdfImagePages(std::move(impl)));
    } catch (...) {
        return nullptr;
    }
}

std::optional<Bitmap> PdfImagePages::render(int index, double xres, double yres, int slice_w, int slice_h,
                                            int width) const noexcept {
    try {
        return impl_->render(index, xres, yres, slice_w, slice_h, width, nullptr);
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<GreyImage> PdfImagePages::render_grey(int index, double xres, double yres) const noexcept {
    try {
        GreyImage g;
        if (!impl_->render(index, xres, yres, -1, -1, -1, &g)) return std::nullopt;
        return g;
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<Bitmap> PdfImagePages::Impl::render(int index, double xres, double yres, int slice_w, int slice_h,
                                                  int width, GreyImage* grey) {
    if (index < 0 || index >= static_cast<int>(pages.size()) || !(xres > 0) || !(yres > 0)) return std::nullopt;
    QPDFPageObjectHelper& page = pages[static_cast<std::size_t>(index)];
    QPDFObjectHandle obj = page.getObjectHandle();
    QPDFObjectHandle rotate = page.getAttribute("/Rotate", false);
    int rot = 0;
    if (!rotate.isNull()) {
        if (!rotate.isInteger()) return std::nullopt;
        const long long r = rotate.getIntValue();
        if (r != 0 && r != 90 && r != 180 && r != 270) return std::nullopt;
        rot = static_cast<int>(r);
    }
    if (obj.hasKey("/UserUnit")) return std::nullopt;
    QPDFObjectHandle annots = obj.getKey("/Annots");
    if (!annots.isNull() && !(annots.isArray() && annots.getArrayNItems() == 0)) return std::nullopt;
    auto media = box(page.getAttribute("/MediaBox", false));
    if (!media) return std::nullopt;
    Box crop = *media;
    QPDFObjectHandle crop_obj = page.getAttribute("/CropBox", false);
    if (!crop_obj.isNull()) {
        auto c = box(crop_obj);
        if (!c || c->x1 < media->x1 || c->y1 < media->y1 || c->x2 > media->x2 || c->y2 > media->y2) return std::nullopt;
        crop = *c;
    }
    QPDFObjectHandle resources = page.getAttribute("/Resources", false);
    if (!resources.isDictionary() || resources.hasKey("/Font") || resources.hasKey("/Shading") ||
        resources.hasKey("/Pattern") || resources.hasKey("/Properties"))
        return std::nullopt;
    QPDFObjectHandle xobjects = resources.getKey("/XObject");
    if (!xobjects.isDictionary()) return std::nullopt;
    const auto names = xobjects.getKeys();
    if (names.size() != 1) return std::nullopt;
    const std::string image_name = *names.begin();
    QPDFObjectHandle image = xobjects.getKey(image_name);
    if (!image.isStream() || !image.getDict().getKey("/Subtype").isNameAndEquals("/Image") ||
        resources.hasKey("/ColorSpace"))
        return std::nullopt;

    // The page box and device transform of poppler's renderer (Page::makeBox, GfxState;
    // Splash draws top-down, so the transform is "upside down"), turned by /Rotate.
    const bool slice = slice_w >= 0 && slice_h >= 0;
    Box b = crop;
    if (slice) {
        const double kxs = 72.0 / xres, kys = 72.0 / yres;
        const double sx = 0, sy = 0, sw = slice_w, sh = slice_h;
        if (rot == 90) {
            b.x1 = crop.x1 + kys * sy;
            b.x2 = crop.x1 + kys * (sy + sh);
            b.y1 = crop.y1 + kxs * sx;
            b.y2 = crop.y1 + kxs * (sx + sw);
        } else if (rot == 180) {
            b.x1 = crop.x2 - kxs * (sx + sw);
            b.x2 = crop.x2 - kxs * sx;
            b.y1 = crop.y1 + kys * sy;
            b.y2 = crop.y1 + kys * (sy + sh);
        } else if (rot == 270) {
            b.x1 = crop.x2 - kys * (sy + sh);
            b.x2 = crop.x2 - kys * sy;
            b.y1 = crop.y2 - kxs * (sx + sw);
            b.y2 = crop.y2 - kxs * sx;
        } else {
            b.x1 = crop.x1 + kxs * sx;
            b.x2 = crop.x1 + kxs * (sx + sw);
            b.y1 = crop.y2 - kys * (sy + sh);
            b.y2 = crop.y2 - kys * sy;
        }
    }
    const double kx = xres / 72.0, ky = yres / 72.0;
    Matrix ctm{kx, 0, 0, -ky, -kx * b.x1, ky * b.y2};
    double page_w = kx * (b.x2 - b.x1), page_h = ky * (b.y2 - b.y1);
    if (rot == 90) {
        ctm = {0, ky, kx, 0, -kx * b.y1, ky * -b.x1};
    } else if (rot == 180) {
        ctm = {-kx, 0, 0, ky, kx * b.x2, ky * -b.y1};
    } else if (rot == 270) {
        ctm = {0, -ky, -kx, 0, kx * b.y2, ky * b.x2};
    }
    if (rot == 90 || rot == 270) {
        page_w = kx * (b.y2 - b.y1);
        page_h = ky * (b.x2 - b.x1);
    }
    if (!fits_int(page_w) || !fits_int(page_h)) return std::nullopt;
    const int bw = std::max(1, static_cast<int>(page_w + 0.5)), bh = std::max(1, static_cast<int>(page_h + 0.5));
    if (slice && (bw != slice_w || bh != slice_h)) return std::nullopt;
    if (static_cast<uint64_t>(bw) * static_cast<uint64_t>(bh) > kMaxScaledPixels) return std::nullopt;

    // The clip: the bitmap, and for a slice the crop box (Gfx clips to it then).
    Clip clip;
    clip.x_max = bw;
    clip.y_max = bh;
    clip.x_max_i = bw - 1;
    clip.y_max_i = bh - 1;
    if (slice) {
        double xa, ya, xb, yb;
        device(ctm, crop.x1, crop.y1, xa, ya);
        device(ctm, crop.x2, crop.y2, xb, yb);
        if (!fits_int(xa) || !fits_int(ya) || !fits_int(xb) || !fits_int(yb)) return std::nullopt;
        clip.to_rect(xa, ya, xb, yb);
    }

    ContentCheck check;
    check.resources = resources;
    check.image_name = image_name;
    check.ctm = ctm;
    check.clip = clip;
    page.parseContents(&check);
    if (check.bad || !check.image_ctm) return std::nullopt;
    auto mask = read_mask(image, samples);
    if (!mask) return std::nullopt;

    // SplashOutputDev::drawImageMask's (and drawImage's) image matrix, and the target
    // rectangle Splash::fillImageMask and Splash::drawImage compute alike for an upright
    // image (flipped vertically when mat[3] < 0).
    const Matrix& c = *check.image_ctm;
    const double mat[6] = {c[0], c[1], -c[2], -c[3], c[2] + c[4], c[3] + c[5]};
    for (double v : mat)
        if (!fits_int(v)) return std::nullopt;
    const int out_w = width > 0 ? std::min(width, bw) : bw;
    if (!(mat[0] > 0) || mat[1] != 0 || mat[2] != 0 || mat[3] == 0) {
        // Turned a quarter or a half (a /Rotate page): Splash's arbitrary transform.
        Bitmap out = Bitmap::blank(grey ? 1 : out_w, grey ? 1 : bh, 204.0, 196.0);
        if (grey) *grey = GreyImage::blank(out_w, bh, 204.0, 196.0);
        if (!draw_turned(*mask, mat, check.image_clip, out_w, bh, xres, yres, grey ? nullptr : &out, grey))
            return std::nullopt;
        return out;
    }
    const bool flip = mat[3] < 0;
    int x0 = floor_int(mat[4]), x1 = floor_int(mat[0] + mat[4]) + 1;
    int y0 = flip ? floor_int(mat[3] + mat[5]) : floor_int(mat[5]);
    int y1 = flip ? floor_int(mat[5]) + 1 : floor_int(mat[3] + mat[5]) + 1;
    const int scaled_w = x1 - x0, scaled_h = y1 - y0;
    // Masks are copied or replicated only (a smaller one is averaged into a coverage the
    // pipe blends). An opaque image smaller both ways is averaged by
    // Splash::scaleImageYdownXdown (box sums, integer arithmetic): its grey is made below.
    const bool down = mask->opaque && scaled_w < mask->width && scaled_h < mask->height;
    if (!down && (scaled_w < mask->width || scaled_h < mask->height)) return std::nullopt;
    if (grey && mask->bits != 8 && !down) return std::nullopt;  // only such pages' grey is drawn here
    if (down && !grey && xres > 299.9 && yres > 299.9) return std::nullopt;  // another screen
    // Splash::scaleImage enlarges an image by less than 4x in both directions (or any image
    // with /Interpolate) bilinearly: grey between samples, which the mono screen dithers
    // (and looks_halftoned() then sends the page to the grey path): poppler's. At its own
    // size the interpolation's steps are whole and its weights 1 and 0: the samples.
    if (!down && mask->opaque && !(scaled_w == mask->width && scaled_h == mask->height) &&
        (mask->interpolate || (scaled_w / mask->width < 4 && scaled_h / mask->height < 4)))
        return std::nullopt;
    if (static_cast<uint64_t>(scaled_w) * static_cast<uint64_t>(scaled_h) > kMaxScaledPixels) return std::nullopt;
    // An 8-bit image only at its own size (whole steps: each pixel one sample's grey) or smaller.
    if (!down && mask->bits == 8 && (scaled_w != mask->width || scaled_h != mask->height)) return std::nullopt;
    // At 300 dpi and more both ways SplashOutputDev screens with another (stochastic) matrix.
    if (mask->bits == 8 && !grey && xres > 299.9 && yres > 299.9) return std::nullopt;

    Bitmap out = Bitmap::blank(grey ? 1 : out_w, grey ? 1 : bh, 204.0, 196.0);
    if (grey) *grey = GreyImage::blank(out_w, bh, 204.0, 196.0);
    // The pixels both inside the clip and on the image, and within the output.
    const Clip& ic = check.image_clip;
    const int dx_lo = std::max({x0, ic.x_min_i, 0}), dx_hi = std::min({x1 - 1, ic.x_max_i, out_w - 1});
    const int dy_lo = std::max({y0, ic.y_min_i, 0}), dy_hi = std::min({y1 - 1, ic.y_max_i, bh - 1});
    if (dx_lo > dx_hi || dy_lo > dy_hi) return out;
    if (mask->bits == 8 || down) {
        // Each pixel a grey: an 8-bit sample's at its own size, or the scaled image's. poppler's
        // grey renderer (Splash mono8) stores it, the mono one (mono1) makes it white where it
        // reaches the screen's threshold.
        static const DispersedScreen screen;
        std::vector<uint8_t> scaled;
        if (down) scaled = scale_down(*mask, scaled_w, scaled_h);
        for (int y = dy_lo; y <= dy_hi; ++y) {
            const int r = y - y0;
            const std::size_t sr = static_cast<std::size_t>(flip ? scaled_h - 1 - r : r);
            const uint8_t* s = down ? scaled.data() + static_cast<std::size_t>(scaled_w) * sr
                                    : mask->data + static_cast<std::size_t>(mask->width) * sr;
            const auto value = [&](int x) { return down ? s[x - x0] : mask->grey[s[x - x0]]; };
            if (grey) {
                uint8_t* g = &grey->at(0, y);
                for (int x = dx_lo; x <= dx_hi; ++x) g[x] = value(x);
            } else {
                const uint8_t* threshold = screen.at[y & 3];
                uint8_t* d = out.row(y);
                for (int x = dx_lo; x <= dx_hi; ++x)
                    if (value(x) < threshold[x & 3]) d[x >> 3] = static_cast<uint8_t>(d[x >> 3] | (0x80u >> (x & 7)));
            }
        }
        return out;
    }
    const std::size_t src_stride = (static_cast<std::size_t>(mask->width) + 7) / 8;
    const uint8_t* src = mask->data;
    const uint8_t flip_bits = mask->paint_ones ? 0x00 : 0xff;
    const std::vector<int> xmap = replicate(mask->width, scaled_w), ymap = replicate(mask->height, scaled_h);
    // Destination columns in runs whose source columns are consecutive (one run at the
    // image's own size; Bresenham's repeated columns start new runs).
    struct Run {
        int dx, sx, len;
    };
    std::vector<Run> runs;
    for (int x = dx_lo; x <= dx_hi; ++x) {
        const int sx = xmap[static_cast<std::size_t>(x - x0)];
        if (!runs.empty() && runs.back().dx + runs.back().len == x && runs.back().sx + runs.back().len == sx)
            ++runs.back().len;
        else
            runs.push_back({x, sx, 1});
    }
    const std::size_t src_bytes = src_stride;
    for (int y = dy_lo; y <= dy_hi; ++y) {
        const int r = y - y0;
        const int sr = ymap[static_cast<std::size_t>(flip ? scaled_h - 1 - r : r)];
        const uint8_t* s = src + src_stride * static_cast<std::size_t>(sr);
        uint8_t* d = out.row(y);
        // Source bit i of the row, as painted (1 = black).
        const auto byte_at = [&](int bit) -> uint8_t {  // 8 painted bits from source bit `bit`
            const std::size_t k = static_cast<std::size_t>(bit) >> 3;
            const int sh = bit & 7;
            const unsigned hi = k < src_bytes ? s[k] : 0u, lo = k + 1 < src_bytes ? s[k + 1] : 0u;
            return static_cast<uint8_t>((((hi << 8) | lo) >> (8 - sh)) ^ flip_bits);
        };
        for (const Run& run : runs) {
            int x = run.dx, sx = run.sx, left = run.len;
            if (((x | sx) & 7) == 0 && left >= 8) {
                // Both on byte boundaries (a scan drawn at its own size): whole bytes.
                const int whole = left >> 3;
                uint8_t* dp = d + (x >> 3);
                const uint8_t* sp = s + (sx >> 3);
                for (int i = 0; i < whole; ++i) dp[i] = static_cast<uint8_t>(dp[i] | (sp[i] ^ flip_bits));
                x += 8 * whole;
                sx += 8 * whole;
                left -= 8 * whole;
            }
            while (left > 0) {
                const int off = x & 7;
                const int n = std::min(left, 8 - off);
                const uint8_t bits = static_cast<uint8_t>(byte_at(sx) >> off);
                const uint8_t keep = static_cast<uint8_t>((0xffu >> off) & (0xffu << (8 - off - n)));
                d[x >> 3] = static_cast<uint8_t>(d[x >> 3] | (bits & keep));
                x += n;
                sx += n;
                left -= n;
            }
        }
    }
    return out;
}

}  // namespace fax::t30::detail
