#include "fax/gate/document_io.h"
#include "fax/t30/document_limits.h"
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
    explicit PageDocumentIo(const t30::DocumentLimits& limits) : limits_(limits) {}

    Result<std::vector<t30::Bitmap>> read_pages(const std::filesystem::path& path) override {
        // PDF, TIFF of any compression and colour, or PBM, decided by content. A spooled
        // fax file holds every document's selected pages and the cover: no page count limit.
        t30::DocumentLimits spool = limits_;
        spool.max_pages = 0xffff;
        auto pages = t30::read_document_pages(path.string(), {}, spool);
        if (!pages) return fail(scrub(pages.take_error(), path));
        return std::move(pages->pages);
    }

    Result<t30::DocumentPages> read_selected(const std::filesystem::path& path, const std::vector<int>& pages) override {
        auto doc = t30::read_document_pages(path.string(), pages.empty() ? std::vector<int>{0} : pages, limits_);
        if (!doc) return fail(scrub(doc.take_error(), path));
        return doc;
    }

    Result<t30::Bitmap> normalise(const t30::Bitmap& page) override { return t30::normalise_page(page); }

    Result<t30::Bitmap> normalise_owned(t30::Bitmap&& page) override { return t30::normalise_page(std::move(page)); }

    Status write_fax_tiff(const std::filesystem::path& path, const std::vector<t30::Bitmap>& pages) override {
        return t30::write_fax_tiff(path.string(), pages);
    }

private:
    t30::DocumentLimits limits_;
};

}  // namespace

Result<t30::DocumentPages> DocumentIo::read_selected(const std::filesystem::path& path, const std::vector<int>& pages) {
    auto all = read_pages(path);
    if (!all) return fail(all.take_error());
    t30::DocumentPages doc;
    doc.page_count = static_cast<int>(all->size());
    for (int p : t30::normalise_selection(pages)) {
        if (p > doc.page_count) break;
        doc.numbers.push_back(p);
        doc.pages.push_back(std::move((*all)[static_cast<std::size_t>(p - 1)]));
    }
    return doc;
}

std::unique_ptr<DocumentIo> make_page_document_io(const t30::DocumentLimits& limits) {
    return std::make_unique<PageDocumentIo>(limits);
}

}  // namespace fax::gate
