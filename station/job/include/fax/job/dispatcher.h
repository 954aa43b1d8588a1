// Dispatcher: the station's job logic between the queue, the gate and the audit trail.
// It does no I/O beyond the stores and reads no clock (times are handed in); the daemon
// (tools/faxd) owns the modems and the calls.
//
// The life of a queued job, and what is durable at each step (queue.db / audit.db):
//   submit        gate decision (audit) -> job Queued (queue); the release token is spent
//   start_next    job Running, attempt n (queue) -> gate re-check, attempt n (audit);
//                 only then a ClearedRelease exists and a modem may dial
//   during call   each MCF-confirmed page (queue)
//   finish        outcome n (audit) -> [closure (audit)] -> Queued/closed (queue)
// recover() runs at start-up and completes whatever a crash interrupted, from the
// durable records alone: an attempt without a cleared attempt entry never dialled and
// is undone; one with an entry and no outcome gets an outcome that confirms only the
// pages recorded as MCF-confirmed; an outcome without its queue update is applied.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/driver/cleared_release.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/release_gate.h"
#include "fax/job/job_queue.h"
#include "fax/job/retry_policy.h"
#include "fax/t30/fax_session.h"

namespace fax::job {

enum class Recovery { Startup, ExpiredLeases };

struct StartedAttempt {
    std::string job_id;
    int attempt = 0;
    std::vector<int> pages;  // pages of the cleared document, in the order this attempt sends them
    Tuning tuning;
    int page_count = 0;      // of the cleared document
    gate::ClearedRelease release;
    TimePoint started_at{};
};

class Dispatcher {
public:
    // Lends (does not own) the stores; they must outlive it.
    Dispatcher(gate::ReleaseGate& gate, gate::AuditLog& audit, JobQueue& queue, RetryPolicy policy = {});

    // A cleared release becomes a queued job, due at once; the release is spent (it can
    // no longer be sent in the foreground).
    Result<Job> submit(gate::ClearedRelease&& release, TimePoint now, Tuning tuning = {});

    // For an idle modem: the next due job the gate clears again. Due jobs that staff
    // cancelled are closed (Cancelled); jobs the gate refuses now (expired clearance,
    // recipient no longer verified, file changed) are closed (Failed) and skipped.
    Result<std::optional<StartedAttempt>> start_next(std::string_view modem, const gate::Context& context);

    // During the call: page `attempt_page` (1-based, of the attempt's document) got MCF.
    Status page_confirmed(const StartedAttempt& attempt, int attempt_page, TimePoint now);

    // After the call. `station_shutdown`: the daemon ended the call because it is
    // stopping (not staff, not the line). Returns the job as it now stands.
    Result<Job> finish(const StartedAttempt& attempt, const gate::TransmissionOutcome& outcome, bool station_shutdown,
                       TimePoint now);

    // Start-up: completes every job a crash left Running (see above). Returns how many.
    // On a shared store, Startup takes this station's own running jobs and those whose
    // lease expired; ExpiredLeases (faxd, periodically) only the latter.
    Result<int> recover(const gate::Context& context, Recovery which = Recovery::Startup);

    // Staff cancel (faxctl cancel): recorded in the queue; the daemon ends a running
    // call with DCN and closes the job; a queued job is closed at once here.
    Status cancel(std::string_view job_id, const gate::StaffMember& by, TimePoint now);

    // True if staff asked to cancel this job (the daemon polls it during a call).
    Result<bool> cancel_requested(std::string_view job_id) const;

    JobQueue& queue() { return queue_; }

    // A shared store: cleared files travel with their jobs in the database, and a station
    // taking another's job writes it to `spool_dir` (0600) before the gate re-checks it.
    void set_shared_spool(std::filesystem::path spool_dir);

private:
    Result<std::string> read_spooled(const std::string& path) const;
    Status fetch_spooled(const std::string& job_id) const;
    Result<Job> apply_outcome(const Job& job, int attempt, const Tuning& used, const gate::TransmissionOutcome& outcome,
                              bool station_shutdown, TimePoint now);
    Status close_queued(const Job& job, JobState state, std::string reason, std::string detail,
                        const gate::StaffMember& by, TimePoint now);

    gate::ReleaseGate& gate_;
    gate::AuditLog& audit_;
    JobQueue& queue_;
    RetryPolicy policy_;
    std::optional<std::filesystem::path> shared_spool_;
};

}  // namespace fax::job
