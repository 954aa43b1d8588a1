// Ed25519 keys for the audit trail's checkpoints (OpenSSL EVP; every handle owned by a
// unique_ptr). The key file holds the raw 32-byte private key as 64 hex digits and a
// newline; the .pub file the raw public key the same way.
#include "fax/gate/audit_signing.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <openssl/evp.h>

#include "fax/base/sha256.h"

namespace fax::gate {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// Closes on every path.
struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string to_hex(const uint8_t* p, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        s[2 * i] = kDigits[p[i] >> 4];
        s[2 * i + 1] = kDigits[p[i] & 15];
    }
    return s;
}

bool from_hex(std::string_view hex, uint8_t* out, std::size_t n) {
    if (hex.size() != n * 2) return false;
    auto val = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < n; ++i) {
        const int hi = val(hex[2 * i]), lo = val(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return true;
}

std::string errno_text(int e) { return std::strerror(e); }

// The file's first line (at most 200 bytes), opened without following a symlink; for
// the private key, it must be this user's regular file with no group or other access.
Result<std::string> read_key_line(const std::filesystem::path& p, bool private_key) {
    Fd f(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (f.fd < 0) {
        const int e = errno;
        if (e == ENOENT) return fail(Errc::NotFound, "audit key " + p.string() + ": not found");
        if (e == ELOOP) return fail(Errc::InvalidInput, "audit key " + p.string() + ": is a symbolic link; refused");
        return fail(Errc::Io, "audit key " + p.string() + ": " + errno_text(e));
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return fail(Errc::Io, "audit key " + p.string() + ": " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) return fail(Errc::InvalidInput, "audit key " + p.string() + ": not a regular file");
    if (private_key && (st.st_mode & 077) != 0)
        return fail(Errc::InvalidInput, "audit key " + p.string() +
                                            ": group or others may access it (mode must be 0600); refused");
    if (private_key && st.st_uid != ::geteuid())
        return fail(Errc::InvalidInput, "audit key " + p.string() + ": not owned by this user; refused");
    char buf[200];
    std::size_t got = 0;
    while (got < sizeof buf) {
        const ssize_t n = ::read(f.fd, buf + got, sizeof buf - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(Errc::Io, "audit key " + p.string() + ": " + errno_text(errno));
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    std::string s(buf, got);
    if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    return s;
}

// Writes `text` to a new file: a private temporary (O_CREAT|O_EXCL|O_NOFOLLOW, 0600),
// synced, then linked to `p` (which fails if `p` exists: nothing is replaced).
// False if `p` exists already (another process made it first).
Result<bool> write_new_file(const std::filesystem::path& p, const std::string& text) {
    auto tmp = p;
    tmp += ".tmp." + std::to_string(::getpid());
    ::unlink(tmp.c_str());  // a stale one of ours (same pid after a crash); never followed
    {
        Fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (f.fd < 0) return fail(Errc::Io, "audit key " + tmp.string() + ": " + errno_text(errno));
        std::size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(f.fd, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                const int e = errno;
                ::unlink(tmp.c_str());
                return fail(Errc::Io, "audit key " + tmp.string() + ": " + errno_text(e));
            }
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(f.fd) != 0) {
            const int e = errno;
            ::unlink(tmp.c_str());
            return fail(Errc::Io, "audit key " + tmp.string() + ": " + errno_text(e));
        }
    }
    const int rc = ::link(tmp.c_str(), p.c_str());
    const int e = errno;
    ::unlink(tmp.c_str());
    if (rc != 0) {
        if (e == EEXIST) return false;
        return fail(Errc::Io, "audit key " + p.string() + ": " + errno_text(e));
    }
    return true;
}

Result<AuditVerifyKey> public_of(EVP_PKEY* k) {
    uint8_t raw[32];
    std::size_t n = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1 || n != sizeof raw)
        return fail(Errc::Internal, "audit key: libcrypto did not give the Ed25519 public key");
    return AuditVerifyKey::from_hex(to_hex(raw, n));
}

}  // namespace

// ---- AuditVerifyKey ------------------------------------------------------------------

Result<AuditVerifyKey> AuditVerifyKey::from_hex(std::string_view hex) {
    AuditVerifyKey k;
    if (!fax::gate::from_hex(hex, k.raw_.data(), k.raw_.size()))
        return fail(Errc::InvalidInput, "audit public key: must be 64 lower-case hex digits");
    return k;
}

Result<AuditVerifyKey> AuditVerifyKey::load(const std::filesystem::path& pub_file) {
    auto line = read_key_line(pub_file, false);
    if (!line) return fail(line.take_error());
    auto k = from_hex(*line);
    if (!k) return fail(Errc::InvalidInput, "audit key " + pub_file.string() + ": not an Ed25519 public key");
    return k;
}

std::string AuditVerifyKey::hex() const { return to_hex(raw_.data(), raw_.size()); }

std::string AuditVerifyKey::fingerprint() const {
    return "SHA256:" + sha256_hex(std::string_view(reinterpret_cast<const char*>(raw_.data()), raw_.size())).substr(0, 32);
}

bool AuditVerifyKey::verify(std::string_view message, std::string_view signature_hex) const {
    uint8_t sig[64];
    if (!fax::gate::from_hex(signature_hex, sig, sizeof sig)) return false;
    Pkey k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw_.data(), raw_.size()));
    if (!k) return false;
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1) return false;
    return EVP_DigestVerify(ctx.get(), sig, sizeof sig, reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) == 1;
}

