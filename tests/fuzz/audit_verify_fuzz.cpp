// The audit verifier against an attacker with write access to the database file: whatever
// one change the input describes (a cell of any column rewritten with arbitrary bytes, a
// row deleted, two rows' positions swapped, a row appended, a body rewritten with the
// chain recomputed after it), verify() against the recorded head must not crash and must
// not call a changed trail intact.
// verify() reads bodies with simdjson; the trail's readers with nlohmann::json. On every
// input, read as a body, the two must agree (audit_body_fields against
// audit_body_fields_reference), and a body forged with a recomputed chain must be judged
// by verify() without a head exactly as nlohmann's reading of it implies.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/sha256.h"
#include "fax/gate/audit_log.h"
#include "fuzz_target.h"

namespace {

using namespace fax::gate;

DecisionRecord decision(int n) {
    DecisionRecord d;
    d.job_id = "J-" + std::to_string(n);
    d.cleared = n != 2;
    d.rule_id = d.cleared ? "POL-PROV-KP" : "";
    d.rule_ids = {d.cleared ? "POL-PROV-KP" : "REF-CATEGORY"};
    d.requester = {"E1", "Staff"};
    d.member_reference = "MRN-FUZZ-" + std::to_string(n % 2);
    d.recipient_id = "kp-cardiology";
    d.dial_number = "2065550142";
    d.purpose = Purpose::Treatment;
    d.sections = {"lab_results"};
    d.page_count = 3;
    d.cover_sha256 = std::string(64, 'a');
    d.decided_at = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000 + n));
    return d;
}

// Every row as text, to tell whether a mutation changed anything at all. A NULL and an
// empty member_ref both mean "no member" (outcome rows have none) and read the same.
std::string dump(sqlite3* db) {
    std::string out;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT quote(seq),quote(kind),quote(job_id),quote(ifnull(member_ref,'')),quote(at),quote(body),"
                           "quote(prev_hash),quote(hash) FROM audit_entries ORDER BY seq", -1, &st, nullptr);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < 8; ++c) {
            const auto* t = sqlite3_column_text(st, c);
            out += t ? reinterpret_cast<const char*>(t) : "?";
            out += '|';
        }
        out += '\n';
    }
    sqlite3_finalize(st);
    return out;
}

std::string cell(sqlite3* db, const std::string& sql) {
    std::string out;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 0));
        if (p != nullptr) out.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
    }
    sqlite3_finalize(st);
    return out;
}

}  // namespace

