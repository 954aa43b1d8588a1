// Printer: what faxctl says on stdout, either as text for a person or, with --json,
// as one JSON object per line for a program. Each call site hands in both forms, so
// the two can never drift apart in content. Nothing here knows the member reference:
// callers never pass it (the audit export writes its own file or stream).
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fax/base/error.h"

namespace fax::faxctl {

// `text` as a terminal may show it: control characters (C0, DEL) and bytes that are not
// UTF-8 as \xNN, C1 controls (U+0080..U+009F; U+009B is a terminal's CSI) as \u00NN, a
// backslash as \\ (so an escape in the output is always one). Everything else as it is.
// For every name faxctl prints in text form that came from the directory, a request or
// a remote fax machine (organisation, person, attention, station ids, event details).
std::string printable(std::string_view text);

class Printer {
public:
    explicit Printer(bool json, std::FILE* out = stdout, std::FILE* err = stderr)
        : json_(json), out_(out), err_(err) {}

    bool json() const { return json_; }

    // One record: `j` (with an "event" key) in JSON mode, `text` otherwise.
    void emit(const nlohmann::json& j, std::string_view text) const;
    // Text-only output (headings, listings); ignored in JSON mode.
    void text(std::string_view text) const;
    // An error for a person on stderr ("faxctl: ..."); in JSON mode also an
    // {"event":"error"} record on stdout so a program sees why it ended.
    void error(const Error& e) const;
    void error(std::string_view message) const;

private:
    bool json_;
    std::FILE* out_;
    std::FILE* err_;
};

}  // namespace fax::faxctl
