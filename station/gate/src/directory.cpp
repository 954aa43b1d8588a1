#include "fax/gate/directory.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "json_fields.h"
#include "time_format.h"

namespace fax::gate {

using detail::from_unix;
using store::Statement;
using detail::to_unix;

std::string_view to_string(VerificationState s) {
    switch (s) {
    case VerificationState::Unverified: return "unverified";
    case VerificationState::AwaitingConfirmation: return "awaiting_confirmation";
    case VerificationState::Verified: return "verified";
    case VerificationState::Expired: return "expired";
    }
    return "unverified";
}

VerificationState verification_state(const DirectoryEntry& e, TimePoint now, std::chrono::days interval) {
    if (e.verification) {
        if (now - e.verification->at > interval) return VerificationState::Expired;
        return VerificationState::Verified;
    }
    if (e.test_fax && e.test_fax->delivered) return VerificationState::AwaitingConfirmation;
    return VerificationState::Unverified;
}

namespace {

// Both backends (store::schema_sql); times are 64-bit on both.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE recipients (
  id                 TEXT PRIMARY KEY,
  organisation       TEXT NOT NULL,
  person             TEXT NOT NULL DEFAULT '',
  category           TEXT NOT NULL,
  fax_e164           TEXT,
  fax_dial           TEXT NOT NULL,
  voice_e164         TEXT,
  voice_dial         TEXT NOT NULL,
  expected_csi       TEXT,
  test_fax_job       TEXT,
  test_fax_at        %INT%,
  test_fax_delivered %INT%,
  test_fax_by        TEXT,
  verified_by_id     TEXT,
  verified_by_name   TEXT,
  verified_at        %INT%,
  verified_how       TEXT,
  observed_csi       TEXT,
  observed_csi_at    %INT%,
  created_at         %INT% NOT NULL,
  updated_at         %INT% NOT NULL
);
CREATE TABLE recipient_events (
  id           %ID%,
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  at           %INT% NOT NULL,
  kind         TEXT NOT NULL,
  by           TEXT NOT NULL,
  detail       TEXT NOT NULL
);
CREATE INDEX recipient_events_by_recipient ON recipient_events(recipient_id, id);
)sql";

constexpr const char* kSelectEntry =
    "SELECT id, organisation, person, category, fax_e164, fax_dial, voice_e164, voice_dial, expected_csi, "
    "test_fax_job, test_fax_at, test_fax_delivered, test_fax_by, verified_by_id, verified_by_name, verified_at, "
    "verified_how, observed_csi, observed_csi_at, created_at, updated_at FROM recipients";

DirectoryEntry read_entry(const Statement& s) {
    DirectoryEntry e;
    e.id = s.text(0);
    e.organisation = s.text(1);
    e.person = s.text(2);
    // A category this build does not know is treated as "other", which no rule allows.
    e.category = parse_category(s.text(3)).value_or(RecipientCategory::Other);
    e.fax.e164 = s.maybe_text(4).value_or("");
    e.fax.dial = s.text(5);
    e.voice.e164 = s.maybe_text(6).value_or("");
    e.voice.dial = s.text(7);
    e.expected_csi = s.maybe_text(8);
    if (!s.is_null(9)) {
        e.test_fax = TestFaxRecord{s.text(9), from_unix(s.integer(10)), s.integer(11) != 0, s.text(12)};
    }
    if (!s.is_null(15)) {
        e.verification = VerificationRecord{s.text(13), s.text(14), from_unix(s.integer(15)), s.text(16)};
    }
    e.observed_csi = s.maybe_text(17);
    if (auto t = s.maybe_integer(18)) e.observed_csi_at = from_unix(*t);
    e.created_at = from_unix(s.integer(19));
    e.updated_at = from_unix(s.integer(20));
    return e;
}

bool valid_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// A printable name of at most `max` characters (UTF-8 code points): no control
// characters (they would reach terminals and printed pages as they are).
Status checked_name(std::string_view field, const std::string& value, std::size_t max) {
    std::size_t chars = 0;
    for (unsigned char c : value) {
        if (c < 0x20 || c == 0x7f) return fail(Errc::InvalidInput, "directory: " + std::string(field) + ": control characters are not allowed");
        if ((c & 0xC0) != 0x80) ++chars;
    }
    if (chars > max)
        return fail(Errc::InvalidInput,
                    "directory: " + std::string(field) + ": at most " + std::to_string(max) + " characters");
    return {};
}

Result<std::string> checked_csi(const std::string& csi) {
    // T.30 §5.3.6.2.4: 20 characters; printable ASCII here (stations are not all conformant).
    if (csi.empty() || csi.size() > 20) return fail(Errc::InvalidInput, "expected_csi: must be 1 to 20 characters");
    for (char c : csi)
        if (c < 0x20 || c > 0x7e) return fail(Errc::InvalidInput, "expected_csi: must be printable ASCII");
    return csi;
}

