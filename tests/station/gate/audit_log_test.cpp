// The audit trail: append rules, the hash chain against an attacker with raw SQL
// access, the accounting of disclosures and its CSV/JSON exports.
#include "fax/gate/audit_log.h"

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "fax/base/sha256.h"
#include "gate_fixture.h"

namespace fax::gate {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::fixed_now;
using test::kMember;
using test::TempDir;

const std::string kOtherMember = "MRN-5500-1234-ABC";

DecisionRecord cleared_decision(const std::string& job, const std::string& member, TimePoint at, int pages = 3) {
    DecisionRecord d;
    d.job_id = job;
    d.kind = ReleaseKind::Release;
    d.cleared = true;
    d.rule_id = "POL-PROV-KP";
    d.rule_ids = {"POL-PROV-KP"};
    d.requester = {"E104233", "Dana Whitfield"};
    d.member_reference = member;
    d.recipient_id = "kp-cardio";
    d.recipient_category = RecipientCategory::KpProvider;
    d.recipient_organisation = "Kaiser Permanente Cardiology";
    d.recipient_name = "Dr. Priya Raman";
    d.dial_number = "12065550142";
    d.purpose = Purpose::Treatment;
    d.sections = {"discharge_summary", "lab_results"};
    d.page_count = pages;
    d.cover_sha256 = std::string(64, 'c');
    d.content_sha256 = std::string(64, 'f');
    for (int i = 0; i < pages; ++i) d.page_sha256.push_back(std::string(63, 'a') + std::to_string(i % 10));
    d.page_sha256[0] = d.cover_sha256;
    d.decided_at = at;
    return d;
}

DecisionRecord refused_decision(const std::string& job, const std::string& member, TimePoint at) {
    DecisionRecord d = cleared_decision(job, member, at);
    d.cleared = false;
    d.rule_id.clear();
    d.rule_ids = {"REF-CATEGORY"};
    d.findings = {Finding{"REF-CATEGORY", "recipient.directory_id", "not allowed", "Direct the request to ..."}};
    d.page_count = 0;
    d.page_sha256.clear();
    d.cover_sha256.clear();
    d.content_sha256.clear();
    return d;
}

OutcomeRecord outcome(const std::string& job, int sent, int confirmed, CompletionCode c, TimePoint finished) {
    OutcomeRecord o;
    o.job_id = job;
    o.outcome.pages_sent = sent;
    o.outcome.pages_confirmed = confirmed;
    o.outcome.remote_csi = "+1 206 555 0142";
    o.outcome.negotiated = {14400, "V.17", "R8x7.7", "T.4 2D", true};
    o.outcome.completion = c;
    o.outcome.detail = c == CompletionCode::Ok ? "" : "DCN after page 2";
    o.outcome.started_at = finished - 2min;
    o.outcome.finished_at = finished;
    return o;
}

// Runs SQL on the audit file behind the AuditLog's back, as an attacker with file
// access would.
class RawDb {
public:
    explicit RawDb(const std::filesystem::path& p) { EXPECT_EQ(sqlite3_open(p.c_str(), &db_), SQLITE_OK); }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;
    // Returns the sqlite error message, empty on success.
    std::string exec(const std::string& sql) {
        char* err = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        std::string msg = rc == SQLITE_OK ? "" : (err != nullptr ? err : "error");
        sqlite3_free(err);
        return msg;
    }
    void must(const std::string& sql) { ASSERT_EQ(exec(sql), "") << sql; }
    std::string text(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return out;
    }
    void drop_triggers() {
        must("DROP TRIGGER audit_entries_no_update");
        must("DROP TRIGGER audit_entries_no_delete");
    }
    // A cell as bytes (embedded NULs kept), empty if there is no such row.
    std::string bytes(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 0));
            if (p != nullptr) out.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
        }
        sqlite3_finalize(st);
        return out;
    }
    // Rewrites entry `seq`'s body (any bytes, stored as TEXT) and recomputes its hash and
    // every later link, as an attacker who knows how the chain is built would (triggers
    // dropped first): all verify() has left to go on is what the body says.
    void forge_body(int64_t seq, const std::string& body) {
        sqlite3_stmt* st = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db_, "UPDATE audit_entries SET body = ?1 WHERE seq = ?2", -1, &st, nullptr),
                  SQLITE_OK);
        sqlite3_bind_text(st, 1, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, seq);
        ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        std::string prev = seq == 1 ? std::string(64, '0')
                                    : text("SELECT hash FROM audit_entries WHERE seq = " + std::to_string(seq - 1));
        const int64_t last = std::stoll(text("SELECT max(seq) FROM audit_entries"));
        for (int64_t s = seq; s <= last; ++s) {
            const std::string where = " WHERE seq = " + std::to_string(s);
            const std::string hash = sha256_hex(prev + bytes("SELECT body FROM audit_entries" + where));
            must("UPDATE audit_entries SET prev_hash = '" + prev + "', hash = '" + hash + "'" + where);
            prev = hash;
        }
    }

private:
    sqlite3* db_ = nullptr;
};

class Audit : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = tmp_ / "audit.db";
        auto a = AuditLog::open(path_);
        ASSERT_TRUE(a.ok()) << a.error().to_string();
        log_.emplace(std::move(*a));
    }

    // Five entries: three decisions (J1, J2 cleared, J3 refused) and two outcomes.
    void five_entries() {
        const TimePoint t = fixed_now();
        ASSERT_EQ(*log_->append_decision(cleared_decision("J1", kMember, t)), 1);
        ASSERT_EQ(*log_->append_outcome(outcome("J1", 3, 3, CompletionCode::Ok, t + 5min)), 2);
        ASSERT_EQ(*log_->append_decision(cleared_decision("J2", kMember, t + 10min)), 3);
        ASSERT_EQ(*log_->append_decision(refused_decision("J3", kMember, t + 20min)), 4);
        ASSERT_EQ(*log_->append_outcome(outcome("J2", 3, 1, CompletionCode::Partial, t + 15min)), 5);
    }

    AuditVerifyReport verify(const std::optional<AuditHead>& head = std::nullopt) {
        auto r = log_->verify(head);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? *r : AuditVerifyReport{};
    }

    TempDir tmp_;
    std::filesystem::path path_;
    std::optional<AuditLog> log_;
};

