#include "fax/base/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace fax {
namespace {

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
#if OPENSSL_VERSION_MAJOR >= 3
struct MdDeleter {
    void operator()(EVP_MD* m) const { EVP_MD_free(m); }
};
#endif
constexpr char kHex[] = "0123456789abcdef";
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

// The failure of any libcrypto call is kept until finish() reports it.
std::string hex_or_empty(const std::optional<Sha256::Digest>& d) { return d ? Sha256::to_hex(*d) : std::string(); }

}  // namespace

struct Sha256::State {
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx{EVP_MD_CTX_new()};
#if OPENSSL_VERSION_MAJOR >= 3
    // Fetched once: EVP_sha256() would make every DigestInit fetch the algorithm again.
    std::unique_ptr<EVP_MD, MdDeleter> fetched{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
    const EVP_MD* md = fetched.get();
#else
    const EVP_MD* md = EVP_sha256();
#endif
    bool started = false;
    bool failed = false;

    void start() {
        if (started) return;
        started = true;
        failed = ctx == nullptr || md == nullptr || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1;
    }
    void feed(const void* p, std::size_t n) {
        start();
        if (!failed && EVP_DigestUpdate(ctx.get(), p, n) != 1) failed = true;
    }
};

Sha256::Sha256() : s_(std::make_unique<State>()) {}
Sha256::~Sha256() = default;
bool Sha256::ok() const { return s_->ctx != nullptr && s_->md != nullptr; }
void Sha256::update(std::span<const uint8_t> data) { s_->feed(data.data(), data.size()); }
void Sha256::update(std::string_view data) { s_->feed(data.data(), data.size()); }

std::optional<Sha256::Digest> Sha256::finish() {
    s_->start();
    Digest d{};
    unsigned n = 0;
    const bool good = !s_->failed && EVP_DigestFinal_ex(s_->ctx.get(), d.data(), &n) == 1 && n == d.size();
    s_->started = false;
    s_->failed = false;
    if (!good) return std::nullopt;
    return d;
}

std::string Sha256::to_hex(const Digest& d) {
    std::string s;
    s.reserve(d.size() * 2);
    for (uint8_t b : d) {
        s.push_back(kHex[b >> 4]);
        s.push_back(kHex[b & 15]);
    }
    return s;
}

bool Sha256::equals_hex(const Digest& d, std::string_view hex) {
    if (hex.size() != d.size() * 2) return false;
    for (std::size_t i = 0; i < d.size(); ++i)
        if (hex[2 * i] != kHex[d[i] >> 4] || hex[2 * i + 1] != kHex[d[i] & 15]) return false;
    return true;
}

std::string sha256_hex(std::span<const uint8_t> data) {
    Sha256 h;
    h.update(data);
    return hex_or_empty(h.finish());
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return hex_or_empty(h.finish());
}

Result<std::string> sha256_file_hex(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) return fail(errno == ENOENT ? Errc::NotFound : Errc::Io, path + ": " + std::strerror(errno));
    Sha256 h;
    std::array<char, 65536> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) h.update(std::string_view(buf.data(), n));
    if (std::ferror(f.get())) return fail(Errc::Io, path + ": read error");
    return hex_or_empty(h.finish());
}

}  // namespace fax
