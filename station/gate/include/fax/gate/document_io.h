// How the gate reads documents and writes the fax file: a small interface so the
// gate's tests can run on in-memory pages; the default implementation is the page
// library (t30/ fax_page: TIFF and PBM in, normalised fine-resolution fax TIFF out).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"
#include "fax/t30/document_limits.h"

namespace fax::gate {

class DocumentIo {
public:
    virtual ~DocumentIo() = default;
    // All pages of a document. Error messages must not quote the path (paths of
    // scanned records often carry names or record numbers).
    virtual Result<std::vector<t30::Bitmap>> read_pages(const std::filesystem::path& path) = 0;
    // The selected pages of a document the station was handed (1-based, repeats allowed),
    // under the station's DocumentLimits: pages that are not selected are never decoded.
    // The result has the document's page count and each selected page that exists; a
    // limit's error names the limit (t30::is_limit_error). Default: read_pages() and pick.
    virtual Result<t30::DocumentPages> read_selected(const std::filesystem::path& path, const std::vector<int>& pages);
    // Scales/pads one page to the fax line (1728 pixels) at fine resolution.
    virtual Result<t30::Bitmap> normalise(const t30::Bitmap& page) = 0;
    // The same result as normalise(page), for a page the caller is done with: an
    // implementation may reuse its buffer (the page library's moves an already-normal
    // page instead of copying it). Default: normalise(page).
    virtual Result<t30::Bitmap> normalise_owned(t30::Bitmap&& page) { return normalise(page); }
    virtual Status write_fax_tiff(const std::filesystem::path& path, const std::vector<t30::Bitmap>& pages) = 0;
};

// The page library's implementation. read_selected() applies `limits`; read_pages() reads
// the station's own spooled fax files (any page count, the other limits as given).
std::unique_ptr<DocumentIo> make_page_document_io(const t30::DocumentLimits& limits = {});

}  // namespace fax::gate
