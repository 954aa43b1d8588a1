// faxctl directory ...: the recipient directory and the two-step verification of a
// number (a cover-only test fax, then a telephone confirmation).
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "commands.h"
#include "fax/base/bounded_read.h"
#include "fax/base/utc_text.h"
#include "fax/gate/phone_number.h"
#include "fax/station/station.h"
#include "fax/station/transmitter.h"
#include "transmit_ui.h"

namespace fax::faxctl {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

struct Opened {
    std::unique_ptr<Station> station;
    int exit = 0;
};

Opened open_station(const Globals& g, const Printer& out) {
    Opened o;
    auto cfg = effective_config(g);
    if (!cfg) {
        o.exit = report_error(out, cfg.error());
        return o;
    }
    auto st = Station::open(*cfg);
    if (!st) {
        o.exit = report_error(out, st.error());
        return o;
    }
    o.station = std::move(*st);
    return o;
}

gate::VerificationState state_of(const Station& s, const gate::DirectoryEntry& e) {
    return gate::verification_state(e, Clock::now(), s.policy().reverification_interval);
}

json entry_json(const gate::DirectoryEntry& e, gate::VerificationState state) {
    json j{{"event", "entry"},
           {"id", e.id},
           {"organisation", e.organisation},
           {"person", e.person},
           {"category", std::string(gate::to_string(e.category))},
           {"fax", e.fax.display()},
           {"fax_dial", e.fax.dial},
           {"voice", e.voice.display()},
           {"expected_csi", e.expected_csi ? json(*e.expected_csi) : json(nullptr)},
           {"verification", std::string(gate::to_string(state))}};
    if (e.test_fax)
        j["test_fax"] = {{"job_id", e.test_fax->job_id},
                         {"at", iso_utc(e.test_fax->at)},
                         {"delivered", e.test_fax->delivered},
                         {"recorded_by", e.test_fax->recorded_by}};
    if (e.verification)
        j["verified"] = {{"at", iso_utc(e.verification->at)},
                         {"staff_id", e.verification->staff_id},
                         {"staff_name", e.verification->staff_name},
                         {"method", e.verification->method}};
    if (e.observed_csi) j["observed_csi"] = *e.observed_csi;
    return j;
}

std::string entry_text(const gate::DirectoryEntry& e, gate::VerificationState state) {
    // Names are shown escaped (printable): an entry made before names were checked, or a
    // station id a remote machine sent, must not reach the terminal as control codes.
    std::string s = printable(e.id) + "\n";
    s += "  organisation: " + printable(e.organisation) + "\n";
    if (!e.person.empty()) s += "  person:       " + printable(e.person) + "\n";
    s += "  category:     " + std::string(gate::to_string(e.category)) + "\n";
    s += "  fax:          " + e.fax.display() + " (dials " + e.fax.dial + ")\n";
    s += "  voice:        " + e.voice.display() + "\n";
    s += "  expected CSI: " + (e.expected_csi ? "'" + printable(*e.expected_csi) + "'" : std::string("(none)")) + "\n";
    if (e.observed_csi) s += "  observed CSI: '" + printable(*e.observed_csi) + "'\n";
    s += "  verification: " + std::string(gate::to_string(state));
    if (e.test_fax)
        s += "\n  test fax:     " + printable(e.test_fax->job_id) + " at " + iso_utc(e.test_fax->at) +
             (e.test_fax->delivered ? ", delivered" : ", not delivered");
    if (e.verification) s += "\n  verified:     " + iso_utc(e.verification->at) + ": " + printable(e.verification->method);
    return s;
}

std::string next_step_for(const gate::DirectoryEntry& e, gate::VerificationState state) {
    switch (state) {
    case gate::VerificationState::Unverified:
    case gate::VerificationState::Expired:
        return "next: send the verification test fax: faxctl directory test-fax " + e.id;
    case gate::VerificationState::AwaitingConfirmation:
        return "next: call " + e.voice.display() + " to confirm receipt, then: faxctl directory confirm " + e.id +
               " --staff-id ID --staff-name NAME --contact NAME";
    case gate::VerificationState::Verified:
        return "verified: releases to this entry may be cleared";
    }
    return {};
}

// A directory import is a list of recipients an administrator prepared: a few thousand
// entries at most, well under this bound.
constexpr std::size_t kMaxImportBytes = 16u << 20;

}  // namespace

