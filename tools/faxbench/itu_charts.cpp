#include "itu_charts.h"

#include <unistd.h>

#include "fax/t30/tiff_io.h"

#ifndef FAXBENCH_SOURCE_ITU_DIR
#error "FAXBENCH_SOURCE_ITU_DIR (the repository's testdata/itu) must be defined"
#endif
#ifndef FAXBENCH_INSTALLED_ITU_DIR
#error "FAXBENCH_INSTALLED_ITU_DIR (where the package installs the charts) must be defined"
#endif

namespace fax::faxbench {

std::string default_itu_dir() {
    // A faxbench built in a source tree uses that tree's charts; an installed one, the
    // package's copy (the source tree it was built from is gone by then).
    if (::access(FAXBENCH_SOURCE_ITU_DIR "/itu1.tif", R_OK) == 0) return FAXBENCH_SOURCE_ITU_DIR;
    return FAXBENCH_INSTALLED_ITU_DIR;
}

Result<t30::Bitmap> read_chart(const std::string& itu_dir, int chart) {
    const std::string path = itu_dir + "/itu" + std::to_string(chart) + ".tif";
    auto pages = t30::read_tiff(path);
    if (!pages) return fail(pages.take_error());
    if (pages->size() != 1u) return fail(Errc::InvalidInput, path + ": a chart is one page, this file has " +
                                                                 std::to_string(pages->size()));
    return std::move(pages->front());
}

}  // namespace fax::faxbench
