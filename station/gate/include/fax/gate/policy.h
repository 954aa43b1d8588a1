// The release policy as data (data/policy/medical-records-fax-policy.txt).
//
// Each allowed situation of the policy is an AllowRule (recipient categories x
// purposes) with a stable id; everything else is refused with a REF-* id and the
// Release of Information referral. Minimum necessary is a table purpose -> allowed
// record sections and page ceiling. Defaults reproduce the policy exactly; a JSON
// or TOML policy file overrides them (docs/policy.md describes every key).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/gate/vocabulary.h"

namespace fax::gate {

// Stable rule ids. They appear in refusals, cleared releases and the audit trail;
// never renumber or reuse one.
namespace rule {
// Allowed situations (one per bullet of the policy).
inline constexpr std::string_view kProvKp = "POL-PROV-KP";                // KP providers incl. contracted
inline constexpr std::string_view kProvCommunity = "POL-PROV-COMMUNITY";  // non-contracted community providers
inline constexpr std::string_view kKpOps = "POL-KP-OPS";                  // facilities, units, business associates
inline constexpr std::string_view kPayerCert = "POL-PAYER-CERT";          // third-party payers
inline constexpr std::string_view kVerificationTest = "POL-VERIFY-TEST";  // cover-only number verification fax

// Refusals: who and why.
inline constexpr std::string_view kRefCategory = "REF-CATEGORY";    // recipient category not allowed at all
inline constexpr std::string_view kRefPurpose = "REF-PURPOSE";      // purpose not allowed for this category
inline constexpr std::string_view kRefSensitive = "REF-SENSITIVE";  // specially protected section: ROI only

// Minimum necessary.
inline constexpr std::string_view kMinSections = "MIN-SECTIONS";  // none / unknown / not allowed / twice / unused
inline constexpr std::string_view kMinUndeclaredPages = "MIN-UNDECLARED-PAGES";  // pages outside declared sections
inline constexpr std::string_view kMinJustification = "MIN-JUSTIFICATION";  // empty or too short
inline constexpr std::string_view kMinPageCeiling = "MIN-PAGE-CEILING";     // above ceiling without a reason

// Number verification.
inline constexpr std::string_view kNumUnknown = "NUM-UNKNOWN";        // no such directory entry
inline constexpr std::string_view kNumUnverified = "NUM-UNVERIFIED";  // never verified / awaiting confirmation
inline constexpr std::string_view kNumExpired = "NUM-EXPIRED";        // verification older than the interval
inline constexpr std::string_view kNumMismatch = "NUM-MISMATCH";      // hand-typed number differs
inline constexpr std::string_view kNumReentry = "NUM-REENTRY";        // hand-typed number not entered twice

// The re-check before each transmission attempt of a queued job (ReleaseGate::clear_attempt).
// A recipient that lost its verification is refused with NUM-UNVERIFIED / NUM-EXPIRED /
// NUM-UNKNOWN as at the first decision.
inline constexpr std::string_view kAttemptExpired = "ATTEMPT-CLEARANCE-EXPIRED";        // cleared too long ago
inline constexpr std::string_view kAttemptNumberChanged = "ATTEMPT-NUMBER-CHANGED";     // entry's number differs
inline constexpr std::string_view kAttemptDocumentChanged = "ATTEMPT-DOCUMENT-CHANGED"; // spooled file differs

// Documents of a parsed request (ReleaseGate::evaluate): recorded as refusals, so that the
// decision id a request was given is always in the audit trail.
inline constexpr std::string_view kDocUnreadable = "DOC-UNREADABLE";       // missing, malformed, not a regular file
inline constexpr std::string_view kDocLimit = "DOC-LIMIT";                 // over a [limits] key (t30::is_limit_error)
inline constexpr std::string_view kDocPagesMissing = "DOC-PAGES-MISSING";  // a selected page past the end

// Cover sheet (cover_sheet.h): one id per required field.
inline constexpr std::string_view kCoverSenderName = "COVER-SENDER-NAME";
inline constexpr std::string_view kCoverSenderDepartment = "COVER-SENDER-DEPARTMENT";
inline constexpr std::string_view kCoverSenderPhone = "COVER-SENDER-PHONE";
inline constexpr std::string_view kCoverSenderFax = "COVER-SENDER-FAX";
inline constexpr std::string_view kCoverRecipientName = "COVER-RECIPIENT-NAME";
inline constexpr std::string_view kCoverRecipientOrganisation = "COVER-RECIPIENT-ORGANISATION";
inline constexpr std::string_view kCoverRecipientFax = "COVER-RECIPIENT-FAX";
inline constexpr std::string_view kCoverRecipientPhone = "COVER-RECIPIENT-PHONE";
inline constexpr std::string_view kCoverDate = "COVER-DATE";
inline constexpr std::string_view kCoverPageCount = "COVER-PAGE-COUNT";
inline constexpr std::string_view kCoverPurpose = "COVER-PURPOSE";
inline constexpr std::string_view kCoverConfidentiality = "COVER-CONFIDENTIALITY";
inline constexpr std::string_view kCoverPatientData = "COVER-PATIENT-DATA";  // member reference on the cover
}  // namespace rule

// The confidentiality statement of the policy, verbatim (two paragraphs).
inline constexpr std::string_view kPolicyConfidentialityStatement =
    "The documents accompanying this facsimile transmission may contain confidential information "
    "belonging to the sender that is protected by Washington state and/or federal law. This "
    "information is solely for the use of the addressee named above. You may be exposed to legal "
    "liability if you disclose this information to another person. You are obligated to maintain "
    "this information in a safe and secure manner.\n"
    "If you are not the intended recipient, you are hereby notified that any disclosure, copying, "
    "distribution, or other use of the contents of this faxed information is strictly prohibited. "
    "Notify the sender immediately by telephone to arrange for return of the documents to us.";

struct AllowRule {
    std::string id;
    std::string description;
    std::vector<RecipientCategory> categories;
    std::vector<Purpose> purposes;
};

// Minimum necessary for one purpose.
struct PurposeLimits {
    std::vector<std::string> sections;  // record sections that may be included
    int page_ceiling = 0;               // more selected pages need a stated reason
};

struct ReferralContact {
    std::string region;  // "Western WA"
    std::string phone;   // "866-656-4184"
    std::string fax;     // "877-848-6896"
};

struct Policy {
    std::vector<AllowRule> rules;
    std::map<Purpose, PurposeLimits> limits;
    // Section names the policy knows; a declared section outside this list is a typo
    // or an unknown kind of record and is refused (MIN-SECTIONS).
    std::vector<std::string> known_sections;
    // Specially protected records (psychotherapy notes, substance use disorder
    // treatment, HIV/STI, genetic testing, behavioral health): never faxed from a
    // station; refused with REF-SENSITIVE and the referral.
    std::vector<std::string> sensitive_sections;

