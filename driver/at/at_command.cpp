#include "fax/driver/at_command.h"

#include <cctype>

namespace fax::driver {

namespace {

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }
bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool extended_prefix(char c) { return c == '+' || c == '#' || c == '%' || c == '$' || c == '*' || c == '^'; }

}  // namespace

bool dials(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    line.remove_prefix(i);
    if (line.size() >= 2 && upper(line[0]) == 'A' && line[1] == '/') return true;
    if (line.size() < 2 || upper(line[0]) != 'A' || upper(line[1]) != 'T') return false;

    i = 2;
    const auto skip_digits = [&] {
        while (i < line.size() && digit(line[i])) ++i;
    };
    while (i < line.size()) {
        const char c = upper(line[i]);
        if (c == 'D') return true;
        if (extended_prefix(c)) {
            // To the next ';' outside a string constant: the rest of the line otherwise.
            bool in_string = false;
            for (++i; i < line.size(); ++i) {
                if (line[i] == '"') in_string = !in_string;
                else if (line[i] == ';' && !in_string) break;
            }
            if (i < line.size()) ++i;  // the ';'
        } else if (c == '&' || c == '\\') {
            i += 2;  // & and its letter: &D is DTR handling, not a dial
            skip_digits();
        } else if (c == 'S') {
            ++i;
            skip_digits();
            if (i < line.size() && line[i] == '?') {
                ++i;
            } else if (i < line.size() && line[i] == '=') {
                ++i;
                skip_digits();
            }
        } else if (alpha(c)) {
            ++i;
            skip_digits();
        } else {
            ++i;  // spaces and separators V.250 lets a DCE ignore
        }
    }
    return false;
}

Result<std::string> dial_command(gate::DialPermit&& permit, std::string_view prefix) {
    gate::DialPermit used = std::move(permit);
    if (!used.valid()) return fail(Errc::PolicyRefused, "the dial permit was already used");
    if (prefix != "ATD" && prefix != "ATDT" && prefix != "ATDP")
        return fail(Errc::InvalidArgument, "dial prefix must be ATD, ATDT or ATDP");
    return std::string(prefix) + used.number();
}

}  // namespace fax::driver
