// Which profile a station modem runs with: the one named in its configuration
// ([[modem]] profile = "usr-5637"), or, with "auto" (the default), the one the probe
// picks from the modem's own answers (ATI, +FMI/+FMM/+FMR) — how a station copes with
// a slow ATZ, numeric result codes, a carrier dropped between pages and the rest
// (docs/usb.md) without a model check in the code.
#pragma once

#include <string>

#include "fax/station/config.h"
#include "fax/base/result.h"
#include "fax/driver/profile.h"
#include "fax/hal/transport.h"

namespace fax::station {

// InvalidInput naming modem.profile if `id` is neither "auto" nor a known profile.
Status check_profile_name(const std::string& id);

// The profile for `modem` on the open transport. "auto": probes (a few seconds; up to
// 20 s for a modem that answers ATZ slowly); a modem that does not answer the probe
// gets the generic profile and a warning (the call will then say what went wrong).
driver::ModemProfile choose_profile(hal::Transport& transport, const ModemConfig& modem);

}  // namespace fax::station
