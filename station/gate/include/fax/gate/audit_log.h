// The audit trail: an append-only, hash-chained SQLite store of every gate decision
// and every transmission outcome. It is the accounting of disclosures, so it does
// store the member reference (and is the only place that does).
//
// Entry n stores hash_n = sha256_hex(hash_{n-1} || body_n), where body_n is the
// canonical JSON of the entry (compact, keys sorted, seq included) and hash_0 is 64
// zeros. Triggers refuse UPDATE and DELETE; verify() does not rely on them: it
// recomputes the chain and names the first altered, removed or reordered entry.
//
// The chain alone is unkeyed: whoever can write the file can cut its end or recompute
// it after an edit. So the station signs checkpoints of the head (Ed25519, the key in
// audit_signing.h) in the same transaction as the entry they cover: with every outcome
// and closure, and whenever `interval` entries have passed since the last one.
// verify(…, key) checks the chain against them: a checkpoint beyond the end (entries
// cut), a checkpoint whose hash the chain no longer gives (recomputed), an outcome or
// closure without its checkpoint, or more unsigned entries after the last checkpoint
// than its interval allows (appended outside the station). What this can and cannot
// prove is in docs/policy.md ("Signed checkpoints", "Threat model").
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/driver/cleared_release.h"
#include "fax/gate/audit_signing.h"
#include "fax/gate/cover_sheet.h"
#include "fax/gate/refusal.h"
#include "fax/gate/request.h"
#include "fax/gate/vocabulary.h"
#include "fax/store/database.h"