TEST_F(Audit, AppendsDecisionsAndOutcomes) {
    five_entries();
    auto d = log_->find_decision("J1");
    ASSERT_TRUE(d.ok() && d->has_value());
    const DecisionRecord& r = **d;
    EXPECT_TRUE(r.cleared);
    EXPECT_EQ(r.rule_id, "POL-PROV-KP");
    EXPECT_EQ(r.member_reference, kMember);
    EXPECT_EQ(r.recipient_category, RecipientCategory::KpProvider);
    EXPECT_EQ(r.purpose, Purpose::Treatment);
    EXPECT_EQ(r.page_sha256.size(), 3u);
    EXPECT_EQ(r.cover_sha256, std::string(64, 'c'));
    EXPECT_EQ(r.decided_at, fixed_now());
    EXPECT_EQ(decision_to_json(r), decision_to_json(cleared_decision("J1", kMember, fixed_now())));

    auto refused = log_->find_decision("J3");
    ASSERT_TRUE(refused.ok() && refused->has_value());
    EXPECT_FALSE((*refused)->cleared);
    ASSERT_EQ((*refused)->findings.size(), 1u);
    EXPECT_EQ((*refused)->findings[0].rule_id, "REF-CATEGORY");

    auto o = log_->find_outcome("J2");
    ASSERT_TRUE(o.ok() && o->has_value());
    EXPECT_EQ((*o)->outcome.pages_sent, 3);
    EXPECT_EQ((*o)->outcome.pages_confirmed, 1);
    EXPECT_EQ((*o)->outcome.completion, CompletionCode::Partial);
    EXPECT_EQ((*o)->outcome.remote_csi.value_or(""), "+1 206 555 0142");
    EXPECT_EQ((*o)->outcome.negotiated.modulation, "V.17");
    EXPECT_TRUE((*o)->outcome.negotiated.ecm);
    EXPECT_EQ((*o)->outcome.finished_at, fixed_now() + 15min);
    EXPECT_FALSE(log_->find_outcome("J3")->has_value());

    auto all = log_->entries();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 5u);
    const char* kinds[] = {"decision", "outcome", "decision", "decision", "outcome"};
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ((*all)[i].seq, static_cast<int64_t>(i + 1));
        EXPECT_EQ((*all)[i].kind, kinds[i]);
        EXPECT_EQ((*all)[i].prev_hash, i == 0 ? std::string(64, '0') : (*all)[i - 1].hash);
        EXPECT_EQ((*all)[i].hash, sha256_hex((*all)[i].prev_hash + (*all)[i].body));
        // The body is canonical JSON that carries its own seq and kind.
        const json b = json::parse((*all)[i].body);
        EXPECT_EQ(b["seq"], static_cast<int64_t>(i + 1));
        EXPECT_EQ(b["entry"], kinds[i]);
        EXPECT_EQ(b.dump(), (*all)[i].body);
    }
    auto head = log_->head();
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->seq, 5);
    EXPECT_EQ(head->hash, all->back().hash);
}

TEST_F(Audit, OutcomesNeedOneClearedDecision) {
    five_entries();
    const auto before = *log_->head();
    struct Case {
        const char* name;
        OutcomeRecord record;
    };
    const Case cases[] = {
        {"unknown job", outcome("J-nope", 1, 1, CompletionCode::Ok, fixed_now())},
        {"second outcome", outcome("J1", 3, 3, CompletionCode::Ok, fixed_now())},
        {"refused job", outcome("J3", 1, 1, CompletionCode::Ok, fixed_now())},
        {"more confirmed than sent", outcome("J-more", 1, 2, CompletionCode::Ok, fixed_now())},
        {"more sent than cleared", outcome("J-more", 4, 4, CompletionCode::Ok, fixed_now())},
    };
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-more", kMember, fixed_now())).ok());
    for (const auto& c : cases) {
        auto r = log_->append_outcome(c.record);
        ASSERT_FALSE(r.ok()) << c.name;
        EXPECT_EQ(r.error().code, Errc::InvalidArgument) << c.name;
    }
    auto twice = log_->append_decision(cleared_decision("J1", kMember, fixed_now()));
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().code, Errc::InvalidArgument);
    EXPECT_FALSE(log_->append_decision(cleared_decision("", kMember, fixed_now())).ok());
    EXPECT_EQ(log_->head()->seq, before.seq + 1);  // only J-more's decision was added
    EXPECT_TRUE(verify().ok);
}

TEST_F(Audit, VerifyPassesOnAnIntactChainAndAfterReopen) {
    EXPECT_TRUE(verify().ok);
    EXPECT_EQ(verify().head_hash, std::string(64, '0'));
    five_entries();
    AuditVerifyReport r = verify();
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ(r.entries, 5);
    EXPECT_EQ(r.problem, AuditProblem::None);
    EXPECT_FALSE(r.first_bad_seq.has_value());
    EXPECT_EQ(r.head_hash, log_->head()->hash);
    EXPECT_TRUE(verify(*log_->head()).ok);

    const AuditHead head = *log_->head();
    log_.reset();
    auto again = AuditLog::open(path_);
    ASSERT_TRUE(again.ok());
    log_.emplace(std::move(*again));
    EXPECT_EQ(log_->head()->hash, head.hash);
    EXPECT_TRUE(verify(head).ok);
    ASSERT_EQ(*log_->append_decision(cleared_decision("J9", kMember, fixed_now() + 1h)), 6);
    EXPECT_TRUE(verify(head).ok);  // a longer trail still contains the recorded head
}

TEST_F(Audit, TriggersRefuseUpdateAndDelete) {
    five_entries();
    RawDb raw(path_);
    EXPECT_NE(raw.exec("UPDATE audit_entries SET body = '{}' WHERE seq = 2").find("append-only"), std::string::npos);
    EXPECT_NE(raw.exec("DELETE FROM audit_entries WHERE seq = 5").find("append-only"), std::string::npos);
    EXPECT_NE(raw.exec("DELETE FROM audit_entries").find("append-only"), std::string::npos);
    EXPECT_EQ(log_->entries()->size(), 5u);
    EXPECT_TRUE(verify().ok);
}

TEST_F(Audit, VerifyNamesAnAlteredBody) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    raw.must("UPDATE audit_entries SET body = replace(body, 'Dana Whitfield', 'Eve Mallory') WHERE seq = 3");
    const AuditVerifyReport r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Altered);
    EXPECT_EQ(r.first_bad_seq, 3);
    EXPECT_NE(r.message.find("entry 3 was altered"), std::string::npos) << r.message;
}

TEST_F(Audit, VerifyNamesAnAlteredEntryWhoseHashWasRecomputed) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    const std::string prev = raw.text("SELECT prev_hash FROM audit_entries WHERE seq = 3");
    std::string body = raw.text("SELECT body FROM audit_entries WHERE seq = 3");
    const auto pos = body.find("Dana Whitfield");
    ASSERT_NE(pos, std::string::npos);
    body.replace(pos, 14, "Eve Mallory");
    raw.must("UPDATE audit_entries SET body = '" + body + "', hash = '" + sha256_hex(prev + body) + "' WHERE seq = 3");
    AuditVerifyReport r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Altered);
    EXPECT_EQ(r.first_bad_seq, 3);
    EXPECT_NE(r.message.find("entry 3 was altered"), std::string::npos) << r.message;
}

TEST_F(Audit, VerifyNamesAnAlteredIndexColumn) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    // Hiding a disclosure from the accounting by changing the indexed member column.
    raw.must("UPDATE audit_entries SET member_ref = '" + kOtherMember + "' WHERE seq = 3");
    const AuditVerifyReport r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Altered);
    EXPECT_EQ(r.first_bad_seq, 3);
    EXPECT_NE(r.message.find("indexed columns"), std::string::npos) << r.message;
}

TEST_F(Audit, VerifyNamesAnEntryRemovedInTheMiddle) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    raw.must("DELETE FROM audit_entries WHERE seq = 3");
    AuditVerifyReport r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Removed);
    EXPECT_EQ(r.first_bad_seq, 3);
    EXPECT_NE(r.message.find("entry 3 was removed"), std::string::npos) << r.message;

    // Renumbering the later entries to close the gap does not hide it.
    raw.must("UPDATE audit_entries SET seq = seq - 1 WHERE seq > 3");
    r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Removed);
    EXPECT_EQ(r.first_bad_seq, 3);
    EXPECT_NE(r.message.find("entry 3 was removed"), std::string::npos) << r.message;
}

TEST_F(Audit, VerifyNamesTheFirstEntryRemoved) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    raw.must("DELETE FROM audit_entries WHERE seq = 1");
    const AuditVerifyReport r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Removed);
    EXPECT_EQ(r.first_bad_seq, 1);
}

TEST_F(Audit, VerifyNamesTwoSwappedEntries) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    raw.must("UPDATE audit_entries SET seq = -2 WHERE seq = 2");
    raw.must("UPDATE audit_entries SET seq = 2 WHERE seq = 3");
    raw.must("UPDATE audit_entries SET seq = 3 WHERE seq = -2");
    const AuditVerifyReport r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Reordered);
    EXPECT_EQ(r.first_bad_seq, 2);
    EXPECT_NE(r.message.find("entry 2 is out of order"), std::string::npos) << r.message;
}

