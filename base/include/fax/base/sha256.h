// SHA-256 digests (OpenSSL libcrypto) as lowercase hex: page and file hashes for
// the audit trail, and the integrity check a session makes before dialling.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fax/base/result.h"

namespace fax {

// One SHA-256 context, reusable: a digest is fed in parts (update) and finish() readies
// the context for the next one. One algorithm fetch for its whole life, so a loop over
// many digests (the audit verifier's walk) allocates nothing per digest.
class Sha256 {
public:
    using Digest = std::array<uint8_t, 32>;

    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    // False if libcrypto could not give us SHA-256 (then every digest fails).
    bool ok() const;
    void update(std::span<const uint8_t> data);
    void update(std::string_view data);
    // The digest of everything updated since the last finish(); nullopt if libcrypto failed.
    std::optional<Digest> finish();

    static std::string to_hex(const Digest& d);
    // Whether `hex` is the lowercase hex spelling of `d` (no string built).
    static bool equals_hex(const Digest& d, std::string_view hex);

private:
    struct State;
    std::unique_ptr<State> s_;
};

std::string sha256_hex(std::span<const uint8_t> data);
std::string sha256_hex(std::string_view data);
Result<std::string> sha256_file_hex(const std::string& path);

}  // namespace fax
