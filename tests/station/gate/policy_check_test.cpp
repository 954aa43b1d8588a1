// The decision function against the policy text: every category x purpose, the
// minimum-necessary rules and the number checks, on entries made verified (or not)
// through the real directory workflow.
#include "fax/gate/policy_check.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "gate_fixture.h"

namespace fax::gate {
namespace {

using test::entry_id;
using test::fixed_now;
using test::kMember;
using test::make_request;
using C = RecipientCategory;
using P = Purpose;

// The four allowed situations, written out from the policy text independently of
// Policy::defaults(), so a change to the data that widens or narrows them fails here.
std::optional<std::string> expected_rule(C c, P p) {
    const bool clinical = p == P::Diagnosis || p == P::Prognosis || p == P::Treatment;
    const bool ops = p == P::Care || p == P::Operations || p == P::QualityOversight;
    if ((c == C::KpProvider || c == C::ContractedProvider) && clinical) return "POL-PROV-KP";
    if (c == C::CommunityProvider && clinical) return "POL-PROV-COMMUNITY";
    if ((c == C::KpFacility || c == C::KpBusinessUnit || c == C::BusinessAssociate) && ops) return "POL-KP-OPS";
    if (c == C::ThirdPartyPayer && p == P::HospitalizationCertification) return "POL-PAYER-CERT";
    return std::nullopt;
}

bool category_named_by_policy(C c) {
    return c == C::KpProvider || c == C::ContractedProvider || c == C::CommunityProvider || c == C::KpFacility ||
           c == C::KpBusinessUnit || c == C::BusinessAssociate || c == C::ThirdPartyPayer;
}

// The referral every REF-* refusal must carry (policy: "Requests ... to entities not
// described above can be directed to the Kaiser Permanente Release of Information
// Department", with the two regional numbers).
void expect_referral(const std::string& next_step, const std::string& context) {
    EXPECT_NE(next_step.find("Release of Information Department"), std::string::npos) << context << ": " << next_step;
    for (const char* n : {"866-656-4184", "877-848-6896", "509-241-7824", "855-414-1751"})
        EXPECT_NE(next_step.find(n), std::string::npos) << context << ": missing " << n << " in " << next_step;
    EXPECT_NE(next_step.find("Western WA - Phone: 866-656-4184 - Fax: 877-848-6896"), std::string::npos) << context;
    EXPECT_NE(next_step.find("Eastern WA - Phone: 509-241-7824 - Fax: 855-414-1751"), std::string::npos) << context;
}

bool has(const PolicyVerdict& v, std::string_view id) {
    for (const auto& f : v.findings)
        if (f.rule_id == id) return true;
    return false;
}

const Finding* find(const PolicyVerdict& v, std::string_view id) {
    for (const auto& f : v.findings)
        if (f.rule_id == id) return &f;
    return nullptr;
}

std::string ids(const PolicyVerdict& v) {
    std::string s;
    for (const auto& f : v.findings) s += f.rule_id + "(" + f.field + ": " + f.message + ") ";
    return s;
}

class PolicyCheck : public ::testing::Test {
protected:
    void SetUp() override {
        auto d = Directory::open(":memory:");
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        dir_.emplace(std::move(*d));
        test::populate(*dir_);
    }

    DirectoryEntry entry(const std::string& id) {
        auto e = dir_->get(id);
        EXPECT_TRUE(e.ok()) << id;
        return e.ok() ? *e : DirectoryEntry{};
    }

    PolicyVerdict check(const ReleaseRequest& r) {
        auto e = dir_->find(r.recipient.directory_id);
        EXPECT_TRUE(e.ok());
        const DirectoryEntry* p = (e.ok() && e->has_value()) ? &e->value() : nullptr;
        return check_release(r, p, policy_, fixed_now());
    }

    // A clean treatment request to the verified KP provider (clears under POL-PROV-KP).
    ReleaseRequest treatment() { return make_request(entry_id(C::KpProvider), P::Treatment, "discharge_summary"); }

