// faxctl modems / faxctl probe: what is attached, and what one modem is.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

#include "commands.h"
#include "fax/driver/modem_prober.h"
#include "fax/driver/profile.h"
#include "fax/driver/profile_loader.h"
#include "fax/hal/discovery.h"
#include "fax/hal/serial_transport.h"

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

int cmd_modems(const Globals& g) {
    const Printer out(g.json);
    const auto known = driver::known_usb_models(driver::builtin_profiles());
    const auto found = hal::list_candidates({}, known);
    if (found.empty()) {
        out.emit({{"event", "modems"}, {"modems", nlohmann::json::array()}},
                 "no candidate modems: no serial ports, no USB CDC-ACM devices and no USB device a profile knows");
        return code(Exit::Ok);
    }
    nlohmann::json list = nlohmann::json::array();
    std::string text = "KIND    DEVICE               USB ID     DRIVER       ID / PRODUCT\n";
    for (const auto& d : found) {
        list.push_back(describe(d));
        char line[512];
        std::snprintf(line, sizeof line, "%-7s %-20s %-10s %-12s %s%s%s\n", std::string(hal::to_string(d.kind)).c_str(),
                      d.device_node.c_str(), d.vendor_id ? (hex4(d.vendor_id) + ":" + hex4(d.product_id)).c_str() : "-",
                      d.driver.empty() ? "-" : d.driver.c_str(), d.stable_id.c_str(),
                      d.product.empty() ? "" : "  ", d.product.c_str());
        text += line;
    }
    text += "(faxctl probe DEVICE identifies one; serial ports may have no modem behind them)";
    out.emit({{"event", "modems"}, {"modems", list}}, text);
    return code(Exit::Ok);
}

int cmd_probe(const Globals& g, const std::string& device) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    hal::LineSettings ls;
    ls.baud = cfg->speed;
    ls.flow = hal::FlowControl::None;  // no flow control until the modem says what it does
    std::unique_ptr<hal::Transport> port;
    std::optional<driver::UsbId> usb;
    // A discovered description (stable id or device node) opens through discovery, which
    // knows USB devices; anything else is taken as a tty path.
    const auto known = driver::known_usb_models(driver::builtin_profiles());
    for (const auto& d : hal::list_candidates({}, known)) {
        if (d.stable_id != device && d.device_node != device) continue;
        auto t = hal::open_candidate(d, ls, known);
        if (!t) return report_error(out, t.error());
        port = std::move(*t);
        if (d.vendor_id && d.product_id) usb = driver::UsbId{*d.vendor_id, *d.product_id};
        break;
    }
    if (!port) {
        auto serial = std::make_unique<hal::SerialTransport>(device, ls);
        if (auto s = serial->open(); !s) return report_error(out, s.error());
        port = std::move(serial);
    }
    driver::ProbeOptions po;
    po.usb = usb;
    auto r = driver::run_probe(*port, po);
    port->close();
    if (!r) return report_error(out, r.error());
    if (g.json) {
        auto j = nlohmann::json::parse(driver::probe_to_json(*r));
        j["event"] = "probe";
        j["device"] = device;
        out.emit(j, "");
    } else {
        if (!r->status.ok()) {
            out.error(r->status.error());
            return code(Exit::Failure);
        }
        std::string t = "device:      " + device + "\n";
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
        t += "profile:     " + r->profile_id + " (" + r->profile_name + ")";
        if (g.verbose > 0)
            for (const auto& s : r->steps) t += "\n  " + s.command + " -> " + s.outcome;
        out.emit({}, t);
    }
    return r->status.ok() ? code(Exit::Ok) : code(Exit::Failure);
}

}  // namespace fax::faxctl
