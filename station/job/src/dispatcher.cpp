#include "fax/job/dispatcher.h"

#include <algorithm>

#include "fax/base/bounded_read.h"
#include "fax/base/log.h"
#include "fax/base/private_file.h"
#include "fax/gate/policy.h"

namespace fax::job {
namespace {

constexpr const char* kLog = "jobs";

bool has(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// Delivered: every page of the record confirmed (the cover of a multi-page release is
// not what the recipient needs; a verification test fax is its cover).
bool all_delivered(const std::vector<int>& confirmed, int page_count) {
    for (int p = page_count > 1 ? 2 : 1; p <= page_count; ++p)
        if (!has(confirmed, p)) return false;
    return true;
}

// The pages the next attempt sends: the cover, then every page not yet confirmed.
std::vector<int> pages_to_send(const std::vector<int>& confirmed, int page_count) {
    std::vector<int> pages{1};
    for (int p = 2; p <= page_count; ++p)
        if (!has(confirmed, p)) pages.push_back(p);
    return pages;
}

JobState state_for_reason(std::string_view reason) {
    if (reason == "delivered") return JobState::Done;
    if (reason == "cancelled") return JobState::Cancelled;
    return JobState::Failed;
}

std::string reason_for_refusal(const gate::AttemptRecord& a) {
    for (const auto& id : a.rule_ids)
        if (id == gate::rule::kAttemptExpired) return "expired";
    for (const auto& id : a.rule_ids)
        if (id == gate::rule::kAttemptDocumentChanged) return "document_changed";
    return "unverified";
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

}  // namespace

Dispatcher::Dispatcher(gate::ReleaseGate& gate, gate::AuditLog& audit, JobQueue& queue, RetryPolicy policy)
    : gate_(gate), audit_(audit), queue_(queue), policy_(std::move(policy)) {}

Result<Job> Dispatcher::submit(gate::ClearedRelease&& release, TimePoint now, Tuning tuning) {
    if (!release.valid()) return fail(Errc::InvalidArgument, "queue: the release was already used");
    Job j;
    j.id = release.job_id();
    j.kind = release.kind();
    j.recipient_id = release.recipient_id();
    j.page_count = release.page_count();
    j.submitted_at = now;
    j.not_before = now;
    j.tuning = tuning;
    if (shared_spool_) {
        // On a shared store the cleared file goes into the database with the job: any
        // station may take it, and the gate's re-check there proves it is this file.
        auto bytes = read_spooled(release.tiff_path());
        if (!bytes) return fail(bytes.take_error());
        FAX_TRY(queue_.add_with_file(j, release.content_sha256(),
                                     std::span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size())));
    } else {
        FAX_TRY(queue_.add(j));
    }
    // Spent: from here on only the queue's attempts (each re-checked by the gate) send it.
    (void)release.consume();
    FAX_LOG(Info, kLog, "job " + j.id + " queued: " + std::to_string(j.page_count) + " pages to recipient entry '" +
                            j.recipient_id + "'");
    return j;
}

Status Dispatcher::close_queued(const Job& job, JobState state, std::string reason, std::string detail,
                                const gate::StaffMember& by, TimePoint now) {
    auto closure = audit_.find_closure(job.id);
    if (!closure) return fail(closure.take_error());
    if (!*closure) {
        auto delivered = audit_.delivered_pages(job.id);
        if (!delivered) return fail(delivered.take_error());
        FAX_TRY(gate_.close_job({job.id, reason, detail, job.attempts, *delivered, by, now}));
    }
    return queue_.close(job.id, state, reason, detail, now);
}

Result<std::optional<StartedAttempt>> Dispatcher::start_next(std::string_view modem, const gate::Context& ctx) {
    for (;;) {
        // Taken for this station (leased), or a cancelled one to close: no other station
        // starts the same attempt.
        auto due = queue_.claim_next_due(ctx.now, modem);
        if (!due) return fail(due.take_error());
        if (!*due) return std::optional<StartedAttempt>();
        const Job job = std::move((*due)->job);
        if (!(*due)->started) {
            auto closed = close_queued(job, JobState::Cancelled, "cancelled", "cancelled by staff before the next attempt",
                                       {job.cancel_by, ""}, ctx.now);
            // Another station closed it first: nothing left to do here.
            if (!closed && closed.error().code != Errc::InvalidArgument) return fail(closed.take_error());
            continue;
        }
        const int attempt = job.attempts + 1;
        const std::vector<int> pages = pages_to_send(job.confirmed_pages, job.page_count);
        if (shared_spool_) {
            if (auto s = fetch_spooled(job.id); !s) {
                (void)queue_.revert_attempt(job.id, job.attempts, ctx.now);
                return fail(s.take_error());
            }
        }
        auto decision = gate_.clear_attempt(job.id, {attempt, pages, describe(job.tuning), std::string(modem)}, ctx);
        if (!decision) {
            (void)queue_.revert_attempt(job.id, job.attempts, ctx.now);
            return fail(decision.take_error());
        }
        if (!decision->cleared()) {
            auto attempts = audit_.find_attempts(job.id);
            if (!attempts) return fail(attempts.take_error());
            const std::string reason = attempts->empty() ? "unverified" : reason_for_refusal(attempts->back());
            const std::string detail = "attempt " + std::to_string(attempt) + " refused by the gate (" +
                                       join(decision->refusal().rule_ids()) + ")";
            auto delivered = audit_.delivered_pages(job.id);
            if (!delivered) return fail(delivered.take_error());
            FAX_TRY(gate_.close_job({job.id, reason, detail, job.attempts, *delivered, {}, ctx.now}));
            FAX_TRY(queue_.finish_attempt(
                job.id, {job.confirmed_pages, JobState::Failed, job.not_before, job.tuning, "refused", detail}, ctx.now));
            FAX_LOG(Warn, kLog, "job " + job.id + " closed: " + detail);
            continue;
        }
        StartedAttempt a{job.id, attempt, pages, job.tuning, job.page_count, decision->take_release(), ctx.now};
        FAX_LOG(Info, kLog,
                "job " + job.id + " attempt " + std::to_string(attempt) + " on " + std::string(modem) + " (" +
                    std::to_string(pages.size()) + " pages, " + describe(job.tuning) + ")");
        return std::optional<StartedAttempt>(std::move(a));
    }
}

Status Dispatcher::page_confirmed(const StartedAttempt& a, int attempt_page, TimePoint now) {
    if (attempt_page < 1 || attempt_page > static_cast<int>(a.pages.size()))
        return fail(Errc::InvalidArgument, "queue: page " + std::to_string(attempt_page) + " is not in the attempt");
    return queue_.page_confirmed(a.job_id, a.attempt, a.pages[static_cast<std::size_t>(attempt_page - 1)], now);
}

Result<Job> Dispatcher::apply_outcome(const Job& job, int attempt, const Tuning& used,
                                      const gate::TransmissionOutcome& outcome, bool station_shutdown, TimePoint now) {
    auto delivered = audit_.delivered_pages(job.id);
    if (!delivered) return fail(delivered.take_error());
    const bool all = all_delivered(*delivered, job.page_count);
    auto current = queue_.find(job.id);
    if (!current) return fail(current.take_error());
    const bool cancelled = *current && (*current)->cancel_requested;

    NextStep step = decide(policy_, used, attempt, outcome, all, station_shutdown);
    gate::StaffMember by;
    if (cancelled && !all) {
        step.state = JobState::Cancelled;
        step.reason = "cancelled";
        by.staff_id = (*current)->cancel_by;
    }
    const std::string completion(gate::to_string(outcome.completion));
    if (is_closed(step.state)) {
        auto closure = audit_.find_closure(job.id);
        if (!closure) return fail(closure.take_error());
        if (!*closure)
            FAX_TRY(gate_.close_job({job.id, step.reason, outcome.detail, attempt, *delivered, by, now}));
    }
    JobQueue::AttemptEnd end{*delivered, step.state, now + step.delay, step.tuning, completion, outcome.detail};
    FAX_TRY(queue_.finish_attempt(job.id, end, now));
    FAX_LOG(Info, kLog,
            "job " + job.id + " attempt " + std::to_string(attempt) + " ended " + completion + " (" +
                std::string(to_string(step.failure)) + "); " + std::to_string(delivered->size()) + " of " +
                std::to_string(job.page_count) + " pages confirmed; job " + std::string(to_string(step.state)) +
                (step.state == JobState::Queued ? " (next in " + std::to_string(step.delay.count()) + " s, " +
                                                      describe(step.tuning) + ")"
                                                : ""));
    auto updated = queue_.find(job.id);
    if (!updated) return fail(updated.take_error());
    if (!*updated) return fail(Errc::Internal, "queue: job " + job.id + " vanished");
    return std::move(**updated);
}

Result<Job> Dispatcher::finish(const StartedAttempt& a, const gate::TransmissionOutcome& outcome, bool station_shutdown,
                               TimePoint now) {
    gate::TransmissionOutcome o = outcome;
    o.attempt = a.attempt;
    FAX_TRY(gate_.record_outcome(a.job_id, o));
    auto job = queue_.find(a.job_id);
    if (!job) return fail(job.take_error());
    if (!*job) return fail(Errc::NotFound, "queue: no job " + a.job_id);
    return apply_outcome(**job, a.attempt, a.tuning, o, station_shutdown, now);
}

Result<int> Dispatcher::recover(const gate::Context& ctx, Recovery which) {
    // Alone on SQLite files every running job is this station's; on a shared store, its
    // own (a restart) and those whose station stopped renewing the lease.
    const bool alone = queue_.backend() == store::Backend::Sqlite;
    if (alone && which == Recovery::ExpiredLeases) return 0;
    auto running = queue_.recoverable(ctx.now, alone, which == Recovery::Startup);
    if (!running) return fail(running.take_error());
    int n = 0;
    for (const Job& job : *running) {
        const int k = job.attempts;
        if (queue_.backend() != store::Backend::Sqlite) {
            auto mine = queue_.take_over(job, ctx.now);
            if (!mine) return fail(mine.take_error());
            if (!*mine) continue;  // another station is recovering it
            if (job.lease_owner != queue_.station())
                FAX_LOG(Warn, kLog, "job " + job.id + ": the lease of station " + job.lease_owner +
                                        " expired during attempt " + std::to_string(k) + "; recovering it here");
        }
        ++n;
        auto closure = audit_.find_closure(job.id);
        if (!closure) return fail(closure.take_error());
        if (*closure) {
            FAX_TRY(queue_.finish_attempt(job.id,
                                          {(*closure)->delivered_pages, state_for_reason((*closure)->reason), job.not_before,
                                           job.tuning, job.last_completion, (*closure)->detail},
                                          ctx.now));
            continue;
        }
        auto outcomes = audit_.find_outcomes(job.id);
        if (!outcomes) return fail(outcomes.take_error());
        const gate::OutcomeRecord* outcome = nullptr;
        for (const auto& o : *outcomes)
            if (o.outcome.attempt == k) outcome = &o;
        if (outcome != nullptr) {
            auto r = apply_outcome(job, k, job.tuning, outcome->outcome, false, ctx.now);
            if (!r) return fail(r.take_error());
            continue;
        }
        auto attempts = audit_.find_attempts(job.id);
        if (!attempts) return fail(attempts.take_error());
        const gate::AttemptRecord* entry = nullptr;
        for (const auto& a : *attempts)
            if (a.attempt == k) entry = &a;
        if (entry == nullptr) {
            // The gate never cleared attempt k: nothing was dialled.
            FAX_TRY(queue_.revert_attempt(job.id, k - 1, ctx.now));
            FAX_LOG(Info, kLog, "job " + job.id + ": attempt " + std::to_string(k) + " never started; queued again");
            continue;
        }
        if (!entry->cleared) {
            auto delivered = audit_.delivered_pages(job.id);
            if (!delivered) return fail(delivered.take_error());
            const std::string detail = "attempt " + std::to_string(k) + " refused by the gate (" + join(entry->rule_ids) + ")";
            FAX_TRY(gate_.close_job({job.id, reason_for_refusal(*entry), detail, k - 1, *delivered, {}, ctx.now}));
            FAX_TRY(queue_.finish_attempt(
                job.id, {*delivered, JobState::Failed, job.not_before, job.tuning, "refused", detail}, ctx.now));
            continue;
        }
        // Cleared and maybe dialled, no outcome: only the pages recorded as MCF-confirmed
        // during the call count; the rest are sent again.
        auto confirmed = queue_.pages_confirmed_during(job.id, k);
        if (!confirmed) return fail(confirmed.take_error());
        gate::TransmissionOutcome o;
        o.attempt = k;
        o.confirmed_pages = *confirmed;
        o.pages_confirmed = static_cast<int>(confirmed->size());
        o.pages_sent = o.pages_confirmed;  // at least these; the rest is unknown
        o.completion = o.pages_confirmed > 0 ? gate::CompletionCode::Partial : gate::CompletionCode::Failed;
        o.detail = "interrupted: the station stopped during attempt " + std::to_string(k) +
                   "; only pages recorded as confirmed count";
        o.started_at = entry->decided_at;
        o.finished_at = ctx.now;
        FAX_TRY(gate_.record_outcome(job.id, o));
        auto r = apply_outcome(job, k, job.tuning, o, true, ctx.now);
        if (!r) return fail(r.take_error());
        FAX_LOG(Warn, kLog,
                "job " + job.id + ": attempt " + std::to_string(k) + " was interrupted; " +
                    std::to_string(o.pages_confirmed) + " pages had been confirmed");
    }
    return n;
}

void Dispatcher::set_shared_spool(std::filesystem::path spool_dir) { shared_spool_ = std::move(spool_dir); }

Result<std::string> Dispatcher::read_spooled(const std::string& path) const {
    // The gate wrote it a moment ago; bounded all the same (a fax file of the largest
    // document the limits allow is far below this).
    return read_bounded_regular_file(path, std::size_t{1} << 30, "spooled fax file");
}

Status Dispatcher::fetch_spooled(const std::string& job_id) const {
    const auto target = *shared_spool_ / (job_id + ".tif");
    std::error_code ec;
    if (std::filesystem::exists(target, ec)) return {};  // this station cleared it (or fetched it before)
    auto bytes = queue_.spool_file(job_id);
    if (!bytes) return fail(bytes.take_error());
    // Missing: the gate's re-check refuses the attempt (the file is not the one cleared).
    if (!*bytes) return {};
    return write_private_file(target, **bytes);
}

Status Dispatcher::cancel(std::string_view job_id, const gate::StaffMember& by, TimePoint now) {
    FAX_TRY(queue_.request_cancel(job_id, by.staff_id, now));
    auto job = queue_.find(job_id);
    if (!job) return fail(job.take_error());
    if (*job && (*job)->state == JobState::Queued)
        return close_queued(**job, JobState::Cancelled, "cancelled", "cancelled by staff", by, now);
    return {};
}

Result<bool> Dispatcher::cancel_requested(std::string_view job_id) const {
    auto job = queue_.find(job_id);
    if (!job) return fail(job.take_error());
    return *job && (*job)->cancel_requested;
}

}  // namespace fax::job
