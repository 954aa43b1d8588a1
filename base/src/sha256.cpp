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
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string to_hex(const unsigned char* d, unsigned n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    s.reserve(n * 2);
    for (unsigned i = 0; i < n; ++i) {
        s.push_back(kHex[d[i] >> 4]);
        s.push_back(kHex[d[i] & 15]);
    }
    return s;
}

class Hasher {
public:
    Hasher() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
    void update(const void* p, std::size_t n) { EVP_DigestUpdate(ctx_.get(), p, n); }
    std::string hex() {
        std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
        unsigned n = 0;
        EVP_DigestFinal_ex(ctx_.get(), md.data(), &n);
        return to_hex(md.data(), n);
    }

private:
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx_;
};

}  // namespace

std::string sha256_hex(std::span<const uint8_t> data) {
    Hasher h;
    h.update(data.data(), data.size());
    return h.hex();
}

std::string sha256_hex(std::string_view data) {
    Hasher h;
    h.update(data.data(), data.size());
    return h.hex();
}

Result<std::string> sha256_file_hex(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) return fail(errno == ENOENT ? Errc::NotFound : Errc::Io, path + ": " + std::strerror(errno));
    Hasher h;
    std::array<char, 65536> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) h.update(buf.data(), n);
    if (std::ferror(f.get())) return fail(Errc::Io, path + ": read error");
    return h.hex();
}

}  // namespace fax
