#include "fax/job/job_queue.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fax/store/database.h"
#include "fax/store/stored_time.h"

namespace fax::job {

using store::Statement;
using nlohmann::json;

namespace {

// Schema text for both backends (store::schema_sql), applied version by version.
constexpr const char* kSchema = R"sql(
CREATE TABLE jobs (
  job_id           TEXT PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('release', 'verification_test_fax')),
  state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  recipient_id     TEXT NOT NULL,
  page_count       %INT% NOT NULL CHECK (page_count >= 1),
  submitted_at     %INT% NOT NULL,
  not_before       %INT% NOT NULL,
  attempts         %INT% NOT NULL DEFAULT 0,
  modem            TEXT NOT NULL DEFAULT '',
  max_modulation   TEXT NOT NULL DEFAULT 'V.17',
  ecm              %INT% NOT NULL DEFAULT 1,
  confirmed_pages  TEXT NOT NULL DEFAULT '[]',
  last_completion  TEXT NOT NULL DEFAULT '',
  last_detail      TEXT NOT NULL DEFAULT '',
  cancel_requested %INT% NOT NULL DEFAULT 0,
  cancel_by        TEXT NOT NULL DEFAULT '',
  updated_at       %INT% NOT NULL
);
CREATE INDEX jobs_due ON jobs(state, not_before, submitted_at);
CREATE TABLE page_confirmations (
  job_id  TEXT NOT NULL REFERENCES jobs(job_id),
  attempt %INT% NOT NULL,
  page    %INT% NOT NULL,
  at      %INT% NOT NULL,
  PRIMARY KEY (job_id, attempt, page)
);
)sql";

// Version 2: what faxd says about each configured modem, for `faxctl modems`. Rows are
// replaced, never appended: this is live state, not a record (the audit trail is).
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE modem_status (
  entry       TEXT PRIMARY KEY,
  device      TEXT NOT NULL DEFAULT '',
  modem_class TEXT NOT NULL DEFAULT '',
  profile     TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL,
  job_id      TEXT NOT NULL DEFAULT '',
  detail      TEXT NOT NULL DEFAULT '',
  pid         %INT% NOT NULL,
  updated_at  %INT% NOT NULL
);
)sql";

// Version 3: leases and the spooled files. A running attempt is leased to the station
// that runs it, which renews the lease while the call goes on; a station that dies
// stops renewing, and another applies the recovery rules once the lease has expired
// (docs/station.md, docs/multi-station.md). The cleared fax file of each open job is
// kept here on a shared store, so that any station can send any job. Each modem status
// row names its station.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_until %INT% NOT NULL DEFAULT 0;
ALTER TABLE modem_status ADD COLUMN station TEXT NOT NULL DEFAULT '';
CREATE TABLE spool_files (
  job_id  TEXT PRIMARY KEY REFERENCES jobs(job_id),
  sha256  TEXT NOT NULL,
  content %BLOB% NOT NULL
);
)sql";

// On a shared store every station reports its own modems: the same device name may
// appear once per station. (A SQLite file is one station's: the entry alone is the key.)
constexpr const char* kPostgresModemKeyV3 =
    "ALTER TABLE modem_status DROP CONSTRAINT modem_status_pkey, ADD PRIMARY KEY (station, entry)";

constexpr const char* kColumns =
    "job_id, kind, state, recipient_id, page_count, submitted_at, not_before, attempts, modem, max_modulation, ecm, "
    "confirmed_pages, last_completion, last_detail, cancel_requested, cancel_by, updated_at, lease_owner, lease_until";


std::string pages_json(const std::vector<int>& pages) { return json(pages).dump(); }
std::vector<int> pages_from(const std::string& text) {
    std::vector<int> out;
    const json j = json::parse(text, nullptr, false);
    if (!j.is_array()) return out;
    for (const auto& x : j)
        if (x.is_number_integer()) out.push_back(x.get<int>());
    return out;
}

Job row_to_job(const Statement& st) {
    Job j;
    j.id = st.text(0);
    j.kind = st.text(1) == "verification_test_fax" ? gate::ReleaseKind::VerificationTestFax : gate::ReleaseKind::Release;
    j.state = parse_job_state(st.text(2)).value_or(JobState::Failed);
    j.recipient_id = st.text(3);
    j.page_count = static_cast<int>(st.integer(4));
    j.submitted_at = store::from_unix_ms(st.integer(5));
    j.not_before = store::from_unix_ms(st.integer(6));
    j.attempts = static_cast<int>(st.integer(7));
    j.modem = st.text(8);
    j.tuning.max_modulation = parse_modulation(st.text(9)).value_or(Modulation::V17);
    j.tuning.ecm = st.integer(10) != 0;
    j.confirmed_pages = pages_from(st.text(11));
    j.last_completion = st.text(12);
    j.last_detail = st.text(13);
    j.cancel_requested = st.integer(14) != 0;
    j.cancel_by = st.text(15);
    j.updated_at = store::from_unix_ms(st.integer(16));
    j.lease_owner = st.text(17);
    j.lease_until = store::from_unix_ms(st.integer(18));
    return j;
}

