// The ITU-T T.24 charts faxbench sends and prepares: itu1.tif ... itu8.tif (single-page
// G4 TIFFs at 204 x 196 dpi), from --itu-dir. By default the repository's testdata/itu/
// when faxbench runs from a build tree, else the folder the faxstack-sim package installs.
#pragma once

#include <string>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"

namespace fax::faxbench {

std::string default_itu_dir();

// Chart n (1..8) of `itu_dir`. InvalidInput if the file is not one bilevel page.
Result<t30::Bitmap> read_chart(const std::string& itu_dir, int chart);

}  // namespace fax::faxbench