int cmd_directory_add(const Globals& g, const gate::NewEntry& n) {
    const Printer out(g.json);
    Opened o = open_station(g, out);
    if (o.exit != 0) return o.exit;
    auto e = o.station->directory().add(n, Clock::now());
    if (!e) return report_error(out, e.error());
    const auto state = state_of(*o.station, *e);
    out.emit(entry_json(*e, state), "added " + entry_text(*e, state) + "\n" + next_step_for(*e, state));
    return code(Exit::Ok);
}

int cmd_directory_import(const Globals& g, const std::filesystem::path& file) {
    const Printer out(g.json);
    auto text = read_bounded_regular_file(file, kMaxImportBytes, "directory import");
    if (!text) {
        Error e = text.take_error();
        if (e.code == Errc::NotFound || e.code == Errc::Io) e.code = Errc::InvalidInput;
        return report_error(out, e);
    }
    auto entries = gate::parse_directory_json(*text, file.filename().string());
    if (!entries) return report_error(out, entries.error());
    Opened o = open_station(g, out);
    if (o.exit != 0) return o.exit;
    // All or nothing as far as ids go: a duplicate anywhere stops the import before
    // anything is added.
    std::set<std::string> seen;
    for (std::size_t i = 0; i < entries->size(); ++i) {
        const auto& n = (*entries)[i];
        const std::string where = file.filename().string() + ": entries[" + std::to_string(i) + "].id";
        // The id is not quoted: until it is checked it is whatever the file holds.
        if (!seen.insert(n.id).second)
            return report_error(out, Error{Errc::InvalidInput, where + ": the same id appears twice in the file"});
        auto existing = o.station->directory().find(n.id);
        if (!existing) return report_error(out, existing.error());
        if (*existing)
            return report_error(out, Error{Errc::InvalidInput,
                                           where + ": an entry with id '" + printable(n.id) +
                                               "' is already in the directory"});
    }
    const auto now = Clock::now();
    for (std::size_t i = 0; i < entries->size(); ++i) {
        auto e = o.station->directory().add((*entries)[i], now);
        if (!e) {
            Error err = e.take_error();
            err.message = file.filename().string() + ": entries[" + std::to_string(i) + "]: " + err.message;
            return report_error(out, err);
        }
        out.emit(entry_json(*e, state_of(*o.station, *e)),
                 "imported " + printable(e->id) + " (" + std::string(gate::to_string(e->category)) + ", " + e->fax.display() +
                     ", unverified)");
    }
    out.emit(json{{"event", "imported"}, {"entries", entries->size()}},
             std::to_string(entries->size()) + " entries imported; each must be verified (test-fax, then confirm) "
                                                "before records can be sent to it");
    return code(Exit::Ok);
}

int cmd_directory_list(const Globals& g) {
    const Printer out(g.json);
    Opened o = open_station(g, out);
    if (o.exit != 0) return o.exit;
    auto list = o.station->directory().list();
    if (!list) return report_error(out, list.error());
    char head[160];
    std::snprintf(head, sizeof head, "%-28s %-20s %-22s %-18s %s", "ID", "CATEGORY", "VERIFICATION", "FAX",
                  "ORGANISATION");
    out.text(head);
    for (const auto& e : *list) {
        const auto state = state_of(*o.station, e);
        char line[512];
        std::snprintf(line, sizeof line, "%-28s %-20s %-22s %-18s %s", printable(e.id).c_str(),
                      std::string(gate::to_string(e.category)).c_str(), std::string(gate::to_string(state)).c_str(),
                      e.fax.display().c_str(), printable(e.organisation).c_str());
        out.emit(entry_json(e, state), line);
    }
    return code(Exit::Ok);
}

int cmd_directory_show(const Globals& g, const std::string& id) {
    const Printer out(g.json);
    Opened o = open_station(g, out);
    if (o.exit != 0) return o.exit;
    auto e = o.station->directory().get(id);
    if (!e) return report_error(out, e.error());
    auto history = o.station->directory().history(id);
    if (!history) return report_error(out, history.error());
    const auto state = state_of(*o.station, *e);
    json j = entry_json(*e, state);
    json h = json::array();
    std::string text = entry_text(*e, state) + "\n  history:";
    for (const auto& ev : *history) {
        h.push_back({{"at", iso_utc(ev.at)}, {"kind", ev.kind}, {"by", ev.by}, {"detail", ev.detail}});
        text += "\n    " + iso_utc(ev.at) + "  " + printable(ev.kind) + (ev.by.empty() ? "" : " by " + printable(ev.by)) +
                ": " + printable(ev.detail);
    }
    j["history"] = std::move(h);
    out.emit(j, text + "\n" + next_step_for(*e, state));
    return code(Exit::Ok);
}

