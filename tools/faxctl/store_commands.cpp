// faxctl store ...: the station's stores.
#include <nlohmann/json.hpp>

#include "commands.h"
#include "exit_codes.h"
#include "printer.h"
#include "fax/station/stores.h"

namespace fax::faxctl {

using nlohmann::json;

int cmd_store_migrate(const Globals& g, const std::optional<std::string>& grant_role) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    if (!cfg->shared_store())
        if (auto s = station::prepare_data_dirs(*cfg); !s) return report_error(out, s.error());
    auto rep = station::migrate_stores(*cfg, grant_role);
    if (!rep) return report_error(out, rep.error());
    std::string text = "stores at " + rep->where + " are current:";
    json lines = json::array();
    for (const auto& l : rep->lines) {
        text += "\n  " + l;
        lines.push_back(l);
    }
    out.emit(json{{"event", "store_migrate"}, {"where", rep->where}, {"stores", lines}}, text);
    return code(Exit::Ok);
}

}  // namespace fax::faxctl
