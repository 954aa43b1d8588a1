// The cover sheet: page one of every release, rendered by the project with
// FreeType into a fine-resolution fax page (1728 x 2156 at 204 x 196 dpi, US
// Letter). It carries contact details, date, page count, purpose and the
// confidentiality statement, and nothing clinical. validate_cover() is what the gate
// runs on the exact fields it renders.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/gate/refusal.h"
#include "fax/t30/bitmap.h"

namespace fax::gate {

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
Result<t30::Bitmap> render_cover(const CoverFields& fields, const CoverStyle& style = {});

}  // namespace fax::gate
