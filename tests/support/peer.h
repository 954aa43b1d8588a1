// The independent programs the interoperability suites talk to (efax, mgetty's sendfax,
// ghostscript, qpdf: scripts/setup.sh's PEERS). They are optional: setup leaves one out
// when installing it would remove an installed package (Debian declares mgetty-fax and
// hylafax-server in conflict), and the tests that need it skip with this reason.
#pragma once

#include <unistd.h>

#include <optional>
#include <string>

namespace fax::testing {

// The skip reason if `program` (an absolute path) is not installed, else nothing.
inline std::optional<std::string> missing_peer(const std::string& program, const std::string& package) {
    if (::access(program.c_str(), X_OK) == 0) return std::nullopt;
    return program + " is not installed (Debian package " + package +
           "; scripts/setup.sh installs it unless that would remove an installed package, and then names the conflict)";
}

}  // namespace fax::testing