TEST_F(Audit, TruncationIsSeenAgainstARecordedHead) {
    five_entries();
    const AuditHead head = *log_->head();
    RawDb raw(path_);
    raw.drop_triggers();
    raw.must("DELETE FROM audit_entries WHERE seq >= 4");
    // From inside the chain a shorter trail looks intact (documented limitation)...
    EXPECT_TRUE(verify().ok);
    // ...against the head kept elsewhere it does not.
    const AuditVerifyReport r = verify(head);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Truncated);
    EXPECT_EQ(r.first_bad_seq, 4);
    EXPECT_NE(r.message.find("entries after entry 3 were removed"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("entry 5"), std::string::npos) << r.message;

    // A recorded head that the trail contains at its seq, but with another hash.
    const AuditVerifyReport wrong = verify(AuditHead{2, std::string(64, 'e')});
    EXPECT_FALSE(wrong.ok);
    EXPECT_EQ(wrong.problem, AuditProblem::Altered);
    EXPECT_EQ(wrong.first_bad_seq, 2);
}

// The body tampering cases below forge one body and recompute the chain after it, so
// that only the body's contents can give the change away. What verify() makes of a
// body must be what the trail's readers (find_decision, find_outcomes, disclosures,
// all with nlohmann::json) make of it: the expected results are the reading of the
// verifier before simdjson, which parsed each body with nlohmann::json.
class AuditBody : public Audit {
protected:
    void SetUp() override {
        Audit::SetUp();
        five_entries();
        raw_.emplace(path_);
        raw_->drop_triggers();
        decision_ = raw_->text("SELECT body FROM audit_entries WHERE seq = 3");  // J2, cleared, kMember
        outcome_ = raw_->text("SELECT body FROM audit_entries WHERE seq = 5");   // J2's outcome
        ASSERT_FALSE(decision_.empty());
        ASSERT_FALSE(outcome_.empty());
    }
    // The stored text of `key`'s value in a compact body ("\"J2\"", "3", ...).
    static std::string value_text(const std::string& body, const std::string& key) {
        return json::parse(body)[key].dump();
    }
    // The body with the text of key's value replaced (the key stays where it is).
    static std::string with_value(const std::string& body, const std::string& key, const std::string& value) {
        const std::string from = "\"" + key + "\":" + value_text(body, key);
        const auto pos = body.find(from);
        EXPECT_NE(pos, std::string::npos) << key;
        std::string out = body;
        if (pos != std::string::npos) out.replace(pos, from.size(), "\"" + key + "\":" + value);
        return out;
    }
    // Each call first puts back what the previous one forged: every case starts from the
    // intact trail (and its forgery stays in place until the next, for the readers).
    AuditVerifyReport forged(int64_t seq, const std::string& body) {
        if (forged_seq_ != 0) raw_->forge_body(forged_seq_, forged_original_);
        forged_seq_ = seq;
        forged_original_ = raw_->bytes("SELECT body FROM audit_entries WHERE seq = " + std::to_string(seq));
        raw_->forge_body(seq, body);
        return verify();
    }
    static void expect_altered(const AuditVerifyReport& r, const std::string& why, const std::string& what) {
        EXPECT_FALSE(r.ok) << what;
        EXPECT_EQ(r.problem, AuditProblem::Altered) << what;
        EXPECT_EQ(r.first_bad_seq, 3) << what;
        EXPECT_EQ(r.message, "entry 3 was altered: " + why) << what;
    }
    static constexpr const char* kNotJson = "its hash does not match its contents";
    static constexpr const char* kColumns = "its indexed columns differ from its hashed contents";

    std::optional<RawDb> raw_;
    std::string decision_, outcome_;
    int64_t forged_seq_ = 0;
    std::string forged_original_;
};

TEST_F(AuditBody, DuplicateKeysReadAsTheReadersReadThem) {
    // nlohmann::json keeps the last of duplicate keys, and so do the readers: a forged
    // second member_reference moves the disclosure to another member for every reader
    // while the indexed column still names the first.
    std::string body = decision_;
    body.insert(body.size() - 1, ",\"member_reference\":\"" + kOtherMember + "\"");
    expect_altered(forged(3, body), kColumns, "second member_reference");
    EXPECT_EQ((*log_->find_decision("J2"))->member_reference, kOtherMember);

    // The same the other way round: a first job_id that the last one overrides is not
    // what anybody reads, so it is no discrepancy.
    body = decision_;
    body.insert(1, "\"job_id\":\"J-forged\",");
    AuditVerifyReport r = forged(3, body);
    EXPECT_TRUE(r.ok) << r.message;

    // A second seq renumbers the entry.
    body = decision_;
    body.insert(body.size() - 1, ",\"seq\":4");
    r = forged(3, body);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Removed);
    EXPECT_EQ(r.first_bad_seq, 3);
    EXPECT_EQ(r.message, "entry 3 was removed: later entries were renumbered (position 3 holds entry 4)");
}

TEST_F(AuditBody, FieldsInAnyOrderReadTheSame) {
    // Rebuilt with its keys in reverse order (the canonical body has them sorted):
    // a different text with the same contents, so the recomputed chain is intact.
    for (const std::string* original : {&decision_, &outcome_}) {
        const json j = json::parse(*original);
        std::vector<std::string> members;
        for (auto it = j.begin(); it != j.end(); ++it) members.push_back(json(it.key()).dump() + ":" + it.value().dump());
        std::string body = "{";
        for (auto it = members.rbegin(); it != members.rend(); ++it) body += (body.size() > 1 ? "," : "") + *it;
        body += "}";
        ASSERT_NE(body, *original);
        ASSERT_EQ(json::parse(body), j);
        const int64_t seq = original == &decision_ ? 3 : 5;
        const AuditVerifyReport r = forged(seq, body);
        EXPECT_TRUE(r.ok) << r.message;
        EXPECT_EQ(r.entries, 5);
    }
}

TEST_F(AuditBody, UnicodeEscapesAreDecodedBeforeComparing) {
    // Escaped keys and values read as the characters they stand for.
    std::string body = with_value(decision_, "job_id", R"("\u004a\u0032")");
    body = with_value(body, "entry", R"("d\u0065cision")");
    const auto key = body.find("\"member_reference\"");
    ASSERT_NE(key, std::string::npos);
    body.replace(key, 18, R"("member\u005freference")");
    AuditVerifyReport r = forged(3, body);
    EXPECT_TRUE(r.ok) << r.message;

    // A surrogate pair and a two-byte character in the body against their UTF-8 in the column.
    raw_->must("UPDATE audit_entries SET member_ref = 'MRN-\xF0\x9F\x98\x80-\xC3\xA9' WHERE seq = 3");
    r = forged(3, with_value(decision_, "member_reference", R"("MRN-\ud83d\ude00-\u00e9")"));
    EXPECT_TRUE(r.ok) << r.message;
    // ... which is not the same as another character.
    r = forged(3, with_value(decision_, "member_reference", R"("MRN-\ud83d\ude01-\u00e9")"));
    expect_altered(r, kColumns, "another emoji");
    raw_->must("UPDATE audit_entries SET member_ref = '" + kMember + "' WHERE seq = 3");

    // An escaped NUL is part of the string: "J2\u0000x" is not "J2".
    expect_altered(forged(3, with_value(decision_, "job_id", R"("J2\u0000x")")), kColumns, "escaped NUL");
    // A lone surrogate, even in a field verify() does not compare, is not JSON.
    std::string lone = decision_;
    const auto name = lone.find("Dana Whitfield");
    ASSERT_NE(name, std::string::npos);
    lone.replace(name, 4, R"(\ud800)");
    expect_altered(forged(3, lone), kNotJson, "lone high surrogate");
    lone = decision_;
    lone.replace(name, 4, R"(\udc00)");
    expect_altered(forged(3, lone), kNotJson, "lone low surrogate");
    lone = decision_;
    lone.replace(name, 4, R"(\u00zz)");
    expect_altered(forged(3, lone), kNotJson, "bad hex digits");
}

