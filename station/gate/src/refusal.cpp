#include "fax/gate/refusal.h"

namespace fax::gate {

std::vector<std::string> Refusal::rule_ids() const {
    std::vector<std::string> ids;
    for (const auto& f : findings) {
        bool seen = false;
        for (const auto& id : ids) seen = seen || id == f.rule_id;
        if (!seen) ids.push_back(f.rule_id);
    }
    return ids;
}

bool Refusal::has_rule(std::string_view rule_id) const { return find(rule_id) != nullptr; }

const Finding* Refusal::find(std::string_view rule_id) const {
    for (const auto& f : findings)
        if (f.rule_id == rule_id) return &f;
    return nullptr;
}

std::string Refusal::to_text() const {
    std::string out = "Refused";
    if (!decision_id.empty()) out += " (decision " + decision_id + ")";
    out += ":\n";
    std::string last_next;
    for (const auto& f : findings) {
        out += "  [" + f.rule_id + "] ";
        if (!f.field.empty()) out += f.field + ": ";
        out += f.message + "\n";
        // Several findings often share one next step (the referral): say it once.
        if (!f.next_step.empty() && f.next_step != last_next) {
            out += "    Next step: " + f.next_step + "\n";
            last_next = f.next_step;
        }
    }
    return out;
}

}  // namespace fax::gate
