#include "commands.h"

#include <algorithm>

#include "fax/base/log.h"
#include "fax/station/modem_port.h"

namespace fax::faxctl {

Result<StationConfig> effective_config(const Globals& g) {
    auto c = load_config(g.config_file);
    if (!c) return c;
    if (g.data_dir) c->data_dir = *g.data_dir;
    if (g.modem) {
        if (auto d = station::parse_device_spec(*g.modem); !d)
            return fail(Errc::InvalidInput, "--modem: " + d.error().message);
        c->modem_device = *g.modem;
    }
    log::Level level = log::parse_level(c->log_level, log::Level::Warn);
    if (g.verbose >= 3) level = log::Level::Trace;
    else if (g.verbose == 2) level = std::min(level, log::Level::Debug);
    else if (g.verbose == 1) level = std::min(level, log::Level::Info);
    log::set_level(level);
    return c;
}

Exit exit_for(const Error& e) {
    switch (e.code) {
    case Errc::InvalidInput:
    case Errc::InvalidArgument:
    case Errc::NotFound:
    case Errc::Unsupported:
        return Exit::InvalidInput;
    case Errc::PolicyRefused:
        return Exit::Refused;
    case Errc::Unavailable:
        return Exit::StoreUnavailable;
    default:
        return Exit::Failure;
    }
}

int report_error(const Printer& out, const Error& e) {
    out.error(e);
    return code(exit_for(e));
}

}  // namespace fax::faxctl
