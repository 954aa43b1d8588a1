// The audit trail's signing key: Ed25519 through OpenSSL's EVP API.
//
// The station signs checkpoints of the chain head (AuditLog) with a private key that
// lives in the data directory, readable only by the station's service user: created at
// the first start with mode 0600 (O_CREAT|O_EXCL|O_NOFOLLOW, written to a private
// temporary file and linked into place, so a second process starting at the same moment
// reads a complete key or makes none). The public key is stored beside it, so a verifier
// that cannot read the private key can still check signatures (docs/policy.md, "Signed
// checkpoints" and "Threat model").
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fax/base/result.h"

namespace fax::gate {

// A public key that verifies checkpoint signatures.
class AuditVerifyKey {
public:
    // From 64 hex digits (the raw 32-byte Ed25519 public key).
    static Result<AuditVerifyKey> from_hex(std::string_view hex);
    // The public key file written beside the private key (one line of 64 hex digits).
    static Result<AuditVerifyKey> load(const std::filesystem::path& pub_file);

    std::string hex() const;          // the raw public key, lower-case hex
    std::string fingerprint() const;  // "SHA256:" + first 32 hex digits of sha256(raw key)
    bool verify(std::string_view message, std::string_view signature_hex) const;

    bool operator==(const AuditVerifyKey& o) const { return raw_ == o.raw_; }

private:
    std::array<uint8_t, 32> raw_{};
};

class AuditSigningKey {
public:
    // <data_dir>/audit-signing.key and .pub: loads the key, or creates both if there is
    // no key yet. Refuses a key file that is not a regular file owned by this user with
    // mode 0600 (or stricter), or one reached through a symlink.
    // `created` (if given) says whether this call made the key.
    static Result<AuditSigningKey> load_or_create(const std::filesystem::path& key_file, bool* created = nullptr);
    // Loads only; NotFound if there is none.
    static Result<AuditSigningKey> load(const std::filesystem::path& key_file);
    // A fresh key held in memory only (tests).
    static Result<AuditSigningKey> generate();

    AuditSigningKey(AuditSigningKey&&) noexcept;
    AuditSigningKey& operator=(AuditSigningKey&&) noexcept;
    ~AuditSigningKey();

    const AuditVerifyKey& public_key() const { return public_; }
    // The Ed25519 signature of `message`, 128 hex digits.
    Result<std::string> sign(std::string_view message) const;

private:
    struct Impl;
    explicit AuditSigningKey(std::unique_ptr<Impl> impl, AuditVerifyKey pub);
    std::unique_ptr<Impl> impl_;
    AuditVerifyKey public_;
};

// The files beside the audit database.
inline std::filesystem::path audit_key_file(const std::filesystem::path& data_dir) {
    return data_dir / "audit-signing.key";
}
inline std::filesystem::path audit_public_key_file(const std::filesystem::path& key_file) {
    auto p = key_file;
    p += ".pub";
    return p;
}

}  // namespace fax::gate
