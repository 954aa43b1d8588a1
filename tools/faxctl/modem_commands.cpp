// faxctl modems / faxctl probe: what is attached, and what one modem is.
#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.h"
#include "fax/driver/modem_prober.h"
#include "fax/driver/profile.h"
#include "fax/driver/profile_loader.h"
#include "fax/hal/discovery.h"
#include "fax/job/job_queue.h"
#include "fax/station/modem_port.h"
#include "fax/station/stores.h"

namespace fax::faxctl {

namespace {

std::string hex4(std::optional<uint16_t> v) {
    if (!v) return "";
    char b[8];
    std::snprintf(b, sizeof b, "%04x", *v);
    return b;
}

nlohmann::json describe(const hal::DeviceDescription& d) {
    return {{"kind", std::string(hal::to_string(d.kind))},
            {"id", d.stable_id},
            {"device", d.device_node},
            {"vendor", d.vendor},
            {"product", d.product},
            {"usb_id", d.vendor_id ? hex4(d.vendor_id) + ":" + hex4(d.product_id) : ""},
            {"driver", d.driver},
            {"cdc_acm", d.cdc_acm},
            {"known_model", d.known_model}};
}

}  // namespace

namespace {

// Is faxd alive behind a status row? Its pid exists and it refreshed the row lately.
bool faxd_alive(const job::ModemStatus& m) {
    if (m.pid <= 0) return false;
    if (::kill(m.pid, 0) != 0 && errno != EPERM) return false;
    return std::chrono::system_clock::now() - m.updated_at < std::chrono::seconds(20);
}

}  // namespace

int cmd_modems(const Globals& g) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    const station::PortEnvironment env = station::default_port_environment();
    const auto found = hal::list_candidates(env.roots, env.known);

    // What faxd says about its modems (queue.db; not created here if the station never ran).
    // On a shared store only this station's rows: the modems are this station's.
    std::vector<job::ModemStatus> board;
    auto q = station::open_queue_only(*cfg);
    if (!q) return report_error(out, q.error());
    if (*q) {
        auto rows = (*q)->modem_statuses();
        if (!rows) return report_error(out, rows.error());
        for (auto& r : *rows)
            if (r.station.empty() || r.station == cfg->name) board.push_back(std::move(r));
    }

    // Each configured modem and the device it answers to now, as faxd resolves them
    // (in order; `auto` takes the first fax modem no earlier entry has).
    std::vector<station::ModemConfig> configured = cfg->modems;
    if (configured.empty() && !cfg->modem_device.empty()) configured.push_back(cfg->send_modem());
    std::vector<std::string> claimed, used;
    nlohmann::json entries = nlohmann::json::array();
    std::string text = "CONFIGURED MODEMS\n";
    if (configured.empty()) text += "  (none: the configuration names no [[modem]])\n";
    std::vector<std::string> names;
    for (const auto& m : configured) {
        std::string name = m.device;
        for (int n = 2; std::find(names.begin(), names.end(), name) != names.end(); ++n) name = m.device + "#" + std::to_string(n);
        names.push_back(name);
        station::ModemPort port(m, env);
        auto d = port.locate(claimed);
        const job::ModemStatus* row = nullptr;
        for (const auto& b : board)
            if (b.entry == name) row = &b;
        const bool live = row != nullptr && faxd_alive(*row);
        std::string state = live ? row->state : std::string(d ? "attached, faxd not running" : "absent");
        if (live && !row->job_id.empty()) state += " (job " + row->job_id + ")";
        nlohmann::json j{{"entry", name},
                         {"configured_class", m.modem_class},
                         {"configured_profile", m.profile},
                         {"answer", m.answer},
                         {"device", d ? d->stable_id : ""},
                         {"node", d ? d->device_node : ""},
                         {"class", live ? row->modem_class : ""},
                         {"profile", live ? row->profile : ""},
                         {"state", live ? row->state : (d ? "faxd_not_running" : "absent")},
                         {"job_id", live ? row->job_id : ""},
                         {"detail", live ? row->detail : (d ? "" : d.error().message)},
                         {"faxd_running", live}};
        entries.push_back(j);
        text += "  " + name + (m.answer ? "  (answers calls)" : "") + "\n";
        text += "    device:  " + (d ? d->stable_id + (d->device_node != d->stable_id ? "  (" + d->device_node + ")" : "")
                                     : "absent: " + d.error().message) + "\n";
        const std::string cls = live && !row->modem_class.empty() ? "Class " + row->modem_class
                                : m.modem_class == "auto" ? "auto (probed when faxd starts)" : "Class " + m.modem_class;
        const std::string prof = live && !row->profile.empty() ? row->profile
                                 : m.profile == "auto" ? "auto (chosen by the probe)" : m.profile;
        text += "    class:   " + cls + "\n    profile: " + prof + "\n    state:   " + state +
                (live && !row->detail.empty() ? " — " + row->detail : "") + "\n";
        if (d) {
            claimed.push_back(d->stable_id);
            claimed.push_back(d->device_node);
            used.push_back(d->stable_id);
        }
    }

