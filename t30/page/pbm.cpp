#include "fax/t30/pbm.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "document_file.h"

namespace fax::t30 {
namespace {

// Pages beyond this are not fax pages (and would make a hostile header allocate gigabytes).
constexpr long kMaxDimension = 100000;

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

Unexpected bad(const std::string& path, const std::string& why) {
    return fail(Errc::InvalidInput, path + ": " + why);
}

// Netpbm header tokens: whitespace-separated, '#' comments to end of line.
class HeaderReader {
public:
    explicit HeaderReader(const std::vector<uint8_t>& data) : d_(data) {}

    void skip_space_and_comments() {
        while (pos_ < d_.size()) {
            const char c = static_cast<char>(d_[pos_]);
            if (c == '#') {
                while (pos_ < d_.size() && d_[pos_] != '\n' && d_[pos_] != '\r') ++pos_;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
                ++pos_;
            } else {
                return;
            }
        }
    }
    // A positive decimal number, or -1.
    long number() {
        skip_space_and_comments();
        long v = 0;
        std::size_t digits = 0;
        while (pos_ < d_.size() && d_[pos_] >= '0' && d_[pos_] <= '9') {
            v = v * 10 + (d_[pos_] - '0');
            ++pos_;
            if (++digits > 9) return -1;
        }
        return digits == 0 ? -1 : v;
    }
    std::size_t pos() const { return pos_; }
    void advance(std::size_t n) { pos_ += n; }

private:
    const std::vector<uint8_t>& d_;
    std::size_t pos_ = 0;
};

}  // namespace

Result<Bitmap> read_pbm(const std::string& path) { return read_pbm(path, 204.0, 196.0); }

Result<Bitmap> read_pbm(const std::string& path, double xres_dpi, double yres_dpi) {
    const DocumentLimits limits;
    auto file = detail::open_document_file(path, limits);
    if (!file) return fail(file.take_error());
    auto doc = detail::read_pbm_pages(file->fd.get(), file->size, path, {}, limits, xres_dpi, yres_dpi);
    if (!doc) return fail(doc.take_error());
    return std::move(doc->pages.front());
}

namespace detail {

Result<DocumentPages> read_pbm_pages(int fd, uint64_t size, const std::string& path, const std::vector<int>& wanted,
                                     const DocumentLimits& limits, double xres_dpi, double yres_dpi) {
    // The whole file, whose size open_document_file() has held to max_file_bytes.
    std::vector<uint8_t> data(static_cast<std::size_t>(size));
    std::size_t have = 0;
    while (have < data.size()) {
        const ssize_t n = ::read(fd, data.data() + have, data.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(Errc::Io, path + ": read error: " + std::strerror(errno));
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
    }
    data.resize(have);

    if (data.size() < 2 || data[0] != 'P' || (data[1] != '4' && data[1] != '1'))
        return bad(path, "not a PBM file (expected P4 or P1 magic)");
    const bool raw = data[1] == '4';

    HeaderReader h(data);
    h.advance(2);
    const long w = h.number();
    const long ht = h.number();
    if (w <= 0 || ht <= 0) return bad(path, "PBM header has no valid width and height");
    if (w > kMaxDimension || ht > kMaxDimension)
        return bad(path, "PBM page " + std::to_string(w) + " x " + std::to_string(ht) + " is too large");
    const uint64_t pixels = static_cast<uint64_t>(w) * static_cast<uint64_t>(ht);
    const std::string geometry = "page 1 of " + std::to_string(w) + " x " + std::to_string(ht) + " pixels";
    if (pixels > limits.max_page_pixels) return bad(path, limit_text(geometry, kLimitPagePixels, limits.max_page_pixels));
    if (pixels > limits.max_document_pixels)
        return bad(path, limit_text(geometry, kLimitDocumentPixels, limits.max_document_pixels));
    const std::size_t stride = (static_cast<std::size_t>(w) + 7) / 8;
    const std::size_t need = stride * static_cast<std::size_t>(ht);
    if (need > limits.max_decompressed_bytes)
        return bad(path, limit_text("a raster of " + std::to_string(need) + " bytes", kLimitDecompressedBytes,
                                    limits.max_decompressed_bytes));

    DocumentPages doc;
    doc.page_count = 1;
    const std::vector<int> want = normalise_selection(wanted);
    if (!wanted.empty() && (want.empty() || want.front() != 1)) return doc;  // page 1 not selected: not decoded

    // The declared raster must be in the file before the page is allocated: a 20-byte
    // header can declare gigabytes.
    if (raw) {
        // Exactly one whitespace byte separates the header from the raster.
        if (h.pos() >= data.size()) return bad(path, "PBM file is truncated (no raster)");
        h.advance(1);
        if (data.size() - h.pos() < need)
            return bad(path, "PBM file is truncated: raster has " + std::to_string(data.size() - h.pos()) +
                                 " of " + std::to_string(need) + " bytes");
    } else if (data.size() - h.pos() < pixels) {
        // One character per pixel at least.
        return bad(path, "PBM file is truncated: the plain raster has fewer characters than the page has pixels");
    }

    Bitmap page = Bitmap::blank(static_cast<int>(w), static_cast<int>(ht), xres_dpi, yres_dpi);
    if (raw) {
        std::memcpy(page.bits.data(), data.data() + h.pos(), need);
        const uint8_t mask = page.last_byte_mask();
        for (int y = 0; y < page.height; ++y) page.row(y)[stride - 1] &= mask;
    } else {
        std::size_t p = h.pos();
        for (int y = 0; y < page.height; ++y) {
            for (int x = 0; x < page.width; ++x) {
                while (p < data.size() && data[p] != '0' && data[p] != '1') {
                    if (data[p] == '#') {
                        while (p < data.size() && data[p] != '\n') ++p;
                    } else if (std::strchr(" \t\r\n\v\f", static_cast<char>(data[p])) != nullptr) {
                        ++p;
                    } else {
                        return bad(path, "PBM (plain) raster has an invalid character at row " + std::to_string(y + 1));
                    }
                }
                if (p >= data.size()) return bad(path, "PBM file is truncated at row " + std::to_string(y + 1));
                if (data[p++] == '1') page.set(x, y, true);
            }
        }
    }
    doc.numbers.push_back(1);
    doc.pages.push_back(std::move(page));
    return doc;
}

}  // namespace detail

Status write_pbm(const std::string& path, const Bitmap& page) {
    if (!page.well_formed()) return fail(Errc::InvalidArgument, path + ": bitmap geometry does not match its buffer");
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
    if (!f) return fail(Errc::Io, path + ": cannot create: " + std::strerror(errno));
    const std::string header = "P4\n" + std::to_string(page.width) + " " + std::to_string(page.height) + "\n";
    bool ok = std::fwrite(header.data(), 1, header.size(), f.get()) == header.size();
    // Clear the padding bits on the way out so the file is canonical even for a sloppy bitmap.
    const std::size_t stride = page.stride();
    std::vector<uint8_t> row(stride);
    for (int y = 0; ok && y < page.height; ++y) {
        std::memcpy(row.data(), page.row(y), stride);
        row[stride - 1] &= page.last_byte_mask();
        ok = std::fwrite(row.data(), 1, stride, f.get()) == stride;
    }
    if (!ok || std::fclose(f.release()) != 0) {
        std::remove(path.c_str());
        return fail(Errc::Io, path + ": write failed: " + std::strerror(errno));
    }
    return {};
}

}  // namespace fax::t30
