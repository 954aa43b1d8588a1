#include "fax/gate/document_io.h"
#include "fax/t30/document_reader.h"
#include "fax/t30/page_prep.h"
#include "fax/t30/tiff_io.h"

#include <utility>

namespace fax::gate {
namespace {

// The page library names the file in its errors; document paths often carry a
// patient's name or record number, so the gate replaces the path before the message
// goes anywhere.
// libtiff names the file as it was opened, but a message may also carry just the
// file name (its module names vary): both go.
Error scrub(Error e, const std::filesystem::path& path) {
    const std::string forms[] = {path.string(), path.filename().string()};
    for (const std::string& form : forms) {
        if (form.size() < 3) continue;  // too short to identify anyone; replacing would garble the text
        for (std::size_t pos = 0; (pos = e.message.find(form, pos)) != std::string::npos;) {
            e.message.replace(pos, form.size(), "document");
            pos += 8;
        }
    }
    return e;
}

class PageDocumentIo final : public DocumentIo {
public:
    Result<std::vector<t30::Bitmap>> read_pages(const std::filesystem::path& path) override {
        // PDF, TIFF of any compression and colour, or PBM, decided by content.
        auto pages = t30::read_document(path.string());
        if (!pages) return fail(scrub(pages.take_error(), path));
        return pages;
    }

    Result<t30::Bitmap> normalise(const t30::Bitmap& page) override { return t30::normalise_page(page); }

    Result<t30::Bitmap> normalise_owned(t30::Bitmap&& page) override { return t30::normalise_page(std::move(page)); }

    Status write_fax_tiff(const std::filesystem::path& path, const std::vector<t30::Bitmap>& pages) override {
        return t30::write_fax_tiff(path.string(), pages);
    }
};

}  // namespace

std::unique_ptr<DocumentIo> make_page_document_io() { return std::make_unique<PageDocumentIo>(); }

}  // namespace fax::gate