    std::string referral_department = "Kaiser Permanente Release of Information Department";
    std::vector<ReferralContact> referral_contacts;

    // A verification older than this counts as none (NUM-EXPIRED).
    std::chrono::days reverification_interval{365};
    // Justifications shorter than this (after trimming) are refused (MIN-JUSTIFICATION).
    std::size_t min_justification_chars = 10;

    // Cover sheet template.
    std::string cover_title = "FACSIMILE COVER SHEET";
    std::string confidentiality_statement = std::string(kPolicyConfidentialityStatement);

    static Policy defaults();

    // The rule allowing this combination, or nullptr.
    const AllowRule* match(RecipientCategory category, Purpose purpose) const;
    // True if any rule names the category (for whatever purpose).
    bool category_allowed(RecipientCategory category) const;
    const PurposeLimits* limits_for(Purpose purpose) const;
    bool is_known_section(std::string_view section) const;
    bool is_sensitive_section(std::string_view section) const;

    // "Direct the request to the Kaiser Permanente Release of Information Department:
    //  Western WA - Phone: 866-656-4184 - Fax: 877-848-6896; Eastern WA - ..."
    std::string referral_text() const;

    // Structural checks: unique, well-formed rule ids that do not collide with the
    // refusal ids; every allowed purpose has limits with sections and a ceiling >= 1;
    // referral numbers are valid; sensitive sections are not allowed for any purpose.
    Status validate() const;
};

// Policy files: keys absent from the file keep their defaults; "rules" and
// "referral.contacts" replace the default lists when present; in "purposes.<name>"
// each key given ("sections", "page_ceiling") replaces that part of the purpose's
// limits and the other keeps its default. Unknown keys are an error (typos must not
// silently keep a default). The result is validated.
Result<Policy> parse_policy_json(std::string_view text, std::string_view source_name);
Result<Policy> parse_policy_toml(std::string_view text, std::string_view source_name);
// By extension: .toml or .json.
Result<Policy> load_policy_file(const std::filesystem::path& path);
// The effective policy in the JSON file format (for `faxctl policy show`).
std::string policy_to_json(const Policy& policy);

}  // namespace fax::gate
