// Page selections written like a print dialog: "1-3,5". Pages are 1-based; the
// selection is kept sorted and without duplicates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"

namespace fax::gate {

inline constexpr int kMaxPageNumber = 9999;

// Parses "1-3,5", "2", " 4 - 6 , 8". Rejects empty text, "3-", "0", "5-3", overlapping
// or repeated pages and numbers above kMaxPageNumber. The error message says what is
// wrong and never quotes the selection text (whatever was typed into the field, which
// may be a record number): "not a page range (expected e.g. 1-3,5)".
Result<std::vector<int>> parse_page_selection(std::string_view text);

// Inverse of parse: {1,2,3,5} -> "1-3,5".
std::string format_page_selection(const std::vector<int>& pages);

}  // namespace fax::gate
