#include "fax/gate/audit_log.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "fax/base/sha256.h"
#include "fax/store/sqlite_db.h"
#include "time_format.h"

namespace fax::gate {

using detail::from_unix;
using store::Statement;
using detail::to_unix;
using nlohmann::json;

std::string_view to_string(CompletionCode c) {
    switch (c) {
    case CompletionCode::Ok: return "ok";
    case CompletionCode::Partial: return "partial";
    case CompletionCode::CsiMismatch: return "csi_mismatch";
    case CompletionCode::Busy: return "busy";
    case CompletionCode::NoAnswer: return "no_answer";
    case CompletionCode::NoCarrier: return "no_carrier";
    case CompletionCode::NoDialtone: return "no_dialtone";
    case CompletionCode::Protocol: return "protocol";
    case CompletionCode::Timeout: return "timeout";
    case CompletionCode::Cancelled: return "cancelled";
    case CompletionCode::Failed: return "failed";
    }
    return "failed";
}

std::optional<CompletionCode> parse_completion_code(std::string_view name) {
    for (auto c : {CompletionCode::Ok, CompletionCode::Partial, CompletionCode::CsiMismatch, CompletionCode::Busy,
                   CompletionCode::NoAnswer, CompletionCode::NoCarrier, CompletionCode::NoDialtone,
                   CompletionCode::Protocol, CompletionCode::Timeout, CompletionCode::Cancelled,
                   CompletionCode::Failed})
        if (to_string(c) == name) return c;
    return std::nullopt;
}

std::string_view to_string(AuditProblem p) {
    switch (p) {
    case AuditProblem::None: return "none";
    case AuditProblem::Altered: return "altered";
    case AuditProblem::Removed: return "removed";
    case AuditProblem::Reordered: return "reordered";
    case AuditProblem::Truncated: return "truncated";
    case AuditProblem::Malformed: return "malformed";
    }
    return "none";
}

void AuditLog::DbCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

namespace {

const std::string kGenesis(64, '0');

// Version 2. kind: 'decision' (the gate's decision on a request), 'attempt' (the
// re-check before one transmission attempt of a queued job), 'outcome' (how one
// attempt ended), 'closed' (the job will not be attempted again).
constexpr const char* kTableV2 = R"sql(
CREATE TABLE audit_entries (
  seq        INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('decision', 'attempt', 'outcome', 'closed')),
  job_id     TEXT NOT NULL,
  member_ref TEXT,
  at         INTEGER NOT NULL,
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
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
PRAGMA user_version = 2;
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

std::string canonical(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string_view kind_name(ReleaseKind k) {
    return k == ReleaseKind::VerificationTestFax ? "verification_test_fax" : "release";
}

json finding_json(const Finding& f) {
    return {{"rule_id", f.rule_id}, {"field", f.field}, {"message", f.message}, {"next_step", f.next_step}};
}

json findings_json(const std::vector<Finding>& findings) {
    json out = json::array();
    for (const auto& f : findings) out.push_back(finding_json(f));
    return out;
}

// Reading helpers that never throw: a stored body that lacks a field reads as empty.
std::string str(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t num(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
std::vector<std::string> strs(const json& j, const char* key) {
    std::vector<std::string> out;
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return out;
    for (const auto& x : *it)
        if (x.is_string()) out.push_back(x.get<std::string>());
    return out;
}
std::vector<int> ints(const json& j, const char* key) {
    std::vector<int> out;
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return out;
    for (const auto& x : *it)
        if (x.is_number_integer()) out.push_back(static_cast<int>(x.get<int64_t>()));
    return out;
}
const json& obj(const json& j, const char* key) {
    static const json empty = json::object();
    const auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : empty;
}

std::vector<Finding> findings_from(const json& j) {
    std::vector<Finding> out;
    const auto it = j.find("findings");
    if (it == j.end() || !it->is_array()) return out;
    for (const auto& f : *it)
        if (f.is_object()) out.push_back({str(f, "rule_id"), str(f, "field"), str(f, "message"), str(f, "next_step")});
    return out;
}

json outcome_json(const OutcomeRecord& r) {
    const auto& o = r.outcome;
    json j;
    j["job_id"] = r.job_id;
    j["attempt"] = o.attempt;
    j["confirmed_pages"] = o.confirmed_pages;
    j["pages_sent"] = o.pages_sent;
    j["pages_confirmed"] = o.pages_confirmed;
    // Only MCF-confirmed pages count as delivered (recorded explicitly for readers).
    j["delivered_pages"] = o.pages_confirmed;
    j["remote_csi"] = o.remote_csi ? json(*o.remote_csi) : json(nullptr);
    j["negotiated"] = {{"bit_rate", o.negotiated.bit_rate},
                       {"modulation", o.negotiated.modulation},
                       {"resolution", o.negotiated.resolution},
                       {"compression", o.negotiated.compression},
                       {"ecm", o.negotiated.ecm}};
    j["completion"] = std::string(to_string(o.completion));
    j["detail"] = o.detail;
    j["started_at"] = to_unix(o.started_at);
    j["started_at_utc"] = detail::iso_utc(o.started_at);
    j["finished_at"] = to_unix(o.finished_at);
    j["finished_at_utc"] = detail::iso_utc(o.finished_at);
    return j;
}

OutcomeRecord outcome_from(const json& j) {
    OutcomeRecord r;
    r.job_id = str(j, "job_id");
    auto& o = r.outcome;
    // Version 1 outcomes have no attempt number: they were the job's only attempt.
    o.attempt = j.contains("attempt") ? static_cast<int>(num(j, "attempt")) : 1;
    o.confirmed_pages = ints(j, "confirmed_pages");
    o.pages_sent = static_cast<int>(num(j, "pages_sent"));
    o.pages_confirmed = static_cast<int>(num(j, "pages_confirmed"));
    if (j.contains("remote_csi") && j["remote_csi"].is_string()) o.remote_csi = j["remote_csi"].get<std::string>();
    const json& n = obj(j, "negotiated");
    o.negotiated.bit_rate = static_cast<int>(num(n, "bit_rate"));
    o.negotiated.modulation = str(n, "modulation");
    o.negotiated.resolution = str(n, "resolution");
    o.negotiated.compression = str(n, "compression");
    o.negotiated.ecm = n.contains("ecm") && n["ecm"].is_boolean() && n["ecm"].get<bool>();
    o.completion = parse_completion_code(str(j, "completion")).value_or(CompletionCode::Failed);
    o.detail = str(j, "detail");
    o.started_at = from_unix(num(j, "started_at"));
    o.finished_at = from_unix(num(j, "finished_at"));
    return r;
}

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

Result<std::vector<Row>> read_rows(sqlite3* db, const char* where_clause, std::string_view bind1 = {}) {
    std::string sql = "SELECT seq, kind, job_id, member_ref, at, body, prev_hash, hash FROM audit_entries";
    if (where_clause != nullptr) sql += std::string(" WHERE ") + where_clause;
    sql += " ORDER BY seq";
    auto st = Statement::prepare(db, sql);
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

json cover_json(const CoverFields& c) {
    return {{"title", c.title},
            {"sender", {{"name", c.sender_name}, {"department", c.sender_department}, {"phone", c.sender_phone},
                        {"fax", c.sender_fax}}},
            {"recipient", {{"name", c.recipient_name}, {"organisation", c.recipient_organisation},
                           {"fax", c.recipient_fax}, {"phone", c.recipient_phone}}},
            {"date_time", c.date_time},
            {"total_pages", c.total_pages},
            {"purpose", c.purpose},
            {"confidentiality_statement", c.confidentiality_statement},
            {"note", c.note}};
}

CoverFields cover_from(const json& j) {
    CoverFields c;
    c.title = str(j, "title");
    const json& s = obj(j, "sender");
    c.sender_name = str(s, "name");
    c.sender_department = str(s, "department");
    c.sender_phone = str(s, "phone");
    c.sender_fax = str(s, "fax");
    const json& r = obj(j, "recipient");
    c.recipient_name = str(r, "name");
    c.recipient_organisation = str(r, "organisation");
    c.recipient_fax = str(r, "fax");
    c.recipient_phone = str(r, "phone");
    c.date_time = str(j, "date_time");
    c.total_pages = static_cast<int>(num(j, "total_pages"));
    c.purpose = str(j, "purpose");
    c.confidentiality_statement = str(j, "confidentiality_statement");
    c.note = str(j, "note");
    return c;
}

}  // namespace

std::string decision_to_json(const DecisionRecord& d) {
    json j;
    j["job_id"] = d.job_id;
    j["release_kind"] = std::string(kind_name(d.kind));
    j["cleared"] = d.cleared;
    j["decision"] = d.cleared ? "cleared" : "refused";
    j["rule_id"] = d.rule_id;
    j["rule_ids"] = d.rule_ids;
    j["findings"] = findings_json(d.findings);
    j["requester"] = {{"staff_id", d.requester.staff_id}, {"name", d.requester.name}};
    j["member_reference"] = d.member_reference;
    j["recipient"] = {{"id", d.recipient_id},
                      {"category", d.recipient_category ? json(std::string(to_string(*d.recipient_category))) : json(nullptr)},
                      {"organisation", d.recipient_organisation},
                      {"name", d.recipient_name},
                      {"dial_number", d.dial_number}};
    j["purpose"] = d.purpose ? json(std::string(to_string(*d.purpose))) : json(nullptr);
    j["sections"] = d.sections;
    j["page_count"] = d.page_count;
    j["cover_sha256"] = d.cover_sha256;
    j["content_sha256"] = d.content_sha256;
    j["page_sha256"] = d.page_sha256;
    if (d.cover) j["cover"] = cover_json(*d.cover);
    j["decided_at"] = to_unix(d.decided_at);
    j["decided_at_utc"] = detail::iso_utc(d.decided_at);
    return canonical(j);
}

namespace {

DecisionRecord decision_from(const json& j) {
    DecisionRecord d;
    d.job_id = str(j, "job_id");
    d.kind = str(j, "release_kind") == "verification_test_fax" ? ReleaseKind::VerificationTestFax : ReleaseKind::Release;
    d.cleared = j.contains("cleared") && j["cleared"].is_boolean() && j["cleared"].get<bool>();
    d.rule_id = str(j, "rule_id");
    d.rule_ids = strs(j, "rule_ids");
    d.findings = findings_from(j);
    const json& req = obj(j, "requester");
    d.requester = {str(req, "staff_id"), str(req, "name")};
    d.member_reference = str(j, "member_reference");
    const json& rec = obj(j, "recipient");
    d.recipient_id = str(rec, "id");
    d.recipient_category = parse_category(str(rec, "category"));
    d.recipient_organisation = str(rec, "organisation");
    d.recipient_name = str(rec, "name");
    d.dial_number = str(rec, "dial_number");
    d.purpose = parse_purpose(str(j, "purpose"));
    d.sections = strs(j, "sections");
    d.page_count = static_cast<int>(num(j, "page_count"));
    d.cover_sha256 = str(j, "cover_sha256");
    d.content_sha256 = str(j, "content_sha256");
    d.page_sha256 = strs(j, "page_sha256");
    if (j.contains("cover") && j["cover"].is_object()) d.cover = cover_from(j["cover"]);
    d.decided_at = from_unix(num(j, "decided_at"));
    return d;
}

json attempt_json(const AttemptRecord& a) {
    json j;
    j["job_id"] = a.job_id;
    j["attempt"] = a.attempt;
    j["cleared"] = a.cleared;
    j["decision"] = a.cleared ? "cleared" : "refused";
    j["pages"] = a.pages;
    j["continuation_cover"] = a.continuation_cover;
    j["cover_sha256"] = a.cover_sha256;
    j["content_sha256"] = a.content_sha256;
    j["rule_ids"] = a.rule_ids;
    j["findings"] = findings_json(a.findings);
    j["tuning"] = a.tuning;
    j["modem"] = a.modem;
    j["decided_at"] = to_unix(a.decided_at);
    j["decided_at_utc"] = detail::iso_utc(a.decided_at);
    return j;
}

AttemptRecord attempt_from(const json& j) {
    AttemptRecord a;
    a.job_id = str(j, "job_id");
    a.attempt = static_cast<int>(num(j, "attempt"));
    a.cleared = j.contains("cleared") && j["cleared"].is_boolean() && j["cleared"].get<bool>();
    a.pages = ints(j, "pages");
    a.continuation_cover =
        j.contains("continuation_cover") && j["continuation_cover"].is_boolean() && j["continuation_cover"].get<bool>();
    a.cover_sha256 = str(j, "cover_sha256");
    a.content_sha256 = str(j, "content_sha256");
    a.rule_ids = strs(j, "rule_ids");
    a.findings = findings_from(j);
    a.tuning = str(j, "tuning");
    a.modem = str(j, "modem");
    a.decided_at = from_unix(num(j, "decided_at"));
    return a;
}

json closure_json(const ClosureRecord& c) {
    json j;
    j["job_id"] = c.job_id;
    j["reason"] = c.reason;
    j["detail"] = c.detail;
    j["attempts"] = c.attempts;
    j["delivered_pages"] = c.delivered_pages;
    j["by"] = {{"staff_id", c.by.staff_id}, {"name", c.by.name}};
    j["decided_at"] = to_unix(c.decided_at);
    j["decided_at_utc"] = detail::iso_utc(c.decided_at);
    return j;
}

ClosureRecord closure_from(const json& j) {
    ClosureRecord c;
    c.job_id = str(j, "job_id");
    c.reason = str(j, "reason");
    c.detail = str(j, "detail");
    c.attempts = static_cast<int>(num(j, "attempts"));
    c.delivered_pages = ints(j, "delivered_pages");
    const json& by = obj(j, "by");
    c.by = {str(by, "staff_id"), str(by, "name")};
    c.decided_at = from_unix(num(j, "decided_at"));
    return c;
}

// The pages of the cleared document an outcome confirms (see TransmissionOutcome).
std::vector<int> confirmed_pages_of(const TransmissionOutcome& o) {
    if (!o.confirmed_pages.empty() || o.pages_confirmed <= 0) return o.confirmed_pages;
    std::vector<int> v;
    for (int p = 1; p <= o.pages_confirmed; ++p) v.push_back(p);
    return v;
}

}  // namespace

Result<DecisionRecord> decision_from_json(std::string_view text) {
    const json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(Errc::InvalidInput, "audit: decision body is not a JSON object");
    return decision_from(j);
}

AuditLog::AuditLog(std::unique_ptr<sqlite3, DbCloser> db) : db_(std::move(db)) {}
AuditLog::AuditLog(AuditLog&&) noexcept = default;
AuditLog& AuditLog::operator=(AuditLog&&) noexcept = default;
AuditLog::~AuditLog() = default;

Result<AuditLog> AuditLog::open(const std::filesystem::path& path) {
    std::unique_ptr<sqlite3, DbCloser> db;
    FAX_TRY(store::open_database(path, db, "audit"));
    // The accounting of disclosures must survive a power cut: fsync at every commit.
    FAX_TRY(store::exec(db.get(), "PRAGMA synchronous = FULL"));
    auto version = store::user_version(db.get());
    if (!version) return fail(version.take_error());
    if (*version > kSchemaVersion)
        return fail(Errc::Unsupported, "audit: " + path.string() + " has schema version " + std::to_string(*version) +
                                           "; this program knows up to " + std::to_string(kSchemaVersion));
    if (*version < kSchemaVersion) {
        auto tx = store::Transaction::begin(db.get());
        if (!tx) return fail(tx.take_error());
        if (*version == 1) FAX_TRY(store::exec(db.get(), kMigrateV1));
        FAX_TRY(store::exec(db.get(), kTableV2));
        if (*version == 1) FAX_TRY(store::exec(db.get(), kMigrateV1Copy));
        FAX_TRY(store::exec(db.get(), kIndexesV2));
        FAX_TRY(tx->commit());
    }
    return AuditLog(std::move(db));
}

Result<int64_t> AuditLog::append(std::string_view kind, std::string_view job_id, std::string_view member_reference,
                                 TimePoint at, const std::string& content) {
    json j = json::parse(content, nullptr, false);
    if (j.is_discarded()) return fail(Errc::Internal, "audit: entry content is not JSON");

    auto tx = store::Transaction::begin(db_.get());
    if (!tx) return fail(tx.take_error());
    auto last = Statement::prepare(db_.get(), "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1");
    if (!last) return fail(last.take_error());
    auto row = last->step();
    if (!row) return fail(row.take_error());
    const int64_t seq = *row ? last->integer(0) + 1 : 1;
    const std::string prev = *row ? last->text(1) : kGenesis;

    // seq and kind are inside the hashed body: moving or relabelling an entry breaks it.
    j["seq"] = seq;
    j["entry"] = std::string(kind);
    const std::string body = canonical(j);
    const std::string hash = sha256_hex(prev + body);

    auto ins = Statement::prepare(db_.get(),
                                  "INSERT INTO audit_entries(seq, kind, job_id, member_ref, at, body, prev_hash, hash) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!ins) return fail(ins.take_error());
    ins->bind(1, seq)
        .bind(2, kind)
        .bind(3, job_id)
        .bind_opt(4, member_reference.empty() ? std::nullopt : std::optional<std::string>(member_reference))
        .bind(5, to_unix(at))
        .bind(6, body)
        .bind(7, prev)
        .bind(8, hash);
    auto st = ins->run();
    if (!st) {
        if (st.error().message.find("UNIQUE") != std::string::npos)
            return fail(Errc::InvalidArgument, "audit: job " + std::string(job_id) + " already has a " +
                                                   std::string(kind) + " entry");
        return fail(st.take_error());
    }
    FAX_TRY(tx->commit());
    return seq;
}

Result<int64_t> AuditLog::append_decision(const DecisionRecord& record) {
    if (record.job_id.empty()) return fail(Errc::InvalidArgument, "audit: decision without a job id");
    return append("decision", record.job_id, record.member_reference, record.decided_at, decision_to_json(record));
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
    return append("attempt", record.job_id, "", record.decided_at, canonical(attempt_json(record)));
}

Result<int64_t> AuditLog::append_outcome(const OutcomeRecord& record) {
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
    return append("outcome", record.job_id, "", o.finished_at, canonical(outcome_json(record)));
}

Result<int64_t> AuditLog::append_closure(const ClosureRecord& record) {
    auto d = cleared_decision(record.job_id, false);
    if (!d) return fail(d.take_error());
    if (record.reason.empty()) return fail(Errc::InvalidArgument, "audit: a closure needs a reason");
    return append("closed", record.job_id, "", record.decided_at, canonical(closure_json(record)));
}

Result<AuditHead> AuditLog::head() const {
    auto st = Statement::prepare(db_.get(), "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1");
    if (!st) return fail(st.take_error());
    auto row = st->step();
    if (!row) return fail(row.take_error());
    if (!*row) return AuditHead{0, kGenesis};
    return AuditHead{st->integer(0), st->text(1)};
}

Result<std::vector<AuditEntry>> AuditLog::entries() const {
    auto rows = read_rows(db_.get(), nullptr);
    if (!rows) return fail(rows.take_error());
    std::vector<AuditEntry> out;
    for (auto& r : *rows)
        out.push_back({r.seq, r.kind, r.job_id, from_unix(r.at), std::move(r.body), std::move(r.prev_hash), std::move(r.hash)});
    return out;
}

namespace {

// ---- What verify() reads from a body ------------------------------------------------
//
// Why verify() validates the whole body and not only the members it compares. The hash
// covers the stored bytes, but it is not keyed: without a head kept elsewhere, whoever
// can write the file can recompute the chain over any bytes. So what must be validated
// is exactly what verify() compares, and what it compares is the body as the trail's
// readers read it: find_decision(), find_outcomes(), disclosures() and the exports parse
// every body with nlohmann::json. An entry called intact must be one every reader can
// parse, and the members compared with the indexed columns must be the values the
// readers get. That takes the whole body:
//  * a body broken after the compared members (cut short, text after the object, a bad
//    escape or invalid UTF-8 in a member nobody compares) is not JSON to the readers;
//  * of duplicate keys nlohmann keeps the last, so a second "member_reference" late in
//    the body is the one the accounting of disclosures shows, and must be the one
//    compared with member_ref.
// simdjson's On-Demand API reads only as far as the members asked for, so it would
// neither refuse such a body nor see the later duplicate. Its DOM parser validates the
// whole document (structure, UTF-8, every string and its escapes, every number) before
// anything is read; verify() uses it and walks every top-level member, so the last of
// duplicate keys wins. Where simdjson refuses a body, nlohmann decides, exactly as
// before: it accepts a few things simdjson does not (a UTF-8 byte order mark, integers
// wider than 64 bits, which it reads as floats, anything after a NUL byte between
// tokens, nesting deeper than 1024), and those bodies are read as the readers read them.
// Where simdjson accepts a body, nlohmann accepts it too and reads the same values: the
// grammar is RFC 8259's for both (lone surrogates, bad escapes, control characters,
// overlong UTF-8 and out-of-range floats are refused by both), and both read an integer
// literal as an integer (int64, or uint64 cast to int64). tests/gate (AuditBody.*,
// AuditBodyFields.*) and the fuzz target audit_verify check the two readers against
// each other.
struct BodyView {
    bool object = false;
    std::optional<int64_t> seq;
    std::string_view entry, job_id, member_reference;
    int64_t decided_at = 0, finished_at = 0;
};

// nlohmann's is_number_integer() and get<int64_t>(): signed, or unsigned cast to int64_t.
std::optional<int64_t> integer_of(simdjson::dom::element v) {
    switch (v.type()) {
    case simdjson::dom::element_type::INT64: return v.get_int64().value_unsafe();
    case simdjson::dom::element_type::UINT64: return static_cast<int64_t>(v.get_uint64().value_unsafe());
    default: return std::nullopt;
    }
}
std::string_view string_of(simdjson::dom::element v) {
    return v.type() == simdjson::dom::element_type::STRING ? v.get_string().value_unsafe() : std::string_view();
}

// One reader per verify(): the simdjson parser and its buffers are reused for every body.
class BodyReader {
public:
    // The views point into the reader and stay valid until the next read().
    const BodyView& read(std::string_view body) {
        v_ = BodyView{};
        if (padded_.size() < body.size() + simdjson::SIMDJSON_PADDING)
            padded_.resize(body.size() + simdjson::SIMDJSON_PADDING);
        if (!body.empty()) std::memcpy(padded_.data(), body.data(), body.size());
        simdjson::dom::element root;
        if (parser_.parse(padded_.data(), body.size(), false).get(root) != simdjson::SUCCESS) {
            fallback_ = audit_body_fields_reference(body);
            v_ = {fallback_.object,       fallback_.seq,        fallback_.entry,      fallback_.job_id,
                  fallback_.member_reference, fallback_.decided_at, fallback_.finished_at};
            return v_;
        }
        simdjson::dom::object members;
        if (root.get_object().get(members) != simdjson::SUCCESS) return v_;
        v_.object = true;
        for (const simdjson::dom::key_value_pair m : members) {
            if (m.key == "seq") v_.seq = integer_of(m.value);
            else if (m.key == "entry") v_.entry = string_of(m.value);
            else if (m.key == "job_id") v_.job_id = string_of(m.value);
            else if (m.key == "member_reference") v_.member_reference = string_of(m.value);
            else if (m.key == "decided_at") v_.decided_at = integer_of(m.value).value_or(0);
            else if (m.key == "finished_at") v_.finished_at = integer_of(m.value).value_or(0);
        }
        return v_;
    }

private:
    simdjson::dom::parser parser_;
    std::vector<char> padded_;
    AuditBodyFields fallback_;
    BodyView v_;
};

// sha256(prev_hash || body) against the stored lowercase hex, with one digest context
// for the whole walk (no allocation per entry, no algorithm fetch per entry).
class ChainHash {
public:
    bool usable() const { return sha_.ok(); }
    bool matches(std::string_view prev_hash, std::string_view body, std::string_view stored_hex) {
        sha_.update(prev_hash);
        sha_.update(body);
        const auto d = sha_.finish();
        return d && Sha256::equals_hex(*d, stored_hex);
    }

private:
    Sha256 sha_;
};

// A column of the current row without a copy: valid until the statement steps again
// (what Statement::text() copies; NULL reads as empty).
std::string_view column_text(sqlite3_stmt* s, int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    const int n = sqlite3_column_bytes(s, col);
    return p != nullptr ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
}

}  // namespace

AuditBodyFields audit_body_fields_reference(std::string_view body) {
    // verify() before simdjson, member for member.
    const json b = json::parse(std::string(body), nullptr, false);
    AuditBodyFields f;
    f.object = b.is_object();
    if (!f.object) return f;
    if (b.contains("seq") && b["seq"].is_number_integer()) f.seq = b["seq"].get<int64_t>();
    f.entry = str(b, "entry");
    f.job_id = str(b, "job_id");
    f.member_reference = str(b, "member_reference");
    f.decided_at = num(b, "decided_at");
    f.finished_at = num(b, "finished_at");
    return f;
}

AuditBodyFields audit_body_fields(std::string_view body) {
    BodyReader reader;
    const BodyView& v = reader.read(body);
    AuditBodyFields f;
    f.object = v.object;
    f.seq = v.seq;
    f.entry = std::string(v.entry);
    f.job_id = std::string(v.job_id);
    f.member_reference = std::string(v.member_reference);
    f.decided_at = v.decided_at;
    f.finished_at = v.finished_at;
    return f;
}

// One pass over the rows in seq order, on one statement (one read snapshot), with no
// copy of a row: each body is hashed and read where SQLite holds it, and only the
// previous hash is kept. The checks, their order and their messages are those of the
// version that loaded every row first; what that version looked up in the other rows
// comes from the rest of the same pass (see `finish`).
Result<AuditVerifyReport> AuditLog::verify(const std::optional<AuditHead>& expected_head) const {
    sqlite3* db = db_.get();
    static constexpr std::string_view kSql =
        "SELECT seq, kind, job_id, member_ref, at, body, prev_hash, hash FROM audit_entries ORDER BY seq";
    enum Col { kSeq, kKind, kJob, kMember, kAt, kBody, kPrev, kHash };
    sqlite3_stmt* raw = nullptr;
    const int prc = sqlite3_prepare_v2(db, kSql.data(), static_cast<int>(kSql.size()), &raw, nullptr);
    std::unique_ptr<sqlite3_stmt, store::StmtFinalizer> stmt(raw);
    if (prc != SQLITE_OK) return store::db_error(db, "sqlite prepare");
    sqlite3_stmt* const s = stmt.get();
    auto step = [&]() -> Result<bool> {
        const int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        return store::db_error(db, "sqlite");
    };

    ChainHash hasher;
    if (!hasher.usable()) return fail(Errc::Internal, "audit: SHA-256 is not available from libcrypto");
    BodyReader reader;

    AuditVerifyReport rep;
    int64_t rows = 0;
    auto bad = [&rep](AuditProblem p, int64_t seq, std::string msg) {
        rep.ok = false;
        rep.problem = p;
        rep.first_bad_seq = seq;
        rep.message = std::move(msg);
        return rep;
    };
    auto e = [](int64_t n) { return "entry " + std::to_string(n); };

    // At the first anomaly, on the current row: reads the remaining rows to count them and
    // name the last one's hash (a report names both), and, when `wanted` is given, finds
    // where the entry whose body claims that seq is stored — the first such row from the
    // current one on. (Every row before the current one has passed every check, so its
    // body claims its own seq, all below `wanted`: no earlier row can be the one.)
    auto finish = [&](std::optional<int64_t> wanted) -> Result<std::optional<int64_t>> {
        std::optional<int64_t> stored_at;
        while (true) {
            if (wanted && !stored_at) {
                const BodyView& b = reader.read(column_text(s, kBody));
                if (b.object && b.seq == *wanted) stored_at = sqlite3_column_int64(s, kSeq);
            }
            rep.head_hash.assign(column_text(s, kHash));
            auto more = step();
            if (!more) return fail(more.take_error());
            if (!*more) break;
            ++rows;
        }
        rep.entries = rows;
        return stored_at;
    };

    std::string prev_hash = kGenesis;
    std::string hash_at_expected_head;  // the hash of entry expected_head->seq, if walked
    int64_t expected_seq = 1;
    while (true) {
        auto more = step();
        if (!more) return fail(more.take_error());
        if (!*more) break;
        ++rows;
        const int64_t seq = sqlite3_column_int64(s, kSeq);
        if (seq != expected_seq) {
            auto at = finish(expected_seq);
            if (!at) return fail(at.take_error());
            if (*at)
                return bad(AuditProblem::Reordered, expected_seq,
                           e(expected_seq) + " is out of order: it is stored at position " + std::to_string(**at));
            return bad(AuditProblem::Removed, expected_seq,
                       e(expected_seq) + " was removed: the trail goes from " +
                           (expected_seq > 1 ? e(expected_seq - 1) : std::string("the start")) + " to " + e(seq));
        }
        const std::string_view body = column_text(s, kBody);
        const std::string_view stored_prev = column_text(s, kPrev);
        const std::string_view hash = column_text(s, kHash);
        const bool hash_ok = hasher.matches(stored_prev, body, hash);
        const BodyView* b = hash_ok ? &reader.read(body) : nullptr;
        if (!hash_ok || !b->object) {
            if (auto f = finish(std::nullopt); !f) return fail(f.take_error());
            return bad(AuditProblem::Altered, seq, e(seq) + " was altered: its hash does not match its contents");
        }
        const int64_t body_seq = b->seq.value_or(-1);
        if (body_seq != seq) {
            auto at = finish(seq);
            if (!at) return fail(at.take_error());
            if (*at)
                return bad(AuditProblem::Reordered, seq,
                           e(seq) + " is out of order: position " + std::to_string(seq) + " holds " + e(body_seq) +
                               " and " + e(seq) + " is stored at position " + std::to_string(**at));
            if (body_seq > seq)
                return bad(AuditProblem::Removed, seq,
                           e(seq) + " was removed: later entries were renumbered (position " + std::to_string(seq) +
                               " holds " + e(body_seq) + ")");
            return bad(AuditProblem::Altered, seq, e(seq) + " was altered: it claims to be " + e(body_seq));
        }
        if (stored_prev != prev_hash) {
            if (auto f = finish(std::nullopt); !f) return fail(f.take_error());
            if (rows == 1) return bad(AuditProblem::Altered, seq, e(seq) + " was altered: it does not start the chain");
            return bad(AuditProblem::Altered, seq - 1, e(seq - 1) + " was altered: " + e(seq) + " no longer links to it");
        }
        const std::string_view kind = column_text(s, kKind);
        const bool columns_match = b->entry == kind && b->job_id == column_text(s, kJob) &&
                                   column_text(s, kMember) == b->member_reference &&
                                   (kind == "outcome" ? b->finished_at : b->decided_at) == sqlite3_column_int64(s, kAt);
        if (!columns_match) {
            if (auto f = finish(std::nullopt); !f) return fail(f.take_error());
            return bad(AuditProblem::Altered, seq, e(seq) + " was altered: its indexed columns differ from its hashed contents");
        }
        prev_hash.assign(hash);
        if (expected_head && seq == expected_head->seq) hash_at_expected_head = prev_hash;
        expected_seq = seq + 1;
    }
    rep.entries = rows;
    rep.head_hash = prev_hash;  // the last entry's hash (it passed the checks), or the genesis
    if (expected_head) {
        if (rep.entries < expected_head->seq)
            return bad(AuditProblem::Truncated, rep.entries + 1,
                       "entries after " + e(rep.entries) + " were removed: the recorded head is " +
                           e(expected_head->seq));
        if (expected_head->seq > 0 && hash_at_expected_head != expected_head->hash)
            return bad(AuditProblem::Altered, expected_head->seq,
                       e(expected_head->seq) + " does not match the recorded head hash");
    }
    rep.message = "audit trail intact: " + std::to_string(rep.entries) + " entries";
    return rep;
}

Result<std::optional<DecisionRecord>> AuditLog::find_decision(std::string_view job_id) const {
    auto rows = read_rows(db_.get(), "kind = 'decision' AND job_id = ?1", job_id);
    if (!rows) return fail(rows.take_error());
    if (rows->empty()) return std::optional<DecisionRecord>();
    auto d = decision_from_json(rows->front().body);
    if (!d) return fail(d.take_error());
    return std::optional<DecisionRecord>(std::move(*d));
}

Result<std::vector<OutcomeRecord>> AuditLog::find_outcomes(std::string_view job_id) const {
    auto rows = read_rows(db_.get(), "kind = 'outcome' AND job_id = ?1", job_id);
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
    auto rows = read_rows(db_.get(), "kind = 'attempt' AND job_id = ?1", job_id);
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
    auto rows = read_rows(db_.get(), "kind = 'closed' AND job_id = ?1", job_id);
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
    auto st = Statement::prepare(db_.get(),
                                 "SELECT body FROM audit_entries WHERE kind = 'decision' AND member_ref = ?1 "
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

namespace {

std::string csv_field(std::string_view s) {
    bool quote = false;
    for (char c : s) quote = quote || c == ',' || c == '"' || c == '\n' || c == '\r';
    // Cells starting with =, +, -, @ are formulas to a spreadsheet: neutralise them.
    const bool formula = !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
    std::string out = formula ? "'" : "";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return quote || formula ? "\"" + out + "\"" : out;
}

std::string delivery_status(const Disclosure& d) {
    if (!d.completion) return "no outcome recorded";
    if (d.pages_delivered == 0) return "not delivered";
    if (d.pages_delivered < d.pages_cleared) return "partially delivered";
    return "delivered";
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
    return s;
}

}  // namespace

std::string disclosures_to_csv(std::string_view member_reference, const std::vector<Disclosure>& rows) {
    std::string out =
        "member_reference,job_id,decided_at_utc,requester_staff_id,requester_name,recipient_id,"
        "recipient_organisation,recipient_name,recipient_category,purpose,sections,rule_id,pages_cleared,"
        "pages_delivered,status,completion,finished_at_utc\r\n";
    for (const auto& d : rows) {
        const std::vector<std::string> cells = {
            std::string(member_reference),
            d.job_id,
            detail::iso_utc(d.decided_at),
            d.requester.staff_id,
            d.requester.name,
            d.recipient_id,
            d.recipient_organisation,
            d.recipient_name,
            d.recipient_category ? std::string(to_string(*d.recipient_category)) : "",
            d.purpose ? std::string(to_string(*d.purpose)) : "",
            join(d.sections, ";"),
            d.rule_id,
            std::to_string(d.pages_cleared),
            std::to_string(d.pages_delivered),
            delivery_status(d),
            d.completion ? std::string(to_string(*d.completion)) : "",
            d.finished_at ? detail::iso_utc(*d.finished_at) : "",
        };
        for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_field(cells[i]);
        out += "\r\n";
    }
    return out;
}

std::string disclosures_to_json(std::string_view member_reference, TimePoint from, TimePoint to,
                                const std::vector<Disclosure>& rows) {
    json j;
    j["format"] = "fax-accounting-of-disclosures/1";
    j["member_reference"] = std::string(member_reference);
    j["from_utc"] = detail::iso_utc(from);
    j["to_utc"] = detail::iso_utc(to);
    json list = json::array();
    for (const auto& d : rows) {
        list.push_back({
            {"job_id", d.job_id},
            {"decided_at_utc", detail::iso_utc(d.decided_at)},
            {"requester", {{"staff_id", d.requester.staff_id}, {"name", d.requester.name}}},
            {"recipient",
             {{"id", d.recipient_id},
              {"organisation", d.recipient_organisation},
              {"name", d.recipient_name},
              {"category", d.recipient_category ? json(std::string(to_string(*d.recipient_category))) : json(nullptr)}}},
            {"purpose", d.purpose ? json(std::string(to_string(*d.purpose))) : json(nullptr)},
            {"sections", d.sections},
            {"rule_id", d.rule_id},
            {"pages_cleared", d.pages_cleared},
            {"pages_delivered", d.pages_delivered},
            {"status", delivery_status(d)},
            {"completion", d.completion ? json(std::string(to_string(*d.completion))) : json(nullptr)},
            {"finished_at_utc", d.finished_at ? json(detail::iso_utc(*d.finished_at)) : json(nullptr)},
        });
    }
    j["disclosures"] = list;
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace fax::gate