int cmd_directory_test_fax(const Globals& g, const TestFaxArgs& args) {
    const Printer out(g.json);
    Opened o = open_station(g, out);
    if (o.exit != 0) return o.exit;
    Station& st = *o.station;
    if (st.config().modem_device.empty())
        return report_error(out, Error{Errc::InvalidInput, "no modem: give --modem DEVICE or set modem.device"});
    gate::VerificationTestRequest req;
    req.requester = args.requester;
    req.recipient_id = args.id;
    req.typed_fax = args.typed_fax;
    req.sender = args.sender;
    const auto& defaults = st.config().sender;
    if (req.sender.name.empty()) req.sender.name = defaults.name.empty() ? args.requester.name : defaults.name;
    if (req.sender.department.empty()) req.sender.department = defaults.department;
    if (req.sender.phone.empty()) req.sender.phone = defaults.phone;
    if (req.sender.fax.empty()) req.sender.fax = defaults.fax;

    auto decision = st.gate().evaluate_verification_test(req, st.context_now());
    if (!decision) return report_error(out, decision.error());
    if (!decision->cleared()) {
        const auto& r = decision->refusal();
        json f = json::array();
        std::string text = "REFUSED: verification test fax, decision " + r.decision_id + " (recorded in the audit trail)\n";
        for (const auto& x : r.findings) {
            f.push_back({{"rule_id", x.rule_id}, {"field", x.field}, {"message", x.message}, {"next_step", x.next_step}});
            text += "  [" + x.rule_id + "] " + (x.field.empty() ? "" : printable(x.field) + ": ") + printable(x.message) + "\n";
            if (!x.next_step.empty()) text += "      next step: " + x.next_step + "\n";
        }
        out.emit(json{{"event", "decision"}, {"cleared", false}, {"decision_id", r.decision_id}, {"findings", f}}, text);
        return code(Exit::Refused);
    }
    gate::ClearedRelease release = decision->take_release();
    out.emit(json{{"event", "decision"}, {"cleared", true}, {"kind", "verification_test_fax"},
                  {"decision_id", release.job_id()}, {"rule_id", release.rule_id()}, {"recipient_id", release.recipient_id()},
                  {"dial", release.dial_number()}, {"pages", release.page_count()}},
             "CLEARED under " + release.rule_id() + ": verification test fax " + release.job_id() + " (cover only, no " +
                 "patient information) to " + release.recipient_id() + ", dials " + release.dial_number());
    const std::string tiff = release.tiff_path();
    InterruptGuard interrupts;
    Progress progress(out, release.job_id(), release.page_count());
    Transmitter tx(st.gate(), foreground_options(st.config(), progress));
    const TransmitReport rep = tx.run(std::move(release));
    const int status = finish_transmission(rep, g, out, tiff);
    if (auto e = st.directory().get(args.id); e.ok()) {
        const auto state = state_of(st, *e);
        out.emit(json{{"event", "verification"}, {"id", e->id}, {"state", std::string(gate::to_string(state))}},
                 "entry " + e->id + ": " + std::string(gate::to_string(state)) + "\n" + next_step_for(*e, state));
    }
    return status;
}

int cmd_directory_confirm(const Globals& g, const ConfirmArgs& args) {
    const Printer out(g.json);
    Opened o = open_station(g, out);
    if (o.exit != 0) return o.exit;
    auto e = o.station->directory().confirm_by_phone(
        args.id, gate::PhoneConfirmation{args.staff_id, args.staff_name, args.contact, Clock::now()});
    if (!e) return report_error(out, e.error());
    const auto state = state_of(*o.station, *e);
    out.emit(entry_json(*e, state), "confirmed " + entry_text(*e, state) + "\n" + next_step_for(*e, state));
    return code(Exit::Ok);
}

int cmd_directory_set_csi(const Globals& g, const std::string& id, const std::optional<std::string>& csi,
                          const std::string& staff_id) {
    const Printer out(g.json);
    Opened o = open_station(g, out);
    if (o.exit != 0) return o.exit;
    auto e = o.station->directory().set_expected_csi(id, csi, staff_id, Clock::now());
    if (!e) return report_error(out, e.error());
    const auto state = state_of(*o.station, *e);
    out.emit(entry_json(*e, state), "updated " + entry_text(*e, state));
    return code(Exit::Ok);
}

}  // namespace fax::faxctl
