// faxctl check / send: a release request through the gate, and (send) onto the line.
#include <algorithm>
#include <system_error>
#include <cstdio>
#include <optional>

#include "commands.h"
#include "fax/station/report_files.h"
#include "fax/base/log.h"
#include "fax/gate/release_gate.h"
#include "fax/station/station.h"
#include "fax/station/transmitter.h"
#include "send_timings.h"
#include "transmit_ui.h"

namespace fax::faxctl {
namespace {

using nlohmann::json;

json findings_json(const gate::Refusal& r) {
    json a = json::array();
    for (const auto& f : r.findings)
        a.push_back({{"rule_id", f.rule_id}, {"field", f.field}, {"message", f.message}, {"next_step", f.next_step}});
    return a;
}

// Every finding with its rule, field, message and next step (the Release of
// Information referral for REF-* findings), each in full: staff read one finding at
// a time and must not have to look elsewhere for what to do.
std::string refusal_text(const gate::Refusal& r) {
    std::string s = "REFUSED: decision " + r.decision_id + " (recorded in the audit trail), " +
                    std::to_string(r.findings.size()) + (r.findings.size() == 1 ? " finding" : " findings") + "\n";
    for (const auto& f : r.findings) {
        s += "  [" + f.rule_id + "] " + (f.field.empty() ? std::string() : printable(f.field) + ": ") +
             printable(f.message) + "\n";
        if (!f.next_step.empty()) s += "      next step: " + f.next_step + "\n";
    }
    return s;
}

struct Cleared {
    std::string job_id;
    std::string rule_id;
    std::string recipient_id;
    std::string organisation;
    std::string attention;
    std::string number;
    std::string dial;
    int pages = 0;
};

Cleared describe(const gate::ClearedRelease& rel, gate::Directory& dir, const std::string& attention) {
    Cleared c;
    c.job_id = rel.job_id();
    c.rule_id = rel.rule_id();
    c.recipient_id = rel.recipient_id();
    c.dial = rel.dial_number();
    c.pages = rel.page_count();
    if (auto e = dir.get(rel.recipient_id()); e.ok()) {
        c.organisation = e->organisation;
        c.attention = attention.empty() ? e->person : attention;
        c.number = e->fax.display();
    }
    return c;
}

json cleared_json(const Cleared& c) {
    return {{"event", "decision"},       {"cleared", true},          {"decision_id", c.job_id},
            {"rule_id", c.rule_id},      {"recipient_id", c.recipient_id}, {"organisation", c.organisation},
            {"attention", c.attention},  {"number", c.number},       {"dial", c.dial},
            {"pages", c.pages}};
}

std::string cleared_text(const Cleared& c) {
    std::string s = "CLEARED under " + c.rule_id + ": decision " + c.job_id + " (recorded in the audit trail)\n";
    // Names from the directory and the request, escaped: never control codes to a terminal.
    s += "  recipient: " + printable(c.recipient_id) + " - " + printable(c.organisation);
    if (!c.attention.empty()) s += ", attn. " + printable(c.attention);
    s += "\n  number:    " + c.number + " (dials " + c.dial + ")\n";
    s += "  pages:     " + std::to_string(c.pages) + " (cover sheet + " + std::to_string(c.pages - 1) + ")";
    return s;
}

struct Evaluated {
    std::unique_ptr<Station> station;
    std::optional<gate::Decision> decision;
    std::string attention;
    int exit = 0;  // non-zero: the command is over with this status
};

void mark(SendTimings* timings, std::string_view step) {
    if (timings != nullptr) timings->mark(step);
}

// Loads the configuration, the request and the stores, and runs the gate (its steps
// marked in `timings`, if given).
Evaluated evaluate(const Globals& g, const std::filesystem::path& request_file, const Printer& out,
                   SendTimings* timings = nullptr) {
    Evaluated ev;
    auto cfg = effective_config(g);
    if (!cfg) {
        ev.exit = report_error(out, cfg.error());
        return ev;
    }
    mark(timings, "config");
    auto req = gate::load_request_file(request_file);
    if (!req) {
        // parse errors already read "<file>: <field>: <problem>" and never quote the member reference.
        Error e = req.take_error();
        if (e.code == Errc::NotFound || e.code == Errc::Io) e.code = Errc::InvalidInput;
        ev.exit = report_error(out, e);
        return ev;
    }
    mark(timings, "request");
    auto station = Station::open(*cfg);
    if (!station) {
        ev.exit = report_error(out, station.error());
        return ev;
    }
    ev.station = std::move(*station);
    mark(timings, "station_open");
    if (timings != nullptr)
        ev.station->gate().set_step_observer([timings](gate::GateStep s) { timings->mark(gate::to_string(s)); });
    auto decision = ev.station->gate().evaluate(*req, ev.station->context_now());
    ev.station->gate().set_step_observer({});
    if (!decision) {
        // Not a decision: an unreadable or short document, or a store failure.
        Error e = decision.take_error();
        e.message = request_file.filename().string() + ": " + e.message;
        ev.exit = report_error(out, e);
        return ev;
    }
    ev.attention = req->recipient.attention;
    ev.decision.emplace(std::move(*decision));
    if (!ev.decision->cleared()) {
        const auto& r = ev.decision->refusal();
        out.emit(json{{"event", "decision"}, {"cleared", false}, {"decision_id", r.decision_id},
                      {"rule_ids", r.rule_ids()}, {"findings", findings_json(r)}},
                 refusal_text(r));
        // A request refused only for its documents (unreadable, short, over a limit) is bad
        // input, as the brief's "every document is bounded and fails with exit 2" asks; the
        // refusal is recorded all the same.
        const bool documents_only = std::all_of(r.findings.begin(), r.findings.end(), [](const gate::Finding& f) {
            return f.rule_id.rfind("DOC-", 0) == 0;
        });
        ev.exit = code(documents_only ? Exit::InvalidInput : Exit::Refused);
    }
    return ev;
}

}  // namespace

void drop_spool(const std::string& tiff_path, const Globals& g, const Printer& out) {
    if (g.keep_spool) {
        out.emit(json{{"event", "spool"}, {"path", tiff_path}}, "  spooled:   " + tiff_path);
        return;
    }
    // The spooled file is cover + record pages: nothing needs it once the job is over
    // (the audit trail keeps its hashes).
    std::error_code ec;
    std::filesystem::remove(tiff_path, ec);
}

int cmd_check(const Globals& g, const std::filesystem::path& request_file) {
    const Printer out(g.json);
    Evaluated ev = evaluate(g, request_file, out);
    if (ev.exit != 0) return ev.exit;
    gate::ClearedRelease release = ev.decision->take_release();
    const Cleared c = describe(release, ev.station->directory(), ev.attention);
    // A dry run is not a disclosure: the trail says so (a closure "dry_run"), and the
    // clearance can no longer be used.
    if (auto closed = ev.station->gate().close_job(
            {c.job_id, "dry_run", "faxctl check: nothing was transmitted", 0, {}, {}, std::chrono::system_clock::now()});
        !closed) {
        drop_spool(release.tiff_path(), g, out);
        return report_error(out, closed.error());
    }
    out.emit(cleared_json(c), cleared_text(c) + "\n  dry run:   nothing was transmitted; the clearance is dropped");
    drop_spool(release.tiff_path(), g, out);
    return code(Exit::Ok);  // `release` is destroyed unused: a check never transmits
}

int finish_transmission(const TransmitReport& rep, const Globals& g, const Printer& out, const std::string& tiff) {
    drop_spool(tiff, g, out);
    out.emit(outcome_json(rep), outcome_text(rep));  // last: the result closes the stream
    if (!rep.recorded.ok()) {
        out.error(Error{rep.recorded.error().code, "job " + rep.job_id + ": the outcome could not be recorded: " +
                                                       rep.recorded.error().message});
        return code(Exit::Failure);
    }
    return code(rep.delivered() ? Exit::Ok : Exit::TransmissionFailed);
}

namespace {

// --timings: the steps so far, on stderr, as the command ends.
int with_timings(const Globals& g, const std::optional<SendTimings>& timings, int exit_status) {
    if (timings) {
        if (g.json) std::fprintf(stderr, "%s\n", timings->to_json().dump().c_str());
        else std::fputs(timings->to_text().c_str(), stderr);
    }
    return exit_status;
}

}  // namespace

int cmd_send(const Globals& g, const std::filesystem::path& request_file) {
    const Printer out(g.json);
    {
        // No modem, no send: say so before the gate records a clearance for nothing.
        auto cfg = effective_config(g);
        if (!cfg) return report_error(out, cfg.error());
        if (cfg->modem_device.empty())
            return report_error(out, Error{Errc::InvalidInput, "no modem: give --modem DEVICE or set modem.device"});
    }
    std::optional<SendTimings> timings;
    if (g.timings) timings.emplace(g.started);
    Evaluated ev = evaluate(g, request_file, out, timings ? &*timings : nullptr);
    if (ev.exit != 0) return with_timings(g, timings, ev.exit);
    gate::ClearedRelease release = ev.decision->take_release();
    const Cleared c = describe(release, ev.station->directory(), ev.attention);
    out.emit(cleared_json(c), cleared_text(c));
    const std::string tiff = release.tiff_path();
    InterruptGuard interrupts;
    Progress progress(out, release.job_id(), release.page_count());
    station::TransmitOptions options = foreground_options(ev.station->config(), progress);
    if (timings) {
        options.on_step = [&timings](station::TransmitStep s, std::chrono::steady_clock::time_point at) {
            timings->mark(station::to_string(s), at);
        };
        // The session's dial (ATD queued, written in the same turn of the call loop).
        options.on_event = [&timings, &progress, dialled = false](const t30::SessionEvent& e) mutable {
            if (e.phase == t30::CallPhase::Dialing && !dialled) {
                dialled = true;
                timings->mark("dial");
            }
            progress.on_event(e);
        };
    }
    Transmitter tx(ev.station->gate(), std::move(options));
    const TransmitReport rep = tx.run(std::move(release));
    if (timings) timings->mark("call_end");
    // The report is filed whatever the result; failing to write it does not change what
    // happened on the line (the outcome is already in the audit trail), so it only warns.
    ReportRecipient who{c.organisation, c.attention, c.number, ""};
    if (auto e = ev.station->directory().get(c.recipient_id); e.ok() && e->expected_csi) who.expected_csi = *e->expected_csi;
    if (auto files = write_job_report(ev.station->config(), rep, who, tiff); files.ok()) {
        out.emit({{"event", "report"}, {"png", files->png.string()}, {"pdf", files->pdf.string()}},
                 "report: " + files->pdf.string() + " (and .png)");
    } else {
        out.error(Error{files.error().code, "job " + rep.job_id + ": the transmission report was not written: " +
                                                files.error().message});
    }
    return with_timings(g, timings, finish_transmission(rep, g, out, tiff));
}

int cmd_submit(const Globals& g, const std::filesystem::path& request_file) {
    const Printer out(g.json);
    std::optional<SendTimings> timings;
    if (g.timings) timings.emplace(g.started);
    Evaluated ev = evaluate(g, request_file, out, timings ? &*timings : nullptr);
    if (ev.exit != 0) return with_timings(g, timings, ev.exit);
    gate::ClearedRelease release = ev.decision->take_release();
    const Cleared c = describe(release, ev.station->directory(), ev.attention);
    out.emit(cleared_json(c), cleared_text(c));
    job::Tuning tuning;
    tuning.ecm = ev.station->config().ecm;
    auto job = ev.station->dispatcher().submit(std::move(release), std::chrono::system_clock::now(), tuning);
    if (!job) return with_timings(g, timings, report_error(out, job.error()));
    if (timings) timings->mark("queue_write");
    // The spooled file stays: the daemon sends it (and removes it when the job closes).
    out.emit(json{{"event", "queued"}, {"job_id", job->id}, {"pages", job->page_count}},
             "  queued:    job " + job->id + " (faxd sends it; `faxctl status " + job->id + "` follows it)");
    return with_timings(g, timings, code(Exit::Ok));
}

}  // namespace fax::faxctl