    Policy policy_ = Policy::defaults();
    std::optional<Directory> dir_;
};

TEST_F(PolicyCheck, EveryCategoryTimesEveryPurpose) {
    int cleared = 0;
    int refused = 0;
    for (C c : all_categories()) {
        for (P p : all_purposes()) {
            const std::string ctx = std::string(to_string(c)) + " x " + std::string(to_string(p));
            // A section the purpose allows, so only category/purpose can refuse.
            const PurposeLimits* l = policy_.limits_for(p);
            const std::string section = l != nullptr ? l->sections.front() : "discharge_summary";
            const PolicyVerdict v = check(make_request(entry_id(c), p, section));
            if (const auto rule = expected_rule(c, p)) {
                EXPECT_TRUE(v.cleared()) << ctx << ": " << ids(v);
                EXPECT_EQ(v.rule_id, *rule) << ctx;
                EXPECT_TRUE(v.findings.empty()) << ctx << ": " << ids(v);
                ++cleared;
                continue;
            }
            ++refused;
            EXPECT_FALSE(v.cleared()) << ctx;
            EXPECT_TRUE(v.rule_id.empty()) << ctx << " matched " << v.rule_id;
            ASSERT_TRUE(has(v, rule::kRefCategory) || has(v, rule::kRefPurpose)) << ctx << ": " << ids(v);
            if (!category_named_by_policy(c)) {
                EXPECT_TRUE(has(v, rule::kRefCategory)) << ctx;
            } else {
                // A recipient the policy names, asked for a purpose it does not allow them.
                EXPECT_FALSE(has(v, rule::kRefCategory)) << ctx;
                EXPECT_TRUE(has(v, rule::kRefPurpose)) << ctx;
            }
            for (const auto& f : v.findings) {
                if (f.rule_id == rule::kRefCategory || f.rule_id == rule::kRefPurpose) expect_referral(f.next_step, ctx);
                // Nothing but the category/purpose (and, for purposes with limits,
                // possibly a section outside them) refuses these requests.
                EXPECT_TRUE(f.rule_id == rule::kRefCategory || f.rule_id == rule::kRefPurpose ||
                            f.rule_id == rule::kMinSections)
                    << ctx << ": " << ids(v);
            }
        }
    }
    EXPECT_EQ(cleared, 2 * 3 + 1 * 3 + 3 * 3 + 1);
    EXPECT_EQ(refused, static_cast<int>(all_categories().size() * all_purposes().size()) - cleared);
}

TEST_F(PolicyCheck, RefusedPurposeNamesWhatTheRecipientMayReceive) {
    const PolicyVerdict v = check(make_request(entry_id(C::ThirdPartyPayer), P::Treatment, "discharge_summary"));
    const Finding* f = find(v, rule::kRefPurpose);
    ASSERT_NE(f, nullptr) << ids(v);
    EXPECT_EQ(f->field, "purpose");
    EXPECT_NE(f->message.find("allowed for this recipient: hospitalization_certification"), std::string::npos)
        << f->message;
}

TEST_F(PolicyCheck, CleanRequestClears) {
    const PolicyVerdict v = check(treatment());
    EXPECT_TRUE(v.cleared()) << ids(v);
    EXPECT_EQ(v.rule_id, "POL-PROV-KP");
}

TEST_F(PolicyCheck, PagesOutsideTheDeclaredSectionsAreRefused) {
    ReleaseRequest r = treatment();
    r.documents[0].pages = {1, 2, 3};  // page 3 carries no tag
    PolicyVerdict v = check(r);
    const Finding* f = find(v, rule::kMinUndeclaredPages);
    ASSERT_NE(f, nullptr) << ids(v);
    EXPECT_EQ(f->field, "documents[0].pages");
    EXPECT_NE(f->message.find("pages 3 are outside"), std::string::npos) << f->message;
    EXPECT_FALSE(v.cleared());

    // A page tagged with a section the request does not declare.
    r = treatment();
    r.documents[0].sections = {SectionTag{"discharge_summary", {1}}, SectionTag{"lab_results", {2}}};
    v = check(r);
    f = find(v, rule::kMinUndeclaredPages);
    ASSERT_NE(f, nullptr) << ids(v);
    EXPECT_EQ(f->field, "documents[0].sections[1]");

    // A tag for an undeclared section on pages that are not selected is harmless.
    r = treatment();
    r.documents[0].sections.push_back(SectionTag{"lab_results", {7, 8}});
    EXPECT_TRUE(check(r).cleared()) << ids(check(r));

    // A document without any tags.
    r = treatment();
    r.documents[0].sections.clear();
    v = check(r);
    f = find(v, rule::kMinUndeclaredPages);
    ASSERT_NE(f, nullptr) << ids(v);
    EXPECT_EQ(f->field, "documents[0].sections");
}

TEST_F(PolicyCheck, JustificationMustBeStatedAndLongEnough) {
    const std::pair<std::string, bool> cases[] = {
        {"", false},          {"   \t\n ", false}, {"too short", false} /* 9 */,
        {"  short x   ", false}, {"ten chars!", true} /* exactly 10 */, {"Follow-up needs the summary.", true},
    };
    for (const auto& [text, ok] : cases) {
        ReleaseRequest r = treatment();
        r.justification = text;
        const PolicyVerdict v = check(r);
        EXPECT_EQ(v.cleared(), ok) << "'" << text << "': " << ids(v);
        EXPECT_EQ(has(v, rule::kMinJustification), !ok) << "'" << text << "'";
        if (!ok) {
            EXPECT_EQ(find(v, rule::kMinJustification)->field, "justification");
        }
    }
    ReleaseRequest r = treatment();
    r.justification = "";
    EXPECT_NE(find(check(r), rule::kMinJustification)->message.find("empty"), std::string::npos);
    r.justification = "too short";
    EXPECT_NE(find(check(r), rule::kMinJustification)->message.find("too short (at least 10"), std::string::npos);
}

TEST_F(PolicyCheck, SectionsMustBeDeclaredKnownAndAllowedForThePurpose) {
    // None declared.
    ReleaseRequest r = treatment();
    r.sections.clear();
    PolicyVerdict v = check(r);
    ASSERT_TRUE(has(v, rule::kMinSections)) << ids(v);
    EXPECT_EQ(find(v, rule::kMinSections)->field, "sections");

    // Unknown section.
    r = treatment();
    r.sections = {"discharge_summary", "tarot_reading"};
    r.documents[0].sections = {SectionTag{"discharge_summary", {1}}, SectionTag{"tarot_reading", {2}}};
    v = check(r);
    ASSERT_TRUE(has(v, rule::kMinSections)) << ids(v);
    EXPECT_EQ(find(v, rule::kMinSections)->field, "sections[1]");
    EXPECT_NE(find(v, rule::kMinSections)->message.find("not a record section the policy knows"), std::string::npos);

    // Known, but not allowed for the purpose: care does not include operative reports.
    r = make_request(entry_id(C::KpFacility), P::Care, "operative_reports");
    v = check(r);
    ASSERT_TRUE(has(v, rule::kMinSections)) << ids(v);
    EXPECT_EQ(find(v, rule::kMinSections)->field, "sections[0]");
    EXPECT_NE(find(v, rule::kMinSections)->message.find("not among the sections allowed for the purpose care"),
              std::string::npos);
    EXPECT_EQ(v.rule_id, "POL-KP-OPS");  // the recipient and purpose are fine; the content is not
    EXPECT_FALSE(v.cleared());
    // ... which the same recipient may receive for operations.
    EXPECT_TRUE(check(make_request(entry_id(C::KpFacility), P::Operations, "operative_reports")).cleared());
}

// The declared sections are what the audit records as disclosed: each must be carried
// by a selected page, and be declared once.
TEST_F(PolicyCheck, DeclaredSectionsMustBeCarriedByASelectedPage) {
    ReleaseRequest r = treatment();
    r.sections = {"discharge_summary", "lab_results"};
    PolicyVerdict v = check(r);
    const Finding* f = find(v, rule::kMinSections);
    ASSERT_NE(f, nullptr) << ids(v);
    EXPECT_EQ(f->field, "sections[1]");
    EXPECT_NE(f->message.find("no selected page belongs to section 'lab_results'"), std::string::npos) << f->message;
    EXPECT_FALSE(v.cleared());

    // Tagged, but only on pages that are not selected: still not sent.
    r.documents[0].sections.push_back(SectionTag{"lab_results", {5}});
    EXPECT_TRUE(has(check(r), rule::kMinSections));
    // Carried by a selected page: clears.
    r.documents[0].sections = {SectionTag{"discharge_summary", {1}}, SectionTag{"lab_results", {2}}};
    EXPECT_TRUE(check(r).cleared()) << ids(check(r));

    r = treatment();
    r.sections = {"discharge_summary", "discharge_summary"};
    v = check(r);
    ASSERT_TRUE(has(v, rule::kMinSections)) << ids(v);
    EXPECT_EQ(find(v, rule::kMinSections)->field, "sections[1]");
    EXPECT_NE(find(v, rule::kMinSections)->message.find("declared twice"), std::string::npos);
}

TEST_F(PolicyCheck, SensitiveSectionsAreReferredToReleaseOfInformation) {
    for (const std::string& s : policy_.sensitive_sections) {
        // Declared.
        ReleaseRequest r = make_request(entry_id(C::KpProvider), P::Treatment, s);
        PolicyVerdict v = check(r);
        const Finding* f = find(v, rule::kRefSensitive);
        ASSERT_NE(f, nullptr) << s << ": " << ids(v);
        expect_referral(f->next_step, s);
        EXPECT_FALSE(v.cleared());

        // Not declared, but selected pages are tagged with it.
        r = treatment();
        r.documents[0].sections = {SectionTag{"discharge_summary", {1}}, SectionTag{s, {2}}};
        v = check(r);
        f = find(v, rule::kRefSensitive);
        ASSERT_NE(f, nullptr) << s << ": " << ids(v);
        EXPECT_EQ(f->field, "documents[0].sections[1]");
        expect_referral(f->next_step, s);
    }
}

TEST_F(PolicyCheck, PageCeilingNeedsAReasonToExceed) {
    const int ceiling = policy_.limits_for(P::Treatment)->page_ceiling;
    ASSERT_EQ(ceiling, 50);
    auto with_pages = [&](int n) {
        ReleaseRequest r = treatment();
        r.documents[0].pages.clear();
        for (int p = 1; p <= n; ++p) r.documents[0].pages.push_back(p);
        r.documents[0].sections = {SectionTag{"discharge_summary", r.documents[0].pages}};
        return r;
    };
    EXPECT_TRUE(check(with_pages(ceiling)).cleared());

    ReleaseRequest r = with_pages(ceiling + 1);
    PolicyVerdict v = check(r);
    const Finding* f = find(v, rule::kMinPageCeiling);
    ASSERT_NE(f, nullptr) << ids(v);
    EXPECT_NE(f->message.find("51 pages are selected; the ceiling for the purpose treatment is 50"), std::string::npos)
        << f->message;

    r.page_ceiling_override = "   ";  // a blank reason is no reason
    EXPECT_TRUE(has(check(r), rule::kMinPageCeiling));

    r.page_ceiling_override = "Transplant evaluation needs the full admission.";
    v = check(r);
    EXPECT_TRUE(v.cleared()) << ids(v);

    // The ceiling counts pages across documents.
    ReleaseRequest two = with_pages(30);
    two.documents.push_back(with_pages(21).documents[0]);
    EXPECT_TRUE(has(check(two), rule::kMinPageCeiling));
}

TEST_F(PolicyCheck, RecipientMustBeKnownAndVerified) {
    ReleaseRequest r = treatment();
    r.recipient.directory_id = "no-such-entry";
    PolicyVerdict v = check(r);
    ASSERT_TRUE(has(v, rule::kNumUnknown)) << ids(v);
    EXPECT_EQ(find(v, rule::kNumUnknown)->field, "recipient.directory_id");
    EXPECT_FALSE(v.cleared());
    EXPECT_TRUE(v.rule_id.empty());

    r.recipient.directory_id = "unverified";
    v = check(r);
    ASSERT_TRUE(has(v, rule::kNumUnverified)) << ids(v);
    EXPECT_NE(find(v, rule::kNumUnverified)->message.find("has not been verified"), std::string::npos);
    EXPECT_NE(find(v, rule::kNumUnverified)->next_step.find("verification test fax"), std::string::npos);
    EXPECT_FALSE(v.cleared());

    r.recipient.directory_id = "awaiting";
    v = check(r);
    ASSERT_TRUE(has(v, rule::kNumUnverified)) << ids(v);
    EXPECT_NE(find(v, rule::kNumUnverified)->message.find("telephone confirmation has not been recorded"),
              std::string::npos);
    EXPECT_NE(find(v, rule::kNumUnverified)->next_step.find("+1 425-555-0199"), std::string::npos)
        << find(v, rule::kNumUnverified)->next_step;
    EXPECT_FALSE(v.cleared());

    r.recipient.directory_id = "expired";
    v = check(r);
    ASSERT_TRUE(has(v, rule::kNumExpired)) << ids(v);
    EXPECT_NE(find(v, rule::kNumExpired)->message.find("more than 365 days ago"), std::string::npos);
    EXPECT_FALSE(has(v, rule::kNumUnverified));
    EXPECT_FALSE(v.cleared());
}

// Issue #14: for a category that is never allowed, the first next step printed was
// "verify the number", which only leads to the same refusal. When the category or the
// purpose can never be allowed, the referral (with the regional numbers) comes first.
TEST_F(PolicyCheck, ReferralComesFirstWhenCategoryOrPurposeIsNeverAllowed) {
    ASSERT_TRUE(dir_->add(test::new_entry("lawyer-unverified", C::Attorney, "206-555-0301"), fixed_now()).ok());
    ReleaseRequest r = make_request("lawyer-unverified", P::Treatment, "discharge_summary");
    PolicyVerdict v = check(r);
    ASSERT_GE(v.findings.size(), 2u) << ids(v);
    EXPECT_EQ(v.findings.front().rule_id, rule::kRefCategory) << ids(v);
    expect_referral(v.findings.front().next_step, "first finding, attorney");
    EXPECT_TRUE(has(v, rule::kNumUnverified)) << ids(v);  // still listed, after the referral

    r = make_request("unverified", P::Legal, "discharge_summary");  // no rule allows legal
    v = check(r);
    ASSERT_GE(v.findings.size(), 2u) << ids(v);
    EXPECT_EQ(v.findings.front().rule_id, rule::kRefPurpose) << ids(v);
    expect_referral(v.findings.front().next_step, "first finding, legal");

    r = make_request("no-such-entry", P::Legal, "discharge_summary");
    v = check(r);
    ASSERT_FALSE(v.findings.empty());
    EXPECT_EQ(v.findings.front().rule_id, rule::kRefPurpose) << ids(v);

    // A purpose allowed for other recipients only is fixable (another recipient or
    // purpose): the number checks keep their place.
    r = make_request("unverified", P::HospitalizationCertification, "discharge_summary");
    v = check(r);
    ASSERT_FALSE(v.findings.empty());
    EXPECT_EQ(v.findings.front().rule_id, rule::kNumUnverified) << ids(v);
    EXPECT_TRUE(has(v, rule::kRefPurpose)) << ids(v);
}

TEST_F(PolicyCheck, HandTypedNumberMustBeEnteredTwiceAndMatchTheEntry) {
    // Entry e-kp_provider has fax 206-555-0110.
    struct Case {
        std::string first, second;
        std::optional<std::string> rule;
        std::string field;
    };
    const Case cases[] = {
        {"206-555-0110", "", std::string(rule::kNumReentry), "recipient.typed_fax"},
        {"", "206-555-0110", std::string(rule::kNumReentry), "recipient.typed_fax"},
        {"206-555-0110", "206-555-0111", std::string(rule::kNumMismatch), "recipient.typed_fax"},
        {"206-555-0199", "(206) 555-0199", std::string(rule::kNumMismatch), "recipient.typed_fax"},  // not the entry
        {"206-555-01x0", "206-555-0110", std::string(rule::kNumMismatch), "recipient.typed_fax.first"},
        {"206-555-0110", "(206) 555 0110", std::nullopt, ""},
        {"+1 206 555 0110", "1-206-555-0110", std::nullopt, ""},
    };
    for (const auto& c : cases) {
        ReleaseRequest r = treatment();
        r.recipient.typed_fax = TypedFaxNumber{c.first, c.second};
        const PolicyVerdict v = check(r);
        const std::string ctx = "'" + c.first + "' / '" + c.second + "'";
        if (!c.rule) {
            EXPECT_TRUE(v.cleared()) << ctx << ": " << ids(v);
            continue;
        }
        const Finding* f = find(v, *c.rule);
        ASSERT_NE(f, nullptr) << ctx << ": " << ids(v);
        EXPECT_EQ(f->field, c.field) << ctx;
        EXPECT_FALSE(v.cleared()) << ctx;
        // Typed digits are not echoed back.
        EXPECT_EQ(f->message.find("0110"), std::string::npos) << f->message;
    }
}

TEST_F(PolicyCheck, VerificationTestNeedsAKnownEntryOfAReleasableCategory) {
    const Policy& p = policy_;
    DirectoryEntry unverified = entry("unverified");
    PolicyVerdict v = check_verification_test(&unverified, std::nullopt, p);
    EXPECT_TRUE(v.cleared()) << ids(v);
    EXPECT_EQ(v.rule_id, "POL-VERIFY-TEST");

    v = check_verification_test(nullptr, std::nullopt, p);
    EXPECT_TRUE(has(v, rule::kNumUnknown));
    EXPECT_FALSE(v.cleared());

    DirectoryEntry attorney = entry(entry_id(C::Attorney));
    v = check_verification_test(&attorney, std::nullopt, p);
    ASSERT_TRUE(has(v, rule::kRefCategory));
    expect_referral(find(v, rule::kRefCategory)->next_step, "attorney");
    EXPECT_FALSE(v.cleared());

    v = check_verification_test(&unverified, TypedFaxNumber{"206-555-0201", "206-555-0202"}, p);
    EXPECT_TRUE(has(v, rule::kNumMismatch));
    v = check_verification_test(&unverified, TypedFaxNumber{"206-555-0201", "206.555.0201"}, p);
    EXPECT_TRUE(v.cleared()) << ids(v);
}

// Free text of a request (section names, tags) is never echoed into findings: staff
// do paste record numbers into the wrong field.
TEST_F(PolicyCheck, FindingsNeverQuoteTheMemberReference) {
    ReleaseRequest r = make_request("unverified", P::Legal, "discharge_summary");
    r.sections = {"discharge_summary", kMember};
    r.documents[0].sections = {SectionTag{"discharge_summary", {1}}, SectionTag{kMember, {2}},
                               SectionTag{kMember + "-x", {3}}};
    r.documents[0].pages = {1, 2, 3, 4};
    r.justification = kMember;
    r.page_ceiling_override = kMember;
    r.recipient.attention = kMember;
    r.recipient.typed_fax = TypedFaxNumber{kMember, kMember};
    PolicyVerdict v = check(r);
    ASSERT_FALSE(v.findings.empty());
    for (const auto& f : v.findings) {
        EXPECT_EQ(f.message.find(kMember), std::string::npos) << f.rule_id << ": " << f.message;
        EXPECT_EQ(f.next_step.find(kMember), std::string::npos) << f.rule_id << ": " << f.next_step;
        EXPECT_EQ(f.field.find(kMember), std::string::npos) << f.rule_id;
    }
    EXPECT_TRUE(has(v, rule::kMinSections));
    EXPECT_TRUE(has(v, rule::kMinUndeclaredPages));
    EXPECT_TRUE(has(v, rule::kRefPurpose));
    EXPECT_TRUE(has(v, rule::kNumUnverified));
    EXPECT_TRUE(has(v, rule::kNumMismatch));
}

}  // namespace
}  // namespace fax::gate
