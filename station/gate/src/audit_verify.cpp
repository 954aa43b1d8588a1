// AuditLog::verify(): the hash chain recomputed over every stored body, each body read
// as the trail's readers read it.
#include "fax/gate/audit_log.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <simdjson.h>

#include "audit_records.h"
#include "fax/base/sha256.h"
#include "fax/store/database.h"

namespace fax::gate {

using store::Statement;
using namespace detail;

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



// The chain has passed every check; now the signed checkpoints (`hash_at`: the chain's
// hash at each checkpoint's seq that exists; `sealed`: the outcome and closure entries).
void check_checkpoints(AuditVerifyReport& rep, const std::vector<AuditVerifyKey>& keys, const std::vector<AuditCheckpoint>& cps,
                       const std::vector<std::string>& hash_at, const std::vector<int64_t>& sealed) {
    auto e = [](int64_t n) { return "entry " + std::to_string(n); };
    auto bad = [&rep](AuditProblem p, int64_t seq, std::string msg) {
        rep.ok = false;
        rep.problem = p;
        rep.first_bad_seq = seq;
        rep.message = std::move(msg);
    };
    rep.signatures_checked = true;
    rep.checkpoints = static_cast<int64_t>(cps.size());
    if (cps.empty()) {
        if (rep.entries > 0)
            bad(AuditProblem::Unsigned, 1,
                "no signed checkpoint covers entries 1 to " + std::to_string(rep.entries) +
                    ": the checkpoints were removed, or these entries were not written by the station");
        return;
    }
    std::vector<std::string> fps;
    for (const auto& k : keys) fps.push_back(k.fingerprint());
    std::string known;
    for (const auto& f : fps) known += (known.empty() ? "" : ", ") + f;
    const AuditCheckpoint* agreed = nullptr;  // the last checkpoint the chain agrees with
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const AuditCheckpoint& c = cps[i];
        const auto k = std::find(fps.begin(), fps.end(), c.key_fingerprint);
        if (k == fps.end() || !keys[static_cast<std::size_t>(k - fps.begin())].verify(checkpoint_message(c), c.signature)) {
            bad(AuditProblem::BadSignature, c.seq,
                "the checkpoint of " + e(c.seq) + " is not signed by " +
                    (keys.size() == 1 ? "the station's key (" : "a station's key (") + known +
                    "): checkpoints were forged or the key was replaced");
            return;
        }
        if (c.seq > rep.entries) {
            bad(AuditProblem::Truncated, rep.entries + 1,
                "entries after " + e(rep.entries) + " were removed: a signed checkpoint covers " + e(c.seq));
            return;
        }
        if (hash_at[i] != c.hash) {
            const int64_t from = agreed != nullptr ? agreed->seq + 1 : 1;
            bad(AuditProblem::Rewritten, from,
                "the trail was rewritten: the chain's hash at " + e(c.seq) +
                    " is not the one signed in its checkpoint (the chain was recomputed after a change in entries " +
                    std::to_string(from) + " to " + std::to_string(c.seq) + ")");
            return;
        }
        const int64_t expected_prev = i == 0 ? -1 : cps[i - 1].seq;
        if (c.prev_seq != expected_prev) {
            bad(AuditProblem::Unsigned, expected_prev + 1,
                "checkpoints were removed: the checkpoint of " + e(c.seq) + " follows one of " + e(c.prev_seq) +
                    (i == 0 ? std::string(", which is gone") : ", not the one of " + e(expected_prev)));
            return;
        }
        agreed = &c;
    }
    // Signing begins with an adopting checkpoint (or at the empty trail): before a first
    // checkpoint that is neither, entries went unsigned.
    const AuditCheckpoint& head_cp = cps.front();
    if (!head_cp.adopted && head_cp.seq > head_cp.interval) {
        bad(AuditProblem::Unsigned, 1,
            "checkpoints were removed: none covers entries 1 to " + std::to_string(head_cp.seq - 1));
        return;
    }
    // Every outcome and closure is signed in its own transaction: one without its
    // checkpoint was not written by the station (or its checkpoint was removed).
    const int64_t first = head_cp.adopted ? head_cp.seq : 0;
    const AuditCheckpoint& last = cps.back();
    std::optional<int64_t> sealed_unsigned;
    std::size_t k = 0;
    for (int64_t s : sealed) {
        if (s <= first) continue;  // covered by the checkpoint signing began with
        while (k < cps.size() && cps[k].seq < s) ++k;
        if (k == cps.size() || cps[k].seq != s) {
            sealed_unsigned = s;
            break;
        }
    }
    if (sealed_unsigned && *sealed_unsigned < last.seq) {
        bad(AuditProblem::Unsigned, *sealed_unsigned,
            e(*sealed_unsigned) + " (an outcome or closure) has no signed checkpoint: it was not written by the "
                                  "station, or its checkpoint was removed");
        return;
    }
    rep.last_checkpoint = last;
    rep.unsigned_entries = rep.entries - last.seq;
    if (sealed_unsigned || rep.unsigned_entries >= last.interval) {
        std::string why = sealed_unsigned ? e(*sealed_unsigned) + " is an outcome or closure, which is signed when written"
                                          : "a checkpoint is due every " + std::to_string(last.interval) + " entries";
        bad(AuditProblem::Unsigned, last.seq + 1,
            "entries " + std::to_string(last.seq + 1) + " to " + std::to_string(rep.entries) +
                " have no signed checkpoint although " + why +
                ": they were appended outside the station, or checkpoints were removed");
    }
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
Result<AuditVerifyReport> AuditLog::verify(const std::optional<AuditHead>& expected_head,
                                           const AuditVerifyKey* key) const {
    std::vector<AuditVerifyKey> keys;
    if (key != nullptr) keys.push_back(*key);
    return verify_with(expected_head, keys);
}

Result<AuditVerifyReport> AuditLog::verify_with(const std::optional<AuditHead>& expected_head,
                                                const std::vector<AuditVerifyKey>& keys) const {
    const bool signed_check = !keys.empty();
    std::vector<AuditCheckpoint> cps;
    if (signed_check) {
        auto all = checkpoints();
        if (!all) return fail(all.take_error());
        cps = std::move(*all);
    }
    // The chain's hash at each checkpoint's seq (filled as the walk passes it), and the
    // outcome and closure entries.
    std::vector<std::string> hash_at(cps.size());
    std::size_t next_cp = 0;
    std::vector<int64_t> sealed;
    auto note_hash = [&](int64_t seq, const std::string& h) {
        while (next_cp < cps.size() && cps[next_cp].seq < seq) ++next_cp;
        for (std::size_t i = next_cp; i < cps.size() && cps[i].seq == seq; ++i) hash_at[i] = h;
    };
    note_hash(0, genesis_hash());
    static constexpr std::string_view kSql =
        "SELECT seq, kind, job_id, member_ref, at, body, prev_hash, hash FROM audit_entries ORDER BY seq";
    enum Col { kSeq, kKind, kJob, kMember, kAt, kBody, kPrev, kHash };
    auto stmt = db_->prepare(kSql);
    if (!stmt) return fail(stmt.take_error());
    store::Statement& s = *stmt;
    auto step = [&]() -> Result<bool> { return s.step(); };

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
                const BodyView& b = reader.read(s.text_view(kBody));
                if (b.object && b.seq == *wanted) stored_at = s.integer(kSeq);
            }
            rep.head_hash.assign(s.text_view(kHash));
            auto more = step();
            if (!more) return fail(more.take_error());
            if (!*more) break;
            ++rows;
        }
        rep.entries = rows;
        return stored_at;
    };

    std::string prev_hash = genesis_hash();
    std::string hash_at_expected_head;  // the hash of entry expected_head->seq, if walked
    int64_t expected_seq = 1;
    while (true) {
        auto more = step();
        if (!more) return fail(more.take_error());
        if (!*more) break;
        ++rows;
        const int64_t seq = s.integer(kSeq);
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
        const std::string_view body = s.text_view(kBody);
        const std::string_view stored_prev = s.text_view(kPrev);
        const std::string_view hash = s.text_view(kHash);
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
        const std::string_view kind = s.text_view(kKind);
        const bool columns_match = b->entry == kind && b->job_id == s.text_view(kJob) &&
                                   s.text_view(kMember) == b->member_reference &&
                                   (kind == "outcome" ? b->finished_at : b->decided_at) == s.integer(kAt);
        if (!columns_match) {
            if (auto f = finish(std::nullopt); !f) return fail(f.take_error());
            return bad(AuditProblem::Altered, seq, e(seq) + " was altered: its indexed columns differ from its hashed contents");
        }
        prev_hash.assign(hash);
        if (expected_head && seq == expected_head->seq) hash_at_expected_head = prev_hash;
        if (signed_check) {
            note_hash(seq, prev_hash);
            if (kind == "outcome" || kind == "closed") sealed.push_back(seq);
        }
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
    if (signed_check) {
        check_checkpoints(rep, keys, cps, hash_at, sealed);
        if (rep.ok) {
            rep.message += ", signed up to entry " + std::to_string(rep.last_checkpoint->seq);
            if (rep.unsigned_entries > 0)
                rep.message += "; " + std::to_string(rep.unsigned_entries) +
                               (rep.unsigned_entries == 1 ? " entry after it is" : " entries after it are") +
                               " chained but not signed yet";
        }
    }
    return rep;
}
}  // namespace fax::gate