    nlohmann::json others = nlohmann::json::array();
    std::string other_text;
    for (const auto& d : found) {
        if (std::find(used.begin(), used.end(), d.stable_id) != used.end()) continue;
        others.push_back(describe(d));
        char line[512];
        std::snprintf(line, sizeof line, "  %-7s %-20s %-10s %-12s %s%s%s\n", std::string(hal::to_string(d.kind)).c_str(),
                      d.device_node.c_str(), d.vendor_id ? (hex4(d.vendor_id) + ":" + hex4(d.product_id)).c_str() : "-",
                      d.driver.empty() ? "-" : d.driver.c_str(), d.stable_id.c_str(), d.product.empty() ? "" : "  ",
                      d.product.c_str());
        other_text += line;
    }
    text += "\nOTHER CANDIDATE DEVICES (no configured modem uses them)\n";
    text += other_text.empty() ? "  (none)\n" : "  KIND    DEVICE               USB ID     DRIVER       ID / PRODUCT\n" + other_text;
    text += "(faxctl probe DEVICE identifies one; serial ports may have no modem behind them)";
    out.emit({{"event", "modems"}, {"configured", entries}, {"modems", others}}, text);
    return code(Exit::Ok);
}

int cmd_probe(const Globals& g, const std::string& device) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    if (auto d = station::parse_device_spec(device); !d) return report_error(out, Error{Errc::InvalidInput, d.error().message});
    station::ModemConfig mc;
    mc.device = device;
    mc.speed = cfg->speed;
    mc.flow = hal::FlowControl::None;  // no flow control until the modem says what it does
    station::ModemPort port(mc, station::default_port_environment());
    if (auto s = port.open(); !s) return report_error(out, s.error());
    auto r = port.probe();
    port.close();
    if (!r) return report_error(out, r.error());
    const std::string attached = port.attached() ? port.attached()->stable_id : device;
    const std::string chosen = port.identified() ? "Class " + std::string(station::to_string(port.modem_class())) : "none";
    if (g.json) {
        auto j = nlohmann::json::parse(driver::probe_to_json(*r));
        j["event"] = "probe";
        j["device"] = attached;
        j["station_class"] = port.identified() ? std::string(station::to_string(port.modem_class())) : "";
        out.emit(j, "");
    } else {
        if (!r->status.ok()) {
            out.error(r->status.error());
            return code(Exit::Failure);
        }
        std::string t = "device:      " + attached + "\n";
        t += "identity:    " + (r->identity.ati.empty() ? std::string("-") : r->identity.ati) + "\n";
        if (!r->identity.fmi.empty() || !r->identity.fmm.empty())
            t += "+FMI/+FMM:   " + r->identity.fmi + " / " + r->identity.fmm + (r->identity.fmr.empty() ? "" : " / " + r->identity.fmr) + "\n";
        std::string classes;
        for (const auto& c : r->classes) classes += (classes.empty() ? "" : ", ") + c;
        t += "classes:     " + (classes.empty() ? std::string("-") : classes) +
             (r->class1 ? "  (Class 1: yes" : "  (Class 1: no") + (r->class2_0 ? ", Class 2.0: yes)" : ", Class 2.0: no)") + "\n";
        std::string mods;
        if (r->modulations.v17) mods += "V.17 ";
        if (r->modulations.v29) mods += "V.29 ";
        if (r->modulations.v27ter) mods += "V.27ter";
        t += "modulations: " + (mods.empty() ? std::string("- (no Class 1 image modulations both ways)") : mods) + "\n";
        t += "profile:     " + r->profile_id + " (" + r->profile_name + ")\n";
        t += "station:     would drive it in " + chosen + (chosen == "none" ? " (it offers no fax class the station knows)" : "");
        if (g.verbose > 0)
            for (const auto& s : r->steps) t += "\n  " + s.command + " -> " + s.outcome;
        out.emit({}, t);
    }
    return r->status.ok() ? code(Exit::Ok) : code(Exit::Failure);
}

}  // namespace fax::faxctl
