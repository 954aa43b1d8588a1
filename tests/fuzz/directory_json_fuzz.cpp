// Directory seed files (examples/directory.json format).
#include <string_view>

#include "fax/gate/directory.h"
#include "fuzz_target.h"

FAX_FUZZ_TARGET(directory_json) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    auto r = fax::gate::parse_directory_json(text, "fuzz.json");
    if (!r.ok()) {
        FAX_FUZZ_CHECK(r.error().code == fax::Errc::InvalidInput);
        FAX_FUZZ_CHECK(r.error().message.rfind("fuzz.json", 0) == 0);
        return;
    }
    for (const auto& e : *r) FAX_FUZZ_CHECK(!e.id.empty());
}
