#include "fax/gate/policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace fax::gate {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(Policy, DefaultsAreValidAndReproduceThePolicy) {
    const Policy p = Policy::defaults();
    ASSERT_TRUE(p.validate().ok()) << p.validate().error().to_string();
    ASSERT_EQ(p.rules.size(), 4u);
    EXPECT_EQ(p.rules[0].id, "POL-PROV-KP");
    EXPECT_EQ(p.rules[1].id, "POL-PROV-COMMUNITY");
    EXPECT_EQ(p.rules[2].id, "POL-KP-OPS");
    EXPECT_EQ(p.rules[3].id, "POL-PAYER-CERT");
    EXPECT_EQ(p.reverification_interval, std::chrono::days(365));
}

TEST(Policy, ReferralNamesTheDepartmentAndAllFourNumbers) {
    const std::string t = Policy::defaults().referral_text();
    EXPECT_NE(t.find("Release of Information Department"), std::string::npos);
    for (const char* n : {"866-656-4184", "877-848-6896", "509-241-7824", "855-414-1751"})
        EXPECT_NE(t.find(n), std::string::npos) << n;
    EXPECT_NE(t.find("Western WA - Phone: 866-656-4184 - Fax: 877-848-6896"), std::string::npos);
    EXPECT_NE(t.find("Eastern WA - Phone: 509-241-7824 - Fax: 855-414-1751"), std::string::npos);
}

// The built-in statement is the policy's, verbatim (both paragraphs).
TEST(Policy, ConfidentialityStatementIsVerbatimFromThePolicyText) {
    const std::string text = read_file(FAX_POLICY_TEXT);
    ASSERT_FALSE(text.empty()) << "policy text not found at " << FAX_POLICY_TEXT;
    const auto begin = text.find("The documents accompanying");
    const std::string last = "return of the documents to us.";
    const auto end = text.find(last);
    ASSERT_NE(begin, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_EQ(text.substr(begin, end + last.size() - begin), std::string(kPolicyConfidentialityStatement));
    EXPECT_EQ(Policy::defaults().confidentiality_statement, std::string(kPolicyConfidentialityStatement));
}

TEST(Policy, JsonFileOverridesOnlyWhatItNames) {
    auto p = parse_policy_json(R"({
        "purposes": {"treatment": {"page_ceiling": 12}},
        "verification": {"reverification_days": 90},
        "referral": {"contacts": [{"region": "Test", "phone": "206-555-0101", "fax": "206-555-0102"}]}
    })", "policy.json");
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(p->limits_for(Purpose::Treatment)->page_ceiling, 12);
    EXPECT_FALSE(p->limits_for(Purpose::Treatment)->sections.empty());  // kept
    EXPECT_EQ(p->limits_for(Purpose::Care)->page_ceiling, 30);
    EXPECT_EQ(p->reverification_interval, std::chrono::days(90));
    EXPECT_EQ(p->rules.size(), 4u);
    EXPECT_NE(p->referral_text().find("Test - Phone: 206-555-0101"), std::string::npos);
    EXPECT_EQ(p->referral_text().find("866-656-4184"), std::string::npos);
}

TEST(Policy, BadPolicyFilesAreRejectedNamingTheKey) {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"rulez": []})", "rulez: is not a known field"},
        {R"({"rules": [{"id": "lower", "categories": ["attorney"], "purposes": ["legal"]}]})", "rules[0].id"},
        {R"({"rules": [{"id": "REF-X", "categories": ["attorney"], "purposes": ["legal"]}]})", "reserved for refusals"},
        {R"({"rules": [{"id": "A", "categories": ["lawyer"], "purposes": ["legal"]}]})",
         "rules[0].categories[0]: 'lawyer' is not a known recipient category"},
        {R"({"rules": [{"id": "A", "categories": ["attorney"], "purposes": ["legal"]}]})",
         "purpose legal is allowed but purposes.legal.sections is empty"},
        {R"({"purposes": {"treatment": {"sections": ["psychotherapy_notes"]}}})", "is a sensitive section"},
        {R"({"purposes": {"treatment": {"sections": ["tarot"]}}})", "'tarot' is not in known_sections"},
        {R"({"purposes": {"treatment": {"page_ceiling": 0}}})", "page_ceiling: must be between 1"},
        {R"({"referral": {"contacts": []}})", "at least one contact"},
        {R"({"referral": {"contacts": [{"region": "W", "phone": "12", "fax": "206-555-0102"}]}})",
         "referral.contacts[0].phone"},
        {R"({"rules": [{"id": "A", "categories": ["kp_provider"], "purposes": ["treatment"]},
                      {"id": "B", "categories": ["kp_provider"], "purposes": ["treatment"]}]})",
         "already allowed by another rule"},
        {"{", "not valid JSON"},
    };
    for (const auto& [text, expect] : cases) {
        auto p = parse_policy_json(text, "policy.json");
        ASSERT_FALSE(p.ok()) << text;
        EXPECT_NE(p.error().message.find(expect), std::string::npos) << text << " -> " << p.error().message;
    }
}

TEST(Policy, TomlExampleEqualsTheDefaults) {
    auto p = load_policy_file(std::filesystem::path(FAX_SOURCE_DIR) / "examples" / "policy.toml");
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(policy_to_json(*p), policy_to_json(Policy::defaults()));
}

TEST(Policy, TomlErrorsGiveThePosition) {
    auto p = parse_policy_toml("[verification]\nreverification_days = = 3\n", "policy.toml");
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("policy.toml: not valid TOML (line 2"), std::string::npos) << p.error().message;
    auto q = parse_policy_toml("[verification]\nreverification_days = 0\n", "policy.toml");
    ASSERT_FALSE(q.ok());
    EXPECT_NE(q.error().message.find("verification.reverification_days"), std::string::npos) << q.error().message;
}

TEST(Policy, EffectivePolicyRoundTripsThroughJson) {
    auto p = parse_policy_json(policy_to_json(Policy::defaults()), "dump.json");
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(policy_to_json(*p), policy_to_json(Policy::defaults()));
}

}  // namespace
}  // namespace fax::gate
