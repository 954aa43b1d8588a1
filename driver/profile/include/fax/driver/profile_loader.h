// Reading modem profiles from TOML (format: docs/usb.md "Adding a modem profile").
// Unknown keys are errors, so a typo in a quirk name is reported instead of
// silently ignored.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/driver/profile.h"
#include "fax/hal/discovery.h"

namespace fax::driver {

// Parses one profile. `id` names it (the file stem); `source` is for messages.
// InvalidInput with the offending key or line on any error.
Result<ModemProfile> parse_profile(std::string_view toml_text, const std::string& id, const std::string& source);
Result<ModemProfile> load_profile_file(const std::filesystem::path& path);
// Every *.toml in `dir`, in file-name order. NotFound if `dir` does not exist;
// the first malformed file fails the whole load (a half-loaded set would pick
// the wrong quirks without saying so).
Result<std::vector<ModemProfile>> load_profile_dir(const std::filesystem::path& dir);
// `user` first (so they win ties), then the built-ins whose id is not overridden.
std::vector<ModemProfile> merge_with_builtins(std::vector<ModemProfile> user);

// The VID:PID and vendor layouts of `profiles`, for hal discovery.
std::vector<hal::KnownUsbModel> known_usb_models(std::span<const ModemProfile> profiles);

}  // namespace fax::driver
