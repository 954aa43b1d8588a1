// JobQueue: the station's durable queue of cleared releases (SQLite, <data_dir>/queue.db).
//
// A cleared release becomes a job here; the daemon runs its attempts. The queue holds
// scheduling state only: no member reference and no document content (the spooled
// fax file and the audit trail hold those). Every change is one transaction with
// synchronous=FULL, so a crash or power cut leaves each job either before or after a
// change, never half-way; pages confirmed during a call are written as they arrive,
// so an interrupted call still knows what the remote confirmed.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/driver/cleared_release.h"
#include "fax/store/database.h"

namespace fax::job {

using TimePoint = std::chrono::system_clock::time_point;

enum class JobState {
    Queued,     // waiting for its next attempt (not before `not_before`)
    Running,    // an attempt is on a modem (or was, when the station stopped)
    Done,       // every page confirmed by the remote
    Failed,     // closed without full delivery: attempts exhausted, not retryable, clearance refused
    Cancelled,  // closed by staff
};
std::string_view to_string(JobState s);
std::optional<JobState> parse_job_state(std::string_view s);
inline bool is_closed(JobState s) { return s == JobState::Done || s == JobState::Failed || s == JobState::Cancelled; }

// The fastest modulation family an attempt may train at (retries step down).
enum class Modulation { V17, V29, V27ter };
std::string_view to_string(Modulation m);
std::optional<Modulation> parse_modulation(std::string_view s);

// How the next attempt sets up the call.
struct Tuning {
    Modulation max_modulation = Modulation::V17;
    bool ecm = true;
    friend bool operator==(const Tuning&, const Tuning&) = default;
};
std::string describe(const Tuning& t);  // "V.17 max, ECM on"

struct Job {
    std::string id;  // the gate's job id
    gate::ReleaseKind kind = gate::ReleaseKind::Release;
    JobState state = JobState::Queued;
    std::string recipient_id;
    int page_count = 0;  // of the cleared document, cover included
    TimePoint submitted_at{};
    TimePoint not_before{};
    int attempts = 0;            // attempts started
    std::string modem;           // of the running (or last) attempt
    Tuning tuning;               // for the next attempt
    std::vector<int> confirmed_pages;  // over all finished attempts (1 = cover)
    std::string last_completion;       // CompletionCode name of the last attempt
    std::string last_detail;           // never patient data
    bool cancel_requested = false;
    std::string cancel_by;             // staff id
    TimePoint updated_at{};
    // The station running the attempt (Running), and until when its lease holds.
    std::string lease_owner;
    TimePoint lease_until{};
};

// What faxd reports about one configured modem (faxctl modems). Live state: each row
// is replaced as the modem's state changes, and refreshed while faxd runs.
struct ModemStatus {
    std::string entry;        // the configured modem (its modem.device text, unique)
    std::string device;       // the attached device's stable id; empty while absent
    std::string modem_class;  // "1" or "2.0" once identified
    std::string profile;      // profile id once identified
    std::string state;        // idle, sending, receiving, answering, absent, unusable
    std::string job_id;       // the job of a call in progress
    std::string detail;       // why absent or unusable; never patient data
    int pid = 0;              // faxd's process
    TimePoint updated_at{};   // faxd refreshes it every few seconds
    std::string station;      // the station whose faxd reports it (station.name)
};

class JobQueue {
public:
    // 2: modem status; 3: leases, spooled files, the station of each modem status
    static constexpr int kSchemaVersion = 3;
    static Result<JobQueue> open(const std::filesystem::path& path);
    // The queue's tables in `db`: a SQLite file, or the shared PostgreSQL database that
    // every station takes jobs from.
    static Result<JobQueue> open(std::shared_ptr<store::Database> db, store::SchemaPolicy policy);

    // This station's name (leases, modem status rows) and how long a lease holds
    // without renewal.
    void set_station(std::string station, std::chrono::seconds lease);
    const std::string& station() const { return station_; }
    std::chrono::seconds lease() const { return lease_; }
    store::Backend backend() const;

