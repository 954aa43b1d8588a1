#include "fax/gate/request.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "gate_fixture.h"

namespace fax::gate {
namespace {

using nlohmann::json;
using test::kMember;

json good_request() {
    return json::parse(R"({
      "format": "fax-release-request/1",
      "requester": {"staff_id": "E1", "name": "Dana"},
      "member": {"record_reference": "MRN-7731-0042-QZX"},
      "recipient": {"directory_id": "kp-cardio", "attention": "Dr. Raman",
                    "typed_fax": {"first": "206-555-0142", "second": "2065550142"}},
      "purpose": "treatment",
      "sections": ["discharge_summary", "lab_results"],
      "justification": "Follow-up needs these.",
      "page_ceiling_override": "complex case",
      "documents": [
        {"path": "a.tif", "pages": "1-2", "section": "discharge_summary"},
        {"path": "b.tif", "pages": "1,3",
         "sections": [{"section": "lab_results", "pages": "1-3"}]}
      ],
      "sender": {"name": "Dana", "department": "ROI", "phone": "206-555-0100", "fax": "206-555-0199"}
    })");
}

TEST(Request, ParsesEveryField) {
    auto r = parse_request_json(good_request().dump(), "req.json");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->requester.staff_id, "E1");
    EXPECT_EQ(r->member_reference, kMember);
    EXPECT_EQ(r->recipient.directory_id, "kp-cardio");
    EXPECT_EQ(r->recipient.attention, "Dr. Raman");
    ASSERT_TRUE(r->recipient.typed_fax.has_value());
    EXPECT_EQ(r->recipient.typed_fax->second, "2065550142");
    EXPECT_EQ(r->purpose, Purpose::Treatment);
    EXPECT_EQ(r->sections.size(), 2u);
    ASSERT_EQ(r->documents.size(), 2u);
    EXPECT_EQ(r->documents[0].pages, (std::vector<int>{1, 2}));
    ASSERT_EQ(r->documents[0].sections.size(), 1u);  // the 'section' shorthand
    EXPECT_EQ(r->documents[0].sections[0].pages, (std::vector<int>{1, 2}));
    EXPECT_EQ(r->documents[1].sections[0].pages, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(r->selected_page_count(), 4);
    EXPECT_EQ(r->page_ceiling_override.value_or(""), "complex case");
    EXPECT_EQ(r->sender.fax, "206-555-0199");
}

TEST(Request, RoundTripsThroughJson) {
    auto r = parse_request_json(good_request().dump(), "req.json");
    ASSERT_TRUE(r.ok());
    auto again = parse_request_json(request_to_json(*r), "again.json");
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(request_to_json(*again), request_to_json(*r));
}

// Each malformed request names the field path.
TEST(Request, MalformedRequestsNameTheField) {
    struct Case {
        std::string name;
        std::function<void(json&)> mutate;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {"no requester", [](json& j) { j.erase("requester"); }, "req.json: requester: is required"},
        {"staff id number", [](json& j) { j["requester"]["staff_id"] = 7; }, "requester.staff_id: must be a string"},
        {"no member", [](json& j) { j.erase("member"); }, "member: is required"},
        {"empty member", [](json& j) { j["member"]["record_reference"] = " "; },
         "member.record_reference: must not be empty"},
        {"no documents", [](json& j) { j["documents"] = json::array(); }, "documents: must list at least one document"},
        {"documents not list", [](json& j) { j["documents"] = "a.tif"; }, "documents: must be a list"},
        {"open range", [](json& j) { j["documents"][1]["pages"] = "3-"; },
         "documents[1].pages: '3-' is not a page range"},
        {"page zero", [](json& j) { j["documents"][0]["pages"] = "0-2"; }, "documents[0].pages: '0-2': pages are numbered from 1"},
        {"backwards tag", [](json& j) { j["documents"][1]["sections"][0]["pages"] = "5-3"; },
         "documents[1].sections[0].pages: '5-3': range 5-3 runs backwards"},
        {"doc without path", [](json& j) { j["documents"][0].erase("path"); }, "documents[0].path: is required"},
        {"both section forms", [](json& j) { j["documents"][1]["section"] = "lab_results"; },
         "documents[1].section: give either"},
        {"unknown purpose", [](json& j) { j["purpose"] = "fishing"; }, "purpose: is not a known purpose"},
        {"purpose missing", [](json& j) { j.erase("purpose"); }, "purpose: is required"},
        {"typo key", [](json& j) { j["justfication"] = "x"; }, "justfication: is not a known field"},
        {"sections not strings", [](json& j) { j["sections"] = json::array({1}); }, "sections[0]: must be a string"},
        {"recipient id missing", [](json& j) { j["recipient"].erase("directory_id"); },
         "recipient.directory_id: is required"},
        {"sender phone number", [](json& j) { j["sender"]["phone"] = 2065550100; }, "sender.phone: must be a string"},
        {"wrong format", [](json& j) { j["format"] = "v2"; }, "format: must be"},
        {"top level array", [](json& j) { j = json::array(); }, "(top level): must be an object"},
    };
    for (const auto& c : cases) {
        json j = good_request();
        c.mutate(j);
        auto r = parse_request_json(j.dump(), "req.json");
        ASSERT_FALSE(r.ok()) << c.name;
        EXPECT_EQ(r.error().code, Errc::InvalidInput) << c.name;
        EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << c.name << ": " << r.error().message;
        EXPECT_EQ(r.error().message.find(kMember), std::string::npos) << c.name;
    }
}

TEST(Request, SyntaxErrorsGivePositionNotContent) {
    const std::string text = "{\n  \"member\": {\"record_reference\": \"" + kMember + "\" x}\n}";
    auto r = parse_request_json(text, "req.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("req.json: not valid JSON (syntax error at line 2"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find(kMember), std::string::npos);
    EXPECT_EQ(r.error().message.find("QZX"), std::string::npos);
}

TEST(Request, MissingSenderAndJustificationAreLeftForTheGateToRefuse) {
    json j = good_request();
    j.erase("sender");
    j.erase("justification");
    j["sections"] = json::array();
    auto r = parse_request_json(j.dump(), "req.json");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->sender.phone.empty());
    EXPECT_TRUE(r->justification.empty());
    EXPECT_TRUE(r->sections.empty());
}

TEST(Request, ExampleFilesParseAndResolvePaths) {
    for (const char* name : {"request-treatment.json", "request-payer-certification.json", "request-refused-attorney.json"}) {
        const auto path = std::filesystem::path(FAX_SOURCE_DIR) / "examples" / name;
        auto r = load_request_file(path);
        ASSERT_TRUE(r.ok()) << name << ": " << r.error().to_string();
        for (const auto& d : r->documents)
            EXPECT_EQ(std::filesystem::path(d.path).parent_path(),
                      (std::filesystem::path(FAX_SOURCE_DIR) / "examples" / "documents").lexically_normal());
    }
    auto missing = load_request_file("/nonexistent/req.json");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::NotFound);
}

// The JSON examples in docs/policy.md are real files of their formats.
TEST(Request, ExamplesInTheDocumentationParse) {
    std::ifstream in(std::filesystem::path(FAX_SOURCE_DIR) / "docs" / "policy.md");
    ASSERT_TRUE(in) << "docs/policy.md";
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();
    std::vector<std::string> blocks;
    for (std::size_t at = doc.find("```json\n"); at != std::string::npos; at = doc.find("```json\n", at + 1)) {
        const std::size_t start = at + 8;
        const std::size_t end = doc.find("```", start);
        ASSERT_NE(end, std::string::npos);
        blocks.push_back(doc.substr(start, end - start));
    }
    ASSERT_EQ(blocks.size(), 2u);
    auto r = parse_request_json(blocks[0], "policy.md request");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->documents.size(), 2u);
    EXPECT_FALSE(r->page_ceiling_override.has_value());
    auto d = parse_directory_json(blocks[1], "policy.md directory");
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    EXPECT_EQ(d->size(), 1u);
}

}  // namespace
}  // namespace fax::gate
