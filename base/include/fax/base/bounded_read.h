// Reading a whole input file that someone else supplied (a release request, a directory
// import): only a regular file, never blocking on a FIFO or acting on a device, and never
// more than `max_bytes`. Errors name the file and what is wrong, not its contents.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "fax/base/result.h"

namespace fax {

// `what` names the file in errors ("request" → "<path>: the request is not a regular
// file", "<path>: the request file is larger than N bytes"). NotFound if it does not exist,
// InvalidInput if it is not a regular file or is too large, Io otherwise.
Result<std::string> read_bounded_regular_file(const std::filesystem::path& path, std::size_t max_bytes,
                                              std::string_view what);

}  // namespace fax
