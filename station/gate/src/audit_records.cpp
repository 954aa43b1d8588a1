// The audit trail's records and their JSON bodies (audit_records.h).
#include "audit_records.h"

#include <algorithm>

#include "time_format.h"

namespace fax::gate {

using detail::json;

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
    case AuditProblem::Rewritten: return "rewritten";
    case AuditProblem::BadSignature: return "bad_signature";
    case AuditProblem::Unsigned: return "unsigned";
    }
    return "none";
}

namespace detail {

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

}  // namespace detail

using namespace detail;

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

Result<DecisionRecord> decision_from_json(std::string_view text) {
    const json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(Errc::InvalidInput, "audit: decision body is not a JSON object");
    return decision_from(j);
}

}  // namespace fax::gate
