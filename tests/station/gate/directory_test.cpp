// The recipient directory: entries, number normalisation, the two-step verification
// workflow, expiry, observed station ids, persistence and the JSON seed format.
#include "fax/gate/directory.h"

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "gate_fixture.h"

namespace fax::gate {
namespace {

using namespace std::chrono_literals;
using test::fixed_now;
using test::new_entry;
using test::TempDir;
using C = RecipientCategory;

Directory open_memory() {
    auto d = Directory::open(":memory:");
    EXPECT_TRUE(d.ok()) << d.error().to_string();
    return std::move(*d);
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(Directory, AddGetListAndHistory) {
    Directory dir = open_memory();
    NewEntry n = new_entry("kp-cardio", C::KpProvider, "(206) 555-0142");
    n.expected_csi = "+1 206 555 0142";
    auto e = dir.add(n, fixed_now());
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    EXPECT_EQ(e->id, "kp-cardio");
    EXPECT_EQ(e->organisation, "Org of kp-cardio");
    EXPECT_EQ(e->person, "Person at kp-cardio");
    EXPECT_EQ(e->category, C::KpProvider);
    EXPECT_EQ(e->expected_csi.value_or(""), "+1 206 555 0142");
    EXPECT_FALSE(e->test_fax.has_value());
    EXPECT_FALSE(e->verification.has_value());
    EXPECT_EQ(e->created_at, fixed_now());
    EXPECT_EQ(verification_state(*e, fixed_now(), std::chrono::days(365)), VerificationState::Unverified);

    ASSERT_TRUE(dir.add(new_entry("a-first", C::ThirdPartyPayer, "509-555-0166"), fixed_now()).ok());
    auto got = dir.get("a-first");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->category, C::ThirdPartyPayer);

    auto list = dir.list();
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].id, "a-first");  // ordered by id
    EXPECT_EQ((*list)[1].id, "kp-cardio");

    auto missing = dir.get("nobody");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::NotFound);
    auto none = dir.find("nobody");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());

    auto h = dir.history("kp-cardio");
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), 1u);
    EXPECT_EQ((*h)[0].kind, "added");
    EXPECT_EQ((*h)[0].at, fixed_now());
    EXPECT_NE((*h)[0].detail.find("kp_provider"), std::string::npos);
    EXPECT_NE((*h)[0].detail.find("+1 206-555-0142"), std::string::npos) << (*h)[0].detail;
}

TEST(Directory, NumbersAreNormalised) {
    Directory dir = open_memory();
    const struct {
        const char* text;
        const char* e164;
        const char* dial;
        const char* display;
    } cases[] = {
        {"(206) 555-0142", "+12065550142", "12065550142", "+1 206-555-0142"},
        {"1-206-555-0143", "+12065550143", "12065550143", "+1 206-555-0143"},
        {"+1 206.555.0144", "+12065550144", "12065550144", "+1 206-555-0144"},
        {"+44 20 7946 0958", "+442079460958", "011442079460958", "+442079460958"},
        {"4321", "", "4321", "4321"},  // an internal extension: kept as dial digits
    };
    int i = 0;
    for (const auto& c : cases) {
        auto e = dir.add(new_entry("n" + std::to_string(i++), C::KpProvider, c.text), fixed_now());
        ASSERT_TRUE(e.ok()) << c.text << ": " << e.error().to_string();
        EXPECT_EQ(e->fax.e164, c.e164) << c.text;
        EXPECT_EQ(e->fax.dial, c.dial) << c.text;
        EXPECT_EQ(e->fax.display(), c.display) << c.text;
        EXPECT_EQ(e->voice.e164, "+14255550199");
    }
}

TEST(Directory, DuplicateIdsAreRefused) {
    Directory dir = open_memory();
    ASSERT_TRUE(dir.add(new_entry("dup", C::KpProvider, "206-555-0142"), fixed_now()).ok());
    auto again = dir.add(new_entry("dup", C::CommunityProvider, "206-555-0143"), fixed_now());
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::InvalidArgument);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
    // The first entry is untouched and nothing half-written is left behind.
    EXPECT_EQ(dir.get("dup")->category, C::KpProvider);
    EXPECT_EQ(dir.history("dup")->size(), 1u);
    EXPECT_EQ(dir.list()->size(), 1u);
}