namespace fax::gate {

using TimePoint = std::chrono::system_clock::time_point;

struct DecisionRecord {
    std::string job_id;  // decision id; the job id of a cleared release
    ReleaseKind kind = ReleaseKind::Release;
    bool cleared = false;
    std::string rule_id;                // the allow rule (cleared), empty when refused
    std::vector<std::string> rule_ids;  // every rule involved: the allow rule, or all refusal ids
    std::vector<Finding> findings;      // why it was refused
    StaffMember requester;
    std::string member_reference;       // empty for a verification test fax
    std::string recipient_id;
    std::optional<RecipientCategory> recipient_category;  // absent if the id is not in the directory
    std::string recipient_organisation;
    std::string recipient_name;
    std::string dial_number;
    std::optional<Purpose> purpose;     // absent for a verification test fax
    std::vector<std::string> sections;
    int page_count = 0;                 // pages including the cover
    std::string cover_sha256;
    std::string content_sha256;         // of the fax TIFF
    std::vector<std::string> page_sha256;  // per page, cover first (see docs/policy.md)
    // What the cover said (contacts, purpose, date, statement; never patient data): the
    // gate renders a continuation cover from it when only some pages are resent.
    std::optional<CoverFields> cover;
    TimePoint decided_at{};
};

// The gate's re-check before one transmission attempt of a cleared job: the clearance
// has not expired, the recipient entry is still verified with the same number, the
// spooled file is the one cleared. Attempt 1 of a job sent at once (faxctl send in the
// foreground) runs on the original clearance and has no attempt entry; every attempt
// of a queued job has one, recorded before anything is dialled.
struct AttemptRecord {
    std::string job_id;
    int attempt = 1;
    bool cleared = false;
    std::vector<int> pages;           // pages of the cleared document sent (1 = its cover)
    bool continuation_cover = false;  // a cover naming the remaining pages replaces page 1
    std::string cover_sha256;         // of the cover page sent in this attempt
    std::string content_sha256;       // of this attempt's fax file
    std::vector<std::string> rule_ids;  // refusal rule ids (empty when cleared)
    std::vector<Finding> findings;      // why it was refused
    std::string tuning;               // how the call is set up, e.g. "V.29 max, ECM off"
    std::string modem;                // the device that dials
    TimePoint decided_at{};
};

// A job that will not be attempted again, and why (delivered, cancelled by staff,
// attempts exhausted, clearance expired, recipient no longer verified).
struct ClosureRecord {
    std::string job_id;
    // "delivered", "cancelled", "gave_up", "expired", "unverified", "not_retryable",
    // "dry_run" (faxctl check: cleared, never to be transmitted)
    std::string reason;
    std::string detail;   // for people; never patient data
    int attempts = 0;
    std::vector<int> delivered_pages;  // union of MCF-confirmed pages over all attempts
    StaffMember by;                    // who cancelled (cancel only)
    TimePoint decided_at{};
};

// How a transmission ended. Mapped by the transmit path from its typed errors.
enum class CompletionCode {
    Ok,           // every page confirmed
    Partial,      // some pages confirmed, then the call failed
    CsiMismatch,  // remote identified as another station: DCN before any page
    Busy,
    NoAnswer,
    NoCarrier,
    NoDialtone,
    Protocol,
    Timeout,
    Cancelled,
    Failed,
};
std::string_view to_string(CompletionCode c);
std::optional<CompletionCode> parse_completion_code(std::string_view name);

struct NegotiatedParameters {
    int bit_rate = 0;           // bit/s, 0 if never trained
    std::string modulation;     // "V.17", "V.29", ...
    std::string resolution;     // "R8x7.7", "R8x15.4", ...
    std::string compression;    // "T.4 1D", "T.4 2D", "T.6"
    bool ecm = false;
};

struct TransmissionOutcome {
    int attempt = 1;          // 1, 2, ...: which transmission attempt of the job this was
    int pages_sent = 0;       // pages whose image data went on the line (of this attempt's document)
    int pages_confirmed = 0;  // pages the remote confirmed with MCF: only these count as delivered
    // The pages of the cleared document (1 = cover) the remote confirmed in this
    // attempt. Empty with pages_confirmed > 0: pages 1..pages_confirmed of the cleared
    // document (an attempt that sent the whole document in order).
    std::vector<int> confirmed_pages;
    std::optional<std::string> remote_csi;
    NegotiatedParameters negotiated;
    CompletionCode completion = CompletionCode::Failed;
    std::string detail;       // e.g. "DCN after CSI mismatch"; never patient data
    TimePoint started_at{};
    TimePoint finished_at{};
};

struct OutcomeRecord {
    std::string job_id;
    TransmissionOutcome outcome;
};

// One stored row, as verify() and tools see it.
struct AuditEntry {
    int64_t seq = 0;
    std::string kind;  // "decision" or "outcome"
    std::string job_id;
    TimePoint at{};
    std::string body;  // canonical JSON
    std::string prev_hash;
    std::string hash;
};

// Rewritten: the chain is consistent but no longer gives a signed checkpoint's hash
// (recomputed after an edit). BadSignature: a checkpoint not signed by the station's
// key. Unsigned: entries a checkpoint should cover and none does (appended outside the
// station, or checkpoints removed).
enum class AuditProblem { None, Altered, Removed, Reordered, Truncated, Malformed, Rewritten, BadSignature, Unsigned };
std::string_view to_string(AuditProblem p);

// A signed statement "the trail's entry `seq` has hash `hash`" (seq 0: the empty trail,
// the genesis hash). `interval` is the signer's promise that the next checkpoint comes
// at most that many entries later (and with every outcome and closure).
struct AuditCheckpoint {
    int64_t seq = 0;
    std::string hash;
    TimePoint at{};   // the covered entry's time (the gate reads no clock)
    int interval = 1;
    // The first checkpoint when signing began on a trail that already had entries (or
    // none): it vouches for everything before it. Any other checkpoint follows the last
    // within its interval.
    bool adopted = false;
    // The seq of the checkpoint before this one (-1 for the first): the checkpoints are
    // a signed chain of their own, so one removed from the middle is seen.
    int64_t prev_seq = -1;
    std::string key_fingerprint;  // AuditVerifyKey::fingerprint() of the signer
    std::string signature;        // Ed25519 over checkpoint_message(), 128 hex digits
};
// The exact bytes signed:
// "fax-audit-checkpoint/1\nSEQ\nHASH\nAT\nINTERVAL\n(adopt|entry)\nPREV_SEQ\nFINGERPRINT\n".
std::string checkpoint_message(const AuditCheckpoint& c);

struct AuditVerifyReport {
    bool ok = true;
    int64_t entries = 0;
    AuditProblem problem = AuditProblem::None;
    std::optional<int64_t> first_bad_seq;  // the entry named in message
    std::string message;                   // "entry 3 was altered: ..."
    std::string head_hash;                 // hash of the last entry (64 zeros if empty)
    // With a key: the checkpoints checked, the latest (valid) one, and how many entries
    // after it are chained but not signed yet (fewer than its interval, none an outcome
    // or closure: not proven, not refuted).
    bool signatures_checked = false;
    int64_t checkpoints = 0;
    std::optional<AuditCheckpoint> last_checkpoint;
    int64_t unsigned_entries = 0;
};

// A station's key registered in a shared trail.
struct AuditSigner {
    AuditVerifyKey key;
    std::string station;
    TimePoint added_at{};
};

struct AuditHead {
    int64_t seq = 0;
    std::string hash;
};

// One line of the accounting of disclosures.
struct Disclosure {
    std::string job_id;
    TimePoint decided_at{};
    StaffMember requester;
    std::string recipient_id;
    std::string recipient_organisation;
    std::string recipient_name;
    std::optional<RecipientCategory> recipient_category;
    std::optional<Purpose> purpose;
    std::vector<std::string> sections;
    std::string rule_id;
    int pages_cleared = 0;  // including the cover
    // From the transmission outcome, if one was recorded.
    // From the transmission outcomes, if any were recorded (the last attempt's
    // completion; pages delivered over all attempts).
    std::optional<CompletionCode> completion;
    int pages_delivered = 0;  // distinct MCF-confirmed pages of the cleared document
    int attempts = 0;         // outcomes recorded
    std::optional<TimePoint> finished_at;
    // `faxctl check`: cleared, closed as a dry run, never transmitted (not a disclosure;
    // listed so that the office sees every clearance, marked as what it was).
    bool dry_run = false;
    std::string station;  // the station that decided it (a shared store; empty before names)
};

class AuditLog {
public:
    // 2: attempts, one outcome per attempt, closures; 3: signed checkpoints; 4: the
    // station that appended each entry (and the PostgreSQL schema)
    static constexpr int kSchemaVersion = 4;

