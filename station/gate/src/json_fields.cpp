#include "json_fields.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace fax::gate::detail {

namespace {

// Thrown out of the parser callback at the first key an object repeats.
struct DuplicateKey {
    std::string path;
};

// Follows the parser through nested objects and arrays, with the path of each, and
// stops at a key that the enclosing object already has (nlohmann keeps the last one).
class DuplicateKeyCheck {
public:
    bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start: enter(false); break;
        case json::parse_event_t::array_start: enter(true); break;
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            if (!frames_.empty()) frames_.pop_back();
            break;
        case json::parse_event_t::key: {
            Frame& f = frames_.back();
            f.key = parsed.get<std::string>();
            if (!f.keys.insert(f.key).second) throw DuplicateKey{join(f.path, shown_key(f.key))};
            break;
        }
        case json::parse_event_t::value:
            if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
            break;
        }
        return true;
    }

private:
    struct Frame {
        bool is_array = false;
        std::string path;
        std::set<std::string> keys;
        std::string key;        // objects: the key being read
        std::size_t index = 0;  // arrays: the element being read
    };

    static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }

    void enter(bool is_array) {
        std::string path;
        if (!frames_.empty()) {
            Frame& parent = frames_.back();
            path = parent.is_array ? parent.path + "[" + std::to_string(parent.index++) + "]"
                                   : join(parent.path, shown_key(parent.key));
        }
        frames_.push_back(Frame{is_array, std::move(path), {}, {}, 0});
    }

    std::vector<Frame> frames_;
};

}  // namespace

std::string shown_key(std::string_view key) {
    const bool field_like = !key.empty() && key.size() <= 40 && key.front() >= 'a' && key.front() <= 'z' &&
                            std::all_of(key.begin(), key.end(), [](char c) {
                                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                            });
    return field_like ? std::string(key) : std::string("(a key that is not a field name)");
}

std::optional<std::string> text_problem(std::string_view s, std::size_t max_chars, bool multiline) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return std::string("is not valid UTF-8");
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc >> 6) != 2) return std::string("is not valid UTF-8");
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
        static constexpr char32_t kMinOf[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMinOf[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return std::string("is not valid UTF-8");
        // C0 controls, DEL and C1 controls (0x9B is a terminal's CSI) reach terminals
        // and printed pages as they are; a line break only where text has paragraphs.
        const bool line_break = multiline && (cp == U'\n' || cp == U'\r' || cp == U'\t');
        if (!line_break && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)))
            return std::string("contains a control character (not allowed)");
        ++chars;
        i += len;
    }
    if (chars > max_chars) return "is longer than " + std::to_string(max_chars) + " characters";
    return std::nullopt;
}

Result<json> parse_json_text(std::string_view text, std::string_view source) {
    try {
        return json::parse(text.begin(), text.end(), DuplicateKeyCheck{});
    } catch (const DuplicateKey& d) {
        return fail(Errc::InvalidInput, std::string(source) + ": " + d.path +
                                            ": appears twice (each key may be given once)");
    } catch (const json::parse_error& e) {
        // Line/column of the failing byte; the exception text itself quotes content.
        std::size_t line = 1;
        std::size_t col = 1;
        const std::size_t end = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
        for (std::size_t i = 0; i < end; ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        return fail(Errc::InvalidInput, std::string(source) + ": not valid JSON (syntax error at line " +
                                            std::to_string(line) + ", column " + std::to_string(col) + ")");
    } catch (const json::exception&) {
        // nlohmann throws out_of_range (406) for a number literal that overflows a double,
        // e.g. 1E400; found by fuzz_request_json. Its text quotes the literal: not repeated.
        return fail(Errc::InvalidInput, std::string(source) + ": not valid JSON (a number is out of range)");
    }
}

std::string Fields::child_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::string Fields::index_path(std::size_t i) const { return path_ + "[" + std::to_string(i) + "]"; }

Unexpected Fields::error(std::string_view key, std::string_view problem) const {
    return fail(Errc::InvalidInput, source_ + ": " + child_path(key) + ": " + std::string(problem));
}

Unexpected Fields::error_here(std::string_view problem) const {
    return fail(Errc::InvalidInput,
                source_ + ": " + (path_.empty() ? std::string("(top level)") : path_) + ": " + std::string(problem));
}

Status Fields::expect_object() const {
    if (!v_.is_object()) return error_here("must be an object");
    return {};
}

bool Fields::has(std::string_view key) const { return v_.is_object() && v_.contains(key); }

Status Fields::only_keys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [k, unused] : v_.items()) {
        (void)unused;
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
            // Key names are schema, not data: one that looks like a field name is shown
            // so that typos are obvious; anything else may be data and is not echoed.
            return error(shown_key(k), "is not a known field");
        }
    }
    return {};
}

