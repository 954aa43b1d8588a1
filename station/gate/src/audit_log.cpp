#include "fax/gate/audit_log.h"

#include <algorithm>
#include <vector>

#include "audit_records.h"
#include "fax/base/sha256.h"
#include "fax/store/database.h"
#include "time_format.h"

namespace fax::gate {

using detail::from_unix;
using detail::to_unix;
using store::Statement;
using namespace detail;

namespace {

// Schema text for both backends (store::schema_sql), applied version by version on
// either. On PostgreSQL the trail starts at version 4.
//
// Version 2. kind: 'decision' (the gate's decision on a request), 'attempt' (the
// re-check before one transmission attempt of a queued job), 'outcome' (how one
// attempt ended), 'closed' (the job will not be attempted again). Append-only
// (store::append_only_sql); verify() does not rely on that.
constexpr const char* kTableV2 = R"sql(
CREATE TABLE audit_entries (
  seq        %INT% PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('decision', 'attempt', 'outcome', 'closed')),
  job_id     TEXT NOT NULL,
  member_ref TEXT,
  at         %INT% NOT NULL,
  body       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
)sql";

constexpr const char* kIndexesV2 = R"sql(
CREATE UNIQUE INDEX audit_decision_job ON audit_entries(job_id) WHERE kind = 'decision';
CREATE UNIQUE INDEX audit_closed_job ON audit_entries(job_id) WHERE kind = 'closed';
CREATE INDEX audit_job ON audit_entries(job_id, kind);
CREATE INDEX audit_member ON audit_entries(member_ref, at) WHERE member_ref IS NOT NULL;
)sql";

// Version 3: signed checkpoints of the chain head, beside the entries they cover (one
// transaction: an outcome and its checkpoint are committed together). Append-only.
constexpr const char* kCheckpointsV3 = R"sql(
CREATE TABLE audit_checkpoints (
  seq         %INT% PRIMARY KEY,
  hash        TEXT NOT NULL,
  at          %INT% NOT NULL,
  interval    %INT% NOT NULL,
  adopted     %INT% NOT NULL,
  prev_seq    %INT% NOT NULL,
  key_fp      TEXT NOT NULL,
  signature   TEXT NOT NULL
);
)sql";

// Version 4: one trail for many stations on a shared store. Each entry names the
// station that appended it (entries from before name none), and each station's public
// key is registered (AuditLog::register_signer; used on PostgreSQL). Appends from every
// station are serialised by an advisory lock held to commit (AuditLog::append), and the
// primary key on seq refuses a fork even without it.
constexpr const char* kStationV4 = R"sql(
ALTER TABLE audit_entries ADD COLUMN station TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_signers (
  key_fp     TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  station    TEXT NOT NULL,
  added_at   %INT% NOT NULL
);
)sql";

// Version 1 allowed one outcome per job and no attempt or closure entries. The rows
// (and so every hash) are copied unchanged into the version 2 table.
constexpr const char* kMigrateV1 = R"sql(
DROP TRIGGER IF EXISTS audit_entries_no_update;
DROP TRIGGER IF EXISTS audit_entries_no_delete;
DROP INDEX IF EXISTS audit_decision_job;
DROP INDEX IF EXISTS audit_outcome_job;
DROP INDEX IF EXISTS audit_member;
ALTER TABLE audit_entries RENAME TO audit_entries_v1;
)sql";
constexpr const char* kMigrateV1Copy = R"sql(
INSERT INTO audit_entries(seq, kind, job_id, member_ref, at, body, prev_hash, hash)
  SELECT seq, kind, job_id, member_ref, at, body, prev_hash, hash FROM audit_entries_v1 ORDER BY seq;
DROP TABLE audit_entries_v1;
)sql";

// Every append holds this lock to commit: the chain's head is read and extended by one
// writer at a time, whichever station it runs on.
constexpr std::string_view kAppendLock = "faxstack.audit.append";

struct Row {
    int64_t seq = 0;
    std::string kind;
    std::string job_id;
    std::optional<std::string> member_ref;
    int64_t at = 0;
    std::string body;
    std::string prev_hash;
    std::string hash;
};