    // Opens or creates the audit database (WAL, synchronous=FULL, busy timeout).
    static Result<AuditLog> open(const std::filesystem::path& path);
    // The trail's tables in `db`: a SQLite file, or the shared PostgreSQL database where
    // the appends of every station form one chain.
    static Result<AuditLog> open(std::shared_ptr<store::Database> db, store::SchemaPolicy policy);

    // The station named in every entry appended from now on (station.name); empty: none.
    void set_station(std::string station);
    // On a shared store: this station's public key joins the trail's signers (each
    // station signs with its own key; verify() checks each checkpoint against the key it
    // names). Nothing on SQLite, where the key file beside the trail is the one signer.
    Status register_signer(std::string_view station, TimePoint now);
    Result<std::vector<AuditSigner>> signers() const;

    AuditLog(AuditLog&&) noexcept;
    AuditLog& operator=(AuditLog&&) noexcept;
    ~AuditLog();

    // Each returns the new entry's seq. InvalidArgument: a second decision for one job
    // id; an attempt or outcome for a job with no cleared decision; an attempt number
    // that is not the next one; an outcome for an attempt with an outcome already, or
    // for an attempt > 1 that was not cleared by an attempt entry; confirmed pages that
    // were not sent in that attempt; anything after the job's closure.
    Result<int64_t> append_decision(const DecisionRecord& record);
    Result<int64_t> append_attempt(const AttemptRecord& record);
    Result<int64_t> append_outcome(const OutcomeRecord& record);
    Result<int64_t> append_closure(const ClosureRecord& record);

    // From now on every append also writes the checkpoints it is due (see the header
    // comment), in its transaction: an entry that cannot be signed is not written.
    // `interval` >= 1. The key is shared with whoever else signs (it is not copied).
    void set_signer(std::shared_ptr<const AuditSigningKey> key, int interval);
    // A checkpoint at the current head if the trail has none at all: signing starts here,
    // covering what came before (a trail from before signed checkpoints, or a new one).
    // Call it only when the key was just created: a trail with a key and no checkpoint
    // has lost them, and must not be signed over. Needs set_signer().
    Status adopt_unsigned_trail(TimePoint now);
    Result<std::vector<AuditCheckpoint>> checkpoints() const;
    Result<std::optional<AuditCheckpoint>> latest_checkpoint() const;

