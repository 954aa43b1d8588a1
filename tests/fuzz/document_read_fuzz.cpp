// Document input as the gate reads it (PDF through poppler, any TIFF, PBM): any file gives
// well-formed fax-width-or-narrower pages or an error that names the file.
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
    auto pages = fax::t30::read_document(path);
    std::remove(path.c_str());
    if (!pages.ok()) {
        FAX_FUZZ_CHECK(pages.error().message.find(path) != std::string::npos);
        return;
    }
    FAX_FUZZ_CHECK(!pages->empty());
    for (const auto& p : *pages) FAX_FUZZ_CHECK(p.well_formed());
}
