// Document input as the gate reads it (PDF through poppler in its bounded child, any TIFF,
// PBM), under tight DocumentLimits: any file gives well-formed pages within the limits
// (only the selected ones) or an error that names the file. scripts/fuzz.sh runs it with
// -rss_limit_mb=512, so a reader that allocates before it checks is a finding; the seeds
// include the hostile shapes of issue #14 in small (a huge TIFF directory, a tall PDF page
// box, a PBM header declaring gigabytes, a PDF whose pages share a zero stream).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fax/t30/document_reader.h"
#include "fuzz_target.h"

FAX_FUZZ_TARGET(document_read) {
    static const std::string path = "/tmp/fax-fuzz-doc-" + std::to_string(::getpid());
    {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
    }
    fax::t30::DocumentLimits limits;
    limits.max_file_bytes = 1 << 20;
    limits.max_pages = 50;
    limits.max_page_pixels = 4'500'000;
    limits.max_document_pixels = 12'000'000;
    limits.max_decompressed_bytes = 4 << 20;
    limits.max_cpu_seconds = 2;
    // Every page, or pages 2 and 1 (the last byte decides): both paths of the selection.
    const bool all = input.empty() || (input.back() & 1) != 0;
    const std::vector<int> wanted = all ? std::vector<int>{} : std::vector<int>{2, 1};
    auto doc = fax::t30::read_document_pages(path, wanted, limits);
    std::remove(path.c_str());
    if (!doc.ok()) {
        FAX_FUZZ_CHECK(doc.error().message.find(path) != std::string::npos);
        return;
    }
    FAX_FUZZ_CHECK(doc->page_count >= 1 && doc->page_count <= limits.max_pages);
    FAX_FUZZ_CHECK(doc->numbers.size() == doc->pages.size());
    if (all) FAX_FUZZ_CHECK(doc->pages.size() == static_cast<std::size_t>(doc->page_count));
    else FAX_FUZZ_CHECK(doc->pages.size() <= 2);
    uint64_t pixels = 0;
    for (std::size_t i = 0; i < doc->pages.size(); ++i) {
        const auto& p = doc->pages[i];
        FAX_FUZZ_CHECK(p.well_formed());
        FAX_FUZZ_CHECK(doc->numbers[i] >= 1 && doc->numbers[i] <= doc->page_count);
        FAX_FUZZ_CHECK(all || doc->numbers[i] <= 2);
        pixels += static_cast<uint64_t>(p.width) * static_cast<uint64_t>(p.height);
    }
    FAX_FUZZ_CHECK(pixels <= limits.max_document_pixels);
}