TEST(Directory, MalformedFieldsAreNamed) {
    Directory dir = open_memory();
    struct Case {
        const char* name;
        void (*mutate)(NewEntry&);
        const char* expect;
    };
    const Case cases[] = {
        {"empty id", [](NewEntry& n) { n.id = ""; }, "directory: id:"},
        {"id with space", [](NewEntry& n) { n.id = "kp cardio"; }, "directory: id:"},
        {"id too long", [](NewEntry& n) { n.id = std::string(65, 'a'); }, "directory: id:"},
        {"no organisation", [](NewEntry& n) { n.organisation = "  "; }, "directory: organisation:"},
        {"fax letters", [](NewEntry& n) { n.fax = "206-555-CALL"; }, "directory: fax:"},
        {"fax empty", [](NewEntry& n) { n.fax = ""; }, "directory: fax:"},
        {"fax bad area code", [](NewEntry& n) { n.fax = "106-555-0142"; }, "directory: fax:"},
        {"no voice", [](NewEntry& n) { n.voice = ""; }, "directory: voice:"},
        {"csi too long", [](NewEntry& n) { n.expected_csi = std::string(21, '1'); }, "directory: expected_csi:"},
        {"csi control char", [](NewEntry& n) { n.expected_csi = "206\x01"; }, "directory: expected_csi:"},
        {"organisation too long", [](NewEntry& n) { n.organisation = std::string(kMaxOrganisationChars + 1, 'O'); },
         "directory: organisation: at most 120 characters"},
        {"organisation too long in UTF-8", [](NewEntry& n) {
             n.organisation.clear();
             for (std::size_t i = 0; i <= kMaxOrganisationChars; ++i) n.organisation += "\xc3\xa9";  // é
         }, "directory: organisation: at most 120 characters"},
        {"organisation with an escape", [](NewEntry& n) { n.organisation = "KP \x1b[2J"; }, "directory: organisation: control"},
        {"person too long", [](NewEntry& n) { n.person = std::string(kMaxPersonChars + 1, 'P'); },
         "directory: person: at most 80 characters"},
        {"person with a newline", [](NewEntry& n) { n.person = "Dr.\nRaman"; }, "directory: person: control"},
    };
    for (const auto& c : cases) {
        NewEntry n = new_entry("ok-id", C::KpProvider, "206-555-0142");
        c.mutate(n);
        auto e = dir.add(n, fixed_now());
        ASSERT_FALSE(e.ok()) << c.name;
        EXPECT_EQ(e.error().code, Errc::InvalidInput) << c.name;
        EXPECT_EQ(e.error().message.rfind(c.expect, 0), 0u) << c.name << ": " << e.error().message;
    }
    EXPECT_TRUE(dir.list()->empty());
    // The boundaries are accepted.
    NewEntry n = new_entry(std::string(64, 'a'), C::KpProvider, "206-555-0142");
    n.expected_csi = std::string(20, '1');
    n.person = "";
    EXPECT_TRUE(dir.add(n, fixed_now()).ok());
    NewEntry longest = new_entry("longest", C::KpProvider, "206-555-0143");
    longest.organisation.clear();
    for (std::size_t i = 0; i < kMaxOrganisationChars; ++i) longest.organisation += "\xc3\xa9";
    longest.person = std::string(kMaxPersonChars, 'P');
    EXPECT_TRUE(dir.add(longest, fixed_now()).ok());
}

