// The cover sheet: page one of every release, rendered by the project with
// FreeType into a fine-resolution fax page (1728 x 2156 at 204 x 196 dpi, US
// Letter). It carries contact details, date, page count, purpose and the
// confidentiality statement, and nothing clinical. validate_cover() is what the gate
// runs on the exact fields it renders.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/gate/refusal.h"
#include "fax/t30/bitmap.h"

namespace fax::gate {

// No field of a cover holds more than this (UTF-8 bytes): a page of text at the
// smallest size the cover uses is less. render_cover() refuses a longer field
// (InvalidInput naming it) before laying anything out.
inline constexpr std::size_t kMaxCoverFieldBytes = 16 * 1024;

struct CoverFields {
    std::string title = "FACSIMILE COVER SHEET";
    std::string sender_name;
    std::string sender_department;
    std::string sender_phone;
    std::string sender_fax;
    std::string recipient_name;
    std::string recipient_organisation;
    std::string recipient_fax;
    std::string recipient_phone;
    std::string date_time;  // formatted, handed in (format_cover_datetime)
    int total_pages = 0;    // including the cover
    std::string purpose;    // display name of the purpose of disclosure
    std::string confidentiality_statement;
    std::string note;       // optional line, e.g. for a verification test fax
};

// Geometry and fonts. Defaults: fax fine resolution, US Letter, DejaVu Sans.
struct CoverStyle {
    int width = 1728;   // T.4 A4/Letter line length at R8
    int height = 2156;  // 11 in at 196 lines/in
    double xres_dpi = 204.0;
    double yres_dpi = 196.0;
    double margin_in = 0.6;
    std::string regular_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    std::string bold_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
    double title_pt = 22.0;
    double body_pt = 12.0;
    double statement_pt = 10.5;
};

// Every problem found, each with its COVER-* rule id (policy.h): a required field
// missing or blank; a phone or fax number that is not a valid NANP or E.164 number;
// a page count that is not expected_total_pages; a date without digits; a missing
// confidentiality statement or one without the instruction to notify the sender
// by telephone. Empty result: the cover may be sent.
std::vector<Finding> validate_cover(const CoverFields& fields, int expected_total_pages);

// "2025-03-01 14:05 PST": the date and time a cover shows, from a time handed in.
std::string format_cover_datetime(std::chrono::system_clock::time_point t, std::chrono::minutes utc_offset,
                                  std::string_view zone_label);

// Renders the fields (text wrapped to the page width). Io if a font cannot be
// loaded, InvalidInput if the text does not fit on one page. Does not validate.
// A cold render: it opens the fonts and renders every glyph again (CoverRenderer keeps
// them between covers; the pixels are the same).
Result<t30::Bitmap> render_cover(const CoverFields& fields, const CoverStyle& style = {});

// "2.12.1": the FreeType the covers are rendered with (hinting, hence pixels, may
// differ between its versions).
std::string freetype_version();

// Renders covers with FreeType and keeps, for as long as it lives, what one cover has in
// common with the next: the FreeType library, one face per font file (opened on first
// use) and every glyph it rendered, per font file, size (26.6 pt), resolution and code
// point: the hinted advances and the 1-bit bitmap FT_LOAD_RENDER | FT_LOAD_TARGET_MONO
// made. Rendering a cover is then blitting cached glyphs. The page is pixel for pixel
// what render_cover() makes of the same fields and style, cold or warm.
//
// - Fonts: a face is opened the first time its path is used and kept (a font file
//   replaced on disk later is not re-read). A font that cannot be loaded is not
//   remembered: every render tries again and fails with the same Io error as
//   render_cover(). Nothing from a failed render stays half-made in the cache.
// - Bounded: past kMaxGlyphs cached glyphs the glyphs are dropped (the next cover is
//   rendered cold again); faces stay.
// - Not thread-safe: one renderer per ReleaseGate, which is single-threaded per
//   instance (FreeType faces may not be shared between threads either). Use one
//   renderer per thread if covers are rendered on several.
class CoverRenderer {
public:
    static constexpr std::size_t kMaxGlyphs = 16384;

    CoverRenderer();
    ~CoverRenderer();
    CoverRenderer(CoverRenderer&&) noexcept;
    CoverRenderer& operator=(CoverRenderer&&) noexcept;
    CoverRenderer(const CoverRenderer&) = delete;
    CoverRenderer& operator=(const CoverRenderer&) = delete;

    // As render_cover().
    Result<t30::Bitmap> render(const CoverFields& fields, const CoverStyle& style = {});

    // What the cache did so far (for tests and benchmarks).
    struct Stats {
        std::size_t faces_opened = 0;   // FT_New_Face calls that succeeded
        std::size_t glyphs_loaded = 0;  // glyphs rendered by FreeType (cache misses)
        std::size_t glyph_hits = 0;     // glyphs drawn or measured from the cache
        std::size_t glyphs_cached = 0;  // glyphs held now
    };
    Stats stats() const;

    // Drops every glyph and face; the next render is cold.
    void clear();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fax::gate