Result<std::vector<Job>> query(store::Database& db, const std::string& where_order, const std::vector<std::string>& binds = {},
                               std::optional<int64_t> bind_int = std::nullopt) {
    auto st = db.prepare(std::string("SELECT ") + kColumns + " FROM jobs " + where_order);
    if (!st) return fail(st.take_error());
    int i = 1;
    for (const auto& b : binds) st->bind(i++, b);
    if (bind_int) st->bind(i++, *bind_int);
    std::vector<Job> out;
    while (true) {
        auto r = st->step();
        if (!r) return fail(r.take_error());
        if (!*r) break;
        out.push_back(row_to_job(*st));
    }
    return out;
}

// Runs one UPDATE and insists that it changed exactly one row.
Status update_one(Statement& st, std::string_view id, std::string_view what) {
    FAX_TRY(st.run());
    if (st.changes() != 1)
        return fail(Errc::InvalidArgument, "queue: job " + std::string(id) + " " + std::string(what));
    return {};
}

}  // namespace

std::string_view to_string(JobState s) {
    switch (s) {
    case JobState::Queued: return "queued";
    case JobState::Running: return "running";
    case JobState::Done: return "done";
    case JobState::Failed: return "failed";
    case JobState::Cancelled: return "cancelled";
    }
    return "failed";
}

std::optional<JobState> parse_job_state(std::string_view s) {
    for (auto x : {JobState::Queued, JobState::Running, JobState::Done, JobState::Failed, JobState::Cancelled})
        if (to_string(x) == s) return x;
    return std::nullopt;
}

std::string_view to_string(Modulation m) {
    switch (m) {
    case Modulation::V17: return "V.17";
    case Modulation::V29: return "V.29";
    case Modulation::V27ter: return "V.27ter";
    }
    return "V.17";
}

std::optional<Modulation> parse_modulation(std::string_view s) {
    for (auto x : {Modulation::V17, Modulation::V29, Modulation::V27ter})
        if (to_string(x) == s) return x;
    return std::nullopt;
}

std::string describe(const Tuning& t) {
    return std::string(to_string(t.max_modulation)) + " max, ECM " + (t.ecm ? "on" : "off");
}

JobQueue::JobQueue(std::shared_ptr<store::Database> db) : db_(std::move(db)) {}
JobQueue::JobQueue(JobQueue&&) noexcept = default;
JobQueue& JobQueue::operator=(JobQueue&&) noexcept = default;
JobQueue::~JobQueue() = default;

Result<JobQueue> JobQueue::open(const std::filesystem::path& path) {
    // A queued release must survive a power cut as surely as its audit entry.
    auto db = store::open_sqlite(path, "queue", true);
    if (!db) return fail(db.take_error());
    return open(std::shared_ptr<store::Database>(std::move(*db)), store::SchemaPolicy::Migrate);
}

Result<JobQueue> JobQueue::open(std::shared_ptr<store::Database> db, store::SchemaPolicy policy) {
    const auto migrate = [&](int version) -> Status {
        const auto b = db->backend();
        if (version == 0) FAX_TRY(db->exec(store::schema_sql(b, kSchema)));
        if (version <= 1) FAX_TRY(db->exec(store::schema_sql(b, kSchemaV2)));
        FAX_TRY(db->exec(store::schema_sql(b, kSchemaV3)));
        return b == store::Backend::Postgres ? db->exec(kPostgresModemKeyV3) : Status{};
    };
    FAX_TRY(store::settle_schema(*db, "queue", kSchemaVersion, policy, migrate));
    return JobQueue(std::move(db));
}

void JobQueue::set_station(std::string station, std::chrono::seconds lease) {
    station_ = std::move(station);
    lease_ = lease;
}

store::Backend JobQueue::backend() const { return db_->backend(); }

Status JobQueue::add_with_file(const Job& j, std::string_view sha256, std::span<const uint8_t> content) {
    auto tx = db_->begin();
    if (!tx) return fail(tx.take_error());
    FAX_TRY(add(j));
    FAX_TRY(put_spool_file(j.id, sha256, content));
    return tx->commit();
}

