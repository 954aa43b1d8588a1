// Internal: strict reading of JSON objects for request and policy files. Every error
// names the source and the field path ("req.json: documents[1].pages: ..."); values
// are never quoted (a request carries patient identifiers). Unknown keys are errors.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fax/base/result.h"

namespace fax::gate::detail {

using nlohmann::json;

// Parses text; on a syntax error reports line and column only (the parser's own
// message quotes the text around the error). A key given twice in one object is an
// error naming its path ("req.json: recipient.attention: appears twice ..."), not
// last-one-wins.
Result<json> parse_json_text(std::string_view text, std::string_view source);

// A key as an error may show it: keys that look like field names (a lower-case
// letter, then a-z, 0-9 and '_', at most 40) as they are, anything else as "(a key that is not a field name)" (a key
// can carry data, e.g. a record number typed into the wrong place).
std::string shown_key(std::string_view key);

// What is wrong with a text field, if anything: not valid UTF-8, a control character
// (C0, DEL, C1; tab and line breaks only if `multiline`), more than `max_chars`
// characters (code points). The problem never quotes the text.
std::optional<std::string> text_problem(std::string_view text, std::size_t max_chars, bool multiline);

class Fields {
public:
    Fields(const json& value, std::string source, std::string path)
        : v_(value), source_(std::move(source)), path_(std::move(path)) {}

    const json& value() const { return v_; }
    const std::string& path() const { return path_; }
    std::string child_path(std::string_view key) const;
    std::string index_path(std::size_t i) const;
    Unexpected error(std::string_view key, std::string_view problem) const;
    Unexpected error_here(std::string_view problem) const;

    Status expect_object() const;
    bool has(std::string_view key) const;
    Status only_keys(std::initializer_list<std::string_view> allowed) const;

    Result<std::string> required_string(std::string_view key, bool allow_blank = false) const;
    Result<std::string> optional_string(std::string_view key) const;  // "" if absent
    Result<std::optional<std::string>> maybe_string(std::string_view key) const;
    // As required_string / optional_string, and checked with text_problem().
    Result<std::string> required_text(std::string_view key, std::size_t max_chars) const;
    Result<std::string> optional_text(std::string_view key, std::size_t max_chars, bool multiline = false) const;
    Result<std::vector<std::string>> string_list(std::string_view key) const;  // [] if absent
    Result<std::optional<long long>> maybe_integer(std::string_view key, long long lo, long long hi) const;
    Result<std::optional<bool>> maybe_bool(std::string_view key) const;
    // The member as an object's Fields; error if not an object.
    Result<Fields> object(std::string_view key) const;
    // The member as an array; error if absent (when required) or not an array.
    Result<std::vector<Fields>> array(std::string_view key, bool required) const;

private:
    const json& v_;
    std::string source_;
    std::string path_;
};

}  // namespace fax::gate::detail