    JobQueue(JobQueue&&) noexcept;
    JobQueue& operator=(JobQueue&&) noexcept;
    ~JobQueue();

    // A new job in state Queued, due at `not_before`. InvalidArgument if the id is known.
    Status add(const Job& job);
    // The same, with the cleared fax file stored beside it in one transaction (a shared
    // store: whichever station takes the job sends this file).
    Status add_with_file(const Job& job, std::string_view sha256, std::span<const uint8_t> content);

    Result<std::optional<Job>> find(std::string_view id) const;
    // Newest first; `states` empty: all.
    Result<std::vector<Job>> list(const std::vector<JobState>& states = {}, int limit = 1000) const;
    // The queued job due first at `now` (oldest not_before, then submission), if any.
    Result<std::optional<Job>> next_due(TimePoint now) const;
    // The earliest not_before of a queued job, if any (for the daemon's sleep).
    Result<std::optional<TimePoint>> next_wake() const;

    // The queued job due first at `now`, taken by this station: its next attempt started
    // (Running, leased to this station) unless staff asked to cancel it (started=false:
    // the caller closes it). Two stations never take the same job.
    struct Claim {
        Job job;  // as it was before the claim (attempts: those before this one)
        bool started = false;
    };
    Result<std::optional<Claim>> claim_next_due(TimePoint now, std::string_view modem);
    // The lease of a running attempt of this station, extended to now + lease.
    Status renew_lease(std::string_view id, TimePoint now);
    // Running jobs this station must recover: its own (a restart), and any whose lease
    // has expired (a station that died); without `own`, only the expired ones.
    // `all_running`: every running job (one station alone on its SQLite files).
    Result<std::vector<Job>> recoverable(TimePoint now, bool all_running, bool own) const;
    // Takes the lease of a job recoverable() listed, if nobody took it since.
    Result<bool> take_over(const Job& job, TimePoint now);

    // The cleared fax file of an open job, on a shared store (any station sends it).
    Status put_spool_file(std::string_view id, std::string_view sha256, std::span<const uint8_t> content);
    Result<std::optional<std::string>> spool_file(std::string_view id) const;
    Status drop_spool_file(std::string_view id);

    // Queued -> Running with attempts = `attempt` on `modem` (fails if not Queued).
    Status start_attempt(std::string_view id, int attempt, std::string_view modem, TimePoint now);
    // Back to Queued without counting the attempt (it never reached the line).
    Status revert_attempt(std::string_view id, int attempts_before, TimePoint now);
    // A page of the cleared document the remote confirmed during `attempt` (idempotent).
    Status page_confirmed(std::string_view id, int attempt, int page, TimePoint now);
    Result<std::vector<int>> pages_confirmed_during(std::string_view id, int attempt) const;

    // The attempt ended: the job's confirmed pages, state, next tuning and time.
    struct AttemptEnd {
        std::vector<int> confirmed_pages;  // all pages confirmed so far (union)
        JobState state = JobState::Queued;
        TimePoint not_before{};
        Tuning tuning;
        std::string completion;
        std::string detail;
    };
    Status finish_attempt(std::string_view id, const AttemptEnd& end, TimePoint now);
    // Closes a job that is not running (cancel before its attempt; a refused re-check).
    Status close(std::string_view id, JobState state, std::string_view completion, std::string_view detail,
                 TimePoint now);
    // Staff asked to cancel: a queued job is closed by the daemon's next look, a running
    // one ends its call with DCN. InvalidArgument if the job is already closed.
    Status request_cancel(std::string_view id, std::string_view staff_id, TimePoint now);

    // faxd's modems (schema version 2): replace one row; drop the rows of entries no
    // longer configured; all rows, by entry.
    Status put_modem_status(const ModemStatus& status);
    Status retain_modem_statuses(const std::vector<std::string>& entries);
    Result<std::vector<ModemStatus>> modem_statuses() const;

private:
    explicit JobQueue(std::shared_ptr<store::Database> db);
    std::shared_ptr<store::Database> db_;
    std::string station_;
    std::chrono::seconds lease_{30};
};

}  // namespace fax::job
