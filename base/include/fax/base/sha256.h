// SHA-256 digests (OpenSSL libcrypto) as lowercase hex: page and file hashes for
// the audit trail, and the integrity check a session makes before dialling.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fax/base/result.h"

namespace fax {

std::string sha256_hex(std::span<const uint8_t> data);
std::string sha256_hex(std::string_view data);
Result<std::string> sha256_file_hex(const std::string& path);

}  // namespace fax