Result<std::vector<Row>> read_rows(store::Database& db, const char* where_clause, std::string_view bind1 = {}) {
    std::string sql = "SELECT seq, kind, job_id, member_ref, at, body, prev_hash, hash FROM audit_entries";
    if (where_clause != nullptr) sql += std::string(" WHERE ") + where_clause;
    sql += " ORDER BY seq";
    auto st = db.prepare(sql);
    if (!st) return fail(st.take_error());
    if (where_clause != nullptr) st->bind(1, bind1);
    std::vector<Row> rows;
    while (true) {
        auto r = st->step();
        if (!r) return fail(r.take_error());
        if (!*r) break;
        rows.push_back({st->integer(0), st->text(1), st->text(2), st->maybe_text(3), st->integer(4), st->text(5),
                        st->text(6), st->text(7)});
    }
    return rows;
}

}  // namespace

AuditLog::AuditLog(std::shared_ptr<store::Database> db) : db_(std::move(db)) {}
AuditLog::AuditLog(AuditLog&&) noexcept = default;
AuditLog& AuditLog::operator=(AuditLog&&) noexcept = default;
AuditLog::~AuditLog() = default;

Result<AuditLog> AuditLog::open(const std::filesystem::path& path) {
    // The accounting of disclosures must survive a power cut: fsync at every commit.
    auto db = store::open_sqlite(path, "audit", true);
    if (!db) return fail(db.take_error());
    return open(std::shared_ptr<store::Database>(std::move(*db)), store::SchemaPolicy::Migrate);
}

Result<AuditLog> AuditLog::open(std::shared_ptr<store::Database> db, store::SchemaPolicy policy) {
    const auto migrate = [&](int version) -> Status {
        const auto b = db->backend();
        constexpr const char* kAppendOnly = "the audit trail is append-only";
        if (version < 2) {
            // Version 1 exists only in SQLite files from before.
            if (version == 1) FAX_TRY(db->exec(kMigrateV1));
            FAX_TRY(db->exec(store::schema_sql(b, kTableV2)));
            if (version == 1) FAX_TRY(db->exec(kMigrateV1Copy));
            FAX_TRY(db->exec(kIndexesV2));
            FAX_TRY(db->exec(store::append_only_sql(b, "audit_entries", kAppendOnly)));
        }
        if (version < 3) {
            FAX_TRY(db->exec(store::schema_sql(b, kCheckpointsV3)));
            FAX_TRY(db->exec(store::append_only_sql(b, "audit_checkpoints", kAppendOnly)));
        }
        FAX_TRY(db->exec(store::schema_sql(b, kStationV4)));
        return db->exec(store::append_only_sql(b, "audit_signers", kAppendOnly));
    };
    FAX_TRY(store::settle_schema(*db, "audit", kSchemaVersion, policy, migrate));
    return AuditLog(std::move(db));
}

void AuditLog::set_station(std::string station) { station_ = std::move(station); }

Status AuditLog::register_signer(std::string_view station, TimePoint now) {
    if (db_->backend() != store::Backend::Postgres) return {};
    if (!signer_) return fail(Errc::InvalidArgument, "audit: no signing key");
    const auto& key = signer_->public_key();
    auto st = db_->prepare("INSERT INTO audit_signers(key_fp, public_key, station, added_at) VALUES (?1, ?2, ?3, ?4) "
                           "ON CONFLICT (key_fp) DO NOTHING");
    if (!st) return fail(st.take_error());
    st->bind(1, key.fingerprint()).bind(2, key.hex()).bind(3, station).bind(4, to_unix(now));
    return st->run();
}

Result<std::vector<AuditSigner>> AuditLog::signers() const {
    std::vector<AuditSigner> out;
    if (db_->backend() != store::Backend::Postgres) return out;
    auto st = db_->prepare("SELECT key_fp, public_key, station, added_at FROM audit_signers ORDER BY added_at, key_fp");
    if (!st) return fail(st.take_error());
    while (true) {
        auto r = st->step();
        if (!r) return fail(r.take_error());
        if (!*r) break;
        auto key = AuditVerifyKey::from_hex(st->text_view(1));
        if (!key || key->fingerprint() != st->text_view(0))
            return fail(Errc::InvalidInput, "audit: the registered key of station " + st->text(2) + " is malformed");
        out.push_back({*key, st->text(2), from_unix(st->integer(3))});
    }
    return out;
}

