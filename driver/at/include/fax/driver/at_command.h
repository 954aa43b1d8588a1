// What an AT command line does, as far as the release gate cares: whether it dials.
// Pure (no I/O); used by AtChannel to refuse any command line that would dial without
// a gate::DialPermit.
#pragma once

#include <string>
#include <string_view>

#include "fax/base/result.h"
#include "fax/driver/cleared_release.h"

namespace fax::driver {

// True if the modem would dial (V.250 §6.3.1 D, including DL "dial last number" and a
// D after other commands on the same line, e.g. "ATX3DT5551234" or "AT+FCLASS=1;D555")
// or repeat the previous command line ("A/", V.250 §5.2.4), which may have dialled.
// Basic commands are a letter or "&"+letter with a number; S-parameters are "Sn=v"/"Sn?";
// extended commands (+, #, %, $, *, ^ prefixes) run to ';' or the end, with "..." string
// constants skipped whole. A line that does not start with "AT" (any case) is not a
// command to the modem and does not dial.
bool dials(std::string_view command_line);

// The one dial command line a permit allows: `prefix` (ATD, ATDT or ATDP) + its number.
// Uses the permit up. PolicyRefused for a used permit, InvalidArgument for another prefix.
// Shared by the Class 1 and Class 2.0 engines' dial().
Result<std::string> dial_command(gate::DialPermit&& permit, std::string_view prefix);

}  // namespace fax::driver