// The id asked for is not quoted: until the directory knows it, it is whatever was
// typed (a record number pasted into the wrong field must not reach a message).
Unexpected not_found() {
    return fail(Errc::NotFound, "directory: no entry has this id");
}

}  // namespace

Result<std::vector<NewEntry>> parse_directory_json(std::string_view text, std::string_view source_name) {
    auto doc = detail::parse_json_text(text, source_name);
    if (!doc) return fail(doc.take_error());
    const detail::Fields root(*doc, std::string(source_name), "");
    std::vector<NewEntry> out;
    try {
        FAX_TRY(root.expect_object());
        FAX_TRY(root.only_keys({"format", "entries"}));
        if (root.has("format")) {
            auto fmt = root.required_string("format");
            if (!fmt) return fail(fmt.take_error());
            if (*fmt != "fax-recipient-directory/1")
                return root.error("format", "must be \"fax-recipient-directory/1\"");
        }
        auto entries = root.array("entries", true);
        if (!entries) return fail(entries.take_error());
        for (const auto& e : *entries) {
            FAX_TRY(e.expect_object());
            FAX_TRY(e.only_keys({"id", "organisation", "person", "category", "fax", "voice", "expected_csi"}));
            NewEntry n;
            for (auto [key, dest, required] :
                 {std::tuple{"id", &n.id, true}, std::tuple{"organisation", &n.organisation, true},
                  std::tuple{"person", &n.person, false}, std::tuple{"fax", &n.fax, true},
                  std::tuple{"voice", &n.voice, true}}) {
                auto v = required ? e.required_string(key) : e.optional_string(key);
                if (!v) return fail(v.take_error());
                *dest = *v;
            }
            auto cat = e.required_string("category");
            if (!cat) return fail(cat.take_error());
            const auto c = parse_category(*cat);
            if (!c) return e.error("category", "is not a known recipient category");
            n.category = *c;
            auto csi = e.maybe_string("expected_csi");
            if (!csi) return fail(csi.take_error());
            n.expected_csi = *csi;
            out.push_back(std::move(n));
        }
    } catch (const std::exception&) {
        return fail(Errc::InvalidInput, std::string(source_name) + ": malformed directory file");
    }
    return out;
}

Directory::Directory(std::shared_ptr<store::Database> db) : db_(std::move(db)) {}
Directory::Directory(Directory&&) noexcept = default;
Directory& Directory::operator=(Directory&&) noexcept = default;
Directory::~Directory() = default;

Result<Directory> Directory::open(const std::filesystem::path& path) {
    auto db = store::open_sqlite(path, "directory", false);
    if (!db) return fail(db.take_error());
    return open(std::shared_ptr<store::Database>(std::move(*db)), store::SchemaPolicy::Migrate);
}

Result<Directory> Directory::open(std::shared_ptr<store::Database> db, store::SchemaPolicy policy) {
    const auto migrate = [&](int) -> Status {
        FAX_TRY(db->exec(store::schema_sql(db->backend(), kSchemaV1)));
        return db->exec(store::append_only_sql(db->backend(), "recipient_events", "directory history is append-only"));
    };
    FAX_TRY(store::settle_schema(*db, "directory", kSchemaVersion, policy, migrate));
    return Directory(std::move(db));
}

