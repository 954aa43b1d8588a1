// The ITU-T T.24 test charts the suites send, kept in the repository (testdata/itu/,
// single-page G4 TIFFs at 204 x 196 dpi, lossless). Header-only: suites that read them
// through libtiff themselves (firmware-host, interop) need only the path.
#pragma once

#include <string>

namespace fax::testing {

// testdata/itu/itu<n>.tif, n = 1..8.
inline std::string itu_chart_path(int n) { return std::string(FAX_ITU_DIR) + "/itu" + std::to_string(n) + ".tif"; }

}  // namespace fax::testing
