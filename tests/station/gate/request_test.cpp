#include "fax/gate/request.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "fax/gate/directory.h"
#include "fax/gate/policy.h"

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
         "documents[1].pages: not a page range (expected e.g. 1-3,5)"},
        {"page zero", [](json& j) { j["documents"][0]["pages"] = "0-2"; }, "documents[0].pages: pages are numbered from 1"},
        {"backwards tag", [](json& j) { j["documents"][1]["sections"][0]["pages"] = "5-3"; },
         "documents[1].sections[0].pages: a range runs backwards"},
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

// Issue #14: {"purpose":"legal","purpose":"treatment"} cleared (the last one won).
TEST(Request, DuplicateKeysAreRefusedNamingThePath) {
    const std::string good = good_request().dump();
    struct Case {
        std::string text;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {R"({"purpose":"legal","purpose":"treatment"})", "req.json: purpose: appears twice"},
        {R"({"recipient":{"attention":"A","attention":"B","directory_id":"x"}})", "req.json: recipient.attention: appears twice"},
        {R"({"documents":[{"path":"a"},{"path":"a","pages":"1","pages":"2"}]})", "req.json: documents[1].pages: appears twice"},
        {R"({"documents":[[1,2],{"x":{}},{"pages":"1","pages":"2"}]})", "req.json: documents[2].pages: appears twice"},
        // A key that is not a field name may be data: named by position, never quoted.
        {R"({"member":{")" + kMember + R"(":1,")" + kMember + R"(":2}})",
         "req.json: member.(a key that is not a field name): appears twice"},
    };
    for (const auto& c : cases) {
        auto r = parse_request_json(c.text, "req.json");
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_EQ(r.error().code, Errc::InvalidInput);
        EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << c.text << " -> " << r.error().message;
        EXPECT_EQ(r.error().message.find(kMember), std::string::npos) << r.error().message;
    }
    // The same reader serves the directory import file and the policy file.
    auto d = parse_directory_json(R"({"entries":[{"id":"a","id":"b"}]})", "dir.json");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("dir.json: entries[0].id: appears twice"), std::string::npos) << d.error().message;
    auto p = parse_policy_json(R"({"verification":{"reverification_days":30,"reverification_days":3650}})", "policy.json");
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("policy.json: verification.reverification_days: appears twice"), std::string::npos)
        << p.error().message;
    // Same keys in different objects are not duplicates.
    ASSERT_TRUE(parse_request_json(good, "req.json").ok());
}

