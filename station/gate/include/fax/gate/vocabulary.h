// The closed vocabularies of the release policy: recipient categories and purposes
// of disclosure. Both appear in request files, the directory, the policy file and
// the audit trail by their stable snake_case names (to_string/parse below); the
// policy decides which combinations may be faxed (policy.h), not this header.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace fax::gate {

// Who a directory entry is. The first seven are the recipients the policy names;
// the rest exist in a directory (people do ask) but no default rule allows them.
enum class RecipientCategory {
    KpProvider,          // Kaiser Permanente provider
    ContractedProvider,  // provider contracted with KP
    CommunityProvider,   // non-contracted community provider
    KpFacility,          // KP facility
    KpBusinessUnit,      // KP business or operations unit
    BusinessAssociate,   // business associate of KP
    ThirdPartyPayer,     // third-party payer
    Attorney,
    Employer,
    PatientOrFamily,
    InsurerOther,        // life/disability/underwriting insurers: not a payer of this care
    Government,
    Researcher,
    Other,
};

// Why the records are disclosed.
enum class Purpose {
    Diagnosis,
    Prognosis,
    Treatment,
    Care,
    Operations,
    QualityOversight,               // e.g. HEDIS, clinical review
    HospitalizationCertification,   // payer's certification of a hospital stay
    Legal,
    Marketing,
    PersonalRequest,
    Employment,
    Underwriting,
    Research,
    LawEnforcement,
    Other,
};

std::string_view to_string(RecipientCategory c);
std::string_view to_string(Purpose p);
// A human label for the cover sheet and refusal texts ("Quality oversight").
std::string_view display_name(RecipientCategory c);
std::string_view display_name(Purpose p);

std::optional<RecipientCategory> parse_category(std::string_view name);
std::optional<Purpose> parse_purpose(std::string_view name);

std::span<const RecipientCategory> all_categories();
std::span<const Purpose> all_purposes();

}  // namespace fax::gate
