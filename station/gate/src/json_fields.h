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
// message quotes the text around the error).
Result<json> parse_json_text(std::string_view text, std::string_view source);

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