    // The chain, and with `key` the signed checkpoints (see AuditProblem).
    Result<AuditVerifyReport> verify(const std::optional<AuditHead>& expected_head = std::nullopt,
                                     const AuditVerifyKey* key = nullptr) const;
    // The same with several stations' keys: each checkpoint must be signed by the key
    // of `keys` that its fingerprint names. An empty list checks no signatures.
    Result<AuditVerifyReport> verify_with(const std::optional<AuditHead>& expected_head,
                                          const std::vector<AuditVerifyKey>& keys) const;
    Result<AuditHead> head() const;
    Result<std::vector<AuditEntry>> entries() const;

    Result<std::optional<DecisionRecord>> find_decision(std::string_view job_id) const;
    // The latest outcome of the job (of its highest attempt), if any.
    Result<std::optional<OutcomeRecord>> find_outcome(std::string_view job_id) const;
    Result<std::vector<AttemptRecord>> find_attempts(std::string_view job_id) const;
    Result<std::vector<OutcomeRecord>> find_outcomes(std::string_view job_id) const;  // by attempt
    Result<std::optional<ClosureRecord>> find_closure(std::string_view job_id) const;
    // Pages of the cleared document (1 = cover) confirmed over all outcomes, ascending.
    Result<std::vector<int>> delivered_pages(std::string_view job_id) const;

    // Cleared releases for one member decided in [from, to), with their outcomes.
    Result<std::vector<Disclosure>> disclosures(std::string_view member_reference, TimePoint from,
                                                TimePoint to) const;

private:
    explicit AuditLog(std::shared_ptr<store::Database> db);
    // The job's cleared decision; InvalidArgument if there is none or (must_be_open) the job is closed.
    Result<DecisionRecord> cleared_decision(std::string_view job_id, bool must_be_open) const;
    Result<int64_t> append(std::string_view kind, std::string_view job_id, std::string_view member_reference,
                           TimePoint at, const std::string& body_without_seq);
    // Inside a transaction: signs and stores a checkpoint of entry `seq`.
    Status write_checkpoint(int64_t seq, const std::string& hash, TimePoint at, bool adopted = false);

    std::shared_ptr<store::Database> db_;
    std::string station_;
    std::shared_ptr<const AuditSigningKey> signer_;
    int interval_ = 1;
};

// The accounting of disclosures for export (RFC 4180 CSV with a header row, or a
// JSON document). Both name the member: the export is handed to the member or the
// privacy office, never logged.
std::string disclosures_to_csv(std::string_view member_reference, const std::vector<Disclosure>& rows);
std::string disclosures_to_json(std::string_view member_reference, TimePoint from, TimePoint to,
                                const std::vector<Disclosure>& rows);

// Serialisation used for the audit bodies (exposed for tests and tools).
std::string decision_to_json(const DecisionRecord& record);
Result<DecisionRecord> decision_from_json(std::string_view json);

// What verify() reads from a stored body besides hashing it: whether it is a JSON
// object, and the members it compares with the row (exposed for tests and the fuzz
// target). A member of another type reads as absent, and of duplicate keys the last
// counts, as for the trail's readers (nlohmann::json).
struct AuditBodyFields {
    bool object = false;
    std::optional<int64_t> seq;    // "seq", if an integer (one above 2^63 - 1 wraps, as get<int64_t>() does)
    std::string entry;             // "" unless a string
    std::string job_id;            // "" unless a string
    std::string member_reference;  // "" unless a string
    int64_t decided_at = 0;        // 0 unless an integer
    int64_t finished_at = 0;       // 0 unless an integer
    bool operator==(const AuditBodyFields&) const = default;
};
// verify()'s reader (simdjson, falling back to nlohmann::json where simdjson refuses).
AuditBodyFields audit_body_fields(std::string_view body);
// The definition it must agree with on every input: the body parsed by nlohmann::json,
// as verify() read it before and every other reader of the trail reads it.
AuditBodyFields audit_body_fields_reference(std::string_view body);

}  // namespace fax::gate
