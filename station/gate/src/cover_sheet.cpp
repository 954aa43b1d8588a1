#include "fax/gate/cover_sheet.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>

#include <ft2build.h>
#include FT_FREETYPE_H

#include "fax/gate/phone_number.h"
#include "fax/gate/policy.h"
#include "time_format.h"

namespace fax::gate {

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

namespace {

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The policy's statement ends "Notify the sender immediately by telephone to arrange
// for return of the documents". A replacement must keep that instruction: "notify the
// sender" and "by telephone" (or "by phone") in one sentence. Merely containing the
// word "phone" somewhere is not enough.
bool tells_to_notify_sender_by_telephone(std::string_view statement) {
    // Lower case, runs of white space as one space (statements are wrapped by hand).
    std::string text;
    for (char c : lower(statement)) {
        const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (space && (text.empty() || text.back() == ' ')) continue;
        text.push_back(space ? ' ' : c);
    }
    for (std::size_t at = text.find("notify the sender"); at != std::string::npos;
         at = text.find("notify the sender", at + 1)) {
        const std::size_t end = text.find_first_of(".!?", at);
        const std::string sentence = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (sentence.find("by telephone") != std::string::npos || sentence.find("by phone") != std::string::npos)
            return true;
    }
    return false;
}

struct TextField {
    std::string_view rule;
    const char* field;
    const char* what;
    const char* next;
    const std::string CoverFields::*member;
    bool is_number;
};

constexpr const char* kSenderNext = "Complete the sender contact details of the request (sender.name, "
                                    "sender.department, sender.phone, sender.fax).";
constexpr const char* kRecipientNext = "Complete the recipient's directory entry (person or recipient.attention, "
                                       "organisation, fax, voice phone) and verify it.";

const TextField kTextFields[] = {
    {rule::kCoverSenderName, "cover.sender.name", "the sender's name", kSenderNext, &CoverFields::sender_name, false},
    {rule::kCoverSenderDepartment, "cover.sender.department", "the sender's department", kSenderNext,
     &CoverFields::sender_department, false},
    {rule::kCoverSenderPhone, "cover.sender.phone", "the sender's telephone number", kSenderNext,
     &CoverFields::sender_phone, true},
    {rule::kCoverSenderFax, "cover.sender.fax", "the sender's fax number", kSenderNext, &CoverFields::sender_fax, true},
    {rule::kCoverRecipientName, "cover.recipient.name", "the recipient's name", kRecipientNext,
     &CoverFields::recipient_name, false},
    {rule::kCoverRecipientOrganisation, "cover.recipient.organisation", "the recipient's organisation",
     kRecipientNext, &CoverFields::recipient_organisation, false},
    {rule::kCoverRecipientFax, "cover.recipient.fax", "the recipient's fax number", kRecipientNext,
     &CoverFields::recipient_fax, true},
    {rule::kCoverRecipientPhone, "cover.recipient.phone", "the recipient's telephone number", kRecipientNext,
     &CoverFields::recipient_phone, true},
    {rule::kCoverPurpose, "cover.purpose", "the purpose of disclosure", "State the purpose of the disclosure.",
     &CoverFields::purpose, false},
};

}  // namespace

std::vector<Finding> validate_cover(const CoverFields& f, int expected_total_pages) {
    std::vector<Finding> out;
    for (const auto& t : kTextFields) {
        const std::string& v = f.*(t.member);
        if (blank(v)) {
            out.push_back({std::string(t.rule), t.field, std::string(t.what) + " is missing from the cover sheet", t.next});
        } else if (t.is_number && !is_valid_public_number(v)) {
            out.push_back({std::string(t.rule), t.field,
                           std::string(t.what) + " on the cover sheet is not a valid number (10-digit North American "
                                                 "or E.164 with +)",
                           t.next});
        }
    }
    if (blank(f.date_time)) {
        out.push_back({std::string(rule::kCoverDate), "cover.date_time", "the date and time are missing from the cover sheet",
                       "The gate fills the date in; report this as a fault."});
    } else if (std::none_of(f.date_time.begin(), f.date_time.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        out.push_back({std::string(rule::kCoverDate), "cover.date_time", "the date and time on the cover sheet are malformed",
                       "The gate fills the date in; report this as a fault."});
    }
    if (f.total_pages < 1 || f.total_pages != expected_total_pages) {
        out.push_back({std::string(rule::kCoverPageCount), "cover.total_pages",
                       "the cover sheet states " + std::to_string(f.total_pages) + " pages but the transmission has " +
                           std::to_string(expected_total_pages) + " (including the cover)",
                       "The page count must include the cover and match the pages sent."});
    }
    if (blank(f.confidentiality_statement)) {
        out.push_back({std::string(rule::kCoverConfidentiality), "cover.confidentiality_statement",
                       "the confidentiality statement is missing from the cover sheet",
                       "Restore the confidentiality statement (cover.confidentiality_statement in the policy file; "
                       "the policy's statement is the default)."});
    } else if (!tells_to_notify_sender_by_telephone(f.confidentiality_statement)) {
        out.push_back({std::string(rule::kCoverConfidentiality), "cover.confidentiality_statement",
                       "the confidentiality statement does not tell a recipient in error to notify the sender by "
                       "telephone",
                       "Use the policy's statement, or add the instruction to notify the sender immediately by "
                       "telephone."});
    }
    return out;
}

std::string format_cover_datetime(std::chrono::system_clock::time_point t, std::chrono::minutes utc_offset,
                                  std::string_view zone_label) {
    const std::string iso = detail::iso_utc(t + utc_offset);  // YYYY-MM-DDTHH:MM:SSZ
    std::string s = iso.substr(0, 10) + " " + iso.substr(11, 5);
    if (!zone_label.empty()) s += " " + std::string(zone_label);
    return s;
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

namespace {

struct LibraryDone {
    void operator()(FT_Library lib) const { FT_Done_FreeType(lib); }
};
struct FaceDone {
    void operator()(FT_Face face) const { FT_Done_Face(face); }
};
using FtLibrary = std::unique_ptr<FT_LibraryRec_, LibraryDone>;
using FtFace = std::unique_ptr<FT_FaceRec_, FaceDone>;

// UTF-8 to code points; malformed sequences become U+FFFD.
std::u32string decode_utf8(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        bool ok = true;
        for (int k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((cc >> 6) != 2) ok = false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (!ok) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        // Control characters would render as boxes; a tab is a space.
        if (cp == U'\t') cp = U' ';
        if (cp < 0x20 && cp != U'\n') cp = U' ';
        out.push_back(cp);
        i += static_cast<std::size_t>(len);
    }
    return out;
}

// One face at one size and resolution, and the glyphs rendered with it.
struct CachedGlyph {
    int layout_advance = 0;  // FT_LOAD_DEFAULT | FT_LOAD_TARGET_MONO; 0 if that load failed
    bool drawable = false;   // FT_LOAD_RENDER | FT_LOAD_TARGET_MONO succeeded
    int draw_advance = 0;
    int left = 0;  // bitmap_left
    int top = 0;   // bitmap_top
    int width = 0;
    int rows = 0;
    std::size_t stride = 0;      // bytes per row of `bits`
    std::vector<uint8_t> bits;   // 1 = ink, rows packed MSB first, bits past `width` zero
};

struct Strike {
    FT_Face face = nullptr;
    FT_F26Dot6 size = 0;  // 26.6 points
    FT_UInt xdpi = 0;
    FT_UInt ydpi = 0;
    int line_height = 0;
    int ascender = 0;
    std::array<uint32_t, 256> low{};  // code point < 256 -> index + 1 into glyphs (0: none yet)
    std::unordered_map<char32_t, uint32_t> high;
    std::vector<CachedGlyph> glyphs;
};

// FreeType state kept between covers (CoverRenderer), or for one cover (render_cover).
// Single-threaded.
class GlyphCache {
public:
    // The face of a font file, opened on first use. Failures are not remembered.
    Result<FT_Face> face(const std::string& path) {
        if (!lib_) {
            FT_Library lib = nullptr;
            if (FT_Init_FreeType(&lib) != 0) return fail(Errc::Internal, "cover: FreeType did not initialise");
            lib_.reset(lib);
        }
        for (const auto& [p, f] : faces_)
            if (p == path) return f.get();
        FT_Face face = nullptr;
        if (FT_New_Face(lib_.get(), path.c_str(), 0, &face) != 0) return fail(Errc::Io, "cover: cannot load font " + path);
        faces_.emplace_back(path, FtFace(face));
        ++stats_.faces_opened;
        return face;
    }

    Result<Strike*> strike(FT_Face face, double pt, const CoverStyle& style) {
        const auto size = static_cast<FT_F26Dot6>(std::lround(pt * 64.0));
        const auto xdpi = static_cast<FT_UInt>(std::lround(style.xres_dpi));
        const auto ydpi = static_cast<FT_UInt>(std::lround(style.yres_dpi));
        for (const auto& s : strikes_)
            if (s->face == face && s->size == size && s->xdpi == xdpi && s->ydpi == ydpi) return s.get();
        if (!activate(face, size, xdpi, ydpi)) return fail(Errc::Internal, "cover: cannot set the font size");
        auto s = std::make_unique<Strike>();
        s->face = face;
        s->size = size;
        s->xdpi = xdpi;
        s->ydpi = ydpi;
        s->line_height = static_cast<int>(face->size->metrics.height >> 6);
        s->ascender = static_cast<int>(face->size->metrics.ascender >> 6);
        strikes_.push_back(std::move(s));
        return strikes_.back().get();
    }

    // The glyph of `cp` in `s`, rendered on first use. The reference is good until the
    // next call.
    const CachedGlyph& glyph(Strike& s, char32_t cp) {
        uint32_t* slot = nullptr;
        if (cp < 256) {
            slot = &s.low[cp];
        } else {
            auto it = s.high.find(cp);
            if (it != s.high.end()) slot = &it->second;
        }
        if (slot != nullptr && *slot != 0) {
            ++stats_.glyph_hits;
            return s.glyphs[*slot - 1];
        }
        if (cached_ >= CoverRenderer::kMaxGlyphs) drop_glyphs();
        if (!activate(s.face, s.size, s.xdpi, s.ydpi)) {
            failed_ = true;  // render() reports it; nothing is cached
            static const CachedGlyph kNone;
            return kNone;
        }
        s.glyphs.push_back(load(s.face, cp));
        ++cached_;
        ++stats_.glyphs_loaded;
        const auto index = static_cast<uint32_t>(s.glyphs.size());
        if (cp < 256)
            s.low[cp] = index;
        else
            s.high[cp] = index;
        return s.glyphs.back();
    }

    // A size could not be set while rendering (reported once, then cleared).
    bool take_failure() { return std::exchange(failed_, false); }

    CoverRenderer::Stats stats() const {
        CoverRenderer::Stats st = stats_;
        st.glyphs_cached = cached_;
        return st;
    }

private:
    static bool activate(FT_Face face, FT_F26Dot6 size, FT_UInt xdpi, FT_UInt ydpi) {
        return FT_Set_Char_Size(face, 0, size, xdpi, ydpi) == 0;
    }

    static CachedGlyph load(FT_Face face, char32_t cp) {
        CachedGlyph g;
        if (FT_Load_Char(face, cp, FT_LOAD_DEFAULT | FT_LOAD_TARGET_MONO) == 0)
            g.layout_advance = static_cast<int>(face->glyph->advance.x >> 6);
        if (FT_Load_Char(face, cp, FT_LOAD_RENDER | FT_LOAD_TARGET_MONO) != 0) return g;
        const FT_GlyphSlot slot = face->glyph;
        const FT_Bitmap& bm = slot->bitmap;
        g.drawable = true;
        g.draw_advance = static_cast<int>(slot->advance.x >> 6);
        g.left = slot->bitmap_left;
        g.top = slot->bitmap_top;
        g.width = static_cast<int>(bm.width);
        g.rows = static_cast<int>(bm.rows);
        g.stride = (static_cast<std::size_t>(bm.width) + 7) / 8;
        g.bits.assign(g.stride * bm.rows, 0);
        for (unsigned r = 0; r < bm.rows; ++r) {
            const unsigned char* row = bm.buffer + static_cast<std::ptrdiff_t>(r) * bm.pitch;
            uint8_t* out = g.bits.data() + g.stride * r;
            for (unsigned c = 0; c < bm.width; ++c) {
                bool on = false;
                if (bm.pixel_mode == FT_PIXEL_MODE_MONO)
                    on = ((row[c >> 3] >> (7 - (c & 7))) & 1) != 0;
                else if (bm.pixel_mode == FT_PIXEL_MODE_GRAY)
                    on = row[c] >= 128;
                if (on) out[c >> 3] = static_cast<uint8_t>(out[c >> 3] | (0x80u >> (c & 7)));
            }
        }
        return g;
    }

    void drop_glyphs() {
        for (auto& s : strikes_) {
            s->low.fill(0);
            s->high.clear();
            s->glyphs.clear();
        }
        cached_ = 0;
    }

    FtLibrary lib_;  // declared before the faces: destroyed after them
    std::vector<std::pair<std::string, FtFace>> faces_;
    std::vector<std::unique_ptr<Strike>> strikes_;  // borrow the faces
    std::size_t cached_ = 0;
    bool failed_ = false;
    CoverRenderer::Stats stats_;
};

class Typesetter {
public:
    enum class Font { Regular, Bold };

    Typesetter(GlyphCache& cache, t30::Bitmap& page, const CoverStyle& style)
        : cache_(cache), page_(page), style_(style) {}

    // Both fonts, regular first (the error names the first that cannot be loaded).
    Status load() {
        auto regular = cache_.face(style_.regular_font);
        if (!regular) return fail(regular.take_error());
        auto bold = cache_.face(style_.bold_font);
        if (!bold) return fail(bold.take_error());
        regular_ = *regular;
        bold_ = *bold;
        return {};
    }

    Status use(Font font, double pt) {
        auto s = cache_.strike(font == Font::Bold ? bold_ : regular_, pt, style_);
        if (!s) return fail(s.take_error());
        strike_ = *s;
        return {};
    }

    int line_height() const { return strike_->line_height; }
    int ascender() const { return strike_->ascender; }

    int advance(char32_t cp) { return cache_.glyph(*strike_, cp).layout_advance; }

    // Widths are 64-bit: a caller may hand in any amount of text (issue #14: a 100 MB
    // name overflowed an int and the blit wrote far outside the page).
    int64_t width(std::u32string_view text) {
        int64_t w = 0;
        for (char32_t cp : text) w += advance(cp);
        return w;
    }

    // Draws one line with its baseline at `baseline`. Nothing is drawn past the right
    // edge of the page (the pen stops there), so a line costs at most one page width.
    void draw(std::u32string_view text, int64_t x, int64_t baseline) {
        for (char32_t cp : text) {
            if (x >= page_.width) return;
            const CachedGlyph& g = cache_.glyph(*strike_, cp);
            if (!g.drawable) continue;
            blit(g, x + g.left, baseline - g.top);
            x += g.draw_advance;
        }
    }

    // Greedy word wrap of one paragraph to `max_width` pixels, at most `max_lines`
    // lines (`*more` says whether text was left over: the caller's page is full). Words
    // wider than the line are broken between characters. Each character is measured
    // once: linear in the paragraph, whatever its shape.
    std::vector<std::u32string> wrap(std::u32string_view para, int64_t max_width, std::size_t max_lines,
                                     bool* more = nullptr) {
        std::vector<std::u32string> lines;
        std::u32string line;
        int64_t line_w = 0;
        const int64_t space_w = advance(U' ');
        std::size_t i = 0;
        bool left_over = false;
        auto push = [&](std::u32string l) {
            if (lines.size() >= max_lines) {
                left_over = true;
                return false;
            }
            lines.push_back(std::move(l));
            return true;
        };
        while (i < para.size()) {
            while (i < para.size() && para[i] == U' ') ++i;
            std::size_t j = i;
            while (j < para.size() && para[j] != U' ') ++j;
            if (i == j) break;
            const std::u32string_view word = para.substr(i, j - i);
            i = j;
            // The word's width, measured until it is known not to fit (a long word is
            // broken below, character by character, measured once more at most).
            const int64_t room = line.empty() ? max_width : max_width - line_w - space_w;
            int64_t word_w = 0;
            for (std::size_t k = 0; k < word.size() && word_w <= room; ++k) word_w += advance(word[k]);
            if (word_w <= room) {
                line_w = line.empty() ? word_w : line_w + space_w + word_w;
                if (!line.empty()) line.push_back(U' ');
                line += word;
                continue;
            }
            if (!line.empty() && !push(std::move(line))) break;
            line.clear();
            line_w = 0;
            // Whole line widths of the word, then what is left starts the next line.
            for (std::size_t k = 0; k < word.size(); ++k) {
                const int64_t w = advance(word[k]);
                if (!line.empty() && line_w + w > max_width) {
                    if (!push(std::move(line))) break;
                    line.clear();
                    line_w = 0;
                }
                line.push_back(word[k]);
                line_w += w;
            }
            if (left_over) break;
        }
        if (!left_over && (!line.empty() || lines.empty())) push(std::move(line));
        if (left_over) {
            // Say so even if the rest is only spaces: a caller treats it as overflow.
            if (more != nullptr) *more = true;
        }
        return lines;
    }

    void rule(int64_t y, int64_t x0, int64_t x1, int thickness) {
        const int64_t ylo = std::max<int64_t>(0, y);
        const int64_t yhi = std::min<int64_t>(page_.height, y + thickness);
        const int64_t xlo = std::max<int64_t>(0, x0);
        const int64_t xhi = std::min<int64_t>(page_.width, x1);
        for (int64_t yy = ylo; yy < yhi; ++yy)
            for (int64_t x = xlo; x < xhi; ++x) page_.set(static_cast<int>(x), static_cast<int>(yy), true);
    }

private:
    // ORs the glyph's ink into the page; what falls outside the page is dropped.
    // Positions are 64-bit and checked against the page before any int is formed.
    void blit(const CachedGlyph& g, int64_t x0, int64_t y0) {
        if (x0 >= page_.width || x0 + g.width <= 0 || y0 >= page_.height || y0 + g.rows <= 0) return;
        const bool inside = x0 >= 0 && x0 + g.width <= page_.width;
        const unsigned shift = static_cast<unsigned>(x0 & 7);
        for (int r = 0; r < g.rows; ++r) {
            const int64_t y = y0 + r;
            if (y < 0 || y >= page_.height) continue;
            const uint8_t* src = g.bits.data() + g.stride * static_cast<std::size_t>(r);
            if (inside) {
                // Whole bytes: every ink bit lands left of x0 + width <= page width.
                uint8_t* dst = page_.row(static_cast<int>(y)) + (x0 >> 3);
                for (std::size_t i = 0; i < g.stride; ++i) {
                    const unsigned b = src[i];
                    if (b == 0) continue;
                    dst[i] = static_cast<uint8_t>(dst[i] | (b >> shift));
                    const auto spill = static_cast<uint8_t>(b << (8u - shift));
                    if (shift != 0 && spill != 0) dst[i + 1] = static_cast<uint8_t>(dst[i + 1] | spill);
                }
                continue;
            }
            for (int c = 0; c < g.width; ++c) {
                const int64_t x = x0 + c;
                if (x < 0 || x >= page_.width) continue;
                if (((src[c >> 3] >> (7 - (c & 7))) & 1) != 0) page_.set(static_cast<int>(x), static_cast<int>(y), true);
            }
        }
    }

    GlyphCache& cache_;
    t30::Bitmap& page_;
    const CoverStyle& style_;
    FT_Face regular_ = nullptr;
    FT_Face bold_ = nullptr;
    Strike* strike_ = nullptr;
};

class Layout {
public:
    Layout(Typesetter& ts, const CoverStyle& style)
        : ts_(ts),
          left_(std::lround(style.margin_in * style.xres_dpi)),
          right_(style.width - left_),
          top_(std::lround(style.margin_in * style.yres_dpi)),
          bottom_(style.height - top_),
          y_(top_),
          style_(style) {}

    // Text went past the bottom margin (or was left over when the page was full).
    bool overflowed() const { return full_ || y_ > bottom_; }
    int64_t line_inch_rows(double in) const { return std::lround(in * style_.yres_dpi); }
    void skip(double inches) { y_ += line_inch_rows(inches); }

    Status centered(std::string_view text, Typesetter::Font face, double pt) {
        FAX_TRY(ts_.use(face, pt));
        for (const auto& line : ts_.wrap(decode_utf8(text), right_ - left_, lines_left(), &full_)) {
            const int64_t w = ts_.width(line);
            ts_.draw(line, left_ + (right_ - left_ - w) / 2, y_ + ts_.ascender());
            y_ += ts_.line_height();
        }
        return {};
    }

    Status paragraph(std::string_view text, Typesetter::Font face, double pt) {
        FAX_TRY(ts_.use(face, pt));
        const std::u32string all = decode_utf8(text);
        std::size_t start = 0;
        while (start <= all.size() && !overflowed()) {
            const std::size_t nl = all.find(U'\n', start);
            const std::u32string_view para =
                std::u32string_view(all).substr(start, nl == std::u32string::npos ? std::u32string::npos : nl - start);
            for (const auto& line : ts_.wrap(para, right_ - left_, lines_left(), &full_)) {
                ts_.draw(line, left_, y_ + ts_.ascender());
                y_ += ts_.line_height();
            }
            if (nl == std::u32string::npos) break;
            y_ += ts_.line_height() / 3;  // paragraph gap
            start = nl + 1;
        }
        return {};
    }

    // "Label:    value" with the value wrapped in its own column.
    Status labelled(std::string_view label, std::string_view value, double pt) {
        const int64_t value_x = left_ + std::lround(2.3 * style_.xres_dpi);
        FAX_TRY(ts_.use(Typesetter::Font::Bold, pt));
        const int64_t baseline = y_ + ts_.ascender();
        ts_.draw(decode_utf8(label), left_, baseline);
        FAX_TRY(ts_.use(Typesetter::Font::Regular, pt));
        for (const auto& line : ts_.wrap(decode_utf8(value), right_ - value_x, lines_left(), &full_)) {
            ts_.draw(line, value_x, y_ + ts_.ascender());
            y_ += ts_.line_height();
        }
        return {};
    }

    void rule(int thickness) {
        ts_.rule(y_, left_, right_, thickness);
        y_ += thickness;
    }

private:
    // Lines of the current size that still fit above the bottom margin, and one more
    // (which overflows): nothing past it is laid out, the cover is refused anyway.
    std::size_t lines_left() const {
        const int64_t h = std::max(1, ts_.line_height());
        const int64_t rows = bottom_ - y_;
        return rows < 0 ? 1 : static_cast<std::size_t>(rows / h) + 1;
    }

    Typesetter& ts_;
    int64_t left_;
    int64_t right_;
    int64_t top_;
    int64_t bottom_;
    int64_t y_;
    bool full_ = false;
    const CoverStyle& style_;
};

constexpr Typesetter::Font kRegular = Typesetter::Font::Regular;
constexpr Typesetter::Font kBold = Typesetter::Font::Bold;

Result<t30::Bitmap> render_with(GlyphCache& cache, const CoverFields& f, const CoverStyle& style) {
    if (style.width < 200 || style.height < 200 || style.xres_dpi <= 0 || style.yres_dpi <= 0)
        return fail(Errc::InvalidArgument, "cover: page geometry is not usable");
    // Every field is bounded before anything is laid out (the request's own bounds are
    // far smaller; this keeps the typesetter safe whoever calls it).
    const std::pair<const char*, const std::string*> fields[] = {
        {"cover.title", &f.title},
        {"cover.sender.name", &f.sender_name},
        {"cover.sender.department", &f.sender_department},
        {"cover.sender.phone", &f.sender_phone},
        {"cover.sender.fax", &f.sender_fax},
        {"cover.recipient.name", &f.recipient_name},
        {"cover.recipient.organisation", &f.recipient_organisation},
        {"cover.recipient.fax", &f.recipient_fax},
        {"cover.recipient.phone", &f.recipient_phone},
        {"cover.date_time", &f.date_time},
        {"cover.purpose", &f.purpose},
        {"cover.confidentiality_statement", &f.confidentiality_statement},
        {"cover.note", &f.note},
    };
    for (const auto& [name, value] : fields)
        if (value->size() > kMaxCoverFieldBytes)
            return fail(Errc::InvalidInput, std::string("cover: ") + name + ": longer than " +
                                                std::to_string(kMaxCoverFieldBytes) + " bytes, more than a cover holds");
    t30::Bitmap page = t30::Bitmap::blank(style.width, style.height, style.xres_dpi, style.yres_dpi);
    Typesetter ts(cache, page, style);
    FAX_TRY(ts.load());
    Layout lay(ts, style);
    const double body = style.body_pt;

    FAX_TRY(lay.centered(f.title, kBold, style.title_pt));
    lay.skip(0.12);
    lay.rule(4);
    lay.skip(0.25);

    FAX_TRY(lay.labelled("Date and time:", f.date_time, body));
    FAX_TRY(lay.labelled("Pages:", std::to_string(f.total_pages) + " (including this cover sheet)", body));
    lay.skip(0.2);

    FAX_TRY(lay.centered("TO", kBold, body + 2));
    lay.skip(0.05);
    FAX_TRY(lay.labelled("Name:", f.recipient_name, body));
    FAX_TRY(lay.labelled("Organisation:", f.recipient_organisation, body));
    FAX_TRY(lay.labelled("Fax:", f.recipient_fax, body));
    FAX_TRY(lay.labelled("Phone:", f.recipient_phone, body));
    lay.skip(0.2);

    FAX_TRY(lay.centered("FROM", kBold, body + 2));
    lay.skip(0.05);
    FAX_TRY(lay.labelled("Name:", f.sender_name, body));
    FAX_TRY(lay.labelled("Department:", f.sender_department, body));
    FAX_TRY(lay.labelled("Phone:", f.sender_phone, body));
    FAX_TRY(lay.labelled("Fax:", f.sender_fax, body));
    lay.skip(0.2);

    FAX_TRY(lay.labelled("Purpose:", f.purpose, body));
    if (!f.note.empty()) {
        lay.skip(0.15);
        FAX_TRY(lay.paragraph(f.note, kBold, body));
    }
    lay.skip(0.3);
    lay.rule(2);
    lay.skip(0.15);
    FAX_TRY(lay.centered("CONFIDENTIALITY NOTICE", kBold, body));
    lay.skip(0.08);
    FAX_TRY(lay.paragraph(f.confidentiality_statement, kRegular, style.statement_pt));

    if (cache.take_failure()) return fail(Errc::Internal, "cover: cannot set the font size");
    if (lay.overflowed()) return fail(Errc::InvalidInput, "cover: the text does not fit on one page");
    return page;
}

}  // namespace

Result<t30::Bitmap> render_cover(const CoverFields& f, const CoverStyle& style) {
    GlyphCache cold;
    return render_with(cold, f, style);
}

std::string freetype_version() {
    FT_Library lib = nullptr;
    if (FT_Init_FreeType(&lib) != 0) return "unknown";
    const FtLibrary owned(lib);
    FT_Int major = 0, minor = 0, patch = 0;
    FT_Library_Version(lib, &major, &minor, &patch);
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

struct CoverRenderer::Impl {
    GlyphCache cache;
};

CoverRenderer::CoverRenderer() : impl_(std::make_unique<Impl>()) {}
CoverRenderer::~CoverRenderer() = default;
CoverRenderer::CoverRenderer(CoverRenderer&&) noexcept = default;
CoverRenderer& CoverRenderer::operator=(CoverRenderer&&) noexcept = default;

Result<t30::Bitmap> CoverRenderer::render(const CoverFields& fields, const CoverStyle& style) {
    if (!impl_) impl_ = std::make_unique<Impl>();  // moved from: starts cold
    return render_with(impl_->cache, fields, style);
}

CoverRenderer::Stats CoverRenderer::stats() const { return impl_ ? impl_->cache.stats() : Stats{}; }

void CoverRenderer::clear() { impl_ = std::make_unique<Impl>(); }

}  // namespace fax::gate