TEST(Directory, TestFaxThenPhoneConfirmation) {
    Directory dir = open_memory();
    ASSERT_TRUE(dir.add(new_entry("r", C::KpProvider, "206-555-0142"), fixed_now() - 24h).ok());
    const PhoneConfirmation confirm{"E1", "Test Clerk", "Front desk (Lee)", fixed_now() + 1h};
    const auto interval = std::chrono::days(365);

    // No test fax: confirmation refused.
    auto c = dir.confirm_by_phone("r", confirm);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::PolicyRefused);
    EXPECT_NE(c.error().message.find("send the test fax first"), std::string::npos);

    // A test fax the remote did not confirm: still refused.
    auto t = dir.record_test_fax("r", TestFaxRecord{"J-1", fixed_now(), false, "gate"});
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(verification_state(*t, fixed_now(), interval), VerificationState::Unverified);
    c = dir.confirm_by_phone("r", confirm);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::PolicyRefused);

    // Delivered: awaiting the telephone confirmation.
    t = dir.record_test_fax("r", TestFaxRecord{"J-2", fixed_now(), true, "gate"});
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE(t->test_fax.has_value());
    EXPECT_EQ(t->test_fax->job_id, "J-2");
    EXPECT_TRUE(t->test_fax->delivered);
    EXPECT_EQ(verification_state(*t, fixed_now(), interval), VerificationState::AwaitingConfirmation);

    // A confirmation dated before the test fax cannot confirm it.
    auto early = confirm;
    early.at = fixed_now() - 1h;
    c = dir.confirm_by_phone("r", early);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::PolicyRefused);

    // Who confirmed and who recorded it are required.
    auto nobody = confirm;
    nobody.recipient_contact = " ";
    EXPECT_EQ(dir.confirm_by_phone("r", nobody).error().code, Errc::InvalidInput);
    auto anonymous = confirm;
    anonymous.staff_id = "";
    EXPECT_EQ(dir.confirm_by_phone("r", anonymous).error().code, Errc::InvalidInput);

    c = dir.confirm_by_phone("r", confirm);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_TRUE(c->verification.has_value());
    EXPECT_EQ(c->verification->staff_id, "E1");
    EXPECT_EQ(c->verification->staff_name, "Test Clerk");
    EXPECT_EQ(c->verification->at, fixed_now() + 1h);
    EXPECT_EQ(c->verification->method,
              "test fax J-2 delivered 2025-03-01T14:00:00Z; confirmed by telephone at +1 425-555-0199 by Front desk "
              "(Lee); recorded by Test Clerk (E1)");
    EXPECT_EQ(verification_state(*c, fixed_now() + 2h, interval), VerificationState::Verified);

    auto h = dir.history("r");
    ASSERT_TRUE(h.ok());
    std::vector<std::string> kinds;
    for (const auto& ev : *h) kinds.push_back(ev.kind);
    EXPECT_EQ(kinds, (std::vector<std::string>{"added", "test_fax", "test_fax", "phone_confirmation"}));
    EXPECT_NE((*h)[1].detail.find("not delivered"), std::string::npos);
    EXPECT_EQ((*h)[3].by, "E1");
}

TEST(Directory, ReverificationNeedsANewTestFax) {
    Directory dir = open_memory();
    ASSERT_TRUE(dir.add(new_entry("r", C::KpProvider, "206-555-0142"), fixed_now() - std::chrono::days(500)).ok());
    test::verify_entry(dir, "r", fixed_now() - std::chrono::days(400));  // expired by now
    const auto year = std::chrono::days(365);
    ASSERT_EQ(verification_state(*dir.get("r"), fixed_now(), year), VerificationState::Expired);

    // A phone call alone does not renew the old test fax.
    auto c = dir.confirm_by_phone("r", PhoneConfirmation{"E1", "Test Clerk", "Front desk", fixed_now()});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::PolicyRefused);
    EXPECT_NE(c.error().message.find("send a new test fax"), std::string::npos) << c.error().message;
    EXPECT_EQ(verification_state(*dir.get("r"), fixed_now(), year), VerificationState::Expired);

    // A new delivered test fax, then the call: verified again.
    ASSERT_TRUE(dir.record_test_fax("r", TestFaxRecord{"J-new", fixed_now(), true, "gate"}).ok());
    c = dir.confirm_by_phone("r", PhoneConfirmation{"E1", "Test Clerk", "Front desk", fixed_now() + 1h});
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(verification_state(*c, fixed_now() + 2h, year), VerificationState::Verified);
    EXPECT_NE(c->verification->method.find("test fax J-new"), std::string::npos);
    // And the same test fax cannot be confirmed twice.
    EXPECT_EQ(dir.confirm_by_phone("r", PhoneConfirmation{"E1", "Test Clerk", "Front desk", fixed_now() + 3h})
                  .error()
                  .code,
              Errc::PolicyRefused);
}

