// Shared set-up for every test that sends a release (integration, faults, Class 2.0,
// interop, USB): ITU charts as fax TIFFs and releases for the transmit path — cleared
// by the real release gate, never constructed any other way. Library fax_test_release.
#pragma once

#include <filesystem>
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
#include "itu_chart.h"

namespace fax::testing {

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

// ITU-T T.24 chart n (1..8) at 204x196 dpi, read from testdata/itu/.
t30::Bitmap itu_chart(int n);
// Writes the given charts as one multi-page fax TIFF.
std::string write_charts(const TempDir& dir, const std::vector<int>& charts, const std::string& name,
                         t30::TiffCompression c = t30::TiffCompression::T4_1D);
// The same at `path` (e.g. over a spooled file, to tamper with it); the error if any.
Status write_charts_at(const std::string& path, const std::vector<int>& charts,
                       t30::TiffCompression c = t30::TiffCompression::T4_1D);

// A recipient's fax number as the directory holds it, and the digits the gate then
// has the modem dial (PhoneNumber::dial: "1" + ten digits for a NANP number). The
// cover sheet needs a public number (COVER-RECIPIENT-FAX), so simulated lines that
// receive releases are numbered with the dial form.
struct TestNumber {
    const char* fax;
    const char* dial;
};
inline constexpr TestNumber kTerminalNumber{"206-555-1009", "12065551009"};
inline constexpr TestNumber kModemBNumber{"206-555-1002", "12065551002"};

// The member reference of every release the tests clear (stored in the audit trail only).
inline constexpr const char* kMemberReference = "MRN-INTEGRATION-0001";

// The gate's fixed "now" (the gate reads no clock): 2026-03-02 10:00 UTC.
gate::TimePoint gate_now();

// A ReleaseGate on SQLite files in <dir>/gate (directory.db, audit.db) with its spool in
// <dir>/gate/spool, using the default policy. Opening the same TempDir twice reuses the
// same databases, so a second TestGate sees the first one's entries and audit trail.
class TestGate {
public:
    explicit TestGate(const TempDir& dir);
    TestGate(const TestGate&) = delete;
    TestGate& operator=(const TestGate&) = delete;

    // False if a database could not be opened (the test has already failed then).
    bool ready() const { return gate_ != nullptr; }

    // Adds directory entry `id` (a KP provider at `fax`) unless it exists, and verifies
    // its number through the two-step workflow: a delivered test fax recorded
    // (record_test_fax), then the recipient's telephone confirmation (confirm_by_phone).
    Status add_verified_recipient(const std::string& id, const std::string& fax,
                                  const std::optional<std::string>& expected_csi = std::nullopt);

    // Evaluates a treatment release of every page of `tiff` (tagged discharge_summary)
    // to entry `id`. The token comes from the gate's Decision; a refusal is an error
    // (PolicyRefused) naming the rule ids.
    Result<gate::ClearedRelease> clear_document(const std::string& tiff, const std::string& id);

    gate::ReleaseGate& gate() { return *gate_; }
    gate::AuditLog& audit() { return *audit_; }
    gate::Directory& directory() { return *directory_; }

private:
    std::optional<gate::Directory> directory_;
    std::optional<gate::AuditLog> audit_;
    std::unique_ptr<gate::DocumentIo> documents_;
    std::unique_ptr<gate::ReleaseGate> gate_;
};

// Clears `tiff_path` for transmission to `number` the way production does: through the
// release gate (a TestGate on `dir`), for a directory entry whose number was verified by
// test fax and telephone confirmation. The cleared TIFF (release.tiff_path(), in the
// spool) has the gate's cover sheet as page 1, then the document's pages.
Result<gate::ClearedRelease> clear_for_test(const TempDir& dir, const std::string& tiff_path,
                                            const TestNumber& number,
                                            const std::optional<std::string>& expected_csi = std::nullopt);

// The same for a recipient known only by its directory fax number (any form the
// directory accepts, e.g. "206-555-0110"); the release's dial_number() is the number the
// simulated recipient must be reachable at.
Result<gate::ClearedRelease> clear_for_fax(const TempDir& dir, const std::string& tiff_path, const std::string& fax,
                                           const std::optional<std::string>& expected_csi = std::nullopt);

// What a receiver must hold after a release of `document_tiff` went through: page 1
// pixel-identical to the cover the gate spooled (page 1 of `spooled_tiff`), pages 2..n
// identical to the document's pages (the received page may carry up to
// max_top_offset extra blank rows above the content, as efax's header band). Also
// checks that the spooled pages 2..n are the document's pages.
void expect_release_received(const std::string& document_tiff, const std::string& spooled_tiff,
                             const std::vector<t30::Bitmap>& received, int max_top_offset = 0);
void expect_release_received(const std::string& document_tiff, const std::string& spooled_tiff,
                             const std::string& received_tiff, int max_top_offset = 0);

}  // namespace fax::testing
