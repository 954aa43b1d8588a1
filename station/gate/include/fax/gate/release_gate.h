// ReleaseGate: the only constructor of ClearedRelease, directly in front of the
// transmit path.
//
// evaluate() looks the recipient up, runs the decision function (policy_check.h),
// builds and validates the cover it will send, reads and normalises the selected
// pages, writes cover + pages as one fax TIFF in the spool directory, hashes it,
// records the decision in the audit trail and only then hands out the token. Every
// decision is recorded, refusals included; a token never exists without its audit
// entry. A document that cannot be read (or lacks a selected page) is a refusal too
// (DOC-UNREADABLE, DOC-PAGES-MISSING), recorded under the decision id the request got.
// Errors (a database failure, a spool that cannot be written) are Result errors: they
// are not decisions and nothing is cleared.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fax/base/result.h"
#include "fax/driver/cleared_release.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/cover_sheet.h"
#include "fax/gate/directory.h"
#include "fax/gate/document_io.h"
#include "fax/gate/policy.h"
#include "fax/gate/refusal.h"
#include "fax/gate/request.h"
#include "fax/t30/bitmap.h"

namespace fax::gate {

// Time and presentation handed in by the caller; the gate reads no clock.
struct Context {
    TimePoint now{};
    std::chrono::minutes utc_offset{0};  // for the date on the cover
    std::string zone_label = "UTC";
};

struct GateConfig {
    std::filesystem::path spool_dir;  // created 0700 if missing; holds <job id>.tif (0600)
    CoverStyle cover_style;
    // How long a clearance stays good for the attempts of a queued job (clear_attempt).
    std::chrono::hours clearance_validity{72};
};

// One transmission attempt of a cleared job, as the queue plans it.
struct AttemptPlan {
    int attempt = 1;         // 1, 2, ... (the audit trail insists on the next number)
    std::vector<int> pages;  // pages of the cleared document to send, ascending; 1 (the cover) first
    std::string tuning;      // recorded, e.g. "V.29 max, ECM on"
    std::string modem;       // recorded: the device that will dial
};

// The outcome of a gate evaluation: a token for the transmit path, or a refusal.
class Decision {
public:
    explicit Decision(ClearedRelease release) : v_(std::move(release)) {}
    explicit Decision(Refusal refusal) : v_(std::move(refusal)) {}

    bool cleared() const { return v_.index() == 0; }
    // The job id of the release, or the id the refusal was recorded under.
    const std::string& id() const;

    ClearedRelease& release() { return std::get<0>(v_); }
    const ClearedRelease& release() const { return std::get<0>(v_); }
    ClearedRelease take_release() { return std::move(std::get<0>(v_)); }
    const Refusal& refusal() const { return std::get<1>(v_); }

private:
    std::variant<ClearedRelease, Refusal> v_;
};

// The steps of a decision as they finish, in the order evaluate() runs them (a document's
// read and its page preparation repeat per document; a refusal ends with AuditAppend).
// For a caller that times them (faxctl send --timings): the gate itself reads no clock.
enum class GateStep {
    Policy,           // recipient looked up, policy decided, cover fields checked
    DocumentRead,     // one document read (TIFF/PBM decoded, PDF rendered) under the limits
    PagePreparation,  // its selected pages normalised to fax pages
    Cover,            // the cover rendered, normalised and validated against the pages
    Spool,            // cover + pages written to the spool as one fax TIFF, the file hashed
    PageHashes,       // every page hashed for the audit record
    AuditAppend,      // the decision durably appended to the audit trail
};
std::string_view to_string(GateStep step);  // "policy", "document_read", ...

// A request to verify a directory entry's number with a cover-only test fax.
struct VerificationTestRequest {
    StaffMember requester;
    std::string recipient_id;
    SenderContact sender;
    std::optional<TypedFaxNumber> typed_fax;
};

// Not thread-safe: one gate serves one thread (faxd's poll loop, one faxctl command).
// It keeps state between decisions (the cover renderer's fonts and glyphs), so two
// threads must not call one gate, not even for different jobs; give each its own gate
// (with its own Directory and AuditLog handles, as SQLite wants).
class ReleaseGate {
public:
    // The gate lends (does not own) the directory, the audit log and the document I/O;
    // they must outlive it.
    ReleaseGate(Policy policy, Directory& directory, AuditLog& audit, DocumentIo& documents, GateConfig config);

    const Policy& policy() const { return policy_; }

    // Called as each step of a decision finishes (none by default). It must not throw.
    void set_step_observer(std::function<void(GateStep)> observer) { on_step_ = std::move(observer); }

    Result<Decision> evaluate(const ReleaseRequest& request, const Context& context);

    // A cover-only page that says it is a number verification test and carries no
    // patient information; a ClearedRelease of kind VerificationTestFax, bound to the
    // entry's number (which need not be verified yet).
    Result<Decision> evaluate_verification_test(const VerificationTestRequest& request, const Context& context);

    // Appends the transmission outcome of a cleared job (once per job). Only pages
    // the remote confirmed with MCF count as delivered. For a verification test fax
    // the directory records the test fax (step 1 of verification); a remote CSI is
    // recorded on the entry as observed.
    Status record_outcome(std::string_view job_id, const TransmissionOutcome& outcome);

    // The re-check before one attempt of a queued job, recorded in the audit trail
    // before anything is dialled (cleared or refused). Refused: the clearance is older
    // than GateConfig::clearance_validity, the recipient entry is gone, no longer
    // verified or has another number, or the spooled file is not the one cleared.
    // Cleared: a ClearedRelease for the attempt. If `plan.pages` is the whole document
    // it is the cleared file itself; otherwise a new file <job>.a<n>.tif holding a
    // continuation cover (the original cover's contacts, purpose and statement, the
    // attempt's page count and a note naming the pages it carries) and the remaining
    // pages, which must hash as they did when cleared.
    Result<Decision> clear_attempt(std::string_view job_id, const AttemptPlan& plan, const Context& context);

    // Records that a cleared job will not be attempted again.
    Status close_job(const ClosureRecord& closure);

private:
    Result<Decision> refuse(DecisionRecord record, std::vector<Finding> findings);
    // Renders the cover, writes cover + pages to the spool, re-validates the cover
    // against the pages actually written, records the decision, makes the token.
    Result<Decision> clear(DecisionRecord record, const CoverFields& cover, std::vector<t30::Bitmap> pages,
                           const DirectoryEntry& entry);
    Result<std::string> new_job_id(const Context& context) const;
    // Writes `pages` as a 0600 fax TIFF at spool/<name> (via a .part file) and hashes it.
    Result<std::string> spool_pages(const std::string& name, const std::vector<t30::Bitmap>& pages);

    Policy policy_;
    Directory& directory_;
    AuditLog& audit_;
    DocumentIo& documents_;
    GateConfig config_;
    // Fonts and rendered glyphs kept from one cover to the next (cover_sheet.h).
    CoverRenderer covers_;
    std::function<void(GateStep)> on_step_;
    void step(GateStep s) const {
        if (on_step_) on_step_(s);
    }
};

}  // namespace fax::gate
