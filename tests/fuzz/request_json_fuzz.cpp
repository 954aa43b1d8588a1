// Release request files: a malformed request is a clear error that never quotes the member
// reference; a well-formed one round-trips through the writer.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fax/gate/request.h"
#include "fuzz_target.h"

namespace {

// The member reference as a JSON reader sees it, if the input carries one worth looking for.
std::string member_reference_of(std::string_view text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return {};
    }
    if (!j.is_object()) return {};
    auto m = j.find("member");
    if (m == j.end() || !m->is_object()) return {};
    auto r = m->find("record_reference");
    if (r == m->end() || !r->is_string()) return {};
    std::string s = r->get<std::string>();
    return s.size() >= 6 ? s : std::string{};
}

}  // namespace

FAX_FUZZ_TARGET(request_json) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    auto r = fax::gate::parse_request_json(text, "fuzz.json");
    if (!r.ok()) {
        FAX_FUZZ_CHECK(r.error().code == fax::Errc::InvalidInput);
        FAX_FUZZ_CHECK(r.error().message.rfind("fuzz.json", 0) == 0);
        const std::string ref = member_reference_of(text);
        FAX_FUZZ_CHECK(ref.empty() || r.error().message.find(ref) == std::string::npos);
        return;
    }
    const std::string once = fax::gate::request_to_json(*r);
    auto again = fax::gate::parse_request_json(once, "roundtrip.json");
    FAX_FUZZ_CHECK(again.ok());
    FAX_FUZZ_CHECK(fax::gate::request_to_json(*again) == once);
}