TEST_F(AuditBody, NumbersInStringsAreNotNumbers) {
    AuditVerifyReport r = forged(3, with_value(decision_, "seq", "\"3\""));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Altered);
    EXPECT_EQ(r.message, "entry 3 was altered: it claims to be entry -1");
    expect_altered(forged(3, with_value(decision_, "decided_at", "\"" + value_text(decision_, "decided_at") + "\"")),
                   kColumns, "decided_at as a string");
    r = forged(5, with_value(outcome_, "finished_at", "\"" + value_text(outcome_, "finished_at") + "\""));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.first_bad_seq, 5);
    EXPECT_EQ(r.message, std::string("entry 5 was altered: ") + kColumns);
}

TEST_F(AuditBody, ATruncatedOrExtendedBodyIsNotJson) {
    expect_altered(forged(3, decision_.substr(0, decision_.size() - 1)), kNotJson, "no closing brace");
    expect_altered(forged(3, decision_.substr(0, decision_.size() / 2)), kNotJson, "cut in half");
    // Every field verify() compares comes first, then the body is cut: a parser that
    // stopped reading once it had its fields would see nothing wrong.
    const json j = json::parse(decision_);
    std::string front = "{";
    for (const char* k : {"seq", "entry", "job_id", "member_reference", "decided_at"})
        front += json(k).dump() + ":" + j[k].dump() + ",";
    std::string rest;
    for (auto it = j.begin(); it != j.end(); ++it) rest += "," + json(it.key()).dump() + ":" + it.value().dump();
    const std::string whole = front + rest.substr(1) + "}";
    ASSERT_TRUE(forged(3, whole).ok) << "the reordered body itself is intact";
    expect_altered(forged(3, whole.substr(0, whole.size() - 20)), kNotJson, "cut after the compared fields");
    expect_altered(forged(3, front.substr(0, front.size() - 1)), kNotJson, "only the compared fields, unclosed");
    expect_altered(forged(3, decision_ + "x"), kNotJson, "text after the object");
    expect_altered(forged(3, decision_ + "{}"), kNotJson, "a second object");
    expect_altered(forged(3, decision_ + ","), kNotJson, "a trailing comma");
    expect_altered(forged(3, ""), kNotJson, "empty");
}

TEST_F(AuditBody, AFieldOfTheWrongTypeReadsAsMissing) {
    expect_altered(forged(3, with_value(decision_, "member_reference", "[\"" + kMember + "\"]")), kColumns, "array");
    expect_altered(forged(3, with_value(decision_, "job_id", R"({"id":"J2"})")), kColumns, "object");
    expect_altered(forged(3, with_value(decision_, "entry", "true")), kColumns, "bool");
    expect_altered(forged(3, with_value(decision_, "decided_at", value_text(decision_, "decided_at") + ".0")), kColumns,
                   "decided_at as a float");
    expect_altered(forged(3, with_value(decision_, "decided_at", value_text(decision_, "decided_at") + "e0")), kColumns,
                   "decided_at with an exponent");
    for (const char* seq : {"3.0", "[3]", "null", "3e0"}) {
        const AuditVerifyReport r = forged(3, with_value(decision_, "seq", seq));
        EXPECT_FALSE(r.ok) << seq;
        EXPECT_EQ(r.message, "entry 3 was altered: it claims to be entry -1") << seq;
    }
    expect_altered(forged(3, "[" + decision_ + "]"), kNotJson, "an array of the body");
    expect_altered(forged(3, "\"" + kMember + "\""), kNotJson, "a string");
    // A member_reference that is not a string reads as none for the readers too: it
    // matches a row without a member.
    raw_->must("UPDATE audit_entries SET member_ref = NULL WHERE seq = 3");
    AuditVerifyReport r = forged(3, with_value(decision_, "member_reference", "null"));
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ((*log_->find_decision("J2"))->member_reference, "");
}

TEST_F(AuditBody, WhitespaceBetweenTokensIsAllowedAndOnlyJsonWhitespace) {
    AuditVerifyReport r = forged(3, json::parse(decision_).dump(2));
    EXPECT_TRUE(r.ok) << r.message;
    r = forged(3, " \t\r\n" + decision_ + "\n\n ");
    EXPECT_TRUE(r.ok) << r.message;
    std::string spaced = decision_;
    const auto pos = spaced.find("\"job_id\":");
    ASSERT_NE(pos, std::string::npos);
    spaced.replace(pos, 9, "\"job_id\" \t:\r\n ");
    r = forged(3, spaced);
    EXPECT_TRUE(r.ok) << r.message;
    // Form feed and vertical tab are whitespace to C, not to JSON.
    expect_altered(forged(3, "\f" + decision_), kNotJson, "form feed");
    expect_altered(forged(3, decision_ + "\v"), kNotJson, "vertical tab");
    // Inside a string, a space is part of the value.
    expect_altered(forged(3, with_value(decision_, "job_id", "\"J2 \"")), kColumns, "space in the value");
}

