// faxctl queue | status JOB | cancel JOB: the durable queue as staff and IT see it.
// Nothing here prints a member reference: the queue holds none, and the audit
// history shown by status is the attempt, outcome and closure entries (never the
// decision body, which names the member).
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "fax/base/utc_text.h"
#include "fax/job/dispatcher.h"
#include "fax/station/station.h"

namespace fax::faxctl {
namespace {

using nlohmann::json;

std::string iso(job::TimePoint t) { return iso_utc(t); }

std::string pages_text(const std::vector<int>& pages) {
    std::string s;
    for (int p : pages) s += (s.empty() ? "" : ",") + std::to_string(p);
    return s.empty() ? "none" : s;
}

json job_json(const job::Job& j) {
    return {{"event", "job"},
            {"job_id", j.id},
            {"state", std::string(job::to_string(j.state))},
            {"kind", j.kind == gate::ReleaseKind::VerificationTestFax ? "verification_test_fax" : "release"},
            {"recipient_id", j.recipient_id},
            {"pages", j.page_count},
            {"confirmed_pages", j.confirmed_pages},
            {"attempts", j.attempts},
            {"next_attempt_utc", j.state == job::JobState::Queued ? json(iso(j.not_before)) : json(nullptr)},
            {"tuning", job::describe(j.tuning)},
            {"modem", j.modem},
            {"last_completion", j.last_completion},
            {"last_detail", j.last_detail},
            {"cancel_requested", j.cancel_requested},
            {"submitted_utc", iso(j.submitted_at)},
            {"updated_utc", iso(j.updated_at)}};
}

std::string job_line(const job::Job& j) {
    char buf[256];
    const std::string last = j.state == job::JobState::Queued ? "next " + iso(j.not_before) : printable(j.last_completion);
    std::snprintf(buf, sizeof buf, "%-26s %-9s %-18s %2zu/%-2d  %2d  %s", printable(j.id).c_str(),
                  std::string(job::to_string(j.state)).c_str(), printable(j.recipient_id).c_str(),
                  j.confirmed_pages.size(), j.page_count, j.attempts, last.c_str());
    return buf;
}

}  // namespace

int cmd_queue(const Globals& g, bool all) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    auto station = Station::open(*cfg);
    if (!station) return report_error(out, station.error());
    auto jobs = all ? (*station)->queue().list()
                    : (*station)->queue().list({job::JobState::Queued, job::JobState::Running});
    if (!jobs) return report_error(out, jobs.error());
    out.text("JOB                        STATE     RECIPIENT          PAGES  TRIES  NEXT / LAST RESULT");
    for (const auto& j : *jobs) out.emit(job_json(j), job_line(j));
    if (jobs->empty()) out.text(all ? "(no jobs)" : "(nothing queued or running)");
    return code(Exit::Ok);
}