TEST(Directory, ChangingTheNumberClearsVerification) {
    Directory dir = open_memory();
    ASSERT_TRUE(dir.add(new_entry("r", C::KpProvider, "206-555-0142"), fixed_now() - 48h).ok());
    test::verify_entry(dir, "r", fixed_now() - 24h);
    ASSERT_TRUE(dir.record_observed_csi("r", "2065550142", fixed_now() - 23h).ok());
    ASSERT_EQ(verification_state(*dir.get("r"), fixed_now(), std::chrono::days(365)), VerificationState::Verified);

    auto e = dir.change_fax_number("r", "206-555-0150", "E9", fixed_now());
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    EXPECT_EQ(e->fax.e164, "+12065550150");
    EXPECT_EQ(e->fax.dial, "12065550150");
    EXPECT_FALSE(e->verification.has_value());
    EXPECT_FALSE(e->test_fax.has_value());
    EXPECT_FALSE(e->observed_csi.has_value());
    EXPECT_EQ(verification_state(*e, fixed_now(), std::chrono::days(365)), VerificationState::Unverified);

    // The old number's test fax no longer counts for a confirmation.
    auto c = dir.confirm_by_phone("r", PhoneConfirmation{"E1", "Test Clerk", "Front desk", fixed_now() + 1h});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::PolicyRefused);

    auto h = dir.history("r");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->back().kind, "number_changed");
    EXPECT_EQ(h->back().by, "E9");
    EXPECT_EQ(h->back().detail, "fax +1 206-555-0142 -> +1 206-555-0150");

    EXPECT_EQ(dir.change_fax_number("r", "not a number", "E9", fixed_now()).error().code, Errc::InvalidInput);
    EXPECT_EQ(dir.change_fax_number("nobody", "206-555-0150", "E9", fixed_now()).error().code, Errc::NotFound);
    EXPECT_EQ(dir.get("r")->fax.e164, "+12065550150");
}

TEST(Directory, VerificationExpiresAfterTheInterval) {
    Directory dir = open_memory();
    ASSERT_TRUE(dir.add(new_entry("r", C::KpProvider, "206-555-0142"), fixed_now() - 48h).ok());
    test::verify_entry(dir, "r", fixed_now());
    const DirectoryEntry e = *dir.get("r");
    const TimePoint verified_at = e.verification->at;  // fixed_now() + 1h
    const auto year = std::chrono::days(365);
    EXPECT_EQ(verification_state(e, verified_at, year), VerificationState::Verified);
    EXPECT_EQ(verification_state(e, verified_at + year, year), VerificationState::Verified);
    EXPECT_EQ(verification_state(e, verified_at + year + 1s, year), VerificationState::Expired);
    EXPECT_EQ(verification_state(e, verified_at + std::chrono::days(31), std::chrono::days(30)),
              VerificationState::Expired);
    EXPECT_EQ(verification_state(e, verified_at + std::chrono::days(29), std::chrono::days(30)),
              VerificationState::Verified);
    EXPECT_EQ(to_string(VerificationState::Expired), "expired");
    EXPECT_EQ(to_string(VerificationState::AwaitingConfirmation), "awaiting_confirmation");
}

