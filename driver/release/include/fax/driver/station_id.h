// Comparing T.30 station ids (CSI/TSI, T.30 §5.3.6.2.4): at most 20 characters of digits,
// '+' and spaces, which stations pad and space freely, and some send without the '+'.
// The transmit path compares the verified id a ClearedRelease carries with the one the
// remote sends, before any page (header-only: the sessions below the gate use it too).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace fax::gate {

// Two ids match if their digits are equal (spaces and '+' do not count: "+1 206 555 0142"
// is "12065550142"). An id with no digits (a non-conforming station sending a name) matches
// the same letters, case and spaces ignored. An empty expected id matches nothing.
inline bool station_ids_match(std::string_view expected, std::string_view observed) {
    auto digits = [](std::string_view s) {
        std::string out;
        for (char c : s)
            if (std::isdigit(static_cast<unsigned char>(c))) out.push_back(c);
        return out;
    };
    auto letters = [](std::string_view s) {
        std::string out;
        for (char c : s)
            if (c != ' ') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        return out;
    };
    const std::string a = digits(expected);
    if (a.empty()) {
        const std::string la = letters(expected);
        return !la.empty() && la != "+" && la == letters(observed);
    }
    return a == digits(observed);
}

}  // namespace fax::gate