Result<int64_t> AuditLog::append(std::string_view kind, std::string_view job_id, std::string_view member_reference,
                                 TimePoint at, const std::string& content) {
    json j = json::parse(content, nullptr, false);
    if (j.is_discarded()) return fail(Errc::Internal, "audit: entry content is not JSON");

    auto tx = db_->begin(kAppendLock);
    if (!tx) return fail(tx.take_error());
    auto last = db_->prepare("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1");
    if (!last) return fail(last.take_error());
    auto row = last->step();
    if (!row) return fail(row.take_error());
    const int64_t seq = *row ? last->integer(0) + 1 : 1;
    const std::string prev = *row ? last->text(1) : genesis_hash();

    // seq and kind are inside the hashed body: moving or relabelling an entry breaks it.
    j["seq"] = seq;
    j["entry"] = std::string(kind);
    // Which station appended it, inside the hashed body (entries of a single-station
    // trail name none, as before).
    if (!station_.empty()) j["station"] = station_;
    const std::string body = canonical(j);
    const std::string hash = sha256_hex(prev + body);

    auto ins = db_->prepare("INSERT INTO audit_entries(seq, kind, job_id, member_ref, at, body, prev_hash, hash, station) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!ins) return fail(ins.take_error());
    ins->bind(1, seq)
        .bind(2, kind)
        .bind(3, job_id)
        .bind_opt(4, member_reference.empty() ? std::nullopt : std::optional<std::string>(member_reference))
        .bind(5, to_unix(at))
        .bind(6, body)
        .bind(7, prev)
        .bind(8, hash)
        .bind(9, station_);
    auto st = ins->run();
    if (!st) {
        if (st.error().code == Errc::Conflict)
            return fail(Errc::InvalidArgument, "audit: job " + std::string(job_id) + " already has a " +
                                                   std::string(kind) + " entry");
        return fail(st.take_error());
    }
    if (signer_) {
        // Due: with every outcome and closure (what the accounting of disclosures
        // reports), and when `interval` entries have passed since the last checkpoint.
        auto lc = db_->prepare("SELECT max(seq) FROM audit_checkpoints");
        if (!lc) return fail(lc.take_error());
        auto r = lc->step();
        if (!r) return fail(r.take_error());
        const bool none = !*r || lc->is_null(0);
        const int64_t last_cp = none ? 0 : lc->integer(0);
        if (kind == "outcome" || kind == "closed" || none || seq - last_cp >= interval_)
            FAX_TRY(write_checkpoint(seq, hash, at));
    }
    FAX_TRY(tx->commit());
    return seq;
}

std::string checkpoint_message(const AuditCheckpoint& c) {
    return "fax-audit-checkpoint/1\n" + std::to_string(c.seq) + "\n" + c.hash + "\n" +
           std::to_string(to_unix(c.at)) + "\n" + std::to_string(c.interval) + "\n" +
           (c.adopted ? "adopt" : "entry") + "\n" + std::to_string(c.prev_seq) + "\n" + c.key_fingerprint + "\n";
}

void AuditLog::set_signer(std::shared_ptr<const AuditSigningKey> key, int interval) {
    signer_ = std::move(key);
    interval_ = std::max(1, interval);
}

Status AuditLog::write_checkpoint(int64_t seq, const std::string& hash, TimePoint at, bool adopted) {
    AuditCheckpoint c;
    c.seq = seq;
    c.hash = hash;
    c.at = from_unix(to_unix(at));  // what is stored (whole seconds) is what is signed
    c.interval = interval_;
    c.adopted = adopted;
    auto last = db_->prepare("SELECT max(seq) FROM audit_checkpoints");
    if (!last) return fail(last.take_error());
    auto row = last->step();
    if (!row) return fail(row.take_error());
    c.prev_seq = *row && !last->is_null(0) ? last->integer(0) : -1;
    c.key_fingerprint = signer_->public_key().fingerprint();
    auto sig = signer_->sign(checkpoint_message(c));
    if (!sig) return fail(sig.take_error());
    auto ins = db_->prepare("INSERT INTO audit_checkpoints(seq, hash, at, interval, adopted, prev_seq, key_fp, signature) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!ins) return fail(ins.take_error());
    ins->bind(1, seq).bind(2, hash).bind(3, to_unix(at)).bind(4, static_cast<int64_t>(c.interval))
        .bind(5, static_cast<int64_t>(adopted ? 1 : 0)).bind(6, c.prev_seq).bind(7, c.key_fingerprint).bind(8, *sig);
    return ins->run();
}

Status AuditLog::adopt_unsigned_trail(TimePoint now) {
    if (!signer_) return fail(Errc::InvalidArgument, "audit: no signing key");
    auto tx = db_->begin(kAppendLock);
    if (!tx) return fail(tx.take_error());
    auto n = db_->prepare("SELECT count(*) FROM audit_checkpoints");
    if (!n) return fail(n.take_error());
    auto r = n->step();
    if (!r) return fail(r.take_error());
    if (*r && n->integer(0) > 0) return {};  // signing began before
    auto h = head();
    if (!h) return fail(h.take_error());
    FAX_TRY(write_checkpoint(h->seq, h->hash, now, true));
    return tx->commit();
}

Result<std::vector<AuditCheckpoint>> AuditLog::checkpoints() const {
    auto st = db_->prepare("SELECT seq, hash, at, interval, adopted, prev_seq, key_fp, signature FROM audit_checkpoints ORDER BY seq");
    if (!st) return fail(st.take_error());
    std::vector<AuditCheckpoint> out;
    while (true) {
        auto r = st->step();
        if (!r) return fail(r.take_error());
        if (!*r) break;
        out.push_back({st->integer(0), st->text(1), from_unix(st->integer(2)), static_cast<int>(st->integer(3)),
                       st->integer(4) != 0, st->integer(5), st->text(6), st->text(7)});
    }
    return out;
}

Result<std::optional<AuditCheckpoint>> AuditLog::latest_checkpoint() const {
    auto all = checkpoints();
    if (!all) return fail(all.take_error());
    if (all->empty()) return std::optional<AuditCheckpoint>();
    return std::optional<AuditCheckpoint>(std::move(all->back()));
}

Result<int64_t> AuditLog::append_decision(const DecisionRecord& record) {
    // The checks below and the append are one transaction under the append lock: no
    // other station's entry for the job can slip in between.
    auto tx = db_->begin(kAppendLock);
    if (!tx) return fail(tx.take_error());
    if (record.job_id.empty()) return fail(Errc::InvalidArgument, "audit: decision without a job id");
    auto seq = append("decision", record.job_id, record.member_reference, record.decided_at, decision_to_json(record));
    if (!seq) return seq;
    FAX_TRY(tx->commit());
    return seq;
}

namespace {

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

Result<DecisionRecord> AuditLog::cleared_decision(std::string_view job_id, bool must_be_open) const {
    auto d = find_decision(job_id);
    if (!d) return fail(d.take_error());
    if (!*d || !(*d)->cleared)
        return fail(Errc::InvalidArgument, "audit: job " + std::string(job_id) + " has no cleared decision");
    if (must_be_open) {
        auto closed = find_closure(job_id);
        if (!closed) return fail(closed.take_error());
        if (*closed) return fail(Errc::InvalidArgument, "audit: job " + std::string(job_id) + " is closed");
    }
    return std::move(**d);
}

Result<int64_t> AuditLog::append_attempt(const AttemptRecord& record) {
    // The checks below and the append are one transaction under the append lock: no
    // other station's entry for the job can slip in between.
    auto tx = db_->begin(kAppendLock);
    if (!tx) return fail(tx.take_error());
    auto d = cleared_decision(record.job_id, true);
    if (!d) return fail(d.take_error());
    auto attempts = find_attempts(record.job_id);
    if (!attempts) return fail(attempts.take_error());
    auto outcomes = find_outcomes(record.job_id);
    if (!outcomes) return fail(outcomes.take_error());
    int last = 0;
    for (const auto& a : *attempts) last = std::max(last, a.attempt);
    for (const auto& o : *outcomes) last = std::max(last, o.outcome.attempt);
    if (record.attempt != last + 1)
        return fail(Errc::InvalidArgument, "audit: job " + record.job_id + ": attempt " +
                                               std::to_string(record.attempt) + " is not the next one (" +
                                               std::to_string(last + 1) + ")");
    if (record.cleared) {
        if (record.pages.empty() || record.pages.front() != 1)
            return fail(Errc::InvalidArgument, "audit: job " + record.job_id + ": an attempt starts with the cover");
        for (int p : record.pages)
            if (p < 1 || p > d->page_count)
                return fail(Errc::InvalidArgument, "audit: job " + record.job_id + ": attempt page " +
                                                       std::to_string(p) + " is not a page of the job");
    }
    auto seq = append("attempt", record.job_id, "", record.decided_at, canonical(attempt_json(record)));
    if (!seq) return seq;
    FAX_TRY(tx->commit());
    return seq;
}

Result<int64_t> AuditLog::append_outcome(const OutcomeRecord& record) {
    // The checks below and the append are one transaction under the append lock: no
    // other station's entry for the job can slip in between.
    auto tx = db_->begin(kAppendLock);
    if (!tx) return fail(tx.take_error());
    const auto& o = record.outcome;
    auto d = cleared_decision(record.job_id, true);
    if (!d) return fail(d.take_error());
    auto outcomes = find_outcomes(record.job_id);
    if (!outcomes) return fail(outcomes.take_error());
    for (const auto& x : *outcomes)
        if (x.outcome.attempt == o.attempt)
            return fail(Errc::InvalidArgument, "audit: job " + record.job_id + " already has an outcome for attempt " +
                                                   std::to_string(o.attempt));
    auto attempts = find_attempts(record.job_id);
    if (!attempts) return fail(attempts.take_error());
    const AttemptRecord* attempt = nullptr;
    for (const auto& a : *attempts)
        if (a.attempt == o.attempt) attempt = &a;
    if (o.attempt < 1 || (o.attempt > 1 && attempt == nullptr) || (attempt != nullptr && !attempt->cleared))
        return fail(Errc::InvalidArgument, "audit: job " + record.job_id + ": attempt " + std::to_string(o.attempt) +
                                               " was not cleared");
    // The pages this attempt put on the line: the cleared document, or what its attempt entry names.
    std::vector<int> sent_pages;
    if (attempt != nullptr) sent_pages = attempt->pages;
    else
        for (int p = 1; p <= d->page_count; ++p) sent_pages.push_back(p);
    const auto confirmed = confirmed_pages_of(o);
    if (o.pages_confirmed < 0 || o.pages_confirmed > o.pages_sent ||
        o.pages_sent > static_cast<int>(sent_pages.size()) ||
        (!o.confirmed_pages.empty() && static_cast<int>(o.confirmed_pages.size()) != o.pages_confirmed))
        return fail(Errc::InvalidArgument, "audit: job " + record.job_id +
                                               ": page counts do not fit the attempt (confirmed <= sent <= cleared)");
    for (int p : confirmed)
        if (!contains(sent_pages, p))
            return fail(Errc::InvalidArgument, "audit: job " + record.job_id + ": page " + std::to_string(p) +
                                                   " is confirmed but was not sent in attempt " +
                                                   std::to_string(o.attempt));
    auto seq = append("outcome", record.job_id, "", o.finished_at, canonical(outcome_json(record)));
    if (!seq) return seq;
    FAX_TRY(tx->commit());
    return seq;
}

Result<int64_t> AuditLog::append_closure(const ClosureRecord& record) {
    // The checks below and the append are one transaction under the append lock: no
    // other station's entry for the job can slip in between.
    auto tx = db_->begin(kAppendLock);
    if (!tx) return fail(tx.take_error());
    auto d = cleared_decision(record.job_id, false);
    if (!d) return fail(d.take_error());
    if (record.reason.empty()) return fail(Errc::InvalidArgument, "audit: a closure needs a reason");
    auto seq = append("closed", record.job_id, "", record.decided_at, canonical(closure_json(record)));
    if (!seq) return seq;
    FAX_TRY(tx->commit());
    return seq;
}

Result<AuditHead> AuditLog::head() const {
    auto st = db_->prepare("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1");
    if (!st) return fail(st.take_error());
    auto row = st->step();
    if (!row) return fail(row.take_error());
    if (!*row) return AuditHead{0, genesis_hash()};
    return AuditHead{st->integer(0), st->text(1)};
}

Result<std::vector<AuditEntry>> AuditLog::entries() const {
    auto rows = read_rows(*db_, nullptr);
    if (!rows) return fail(rows.take_error());
    std::vector<AuditEntry> out;
    for (auto& r : *rows)
        out.push_back({r.seq, r.kind, r.job_id, from_unix(r.at), std::move(r.body), std::move(r.prev_hash), std::move(r.hash)});
    return out;
}

Result<std::optional<DecisionRecord>> AuditLog::find_decision(std::string_view job_id) const {
    auto rows = read_rows(*db_, "kind = 'decision' AND job_id = ?1", job_id);
    if (!rows) return fail(rows.take_error());
    if (rows->empty()) return std::optional<DecisionRecord>();
    auto d = decision_from_json(rows->front().body);
    if (!d) return fail(d.take_error());
    return std::optional<DecisionRecord>(std::move(*d));
}

Result<std::vector<OutcomeRecord>> AuditLog::find_outcomes(std::string_view job_id) const {
    auto rows = read_rows(*db_, "kind = 'outcome' AND job_id = ?1", job_id);
    if (!rows) return fail(rows.take_error());
    std::vector<OutcomeRecord> out;
    for (const auto& r : *rows) {
        const json j = json::parse(r.body, nullptr, false);
        if (!j.is_object()) return fail(Errc::InvalidInput, "audit: outcome body is not a JSON object");
        out.push_back(outcome_from(j));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const OutcomeRecord& a, const OutcomeRecord& b) { return a.outcome.attempt < b.outcome.attempt; });
    return out;
}

Result<std::optional<OutcomeRecord>> AuditLog::find_outcome(std::string_view job_id) const {
    auto all = find_outcomes(job_id);
    if (!all) return fail(all.take_error());
    if (all->empty()) return std::optional<OutcomeRecord>();
    return std::optional<OutcomeRecord>(std::move(all->back()));
}

Result<std::vector<AttemptRecord>> AuditLog::find_attempts(std::string_view job_id) const {
    auto rows = read_rows(*db_, "kind = 'attempt' AND job_id = ?1", job_id);
    if (!rows) return fail(rows.take_error());
    std::vector<AttemptRecord> out;
    for (const auto& r : *rows) {
        const json j = json::parse(r.body, nullptr, false);
        if (!j.is_object()) return fail(Errc::InvalidInput, "audit: attempt body is not a JSON object");
        out.push_back(attempt_from(j));
    }
    return out;
}

Result<std::optional<ClosureRecord>> AuditLog::find_closure(std::string_view job_id) const {
    auto rows = read_rows(*db_, "kind = 'closed' AND job_id = ?1", job_id);
    if (!rows) return fail(rows.take_error());
    if (rows->empty()) return std::optional<ClosureRecord>();
    const json j = json::parse(rows->front().body, nullptr, false);
    if (!j.is_object()) return fail(Errc::InvalidInput, "audit: closure body is not a JSON object");
    return std::optional<ClosureRecord>(closure_from(j));
}

Result<std::vector<int>> AuditLog::delivered_pages(std::string_view job_id) const {
    auto all = find_outcomes(job_id);
    if (!all) return fail(all.take_error());
    std::vector<int> pages;
    for (const auto& o : *all)
        for (int p : confirmed_pages_of(o.outcome))
            if (!contains(pages, p)) pages.push_back(p);
    std::sort(pages.begin(), pages.end());
    return pages;
}

Result<std::vector<Disclosure>> AuditLog::disclosures(std::string_view member_reference, TimePoint from,
                                                      TimePoint to) const {
    auto st = db_->prepare("SELECT body, station FROM audit_entries WHERE kind = 'decision' AND member_ref = ?1 "
                                 "AND at >= ?2 AND at < ?3 ORDER BY seq");
    if (!st) return fail(st.take_error());
    st->bind(1, member_reference).bind(2, to_unix(from)).bind(3, to_unix(to));
    std::vector<Disclosure> out;
    while (true) {
        auto row = st->step();
        if (!row) return fail(row.take_error());
        if (!*row) break;
        auto d = decision_from_json(st->text(0));
        if (!d) return fail(d.take_error());
        if (!d->cleared || d->kind != ReleaseKind::Release) continue;
        Disclosure x;
        x.station = st->text(1);
        x.job_id = d->job_id;
        x.decided_at = d->decided_at;
        x.requester = d->requester;
        x.recipient_id = d->recipient_id;
        x.recipient_organisation = d->recipient_organisation;
        x.recipient_name = d->recipient_name;
        x.recipient_category = d->recipient_category;
        x.purpose = d->purpose;
        x.sections = d->sections;
        x.rule_id = d->rule_id;
        x.pages_cleared = d->page_count;
        auto closure = find_closure(d->job_id);
        if (!closure) return fail(closure.take_error());
        x.dry_run = *closure && (*closure)->reason == "dry_run";
        auto outcomes = find_outcomes(d->job_id);
        if (!outcomes) return fail(outcomes.take_error());
        if (!outcomes->empty()) {
            x.completion = outcomes->back().outcome.completion;
            x.finished_at = outcomes->back().outcome.finished_at;
            x.attempts = static_cast<int>(outcomes->size());
            auto pages = delivered_pages(d->job_id);
            if (!pages) return fail(pages.take_error());
            x.pages_delivered = static_cast<int>(pages->size());
        }
        out.push_back(std::move(x));
    }
    return out;
}
}  // namespace fax::gate
