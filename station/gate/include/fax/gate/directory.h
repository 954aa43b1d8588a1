// The recipient directory: who may receive faxes, at which verified number.
//
// SQLite is the embedded store (WAL, busy timeout, schema version in
// PRAGMA user_version). A number is verified by the two-step "test fax, then
// confirm" workflow: record_test_fax() notes that a cover-only test fax went to the
// current number (and whether the remote confirmed it), confirm_by_phone() records
// the recipient's telephone confirmation and makes the entry verified. Changing
// the fax number clears both. A verification older than the policy's interval
// counts as none.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/store/database.h"
#include "fax/gate/phone_number.h"
#include "fax/gate/vocabulary.h"


namespace fax::gate {

using TimePoint = std::chrono::system_clock::time_point;

struct TestFaxRecord {
    std::string job_id;
    TimePoint at{};
    bool delivered = false;   // the remote confirmed the page (MCF)
    std::string recorded_by;  // staff id, or "gate" when recorded from a transmission outcome
};

struct VerificationRecord {
    std::string staff_id;    // who recorded the confirmation
    std::string staff_name;
    TimePoint at{};
    // How: "test fax J-... delivered 2025-03-01 14:02 UTC; confirmed by telephone by
    // <recipient contact>; recorded by <staff name> (<staff id>)".
    std::string method;
};

struct DirectoryEntry {
    std::string id;
    std::string organisation;
    std::string person;
    RecipientCategory category = RecipientCategory::Other;
    PhoneNumber fax;
    PhoneNumber voice;
    std::optional<std::string> expected_csi;
    std::optional<TestFaxRecord> test_fax;            // latest test fax to the current number
    std::optional<VerificationRecord> verification;   // for the current number
    std::optional<std::string> observed_csi;          // last CSI seen on a call (for later verification)
    std::optional<TimePoint> observed_csi_at;
    TimePoint created_at{};
    TimePoint updated_at{};
};

enum class VerificationState {
    Unverified,            // no successful test fax to the current number
    AwaitingConfirmation,  // test fax delivered, no phone confirmation yet
    Verified,
    Expired,               // verified longer ago than the re-verification interval
};
std::string_view to_string(VerificationState s);

// Pure: no clock is read, `now` is handed in.
VerificationState verification_state(const DirectoryEntry& entry, TimePoint now, std::chrono::days interval);

// The longest names an entry may have, in characters (UTF-8 code points): they are
// printed on cover sheets and transmission reports, which must show them whole.
inline constexpr std::size_t kMaxOrganisationChars = 120;
inline constexpr std::size_t kMaxPersonChars = 80;

struct NewEntry {
    std::string id;            // [A-Za-z0-9._-], 1..64 characters
    std::string organisation;  // required; at most kMaxOrganisationChars, no control characters
    std::string person;        // optional (the cover then needs an attention name); at most kMaxPersonChars
    RecipientCategory category = RecipientCategory::Other;
    std::string fax;           // any form parse_phone_number accepts
    std::string voice;         // required: the confirmation call goes here
    std::optional<std::string> expected_csi;
};

struct PhoneConfirmation {
    std::string staff_id;           // who called
    std::string staff_name;
    std::string recipient_contact;  // who at the recipient confirmed receipt
    TimePoint at{};
};

// One line of an entry's verification history (kept forever, never updated).
struct DirectoryEvent {
    TimePoint at{};
    std::string kind;    // added, number_changed, test_fax, phone_confirmation, observed_csi
    std::string by;
    std::string detail;
};

// Entries to add, from a JSON seed file (examples/directory.json; format in
// docs/policy.md). Imported entries start unverified.
Result<std::vector<NewEntry>> parse_directory_json(std::string_view text, std::string_view source_name);

class Directory {
public:
    static constexpr int kSchemaVersion = 1;

    // Opens (creating or migrating) the directory database. ":memory:" works for tests.
    static Result<Directory> open(const std::filesystem::path& path);
    // The directory's tables in `db` (SQLite file or the shared PostgreSQL database).
    static Result<Directory> open(std::shared_ptr<store::Database> db, store::SchemaPolicy policy);

    Directory(Directory&&) noexcept;
    Directory& operator=(Directory&&) noexcept;
    ~Directory();

    // InvalidInput for a malformed field (naming it), InvalidArgument for a duplicate id.
    Result<DirectoryEntry> add(const NewEntry& entry, TimePoint now);
    Result<DirectoryEntry> get(std::string_view id) const;  // NotFound if absent
    Result<std::optional<DirectoryEntry>> find(std::string_view id) const;
    Result<std::vector<DirectoryEntry>> list() const;
    Result<std::vector<DirectoryEvent>> history(std::string_view id) const;

    // Replaces the fax number; the entry becomes unverified.
    Result<DirectoryEntry> change_fax_number(std::string_view id, std::string_view fax, std::string_view by,
                                             TimePoint now);
    Result<DirectoryEntry> set_expected_csi(std::string_view id, std::optional<std::string> csi,
                                            std::string_view by, TimePoint now);

    // Step 1: a verification test fax went to the current number.
    Result<DirectoryEntry> record_test_fax(std::string_view id, const TestFaxRecord& record);
    // Step 2: the recipient confirmed by telephone. PolicyRefused unless a delivered
    // test fax to the current number is on record, at or before the confirmation, and
    // not already confirmed (re-verification needs a new test fax).
    Result<DirectoryEntry> confirm_by_phone(std::string_view id, const PhoneConfirmation& confirmation);
    // The CSI a remote station reported; where the entry has no expected CSI this is
    // what a person later checks and adopts with set_expected_csi().
    Status record_observed_csi(std::string_view id, std::string_view csi, TimePoint at);

private:
    explicit Directory(std::shared_ptr<store::Database> db);
    Status add_event(std::string_view id, TimePoint at, std::string_view kind, std::string_view by,
                     std::string_view detail);

    std::shared_ptr<store::Database> db_;
};

}  // namespace fax::gate
