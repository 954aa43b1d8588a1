// Internal to fax_page: how the readers open a document and read it from an open
// descriptor under DocumentLimits. Not installed; the public interface is
// document_reader.h, tiff_io.h and pbm.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/unique_fd.h"
#include "fax/t30/bitmap.h"
#include "fax/t30/document_limits.h"
#include "fax/t30/grey_image.h"

namespace fax::t30::detail {

// A document file opened for reading, refused before anything can block or be followed:
// lstat first (a FIFO, device, directory or symbolic link is refused without opening it),
// then open(O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC) and fstat (still a regular
// file: it may have been replaced in between), then the size against max_file_bytes.
// Errors name `path`: NotFound, Io, InvalidInput ("not a regular file", a limit).
struct DocumentFile {
    UniqueFd fd;
    uint64_t size = 0;
};
Result<DocumentFile> open_document_file(const std::string& path, const DocumentLimits& limits);

// The pages of a PBM (one page) from an open file of `size` bytes; `name` in errors.
Result<DocumentPages> read_pbm_pages(int fd, uint64_t size, const std::string& name, const std::vector<int>& wanted,
                                     const DocumentLimits& limits, double xres_dpi, double yres_dpi);

// How read_tiff_pages decodes the wanted pages.
enum class TiffDecode {
    Bilevel,  // bilevel pages only: a non-bilevel page is an InvalidInput "is not a bilevel image"
    Grey,     // every page through libtiff's RGBA interface, in grey (to_grey)
    Auto,     // bilevel when every wanted page is bilevel, else grey for every wanted page
};
// Walks the directories (page count and the wanted pages' geometry against the limits,
// nothing decoded), then decodes only the wanted pages, handing each over as it is
// decoded: `on_bilevel` or `on_grey` (which must be set for Grey and Auto).
struct TiffSink {
    std::function<Status(int number, Bitmap&&)> on_bilevel;
    std::function<Status(int number, GreyImage&&)> on_grey;
};
Result<int> read_tiff_pages(int fd, const std::string& name, const std::vector<int>& wanted, const DocumentLimits& limits,
                            TiffDecode mode, const TiffSink& sink);

// CPU time of the calling thread, in seconds, for the between-pages check of max_cpu_seconds.
double thread_cpu_seconds();

}  // namespace fax::t30::detail
