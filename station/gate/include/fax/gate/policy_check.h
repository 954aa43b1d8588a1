// The decision function of the gate: request x directory entry x policy x time ->
// the allow rule, or every finding that refuses it. It does no I/O and reads no
// clock (STYLE.md §4), so every situation of the policy is a table test.
#pragma once

#include <string>
#include <vector>

#include "fax/gate/directory.h"
#include "fax/gate/policy.h"
#include "fax/gate/refusal.h"
#include "fax/gate/request.h"

namespace fax::gate {

struct PolicyVerdict {
    std::string rule_id;            // the matching allow rule; empty if refused on category/purpose
    std::vector<Finding> findings;  // empty: the request may proceed to the cover and the pages

    bool cleared() const { return findings.empty() && !rule_id.empty(); }
};

// Checks, in this order (all findings are collected, not just the first):
//  1. recipient: known entry (NUM-UNKNOWN), verified and not expired (NUM-UNVERIFIED,
//     NUM-EXPIRED), a hand-typed number entered twice and equal to the entry
//     (NUM-REENTRY, NUM-MISMATCH);
//  2. category x purpose against the allow rules (REF-CATEGORY, REF-PURPOSE, with the
//     Release of Information referral as next step);
//  3. minimum necessary: declared sections known, not sensitive, allowed for the
//     purpose, declared once and each carried by a selected page (MIN-SECTIONS,
//     REF-SENSITIVE); every selected page tagged with a declared section
//     (MIN-UNDECLARED-PAGES); a justification (MIN-JUSTIFICATION);
//     the purpose's page ceiling, unless a reason is given (MIN-PAGE-CEILING).
// `recipient` is nullptr when the directory has no entry with the requested id.
PolicyVerdict check_release(const ReleaseRequest& request, const DirectoryEntry* recipient, const Policy& policy,
                            TimePoint now);

// The checks for a verification test fax (cover only, no patient information): the
// entry exists, its category is one the policy can ever release to, and a hand-typed
// number (if any) matches. The entry need not be verified: that is the point.
PolicyVerdict check_verification_test(const DirectoryEntry* recipient, const std::optional<TypedFaxNumber>& typed,
                                      const Policy& policy);

}  // namespace fax::gate