TEST_F(AuditBody, BodiesThatOnlyNlohmannReadsAreReadByIt) {
    // What the readers' parser accepts and simdjson refuses is judged as the readers read
    // it: a UTF-8 byte order mark, an integer wider than 64 bits (a float to nlohmann),
    // nesting deeper than simdjson's limit of 1024.
    AuditVerifyReport r = forged(3, "\xEF\xBB\xBF" + decision_);
    EXPECT_TRUE(r.ok) << r.message;
    r = forged(3, with_value(decision_, "page_count", "123456789012345678901234567890"));
    EXPECT_TRUE(r.ok) << r.message;
    r = forged(3, with_value(decision_, "page_count", std::string(2000, '[') + std::string(2000, ']')));
    EXPECT_TRUE(r.ok) << r.message;
    r = forged(3, with_value(decision_, "seq", "18446744073709551619"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "entry 3 was altered: it claims to be entry -1");
    // Integers up to 2^64 - 1 are integers (read as int64_t, as nlohmann's get<int64_t> does).
    r = forged(3, with_value(decision_, "seq", "18446744073709551615"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "entry 3 was altered: it claims to be entry -1");
    r = forged(3, with_value(decision_, "seq", "9223372036854775808"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "entry 3 was altered: it claims to be entry -9223372036854775808");
    // Invalid UTF-8 is not JSON to either.
    std::string bad = decision_;
    bad.replace(bad.find("Dana"), 1, "\xC0\xAF");
    expect_altered(forged(3, bad), kNotJson, "overlong UTF-8");
}

TEST_F(AuditBody, AFailedVerifyStillCountsEveryEntryAndNamesTheHead) {
    const std::string head = raw_->text("SELECT hash FROM audit_entries WHERE seq = 5");
    raw_->must("UPDATE audit_entries SET member_ref = 'x' WHERE seq = 2");
    AuditVerifyReport r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.first_bad_seq, 2);
    EXPECT_EQ(r.entries, 5);
    EXPECT_EQ(r.head_hash, head);
    raw_->must("DELETE FROM audit_entries WHERE seq = 1");
    r = verify();
    EXPECT_EQ(r.problem, AuditProblem::Removed);
    EXPECT_EQ(r.message, "entry 1 was removed: the trail goes from the start to entry 2");
    EXPECT_EQ(r.entries, 4);
    EXPECT_EQ(r.head_hash, head);
}

std::string describe(const AuditBodyFields& f) {
    return std::string(f.object ? "object" : "not an object") + " seq=" + (f.seq ? std::to_string(*f.seq) : "-") +
           " entry=" + json(f.entry).dump(-1, ' ', true, json::error_handler_t::replace) +
           " job_id=" + json(f.job_id).dump(-1, ' ', true, json::error_handler_t::replace) +
           " member=" + json(f.member_reference).dump(-1, ' ', true, json::error_handler_t::replace) +
           " decided_at=" + std::to_string(f.decided_at) + " finished_at=" + std::to_string(f.finished_at);
}

// verify()'s reader and nlohmann::json (the readers' parser) read the same from every
// body, including those where simdjson and nlohmann differ on what is JSON.
TEST(AuditBodyFields, VerifyReadsEveryBodyAsNlohmannDoes) {
    const std::string ok = R"({"decided_at":1700000000,"entry":"decision","job_id":"J1","member_reference":"M","seq":7})";
    const std::vector<std::string> bodies = {
        ok,
        R"({"seq":7,"entry":"decision","job_id":"J1","member_reference":"M","decided_at":1700000000})",
        R"({"seq":1,"seq":2,"job_id":"a","job_id":"b","job_id":3})",
        R"({"seq":2,"seq":"2"})",
        R"({"finished_at":5,"finished_at":6.5})",
        R"({"s\u0065q":9,"job_id":"\u004a\ud83d\ude00\u00e9\n\"\\\/","entry":"\u0000"})",
        R"({"seq":-0,"decided_at":-9223372036854775808,"finished_at":18446744073709551615})",
        R"({"seq":9223372036854775807,"decided_at":9223372036854775808})",
        R"({"seq":18446744073709551616})",
        R"({"seq":-9223372036854775809})",
        R"({"seq":1e2,"decided_at":1.0,"finished_at":1E0})",
        R"({"seq":1,"x":1e400})",
        R"({"seq":1,"x":1e-400})",
        R"({"seq":1,"x":1.7976931348623157e308,"y":1.7976931348623159e308})",
        R"({"seq":01})",
        R"({"seq":1,"x":"\ud800"})",
        R"({"seq":1,"x":"\udc00\ud800"})",
        R"({"seq":1,"x":"\u12"})",
        "\xEF\xBB\xBF" + ok,
        ok + std::string("\0{garbage", 9),
        std::string("{\"seq\":1,\"job_id\":\"a\0b\"}", 24),
        "{\"seq\":1,\"x\":\"\x7f\x01\"}",
        "{\"seq\":1,\"x\":\"\xC0\xAF\"}",
        "{\"seq\":1,\"x\":\"\xED\xA0\x80\"}",
        "{\"seq\":1,\"x\":\"\xF4\x90\x80\x80\"}",
        "{\"seq\":1,\"x\":\"\xF0\x9F\x98\x80\"}",
        " \t\r\n" + ok + " \n",
        "\f" + ok,
        ok + "\v",
        R"({"seq":1,"x":[1,]})",
        R"({"seq":1,})",
        R"({"seq":1}{})",
        R"({"seq":1} x)",
        R"({"seq" 1})",
        R"({seq:1})",
        R"({"seq":1,"x":tru})",
        R"({"seq":1,"x":nulll})",
        R"([{"seq":1}])",
        R"("seq")",
        "1",
        "",
        "{",
        "{\"seq\":1,\"x\":" + std::string(1500, '[') + std::string(1500, ']') + "}",
        ok.substr(0, ok.size() - 1),
        R"({"seq":null,"entry":null,"job_id":false,"member_reference":{},"decided_at":[]})",
    };
    for (const auto& b : bodies) {
        const AuditBodyFields fast = audit_body_fields(b);
        const AuditBodyFields reference = audit_body_fields_reference(b);
        EXPECT_EQ(fast, reference) << json(b).dump(-1, ' ', true, json::error_handler_t::replace) << "\n  verify:    "
                                   << describe(fast) << "\n  reference: " << describe(reference);
    }
    const AuditBodyFields f = audit_body_fields(ok);
    EXPECT_TRUE(f.object);
    EXPECT_EQ(f.seq, 7);
    EXPECT_EQ(f.entry, "decision");
    EXPECT_EQ(f.job_id, "J1");
    EXPECT_EQ(f.member_reference, "M");
    EXPECT_EQ(f.decided_at, 1700000000);
    EXPECT_EQ(audit_body_fields(bodies[2]).seq, 2) << "the last of duplicate keys";
    EXPECT_EQ(audit_body_fields(bodies[2]).job_id, "") << "the last job_id is a number";
    EXPECT_FALSE(audit_body_fields(ok.substr(0, ok.size() - 1)).object);
}

TEST_F(Audit, VerifyNamesAnEntryMovedToTheEnd) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    raw.must("UPDATE audit_entries SET seq = 9 WHERE seq = 2");
    const AuditVerifyReport r = verify();
    EXPECT_EQ(r.problem, AuditProblem::Reordered);
    EXPECT_EQ(r.first_bad_seq, 2);
    EXPECT_EQ(r.message, "entry 2 is out of order: it is stored at position 9");
    EXPECT_EQ(r.entries, 5);
}

TEST_F(Audit, DisclosuresForOneMemberOverAPeriod) {
    const TimePoint t = fixed_now();
    // In the period, for the member: delivered in part (3 sent, 2 confirmed by MCF).
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-in", kMember, t, 4)).ok());
    ASSERT_TRUE(log_->append_outcome(outcome("J-in", 3, 2, CompletionCode::Partial, t + 5min)).ok());
    // In the period, no outcome yet.
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-pending", kMember, t + 1h, 2)).ok());
    // In the period but refused: not a disclosure.
    ASSERT_TRUE(log_->append_decision(refused_decision("J-refused", kMember, t + 2h)).ok());
    // Another member in the period.
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-other", kOtherMember, t + 3h)).ok());
    ASSERT_TRUE(log_->append_outcome(outcome("J-other", 3, 3, CompletionCode::Ok, t + 3h + 5min)).ok());
    // The member, before and at the end of the period (the period is [from, to)).
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-before", kMember, t - std::chrono::days(40))).ok());
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-at-end", kMember, t + std::chrono::days(1))).ok());
    // A verification test fax carries no member.
    DecisionRecord v = cleared_decision("J-verify", "", t + 4h, 1);
    v.kind = ReleaseKind::VerificationTestFax;
    v.rule_id = "POL-VERIFY-TEST";
    v.purpose.reset();
    ASSERT_TRUE(log_->append_decision(v).ok());

    const TimePoint from = t - std::chrono::days(30);
    const TimePoint to = t + std::chrono::days(1);
    auto rows = log_->disclosures(kMember, from, to);
    ASSERT_TRUE(rows.ok()) << rows.error().to_string();
    ASSERT_EQ(rows->size(), 2u);
    const Disclosure& a = (*rows)[0];
    EXPECT_EQ(a.job_id, "J-in");
    EXPECT_EQ(a.pages_cleared, 4);
    EXPECT_EQ(a.pages_delivered, 2);  // MCF-confirmed, not merely sent
    EXPECT_EQ(a.completion, CompletionCode::Partial);
    EXPECT_EQ(a.finished_at, t + 5min);
    EXPECT_EQ(a.rule_id, "POL-PROV-KP");
    EXPECT_EQ(a.purpose, Purpose::Treatment);
    EXPECT_EQ(a.recipient_id, "kp-cardio");
    EXPECT_EQ(a.requester.staff_id, "E104233");
    const Disclosure& b = (*rows)[1];
    EXPECT_EQ(b.job_id, "J-pending");
    EXPECT_FALSE(b.completion.has_value());
    EXPECT_EQ(b.pages_delivered, 0);
    EXPECT_FALSE(b.finished_at.has_value());

    auto other = log_->disclosures(kOtherMember, from, to);
    ASSERT_TRUE(other.ok());
    ASSERT_EQ(other->size(), 1u);
    EXPECT_EQ((*other)[0].pages_delivered, 3);
    EXPECT_TRUE(log_->disclosures("MRN-NOBODY", from, to)->empty());
    EXPECT_EQ(log_->disclosures(kMember, t - std::chrono::days(50), to)->size(), 3u);
}

