#include "fax/driver/class2_reports.h"

#include <cctype>
#include <cstdio>

namespace fax::driver {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

Result<int> small_int(std::string_view s, int base, int max) {
    s = trim(s);
    if (s.empty() || s.size() > 4) return fail(Errc::InvalidInput, "not a number");
    int v = 0;
    for (char c : s) {
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (d < 0 || d >= base) return fail(Errc::InvalidInput, "not a number");
        v = v * base + d;
    }
    if (v > max) return fail(Errc::InvalidInput, "value out of range");
    return v;
}
}  // namespace

std::string Class2Params::to_string() const {
    // T.32 Table 21 values are hexadecimal; VR, a bit map, is the only one above 9 here.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%X,%d,%d,%d,%d,%d,%d,%d", static_cast<unsigned>(vr), br, wd, ln, df, ec, bf, st);
    return buf;
}

int Class2Params::bit_rate() const { return 2400 * (br + 1); }

Result<Class2Params> parse_class2_params(std::string_view text) {
    text = trim(text);
    if (const auto colon = text.find(':'); colon != std::string_view::npos) text = trim(text.substr(colon + 1));
    if (text.empty()) return fail(Errc::InvalidInput, "empty session parameters");
    Class2Params p;
    int* fields[] = {&p.vr, &p.br, &p.wd, &p.ln, &p.df, &p.ec, &p.bf, &p.st};
    // VR is a bit map of resolutions (T.32 Table 21: 1 fine, 2 superfine, 4 R16, 8/10/20
    // inch based 100/200/400 lines, 40 300 x 300), in hexadecimal like every Table 21 value;
    // the others stay below 10 for the modems this driver serves.
    static constexpr int kMax[] = {0x7F, 5, 4, 2, 3, 2, 1, 7};
    std::size_t i = 0;
    for (;;) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        if (i >= 8) return fail(Errc::InvalidInput, "too many session parameters");
        auto v = small_int(item, i == 0 ? 16 : 10, kMax[i]);
        if (!v) return fail(Errc::InvalidInput, "session parameter " + std::to_string(i + 1) + ": " + v.error().message);
        *fields[i] = *v;
        ++i;
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return p;
}

std::optional<Class2Report> parse_class2_report(std::string_view line) {
    line = trim(line);
    if (line.size() < 3 || line[0] != '+' || (line[1] != 'F' && line[1] != 'f')) return std::nullopt;
    std::size_t i = 1;
    while (i < line.size() && std::isalnum(static_cast<unsigned char>(line[i]))) ++i;
    Class2Report r;
    for (std::size_t k = 1; k < i; ++k) r.name += static_cast<char>(std::toupper(static_cast<unsigned char>(line[k])));
    if (i == line.size()) return r;
    if (line[i] != ':') return std::nullopt;
    r.value = std::string(trim(line.substr(i + 1)));
    return r;
}

std::optional<std::string> find_report(const std::vector<std::string>& info, std::string_view name) {
    for (const auto& l : info)
        if (auto r = parse_class2_report(l); r && r->name == name) return r->value;
    return std::nullopt;
}

std::string unquote_ident(std::string_view value) {
    value = trim(value);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return std::string(trim(value));
}

Result<int> parse_hangup_status(std::string_view value) { return small_int(value, 16, 0xFF); }

std::string hangup_status_text(int s) {
    // T.32 Table 24, by class of code.
    switch (s) {
    case 0x00: return "normal end of call";
    case 0x01: return "ring detected without a fax handshake";
    case 0x02: return "call aborted from +FKS or CAN";
    case 0x03: return "no loop current (the line dropped)";
    case 0x11: return "no answer (T.30 T1 time-out)";
    default: break;
    }
    if (s >= 0x10 && s < 0x20) return "transmit phase A error";
    if (s >= 0x20 && s < 0x40) return "transmit phase B error";
    if (s >= 0x40 && s < 0x50) return "transmit phase C error";
    if (s >= 0x50 && s < 0x70) return "transmit phase D error";
    if (s >= 0x70 && s < 0x90) return "receive phase B error";
    if (s >= 0x90 && s < 0xA0) return "receive phase C error";
    if (s >= 0xA0 && s < 0xC0) return "receive phase D error";
    return "call ended with status " + std::to_string(s);
}

Result<int> parse_page_status(std::string_view value) {
    const auto comma = value.find(',');
    return small_int(value.substr(0, comma), 10, 5);
}

std::string_view page_response_name(int ppr) {
    switch (ppr) {
    case 1: return "MCF";
    case 2: return "RTN";
    case 3: return "RTP";
    case 4: return "PIN";
    case 5: return "PIP";
    default: return "?";
    }
}

bool page_confirmed(int ppr) { return ppr == 1 || ppr == 3 || ppr == 5; }

char post_page_char(PostPage p) {
    switch (p) {
    case PostPage::Mps: return ',';
    case PostPage::Eom: return ';';
    case PostPage::Eop: return '.';
    }
    return '.';
}

}  // namespace fax::driver
