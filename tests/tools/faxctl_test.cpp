// faxctl end to end: the binary as a child process, on a real faxsim line where a
// call is needed. Asserts exit statuses, what was received (pixel-exact), what the
// audit trail says, and that the member reference never reaches any output.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fax/base/version.h"
#include "faxctl_harness.h"
#include "hostile_documents.h"
#include "test_pdf.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxctl_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kEntry = "kp-cardiology-seattle";  // the treatment request's recipient
constexpr const char* kDial = "12065550142";             // what the modem dials for it (NANP: 1 + ten digits)

std::string member_reference_of(const fs::path& request) {
    return json::parse(read_file(request))["member"]["record_reference"].get<std::string>();
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

class Station : public ::testing::Test {
protected:
    void SetUp() override { config_ = make_station(dir_.path(), dir_.file("modem")); }

    RunResult run(const std::vector<std::string>& args, std::chrono::seconds deadline = std::chrono::seconds(60)) {
        return faxctl(config_, args, dir_.path(), log_, deadline);
    }
    std::string request(const char* name) const { return (dir_.path() / "requests" / name).string(); }
    fs::path data() const { return dir_.path() / "data"; }

    void import_directory() {
        auto r = run({"directory", "import", std::string(FAX_SOURCE_DIR) + "/examples/directory.json"});
        ASSERT_EQ(r.exit_code, 0) << r.all();
    }

    // The two-step verification through faxctl and the simulated line. faxsim's
    // terminals send their line number as CSI, so the seeded expected CSI
    // ("+1 206 555 0142") is replaced by what this station will really send.
    void verify_by_test_fax_and_phone() {
        auto csi = run({"directory", "set-csi", kEntry, kDial, "--staff-id", "E104233"});
        ASSERT_EQ(csi.exit_code, 0) << csi.all();
        auto tf = run({"directory", "test-fax", kEntry, "--staff-id", "E104233", "--staff-name", "Dana Whitfield"},
                      std::chrono::seconds(300));
        ASSERT_EQ(tf.exit_code, 0) << tf.all();
        EXPECT_NE(tf.out.find("DELIVERED"), std::string::npos) << tf.out;
        EXPECT_NE(tf.out.find("awaiting_confirmation"), std::string::npos) << tf.out;
        auto conf = run({"directory", "confirm", kEntry, "--staff-id", "E104233", "--staff-name", "Dana Whitfield",
                         "--contact", "Front desk, Capitol Hill Cardiology"});
        ASSERT_EQ(conf.exit_code, 0) << conf.all();
        EXPECT_NE(conf.out.find("verification: verified"), std::string::npos) << conf.out;
    }

    // The same end state written straight into the directory (for tests about
    // something else than verification, so they need no call).
    void verify_directly() {
        auto d = gate::Directory::open(data() / "directory.db");
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        const auto now = std::chrono::system_clock::now();
        ASSERT_TRUE(d->record_test_fax(kEntry, {"J-test", now - std::chrono::minutes(5), true, "E104233"}).ok());
        ASSERT_TRUE(d->confirm_by_phone(kEntry, {"E104233", "Dana Whitfield", "Front desk", now}).ok());
    }

    TempDir dir_;
    std::string config_;
    OutputLog log_;
};

TEST_F(Station, CheckClearsTheTreatmentRequestOnlyOnceTheEntryIsVerified) {
    Faxsim sim(dir_.path(), {kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    import_directory();

    auto before = run({"check", request("request-treatment.json")});
    EXPECT_EQ(before.exit_code, 3) << before.all();
    EXPECT_NE(before.out.find("NUM-UNVERIFIED"), std::string::npos) << before.out;

    verify_by_test_fax_and_phone();
    const auto rx = files_in(sim.rx_dir(kDial));
    ASSERT_EQ(rx.size(), 1u);  // the test fax: its cover, nothing else
    auto test_fax = t30::read_tiff(rx[0].string());
    ASSERT_TRUE(test_fax.ok()) << test_fax.error().to_string();
    EXPECT_EQ(test_fax->size(), 1u);

    auto after = run({"check", request("request-treatment.json")});
    EXPECT_EQ(after.exit_code, 0) << after.all();
    EXPECT_NE(after.out.find("CLEARED under POL-PROV-KP"), std::string::npos) << after.out;
    EXPECT_NE(after.out.find(kEntry), std::string::npos);
    EXPECT_NE(after.out.find("+1 206-555-0142"), std::string::npos) << after.out;
    EXPECT_NE(after.out.find("5 (cover sheet + 4)"), std::string::npos) << after.out;
    EXPECT_NE(after.out.find("nothing was transmitted"), std::string::npos);
    // A check never dials: still only the test fax at the receiver, and the spool is empty.
    EXPECT_EQ(files_in(sim.rx_dir(kDial)).size(), 1u);
    EXPECT_TRUE(files_in(data() / "spool").empty());
    // ... and it is recorded: the refused check, the test fax decision + outcome, this
    // check and its closure as a dry run.
    auto audit = run({"--json", "audit", "verify"});
    ASSERT_EQ(audit.exit_code, 0) << audit.all();
    EXPECT_EQ(json::parse(audit.out)["entries"], 5) << audit.out;
}

TEST_F(Station, AttorneyRequestIsRefusedWithTheReleaseOfInformationReferral) {
    import_directory();
    const std::string member = member_reference_of(request("request-refused-attorney.json"));
    auto r = run({"check", request("request-refused-attorney.json")});
    EXPECT_EQ(r.exit_code, 3) << r.all();
    EXPECT_NE(r.out.find("REFUSED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("[REF-CATEGORY]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Release of Information Department"), std::string::npos) << r.out;
    for (const char* number : {"866-656-4184", "877-848-6896", "509-241-7824", "855-414-1751"})
        EXPECT_NE(r.out.find(number), std::string::npos) << number << "\n" << r.out;
    EXPECT_EQ(r.all().find(member), std::string::npos) << r.all();
    // The entry is also unverified, but an attorney can never receive records by fax: the
    // first next step is the referral, not "verify the number" (issue #14).
    const auto first_step = r.out.find("next step: ");
    ASSERT_NE(first_step, std::string::npos) << r.out;
    const std::string first_line = r.out.substr(first_step, r.out.find('\n', first_step) - first_step);
    EXPECT_NE(first_line.find("Release of Information Department"), std::string::npos) << r.out;
    EXPECT_NE(first_line.find("866-656-4184"), std::string::npos) << r.out;

    // The same decision for a program: every finding with rule, field, message, next step.
    auto j = run({"--json", "check", request("request-refused-attorney.json")});
    EXPECT_EQ(j.exit_code, 3) << j.all();
    const json d = json::parse(j.out);
    EXPECT_EQ(d["event"], "decision");
    EXPECT_FALSE(d["cleared"].get<bool>());
    bool referral = false;
    for (const auto& f : d["findings"]) {
        EXPECT_FALSE(f["rule_id"].get<std::string>().empty());
        EXPECT_TRUE(f.contains("field") && f.contains("message") && f.contains("next_step"));
        if (f["rule_id"] == "REF-CATEGORY") referral = f["next_step"].get<std::string>().find("855-414-1751") != std::string::npos;
    }
    EXPECT_TRUE(referral) << j.out;
    // Refusals are decisions: both are in the audit trail.
    auto audit = run({"--json", "audit", "verify"});
    ASSERT_EQ(audit.exit_code, 0) << audit.all();
    EXPECT_EQ(json::parse(audit.out)["entries"], 2);
}

TEST_F(Station, MalformedRequestIsInvalidInputNamingTheField) {
    import_directory();
    const std::string member = member_reference_of(request("request-treatment.json"));
    json req = json::parse(read_file(request("request-treatment.json")));
    req["documents"][1]["pages"] = "3-";
    const std::string bad = dir_.file("requests/bad-pages.json");
    std::ofstream(bad) << req.dump(2);
    auto r = run({"check", bad});
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_NE(r.err.find("bad-pages.json"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("documents[1].pages"), std::string::npos) << r.err;
    EXPECT_EQ(r.all().find(member), std::string::npos) << r.all();
    EXPECT_EQ(r.all().find("terminate"), std::string::npos) << r.all();  // no uncaught exception

    const std::string not_json = dir_.file("requests/not-json.json");
    std::ofstream(not_json) << "{ \"format\": \"fax-release-request/1\", \"member\": { \"record_reference\": \"" << member
                            << "\" ";
    auto r2 = run({"check", not_json});
    EXPECT_EQ(r2.exit_code, 2) << r2.all();
    EXPECT_NE(r2.err.find("not-json.json"), std::string::npos) << r2.err;
    EXPECT_EQ(r2.all().find(member), std::string::npos) << r2.all();

    auto r3 = run({"check", dir_.file("requests/no-such-request.json")});
    EXPECT_EQ(r3.exit_code, 2) << r3.all();

    auto r4 = run({"check"});  // no request at all: a usage error
    EXPECT_EQ(r4.exit_code, 2) << r4.all();
}

// A missing document after a parsed request is a recorded refusal (DOC-UNREADABLE) naming
// the field, not the path; faxctl's exit says bad input (2), as for every document.
TEST_F(Station, MissingDocumentIsARecordedRefusalNamingTheField) {
    import_directory();
    verify_directly();
    const std::string member = member_reference_of(request("request-treatment.json"));
    fs::remove(dir_.path() / "requests" / "documents" / "lab-results.tif");
    auto r = run({"check", request("request-treatment.json")});
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_NE(r.out.find("[DOC-UNREADABLE] documents[1]"), std::string::npos) << r.all();
    EXPECT_EQ(r.all().find("lab-results"), std::string::npos) << r.all();
    EXPECT_EQ(r.all().find(member), std::string::npos) << r.all();
    EXPECT_EQ(r.all().find("terminate"), std::string::npos) << r.all();
    // Nothing was cleared or spooled; the refusal is in the trail.
    EXPECT_TRUE(files_in(data() / "spool").empty());
    auto audit = run({"--json", "audit", "verify"});
    ASSERT_EQ(audit.exit_code, 0) << audit.all();
    EXPECT_EQ(json::parse(audit.out)["entries"], 1);
}

// Issue #14: control characters and terminal escapes in names were echoed raw by `check`
// and `directory list/show`. A name that holds them (an entry from before names were
// checked, a station id a remote machine sent) is shown escaped.
TEST_F(Station, NamesWithTerminalEscapesArePrintedEscaped) {
    import_directory();
    verify_directly();
    {
        auto d = gate::Directory::open(data() / "directory.db");
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        ASSERT_TRUE(d->record_observed_csi(kEntry, "\x1b]0;owned\x07", std::chrono::system_clock::now()).ok());
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((data() / "directory.db").c_str(), &db), SQLITE_OK);
        const std::string sql = std::string("UPDATE recipients SET organisation = 'Cardiology \x1b[2J\xc2\x9b" "31m' "
                                            "WHERE id = '") + kEntry + "'";
        EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    for (const std::vector<std::string>& args : {std::vector<std::string>{"directory", "list"},
                                                 std::vector<std::string>{"directory", "show", kEntry},
                                                 std::vector<std::string>{"check", request("request-treatment.json")}}) {
        auto r = run(args);
        EXPECT_EQ(r.exit_code, 0) << args[1] << ": " << r.all();
        EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << args[1] << ": a raw ESC was printed";
        EXPECT_EQ(r.out.find('\x07'), std::string::npos) << args[1];
        EXPECT_EQ(r.out.find("\xc2\x9b"), std::string::npos) << args[1];
        EXPECT_NE(r.out.find("Cardiology \\x1b[2J\\u009b31m"), std::string::npos) << args[1] << ": " << r.out;
    }
    auto show = run({"directory", "show", kEntry});
    EXPECT_NE(show.out.find("observed CSI: '\\x1b]0;owned\\x07'"), std::string::npos) << show.out;
    // JSON output carries the value (JSON escapes it).
    auto j = run({"--json", "directory", "show", kEntry});
    ASSERT_EQ(j.exit_code, 0) << j.all();
    EXPECT_EQ(j.out.find('\x1b'), std::string::npos);
    EXPECT_EQ(json::parse(j.out)["observed_csi"], "\x1b]0;owned\x07");
}

// Issue #14: {"purpose":"legal","purpose":"treatment"} cleared; a FIFO as the request
// hung faxctl in open(). Both are invalid input (exit 2) now, promptly.
TEST_F(Station, DuplicateKeysAndNonRegularRequestFilesAreInvalidInput) {
    import_directory();
    verify_directly();
    std::string text = read_file(request("request-treatment.json"));
    const auto at = text.find("\"purpose\"");
    ASSERT_NE(at, std::string::npos);
    text.insert(at, "\"purpose\": \"legal\",\n  ");
    const std::string dup = dir_.file("requests/dup.json");
    std::ofstream(dup) << text;
    auto r = run({"check", dup});
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_NE(r.err.find("dup.json: purpose: appears twice"), std::string::npos) << r.all();

    const std::string fifo = dir_.file("requests/fifo.json");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto f = run({"check", fifo}, std::chrono::seconds(20));
    EXPECT_EQ(f.exit_code, 2) << f.all();
    EXPECT_NE(f.err.find("is not a regular file"), std::string::npos) << f.all();

    // A directory import file is read the same way: a FIFO does not hang it, a huge file
    // is not read whole.
    auto fi = run({"directory", "import", fifo}, std::chrono::seconds(20));
    EXPECT_EQ(fi.exit_code, 2) << fi.all();
    EXPECT_NE(fi.err.find("the directory import is not a regular file"), std::string::npos) << fi.all();
    const std::string huge = dir_.file("requests/huge-directory.json");
    {
        std::ofstream h(huge);
        h << "{\"format\": \"" << std::string((16u << 20) + 1, 'x') << "\"}";
    }
    auto hi = run({"directory", "import", huge}, std::chrono::seconds(20));
    EXPECT_EQ(hi.exit_code, 2) << hi.all();
    EXPECT_NE(hi.err.find("the directory import file is larger than 16777216 bytes"), std::string::npos) << hi.all();
}

// The main job: verify the number, check, send through faxsim, verify the audit
// trail. Every byte any faxctl or faxsim printed is kept and searched for the member
// reference at the end (with -vv logs and the --json stream included).
TEST_F(Station, FullReleaseDeliversCoverAndPagesAndNeverPrintsTheMemberReference) {
    const std::string member = member_reference_of(request("request-treatment.json"));
    Faxsim sim(dir_.path(), {kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    import_directory();
    verify_by_test_fax_and_phone();

    auto check = run({"-vv", "check", request("request-treatment.json")});
    ASSERT_EQ(check.exit_code, 0) << check.all();
    auto refused = run({"-vv", "check", request("request-refused-attorney.json")});
    EXPECT_EQ(refused.exit_code, 3) << refused.all();

    auto send = run({"-vv", "--json", "--keep-spool", "send", request("request-treatment.json"), "--modem", sim.modem()},
                    std::chrono::seconds(400));
    ASSERT_EQ(send.exit_code, 0) << send.all();
    // One JSON object per line: the decision, progress events, the spool path, the result.
    std::vector<json> events;
    std::istringstream lines(send.out);
    for (std::string line; std::getline(lines, line);) {
        ASSERT_NO_THROW(events.push_back(json::parse(line))) << line;
    }
    ASSERT_GE(events.size(), 4u);
    EXPECT_EQ(events.front()["event"], "decision");
    EXPECT_TRUE(events.front()["cleared"].get<bool>());
    const json& result = events.back();
    ASSERT_EQ(result["event"], "result") << result.dump();
    EXPECT_EQ(result["completion"], "ok");
    EXPECT_EQ(result["pages"], 5);
    EXPECT_EQ(result["pages_confirmed"], 5);
    EXPECT_TRUE(result["recorded"].get<bool>());
    std::set<int> pages_started;
    bool trained = false;
    std::string spooled;
    for (const auto& e : events) {
        if (e["event"] == "progress" && e["phase"] == "page transfer") {
            EXPECT_EQ(e["pages"], 5);
            EXPECT_FALSE(e["modulation"].get<std::string>().empty());
            if (e.contains("training")) trained = true;
            else pages_started.insert(e["page"].get<int>());
        }
        if (e["event"] == "spool") spooled = e["path"];
    }
    EXPECT_TRUE(trained);  // TCF before page 1 is reported as training, not as a page
    EXPECT_EQ(pages_started, (std::set<int>{1, 2, 3, 4, 5}));

    // The receiver holds the test fax and the release: cover + 4 pages, pixel-exact.
    const auto rx = files_in(sim.rx_dir(kDial));
    ASSERT_EQ(rx.size(), 2u);
    auto got = t30::read_tiff(rx[1].string());
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_FALSE(spooled.empty());
    auto sent = t30::read_tiff(spooled);
    ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    ASSERT_EQ(got->size(), 5u);
    ASSERT_EQ(sent->size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) {
        auto d = t30::compare_pages((*sent)[i], (*got)[i]);
        EXPECT_TRUE(d.identical) << "page " << i + 1 << ": " << d.summary;
    }
    // Pages 2..5 are the selected document pages (discharge 1-2, labs 1 and 3).
    const int seeds[] = {1, 2, 3, 5};
    for (int i = 0; i < 4; ++i) {
        auto d = t30::compare_pages(test_page(seeds[i]), (*got)[static_cast<std::size_t>(i + 1)]);
        EXPECT_TRUE(d.identical) << "document page " << i + 1 << ": " << d.summary;
    }

    auto audit = run({"audit", "verify"});
    EXPECT_EQ(audit.exit_code, 0) << audit.all();
    // The transmission report was filed, as PDF and PNG, readable by the station only.
    const auto reports = files_in(data() / "reports");
    ASSERT_EQ(reports.size(), 2u);
    for (const auto& f : reports) {
        EXPECT_TRUE(f.extension() == ".pdf" || f.extension() == ".png") << f;
        EXPECT_GT(fs::file_size(f), 1000u) << f;
        EXPECT_EQ(fs::status(f).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << f;
    }
    auto show = run({"directory", "show", kEntry});
    EXPECT_EQ(show.exit_code, 0) << show.all();
    log_.add("faxsim", sim.stop());

    // The accounting of disclosures does name the member (to a file, mode 0600).
    const std::string csv = dir_.file("disclosures.csv");
    auto exp = run({"audit", "export", "--member", member, "--from", "2000-01-01", "--to", "2100-12-31", "--format",
                    "csv", "--output", csv});
    EXPECT_EQ(exp.exit_code, 0) << exp.all();
    const std::string exported = read_file(csv);
    EXPECT_NE(exported.find(member), std::string::npos);
    EXPECT_NE(exported.find("POL-PROV-KP"), std::string::npos) << exported;
    EXPECT_EQ(fs::status(csv).permissions() & fs::perms::group_read, fs::perms::none);

    // Everything printed by every process of the run, export command line excepted
    // (the member reference is its argument; its output is checked like the rest).
    std::string all = log_.text();
    const std::string export_header = "==== faxctl audit export --member " + member;
    ASSERT_NE(all.find(export_header), std::string::npos);
    all.erase(all.find(export_header), export_header.size());
    EXPECT_GT(all.size(), 2000u);  // the run did print: progress, logs, faxsim's call events
    EXPECT_EQ(all.find(member), std::string::npos) << all;
}

// The last JSON line of a --json run.
json last_json_line(const std::string& out) {
    std::istringstream lines(out);
    std::string line, last;
    while (std::getline(lines, line))
        if (!line.empty()) last = line;
    return json::parse(last);
}

TEST_F(Station, SendToABusyNumberExitsFourAndRecordsBusy) {
    Faxsim sim(dir_.path(), {}, {"--busy", kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    import_directory();
    verify_directly();
    auto send = run({"--json", "send", request("request-treatment.json"), "--modem", sim.modem()},
                    std::chrono::seconds(300));
    EXPECT_EQ(send.exit_code, 4) << send.all();
    const json result = last_json_line(send.out);
    EXPECT_EQ(result["event"], "result");
    EXPECT_EQ(result["completion"], "busy") << result.dump();
    EXPECT_EQ(result["pages_confirmed"], 0);
    EXPECT_TRUE(result["recorded"].get<bool>());
    // The decision and its outcome, chained.
    auto audit = run({"--json", "audit", "verify"});
    ASSERT_EQ(audit.exit_code, 0) << audit.all();
    EXPECT_EQ(json::parse(audit.out)["entries"], 2);
}

// send --timings: every step from faxctl's start to the first byte on the modem, in the
// order they ran, none negative, and the first byte only after the gate's decision (its
// durable audit append); with --json one line on stderr, otherwise a table there.
TEST_F(Station, SendTimingsBreakDownTheTimeToTheFirstByteOnTheModem) {
    Faxsim sim(dir_.path(), {}, {"--busy", kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    import_directory();
    verify_directly();
    auto send = run({"--json", "send", request("request-treatment.json"), "--timings", "--modem", sim.modem()},
                    std::chrono::seconds(300));
    EXPECT_EQ(send.exit_code, 4) << send.all();
    EXPECT_EQ(last_json_line(send.out)["event"], "result");  // stdout's stream is unchanged
    json t;
    std::istringstream lines(send.err);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.front() == '{') {
            auto j = json::parse(line, nullptr, false);
            if (j.is_object() && j.value("event", "") == "timings") t = j;
        }
    ASSERT_TRUE(t.is_object()) << send.err;
    EXPECT_EQ(t["clock"], "CLOCK_MONOTONIC");
    EXPECT_GT(t["start_ns"].get<long long>(), 0);
    std::vector<std::string> steps;
    double prev_end = 0, sum = 0;
    for (const auto& s : t["steps"]) {
        steps.push_back(s["step"].get<std::string>());
        const double ms = s["ms"].get<double>(), end = s["end_ms"].get<double>();
        EXPECT_GE(ms, 0) << s.dump();
        EXPECT_GE(end, prev_end) << s.dump();
        prev_end = end;
        sum += ms;
    }
    EXPECT_NEAR(sum, prev_end, 0.01);
    // Two documents in the request; the modem is probed (profile and class "auto"), so
    // its first byte is the probe's, inside modem_identify.
    const std::vector<std::string> expected = {"config",        "request",         "station_open", "policy",
                                               "document_read", "page_preparation", "document_read", "page_preparation",
                                               "cover",         "spool",           "page_hashes",  "audit_append",
                                               "journal",       "modem_open",      "first_byte",   "modem_identify",
                                               "session",       "dial",            "call_end"};
    EXPECT_EQ(steps, expected) << t.dump();
    ASSERT_TRUE(t["first_byte_ms"].is_number()) << t.dump();
    ASSERT_TRUE(t["gate_decision_ms"].is_number()) << t.dump();
    EXPECT_GT(t["first_byte_ms"].get<double>(), t["gate_decision_ms"].get<double>());
    EXPECT_LT(t["first_byte_ms"].get<double>(), prev_end);

    // For a person: a table on stderr.
    auto text = run({"send", request("request-treatment.json"), "--timings", "--modem", sim.modem()},
                    std::chrono::seconds(300));
    EXPECT_EQ(text.exit_code, 4) << text.all();
    EXPECT_NE(text.err.find("timings (ms; from faxctl's start)"), std::string::npos) << text.err;
    EXPECT_NE(text.err.find("audit_append"), std::string::npos) << text.err;
    EXPECT_NE(text.err.find("first byte on the modem"), std::string::npos) << text.err;
    EXPECT_EQ(text.out.find("timings"), std::string::npos) << text.out;
}

TEST_F(Station, RemoteWithAnotherStationIdGetsNoPage) {
    Faxsim sim(dir_.path(), {kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    import_directory();
    verify_directly();
    // The entry expects another station than the one answering (faxsim's terminal sends
    // its number, 12065550142; "+1 206 555 0142" would match it).
    auto csi = run({"directory", "set-csi", kEntry, "+1 206 555 9999", "--staff-id", "E104233"});
    ASSERT_EQ(csi.exit_code, 0) << csi.all();
    auto send = run({"--json", "send", request("request-treatment.json"), "--modem", sim.modem()},
                    std::chrono::seconds(300));
    EXPECT_EQ(send.exit_code, 4) << send.all();
    const json result = last_json_line(send.out);
    EXPECT_EQ(result["completion"], "csi_mismatch") << result.dump();
    EXPECT_EQ(result["pages_sent"], 0);
    EXPECT_EQ(result["remote_csi"], kDial);
    sim.stop();
    for (const auto& f : files_in(sim.rx_dir(kDial))) {
        auto pages = t30::read_tiff(f.string());
        EXPECT_FALSE(pages.ok() && !pages->empty()) << f;  // nothing arrived
    }
    // The CSI it did see is on the entry, for a person to check and adopt.
    auto show = run({"--json", "directory", "show", kEntry});
    ASSERT_EQ(show.exit_code, 0) << show.all();
    EXPECT_EQ(json::parse(show.out)["observed_csi"], kDial);
}

// Ctrl-C during a page ends the call cleanly (DCN) and the outcome is still recorded.
TEST_F(Station, SigintDuringTheCallCancelsItAndRecordsTheOutcome) {
    Faxsim sim(dir_.path(), {kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    import_directory();
    auto csi = run({"directory", "set-csi", kEntry, kDial, "--staff-id", "E104233"});
    ASSERT_EQ(csi.exit_code, 0) << csi.all();
    verify_directly();
    Child send({FAXCTL_BIN, "--config", config_, "send", request("request-treatment.json")}, dir_.path());
    ASSERT_TRUE(send.wait_for_output("(page 1 of 5)", std::chrono::seconds(120))) << send.wait(std::chrono::seconds(5)).all();
    send.signal(SIGINT);
    const RunResult r = send.wait(std::chrono::seconds(120));
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 4) << r.all();
    EXPECT_NE(r.out.find("NOT DELIVERED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("completion cancelled"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("outcome recorded in the audit trail"), std::string::npos) << r.out;
    auto audit = run({"--json", "audit", "verify"});
    ASSERT_EQ(audit.exit_code, 0) << audit.all();
    EXPECT_EQ(json::parse(audit.out)["entries"], 2);  // the clearance and its outcome
}

// faxctl send killed with SIGKILL while page 3 is on the line (pages 1 and 2 confirmed):
// the next faxctl command finds the dead send, records its outcome with exactly the
// pages the remote confirmed, and removes the spooled release.
TEST_F(Station, SigkilledForegroundSendIsReconciledByTheNextCommand) {
    const std::string member = member_reference_of(request("request-treatment.json"));
    Faxsim sim(dir_.path(), {kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    import_directory();
    auto csi = run({"directory", "set-csi", kEntry, kDial, "--staff-id", "E104233"});
    ASSERT_EQ(csi.exit_code, 0) << csi.all();
    verify_directly();
    std::string job;
    {
        Child send({FAXCTL_BIN, "--config", config_, "send", request("request-treatment.json")}, dir_.path());
        ASSERT_TRUE(send.wait_for_output("(page 3 of 5)", std::chrono::seconds(120)))
            << send.wait(std::chrono::seconds(5)).all();
        send.signal(SIGKILL);
        const RunResult r = send.wait(std::chrono::seconds(30));
        EXPECT_EQ(r.exit_code, -1) << r.all();
        const std::string marker = ": decision ";
        const auto at = r.out.find(marker);
        ASSERT_NE(at, std::string::npos) << r.out;
        job = r.out.substr(at + marker.size(), r.out.find(' ', at + marker.size()) - at - marker.size());
    }
    log_.add("faxsim", sim.stop());
    // Left behind: the spooled release.
    EXPECT_TRUE(fs::exists(data() / "spool" / (job + ".tif"))) << job;

    auto next = run({"queue"});
    EXPECT_EQ(next.exit_code, 0) << next.all();
    EXPECT_TRUE(files_in(data() / "spool").empty());

    auto audit = gate::AuditLog::open(data() / "audit.db");
    ASSERT_TRUE(audit.ok()) << audit.error().to_string();
    auto outcomes = audit->find_outcomes(job);
    ASSERT_TRUE(outcomes.ok());
    ASSERT_EQ(outcomes->size(), 1u);
    const auto& o = outcomes->front().outcome;
    EXPECT_EQ(o.completion, gate::CompletionCode::Partial);
    EXPECT_EQ(o.confirmed_pages, (std::vector<int>{1, 2}));
    EXPECT_EQ(o.pages_confirmed, 2);
    EXPECT_NE(o.detail.find("interrupted"), std::string::npos) << o.detail;
    // A second command finds nothing more to do; the trail verifies, signed.
    auto again = run({"queue"});
    EXPECT_EQ(again.exit_code, 0) << again.all();
    auto verify = run({"--json", "audit", "verify"});
    ASSERT_EQ(verify.exit_code, 0) << verify.all();
    EXPECT_EQ(json::parse(verify.out)["entries"], 2) << verify.out;  // the decision and its outcome
    auto exp = run({"audit", "export", "--member", member, "--from", "2000-01-01", "--to", "2100-12-31"});
    EXPECT_EQ(exp.exit_code, 0) << exp.all();
    EXPECT_NE(exp.out.find("partially delivered"), std::string::npos) << exp.out;
    EXPECT_EQ(exp.out.find("no outcome recorded"), std::string::npos) << exp.out;
}

// A dry run is not a disclosure, and the accounting of disclosures says so.
TEST_F(Station, CheckShowsAsADryRunInTheAccountingOfDisclosures) {
    const std::string member = member_reference_of(request("request-treatment.json"));
    import_directory();
    verify_directly();
    auto check = run({"check", request("request-treatment.json")});
    ASSERT_EQ(check.exit_code, 0) << check.all();
    auto exp = run({"audit", "export", "--member", member, "--from", "2000-01-01", "--to", "2100-12-31"});
    ASSERT_EQ(exp.exit_code, 0) << exp.all();
    EXPECT_NE(exp.out.find("dry run: not transmitted"), std::string::npos) << exp.out;
    EXPECT_EQ(exp.out.find("no outcome recorded"), std::string::npos) << exp.out;
    auto verify = run({"--json", "audit", "verify"});
    ASSERT_EQ(verify.exit_code, 0) << verify.all();
    EXPECT_EQ(json::parse(verify.out)["entries"], 2) << verify.out;  // the clearance and its dry-run closure
}

// Without a kept head: a trail cut at the end, recomputed after an edit, or with a
// forged entry appended is exit 5; an anchor kept off the station catches a cut that
// took the checkpoints with it; the key file is the station user's alone.
TEST_F(Station, AuditVerifyProvesTheTrailWithSignedCheckpointsAndAnchors) {
    import_directory();
    for (int i = 0; i < 3; ++i) ASSERT_EQ(run({"check", request("request-refused-attorney.json")}).exit_code, 3);
    struct stat st {};
    ASSERT_EQ(::lstat((data() / "audit-signing.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    auto ok = run({"--json", "audit", "verify"});
    ASSERT_EQ(ok.exit_code, 0) << ok.all();
    EXPECT_TRUE(json::parse(ok.out)["signed"].get<bool>()) << ok.out;
    EXPECT_EQ(json::parse(ok.out)["signed_through"], 3) << ok.out;
    const std::string anchor = dir_.file("anchor.json");
    auto a = run({"audit", "anchor", "--output", anchor});
    ASSERT_EQ(a.exit_code, 0) << a.all();
    EXPECT_EQ(run({"audit", "verify", "--anchor", anchor}).exit_code, 0);

    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((data() / "audit.db").c_str(), &db), SQLITE_OK);
    auto sql = [&](const std::string& q) { ASSERT_EQ(sqlite3_exec(db, q.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << q; };
    sql("DROP TRIGGER audit_entries_no_delete; DROP TRIGGER audit_checkpoints_no_delete");
    sql("DELETE FROM audit_entries WHERE seq = 3");
    auto cut = run({"--json", "audit", "verify"});
    EXPECT_EQ(cut.exit_code, 5) << cut.all();
    EXPECT_EQ(json::parse(cut.out)["problem"], "truncated") << cut.out;
    // The checkpoint removed too: consistent from inside, not against the anchor.
    sql("DELETE FROM audit_checkpoints WHERE seq = 3");
    EXPECT_EQ(run({"audit", "verify"}).exit_code, 0);
    auto anchored = run({"--json", "audit", "verify", "--anchor", anchor});
    EXPECT_EQ(anchored.exit_code, 5) << anchored.all();
    // A forged decision appended with a correct hash (its writer has no key).
    {
        auto forger = gate::AuditLog::open(data() / "audit.db");
        ASSERT_TRUE(forger.ok());
        gate::DecisionRecord d;
        d.job_id = "J-forged";
        d.cleared = true;
        d.rule_id = "POL-PROV-KP";
        d.member_reference = "MRN-0000-0000-XYZ";
        d.page_count = 2;
        d.decided_at = std::chrono::system_clock::now();
        ASSERT_TRUE(forger->append_decision(d).ok());
    }
    auto forged = run({"--json", "audit", "verify"});
    EXPECT_EQ(forged.exit_code, 5) << forged.all();
    EXPECT_EQ(json::parse(forged.out)["problem"], "unsigned") << forged.out;
    sqlite3_close(db);
}

TEST_F(Station, SendOnAMissingModemDeviceRecordsAFailedOutcome) {
    import_directory();
    verify_directly();
    auto send = run({"send", request("request-treatment.json"), "--modem", dir_.file("no-such-modem")});
    EXPECT_EQ(send.exit_code, 4) << send.all();  // cleared, then the modem could not be opened
    EXPECT_NE(send.out.find("modem could not be opened"), std::string::npos) << send.out;
    auto audit = run({"--json", "audit", "verify"});
    ASSERT_EQ(audit.exit_code, 0) << audit.all();
    EXPECT_EQ(json::parse(audit.out)["entries"], 2);  // the clearance has its (failed) outcome
}

TEST_F(Station, TamperedAuditTrailIsReportedWithExitFive) {
    import_directory();
    for (int i = 0; i < 3; ++i) {
        auto r = run({"check", request("request-refused-attorney.json")});
        ASSERT_EQ(r.exit_code, 3) << r.all();
    }
    auto ok = run({"--json", "audit", "verify"});
    ASSERT_EQ(ok.exit_code, 0) << ok.all();
    const std::string head = json::parse(ok.out)["head"];
    auto ok_head = run({"audit", "verify", "--head", head});
    EXPECT_EQ(ok_head.exit_code, 0) << ok_head.all();

    // Someone with the database file: drop the append-only triggers, edit entry 2.
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((data() / "audit.db").c_str(), &db), SQLITE_OK);
        std::vector<std::string> triggers;
        sqlite3_stmt* st = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'", -1, &st, nullptr),
                  SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) triggers.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        sqlite3_finalize(st);
        ASSERT_FALSE(triggers.empty());
        for (const auto& t : triggers) ASSERT_EQ(sqlite3_exec(db, ("DROP TRIGGER " + t).c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "UPDATE audit_entries SET body = replace(body, 'law-office-example', 'kp-cardiology-seattle') "
                                   "WHERE seq = 2", nullptr, nullptr, nullptr),
                  SQLITE_OK);
        EXPECT_EQ(sqlite3_changes(db), 1);
        sqlite3_close(db);
    }
    auto bad = run({"audit", "verify"});
    EXPECT_EQ(bad.exit_code, 5) << bad.all();
    EXPECT_NE(bad.out.find("AUDIT PROBLEM"), std::string::npos) << bad.out;
    EXPECT_NE(bad.out.find("2"), std::string::npos) << bad.out;
    auto bad_json = run({"--json", "audit", "verify"});
    EXPECT_EQ(bad_json.exit_code, 5) << bad_json.all();
    EXPECT_EQ(json::parse(bad_json.out)["first_bad_seq"], 2) << bad_json.out;
}

TEST_F(Station, RemovedLastEntryIsFoundAgainstAKeptHead) {
    import_directory();
    for (int i = 0; i < 2; ++i) ASSERT_EQ(run({"check", request("request-refused-attorney.json")}).exit_code, 3);
    auto ok = run({"--json", "audit", "verify"});
    ASSERT_EQ(ok.exit_code, 0) << ok.all();
    const std::string head = json::parse(ok.out)["head"];
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((data() / "audit.db").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER audit_entries_no_delete; DELETE FROM audit_entries WHERE seq = 2",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    // The signed checkpoint of entry 2 is still there: the cut shows without a head.
    auto cut = run({"--json", "audit", "verify"});
    EXPECT_EQ(cut.exit_code, 5) << cut.all();
    EXPECT_EQ(json::parse(cut.out)["problem"], "truncated") << cut.out;
    for (const std::string& h : {head, head.substr(head.find(':') + 1)}) {
        auto r = run({"audit", "verify", "--head", h});
        EXPECT_EQ(r.exit_code, 5) << h << "\n" << r.all();
    }
}

// `audit export --output` never writes through a symbolic link (the file it points to
// is left alone), and an existing file is replaced by a new 0600 one, whose real mode
// the message states (docs/faxctl.md).
TEST_F(Station, AuditExportOutputNeverFollowsALinkAndStatesTheRealMode) {
    import_directory();
    ASSERT_EQ(run({"check", request("request-refused-attorney.json")}).exit_code, 3);
    const std::string member = member_reference_of(request("request-refused-attorney.json"));
    const std::vector<std::string> export_args = {"audit", "export", "--member", member, "--from", "2000-01-01",
                                                  "--to",  "2100-12-31", "--format", "csv", "--output"};
    const fs::path victim = dir_.path() / "victim.txt";
    std::ofstream(victim) << "another file";
    fs::permissions(victim, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                fs::perms::others_read);
    const fs::path link = dir_.path() / "export.csv";
    fs::create_symlink(victim, link);
    auto args = export_args;
    args.push_back(link.string());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_NE(r.all().find("symbolic link"), std::string::npos) << r.all();
    EXPECT_EQ(read_file(victim), "another file");
    EXPECT_EQ(fs::status(victim).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
    EXPECT_TRUE(fs::is_symlink(link));

    // An existing 0644 file: replaced by a 0600 one, and the message says so.
    const fs::path existing = dir_.path() / "existing.csv";
    std::ofstream(existing) << "old";
    fs::permissions(existing, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                  fs::perms::others_read);
    args = export_args;
    args.push_back(existing.string());
    args.insert(args.begin(), "--json");
    r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    EXPECT_EQ(json::parse(r.out)["mode"], "0600") << r.out;
    EXPECT_EQ(fs::status(existing).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_NE(read_file(existing), "old");  // the export (a header: the attorney request was refused)
    EXPECT_FALSE(read_file(existing).empty());
    args.erase(args.begin());
    r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    EXPECT_NE(r.out.find("mode 0600"), std::string::npos) << r.out;
    // No temporary file is left next to it.
    for (const auto& f : files_in(dir_.path()))
        EXPECT_NE(f.filename().string().rfind(".existing.csv.", 0), 0u) << f;
}

// A data directory that others can reach is refused at start: exit 2, naming it, its
// mode and the command that fixes it; nothing is written into it.
TEST_F(Station, ADataDirectoryOpenToOthersIsRefusedWithExitTwo) {
    import_directory();  // the station makes data/ (0700)
    auto before = run({"--json", "audit", "verify"});
    ASSERT_EQ(before.exit_code, 0) << before.all();
    const int entries = json::parse(before.out)["entries"];
    EXPECT_EQ(fs::status(data()).permissions() & fs::perms::all, fs::perms::owner_all);
    fs::permissions(data(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"check", request("request-refused-attorney.json")},
          std::vector<std::string>{"audit", "verify"}, std::vector<std::string>{"directory", "list"}}) {
        auto r = run(args);
        EXPECT_EQ(r.exit_code, 2) << args[0] << "\n" << r.all();
        EXPECT_NE(r.err.find("data directory " + data().string()), std::string::npos) << r.all();
        EXPECT_NE(r.err.find("mode 0755"), std::string::npos) << r.all();
        EXPECT_NE(r.err.find("chmod 0700 " + data().string()), std::string::npos) << r.all();
    }
    fs::permissions(data(), fs::perms::owner_all);
    auto audit = run({"--json", "audit", "verify"});
    ASSERT_EQ(audit.exit_code, 0) << audit.all();
    EXPECT_EQ(json::parse(audit.out)["entries"], entries) << "the refused runs recorded nothing";
}

TEST_F(Station, ConfigurationErrorsNameTheKey) {
    struct Case {
        const char* toml;
        const char* key;
    };
    const Case cases[] = {
        {"[modem]\nsped = 115200\n", "modem.sped"},
        {"[modem]\nflow_control = \"xon\"\n", "modem.flow_control"},
        {"[modem]\nspeed = 12345\n", "modem.speed"},
        {"[cover]\nutc_offset = \"-8\"\n", "cover.utc_offset"},
        {"[station]\ndata_dir = 7\n", "station.data_dir"},
        {"[statoin]\n", "statoin"},
        {"[station\n", "bad.toml:1"},
    };
    for (const auto& c : cases) {
        const std::string path = dir_.file("bad.toml");
        std::ofstream(path) << c.toml;
        auto r = run_process({FAXCTL_BIN, "--config", path, "policy", "show"}, dir_.path(), std::chrono::seconds(30));
        EXPECT_EQ(r.exit_code, 2) << c.toml << r.all();
        EXPECT_NE(r.err.find(c.key), std::string::npos) << c.key << ": " << r.err;
    }
    auto missing = run_process({FAXCTL_BIN, "--config", dir_.file("nope.toml"), "policy", "show"}, dir_.path(),
                               std::chrono::seconds(30));
    EXPECT_EQ(missing.exit_code, 2) << missing.all();
    // --data-dir overrides the file.
    auto list = run({"--data-dir", dir_.file("other-data"), "directory", "list"});
    EXPECT_EQ(list.exit_code, 0) << list.all();
    EXPECT_TRUE(fs::exists(dir_.path() / "other-data" / "directory.db"));
}

// Packaging scripts and IT staff ask the installed program what it is.
TEST_F(Station, VersionIsPrintedWithExitZero) {
    auto r = run({"--version"});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    EXPECT_EQ(r.out, "faxctl " + std::string(fax::kVersion) + "\n");
}

TEST_F(Station, PolicyShowPrintsTheEffectivePolicy) {
    auto r = run({"policy", "show"});
    ASSERT_EQ(r.exit_code, 0) << r.all();
    json p;
    ASSERT_NO_THROW(p = json::parse(r.out)) << r.out;
    EXPECT_NE(r.out.find("POL-PROV-KP"), std::string::npos);
    EXPECT_NE(r.out.find("866-656-4184"), std::string::npos);
    // A policy file from the configuration replaces the defaults it names.
    const std::string pol = dir_.file("policy.toml");
    std::ofstream(pol) << "[verification]\nreverification_days = 90\n";
    std::ofstream(config_, std::ios::app) << "";
    std::string cfg = read_file(config_);
    cfg.replace(cfg.find("[station]\n"), 10, "[station]\npolicy_file = \"policy.toml\"\n");
    std::ofstream(config_) << cfg;
    auto r2 = run({"policy", "show"});
    ASSERT_EQ(r2.exit_code, 0) << r2.all();
    EXPECT_NE(r2.out.find("90"), std::string::npos) << r2.out;
}

TEST_F(Station, DirectoryAddListShowAndConfirmRules) {
    auto add = run({"directory", "add", "--id", "kp-lab-tacoma", "--organisation", "Kaiser Permanente Tacoma Lab",
                    "--person", "Lab desk", "--category", "kp_facility", "--fax", "253-555-0101", "--voice",
                    "253-555-0100"});
    ASSERT_EQ(add.exit_code, 0) << add.all();
    auto dup = run({"directory", "add", "--id", "kp-lab-tacoma", "--organisation", "X", "--category", "kp_facility",
                    "--fax", "253-555-0101", "--voice", "253-555-0100"});
    EXPECT_EQ(dup.exit_code, 2) << dup.all();
    auto bad_cat = run({"directory", "add", "--id", "x", "--organisation", "X", "--category", "lawyer", "--fax",
                        "253-555-0101", "--voice", "253-555-0100"});
    EXPECT_EQ(bad_cat.exit_code, 2) << bad_cat.all();
    auto bad_fax = run({"directory", "add", "--id", "y", "--organisation", "Y", "--category", "kp_facility", "--fax",
                        "call-me", "--voice", "253-555-0100"});
    EXPECT_EQ(bad_fax.exit_code, 2) << bad_fax.all();
    EXPECT_NE(bad_fax.err.find("fax"), std::string::npos) << bad_fax.err;

    auto list = run({"--json", "directory", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.all();
    const json e = json::parse(list.out);
    EXPECT_EQ(e["id"], "kp-lab-tacoma");
    EXPECT_EQ(e["verification"], "unverified");

    // Step 2 without step 1 is refused: no delivered test fax is on record.
    auto early = run({"directory", "verify", "kp-lab-tacoma", "--staff-id", "E1", "--staff-name", "A B", "--contact", "C"});
    EXPECT_EQ(early.exit_code, 3) << early.all();
    auto show = run({"directory", "show", "kp-lab-tacoma"});
    ASSERT_EQ(show.exit_code, 0) << show.all();
    EXPECT_NE(show.out.find("added"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("faxctl directory test-fax kp-lab-tacoma"), std::string::npos) << show.out;
    auto missing = run({"directory", "show", "nobody"});
    EXPECT_EQ(missing.exit_code, 2) << missing.all();
}

}  // namespace
}  // namespace fax::faxctl_test

namespace fax::faxctl_test {
namespace {

// `faxctl probe` over a faxsim modem's pty, as an IT person would run it on a station.
TEST_F(Station, ProbeIdentifiesTheModemAndItsCapabilities) {
    Faxsim sim(dir_.path(), {kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    auto text = run({"probe", sim.modem()});
    ASSERT_EQ(text.exit_code, 0) << text.all();
    EXPECT_NE(text.out.find("Class 1: yes"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("V.17 V.29 V.27ter"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("profile:     faxstack-sim"), std::string::npos) << text.out;

    auto as_json = run({"--json", "probe", sim.modem()});
    ASSERT_EQ(as_json.exit_code, 0) << as_json.all();
    const auto j = nlohmann::json::parse(as_json.out);
    EXPECT_EQ(j["event"], "probe");
    EXPECT_TRUE(j["class1"].get<bool>());
    EXPECT_EQ(j["identity"]["fmi"], "faxstack");
    EXPECT_EQ(j["profile"]["id"], "faxstack-sim");

    auto missing = run({"probe", (dir_.path() / "no-such-tty").string()});
    EXPECT_EQ(missing.exit_code, 2) << missing.all();

    auto listed = run({"--json", "modems"});
    EXPECT_EQ(listed.exit_code, 0) << listed.all();
    EXPECT_TRUE(nlohmann::json::parse(listed.out)["modems"].is_array());
}

// Issue #14: every hostile document ends with exit 2 within 10 s, the message naming the
// document by its index and the limit by its configuration key, never the document's path.
TEST_F(Station, HostileDocumentsEndWithExitTwoNamingTheDocumentAndTheLimit) {
    import_directory();
    verify_directly();
    // A configured limit reaches the reader: the zero-stream PDF below is 64 MB of zeros.
    std::ofstream(config_, std::ios::app) << "[limits]\nmax_decompressed_bytes = 16777216\n";
    const fs::path doc = dir_.path() / "requests" / "documents" / "discharge-summary.tif";
    const std::string path = doc.string();
    struct Case {
        const char* what;
        std::function<void()> make;
        const char* expected;
    };
    const Case cases[] = {
        {"100 TIFF pages of 10000 x 100000", [&] { ASSERT_TRUE(t30::test::write_tiff_directories(path, 100, 10000, 100000)); },
         "limits.max_page_pixels"},
        {"a 5,000-page TIFF", [&] { ASSERT_TRUE(t30::test::write_tiff_directories(path, 5000, 1728, 2200)); },
         "limits.max_pages"},
        {"1,999 PDF pages sharing one zero stream",
         [&] { ASSERT_TRUE(t30::test::write_zero_stream_pdf(path, 1999, 64ull << 20)); }, "limits.max_decompressed_bytes"},
        {"an 8.5 x 200 in PDF page",
         [&] { std::ofstream(path, std::ios::binary) << fax::testing::make_pdf({"0 g 72 72 144 144 re f\n"}, 612, 14400); },
         "limits.max_page_pixels"},
        {"a 20-byte PBM header", [&] { std::ofstream(path, std::ios::binary) << "P4\n100000 100000\n\n\n"; },
         "limits.max_page_pixels"},
        {"a FIFO",
         [&] {
             fs::remove(doc);
             ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
         },
         "not a regular file"},
    };
    const std::string member = member_reference_of(request("request-treatment.json"));
    for (const Case& c : cases) {
        fs::remove(doc);
        c.make();
        const auto t0 = std::chrono::steady_clock::now();
        auto r = run({"check", request("request-treatment.json")}, std::chrono::seconds(30));
        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_EQ(r.exit_code, 2) << c.what << ": " << r.all();
        EXPECT_LT(took, 10.0) << c.what;
        // A recorded refusal (DOC-LIMIT, DOC-UNREADABLE) whose text names the document and the limit.
        EXPECT_NE(r.out.find("[DOC-"), std::string::npos) << c.what << ": " << r.all();
        EXPECT_NE(r.out.find("documents[0]"), std::string::npos) << c.what << ": " << r.all();
        EXPECT_NE(r.out.find(c.expected), std::string::npos) << c.what << ": " << r.all();
        EXPECT_EQ(r.all().find("discharge-summary"), std::string::npos) << c.what << ": " << r.all();
        EXPECT_EQ(r.all().find(member), std::string::npos) << c.what;
    }
    EXPECT_TRUE(files_in(data() / "spool").empty());
}

}  // namespace
}  // namespace fax::faxctl_test