// RFC 4180: records end in CRLF; a field is quoted if it holds a comma, a quote or a
// line break, and quotes inside are doubled. Strict: anything else fails the test.
std::vector<std::vector<std::string>> parse_csv(const std::string& s) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] == '"') {
            ++i;
            while (true) {
                if (i >= s.size()) {
                    ADD_FAILURE() << "unterminated quoted field";
                    return rows;
                }
                if (s[i] == '"') {
                    if (i + 1 < s.size() && s[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += s[i++];
            }
        } else {
            while (i < s.size() && s[i] != ',' && s[i] != '\r') {
                if (s[i] == '"' || s[i] == '\n') {
                    ADD_FAILURE() << "quote or bare line feed in an unquoted field at " << i;
                    return rows;
                }
                field += s[i++];
            }
        }
        if (i < s.size() && s[i] == ',') {
            row.push_back(std::move(field));
            field.clear();
            ++i;
        } else if (i + 1 < s.size() && s[i] == '\r' && s[i + 1] == '\n') {
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
            i += 2;
        } else {
            ADD_FAILURE() << "record not ended by CRLF at " << i;
            return rows;
        }
    }
    EXPECT_TRUE(row.empty() && field.empty()) << "last record not ended by CRLF";
    return rows;
}

TEST_F(Audit, CsvExportIsRfc4180) {
    DecisionRecord d = cleared_decision("J-csv", kMember, fixed_now(), 3);
    d.requester.name = "Whitfield, Dana \"DJ\"";
    d.recipient_organisation = "Line one\r\nLine two";
    d.recipient_name = "=HYPERLINK(\"http://x\")";  // a formula to a spreadsheet
    ASSERT_TRUE(log_->append_decision(d).ok());
    ASSERT_TRUE(log_->append_outcome(outcome("J-csv", 3, 3, CompletionCode::Ok, fixed_now() + 4min)).ok());
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-plain", kMember, fixed_now() + 1h, 2)).ok());
    auto rows = log_->disclosures(kMember, fixed_now() - 1h, fixed_now() + 2h);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 2u);

    const auto csv = parse_csv(disclosures_to_csv(kMember, *rows));
    ASSERT_EQ(csv.size(), 3u);
    const std::vector<std::string> header = {
        "member_reference", "job_id", "decided_at_utc", "requester_staff_id", "requester_name", "recipient_id",
        "recipient_organisation", "recipient_name", "recipient_category", "purpose", "sections", "rule_id",
        "pages_cleared", "pages_delivered", "status", "completion", "finished_at_utc", "station"};
    ASSERT_EQ(csv[0], header);
    auto col = [&](const std::vector<std::string>& row, const std::string& name) {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return row.at(i);
        ADD_FAILURE() << name;
        return std::string();
    };
    for (std::size_t r = 1; r < csv.size(); ++r) ASSERT_EQ(csv[r].size(), header.size()) << "row " << r;
    const auto& a = csv[1];
    EXPECT_EQ(col(a, "member_reference"), kMember);
    EXPECT_EQ(col(a, "job_id"), "J-csv");
    EXPECT_EQ(col(a, "decided_at_utc"), "2025-03-01T14:00:00Z");
    EXPECT_EQ(col(a, "requester_name"), "Whitfield, Dana \"DJ\"");
    EXPECT_EQ(col(a, "recipient_organisation"), "Line one\r\nLine two");
    EXPECT_EQ(col(a, "recipient_name"), "'=HYPERLINK(\"http://x\")");  // neutralised, still readable
    EXPECT_EQ(col(a, "recipient_category"), "kp_provider");
    EXPECT_EQ(col(a, "purpose"), "treatment");
    EXPECT_EQ(col(a, "sections"), "discharge_summary;lab_results");
    EXPECT_EQ(col(a, "rule_id"), "POL-PROV-KP");
    EXPECT_EQ(col(a, "pages_cleared"), "3");
    EXPECT_EQ(col(a, "pages_delivered"), "3");
    EXPECT_EQ(col(a, "status"), "delivered");
    EXPECT_EQ(col(a, "completion"), "ok");
    EXPECT_EQ(col(a, "finished_at_utc"), "2025-03-01T14:04:00Z");
    const auto& b = csv[2];
    EXPECT_EQ(col(b, "job_id"), "J-plain");
    EXPECT_EQ(col(b, "status"), "no outcome recorded");
    EXPECT_EQ(col(b, "completion"), "");
    EXPECT_EQ(col(b, "finished_at_utc"), "");

    // An empty accounting is the header alone.
    EXPECT_EQ(parse_csv(disclosures_to_csv(kMember, {})).size(), 1u);
}

TEST_F(Audit, JsonExportParses) {
    const TimePoint t = fixed_now();
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-a", kMember, t, 4)).ok());
    ASSERT_TRUE(log_->append_outcome(outcome("J-a", 4, 0, CompletionCode::NoCarrier, t + 3min)).ok());
    ASSERT_TRUE(log_->append_decision(cleared_decision("J-b", kMember, t + 1h, 4)).ok());
    ASSERT_TRUE(log_->append_outcome(outcome("J-b", 4, 3, CompletionCode::Partial, t + 1h + 3min)).ok());
    auto rows = log_->disclosures(kMember, t - 1h, t + 2h);
    ASSERT_TRUE(rows.ok());
    const json j = json::parse(disclosures_to_json(kMember, t - 1h, t + 2h, *rows));
    EXPECT_EQ(j["format"], "fax-accounting-of-disclosures/1");
    EXPECT_EQ(j["member_reference"], kMember);
    EXPECT_EQ(j["from_utc"], "2025-03-01T13:00:00Z");
    EXPECT_EQ(j["to_utc"], "2025-03-01T16:00:00Z");
    ASSERT_EQ(j["disclosures"].size(), 2u);
    const json& a = j["disclosures"][0];
    EXPECT_EQ(a["job_id"], "J-a");
    EXPECT_EQ(a["recipient"]["id"], "kp-cardio");
    EXPECT_EQ(a["recipient"]["category"], "kp_provider");
    EXPECT_EQ(a["purpose"], "treatment");
    EXPECT_EQ(a["sections"], json::array({"discharge_summary", "lab_results"}));
    EXPECT_EQ(a["pages_cleared"], 4);
    EXPECT_EQ(a["pages_delivered"], 0);
    EXPECT_EQ(a["status"], "not delivered");
    EXPECT_EQ(a["completion"], "no_carrier");
    EXPECT_EQ(a["finished_at_utc"], "2025-03-01T14:03:00Z");
    const json& b = j["disclosures"][1];
    EXPECT_EQ(b["pages_delivered"], 3);
    EXPECT_EQ(b["status"], "partially delivered");
}

