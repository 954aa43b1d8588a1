// Set-up for the fault suite, trimmed from tests/integration/fixture.h (copied, not
// shared, so the two suites can change independently): ITU charts as fax TIFFs, and
// releases cleared by the real release gate for a verified directory entry.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/driver/cleared_release.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/gate/document_io.h"
#include "fax/gate/release_gate.h"
#include "fax/t30/bitmap.h"
#include "fax/t30/tiff_io.h"

namespace fax::faulttest {

// A fresh temporary directory, removed on destruction (kept with FAX_KEEP_TEST_FILES=1).
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// ITU-T T.24 chart n (1..8) at 204x196 dpi.
t30::Bitmap itu_chart(int n);
// Writes the given charts as one multi-page fax TIFF; returns its path.
std::string write_charts(const TempDir& dir, const std::vector<int>& charts, const std::string& name);

// The recipient's number as the directory holds it, and the digits dialled.
struct TestNumber {
    const char* fax;
    const char* dial;
};
inline constexpr TestNumber kTerminalNumber{"206-555-1009", "12065551009"};
// The sending modem's line.
inline constexpr const char* kModemNumber = "5551001";
// The member reference of every release cleared here (stored in the audit trail only).
inline constexpr const char* kMemberReference = "MRN-FAULTS-0001";

// Clears every page of `tiff` (tagged discharge_summary, purpose treatment) for a KP
// provider at `number` whose number was verified by test fax and telephone
// confirmation, through a ReleaseGate on SQLite files in <dir>/gate. The cleared
// TIFF (release.tiff_path()) holds the gate's cover as page 1, then the document.
Result<gate::ClearedRelease> clear_for_test(const TempDir& dir, const std::string& tiff, const TestNumber& number,
                                            const std::optional<std::string>& expected_csi = std::nullopt);

}  // namespace fax::faulttest
