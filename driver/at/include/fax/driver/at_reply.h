// AtReply: a modem's whole answer to one command line — the final (or CONNECT) result
// code and the information text before it (V.250 §5.7.1). Both command/response engines
// (AtChannel for Class 1, Class2Channel for Class 2.0) deliver it, and the AT step runner
// (at_step_runner.h) hands it to each step's handler.
#pragma once

#include <string>
#include <vector>

#include "fax/driver/at_response.h"

namespace fax::driver {

struct AtReply {
    AtResult result = AtResult::Ok;
    std::string line;               // the result line as received
    std::vector<std::string> info;  // information text before the result (e.g. the +F reports)
};

}  // namespace fax::driver
