#include "fax/gate/policy_check.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "fax/gate/page_selection.h"
#include "time_format.h"

namespace fax::gate {
namespace {

std::string trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

// Section names come from request files. A name the policy knows is vocabulary and
// is quoted; anything else is free text a person typed (record numbers do get pasted
// into the wrong field), so it is named by its field only and never echoed back.
std::string shown(const Policy& policy, std::string_view s) {
    if (policy.is_known_section(s)) return "'" + std::string(s) + "'";
    return "(not a section name of the policy)";
}

class Collector {
public:
    explicit Collector(PolicyVerdict& v) : v_(v) {}
    void add(std::string_view rule_id, std::string field, std::string message, std::string next_step) {
        v_.findings.push_back(Finding{std::string(rule_id), std::move(field), std::move(message), std::move(next_step)});
    }

private:
    PolicyVerdict& v_;
};

const char* kVerifyNext =
    "Verify the number first: send a verification test fax (cover only, no patient information) and record "
    "the recipient's confirmation by telephone.";

void check_typed_number(Collector& out, const std::optional<TypedFaxNumber>& typed, const DirectoryEntry& entry) {
    if (!typed) return;
    const std::string first = trimmed(typed->first);
    const std::string second = trimmed(typed->second);
    if (first.empty() || second.empty()) {
        out.add(rule::kNumReentry, "recipient.typed_fax", "a fax number typed by hand must be entered twice",
                "Type the number again in both fields, or select the recipient from the directory only.");
        return;
    }
    auto a = parse_phone_number(first, true);
    auto b = parse_phone_number(second, true);
    if (!a || !b) {
        out.add(rule::kNumMismatch, !a ? "recipient.typed_fax.first" : "recipient.typed_fax.second",
                "the typed number " + (!a ? a.error().message : b.error().message),
                "Check the number with the recipient and type it again.");
        return;
    }
    if (a->canonical() != b->canonical()) {
        out.add(rule::kNumMismatch, "recipient.typed_fax", "the two entries of the typed number differ",
                "Check the number with the recipient and type it again, identically, in both fields.");
        return;
    }
    if (a->canonical() != entry.fax.canonical()) {
        out.add(rule::kNumMismatch, "recipient.typed_fax",
                "the typed number is not the verified number of directory entry '" + entry.id + "'",
                "Check the number with the recipient. If the directory is wrong, correct the entry and verify "
                "the new number before sending.");
    }
}

void check_recipient_verified(Collector& out, const DirectoryEntry& entry, const Policy& policy, TimePoint now) {
    switch (verification_state(entry, now, policy.reverification_interval)) {
    case VerificationState::Verified: return;
    case VerificationState::Unverified:
        out.add(rule::kNumUnverified, "recipient.directory_id",
                "the fax number of directory entry '" + entry.id + "' has not been verified", kVerifyNext);
        return;
    case VerificationState::AwaitingConfirmation:
        out.add(rule::kNumUnverified, "recipient.directory_id",
                "a test fax went to directory entry '" + entry.id +
                    "' but the recipient's telephone confirmation has not been recorded",
                "Call the recipient at " + entry.voice.display() +
                    " to confirm the test fax arrived, then record the confirmation.");
        return;
    case VerificationState::Expired:
        out.add(rule::kNumExpired, "recipient.directory_id",
                "the fax number of directory entry '" + entry.id + "' was last verified on " +
                    detail::iso_date(entry.verification->at) + ", more than " +
                    std::to_string(policy.reverification_interval.count()) + " days ago",
                kVerifyNext);
        return;
    }
}

void check_category_purpose(Collector& out, PolicyVerdict& v, const DirectoryEntry* entry, Purpose purpose,
                            const Policy& policy) {
    const std::string referral = policy.referral_text();
    bool purpose_anywhere = false;
    for (const auto& r : policy.rules)
        purpose_anywhere = purpose_anywhere || std::find(r.purposes.begin(), r.purposes.end(), purpose) != r.purposes.end();
    const std::string purpose_text = std::string(display_name(purpose)) + " (" + std::string(to_string(purpose)) + ")";

    bool category_ok = true;
    if (entry != nullptr && !policy.category_allowed(entry->category)) {
        category_ok = false;
        out.add(rule::kRefCategory, "recipient.directory_id",
                "medical records may not be faxed to a recipient of category " +
                    std::string(display_name(entry->category)) + " (" + std::string(to_string(entry->category)) + ")",
                referral);
    }
    if (!purpose_anywhere) {
        out.add(rule::kRefPurpose, "purpose",
                "medical records may not be faxed for the purpose " + purpose_text, referral);
        return;
    }
    if (entry == nullptr || !category_ok) return;
    if (const AllowRule* r = policy.match(entry->category, purpose)) {
        v.rule_id = r->id;
        return;
    }
    std::vector<std::string> allowed;
    for (Purpose p : all_purposes())
        if (policy.match(entry->category, p) != nullptr) allowed.push_back(std::string(to_string(p)));
    out.add(rule::kRefPurpose, "purpose",
            "records may not be faxed to a " + std::string(display_name(entry->category)) + " for the purpose " +
                purpose_text + "; allowed for this recipient: " + join(allowed),
            referral);
}

void check_minimum_necessary(Collector& out, const ReleaseRequest& req, const Policy& policy) {
    const std::string referral = policy.referral_text();
    const PurposeLimits* limits = policy.limits_for(req.purpose);
    const std::string purpose_name(to_string(req.purpose));

    if (req.sections.empty())
        out.add(rule::kMinSections, "sections", "no record sections are declared",
                "List the record sections the pages belong to (minimum necessary).");
    std::vector<bool> section_ok(req.sections.size(), false);  // passed the checks below
    for (std::size_t i = 0; i < req.sections.size(); ++i) {
        const std::string& s = req.sections[i];
        const std::string field = "sections[" + std::to_string(i) + "]";
        if (std::find(req.sections.begin(), req.sections.begin() + static_cast<std::ptrdiff_t>(i), s) !=
            req.sections.begin() + static_cast<std::ptrdiff_t>(i)) {
            out.add(rule::kMinSections, field, "the section is declared twice", "Declare each section once.");
        } else if (policy.is_sensitive_section(s)) {
            out.add(rule::kRefSensitive, field,
                    "section " + shown(policy, s) + " is specially protected and cannot be released by fax from this station",
                    referral);
        } else if (!policy.is_known_section(s)) {
            out.add(rule::kMinSections, field,
                    "the section is not a record section the policy knows",
                    "Use one of: " + join(policy.known_sections) + ".");
        } else if (limits != nullptr &&
                   std::find(limits->sections.begin(), limits->sections.end(), s) == limits->sections.end()) {
            out.add(rule::kMinSections, field,
                    "section " + shown(policy, s) + " is not among the sections allowed for the purpose " + purpose_name,
                    "Remove it; allowed for " + purpose_name + ": " + join(limits->sections) + ".");
        } else {
            section_ok[i] = true;
        }
    }

    const std::set<std::string> declared(req.sections.begin(), req.sections.end());
    std::set<std::string> used;  // declared sections some selected page belongs to
    for (std::size_t i = 0; i < req.documents.size(); ++i) {
        const auto& d = req.documents[i];
        const std::string doc = "documents[" + std::to_string(i) + "]";
        if (d.sections.empty()) {
            out.add(rule::kMinUndeclaredPages, doc + ".sections",
                    "the selected pages are not tagged with record sections",
                    "Tag every selected page with the declared section it belongs to.");
            continue;
        }
        std::set<int> covered;
        for (std::size_t j = 0; j < d.sections.size(); ++j) {
            const auto& tag = d.sections[j];
            const std::string field = doc + ".sections[" + std::to_string(j) + "]";
            const bool selected_here = std::any_of(tag.pages.begin(), tag.pages.end(), [&](int p) {
                return std::find(d.pages.begin(), d.pages.end(), p) != d.pages.end();
            });
            if (policy.is_sensitive_section(tag.section) && selected_here) {
                out.add(rule::kRefSensitive, field,
                        "selected pages belong to the specially protected section " + shown(policy, tag.section), referral);
                continue;
            }
            if (declared.count(tag.section) == 0) {
                if (selected_here)
                    out.add(rule::kMinUndeclaredPages, field,
                            "selected pages belong to section " + shown(policy, tag.section) +
                                ", which the request does not declare",
                            "Deselect those pages, or declare the section if the purpose needs it.");
                continue;
            }
            covered.insert(tag.pages.begin(), tag.pages.end());
            if (selected_here) used.insert(tag.section);
        }
        std::vector<int> outside;
        for (int p : d.pages)
            if (covered.count(p) == 0) outside.push_back(p);
        if (!outside.empty())
            out.add(rule::kMinUndeclaredPages, doc + ".pages",
                    "pages " + format_page_selection(outside) + " are outside the declared sections",
                    "Deselect them, or tag them with the declared section they belong to.");
    }
    // The declared sections are what the accounting of disclosures lists as sent: a
    // section no selected page belongs to would be recorded as disclosed when it was not.
    for (std::size_t i = 0; i < req.sections.size(); ++i) {
        if (!section_ok[i] || used.count(req.sections[i]) != 0) continue;
        out.add(rule::kMinSections, "sections[" + std::to_string(i) + "]",
                "no selected page belongs to section " + shown(policy, req.sections[i]),
                "Remove it from the declared sections, or tag the selected pages that belong to it.");
    }

    const std::string why = trimmed(req.justification);
    if (why.empty()) {
        out.add(rule::kMinJustification, "justification", "the minimum-necessary justification is empty",
                "State why each included section is needed for the purpose.");
    } else if (why.size() < policy.min_justification_chars) {
        out.add(rule::kMinJustification, "justification",
                "the minimum-necessary justification is too short (at least " +
                    std::to_string(policy.min_justification_chars) + " characters)",
                "State why each included section is needed for the purpose.");
    }

    if (limits != nullptr) {
        const int count = req.selected_page_count();
        const bool has_reason = req.page_ceiling_override && !trimmed(*req.page_ceiling_override).empty();
        if (count > limits->page_ceiling && !has_reason)
            out.add(rule::kMinPageCeiling, "documents",
                    std::to_string(count) + " pages are selected; the ceiling for the purpose " + purpose_name +
                        " is " + std::to_string(limits->page_ceiling),
                    "Reduce the selection, or state why more pages are necessary in page_ceiling_override.");
    }
}

}  // namespace

PolicyVerdict check_release(const ReleaseRequest& request, const DirectoryEntry* recipient, const Policy& policy,
                            TimePoint now) {
    PolicyVerdict v;
    Collector out(v);
    // A category or purpose the policy never allows cannot be fixed at this station: the
    // Release of Information referral is then the first finding (and next step), not
    // "verify the number", which would only lead to the same refusal.
    const bool never_allowed = (recipient != nullptr && !policy.category_allowed(recipient->category)) ||
                               std::none_of(policy.rules.begin(), policy.rules.end(), [&](const AllowRule& r) {
                                   return std::find(r.purposes.begin(), r.purposes.end(), request.purpose) !=
                                          r.purposes.end();
                               });
    if (never_allowed) check_category_purpose(out, v, recipient, request.purpose, policy);
    if (recipient == nullptr) {
        out.add(rule::kNumUnknown, "recipient.directory_id", "no directory entry has this id",
                "Select the recipient from the directory; a new recipient must be added and its number verified "
                "before anything is sent.");
    } else {
        check_recipient_verified(out, *recipient, policy, now);
        check_typed_number(out, request.recipient.typed_fax, *recipient);
    }
    if (!never_allowed) check_category_purpose(out, v, recipient, request.purpose, policy);
    check_minimum_necessary(out, request, policy);
    return v;
}

PolicyVerdict check_verification_test(const DirectoryEntry* recipient, const std::optional<TypedFaxNumber>& typed,
                                      const Policy& policy) {
    PolicyVerdict v;
    Collector out(v);
    if (recipient == nullptr) {
        out.add(rule::kNumUnknown, "recipient_id", "no directory entry has this id",
                "Add the recipient to the directory first.");
        return v;
    }
    if (!policy.category_allowed(recipient->category)) {
        out.add(rule::kRefCategory, "recipient_id",
                "directory entry '" + recipient->id + "' is of category " +
                    std::string(display_name(recipient->category)) + ", to which records may never be faxed",
                policy.referral_text());
    }
    check_typed_number(out, typed, *recipient);
    if (v.findings.empty()) v.rule_id = std::string(rule::kVerificationTest);
    return v;
}

}  // namespace fax::gate
