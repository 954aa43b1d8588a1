// The only file of faxbench that talks to SpanDSP.
#include "encoded_size.h"

#include <array>
#include <memory>

#include "fax/t30/tiff_io.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <tiffio.h>
#include <spandsp.h>
#pragma GCC diagnostic pop

namespace fax::faxbench {
namespace {

struct T4TxFree {
    void operator()(t4_tx_state_t* s) const { t4_tx_free(s); }
};

int spandsp_coding(Coding c) {
    switch (c) {
    case Coding::MH: return T4_COMPRESSION_ITU_T4_1D;
    case Coding::MR: return T4_COMPRESSION_ITU_T4_2D;
    case Coding::MMR: return T4_COMPRESSION_ITU_T6;
    }
    return T4_COMPRESSION_ITU_T4_1D;
}

}  // namespace

std::string_view to_string(Coding c) {
    switch (c) {
    case Coding::MH: return "MH";
    case Coding::MR: return "MR";
    case Coding::MMR: return "MMR";
    }
    return "?";
}

Result<std::size_t> encoded_bytes(const std::string& tiff, int page, Coding coding, int min_bits_per_row) {
    t30::TiffDiagnostics diag;  // libtiff's messages become the error, never stderr
    std::unique_ptr<t4_tx_state_t, T4TxFree> tx(t4_tx_init(nullptr, tiff.c_str(), page, page));
    if (!tx) return fail(Errc::InvalidInput, tiff + ": t4_tx cannot open page " + std::to_string(page + 1) +
                                                 (diag.has_error() ? ": " + diag.errors() : std::string()));
    t4_tx_set_tx_encoding(tx.get(), spandsp_coding(coding));
    t4_tx_set_min_bits_per_row(tx.get(), min_bits_per_row);
    if (t4_tx_start_page(tx.get()) != 0)
        return fail(Errc::InvalidInput, tiff + ": t4_tx cannot start page " + std::to_string(page + 1));
    std::array<uint8_t, 4096> buf{};
    std::size_t total = 0;
    for (;;) {
        const int n = t4_tx_get_chunk(tx.get(), buf.data(), static_cast<int>(buf.size()));
        if (n < 0) return fail(Errc::Internal, "t4_tx_get_chunk failed");
        total += static_cast<std::size_t>(n);
        // A chunk shorter than the buffer is the end of the page (t4_tx.h).
        if (n < static_cast<int>(buf.size())) break;
    }
    t4_tx_end_page(tx.get());
    return total;
}

}  // namespace fax::faxbench
