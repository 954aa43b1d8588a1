// Policy files, JSON and TOML: whatever parses is a valid policy and round-trips.
#include <string_view>

#include "fax/gate/policy.h"
#include "fuzz_target.h"

namespace {

void check_policy(const fax::Result<fax::gate::Policy>& p) {
    if (!p.ok()) {
        FAX_FUZZ_CHECK(p.error().code == fax::Errc::InvalidInput);
        FAX_FUZZ_CHECK(!p.error().message.empty());
        return;
    }
    FAX_FUZZ_CHECK(p->validate().ok());
    const std::string once = fax::gate::policy_to_json(*p);
    auto again = fax::gate::parse_policy_json(once, "roundtrip.json");
    FAX_FUZZ_CHECK(again.ok());
    FAX_FUZZ_CHECK(fax::gate::policy_to_json(*again) == once);
}

}  // namespace

FAX_FUZZ_TARGET(policy_file) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    check_policy(fax::gate::parse_policy_json(text, "fuzz.json"));
    check_policy(fax::gate::parse_policy_toml(text, "fuzz.toml"));
}