Status JobQueue::add(const Job& j) {
    if (j.id.empty() || j.page_count < 1) return fail(Errc::InvalidArgument, "queue: a job needs an id and pages");
    auto st = db_->prepare("INSERT INTO jobs(job_id, kind, state, recipient_id, page_count, submitted_at, "
                                 "not_before, max_modulation, ecm, updated_at) VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, "
                                 "?7, ?8, ?5)");
    if (!st) return fail(st.take_error());
    st->bind(1, j.id)
        .bind(2, j.kind == gate::ReleaseKind::VerificationTestFax ? "verification_test_fax" : "release")
        .bind(3, j.recipient_id)
        .bind(4, static_cast<int64_t>(j.page_count))
        .bind(5, store::to_unix_ms(j.submitted_at))
        .bind(6, store::to_unix_ms(j.not_before))
        .bind(7, to_string(j.tuning.max_modulation))
        .bind(8, static_cast<int64_t>(j.tuning.ecm ? 1 : 0));
    auto r = st->run();
    if (!r) {
        if (r.error().code == Errc::Conflict)
            return fail(Errc::InvalidArgument, "queue: job " + j.id + " is already queued");
        return r;
    }
    return {};
}

Result<std::optional<Job>> JobQueue::find(std::string_view id) const {
    auto rows = query(*db_, "WHERE job_id = ?1", {std::string(id)});
    if (!rows) return fail(rows.take_error());
    if (rows->empty()) return std::optional<Job>();
    return std::optional<Job>(std::move(rows->front()));
}

Result<std::vector<Job>> JobQueue::list(const std::vector<JobState>& states, int limit) const {
    std::string where;
    for (auto s : states) where += std::string(where.empty() ? "WHERE state IN (" : ", ") + "'" + std::string(to_string(s)) + "'";
    if (!where.empty()) where += ")";
    return query(*db_, where + " ORDER BY submitted_at DESC, job_id DESC LIMIT ?1", {}, limit);
}

Result<std::optional<Job>> JobQueue::next_due(TimePoint now) const {
    auto rows = query(*db_,
                      "WHERE state = 'queued' AND not_before <= ?1 ORDER BY not_before, submitted_at, job_id LIMIT 1",
                      {}, store::to_unix_ms(now));
    if (!rows) return fail(rows.take_error());
    if (rows->empty()) return std::optional<Job>();
    return std::optional<Job>(std::move(rows->front()));
}

Result<std::optional<TimePoint>> JobQueue::next_wake() const {
    auto st = db_->prepare("SELECT MIN(not_before) FROM jobs WHERE state = 'queued'");
    if (!st) return fail(st.take_error());
    auto r = st->step();
    if (!r) return fail(r.take_error());
    if (!*r || st->is_null(0)) return std::optional<TimePoint>();
    return std::optional<TimePoint>(store::from_unix_ms(st->integer(0)));
}

Status JobQueue::start_attempt(std::string_view id, int attempt, std::string_view modem, TimePoint now) {
    auto st = db_->prepare("UPDATE jobs SET state = 'running', attempts = ?2, modem = ?3, updated_at = ?4, "
                           "lease_owner = ?5, lease_until = ?6 "
                           "WHERE job_id = ?1 AND state = 'queued' AND attempts = ?2 - 1");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, static_cast<int64_t>(attempt)).bind(3, modem).bind(4, store::to_unix_ms(now));
    st->bind(5, station_).bind(6, store::to_unix_ms(now + lease_));
    return update_one(*st, id, "is not queued for attempt " + std::to_string(attempt));
}

Status JobQueue::revert_attempt(std::string_view id, int attempts_before, TimePoint now) {
    auto st = db_->prepare("UPDATE jobs SET state = 'queued', attempts = ?2, updated_at = ?3 "
                                 "WHERE job_id = ?1 AND state = 'running'");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, static_cast<int64_t>(attempts_before)).bind(3, store::to_unix_ms(now));
    return update_one(*st, id, "is not running");
}

Status JobQueue::page_confirmed(std::string_view id, int attempt, int page, TimePoint now) {
    auto st = db_->prepare("INSERT INTO page_confirmations(job_id, attempt, page, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, static_cast<int64_t>(attempt)).bind(3, static_cast<int64_t>(page)).bind(4, store::to_unix_ms(now));
    return st->run();
}

Result<std::vector<int>> JobQueue::pages_confirmed_during(std::string_view id, int attempt) const {
    auto st = db_->prepare("SELECT page FROM page_confirmations WHERE job_id = ?1 AND attempt = ?2 ORDER BY page");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, static_cast<int64_t>(attempt));
    std::vector<int> out;
    while (true) {
        auto r = st->step();
        if (!r) return fail(r.take_error());
        if (!*r) break;
        out.push_back(static_cast<int>(st->integer(0)));
    }
    return out;
}

