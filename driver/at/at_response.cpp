#include "fax/driver/at_response.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace fax::driver {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return upper(x) == upper(y); });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

struct Code {
    std::string_view text;
    AtResult result;
};

// V.250 Table 1 result codes (verbose and numeric forms), plus T.31's +FCERROR (+F4).
// "NO DIAL TONE" is how some modems spell NO DIALTONE.
constexpr Code kCodes[] = {
    {"OK", AtResult::Ok},
    {"RING", AtResult::Ring},
    {"NO CARRIER", AtResult::NoCarrier},
    {"ERROR", AtResult::Error},
    {"NO DIALTONE", AtResult::NoDialtone},
    {"NO DIAL TONE", AtResult::NoDialtone},
    {"BUSY", AtResult::Busy},
    {"NO ANSWER", AtResult::NoAnswer},
    {"+FCERROR", AtResult::FcError},
    {"0", AtResult::Ok},
    {"1", AtResult::Connect},
    {"2", AtResult::Ring},
    {"3", AtResult::NoCarrier},
    {"4", AtResult::Error},
    {"6", AtResult::NoDialtone},
    {"7", AtResult::Busy},
    {"8", AtResult::NoAnswer},
    {"+F4", AtResult::FcError},
};

// ---- capability lists ----
// The range syntax of V.250 test-command ("=?") replies: items separated by commas, an item is a
// value or "lo-hi", and a group of items may be parenthesised. Groups are
// flattened in order.

// Caps the expansion of "lo-hi" so a corrupted reply cannot allocate gigabytes.
constexpr int kMaxRangeSpan = 1024;

Unexpected garbage(std::string_view reply, std::string_view why) {
    return fail(Errc::InvalidInput, "unparsable modem list \"" + std::string(reply) + "\": " + std::string(why));
}

// Removes an optional "+FTM:"-style prefix.
Result<std::string_view> strip_prefix(std::string_view reply) {
    std::string_view s = trim(reply);
    if (!s.empty() && s.front() == '+') {
        const auto colon = s.find(':');
        if (colon == std::string_view::npos) return garbage(reply, "a '+' prefix without ':'");
        s = trim(s.substr(colon + 1));
    }
    if (s.empty()) return garbage(reply, "empty list");
    return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

class ListParser {
public:
    ListParser(std::string_view reply, std::string_view body, bool allow_decimal)
        : reply_(reply), s_(body), allow_decimal_(allow_decimal) {}

    Result<std::vector<std::string>> run() {
        std::vector<std::string> out;
        for (;;) {
            skip_ws();
            if (peek() == '(') {
                ++pos_;
                skip_ws();
                if (peek() != ')') {  // "()" is an empty group
                    for (;;) {
                        FAX_TRY(item(out));
                        skip_ws();
                        if (peek() == ',') {
                            ++pos_;
                            continue;
                        }
                        break;
                    }
                }
                if (peek() != ')') return garbage(reply_, "unbalanced '('");
                ++pos_;
            } else {
                FAX_TRY(item(out));
            }
            skip_ws();
            if (pos_ == s_.size()) break;
            if (peek() != ',') return garbage(reply_, std::string("unexpected '") + peek() + "'");
            ++pos_;
        }
        if (out.empty()) return garbage(reply_, "no values");
        return out;
    }

private:
    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    void skip_ws() {
        while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
    }

    // A value: digits, optionally ".digits" when decimals are allowed ("2.0").
    Result<std::string_view> value() {
        const std::size_t start = pos_;
        while (is_digit(peek())) ++pos_;
        if (pos_ == start) return garbage(reply_, "expected a number");
        if (allow_decimal_ && peek() == '.') {
            ++pos_;
            const std::size_t frac = pos_;
            while (is_digit(peek())) ++pos_;
            if (pos_ == frac) return garbage(reply_, "expected digits after '.'");
        }
        return s_.substr(start, pos_ - start);
    }

    static std::optional<int> to_int(std::string_view v) {
        int n = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;
        return n;
    }

    Status item(std::vector<std::string>& out) {
        skip_ws();
        auto lo = value();
        if (!lo) return fail(lo.take_error());
        skip_ws();
        if (peek() != '-') {
            out.emplace_back(*lo);
            return {};
        }
        ++pos_;
        skip_ws();
        auto hi = value();
        if (!hi) return fail(hi.take_error());
        const auto a = to_int(*lo), b = to_int(*hi);
        if (!a || !b) return garbage(reply_, "a range needs integer bounds");
        if (*a > *b) return garbage(reply_, "descending range");
        if (*b - *a >= kMaxRangeSpan) return garbage(reply_, "range too large");
        for (int v = *a; v <= *b; ++v) out.push_back(std::to_string(v));
        return {};
    }

    std::string_view reply_;
    std::string_view s_;
    bool allow_decimal_;
    std::size_t pos_ = 0;
};

}  // namespace

std::optional<AtResult> parse_result_code(std::string_view line) {
    const std::string_view s = trim(line);
    // CONNECT may carry a rate or protocol suffix ("CONNECT 14400", "CONNECT 9600/ARQ").
    if (istarts_with(s, "CONNECT")) {
        const std::string_view rest = s.substr(7);
        if (rest.empty() || rest.front() == ' ' || rest.front() == '/' || is_digit(rest.front())) return AtResult::Connect;
        return std::nullopt;
    }
    for (const auto& c : kCodes)
        if (iequals(s, c.text)) return c.result;
    return std::nullopt;
}