TEST(AuditJson, DecisionBodiesRoundTrip) {
    DecisionRecord d = cleared_decision("J1", kMember, fixed_now());
    d.findings = {Finding{"MIN-SECTIONS", "sections[0]", "m", "n"}};
    auto back = decision_from_json(decision_to_json(d));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(decision_to_json(*back), decision_to_json(d));
    EXPECT_FALSE(decision_from_json("[1]").ok());
    EXPECT_FALSE(decision_from_json("{").ok());
    for (auto c : {CompletionCode::Ok, CompletionCode::Partial, CompletionCode::CsiMismatch, CompletionCode::Busy,
                   CompletionCode::NoAnswer, CompletionCode::NoCarrier, CompletionCode::NoDialtone,
                   CompletionCode::Protocol, CompletionCode::Timeout, CompletionCode::Cancelled,
                   CompletionCode::Failed})
        EXPECT_EQ(parse_completion_code(to_string(c)), c);
    EXPECT_FALSE(parse_completion_code("fine").has_value());
}

// A trail written by schema version 1 (one outcome per job, kinds decision/outcome
// only) opens as version 2 with every row and hash unchanged, verifies, and takes
// attempt outcomes from then on.
TEST(AuditMigration, AVersionOneTrailKeepsItsChainAndTakesAttempts) {
    TempDir tmp;
    const auto path = tmp / "audit-v1.db";
    DecisionRecord d;
    d.job_id = "J-v1";
    d.cleared = true;
    d.rule_id = "POL-PROV-KP";
    d.rule_ids = {"POL-PROV-KP"};
    d.requester = {"E1", "Test"};
    d.member_reference = kMember;
    d.recipient_id = "e-kp_provider";
    d.page_count = 3;
    d.decided_at = fixed_now();
    json body = json::parse(decision_to_json(d));
    body["seq"] = 1;
    body["entry"] = "decision";
    const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
    const std::string genesis(64, '0');
    const std::string hash = sha256_hex(genesis + text);
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        const std::string schema = R"sql(
CREATE TABLE audit_entries (
  seq INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('decision', 'outcome')),
  job_id TEXT NOT NULL, member_ref TEXT, at INTEGER NOT NULL, body TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE UNIQUE INDEX audit_decision_job ON audit_entries(job_id) WHERE kind = 'decision';
CREATE UNIQUE INDEX audit_outcome_job ON audit_entries(job_id) WHERE kind = 'outcome';
CREATE INDEX audit_member ON audit_entries(member_ref, at) WHERE member_ref IS NOT NULL;
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
PRAGMA user_version = 1;)sql";
        ASSERT_EQ(sqlite3_exec(db, schema.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db,
                                     "INSERT INTO audit_entries VALUES (1, 'decision', 'J-v1', ?1, ?2, ?3, ?4, ?5)", -1,
                                     &st, nullptr),
                  SQLITE_OK);
        sqlite3_bind_text(st, 1, kMember.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, std::chrono::duration_cast<std::chrono::seconds>(d.decided_at.time_since_epoch()).count());
        sqlite3_bind_text(st, 3, text.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, genesis.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, hash.c_str(), -1, SQLITE_TRANSIENT);
        ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    auto log = AuditLog::open(path);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    auto v = log->verify();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->message;
    EXPECT_EQ(v->entries, 1);
    EXPECT_EQ(v->head_hash, hash) << "the migrated row keeps its hash";
    TransmissionOutcome o;
    o.pages_sent = 3;
    o.pages_confirmed = 1;
    o.completion = CompletionCode::Partial;
    o.started_at = fixed_now();
    o.finished_at = fixed_now() + 1min;
    ASSERT_TRUE(log->append_outcome({"J-v1", o}).ok());
    AttemptRecord a;
    a.job_id = "J-v1";
    a.attempt = 2;
    a.cleared = true;
    a.pages = {1, 3};
    a.decided_at = fixed_now() + 2min;
    ASSERT_TRUE(log->append_attempt(a).ok()) << "version 2 takes attempt entries";
    EXPECT_FALSE(log->append_outcome({"J-v1", o}).ok()) << "still one outcome per attempt";
    auto v2 = log->verify();
    ASSERT_TRUE(v2.ok());
    EXPECT_TRUE(v2->ok) << v2->message;
    EXPECT_EQ(v2->entries, 3);
    // Reopening a version 2 trail changes nothing.
    log = AuditLog::open(path);
    ASSERT_TRUE(log.ok());
    auto v3 = log->verify();
    ASSERT_TRUE(v3.ok() && v3->ok);
    EXPECT_EQ(v3->entries, 3);
}

}  // namespace

// ---- Signed checkpoints (issue #14, item 3) ----------------------------------------
//
// The attacker below can write the database file (raw SQL, or an AuditLog of their own
// without the station's key) but cannot read the key: what verify() must see without a
// head kept elsewhere.
namespace {

class SignedAudit : public Audit {
protected:
    void SetUp() override {
        Audit::SetUp();
        auto k = AuditSigningKey::generate();
        ASSERT_TRUE(k.ok()) << k.error().to_string();
        key_ = std::make_shared<const AuditSigningKey>(std::move(*k));
        sign_with(1);
    }
    void sign_with(int interval) {
        log_->set_signer(key_, interval);
        ASSERT_TRUE(log_->adopt_unsigned_trail(fixed_now()).ok());
    }
    AuditVerifyReport verify_signed(const std::optional<AuditHead>& head = std::nullopt) {
        auto r = log_->verify(head, &key_->public_key());
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? *r : AuditVerifyReport{};
    }
    // An AuditLog on the same file without the station's key (or with `key`).
    AuditLog attacker(std::shared_ptr<const AuditSigningKey> key = nullptr) {
        auto a = AuditLog::open(path_);
        EXPECT_TRUE(a.ok());
        AuditLog log = std::move(*a);
        if (key) log.set_signer(std::move(key), 1);
        return log;
    }

    std::shared_ptr<const AuditSigningKey> key_;
};

}  // namespace

TEST_F(SignedAudit, EveryEntryIsSignedAndVerifies) {
    five_entries();
    const AuditVerifyReport r = verify_signed();
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_TRUE(r.signatures_checked);
    EXPECT_EQ(r.checkpoints, 6);  // the empty trail (adopted) and each of the five entries
    ASSERT_TRUE(r.last_checkpoint.has_value());
    EXPECT_EQ(r.last_checkpoint->seq, 5);
    EXPECT_EQ(r.unsigned_entries, 0);
    EXPECT_NE(r.message.find("signed up to entry 5"), std::string::npos) << r.message;
    // Reopened: the checkpoints are in the file.
    log_.reset();
    auto reopened = AuditLog::open(path_);
    ASSERT_TRUE(reopened.ok());
    log_.emplace(std::move(*reopened));
    EXPECT_TRUE(verify_signed().ok);
}

TEST_F(SignedAudit, TruncationIsSeenWithoutAHead) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    raw.must("DELETE FROM audit_entries WHERE seq >= 4");
    const AuditVerifyReport r = verify_signed();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Truncated);
    EXPECT_EQ(r.first_bad_seq, 4);
    EXPECT_NE(r.message.find("entries after entry 3 were removed"), std::string::npos) << r.message;
}

TEST_F(SignedAudit, CuttingTheEndWithItsCheckpointsIsSeenOnlyAgainstAnAnchor) {
    five_entries();
    const auto anchor = **log_->latest_checkpoint();
    RawDb raw(path_);
    raw.drop_triggers();
    raw.must("DROP TRIGGER audit_checkpoints_no_delete");
    raw.must("DELETE FROM audit_entries WHERE seq >= 4");
    raw.must("DELETE FROM audit_checkpoints WHERE seq >= 4");
    // What the station alone cannot prove (docs/policy.md, threat model)...
    EXPECT_TRUE(verify_signed().ok);
    // ...an anchor kept off the station can.
    const AuditVerifyReport r = verify_signed(AuditHead{anchor.seq, anchor.hash});
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Truncated);
}

