#include "fax/station/modem_port.h"

#include "fax/base/log.h"
#include "fax/driver/modem_prober.h"

namespace fax::station {

Status check_profile_name(const std::string& id) {
    if (id == "auto") return {};
    for (const auto& p : driver::builtin_profiles())
        if (p.id == id) return {};
    std::string known;
    for (const auto& p : driver::builtin_profiles()) known += (known.empty() ? "" : ", ") + p.id;
    return fail(Errc::InvalidInput, "must be \"auto\" or one of " + known);
}

driver::ModemProfile choose_profile(hal::Transport& transport, const ModemConfig& modem) {
    if (modem.profile != "auto") {
        for (const auto& p : driver::builtin_profiles())
            if (p.id == modem.profile) return p;
        return driver::generic_profile();  // unreachable: the configuration was checked
    }
    driver::ProbeOptions po;
    po.reset_timeout = std::chrono::duration_cast<Samples>(std::chrono::seconds(20));
    auto probe = driver::run_probe(transport, po);
    if (!probe || !probe->status.ok()) {
        FAX_LOG(Warn, "modem",
                modem.device + ": the probe got no answer (" +
                    (probe ? probe->status.error().to_string() : probe.error().to_string()) + "); using the generic profile");
        return driver::generic_profile();
    }
    for (const auto& p : driver::builtin_profiles())
        if (p.id == probe->profile_id) {
            FAX_LOG(Info, "modem", modem.device + ": profile " + p.id + " (" + p.name + ")");
            return p;
        }
    return driver::generic_profile();
}

}  // namespace fax::station
