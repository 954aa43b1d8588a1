#include "fax/gate/vocabulary.h"

#include <array>

namespace fax::gate {
namespace {

struct CategoryName {
    RecipientCategory value;
    std::string_view name;
    std::string_view display;
};

constexpr std::array<CategoryName, 14> kCategories{{
    {RecipientCategory::KpProvider, "kp_provider", "Kaiser Permanente provider"},
    {RecipientCategory::ContractedProvider, "contracted_provider", "Contracted provider"},
    {RecipientCategory::CommunityProvider, "community_provider", "Non-contracted community provider"},
    {RecipientCategory::KpFacility, "kp_facility", "Kaiser Permanente facility"},
    {RecipientCategory::KpBusinessUnit, "kp_business_unit", "Kaiser Permanente business or operations unit"},
    {RecipientCategory::BusinessAssociate, "business_associate", "Business associate"},
    {RecipientCategory::ThirdPartyPayer, "third_party_payer", "Third-party payer"},
    {RecipientCategory::Attorney, "attorney", "Attorney"},
    {RecipientCategory::Employer, "employer", "Employer"},
    {RecipientCategory::PatientOrFamily, "patient_or_family", "Patient or family member"},
    {RecipientCategory::InsurerOther, "insurer_other", "Other insurer"},
    {RecipientCategory::Government, "government", "Government agency"},
    {RecipientCategory::Researcher, "researcher", "Researcher"},
    {RecipientCategory::Other, "other", "Other"},
}};

struct PurposeName {
    Purpose value;
    std::string_view name;
    std::string_view display;
};

constexpr std::array<PurposeName, 15> kPurposes{{
    {Purpose::Diagnosis, "diagnosis", "Diagnosis"},
    {Purpose::Prognosis, "prognosis", "Prognosis"},
    {Purpose::Treatment, "treatment", "Treatment"},
    {Purpose::Care, "care", "Care"},
    {Purpose::Operations, "operations", "Operations"},
    {Purpose::QualityOversight, "quality_oversight", "Quality oversight"},
    {Purpose::HospitalizationCertification, "hospitalization_certification", "Certification of hospitalization"},
    {Purpose::Legal, "legal", "Legal"},
    {Purpose::Marketing, "marketing", "Marketing"},
    {Purpose::PersonalRequest, "personal_request", "Personal request"},
    {Purpose::Employment, "employment", "Employment"},
    {Purpose::Underwriting, "underwriting", "Insurance underwriting"},
    {Purpose::Research, "research", "Research"},
    {Purpose::LawEnforcement, "law_enforcement", "Law enforcement"},
    {Purpose::Other, "other", "Other"},
}};

constexpr auto make_category_values() {
    std::array<RecipientCategory, kCategories.size()> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = kCategories[i].value;
    return a;
}
constexpr auto make_purpose_values() {
    std::array<Purpose, kPurposes.size()> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = kPurposes[i].value;
    return a;
}
constexpr auto kCategoryValues = make_category_values();
constexpr auto kPurposeValues = make_purpose_values();

const CategoryName& entry(RecipientCategory c) {
    for (const auto& e : kCategories)
        if (e.value == c) return e;
    return kCategories.back();
}
const PurposeName& entry(Purpose p) {
    for (const auto& e : kPurposes)
        if (e.value == p) return e;
    return kPurposes.back();
}

}  // namespace

std::string_view to_string(RecipientCategory c) { return entry(c).name; }
std::string_view to_string(Purpose p) { return entry(p).name; }
std::string_view display_name(RecipientCategory c) { return entry(c).display; }
std::string_view display_name(Purpose p) { return entry(p).display; }

std::optional<RecipientCategory> parse_category(std::string_view name) {
    for (const auto& e : kCategories)
        if (e.name == name) return e.value;
    return std::nullopt;
}

std::optional<Purpose> parse_purpose(std::string_view name) {
    for (const auto& e : kPurposes)
        if (e.name == name) return e.value;
    return std::nullopt;
}

std::span<const RecipientCategory> all_categories() { return kCategoryValues; }
std::span<const Purpose> all_purposes() { return kPurposeValues; }

}  // namespace fax::gate