TEST_F(SignedAudit, ARecomputedChainIsSeenWithoutAHead) {
    five_entries();
    RawDb raw(path_);
    raw.drop_triggers();
    std::string body = raw.text("SELECT body FROM audit_entries WHERE seq = 3");
    const auto pos = body.find("Dana Whitfield");
    ASSERT_NE(pos, std::string::npos);
    body.replace(pos, 14, "Eve Mallory");
    raw.forge_body(3, body);
    EXPECT_TRUE(verify().ok);  // the unkeyed chain is consistent again
    const AuditVerifyReport r = verify_signed();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Rewritten);
    EXPECT_EQ(r.first_bad_seq, 3);
    EXPECT_NE(r.message.find("entries 3 to 3"), std::string::npos) << r.message;
}

TEST_F(SignedAudit, AnAppendedForgeryIsSeenWithoutAHead) {
    five_entries();
    // A cleared decision and a delivered outcome, appended with correct hashes.
    AuditLog forger = attacker();
    ASSERT_TRUE(forger.append_decision(cleared_decision("J-forged", kMember, fixed_now() + 1h)).ok());
    const AuditVerifyReport only_decision = verify_signed();
    EXPECT_FALSE(only_decision.ok);
    EXPECT_EQ(only_decision.problem, AuditProblem::Unsigned);
    EXPECT_EQ(only_decision.first_bad_seq, 6);
    ASSERT_TRUE(forger.append_outcome(outcome("J-forged", 3, 3, CompletionCode::Ok, fixed_now() + 2h)).ok());
    const AuditVerifyReport r = verify_signed();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Unsigned);
    EXPECT_EQ(r.first_bad_seq, 6);
}

TEST_F(SignedAudit, WithALongerIntervalTheUnsignedTailIsReportedAndAForgedOutcomeIsNot) {
    sign_with(3);
    five_entries();  // outcomes at 2 and 5 are signed at once; 3 and 4 by the interval rule or outcome 5
    const AuditVerifyReport ok = verify_signed();
    ASSERT_TRUE(ok.ok) << ok.message;
    AuditLog forger = attacker();
    ASSERT_TRUE(forger.append_decision(cleared_decision("J-forged", kMember, fixed_now() + 1h)).ok());
    // One decision after the last checkpoint, fewer than the interval: chained, not proven.
    const AuditVerifyReport tail = verify_signed();
    EXPECT_TRUE(tail.ok) << tail.message;
    EXPECT_EQ(tail.unsigned_entries, 1);
    EXPECT_NE(tail.message.find("chained but not signed yet"), std::string::npos) << tail.message;
    // Its outcome is what would make it a disclosure: that needs a checkpoint.
    ASSERT_TRUE(forger.append_outcome(outcome("J-forged", 3, 3, CompletionCode::Ok, fixed_now() + 2h)).ok());
    const AuditVerifyReport r = verify_signed();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::Unsigned);
    EXPECT_EQ(r.first_bad_seq, 6);  // the unsigned tail starts at the forged decision
    EXPECT_NE(r.message.find("entry 7 is an outcome or closure"), std::string::npos) << r.message;
}

TEST_F(SignedAudit, ASignatureByAnotherKeyIsRefused) {
    five_entries();
    auto other = AuditSigningKey::generate();
    ASSERT_TRUE(other.ok());
    auto other_key = std::make_shared<const AuditSigningKey>(std::move(*other));
    AuditLog forger = attacker(other_key);
    ASSERT_TRUE(forger.append_decision(cleared_decision("J-forged", kMember, fixed_now() + 1h)).ok());
    const AuditVerifyReport r = verify_signed();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.problem, AuditProblem::BadSignature);
    EXPECT_EQ(r.first_bad_seq, 6);
    // And a trail checked with a key that is not its signer's fails at the first checkpoint.
    auto wrong = log_->verify(std::nullopt, &other_key->public_key());
    ASSERT_TRUE(wrong.ok());
    EXPECT_EQ(wrong->problem, AuditProblem::BadSignature);
    EXPECT_EQ(wrong->first_bad_seq, 0);
}

TEST_F(SignedAudit, AnEditedCheckpointIsRefused) {
    five_entries();
    RawDb raw(path_);
    raw.must("DROP TRIGGER audit_checkpoints_no_update");
    raw.must("UPDATE audit_checkpoints SET interval = 1000 WHERE seq = 5");
    const AuditVerifyReport r = verify_signed();
    EXPECT_EQ(r.problem, AuditProblem::BadSignature);
    EXPECT_EQ(r.first_bad_seq, 5);
}

TEST_F(SignedAudit, RemovedCheckpointsAreSeen) {
    five_entries();
    RawDb raw(path_);
    raw.must("DROP TRIGGER audit_checkpoints_no_delete");
    raw.must("DELETE FROM audit_checkpoints WHERE seq = 3");
    EXPECT_EQ(verify_signed().problem, AuditProblem::Unsigned);
    raw.must("DELETE FROM audit_checkpoints");
    const AuditVerifyReport none = verify_signed();
    EXPECT_EQ(none.problem, AuditProblem::Unsigned);
    EXPECT_EQ(none.first_bad_seq, 1);
}

TEST_F(SignedAudit, AnEntryThatCannotBeSignedIsNotWritten) {
    five_entries();
    RawDb raw(path_);
    raw.must("DROP TABLE audit_checkpoints");  // the checkpoint's INSERT fails
    EXPECT_FALSE(log_->append_decision(cleared_decision("J9", kMember, fixed_now())).ok());
    EXPECT_EQ(log_->head()->seq, 5);
}

TEST(AuditKey, CreatedOnceWithModeSixHundredAndItsPublicKeyBeside) {
    TempDir tmp;
    const auto file = tmp / "audit-signing.key";
    bool created = false;
    auto k = AuditSigningKey::load_or_create(file, &created);
    ASSERT_TRUE(k.ok()) << k.error().to_string();
    EXPECT_TRUE(created);
    struct stat st {};
    ASSERT_EQ(::lstat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    ASSERT_EQ(::lstat(audit_public_key_file(file).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    auto pub = AuditVerifyKey::load(audit_public_key_file(file));
    ASSERT_TRUE(pub.ok());
    EXPECT_TRUE(*pub == k->public_key());
    // The second start loads the same key.
    auto again = AuditSigningKey::load_or_create(file, &created);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(created);
    EXPECT_TRUE(again->public_key() == k->public_key());
    auto sig = again->sign("message");
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(k->public_key().verify("message", *sig));
    EXPECT_FALSE(k->public_key().verify("massage", *sig));
    EXPECT_EQ(k->public_key().fingerprint().rfind("SHA256:", 0), 0u);
}

TEST(AuditKey, AKeyOthersCanReadOrAReachedThroughASymlinkIsRefused) {
    TempDir tmp;
    const auto file = tmp / "audit-signing.key";
    ASSERT_TRUE(AuditSigningKey::load_or_create(file).ok());
    ASSERT_EQ(::chmod(file.c_str(), 0640), 0);
    auto open = AuditSigningKey::load_or_create(file);
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(open.error().code, Errc::InvalidInput);
    EXPECT_NE(open.error().message.find("mode must be 0600"), std::string::npos) << open.error().message;
    ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
    const auto link = tmp / "linked.key";
    std::filesystem::create_symlink(file, link);
    auto linked = AuditSigningKey::load_or_create(link);
    ASSERT_FALSE(linked.ok());
    EXPECT_NE(linked.error().message.find("symbolic link"), std::string::npos) << linked.error().message;
}

}  // namespace fax::gate
