#include "fax/gate/phone_number.h"

#include "fax/driver/station_id.h"

#include <cctype>

namespace fax::gate {
namespace {

bool is_punctuation(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// NANP: NPA-NXX-XXXX with N in 2..9 for area code and exchange (ATIS-0300051).
bool valid_nanp10(std::string_view d) {
    return d.size() == 10 && d[0] >= '2' && d[3] >= '2';
}

}  // namespace

std::string PhoneNumber::display() const {
    if (e164.size() == 12 && e164.rfind("+1", 0) == 0) {
        const std::string_view d(e164);
        return "+1 " + std::string(d.substr(2, 3)) + "-" + std::string(d.substr(5, 3)) + "-" +
               std::string(d.substr(8, 4));
    }
    if (!e164.empty()) return e164;
    return dial;
}

Result<PhoneNumber> parse_phone_number(std::string_view text, bool allow_local) {
    std::string digits;
    bool plus = false;
    bool seen_any = false;
    for (char c : text) {
        if (is_punctuation(c)) continue;
        if (c == '+' && !seen_any && !plus) {
            plus = true;
            continue;
        }
        if (!is_digit(c)) return fail(Errc::InvalidInput, "contains a character that is not a digit");
        digits.push_back(c);
        seen_any = true;
    }
    if (digits.empty()) return fail(Errc::InvalidInput, "is empty");

    PhoneNumber n;
    if (plus) {
        if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0')
            return fail(Errc::InvalidInput, "is not an E.164 number (+, country code, 8 to 15 digits)");
        if (digits[0] == '1') {
            if (!valid_nanp10(std::string_view(digits).substr(1)))
                return fail(Errc::InvalidInput, "is not a valid North American number");
            n.e164 = "+" + digits;
            n.dial = digits;
        } else {
            n.e164 = "+" + digits;
            n.dial = "011" + digits;  // international access from the NANP
        }
        return n;
    }
    if (digits.size() == 11 && digits[0] == '1') digits.erase(0, 1);
    if (digits.size() == 10) {
        if (!valid_nanp10(digits)) return fail(Errc::InvalidInput, "is not a valid North American number");
        n.e164 = "+1" + digits;
        n.dial = "1" + digits;
        return n;
    }
    if (allow_local && digits.size() >= 2 && digits.size() <= 15) {
        n.dial = digits;
        return n;
    }
    return fail(Errc::InvalidInput, "is not a 10-digit North American number or an E.164 number starting with +");
}

bool is_valid_public_number(std::string_view text) {
    auto r = parse_phone_number(text, false);
    return r.ok() && r->is_e164();
}

bool csi_matches(std::string_view expected, std::string_view observed) { return station_ids_match(expected, observed); }

}  // namespace fax::gate
