// Internal to fax_gate: the audit trail's records as the JSON bodies it stores, and the
// reading helpers that never throw (a stored body that lacks a field reads as empty).
// Shared by the store (audit_log.cpp), the verifier (audit_verify.cpp) and the export
// (disclosure_export.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fax/gate/audit_log.h"

namespace fax::gate::detail {

using nlohmann::json;

// The hash before the first entry.
inline const std::string& genesis_hash() {
    static const std::string kGenesis(64, '0');
    return kGenesis;
}

// The one serialisation every body is stored and hashed in.
std::string canonical(const json& j);
std::string_view kind_name(ReleaseKind k);
json findings_json(const std::vector<Finding>& findings);
std::vector<Finding> findings_from(const json& j);

std::string str(const json& j, const char* key);
int64_t num(const json& j, const char* key);
std::vector<std::string> strs(const json& j, const char* key);
std::vector<int> ints(const json& j, const char* key);
const json& obj(const json& j, const char* key);

json cover_json(const CoverFields& c);
CoverFields cover_from(const json& j);
json outcome_json(const OutcomeRecord& r);
OutcomeRecord outcome_from(const json& j);
DecisionRecord decision_from(const json& j);
json attempt_json(const AttemptRecord& a);
AttemptRecord attempt_from(const json& j);
json closure_json(const ClosureRecord& c);
ClosureRecord closure_from(const json& j);
// The pages of the cleared document an outcome confirms (see TransmissionOutcome).
std::vector<int> confirmed_pages_of(const TransmissionOutcome& o);

}  // namespace fax::gate::detail
