#include "fax/gate/page_selection.h"

#include <algorithm>
#include <cctype>

namespace fax::gate {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// A page number: 1..kMaxPageNumber, digits only. -1 if not one.
int parse_number(std::string_view s) {
    s = trim(s);
    if (s.empty() || s.size() > 5) return -1;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

Result<std::vector<int>> parse_page_selection(std::string_view text) {
    // The text is never quoted back: a record number typed into the wrong field must not
    // reach a message.
    static constexpr const char* kExample = " (expected e.g. 1-3,5)";
    if (trim(text).empty()) return fail(Errc::InvalidInput, std::string("is empty") + kExample);
    std::vector<int> pages;
    std::string_view rest = text;
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view part = rest.substr(0, comma);
        const auto dash = part.find('-');
        int lo = 0;
        int hi = 0;
        if (dash == std::string_view::npos) {
            lo = hi = parse_number(part);
        } else {
            lo = parse_number(part.substr(0, dash));
            hi = parse_number(part.substr(dash + 1));
        }
        if (lo < 0 || hi < 0) return fail(Errc::InvalidInput, std::string("not a page range") + kExample);
        if (lo == 0 || hi == 0) return fail(Errc::InvalidInput, "pages are numbered from 1");
        if (lo > kMaxPageNumber || hi > kMaxPageNumber)
            return fail(Errc::InvalidInput, "page numbers stop at " + std::to_string(kMaxPageNumber));
        if (lo > hi) return fail(Errc::InvalidInput, "a range runs backwards (write the lower page first)");
        for (int p = lo; p <= hi; ++p) pages.push_back(p);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    std::sort(pages.begin(), pages.end());
    const auto dup = std::adjacent_find(pages.begin(), pages.end());
    if (dup != pages.end())
        return fail(Errc::InvalidInput, "page " + std::to_string(*dup) + " is selected twice");
    return pages;
}

std::string format_page_selection(const std::vector<int>& pages) {
    std::vector<int> p = pages;
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
    std::string out;
    for (std::size_t i = 0; i < p.size();) {
        std::size_t j = i;
        while (j + 1 < p.size() && p[j + 1] == p[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(p[i]);
        if (j > i) out += "-" + std::to_string(p[j]);
        i = j + 1;
    }
    return out;
}

}  // namespace fax::gate
