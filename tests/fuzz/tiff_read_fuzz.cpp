// Page preparation from TIFF: any file is read into well-formed pages or refused with an
// error naming the file; small pages are also normalised to the fax line.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fax/t30/page_prep.h"
#include "fax/t30/tiff_io.h"
#include "fuzz_target.h"

FAX_FUZZ_TARGET(tiff_read) {
    // libtiff reads files: one scratch file per process, rewritten for every input.
    static const std::string path = "/tmp/fax-fuzz-tiff-" + std::to_string(::getpid()) + ".tif";
    {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
    }
    auto pages = fax::t30::read_tiff(path);
    std::remove(path.c_str());
    if (!pages.ok()) {
        FAX_FUZZ_CHECK(pages.error().message.find(path) != std::string::npos);
        return;
    }
    for (const auto& p : *pages) {
        FAX_FUZZ_CHECK(p.well_formed());
        if (static_cast<long long>(p.width) * p.height > 4'000'000) continue;  // keep iterations fast
        auto n = fax::t30::normalise_page(p);
        if (n.ok()) {
            FAX_FUZZ_CHECK(n->well_formed());
            FAX_FUZZ_CHECK(n->width == fax::t30::kFaxWidth);
        }
    }
}
