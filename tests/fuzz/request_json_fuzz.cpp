// Release request files: a malformed request is a clear error that never quotes the member
// reference or a page selection; a well-formed one round-trips through the writer, and its
// cover sheet (the fields a request puts on it, at whatever length the request bounds
// allow) is typeset without a crash: it renders, or is refused as not fitting the page.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fax/gate/cover_sheet.h"
#include "fax/gate/policy.h"
#include "fax/gate/request.h"
#include "fuzz_target.h"

namespace {

nlohmann::json parsed(std::string_view text) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return {};
    }
}

// The member reference as a JSON reader sees it, if the input carries one worth looking for.
std::string member_reference_of(const nlohmann::json& j) {
    if (!j.is_object()) return {};
    auto m = j.find("member");
    if (m == j.end() || !m->is_object()) return {};
    auto r = m->find("record_reference");
    if (r == m->end() || !r->is_string()) return {};
    std::string s = r->get<std::string>();
    return s.size() >= 6 ? s : std::string{};
}

// documents[].pages texts long enough to look for (issue #14: they were quoted).
std::vector<std::string> page_selections_of(const nlohmann::json& j) {
    std::vector<std::string> out;
    if (!j.is_object()) return out;
    auto d = j.find("documents");
    if (d == j.end() || !d->is_array()) return out;
    for (const auto& doc : *d) {
        if (!doc.is_object()) continue;
        auto p = doc.find("pages");
        if (p != doc.end() && p->is_string() && p->get<std::string>().size() >= 8) out.push_back(p->get<std::string>());
    }
    return out;
}

// The cover of a request as the gate builds it, with a directory entry standing in.
fax::gate::CoverFields cover_of(const fax::gate::ReleaseRequest& r) {
    fax::gate::CoverFields c;
    c.sender_name = r.sender.name;
    c.sender_department = r.sender.department;
    c.sender_phone = r.sender.phone;
    c.sender_fax = r.sender.fax;
    c.recipient_name = r.recipient.attention.empty() ? r.requester.name : r.recipient.attention;
    c.recipient_organisation = r.recipient.directory_id;
    c.recipient_fax = r.recipient.typed_fax ? r.recipient.typed_fax->first : std::string("+1 206-555-0142");
    c.recipient_phone = r.recipient.typed_fax ? r.recipient.typed_fax->second : std::string("+1 206-555-0140");
    c.date_time = "2025-03-01 14:00 PST";
    c.total_pages = r.selected_page_count() + 1;
    c.purpose = std::string(fax::gate::display_name(r.purpose));
    c.note = r.justification;
    c.confidentiality_statement = std::string(fax::gate::kPolicyConfidentialityStatement);
    return c;
}

}  // namespace

FAX_FUZZ_TARGET(request_json) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    auto r = fax::gate::parse_request_json(text, "fuzz.json");
    if (!r.ok()) {
        FAX_FUZZ_CHECK(r.error().code == fax::Errc::InvalidInput);
        FAX_FUZZ_CHECK(r.error().message.rfind("fuzz.json", 0) == 0);
        const nlohmann::json j = parsed(text);
        const std::string ref = member_reference_of(j);
        FAX_FUZZ_CHECK(ref.empty() || r.error().message.find(ref) == std::string::npos);
        for (const auto& pages : page_selections_of(j)) FAX_FUZZ_CHECK(r.error().message.find(pages) == std::string::npos);
        return;
    }
    const std::string once = fax::gate::request_to_json(*r);
    auto again = fax::gate::parse_request_json(once, "roundtrip.json");
    FAX_FUZZ_CHECK(again.ok());
    FAX_FUZZ_CHECK(fax::gate::request_to_json(*again) == once);

    // One renderer for the whole run: warm glyphs keep the fuzzer fast.
    static fax::gate::CoverRenderer covers;
    auto page = covers.render(cover_of(*r));
    // InvalidInput: the text does not fit the page; Io: the fonts are not installed.
    FAX_FUZZ_CHECK(page.ok() || page.error().code == fax::Errc::InvalidInput || page.error().code == fax::Errc::Io);
}