// ---- AuditSigningKey -----------------------------------------------------------------

struct AuditSigningKey::Impl {
    Pkey key;
};

AuditSigningKey::AuditSigningKey(std::unique_ptr<Impl> impl, AuditVerifyKey pub)
    : impl_(std::move(impl)), public_(pub) {}
AuditSigningKey::AuditSigningKey(AuditSigningKey&&) noexcept = default;
AuditSigningKey& AuditSigningKey::operator=(AuditSigningKey&&) noexcept = default;
AuditSigningKey::~AuditSigningKey() = default;

Result<AuditSigningKey> AuditSigningKey::generate() {
    PkeyCtx pctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!pctx || EVP_PKEY_keygen_init(pctx.get()) != 1 || EVP_PKEY_keygen(pctx.get(), &raw) != 1)
        return fail(Errc::Internal, "audit key: libcrypto could not generate an Ed25519 key");
    Pkey key(raw);
    auto pub = public_of(key.get());
    if (!pub) return fail(pub.take_error());
    auto impl = std::make_unique<Impl>();
    impl->key = std::move(key);
    return AuditSigningKey(std::move(impl), *pub);
}

Result<AuditSigningKey> AuditSigningKey::load(const std::filesystem::path& key_file) {
    auto line = read_key_line(key_file, true);
    if (!line) return fail(line.take_error());
    uint8_t seed[32];
    if (!fax::gate::from_hex(*line, seed, sizeof seed))
        return fail(Errc::InvalidInput, "audit key " + key_file.string() + ": not an Ed25519 private key");
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, sizeof seed));
    OPENSSL_cleanse(seed, sizeof seed);
    if (!key) return fail(Errc::InvalidInput, "audit key " + key_file.string() + ": not an Ed25519 private key");
    auto pub = public_of(key.get());
    if (!pub) return fail(pub.take_error());
    auto impl = std::make_unique<Impl>();
    impl->key = std::move(key);
    return AuditSigningKey(std::move(impl), *pub);
}

Result<AuditSigningKey> AuditSigningKey::load_or_create(const std::filesystem::path& key_file, bool* created) {
    if (created != nullptr) *created = false;
    auto existing = load(key_file);
    if (existing || existing.error().code != Errc::NotFound) return existing;
    auto fresh = generate();
    if (!fresh) return fail(fresh.take_error());
    uint8_t seed[32];
    std::size_t n = sizeof seed;
    if (EVP_PKEY_get_raw_private_key(fresh->impl_->key.get(), seed, &n) != 1 || n != sizeof seed)
        return fail(Errc::Internal, "audit key: libcrypto did not give the Ed25519 private key");
    std::string text = to_hex(seed, n) + "\n";
    OPENSSL_cleanse(seed, sizeof seed);
    auto written = write_new_file(key_file, text);
    OPENSSL_cleanse(text.data(), text.size());
    if (!written) return fail(written.take_error());
    if (!*written) return load(key_file);  // another process made it first
    // The public key beside it (a verifier that cannot read the private key uses it).
    const auto pub_file = audit_public_key_file(key_file);
    ::unlink(pub_file.c_str());  // a stale one without its key is not trusted; unlink never follows
    auto pub_written = write_new_file(pub_file, fresh->public_key().hex() + "\n");
    if (!pub_written) return fail(pub_written.take_error());
    if (created != nullptr) *created = true;
    return fresh;
}

Result<std::string> AuditSigningKey::sign(std::string_view message) const {
    MdCtx ctx(EVP_MD_CTX_new());
    uint8_t sig[64];
    std::size_t n = sizeof sig;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig, &n, reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
        n != sizeof sig)
        return fail(Errc::Internal, "audit key: libcrypto could not sign");
    return to_hex(sig, n);
}

}  // namespace fax::gate
