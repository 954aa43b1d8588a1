// Bounded work for every document the station reads (issue #14): a document from a scanner,
// e-mail or another system is hostile input. Every reader (PDF, TIFF, PBM) checks these
// before it allocates or decodes, and a document that exceeds one is refused with
// Errc::InvalidInput and a message naming the limit by its configuration key
// ("exceeds limits.max_page_pixels (50000000)"): is_limit_error() tells such an error apart.
// The station's values come from the [limits] table of faxstack.toml (docs/faxctl.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"

namespace fax::t30 {

struct DocumentLimits {
    // The document file's size on disk.
    uint64_t max_file_bytes = 256ull << 20;
    // Pages in one document (all of them, selected or not; thumbnails do not count).
    int max_pages = 2000;
    // Pixels of one decoded page (a TIFF page at its own resolution, a PDF page at fax
    // resolution): 50 Mpx holds a 600 dpi Legal scan; a 10000 x 100000 page does not.
    uint64_t max_page_pixels = 50'000'000;
    // Pixels of all decoded (selected) pages of one document together: 2 Gpx is about 540
    // fine-resolution Letter pages, 250 MB as bilevel pages in memory.
    uint64_t max_document_pixels = 2'000'000'000;
    // Bytes decompressed from one document: a PDF's Flate streams (all of them, counted by
    // inflating them before poppler reads the file: 512 MiB of zeros take about 1.3 s of
    // CPU), or a TIFF's selected pages at their own sample depth (a 300 dpi grey Letter
    // scan is 8.4 MB, bilevel 1 MB).
    uint64_t max_decompressed_bytes = 512ull << 20;
    // CPU seconds spent on one document (a PDF is rendered in a child process with this
    // RLIMIT_CPU; TIFF and PBM are checked between pages).
    int max_cpu_seconds = 60;
};

// Configuration keys, as named in messages.
inline constexpr std::string_view kLimitFileBytes = "limits.max_file_bytes";
inline constexpr std::string_view kLimitPages = "limits.max_pages";
inline constexpr std::string_view kLimitPagePixels = "limits.max_page_pixels";
inline constexpr std::string_view kLimitDocumentPixels = "limits.max_document_pixels";
inline constexpr std::string_view kLimitDecompressedBytes = "limits.max_decompressed_bytes";
inline constexpr std::string_view kLimitCpuSeconds = "limits.max_cpu_seconds";

// "<what> exceeds <key> (<limit>)": the message text every limit error carries.
std::string limit_text(std::string_view what, std::string_view key, uint64_t limit);
// True for an error produced by a limit (its message carries " exceeds limits.").
bool is_limit_error(const Error& e);

// The pages a reader decoded: the document's page count, and for each wanted page that
// exists (ascending, no repeats) its number (1-based) and image. A wanted page beyond
// page_count is left out; the caller says what is wrong with its selection.
struct DocumentPages {
    int page_count = 0;
    std::vector<int> numbers;
    std::vector<Bitmap> pages;

    // The decoded page `number`, or nullptr.
    Bitmap* find(int number);
};

// The wanted pages in ascending order without repeats; empty `wanted` means every page.
std::vector<int> normalise_selection(const std::vector<int>& wanted);

}  // namespace fax::t30