TEST(Directory, ObservedAndExpectedStationIds) {
    Directory dir = open_memory();
    ASSERT_TRUE(dir.add(new_entry("r", C::KpProvider, "206-555-0142"), fixed_now()).ok());
    ASSERT_TRUE(dir.record_observed_csi("r", "+1 206 555 0142   ABCDEFGHIJ", fixed_now() + 1h).ok());
    DirectoryEntry e = *dir.get("r");
    ASSERT_TRUE(e.observed_csi.has_value());
    EXPECT_EQ(*e.observed_csi, std::string("+1 206 555 0142   ABCDEFGHIJ").substr(0, 20));  // T.30: 20 characters
    EXPECT_EQ(e.observed_csi_at.value_or(TimePoint{}), fixed_now() + 1h);
    EXPECT_FALSE(e.expected_csi.has_value());
    EXPECT_EQ(dir.history("r")->back().kind, "observed_csi");
    EXPECT_FALSE(dir.record_observed_csi("nobody", "1", fixed_now()).ok());

    // A person adopts it as the expected CSI.
    auto s = dir.set_expected_csi("r", *e.observed_csi, "E1", fixed_now() + 2h);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(s->expected_csi.value_or(""), *e.observed_csi);
    EXPECT_EQ(dir.history("r")->back().kind, "expected_csi");
    s = dir.set_expected_csi("r", std::nullopt, "E1", fixed_now() + 3h);
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE(s->expected_csi.has_value());
    EXPECT_EQ(dir.set_expected_csi("r", std::string(21, '2'), "E1", fixed_now()).error().code, Errc::InvalidInput);
}

TEST(Directory, PersistsAcrossReopen) {
    TempDir tmp;
    const auto path = tmp / "directory.db";
    {
        auto d = Directory::open(path);
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        ASSERT_TRUE(d->add(new_entry("r", C::CommunityProvider, "425-555-0177"), fixed_now()).ok());
        test::verify_entry(*d, "r", fixed_now());
        ASSERT_TRUE(d->add(new_entry("s", C::ThirdPartyPayer, "509-555-0166"), fixed_now()).ok());
    }
    auto d = Directory::open(path);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    auto list = d->list();
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    const DirectoryEntry& r = (*list)[0];
    EXPECT_EQ(r.id, "r");
    EXPECT_EQ(r.category, C::CommunityProvider);
    EXPECT_EQ(r.fax.e164, "+14255550177");
    ASSERT_TRUE(r.verification.has_value());
    EXPECT_EQ(r.verification->at, fixed_now() + 1h);
    EXPECT_EQ(verification_state(r, fixed_now() + 2h, std::chrono::days(365)), VerificationState::Verified);
    EXPECT_EQ(d->history("r")->size(), 3u);
    // Still the same database: a duplicate is still a duplicate.
    EXPECT_EQ(d->add(new_entry("s", C::KpProvider, "206-555-0142"), fixed_now()).error().code, Errc::InvalidArgument);
}

