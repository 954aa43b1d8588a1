#include "fax/t30/spandsp/t4_codec.h"

#include <sys/mman.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "c_callbacks.h"
#include "fax/base/unique_fd.h"
#include "fax/t30/spandsp/spandsp.h"
#include "fax/t30/tiff_io.h"

namespace fax::t30::spandsp {

namespace {

struct T4TxFree {
    void operator()(t4_state_t* s) const noexcept { t4_tx_free(s); }
};
struct T4RxFree {
    void operator()(t4_state_t* s) const noexcept { t4_rx_free(s); }
};

int encoding(T4Coding c) {
    switch (c) {
    case T4Coding::MH: return T4_COMPRESSION_ITU_T4_1D;
    case T4Coding::MR: return T4_COMPRESSION_ITU_T4_2D;
    case T4Coding::MMR: return T4_COMPRESSION_ITU_T6;
    }
    return T4_COMPRESSION_ITU_T4_1D;
}

// An anonymous file in memory that libtiff (inside SpanDSP) opens by name: the name is
// /proc/self/fd/N, which reopens the same memory file.
class MemoryFile {
public:
    static Result<MemoryFile> create() {
        UniqueFd fd(::memfd_create("faxstack-page", MFD_CLOEXEC));
        if (!fd) return fail(Errc::Io, std::string("memfd_create: ") + std::strerror(errno));
        return MemoryFile(std::move(fd));
    }
    const std::string& path() const { return path_; }

private:
    explicit MemoryFile(UniqueFd fd) : fd_(std::move(fd)), path_("/proc/self/fd/" + std::to_string(fd_.get())) {}
    UniqueFd fd_;
    std::string path_;
};

}  // namespace

Result<std::vector<uint8_t>> encode_t4(const Bitmap& page, T4Coding coding) {
    if (!page.well_formed()) return fail(Errc::InvalidArgument, "malformed page image");
    auto file = MemoryFile::create();
    if (!file) return fail(file.take_error());
    // Uncompressed: SpanDSP reads it as well as any fax compression, and nothing is
    // encoded twice.
    FAX_TRY(write_fax_tiff(file->path(), {page}, TiffCompression::None));
    TiffDiagnostics diag;  // SpanDSP reports through libtiff's handlers: keep them for the error
    std::unique_ptr<t4_state_t, T4TxFree> tx(t4_tx_init(nullptr, file->path().c_str(), -1, -1));
    if (!tx) return fail(Errc::InvalidInput, "the T.4 encoder refused the page: " + diag.errors());
    t4_tx_set_tx_encoding(tx.get(), encoding(coding));
    t4_tx_set_min_bits_per_row(tx.get(), 0);
    if (t4_tx_start_page(tx.get()) != 0) return fail(Errc::InvalidInput, "the T.4 encoder cannot read the page");
    std::vector<uint8_t> out;
    std::array<uint8_t, 4096> buf{};
    for (;;) {
        const int n = t4_tx_get_chunk(tx.get(), buf.data(), static_cast<int>(buf.size()));
        if (n > 0) out.insert(out.end(), buf.begin(), buf.begin() + n);
        if (n < static_cast<int>(buf.size())) break;
    }
    t4_tx_end_page(tx.get());
    return out;
}

Result<Bitmap> decode_t4(std::span<const uint8_t> data, const T4PageFormat& format) {
    if (format.width <= 0) return fail(Errc::InvalidArgument, "no page width");
    auto file = MemoryFile::create();
    if (!file) return fail(file.take_error());
    std::vector<uint8_t> rows;
    {
        TiffDiagnostics diag;
        std::unique_ptr<t4_state_t, T4RxFree> rx(t4_rx_init(nullptr, file->path().c_str(), T4_COMPRESSION_ITU_T4_2D));
        if (!rx) return fail(Errc::Io, "the T.4 decoder cannot start: " + diag.errors());
        t4_rx_set_row_write_handler(rx.get(), &CCallbacks::t4_row, &rows);
        t4_rx_set_rx_encoding(rx.get(), encoding(format.coding));
        t4_rx_set_image_width(rx.get(), format.width);
        t4_rx_set_x_resolution(rx.get(), T4_X_RESOLUTION_R8);
        t4_rx_set_y_resolution(rx.get(), format.fine ? T4_Y_RESOLUTION_FINE : T4_Y_RESOLUTION_STANDARD);
        if (t4_rx_start_page(rx.get()) != 0) return fail(Errc::Internal, "the T.4 decoder cannot start a page");
        if (!data.empty()) t4_rx_put_chunk(rx.get(), data.data(), static_cast<int>(data.size()));
        if (t4_rx_end_page(rx.get()) != 0) return fail(Errc::InvalidInput, "the page data held no image rows");
    }
    Bitmap page = Bitmap::blank(format.width, 0, 204.0, format.fine ? 196.0 : 98.0);
    const std::size_t stride = page.stride();
    if (rows.empty() || rows.size() % stride != 0) return fail(Errc::InvalidInput, "the page data held no whole rows");
    page.height = static_cast<int>(rows.size() / stride);
    page.bits = std::move(rows);
    return page;
}

}  // namespace fax::t30::spandsp