std::optional<AtResult> parse_result_code(std::string_view line, ResultForm form) {
    const auto r = parse_result_code(line);
    if (!r || form == ResultForm::Either) return r;
    const std::string_view s = trim(line);
    // Numeric forms are digits (and T.31's "+F4"); everything else is verbose.
    const bool numeric = !s.empty() && (is_digit(s.front()) || iequals(s, "+F4"));
    if (numeric != (form == ResultForm::Numeric)) return std::nullopt;
    return r;
}

std::string describe_line(std::string_view line) {
    constexpr std::size_t kMax = 32;
    std::string out;
    for (std::size_t i = 0; i < line.size() && i < kMax; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    if (line.size() > kMax) out += "...";
    return out;
}

bool is_garbled(std::string_view line) {
    // The T.31/T.32 control characters can stray into command mode (a DLE ETX after an
    // aborted receive, XON/XOFF, DC2, CAN): they are no sign of a broken modem.
    auto protocol_control = [](unsigned char c) {
        return c == '\t' || c == 0x10 || c == 0x03 || c == 0x1A || c == 0x18 || c == 0x12 || c == 0x11 || c == 0x13;
    };
    std::size_t odd = 0, counted = 0;
    for (const char ch : line) {
        const auto c = static_cast<unsigned char>(ch);
        if (protocol_control(c)) continue;
        ++counted;
        if (c < 0x20 || c >= 0x7F) ++odd;
    }
    return odd > 0 && odd * 4 >= counted;
}

std::string_view to_string(AtResult r) {
    switch (r) {
    case AtResult::Ok: return "OK";
    case AtResult::Connect: return "CONNECT";
    case AtResult::Ring: return "RING";
    case AtResult::NoCarrier: return "NO CARRIER";
    case AtResult::Error: return "ERROR";
    case AtResult::NoDialtone: return "NO DIALTONE";
    case AtResult::Busy: return "BUSY";
    case AtResult::NoAnswer: return "NO ANSWER";
    case AtResult::FcError: return "+FCERROR";
    }
    return "?";
}

bool is_final(AtResult r) { return r != AtResult::Ring; }

Error to_error(AtResult r, std::string_view command) {
    const std::string cmd(trim(command));
    const std::string answered = cmd + " answered " + std::string(to_string(r));
    switch (r) {
    case AtResult::NoCarrier: return make_error(Errc::NoCarrier, answered);
    case AtResult::Busy: return make_error(Errc::LineBusy, answered);
    case AtResult::NoDialtone: return make_error(Errc::NoDialtone, answered);
    case AtResult::NoAnswer: return make_error(Errc::NoAnswer, answered);
    case AtResult::Error:
    case AtResult::FcError: return make_error(Errc::ModemError, answered);
    case AtResult::Ok:
    case AtResult::Connect:
    case AtResult::Ring: break;
    }
    return make_error(Errc::Protocol, "unexpected " + std::string(to_string(r)) + " in answer to " + cmd);
}

void AtLineReader::feed(std::span<const uint8_t> bytes) {
    for (const uint8_t b : bytes) {
        if (b == 0) continue;  // some modems pad with NULs after a reset
        if (b == '\r' || b == '\n') {
            if (discarding_)
                discarding_ = false;
            else
                finish_line();
            continue;
        }
        if (discarding_) continue;
        if (partial_.size() == kMaxLine) {
            // Deliver what we have so the caller sees *something* of a runaway
            // line (binary data read in command mode), and drop the rest of it
            // rather than let a fragment be taken for a result code.
            finish_line();
            ++overlong_;
            discarding_ = true;
            continue;
        }
        partial_.push_back(static_cast<char>(b));
    }
}

void AtLineReader::finish_line() {
    while (!partial_.empty() && (partial_.back() == ' ' || partial_.back() == '\t')) partial_.pop_back();
    if (!partial_.empty()) lines_.push_back(std::move(partial_));
    partial_.clear();
}

std::optional<std::string> AtLineReader::next() {
    if (lines_.empty()) return std::nullopt;
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    return line;
}

void AtLineReader::clear() {
    lines_.clear();
    partial_.clear();
    discarding_ = false;
}

bool is_echo(std::string_view line, std::string_view command) {
    const std::string_view c = trim(command);
    return !c.empty() && iequals(trim(line), c);
}

Result<std::vector<int>> parse_int_list(std::string_view reply) {
    auto body = strip_prefix(reply);
    if (!body) return fail(body.take_error());
    auto items = ListParser(reply, *body, false).run();
    if (!items) return fail(items.take_error());
    std::vector<int> out;
    out.reserve(items->size());
    for (const auto& s : *items) {
        int n = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc{} || end != s.data() + s.size()) return garbage(reply, "number out of range");
        out.push_back(n);
    }
    return out;
}

Result<std::vector<std::string>> parse_class_list(std::string_view reply) {
    auto body = strip_prefix(reply);
    if (!body) return fail(body.take_error());
    return ListParser(reply, *body, true).run();
}

}  // namespace fax::driver