Status JobQueue::finish_attempt(std::string_view id, const AttemptEnd& end, TimePoint now) {
    auto st = db_->prepare("UPDATE jobs SET state = ?2, not_before = ?3, max_modulation = ?4, ecm = ?5, "
                                 "confirmed_pages = ?6, last_completion = ?7, last_detail = ?8, updated_at = ?9 "
                                 "WHERE job_id = ?1 AND state = 'running'");
    if (!st) return fail(st.take_error());
    st->bind(1, id)
        .bind(2, to_string(end.state))
        .bind(3, store::to_unix_ms(end.not_before))
        .bind(4, to_string(end.tuning.max_modulation))
        .bind(5, static_cast<int64_t>(end.tuning.ecm ? 1 : 0))
        .bind(6, pages_json(end.confirmed_pages))
        .bind(7, end.completion)
        .bind(8, end.detail)
        .bind(9, store::to_unix_ms(now));
    auto tx = db_->begin();
    if (!tx) return fail(tx.take_error());
    FAX_TRY(update_one(*st, id, "is not running"));
    if (is_closed(end.state)) FAX_TRY(drop_spool_file(id));
    return tx->commit();
}

Status JobQueue::close(std::string_view id, JobState state, std::string_view completion, std::string_view detail,
                       TimePoint now) {
    if (!is_closed(state)) return fail(Errc::InvalidArgument, "queue: close needs a closed state");
    auto st = db_->prepare("UPDATE jobs SET state = ?2, last_completion = ?3, last_detail = ?4, updated_at = ?5 "
                                 "WHERE job_id = ?1 AND state = 'queued'");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, to_string(state)).bind(3, completion).bind(4, detail).bind(5, store::to_unix_ms(now));
    auto tx = db_->begin();
    if (!tx) return fail(tx.take_error());
    FAX_TRY(update_one(*st, id, "is not queued"));
    FAX_TRY(drop_spool_file(id));
    return tx->commit();
}

Status JobQueue::request_cancel(std::string_view id, std::string_view staff_id, TimePoint now) {
    auto st = db_->prepare("UPDATE jobs SET cancel_requested = 1, cancel_by = ?2, updated_at = ?3 "
                                 "WHERE job_id = ?1 AND state IN ('queued', 'running')");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, staff_id).bind(3, store::to_unix_ms(now));
    return update_one(*st, id, "is not queued or running (unknown, or already closed)");
}

Result<std::optional<JobQueue::Claim>> JobQueue::claim_next_due(TimePoint now, std::string_view modem) {
    // One transaction: the row is taken under a row lock that other stations skip
    // (PostgreSQL), or under the file's write lock (SQLite), so that two stations with a
    // free modem never start the same attempt.
    auto tx = db_->begin();
    if (!tx) return fail(tx.take_error());
    const std::string lock = db_->backend() == store::Backend::Postgres ? " FOR UPDATE SKIP LOCKED" : "";
    auto rows = query(*db_, "WHERE state = 'queued' AND not_before <= ?1 ORDER BY not_before, submitted_at, job_id LIMIT 1" + lock,
                      {}, store::to_unix_ms(now));
    if (!rows) return fail(rows.take_error());
    if (rows->empty()) {
        FAX_TRY(tx->commit());
        return std::optional<Claim>();
    }
    Claim c{std::move(rows->front()), false};
    if (!c.job.cancel_requested) {
        FAX_TRY(start_attempt(c.job.id, c.job.attempts + 1, modem, now));
        c.started = true;
    }
    FAX_TRY(tx->commit());
    return std::optional<Claim>(std::move(c));
}

Status JobQueue::renew_lease(std::string_view id, TimePoint now) {
    auto st = db_->prepare("UPDATE jobs SET lease_until = ?3 WHERE job_id = ?1 AND state = 'running' AND lease_owner = ?2");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, station_).bind(3, store::to_unix_ms(now + lease_));
    return update_one(*st, id, "is not running under this station's lease");
}