// Every text field has a bound (request_limits, docs/policy.md): one character over is
// a format error naming the field and the bound; at the bound it parses.
TEST(Request, TextFieldsHaveBounds) {
    namespace L = request_limits;
    struct Case {
        std::string field;
        std::function<void(json&, const std::string&)> set;
        std::size_t max;
    };
    const std::vector<Case> cases = {
        {"requester.staff_id", [](json& j, const std::string& v) { j["requester"]["staff_id"] = v; }, L::kMaxIdChars},
        {"requester.name", [](json& j, const std::string& v) { j["requester"]["name"] = v; }, L::kMaxNameChars},
        {"member.record_reference", [](json& j, const std::string& v) { j["member"]["record_reference"] = v; },
         L::kMaxIdChars},
        {"recipient.directory_id", [](json& j, const std::string& v) { j["recipient"]["directory_id"] = v; },
         L::kMaxIdChars},
        {"recipient.attention", [](json& j, const std::string& v) { j["recipient"]["attention"] = v; }, L::kMaxNameChars},
        {"recipient.typed_fax.first", [](json& j, const std::string& v) { j["recipient"]["typed_fax"]["first"] = v; },
         L::kMaxPhoneChars},
        {"recipient.typed_fax.second", [](json& j, const std::string& v) { j["recipient"]["typed_fax"]["second"] = v; },
         L::kMaxPhoneChars},
        {"sections[1]", [](json& j, const std::string& v) { j["sections"][1] = v; }, L::kMaxSectionChars},
        {"justification", [](json& j, const std::string& v) { j["justification"] = v; }, L::kMaxJustificationChars},
        {"page_ceiling_override", [](json& j, const std::string& v) { j["page_ceiling_override"] = v; },
         L::kMaxOverrideChars},
        {"documents[0].path", [](json& j, const std::string& v) { j["documents"][0]["path"] = v; }, L::kMaxPathChars},
        {"documents[0].section", [](json& j, const std::string& v) { j["documents"][0]["section"] = v; },
         L::kMaxSectionChars},
        {"documents[1].sections[0].section",
         [](json& j, const std::string& v) { j["documents"][1]["sections"][0]["section"] = v; }, L::kMaxSectionChars},
        {"sender.name", [](json& j, const std::string& v) { j["sender"]["name"] = v; }, L::kMaxNameChars},
        {"sender.department", [](json& j, const std::string& v) { j["sender"]["department"] = v; },
         L::kMaxDepartmentChars},
        {"sender.phone", [](json& j, const std::string& v) { j["sender"]["phone"] = v; }, L::kMaxPhoneChars},
        {"sender.fax", [](json& j, const std::string& v) { j["sender"]["fax"] = v; }, L::kMaxPhoneChars},
    };
    for (const auto& c : cases) {
        // Characters, not bytes: "é" is two bytes and one character.
        std::string at_bound;
        for (std::size_t i = 0; i < c.max; ++i) at_bound += "\xc3\xa9";
        json j = good_request();
        c.set(j, at_bound);
        EXPECT_TRUE(parse_request_json(j.dump(), "req.json").ok()) << c.field << " at its bound";
        j = good_request();
        c.set(j, at_bound + "x");
        auto r = parse_request_json(j.dump(), "req.json");
        ASSERT_FALSE(r.ok()) << c.field;
        EXPECT_EQ(r.error().code, Errc::InvalidInput);
        EXPECT_NE(r.error().message.find("req.json: " + c.field + ": is longer than " + std::to_string(c.max) +
                                         " characters"),
                  std::string::npos)
            << r.error().message;
    }
    // The page selections: their own bound (they are parsed after).
    json j = good_request();
    j["documents"][0]["pages"] = std::string(L::kMaxPageSelectionChars + 1, '1');
    auto r = parse_request_json(j.dump(), "req.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("documents[0].pages: is longer than 256 characters"), std::string::npos)
        << r.error().message;
    // Counts.
    j = good_request();
    for (int i = 0; i < 60; ++i) j["documents"].push_back(j["documents"][0]);
    r = parse_request_json(j.dump(), "req.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("documents: lists more than 50 documents"), std::string::npos);
    j = good_request();
    for (int i = 0; i < 40; ++i) j["sections"].push_back("s" + std::to_string(i));
    r = parse_request_json(j.dump(), "req.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("sections: lists more than 32 sections"), std::string::npos);
    // The whole text.
    const std::string big = good_request().dump() + std::string(L::kMaxFileBytes, ' ');
    r = parse_request_json(big, "req.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("req.json: the request is larger than 1048576 bytes"), std::string::npos);
}

// Control characters and terminal escapes are refused in every text field, naming it;
// justification and the override reason may have line breaks.
TEST(Request, ControlCharactersAreRefusedNamingTheField) {
    const std::vector<std::string> bads = {"Dr.\x1b[2J Raman", "Dr.\nRaman", "a\x7f", "a\xc2\x9b" "31m",
                                           std::string(1, '\0') + "x"};
    for (const std::string& bad : bads) {
        json j = good_request();
        j["recipient"]["attention"] = bad;
        auto r = parse_request_json(j.dump(), "req.json");
        ASSERT_FALSE(r.ok());
        EXPECT_NE(r.error().message.find("req.json: recipient.attention: contains a control character"),
                  std::string::npos)
            << r.error().message;
        EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos);
    }
    json j = good_request();
    j["sender"]["department"] = "HIM\x07";
    auto r = parse_request_json(j.dump(), "req.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("sender.department: contains a control character"), std::string::npos);
    j = good_request();
    j["justification"] = "Line one of the reasons.\nLine two.\r\n\tIndented.";
    EXPECT_TRUE(parse_request_json(j.dump(), "req.json").ok());
    j["justification"] = "Reasons \x1b]0;title\x07";
    r = parse_request_json(j.dump(), "req.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("justification: contains a control character"), std::string::npos);
}

// Issue #14: "documents[0].pages: 'TEST-000042' is not a page range" quoted the field.
// A member-reference-like value in any field that can be wrong gives an error without it.
TEST(Request, ErrorsNeverQuoteAFieldValue) {
    const std::string ref = "TEST-000042";
    const std::vector<std::function<void(json&)>> mutations = {
        [&](json& j) { j["documents"][0]["pages"] = ref; },
        [&](json& j) { j["documents"][0]["pages"] = "1-" + ref; },
        [&](json& j) { j["documents"][0]["pages"] = "99999-1"; },
        [&](json& j) { j["documents"][1]["sections"][0]["pages"] = ref; },
        [&](json& j) { j["purpose"] = ref; },
        [&](json& j) { j["format"] = ref; },
        [&](json& j) { j["recipient"]["attention"] = ref + "\x1b"; },
        [&](json& j) { j["requester"]["name"] = ref + std::string(100, 'x'); },
        [&](json& j) { j["documents"][0]["section"] = ref; j["documents"][0]["sections"] = json::array(); },
        [&](json& j) { j[ref] = 1; },
        [&](json& j) { j["recipient"][ref] = 1; },
    };
    for (std::size_t i = 0; i < mutations.size(); ++i) {
        json j = good_request();
        mutations[i](j);
        auto r = parse_request_json(j.dump(), "req.json");
        ASSERT_FALSE(r.ok()) << "case " << i;
        EXPECT_EQ(r.error().message.find("000042"), std::string::npos) << "case " << i << ": " << r.error().message;
        EXPECT_EQ(r.error().message.find("99999"), std::string::npos) << "case " << i << ": " << r.error().message;
    }
    // The directory import file.
    for (const char* text :
         {R"({"entries":[{"id":"a","organisation":"O","category":"TEST-000042","fax":"2065550142","voice":"2065550140"}]})",
          R"({"entries":[{"TEST-000042":"x"}]})", R"({"format":"TEST-000042","entries":[]})"}) {
        auto d = parse_directory_json(text, "dir.json");
        ASSERT_FALSE(d.ok()) << text;
        EXPECT_EQ(d.error().message.find("000042"), std::string::npos) << d.error().message;
    }
}

// A request path that is not a regular file is refused before it is opened for reading
// (a FIFO used to hang open() for ever); so is a file over the size bound.
TEST(Request, OnlyARegularFileOfBoundedSizeIsRead) {
    test::TempDir dir;
    const auto fifo = dir / "req.fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto r = load_request_file(fifo);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);
    EXPECT_NE(r.error().message.find("is not a regular file"), std::string::npos) << r.error().message;
    r = load_request_file(dir.path());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("is not a regular file"), std::string::npos) << r.error().message;
    r = load_request_file("/dev/zero");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("is not a regular file"), std::string::npos) << r.error().message;

    const auto big = dir / "big.json";
    {
        std::ofstream out(big, std::ios::binary);
        out << good_request().dump() << std::string(request_limits::kMaxFileBytes, ' ');
    }
    r = load_request_file(big);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);
    EXPECT_NE(r.error().message.find("larger than 1048576 bytes"), std::string::npos) << r.error().message;
    const auto ok = dir / "ok.json";
    {
        std::ofstream out(ok, std::ios::binary);
        out << good_request().dump();
    }
    EXPECT_TRUE(load_request_file(ok).ok());
}

}  // namespace
}  // namespace fax::gate