int cmd_status(const Globals& g, const std::string& job_id) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    auto station = Station::open(*cfg);
    if (!station) return report_error(out, station.error());
    auto j = (*station)->queue().find(job_id);
    if (!j) return report_error(out, j.error());
    if (!*j) return report_error(out, Error{Errc::NotFound, "no queued job " + printable(job_id)});
    const job::Job& job = **j;
    std::string text = "job " + job.id + ": " + std::string(job::to_string(job.state)) + "\n  recipient entry: " +
                       printable(job.recipient_id) + "\n  pages: " + std::to_string(job.page_count) +
                       " (cover included); confirmed by the remote: " + pages_text(job.confirmed_pages) +
                       "\n  attempts: " + std::to_string(job.attempts);
    if (job.state == job::JobState::Queued)
        text += "\n  next attempt: " + iso(job.not_before) + " (" + job::describe(job.tuning) + ")";
    if (!job.last_completion.empty())
        text += "\n  last result: " + printable(job.last_completion) + " " + printable(job.last_detail);
    if (job.cancel_requested) text += "\n  cancel requested by " + printable(job.cancel_by);
    out.emit(job_json(job), text);

    auto& audit = (*station)->audit();
    auto attempts = audit.find_attempts(job_id);
    auto outcomes = audit.find_outcomes(job_id);
    auto closure = audit.find_closure(job_id);
    if (!attempts || !outcomes || !closure) return report_error(out, Error{Errc::Io, "audit trail unreadable"});
    for (const auto& a : *attempts)
        out.emit({{"event", "attempt"}, {"attempt", a.attempt}, {"cleared", a.cleared}, {"pages", a.pages},
                  {"rule_ids", a.rule_ids}, {"tuning", a.tuning}, {"modem", a.modem}, {"at_utc", iso(a.decided_at)}},
                 "  attempt " + std::to_string(a.attempt) + " " + (a.cleared ? "cleared" : "REFUSED") + " at " +
                     iso(a.decided_at) + ": pages " + pages_text(a.pages) + ", " + printable(a.tuning) + " on " +
                     printable(a.modem));
    for (const auto& o : *outcomes)
        out.emit({{"event", "outcome"}, {"attempt", o.outcome.attempt},
                  {"completion", std::string(gate::to_string(o.outcome.completion))},
                  {"confirmed_pages", o.outcome.confirmed_pages}, {"detail", o.outcome.detail},
                  {"at_utc", iso(o.outcome.finished_at)}},
                 "  outcome " + std::to_string(o.outcome.attempt) + ": " +
                     std::string(gate::to_string(o.outcome.completion)) + ", confirmed pages " +
                     pages_text(o.outcome.confirmed_pages) + (o.outcome.detail.empty() ? "" : " — " + printable(o.outcome.detail)));
    if (*closure)
        out.emit({{"event", "closed"}, {"reason", (*closure)->reason}, {"delivered_pages", (*closure)->delivered_pages},
                  {"at_utc", iso((*closure)->decided_at)}},
                 "  closed: " + (*closure)->reason + ", delivered pages " + pages_text((*closure)->delivered_pages));
    return code(Exit::Ok);
}

int cmd_cancel(const Globals& g, const std::string& job_id, const std::string& staff_id, const std::string& staff_name) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    auto station = Station::open(*cfg);
    if (!station) return report_error(out, station.error());
    auto s = (*station)->dispatcher().cancel(job_id, {staff_id, staff_name}, std::chrono::system_clock::now());
    if (!s) return report_error(out, s.error());
    auto j = (*station)->queue().find(job_id);
    const bool closed = j.ok() && *j && (*j)->state == job::JobState::Cancelled;
    out.emit({{"event", "cancel"}, {"job_id", job_id}, {"closed", closed}},
             closed ? "job " + job_id + " cancelled"
                    : "job " + job_id + ": cancel requested; faxd ends the call in progress (DCN) and closes it");
    return code(Exit::Ok);
}

int cmd_received(const Globals& g) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    auto station = Station::open(*cfg);
    if (!station) return report_error(out, station.error());
    auto faxes = (*station)->received().list();
    if (!faxes) return report_error(out, faxes.error());
    out.text("RECEIVED                   FINISHED              PAGES  RESULT   FROM (TSI)            FILE");
    for (const auto& f : *faxes) {
        char line[512];
        std::snprintf(line, sizeof line, "%-26s %-21s %5d  %-8s %-21s %s", f.id.c_str(), iso(f.finished_at).c_str(),
                      f.pages, f.completion.c_str(), f.remote_tsi.empty() ? "-" : f.remote_tsi.c_str(),
                      f.tiff_path.empty() ? "-" : f.tiff_path.c_str());
        out.emit({{"event", "received"},
                  {"rx_id", f.id},
                  {"modem", f.modem},
                  {"remote_tsi", f.remote_tsi},
                  {"pages", f.pages},
                  {"complete", f.complete},
                  {"completion", f.completion},
                  {"detail", f.detail},
                  {"bit_rate", f.bit_rate},
                  {"modulation", f.modulation},
                  {"ecm", f.ecm},
                  {"started_utc", iso(f.started_at)},
                  {"finished_utc", iso(f.finished_at)},
                  {"tiff", f.tiff_path}},
                 line);
    }
    if (faxes->empty()) out.text("(nothing received)");
    return code(Exit::Ok);
}

}  // namespace fax::faxctl