Result<std::vector<Job>> JobQueue::recoverable(TimePoint now, bool all_running, bool own) const {
    if (all_running) return query(*db_, "WHERE state = 'running' ORDER BY submitted_at, job_id");
    if (own)
        return query(*db_, "WHERE state = 'running' AND (lease_owner = ?1 OR lease_until < ?2) ORDER BY submitted_at, job_id",
                     {station_}, store::to_unix_ms(now));
    return query(*db_, "WHERE state = 'running' AND lease_until < ?1 ORDER BY submitted_at, job_id", {},
                 store::to_unix_ms(now));
}

Result<bool> JobQueue::take_over(const Job& job, TimePoint now) {
    // Only if the lease is still the one that was seen: of two stations recovering the
    // same job, one wins.
    auto st = db_->prepare("UPDATE jobs SET lease_owner = ?2, lease_until = ?3 "
                           "WHERE job_id = ?1 AND state = 'running' AND attempts = ?4 AND lease_owner = ?5 AND lease_until = ?6");
    if (!st) return fail(st.take_error());
    st->bind(1, job.id).bind(2, station_).bind(3, store::to_unix_ms(now + lease_)).bind(4, static_cast<int64_t>(job.attempts));
    st->bind(5, job.lease_owner).bind(6, store::to_unix_ms(job.lease_until));
    FAX_TRY(st->run());
    return st->changes() == 1;
}

Status JobQueue::put_spool_file(std::string_view id, std::string_view sha256, std::span<const uint8_t> content) {
    auto st = db_->prepare("INSERT INTO spool_files(job_id, sha256, content) VALUES (?1, ?2, ?3)");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, sha256).bind_blob(3, content);
    return st->run();
}

Result<std::optional<std::string>> JobQueue::spool_file(std::string_view id) const {
    auto st = db_->prepare("SELECT content FROM spool_files WHERE job_id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id);
    auto r = st->step();
    if (!r) return fail(r.take_error());
    if (!*r) return std::optional<std::string>();
    return std::optional<std::string>(st->blob(0));
}

Status JobQueue::drop_spool_file(std::string_view id) {
    auto st = db_->prepare("DELETE FROM spool_files WHERE job_id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id);
    return st->run();
}

Status JobQueue::put_modem_status(const ModemStatus& m) {
    const std::string key = db_->backend() == store::Backend::Postgres ? "(station, entry)" : "(entry)";
    auto st = db_->prepare("INSERT INTO modem_status(entry, device, modem_class, profile, state, job_id, "
                           "detail, pid, updated_at, station) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                           "ON CONFLICT " + key + " DO UPDATE SET device = excluded.device, "
                           "modem_class = excluded.modem_class, profile = excluded.profile, state = excluded.state, "
                           "job_id = excluded.job_id, detail = excluded.detail, pid = excluded.pid, "
                           "updated_at = excluded.updated_at, station = excluded.station");
    if (!st) return fail(st.take_error());
    st->bind(10, station_);
    st->bind(1, m.entry).bind(2, m.device).bind(3, m.modem_class).bind(4, m.profile).bind(5, m.state);
    st->bind(6, m.job_id).bind(7, m.detail).bind(8, static_cast<int64_t>(m.pid)).bind(9, store::to_unix_ms(m.updated_at));
    return st->run();
}

Status JobQueue::retain_modem_statuses(const std::vector<std::string>& entries) {
    auto all = modem_statuses();
    if (!all) return fail(all.take_error());
    for (const auto& m : *all) {
        if (std::find(entries.begin(), entries.end(), m.entry) != entries.end()) continue;
        auto st = db_->prepare("DELETE FROM modem_status WHERE entry = ?1 AND station = ?2");
        if (!st) return fail(st.take_error());
        st->bind(1, m.entry).bind(2, station_);
        FAX_TRY(st->run());
    }
    return {};
}

Result<std::vector<ModemStatus>> JobQueue::modem_statuses() const {
    auto st = db_->prepare("SELECT entry, device, modem_class, profile, state, job_id, detail, pid, updated_at, station "
                           "FROM modem_status ORDER BY station, entry");
    if (!st) return fail(st.take_error());
    std::vector<ModemStatus> out;
    for (;;) {
        auto row = st->step();
        if (!row) return fail(row.take_error());
        if (!*row) break;
        ModemStatus m;
        m.entry = st->text(0);
        m.device = st->text(1);
        m.modem_class = st->text(2);
        m.profile = st->text(3);
        m.state = st->text(4);
        m.job_id = st->text(5);
        m.detail = st->text(6);
        m.pid = static_cast<int>(st->integer(7));
        m.updated_at = store::from_unix_ms(st->integer(8));
        m.station = st->text(9);
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace fax::job
