// Portable bitmap (PBM) files: the format the ITU-T T.24 test charts are kept in.
#pragma once

#include <string>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"

namespace fax::t30 {

// Reads a P4 (raw) or P1 (plain) PBM. PBM carries no resolution, so the caller states it;
// the default is fax R8 x fine (204 x 196 dpi), right for the 1728-wide T.24 charts.
// Errors: NotFound (no such file), Io, InvalidInput "FILE: <reason>".
Result<Bitmap> read_pbm(const std::string& path);
Result<Bitmap> read_pbm(const std::string& path, double xres_dpi, double yres_dpi);

// Writes a P4 PBM (the resolution is lost).
Status write_pbm(const std::string& path, const Bitmap& page);

}  // namespace fax::t30