Status Directory::add_event(std::string_view id, TimePoint at, std::string_view kind, std::string_view by,
                            std::string_view detail_text) {
    auto st = db_->prepare(
        "INSERT INTO recipient_events(recipient_id, at, kind, by, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, to_unix(at)).bind(3, kind).bind(4, by).bind(5, detail_text);
    return st->run();
}

Result<DirectoryEntry> Directory::add(const NewEntry& n, TimePoint now) {
    if (!valid_id(n.id))
        return fail(Errc::InvalidInput, "directory: id: must be 1 to 64 characters of letters, digits, '.', '_', '-'");
    if (blank(n.organisation)) return fail(Errc::InvalidInput, "directory: organisation: must not be empty");
    FAX_TRY(checked_name("organisation", n.organisation, kMaxOrganisationChars));
    FAX_TRY(checked_name("person", n.person, kMaxPersonChars));
    auto fax = parse_phone_number(n.fax, true);
    if (!fax) return fail(Errc::InvalidInput, "directory: fax: the number " + fax.error().message);
    auto voice = parse_phone_number(n.voice, true);
    if (!voice) return fail(Errc::InvalidInput, "directory: voice: the number " + voice.error().message);
    std::optional<std::string> csi;
    if (n.expected_csi && !n.expected_csi->empty()) {
        auto c = checked_csi(*n.expected_csi);
        if (!c) return fail(Errc::InvalidInput, "directory: " + c.error().message);
        csi = *c;
    }

    auto tx = db_->begin("directory");
    if (!tx) return fail(tx.take_error());
    auto existing = find(n.id);
    if (!existing) return fail(existing.take_error());
    if (*existing) return fail(Errc::InvalidArgument, "directory: an entry with id '" + n.id + "' already exists");

    auto st = db_->prepare("INSERT INTO recipients(id, organisation, person, category, fax_e164, fax_dial, "
                                 "voice_e164, voice_dial, expected_csi, created_at, updated_at) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
    if (!st) return fail(st.take_error());
    auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
    st->bind(1, n.id)
        .bind(2, n.organisation)
        .bind(3, n.person)
        .bind(4, to_string(n.category))
        .bind_opt(5, opt(fax->e164))
        .bind(6, fax->dial)
        .bind_opt(7, opt(voice->e164))
        .bind(8, voice->dial)
        .bind_opt(9, csi)
        .bind(10, to_unix(now));
    FAX_TRY(st->run());
    FAX_TRY(add_event(n.id, now, "added", "", "category " + std::string(to_string(n.category)) + ", fax " + fax->display()));
    FAX_TRY(tx->commit());
    return get(n.id);
}

Result<std::optional<DirectoryEntry>> Directory::find(std::string_view id) const {
    auto st = db_->prepare(std::string(kSelectEntry) + " WHERE id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id);
    auto row = st->step();
    if (!row) return fail(row.take_error());
    if (!*row) return std::optional<DirectoryEntry>();
    return std::optional<DirectoryEntry>(read_entry(*st));
}

Result<DirectoryEntry> Directory::get(std::string_view id) const {
    auto e = find(id);
    if (!e) return fail(e.take_error());
    if (!*e) return not_found();
    return std::move(**e);
}

Result<std::vector<DirectoryEntry>> Directory::list() const {
    auto st = db_->prepare(std::string(kSelectEntry) + " ORDER BY id");
    if (!st) return fail(st.take_error());
    std::vector<DirectoryEntry> out;
    while (true) {
        auto row = st->step();
        if (!row) return fail(row.take_error());
        if (!*row) break;
        out.push_back(read_entry(*st));
    }
    return out;
}

Result<std::vector<DirectoryEvent>> Directory::history(std::string_view id) const {
    auto st = db_->prepare("SELECT at, kind, by, detail FROM recipient_events WHERE recipient_id = ?1 ORDER BY id");
    if (!st) return fail(st.take_error());
    st->bind(1, id);
    std::vector<DirectoryEvent> out;
    while (true) {
        auto row = st->step();
        if (!row) return fail(row.take_error());
        if (!*row) break;
        out.push_back({from_unix(st->integer(0)), st->text(1), st->text(2), st->text(3)});
    }
    return out;
}

Result<DirectoryEntry> Directory::change_fax_number(std::string_view id, std::string_view fax_text, std::string_view by,
                                                    TimePoint now) {
    auto fax = parse_phone_number(fax_text, true);
    if (!fax) return fail(Errc::InvalidInput, "directory: fax: the number " + fax.error().message);
    auto tx = db_->begin("directory");
    if (!tx) return fail(tx.take_error());
    auto cur = get(id);
    if (!cur) return fail(cur.take_error());
    // A new number is a new recipient as far as verification goes: clear the test fax,
    // the confirmation and the observed station id.
    auto st = db_->prepare("UPDATE recipients SET fax_e164 = ?2, fax_dial = ?3, test_fax_job = NULL, "
                                 "test_fax_at = NULL, test_fax_delivered = NULL, test_fax_by = NULL, "
                                 "verified_by_id = NULL, verified_by_name = NULL, verified_at = NULL, "
                                 "verified_how = NULL, observed_csi = NULL, observed_csi_at = NULL, updated_at = ?4 "
                                 "WHERE id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id)
        .bind_opt(2, fax->e164.empty() ? std::nullopt : std::optional<std::string>(fax->e164))
        .bind(3, fax->dial)
        .bind(4, to_unix(now));
    FAX_TRY(st->run());
    FAX_TRY(add_event(id, now, "number_changed", by, "fax " + cur->fax.display() + " -> " + fax->display()));
    FAX_TRY(tx->commit());
    return get(id);
}

Result<DirectoryEntry> Directory::set_expected_csi(std::string_view id, std::optional<std::string> csi,
                                                   std::string_view by, TimePoint now) {
    if (csi && !csi->empty()) {
        auto c = checked_csi(*csi);
        if (!c) return fail(Errc::InvalidInput, "directory: " + c.error().message);
    } else {
        csi.reset();
    }
    auto tx = db_->begin("directory");
    if (!tx) return fail(tx.take_error());
    auto cur = get(id);
    if (!cur) return fail(cur.take_error());
    auto st = db_->prepare("UPDATE recipients SET expected_csi = ?2, updated_at = ?3 WHERE id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind_opt(2, csi).bind(3, to_unix(now));
    FAX_TRY(st->run());
    FAX_TRY(add_event(id, now, "expected_csi", by, csi ? "expected CSI '" + *csi + "'" : "expected CSI cleared"));
    FAX_TRY(tx->commit());
    return get(id);
}

Result<DirectoryEntry> Directory::record_test_fax(std::string_view id, const TestFaxRecord& r) {
    if (r.job_id.empty()) return fail(Errc::InvalidArgument, "directory: test fax: job id is empty");
    auto tx = db_->begin("directory");
    if (!tx) return fail(tx.take_error());
    auto cur = get(id);
    if (!cur) return fail(cur.take_error());
    auto st = db_->prepare("UPDATE recipients SET test_fax_job = ?2, test_fax_at = ?3, test_fax_delivered = ?4, "
                                 "test_fax_by = ?5, updated_at = ?3 WHERE id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, r.job_id).bind(3, to_unix(r.at)).bind(4, int64_t{r.delivered ? 1 : 0}).bind(5, r.recorded_by);
    FAX_TRY(st->run());
    FAX_TRY(add_event(id, r.at, "test_fax", r.recorded_by,
                      "test fax " + r.job_id + (r.delivered ? " delivered (confirmed by the remote)" : " not delivered") +
                          " to " + cur->fax.display()));
    FAX_TRY(tx->commit());
    return get(id);
}

Result<DirectoryEntry> Directory::confirm_by_phone(std::string_view id, const PhoneConfirmation& c) {
    if (blank(c.staff_id) || blank(c.staff_name))
        return fail(Errc::InvalidInput, "directory: confirmation: the staff member's id and name are required");
    if (blank(c.recipient_contact))
        return fail(Errc::InvalidInput,
                    "directory: confirmation: the name of the person at the recipient who confirmed is required");
    auto tx = db_->begin("directory");
    if (!tx) return fail(tx.take_error());
    auto cur = get(id);
    if (!cur) return fail(cur.take_error());
    if (!cur->test_fax || !cur->test_fax->delivered)
        return fail(Errc::PolicyRefused, "directory: entry '" + cur->id +
                                             "': no delivered verification test fax to the current number is on "
                                             "record; send the test fax first");
    if (cur->test_fax->at > c.at)
        return fail(Errc::PolicyRefused,
                    "directory: entry '" + cur->id + "': the confirmation predates the test fax it would confirm");
    // One test fax, one confirmation: re-verifying (after expiry, say) needs a new test
    // fax, or a phone call alone would renew a years-old test indefinitely.
    if (cur->verification && cur->verification->at >= cur->test_fax->at)
        return fail(Errc::PolicyRefused, "directory: entry '" + cur->id +
                                             "': the latest test fax was already confirmed; send a new test fax to "
                                             "verify the number again");
    const std::string how = "test fax " + cur->test_fax->job_id + " delivered " + detail::iso_utc(cur->test_fax->at) +
                            "; confirmed by telephone at " + cur->voice.display() + " by " + c.recipient_contact +
                            "; recorded by " + c.staff_name + " (" + c.staff_id + ")";
    auto st = db_->prepare("UPDATE recipients SET verified_by_id = ?2, verified_by_name = ?3, verified_at = ?4, "
                                 "verified_how = ?5, updated_at = ?4 WHERE id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, c.staff_id).bind(3, c.staff_name).bind(4, to_unix(c.at)).bind(5, how);
    FAX_TRY(st->run());
    FAX_TRY(add_event(id, c.at, "phone_confirmation", c.staff_id, how));
    FAX_TRY(tx->commit());
    return get(id);
}

Status Directory::record_observed_csi(std::string_view id, std::string_view csi, TimePoint at) {
    auto tx = db_->begin("directory");
    if (!tx) return fail(tx.take_error());
    auto cur = get(id);
    if (!cur) return fail(cur.take_error());
    const std::string bounded(csi.substr(0, 20));
    auto st = db_->prepare("UPDATE recipients SET observed_csi = ?2, observed_csi_at = ?3 WHERE id = ?1");
    if (!st) return fail(st.take_error());
    st->bind(1, id).bind(2, bounded).bind(3, to_unix(at));
    FAX_TRY(st->run());
    FAX_TRY(add_event(id, at, "observed_csi", "gate", "remote identified as '" + bounded + "'"));
    return tx->commit();
}

}  // namespace fax::gate