TEST(Directory, HistoryIsAppendOnlyAndNewerSchemasAreRefused) {
    TempDir tmp;
    const auto path = tmp / "directory.db";
    {
        auto d = Directory::open(path);
        ASSERT_TRUE(d.ok());
        ASSERT_TRUE(d->add(new_entry("r", C::KpProvider, "206-555-0142"), fixed_now()).ok());
    }
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    EXPECT_NE(sqlite3_exec(raw, "UPDATE recipient_events SET detail = 'x'", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_NE(sqlite3_exec(raw, "DELETE FROM recipient_events", nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 2", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    auto d = Directory::open(path);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, Errc::Unsupported);
}

// Stores are private from the moment they exist, whatever the umask, and never opened
// through a symbolic link (a planted link must not make the station write elsewhere).
TEST(Directory, StoreFilesArePrivateAndNeverReachedThroughALink) {
    TempDir tmp;
    const auto path = tmp / "directory.db";
    const mode_t old_umask = ::umask(0);
    {
        auto d = Directory::open(path);
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        ASSERT_TRUE(d->add(new_entry("r", C::KpProvider, "206-555-0142"), fixed_now()).ok());
        for (const char* suffix : {"", "-wal", "-shm"}) {
            struct stat st {};
            ASSERT_EQ(::stat((path.string() + suffix).c_str(), &st), 0) << suffix;
            EXPECT_EQ(st.st_mode & 0777, 0600u) << "directory.db" << suffix;
        }
    }
    ::umask(old_umask);

    const auto target = tmp / "elsewhere.db";
    { std::ofstream(target) << "not yours"; }
    const auto link = tmp / "linked.db";
    std::filesystem::create_symlink(target, link);
    auto d = Directory::open(link);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("symbolic link"), std::string::npos) << d.error().message;
    EXPECT_EQ(read_text(target), "not yours");
    std::filesystem::create_symlink(tmp / "missing.db", tmp / "dangling.db");
    EXPECT_FALSE(Directory::open(tmp / "dangling.db").ok());
    EXPECT_FALSE(std::filesystem::exists(tmp / "missing.db")) << "a dangling link was followed";
}

TEST(DirectoryJson, ExampleSeedLoadsAndEveryEntryIsAdded) {
    const auto path = std::filesystem::path(FAX_SOURCE_DIR) / "examples" / "directory.json";
    auto entries = parse_directory_json(read_text(path), "directory.json");
    ASSERT_TRUE(entries.ok()) << entries.error().to_string();
    ASSERT_EQ(entries->size(), 5u);
    EXPECT_EQ((*entries)[0].id, "kp-cardiology-seattle");
    EXPECT_EQ((*entries)[0].category, C::KpProvider);
    EXPECT_EQ((*entries)[0].expected_csi.value_or(""), "+1 206 555 0142");
    EXPECT_FALSE((*entries)[1].expected_csi.has_value());
    EXPECT_EQ((*entries)[4].category, C::Attorney);
    Directory dir = open_memory();
    for (const auto& n : *entries) {
        auto e = dir.add(n, fixed_now());
        ASSERT_TRUE(e.ok()) << n.id << ": " << e.error().to_string();
        EXPECT_EQ(verification_state(*e, fixed_now(), std::chrono::days(365)), VerificationState::Unverified);
    }
}

TEST(DirectoryJson, ErrorsNameTheField) {
    const std::pair<const char*, const char*> cases[] = {
        {"[", "seed.json: not valid JSON (syntax error at line 1"},
        {"[]", "seed.json: (top level): must be an object"},
        {R"({})", "seed.json: entries: is required"},
        {R"({"entries": {}})", "seed.json: entries: must be a list"},
        {R"({"format": "x", "entries": []})", "seed.json: format: must be \"fax-recipient-directory/1\""},
        {R"({"entries": [], "extra": 1})", "seed.json: extra: is not a known field"},
        {R"({"entries": [7]})", "seed.json: entries[0]: must be an object"},
        {R"({"entries": [{"organisation": "O", "category": "kp_provider", "fax": "2065550142", "voice": "2065550140"}]})",
         "seed.json: entries[0].id: is required"},
        {R"({"entries": [{"id": "a", "organisation": "O", "category": "lawyer", "fax": "2065550142", "voice": "2065550140"}]})",
         "seed.json: entries[0].category: is not a known recipient category"},
        {R"({"entries": [{"id": "a", "organisation": "O", "category": "kp_provider", "fax": 2065550142, "voice": "2065550140"}]})",
         "seed.json: entries[0].fax: must be a string"},
        {R"({"entries": [{"id": "a", "organisation": "O", "category": "kp_provider", "fax": "2065550142"}]})",
         "seed.json: entries[0].voice: is required"},
        {R"({"entries": [{"id": "a", "organisation": "O", "category": "kp_provider", "fax": "2065550142", "voice": "2065550140", "fax2": ""}]})",
         "seed.json: entries[0].fax2: is not a known field"},
        {R"({"entries": [{"id": "a", "organisation": " ", "category": "kp_provider", "fax": "2065550142", "voice": "2065550140"}]})",
         "seed.json: entries[0].organisation: must not be empty"},
    };
    for (const auto& [text, expect] : cases) {
        auto r = parse_directory_json(text, "seed.json");
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().code, Errc::InvalidInput) << text;
        EXPECT_NE(r.error().message.find(expect), std::string::npos) << text << " -> " << r.error().message;
    }
}

}  // namespace
}  // namespace fax::gate
