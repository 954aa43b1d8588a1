#include "json_fields.h"

#include <algorithm>
#include <cctype>

namespace fax::gate::detail {

Result<json> parse_json_text(std::string_view text, std::string_view source) {
    try {
        return json::parse(text.begin(), text.end());
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
            // Key names are schema, not data; quote them (bounded) so typos are obvious.
            std::string shown = k.substr(0, 40);
            for (char& c : shown)
                if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
            return error(shown, "is not a known field");
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