FAX_FUZZ_TARGET(audit_verify) {
    {
        // The input as a body, and as a member's value or the tail of an object, where the
        // compared members are read.
        const std::string whole(reinterpret_cast<const char*>(input.data()), input.size());
        for (const std::string& b : {whole, "{\"seq\":3,\"job_id\":" + whole + "}", "{\"seq\":3," + whole,
                                     "{\"entry\":\"decision\"," + whole + ",\"seq\":2}"})
            FAX_FUZZ_CHECK(audit_body_fields(b) == audit_body_fields_reference(b));
    }
    if (input.size() < 3) return;
    // On tmpfs: the audit log syncs every append (synchronous=FULL), which a disk makes slow.
    static const std::string path = "/dev/shm/fax-fuzz-audit-" + std::to_string(::getpid()) + ".db";
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());

    AuditHead head;
    {
        auto log = AuditLog::open(path);
        FAX_FUZZ_CHECK(log.ok());
        for (int n = 1; n <= 3; ++n) FAX_FUZZ_CHECK(log->append_decision(decision(n)).ok());
        OutcomeRecord o;
        o.job_id = "J-1";
        o.outcome.pages_sent = 3;
        o.outcome.pages_confirmed = 2;
        o.outcome.completion = CompletionCode::Partial;
        o.outcome.finished_at = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'100));
        FAX_FUZZ_CHECK(log->append_outcome(o).ok());
        auto h = log->head();
        FAX_FUZZ_CHECK(h.ok());
        head = *h;
        auto v = log->verify(head);
        FAX_FUZZ_CHECK(v.ok() && v->ok);
    }

    sqlite3* db = nullptr;
    FAX_FUZZ_CHECK(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_exec(db, "DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;", nullptr, nullptr,
                 nullptr);
    const std::string before = dump(db);
    static const char* const kColumns[] = {"seq", "kind", "job_id", "member_ref", "at", "body", "prev_hash", "hash"};
    const int row = 1 + input[1] % 4;
    const std::string payload(reinterpret_cast<const char*>(input.data()) + 3, input.size() - 3);
    FAX_FUZZ_CHECK(audit_body_fields(payload) == audit_body_fields_reference(payload));
    std::optional<bool> intact_without_head;  // what verify() must say without the head (mode 4)
    sqlite3_stmt* st = nullptr;
    switch (input[0] % 5) {
        case 0: {  // rewrite one cell; integers stay integers where the bytes allow it
            const std::string col = kColumns[input[2] % 8];
            const std::string sql = "UPDATE audit_entries SET " + col + " = ?1 WHERE seq = ?2";
            sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
            if (col == "seq" || col == "at")
                sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(std::strtoll(payload.c_str(), nullptr, 10)));
            else
                sqlite3_bind_text(st, 1, payload.data(), static_cast<int>(payload.size()), SQLITE_TRANSIENT);
            sqlite3_bind_int(st, 2, row);
            break;
        }
        case 1:
            sqlite3_prepare_v2(db, "DELETE FROM audit_entries WHERE seq = ?1", -1, &st, nullptr);
            sqlite3_bind_int(st, 1, row);
            break;
        case 2: {  // swap two rows' positions
            const int other = 1 + input[2] % 4;
            const std::string sql = "UPDATE audit_entries SET seq = CASE seq WHEN " + std::to_string(row) + " THEN " +
                                    std::to_string(other) + " ELSE " + std::to_string(row) + " END WHERE seq IN (" +
                                    std::to_string(row) + "," + std::to_string(other) + ")";
            sqlite3_exec(db, ("UPDATE audit_entries SET seq = -seq WHERE seq IN (" + std::to_string(row) + "," +
                              std::to_string(other) + ")").c_str(), nullptr, nullptr, nullptr);
            sqlite3_exec(db, ("UPDATE audit_entries SET seq = CASE -seq WHEN " + std::to_string(row) + " THEN " +
                              std::to_string(other) + " ELSE " + std::to_string(row) + " END WHERE seq < 0").c_str(),
                         nullptr, nullptr, nullptr);
            (void)sql;
            break;
        }
        case 4: {  // rewrite a body and recompute the hashes from it on, as one who knows the chain would
            const std::string where = " FROM audit_entries WHERE seq = " + std::to_string(row);
            const std::string kind = cell(db, "SELECT kind" + where), job = cell(db, "SELECT job_id" + where),
                              member = cell(db, "SELECT ifnull(member_ref,'')" + where);
            const int64_t at = std::strtoll(cell(db, "SELECT at" + where).c_str(), nullptr, 10);
            sqlite3_prepare_v2(db, "UPDATE audit_entries SET body = ?1 WHERE seq = ?2", -1, &st, nullptr);
            sqlite3_bind_text(st, 1, payload.data(), static_cast<int>(payload.size()), SQLITE_TRANSIENT);
            sqlite3_bind_int(st, 2, row);
            sqlite3_step(st);
            sqlite3_finalize(st);
            st = nullptr;
            std::string prev = row == 1 ? std::string(64, '0')
                                        : cell(db, "SELECT hash FROM audit_entries WHERE seq = " + std::to_string(row - 1));
            for (int r = row; r <= 4; ++r) {
                const std::string w = " WHERE seq = " + std::to_string(r);
                const std::string hash = fax::sha256_hex(prev + cell(db, "SELECT body FROM audit_entries" + w));
                sqlite3_exec(db, ("UPDATE audit_entries SET prev_hash = '" + prev + "', hash = '" + hash + "'" + w).c_str(),
                             nullptr, nullptr, nullptr);
                prev = hash;
            }
            // Only the forged body can give the change away; it does unless nlohmann reads
            // from it an object with the row's own seq, kind, job, member and time.
            const AuditBodyFields f = audit_body_fields_reference(payload);
            intact_without_head = f.object && f.seq == row && f.entry == kind && f.job_id == job &&
                                  f.member_reference == member && (kind == "outcome" ? f.finished_at : f.decided_at) == at;
            break;
        }
        default:  // append a forged entry
            sqlite3_prepare_v2(db, "INSERT INTO audit_entries(seq,kind,job_id,member_ref,at,body,prev_hash,hash) "
                                   "VALUES (5,'outcome','J-3',NULL,0,?1,?2,?3)", -1, &st, nullptr);
            sqlite3_bind_text(st, 1, payload.data(), static_cast<int>(payload.size()), SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, head.hash.data(), static_cast<int>(head.hash.size()), SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, payload.data(), static_cast<int>(std::min<std::size_t>(payload.size(), 64)),
                              SQLITE_TRANSIENT);
            break;
    }
    if (st) {
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    const bool changed = dump(db) != before;
    sqlite3_close(db);

    auto log = AuditLog::open(path);
    if (log.ok()) {
        auto v = log->verify(head);
        if (changed) FAX_FUZZ_CHECK(!v.ok() || !v->ok);
        if (intact_without_head) {
            auto w = log->verify();
            FAX_FUZZ_CHECK(w.ok());
            FAX_FUZZ_CHECK(w->ok == *intact_without_head);
        }
        if (v.ok() && !v->ok) {
            FAX_FUZZ_CHECK(v->first_bad_seq.has_value());
            FAX_FUZZ_CHECK(!v->message.empty());
        }
        (void)log->entries();
        (void)log->find_decision("J-1");
        (void)log->find_outcome("J-1");
        (void)log->disclosures("MRN-FUZZ-1", std::chrono::system_clock::time_point{},
                               std::chrono::system_clock::time_point(std::chrono::seconds(2'000'000'000)));
    }
    // The log is closed here: its WAL and shared-memory files go with the database.
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}
