// faxsim's command line, as data: the specs of modems, reference terminals and
// exchange behaviour, parsed and checked before anything is created.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/sim/line_fault_spec.h"
#include "fax/sim/modem_quirks.h"

namespace fax::faxsim {

struct ModemSpec {
    std::string link_path;  // where the pty slave is linked, e.g. /tmp/faxA
    std::string number;
};

struct ReceiverSpec {
    std::string number;
    std::string dir;  // received faxes are stored here as NUMBER-<n>.tif
};

struct SenderSpec {
    std::string number;
    std::string tiff;
    std::string dial;
    double delay_s = 0.0;
};

struct NoiseSpec {
    std::string number;
    double dbm0 = -60.0;
};

// A modem's quirk personality or fault (fax/sim/modem_quirks.h).
struct QuirksSpec {
    std::string number;
    sim::ModemQuirks quirks;
};

struct Options {
    std::vector<ModemSpec> modems;
    std::vector<ReceiverSpec> receivers;
    std::vector<SenderSpec> senders;
    std::vector<std::string> busy;
    std::vector<std::string> no_answer;
    std::vector<std::string> no_dialtone;
    std::vector<NoiseSpec> noise;
    std::vector<QuirksSpec> quirks;
    std::vector<sim::LineFaultOption> line_faults;  // --line-fault NUMBER=SPEC
    bool ecm = true;
    bool class2 = false;  // modems offer Class 2.0 besides Class 1
    std::vector<std::string> class2_only;  // --class2-only NUMBER: that modem offers Class 2.0 and not Class 1
    int ring_limit = 8;
    std::string log_level = "warn";
    std::string line = "audio";               // --line audio|t38: what connected calls carry
    std::vector<std::string> t38_gateway;     // --t38-gateway NUMBER: analogue equipment behind a T.38 gateway
    int t38_version = 0;                      // --t38-version N (0..3)
};

// "--modem PATH=NUMBER"
Result<ModemSpec> parse_modem(std::string_view arg);
// "--receiver NUMBER=DIR"
Result<ReceiverSpec> parse_receiver(std::string_view arg);
// "--sender NUMBER=TIFF@DIALNUMBER[,delay=SECONDS]"
Result<SenderSpec> parse_sender(std::string_view arg);
// "--noise NUMBER=DBM0"
Result<NoiseSpec> parse_noise(std::string_view arg);
// "--quirks NUMBER=QUIRK[=VALUE][,QUIRK[=VALUE]...]", e.g. "5551001=slow-atz,numeric-results"
Result<QuirksSpec> parse_quirks(std::string_view arg);
// A telephone number here is 1 to 20 digits.
bool valid_number(std::string_view number);
// Numbers unique across modems and terminals, at least one device, sane limits.
Status validate(const Options& options);

}  // namespace fax::faxsim
