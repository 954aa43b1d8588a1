#include "fax/gate/policy.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "fax/gate/phone_number.h"
#include "json_fields.h"

namespace fax::gate {

using detail::Fields;
using detail::json;

namespace {

const std::vector<std::string> kClinicalSections = {
    "admission_record", "history_and_physical", "discharge_summary", "progress_notes",
    "consultation_notes", "operative_reports", "emergency_department_notes", "lab_results",
    "pathology_reports", "imaging_reports", "medication_list", "allergies",
    "problem_list", "immunizations", "vital_signs", "care_plan",
};

const std::vector<std::string> kSensitiveSections = {
    "psychotherapy_notes", "substance_use_disorder", "behavioral_health",
    "hiv_sti", "genetic_testing", "reproductive_health",
};

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

bool well_formed_rule_id(std::string_view id) {
    if (id.empty() || id.size() > 48) return false;
    return std::all_of(id.begin(), id.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

Policy Policy::defaults() {
    Policy p;
    using C = RecipientCategory;
    using P = Purpose;
    p.rules = {
        {std::string(rule::kProvKp),
         "Between Kaiser Permanente providers, including contracted providers, as necessary to support "
         "patient diagnosis, prognosis, and treatment",
         {C::KpProvider, C::ContractedProvider},
         {P::Diagnosis, P::Prognosis, P::Treatment}},
        {std::string(rule::kProvCommunity),
         "Between Kaiser Permanente and non-contracted community providers as necessary to support patient "
         "diagnosis, prognosis, and treatment",
         {C::CommunityProvider},
         {P::Diagnosis, P::Prognosis, P::Treatment}},
        {std::string(rule::kKpOps),
         "Between Kaiser Permanente facilities, business or operations units, and business associates to "
         "support care, operations, and quality oversight (such as for HEDIS or clinical review)",
         {C::KpFacility, C::KpBusinessUnit, C::BusinessAssociate},
         {P::Care, P::Operations, P::QualityOversight}},
        {std::string(rule::kPayerCert),
         "To third-party payers as required for certification of hospitalization",
         {C::ThirdPartyPayer},
         {P::HospitalizationCertification}},
    };

    p.known_sections = kClinicalSections;
    p.known_sections.push_back("utilization_review");
    p.sensitive_sections = kSensitiveSections;

    // Minimum-necessary defaults (docs/policy.md explains each choice).
    p.limits[P::Diagnosis] = {kClinicalSections, 50};
    p.limits[P::Prognosis] = {kClinicalSections, 50};
    p.limits[P::Treatment] = {kClinicalSections, 50};
    p.limits[P::Care] = {{"discharge_summary", "care_plan", "medication_list", "allergies", "problem_list",
                          "immunizations", "progress_notes", "consultation_notes", "lab_results"},
                         30};
    p.limits[P::Operations] = {
        {"admission_record", "discharge_summary", "operative_reports", "utilization_review", "problem_list"}, 20};
    p.limits[P::QualityOversight] = {{"discharge_summary", "lab_results", "immunizations", "medication_list",
                                      "problem_list", "vital_signs", "progress_notes", "pathology_reports",
                                      "imaging_reports"},
                                     30};
    p.limits[P::HospitalizationCertification] = {
        {"admission_record", "history_and_physical", "discharge_summary", "utilization_review",
         "operative_reports"},
        20};

    p.referral_contacts = {
        {"Western WA", "866-656-4184", "877-848-6896"},
        {"Eastern WA", "509-241-7824", "855-414-1751"},
    };
    return p;
}

const AllowRule* Policy::match(RecipientCategory category, Purpose purpose) const {
    for (const auto& r : rules) {
        const bool c = std::find(r.categories.begin(), r.categories.end(), category) != r.categories.end();
        const bool p = std::find(r.purposes.begin(), r.purposes.end(), purpose) != r.purposes.end();
        if (c && p) return &r;
    }
    return nullptr;
}

bool Policy::category_allowed(RecipientCategory category) const {
    for (const auto& r : rules)
        if (std::find(r.categories.begin(), r.categories.end(), category) != r.categories.end()) return true;
    return false;
}

const PurposeLimits* Policy::limits_for(Purpose purpose) const {
    const auto it = limits.find(purpose);
    return it == limits.end() ? nullptr : &it->second;
}

bool Policy::is_known_section(std::string_view section) const {
    return contains(known_sections, section) || contains(sensitive_sections, section);
}

bool Policy::is_sensitive_section(std::string_view section) const { return contains(sensitive_sections, section); }

std::string Policy::referral_text() const {
    std::string s = "Direct the request to the " + referral_department;
    if (!referral_contacts.empty()) s += ":";
    for (std::size_t i = 0; i < referral_contacts.size(); ++i) {
        const auto& c = referral_contacts[i];
        s += (i == 0 ? " " : "; ") + c.region + " - Phone: " + c.phone + " - Fax: " + c.fax;
    }
    s += ".";
    return s;
}

Status Policy::validate() const {
    auto bad = [](std::string msg) { return fail(Errc::InvalidInput, "policy: " + std::move(msg)); };
    if (rules.empty()) return bad("rules: at least one rule is needed");
    std::set<std::string> ids;
    std::set<std::pair<RecipientCategory, Purpose>> combos;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const auto& r = rules[i];
        const std::string where = "rules[" + std::to_string(i) + "]";
        if (!well_formed_rule_id(r.id)) return bad(where + ".id: must be 1-48 characters of A-Z, 0-9 and '-'");
        for (std::string_view reserved : {"REF-", "MIN-", "NUM-", "COVER-", "DOC-"})
            if (r.id.rfind(reserved, 0) == 0)
                return bad(where + ".id: '" + r.id + "' uses a prefix reserved for refusals");
        if (r.id == rule::kVerificationTest) return bad(where + ".id: '" + r.id + "' is reserved");
        if (!ids.insert(r.id).second) return bad(where + ".id: '" + r.id + "' is used twice");
        if (r.categories.empty()) return bad(where + ".categories: must not be empty");
        if (r.purposes.empty()) return bad(where + ".purposes: must not be empty");
        for (auto c : r.categories)
            for (auto p : r.purposes)
                if (!combos.insert({c, p}).second)
                    return bad(where + ": " + std::string(to_string(c)) + " x " + std::string(to_string(p)) +
                               " is already allowed by another rule");
        for (auto p : r.purposes) {
            const PurposeLimits* l = limits_for(p);
            if (l == nullptr || l->sections.empty())
                return bad(where + ": purpose " + std::string(to_string(p)) +
                           " is allowed but purposes." + std::string(to_string(p)) + ".sections is empty");
            if (l->page_ceiling < 1)
                return bad("purposes." + std::string(to_string(p)) + ".page_ceiling: must be at least 1");
        }
    }
    for (const auto& [purpose, l] : limits) {
        for (const auto& s : l.sections) {
            if (is_sensitive_section(s))
                return bad("purposes." + std::string(to_string(purpose)) + ".sections: '" + s +
                           "' is a sensitive section and cannot be allowed");
            if (!is_known_section(s))
                return bad("purposes." + std::string(to_string(purpose)) + ".sections: '" + s +
                           "' is not in known_sections");
        }
    }
    if (referral_department.empty()) return bad("referral.department: must not be empty");
    if (referral_contacts.empty()) return bad("referral.contacts: at least one contact is needed");
    for (std::size_t i = 0; i < referral_contacts.size(); ++i) {
        const auto& c = referral_contacts[i];
        const std::string where = "referral.contacts[" + std::to_string(i) + "]";
        if (c.region.empty()) return bad(where + ".region: must not be empty");
        if (!is_valid_public_number(c.phone)) return bad(where + ".phone: not a valid telephone number");
        if (!is_valid_public_number(c.fax)) return bad(where + ".fax: not a valid fax number");
    }
    if (reverification_interval.count() < 1) return bad("verification.reverification_days: must be at least 1");
    return {};
}

namespace {

template <typename E>
Result<std::vector<E>> enum_list(const Fields& f, std::string_view key, std::optional<E> (*parse)(std::string_view),
                                 std::string_view what) {
    auto names = f.string_list(key);
    if (!names) return fail(names.take_error());
    std::vector<E> out;
    for (std::size_t i = 0; i < names->size(); ++i) {
        const auto v = parse((*names)[i]);
        if (!v)
            return f.error(std::string(key) + "[" + std::to_string(i) + "]",
                           "'" + (*names)[i].substr(0, 40) + "' is not a known " + std::string(what));
        out.push_back(*v);
    }
    return out;
}

Status apply_policy_json(Policy& p, const Fields& root) {
    FAX_TRY(root.expect_object());
    FAX_TRY(root.only_keys({"format", "rules", "purposes", "known_sections", "sensitive_sections", "referral",
                            "verification", "minimum_necessary", "cover"}));
    if (root.has("format")) {
        auto fmt = root.required_string("format");
        if (!fmt) return fail(fmt.take_error());
        if (*fmt != "fax-release-policy/1") return root.error("format", "must be \"fax-release-policy/1\"");
    }
    if (root.has("rules")) {
        auto rules = root.array("rules", true);
        if (!rules) return fail(rules.take_error());
        p.rules.clear();
        for (const Fields& r : *rules) {
            FAX_TRY(r.expect_object());
            FAX_TRY(r.only_keys({"id", "description", "categories", "purposes"}));
            AllowRule rule;
            auto id = r.required_string("id");
            if (!id) return fail(id.take_error());
            rule.id = *id;
            auto desc = r.optional_string("description");
            if (!desc) return fail(desc.take_error());
            rule.description = *desc;
            auto cats = enum_list<RecipientCategory>(r, "categories", &parse_category, "recipient category");
            if (!cats) return fail(cats.take_error());
            rule.categories = std::move(*cats);
            auto purposes = enum_list<Purpose>(r, "purposes", &parse_purpose, "purpose");
            if (!purposes) return fail(purposes.take_error());
            rule.purposes = std::move(*purposes);
            p.rules.push_back(std::move(rule));
        }
    }
    if (root.has("known_sections")) {
        auto v = root.string_list("known_sections");
        if (!v) return fail(v.take_error());
        p.known_sections = std::move(*v);
    }
    if (root.has("sensitive_sections")) {
        auto v = root.string_list("sensitive_sections");
        if (!v) return fail(v.take_error());
        p.sensitive_sections = std::move(*v);
    }
    if (root.has("purposes")) {
        auto purposes = root.object("purposes");
        if (!purposes) return fail(purposes.take_error());
        for (const auto& [name, unused] : purposes->value().items()) {
            (void)unused;
            const auto purpose = parse_purpose(name);
            if (!purpose) return purposes->error(name.substr(0, 40), "is not a known purpose");
            auto f = purposes->object(name);
            if (!f) return fail(f.take_error());
            FAX_TRY(f->only_keys({"sections", "page_ceiling"}));
            PurposeLimits l = p.limits[*purpose];
            if (f->has("sections")) {
                auto s = f->string_list("sections");
                if (!s) return fail(s.take_error());
                l.sections = std::move(*s);
            }
            auto ceiling = f->maybe_integer("page_ceiling", 1, 10000);
            if (!ceiling) return fail(ceiling.take_error());
            if (*ceiling) l.page_ceiling = static_cast<int>(**ceiling);
            p.limits[*purpose] = std::move(l);
        }
    }
    if (root.has("referral")) {
        auto ref = root.object("referral");
        if (!ref) return fail(ref.take_error());
        FAX_TRY(ref->only_keys({"department", "contacts"}));
        if (ref->has("department")) {
            auto d = ref->required_string("department");
            if (!d) return fail(d.take_error());
            p.referral_department = *d;
        }
        if (ref->has("contacts")) {
            auto contacts = ref->array("contacts", true);
            if (!contacts) return fail(contacts.take_error());
            p.referral_contacts.clear();
            for (const Fields& c : *contacts) {
                FAX_TRY(c.expect_object());
                FAX_TRY(c.only_keys({"region", "phone", "fax"}));
                ReferralContact rc;
                auto region = c.required_string("region");
                if (!region) return fail(region.take_error());
                auto phone = c.required_string("phone");
                if (!phone) return fail(phone.take_error());
                auto fax = c.required_string("fax");
                if (!fax) return fail(fax.take_error());
                p.referral_contacts.push_back({*region, *phone, *fax});
            }
        }
    }
    if (root.has("verification")) {
        auto v = root.object("verification");
        if (!v) return fail(v.take_error());
        FAX_TRY(v->only_keys({"reverification_days"}));
        auto days = v->maybe_integer("reverification_days", 1, 3660);
        if (!days) return fail(days.take_error());
        if (*days) p.reverification_interval = std::chrono::days(**days);
    }
    if (root.has("minimum_necessary")) {
        auto m = root.object("minimum_necessary");
        if (!m) return fail(m.take_error());
        FAX_TRY(m->only_keys({"min_justification_chars"}));
        auto n = m->maybe_integer("min_justification_chars", 1, 1000);
        if (!n) return fail(n.take_error());
        if (*n) p.min_justification_chars = static_cast<std::size_t>(**n);
    }
    if (root.has("cover")) {
        auto c = root.object("cover");
        if (!c) return fail(c.take_error());
        FAX_TRY(c->only_keys({"title", "confidentiality_statement"}));
        if (c->has("title")) {
            auto t = c->optional_string("title");
            if (!t) return fail(t.take_error());
            p.cover_title = *t;
        }
        if (c->has("confidentiality_statement")) {
            // May be set empty: the gate then refuses every release (COVER-CONFIDENTIALITY).
            auto s = c->optional_string("confidentiality_statement");
            if (!s) return fail(s.take_error());
            p.confidentiality_statement = *s;
        }
    }
    return {};
}

Result<Policy> policy_from_json_value(const json& j, std::string_view source) {
    Policy p = Policy::defaults();
    try {
        FAX_TRY(apply_policy_json(p, Fields(j, std::string(source), "")));
    } catch (const std::exception&) {
        return fail(Errc::InvalidInput, std::string(source) + ": malformed policy");
    }
    auto st = p.validate();
    if (!st) return fail(Errc::InvalidInput, std::string(source) + ": " + st.error().message);
    return p;
}

json toml_to_json(const toml::node& n) {
    if (const auto* t = n.as_table()) {
        json o = json::object();
        for (const auto& [k, v] : *t) o[std::string(k.str())] = toml_to_json(v);
        return o;
    }
    if (const auto* a = n.as_array()) {
        json arr = json::array();
        for (const auto& v : *a) arr.push_back(toml_to_json(v));
        return arr;
    }
    if (const auto* s = n.as_string()) return s->get();
    if (const auto* i = n.as_integer()) return i->get();
    if (const auto* f = n.as_floating_point()) return f->get();
    if (const auto* b = n.as_boolean()) return b->get();
    std::ostringstream os;  // dates and times: as text (the policy has none)
    n.visit([&os](const auto& x) { os << x; });
    return os.str();
}

}  // namespace

Result<Policy> parse_policy_json(std::string_view text, std::string_view source_name) {
    auto j = detail::parse_json_text(text, source_name);
    if (!j) return fail(j.take_error());
    return policy_from_json_value(*j, source_name);
}

Result<Policy> parse_policy_toml(std::string_view text, std::string_view source_name) {
    json j;
    try {
        const toml::table t = toml::parse(text, std::string_view(source_name));
        j = toml_to_json(t);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        return fail(Errc::InvalidInput, std::string(source_name) + ": not valid TOML (line " +
                                            std::to_string(b.line) + ", column " + std::to_string(b.column) +
                                            "): " + std::string(e.description()));
    }
    return policy_from_json_value(j, source_name);
}

Result<Policy> load_policy_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Errc::NotFound, path.string() + ": cannot open the policy file");
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string ext = path.extension().string();
    if (ext == ".toml") return parse_policy_toml(ss.str(), path.filename().string());
    if (ext == ".json") return parse_policy_json(ss.str(), path.filename().string());
    return fail(Errc::InvalidInput, path.string() + ": policy files end in .toml or .json");
}

std::string policy_to_json(const Policy& p) {
    json j;
    j["format"] = "fax-release-policy/1";
    json rules = json::array();
    for (const auto& r : p.rules) {
        json cats = json::array();
        for (auto c : r.categories) cats.push_back(std::string(to_string(c)));
        json purposes = json::array();
        for (auto x : r.purposes) purposes.push_back(std::string(to_string(x)));
        rules.push_back({{"id", r.id}, {"description", r.description}, {"categories", cats}, {"purposes", purposes}});
    }
    j["rules"] = rules;
    json purposes = json::object();
    for (const auto& [purpose, l] : p.limits)
        purposes[std::string(to_string(purpose))] = {{"sections", l.sections}, {"page_ceiling", l.page_ceiling}};
    j["purposes"] = purposes;
    j["known_sections"] = p.known_sections;
    j["sensitive_sections"] = p.sensitive_sections;
    json contacts = json::array();
    for (const auto& c : p.referral_contacts) contacts.push_back({{"region", c.region}, {"phone", c.phone}, {"fax", c.fax}});
    j["referral"] = {{"department", p.referral_department}, {"contacts", contacts}};
    j["verification"] = {{"reverification_days", p.reverification_interval.count()}};
    j["minimum_necessary"] = {{"min_justification_chars", p.min_justification_chars}};
    j["cover"] = {{"title", p.cover_title}, {"confidentiality_statement", p.confidentiality_statement}};
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace fax::gate