Result<std::string> Fields::required_string(std::string_view key, bool allow_blank) const {
    if (!has(key)) return error(key, "is required");
    const json& x = v_.at(std::string(key));
    if (!x.is_string()) return error(key, "must be a string");
    std::string s = x.get<std::string>();
    if (!allow_blank && std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
        return error(key, "must not be empty");
    return s;
}

Result<std::string> Fields::optional_string(std::string_view key) const {
    if (!has(key)) return std::string();
    const json& x = v_.at(std::string(key));
    if (!x.is_string()) return error(key, "must be a string");
    return x.get<std::string>();
}

Result<std::optional<std::string>> Fields::maybe_string(std::string_view key) const {
    if (!has(key)) return std::optional<std::string>();
    const json& x = v_.at(std::string(key));
    if (x.is_null()) return std::optional<std::string>();
    if (!x.is_string()) return error(key, "must be a string");
    return std::optional<std::string>(x.get<std::string>());
}

Result<std::vector<std::string>> Fields::string_list(std::string_view key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    const json& x = v_.at(std::string(key));
    if (!x.is_array()) return error(key, "must be a list of strings");
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!x[i].is_string())
            return fail(Errc::InvalidInput,
                        source_ + ": " + child_path(key) + "[" + std::to_string(i) + "]: must be a string");
        out.push_back(x[i].get<std::string>());
    }
    return out;
}

Result<std::string> Fields::required_text(std::string_view key, std::size_t max_chars) const {
    auto s = required_string(key);
    if (!s) return s;
    if (auto problem = text_problem(*s, max_chars, false)) return error(key, *problem);
    return s;
}

Result<std::string> Fields::optional_text(std::string_view key, std::size_t max_chars, bool multiline) const {
    auto s = optional_string(key);
    if (!s) return s;
    if (auto problem = text_problem(*s, max_chars, multiline)) return error(key, *problem);
    return s;
}

Result<std::optional<long long>> Fields::maybe_integer(std::string_view key, long long lo, long long hi) const {
    if (!has(key)) return std::optional<long long>();
    const json& x = v_.at(std::string(key));
    if (!x.is_number_integer()) return error(key, "must be a whole number");
    const long long n = x.get<long long>();
    if (n < lo || n > hi)
        return error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return std::optional<long long>(n);
}

Result<std::optional<bool>> Fields::maybe_bool(std::string_view key) const {
    if (!has(key)) return std::optional<bool>();
    const json& x = v_.at(std::string(key));
    if (!x.is_boolean()) return error(key, "must be true or false");
    return std::optional<bool>(x.get<bool>());
}

Result<Fields> Fields::object(std::string_view key) const {
    if (!has(key)) return error(key, "is required");
    const json& x = v_.at(std::string(key));
    if (!x.is_object()) return error(key, "must be an object");
    return Fields(x, source_, child_path(key));
}

Result<std::vector<Fields>> Fields::array(std::string_view key, bool required) const {
    std::vector<Fields> out;
    if (!has(key)) {
        if (required) return error(key, "is required");
        return out;
    }
    const json& x = v_.at(std::string(key));
    if (!x.is_array()) return error(key, "must be a list");
    const std::string p = child_path(key);
    for (std::size_t i = 0; i < x.size(); ++i) out.emplace_back(x[i], source_, p + "[" + std::to_string(i) + "]");
    return out;
}

}  // namespace fax::gate::detail
