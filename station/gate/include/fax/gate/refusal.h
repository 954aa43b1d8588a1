// A refusal is a decision, not an error: it names the rule, the field and what the
// staff member should do next. Texts may name fields and vocabulary values (a
// purpose, a section) but never the member reference or document contents.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fax::gate {

struct Finding {
    std::string rule_id;    // stable id from policy.h (REF-CATEGORY, MIN-SECTIONS, COVER-SENDER-FAX, ...)
    std::string field;      // request/cover field the finding is about ("purpose", "cover.sender.phone")
    std::string message;    // what is wrong
    std::string next_step;  // what to do instead (for REF-*: the Release of Information referral)

    friend bool operator==(const Finding&, const Finding&) = default;
};

struct Refusal {
    std::string decision_id;  // the id the refusal was recorded under in the audit trail
    std::vector<Finding> findings;

    std::vector<std::string> rule_ids() const;
    bool has_rule(std::string_view rule_id) const;
    const Finding* find(std::string_view rule_id) const;
    // Multi-line text for a person: one block per finding ("[RULE] field: message\n  next: ...").
    std::string to_text() const;
};

}  // namespace fax::gate
