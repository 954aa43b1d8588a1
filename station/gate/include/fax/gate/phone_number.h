// Telephone and fax numbers as the gate handles them: a normalised E.164 form for
// comparison and display, and the digits the modem dials kept separately.
#pragma once

#include <string>
#include <string_view>

#include "fax/base/result.h"

namespace fax::gate {

struct PhoneNumber {
    // "+12065550100" when the number is a valid NANP or E.164 number; empty for
    // numbers that are not (an internal extension, say).
    std::string e164;
    // What the modem is told to dial (digits, and ',' pauses). For NANP numbers this is
    // "1" + ten digits; for other international numbers "011" + country code + number.
    std::string dial;

    bool is_e164() const { return !e164.empty(); }
    // The number for comparison: e164 where known, the dial digits otherwise.
    const std::string& canonical() const { return e164.empty() ? dial : e164; }
    // "+1 206-555-0100" style for a cover sheet or a listing.
    std::string display() const;

    friend bool operator==(const PhoneNumber&, const PhoneNumber&) = default;
};

// Accepts the ways people write numbers: "206-555-0100", "(206) 555 0100",
// "1-206-555-0100", "+1 206 555 0100", "+44 20 7946 0958". Punctuation (space - . ( ))
// is dropped. Ten digits (or 11 with a leading 1) must be a valid NANP number (area
// code and exchange start with 2-9). A leading '+' gives E.164 (8..15 digits, no
// leading 0). Anything else is InvalidInput unless allow_local is set, in which case
// 2..15 plain digits are kept as a non-E.164 dial string (internal extensions).
// Error messages describe the problem, never repeat the number.
Result<PhoneNumber> parse_phone_number(std::string_view text, bool allow_local = false);

// True if `text` is a valid NANP or E.164 number (what a cover sheet must carry).
bool is_valid_public_number(std::string_view text);

// T.30 station ids (CSI/TSI): see station_ids_match() in fax/driver/station_id.h, which
// the transmit path applies to the remote's id; this is the same comparison.
bool csi_matches(std::string_view expected, std::string_view observed);

}  // namespace fax::gate
