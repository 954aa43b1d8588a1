// faxd end to end on a faxsim line: queued releases are delivered by the daemon, and
// killing it with SIGKILL at many moments loses no job, marks no page delivered that
// the receiver did not get, and leaves the audit chain valid.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "faxctl_harness.h"
#include "test_line.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxctl_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kEntry = "kp-cardiology-seattle";
constexpr const char* kDial = "12065550142";


class Daemon : public ::testing::Test {
protected:
    void SetUp() override {
        config_ = make_station(dir_.path(), dir_.file("modem"));
        // Retry at once (the schedule is table-tested in tests/job); plenty of attempts.
        std::ofstream(config_, std::ios::app) << "[queue]\nretry_delays_seconds = [1]\nmax_attempts = 30\n";
        auto imp = run({"directory", "import", std::string(FAX_SOURCE_DIR) + "/examples/directory.json"});
        ASSERT_EQ(imp.exit_code, 0) << imp.all();
        auto d = gate::Directory::open(dir_.path() / "data" / "directory.db");
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        const auto now = std::chrono::system_clock::now();
        ASSERT_TRUE(d->record_test_fax(kEntry, {"J-test", now - 5min, true, "E104233"}).ok());
        ASSERT_TRUE(d->confirm_by_phone(kEntry, {"E104233", "Dana Whitfield", "Front desk", now}).ok());
    }

    RunResult run(const std::vector<std::string>& args, std::chrono::seconds deadline = 60s) {
        return faxctl(config_, args, dir_.path(), log_, deadline);
    }
    std::vector<std::string> faxd_args(bool exit_when_idle) const {
        std::vector<std::string> a{FAXD_BIN, "--config", config_, "-v"};
        if (exit_when_idle) a.push_back("--exit-when-idle");
        return a;
    }
    std::string request() const { return (dir_.path() / "requests" / "request-treatment.json").string(); }

    std::string submit(const std::string& request_file = {}) {
        auto r = run({"--json", "send", "--queue", request_file.empty() ? request() : request_file});
        EXPECT_EQ(r.exit_code, 0) << r.all();
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) {
            auto j = json::parse(line, nullptr, false);
            if (j.is_object() && j.value("event", "") == "queued") return j["job_id"].get<std::string>();
        }
        ADD_FAILURE() << "no queued event: " << r.out;
        return {};
    }

    json status(const std::string& job) {
        auto r = run({"--json", "status", job});
        EXPECT_EQ(r.exit_code, 0) << r.all();
        std::istringstream lines(r.out);
        std::string first;
        std::getline(lines, first);
        return json::parse(first, nullptr, false);
    }

    void expect_audit_valid(const std::string& when) {
        auto v = run({"audit", "verify"});
        EXPECT_EQ(v.exit_code, 0) << when << ": " << v.all();
    }

    // Every page any received fax carries, by the gate's page hash.
    std::set<std::string> received_page_hashes(const fs::path& rx_dir) {
        std::set<std::string> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(rx_dir, ec)) {
            if (e.path().extension() != ".tif") continue;
            auto pages = t30::read_tiff(e.path().string());
            if (!pages) continue;  // a fax still being written when the line was cut
            for (const auto& p : *pages) out.insert(page_hash(p));
        }
        return out;
    }

    // What the audit trail says was delivered must be in what the receiver got.
    void expect_delivered_pages_were_received(const std::string& job, const fs::path& rx_dir) {
        auto audit = gate::AuditLog::open(dir_.path() / "data" / "audit.db");
        ASSERT_TRUE(audit.ok());
        auto decision = audit->find_decision(job);
        ASSERT_TRUE(decision.ok() && *decision);
        auto delivered = audit->delivered_pages(job);
        ASSERT_TRUE(delivered.ok());
        const auto received = received_page_hashes(rx_dir);
        for (int p : *delivered) {
            if (p == 1) continue;  // covers differ per attempt (continuation covers)
            const std::string& h = (*decision)->page_sha256.at(static_cast<std::size_t>(p - 1));
            EXPECT_TRUE(received.count(h) == 1) << "job " << job << " page " << p
                                                << " is recorded as delivered but the receiver never got it";
        }
    }

    // The configuration's one [modem] table becomes two [[modem]] tables, the second on `device`.
    void add_second_modem(const std::string& device) {
        std::string t = read_file(config_);
        const auto at = t.find("[modem]\n");
        ASSERT_NE(at, std::string::npos);
        t.replace(at, 8, "[[modem]]\n");
        t += "[[modem]]\ndevice = \"" + device + "\"\n";
        std::ofstream(config_) << t;
    }
    // The configured modem answers calls (a receiving line).
    void make_modem_answer() {
        std::string t = read_file(config_);
        const auto at = t.find("[modem]\n");
        ASSERT_NE(at, std::string::npos);
        t.insert(at + 8, "answer = true\n");
        std::ofstream(config_) << t;
    }
    // The first fax `faxctl received` lists, polled once a second for up to two minutes.
    json wait_for_received_fax() {
        for (int i = 0; i < 120; ++i) {
            std::this_thread::sleep_for(1s);
            auto r = run({"--json", "received"});
            EXPECT_EQ(r.exit_code, 0) << r.all();
            std::istringstream lines(r.out);
            for (std::string line; std::getline(lines, line);) {
                auto j = json::parse(line, nullptr, false);
                if (j.is_object() && j.value("event", "") == "received") return j;
            }
        }
        return {};
    }

    TempDir dir_;
    std::string config_;
    OutputLog log_;
};

// faxd refuses a data directory that others can reach, at start, with exit 2 and a
// message naming it, its mode and the fix (docs/station.md, "Files and permissions").
TEST_F(Daemon, ADataDirectoryOpenToOthersIsRefusedAtStartWithExitTwo) {
    const fs::path data = dir_.path() / "data";
    fs::permissions(data, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    auto r = run_process(faxd_args(true), dir_.path(), 30s);
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_NE(r.err.find("data directory " + data.string() + " has mode 0755"), std::string::npos) << r.all();
    EXPECT_NE(r.err.find("chmod 0700 " + data.string()), std::string::npos) << r.all();
    EXPECT_EQ(fs::status(data).permissions() & fs::perms::all,
              fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                  fs::perms::others_exec)
        << "never chmod-ed by the station";
}

TEST_F(Daemon, AQueuedReleaseIsDeliveredByTheDaemon) {
    Faxsim sim(dir_.path(), {kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    const std::string job = submit();
    ASSERT_FALSE(job.empty());
    json s = status(job);
    EXPECT_EQ(s["state"], "queued") << s.dump();

    auto d = run_process(faxd_args(true), dir_.path(), 400s);
    log_.add("faxd", d.all());
    ASSERT_EQ(d.exit_code, 0) << d.all() << sim.stop();
    s = status(job);
    EXPECT_EQ(s["state"], "done") << s.dump();
    EXPECT_EQ(s["confirmed_pages"], json::array({1, 2, 3, 4, 5}));
    EXPECT_EQ(s["attempts"], 1);
    expect_audit_valid("after delivery");
    expect_delivered_pages_were_received(job, sim.rx_dir(kDial));
    EXPECT_TRUE(fs::exists(dir_.path() / "data" / "reports" / (job + ".pdf")));
    EXPECT_FALSE(fs::exists(dir_.path() / "data" / "spool" / (job + ".tif"))) << "a closed job's spool is removed";
    const std::string member = json::parse(read_file(request()))["member"]["record_reference"].get<std::string>();
    log_.add("faxsim", sim.stop());
    EXPECT_EQ(log_.text().find(member), std::string::npos) << "the member reference reached an output";
}

TEST_F(Daemon, TheDaemonDrivesAQuirkyModemWithTheProfileItsIdentitySelects) {
    // A modem that takes 8 s to answer ATZ: the generic profile gives up after 5 s
    // (test_t30_session.ModemQuirksCall shows that); the probe finds the modem's own
    // profile by its +FMM answer and the call goes through.
    Faxsim sim(dir_.path(), {kDial}, {"--quirks", "5551001=slow-atz"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    const std::string job = submit();
    auto d = run_process(faxd_args(true), dir_.path(), 400s);
    log_.add("faxd", d.all());
    ASSERT_EQ(d.exit_code, 0) << d.all();
    EXPECT_NE(d.err.find("profile sim-slow-atz"), std::string::npos) << d.err;
    json s = status(job);
    EXPECT_EQ(s["state"], "done") << s.dump() << d.all();
    EXPECT_EQ(s["attempts"], 1) << s.dump();
    expect_delivered_pages_were_received(job, sim.rx_dir(kDial));
    log_.add("faxsim", sim.stop());
}

TEST_F(Daemon, ABusyLineIsRetriedOnScheduleThenGivenUp) {
    Faxsim sim(dir_.path(), {kDial}, {"--line-fault", std::string(kDial) + "=busy"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    std::string t = read_file(config_);
    t.replace(t.find("max_attempts = 30"), 17, "max_attempts = 3");
    std::ofstream(config_) << t;
    const std::string job = submit();
    auto d = run_process(faxd_args(true), dir_.path(), 300s);
    log_.add("faxd", d.all());
    ASSERT_EQ(d.exit_code, 0) << d.all();
    json s = status(job);
    EXPECT_EQ(s["state"], "failed") << s.dump();
    EXPECT_EQ(s["attempts"], 3) << s.dump();
    EXPECT_EQ(s["last_completion"], "busy") << s.dump();
    auto st = run({"status", job});
    EXPECT_NE(st.out.find("closed: gave_up"), std::string::npos) << st.out;
    EXPECT_NE(st.out.find("outcome 3: busy"), std::string::npos) << st.out;
    const std::string events = sim.stop();
    log_.add("faxsim", events);
    std::size_t busy = 0;
    for (auto at = events.find(" busy"); at != std::string::npos; at = events.find(" busy", at + 1)) ++busy;
    EXPECT_GE(busy, 3u) << "three calls got BUSY on the line: " << events;
    expect_audit_valid("after the retries");
}

TEST_F(Daemon, TwoModemsRunTwoJobsAtOnceInOneProcess) {
    const std::string modem2 = dir_.file("modem2");
    constexpr const char* kPayer = "15095550166";  // payer-utilization-review, 509-555-0166
    Faxsim sim(dir_.path(), {kDial, kPayer}, {"--modem", modem2 + "=5551002"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    // Both modems in the configuration: [modem] becomes two [[modem]] tables.
    add_second_modem(modem2);
    ASSERT_FALSE(HasFatalFailure());
    {
        auto dir = gate::Directory::open(dir_.path() / "data" / "directory.db");
        ASSERT_TRUE(dir.ok());
        const auto now = std::chrono::system_clock::now();
        ASSERT_TRUE(dir->record_test_fax("payer-utilization-review", {"J-t2", now - 5min, true, "E104233"}).ok());
        ASSERT_TRUE(dir->confirm_by_phone("payer-utilization-review", {"E104233", "Dana Whitfield", "Desk", now}).ok());
    }
    const std::string a = submit(), b = submit((dir_.path() / "requests" / "request-payer-certification.json").string());
    ASSERT_FALSE(a.empty() || b.empty());
    auto d = run_process(faxd_args(true), dir_.path(), 400s);
    log_.add("faxd", d.all());
    ASSERT_EQ(d.exit_code, 0) << d.all();
    json sa = status(a), sb = status(b);
    EXPECT_EQ(sa["state"], "done") << sa.dump();
    EXPECT_EQ(sb["state"], "done") << sb.dump();
    EXPECT_NE(sa["modem"], sb["modem"]) << "each job ran on its own modem";
    // The two calls overlapped: both were answered before either hung up.
    const std::string events = sim.stop();
    log_.add("faxsim", events);
    const auto answered_a = events.find("answered");
    const auto answered_b = events.find("answered", answered_a + 1);
    const auto first_hangup = events.find("hang-up");
    ASSERT_NE(answered_a, std::string::npos) << events;
    ASSERT_NE(answered_b, std::string::npos) << events;
    EXPECT_LT(std::max(answered_a, answered_b), first_hangup) << events;
}

// What an IT technician sees: `faxctl modems` shows each configured modem with the class
// and profile faxd settled on and the state faxd reports, and says so when faxd is gone.
TEST_F(Daemon, FaxctlModemsShowsTheClassAndStateFaxdReports) {
    const std::string modem2 = dir_.file("modem2");
    Faxsim sim(dir_.path(), {kDial}, {"--modem", modem2 + "=5551002", "--class2-only", "5551002"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    add_second_modem(modem2);
    ASSERT_FALSE(HasFatalFailure());

    auto modems = [&]() {
        auto r = run({"--json", "modems"});
        EXPECT_EQ(r.exit_code, 0) << r.all();
        std::map<std::string, json> by_device;
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) {
            auto j = json::parse(line, nullptr, false);
            if (j.is_object() && j.value("event", "") == "modems")
                for (const auto& e : j["configured"]) by_device[e["entry"].get<std::string>()] = e;
        }
        return by_device;
    };
    auto before = modems();
    ASSERT_EQ(before.size(), 2u);
    EXPECT_EQ(before[sim.modem()]["state"], "faxd_not_running");
    EXPECT_EQ(before[modem2]["configured_class"], "auto");

    Child faxd(faxd_args(false), dir_.path());
    std::map<std::string, json> seen;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        seen = modems();
        if (seen[sim.modem()].value("state", "") == "idle" && seen[modem2].value("state", "") == "idle") break;
        std::this_thread::sleep_for(500ms);
    }
    EXPECT_EQ(seen[sim.modem()]["state"], "idle") << seen[sim.modem()].dump();
    EXPECT_EQ(seen[sim.modem()]["class"], "1") << seen[sim.modem()].dump();
    EXPECT_EQ(seen[modem2]["state"], "idle") << seen[modem2].dump();
    EXPECT_EQ(seen[modem2]["class"], "2.0") << "the probe found Class 2.0 only: " << seen[modem2].dump();
    EXPECT_TRUE(seen[modem2]["faxd_running"].get<bool>());
    EXPECT_FALSE(seen[modem2]["profile"].get<std::string>().empty());

    faxd.signal(SIGTERM);
    log_.add("faxd", faxd.wait(30s).all());
    auto after = modems();
    EXPECT_EQ(after[modem2]["state"], "faxd_not_running") << after[modem2].dump();
    log_.add("faxsim", sim.stop());
}

TEST_F(Daemon, ACancelledJobIsClosedAndNeverSent) {
    const std::string job = submit();
    auto c = run({"cancel", job, "--staff-id", "E104233"});
    ASSERT_EQ(c.exit_code, 0) << c.all();
    EXPECT_EQ(status(job)["state"], "cancelled");
    auto again = run({"cancel", job, "--staff-id", "E104233"});
    EXPECT_NE(again.exit_code, 0) << "a closed job cannot be cancelled again";
    auto q = run({"queue"});
    EXPECT_NE(q.out.find("nothing queued"), std::string::npos) << q.out;
}

TEST_F(Daemon, SigkillAtManyPointsLosesNothingAndClaimsNothingUnsent) {
    Faxsim sim(dir_.path(), {kDial});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    const std::vector<std::string> jobs = {submit(), submit()};
    // Moments after start: at start-up and recovery, dialling, training, in pages,
    // between pages, near the end of a call, in the second job.
    const std::vector<std::chrono::milliseconds> kills = {300ms, 1500ms, 4s, 9s, 15s, 22s, 31s, 45s};
    for (std::size_t i = 0; i < kills.size(); ++i) {
        {
            Child faxd(faxd_args(false), dir_.path());
            std::this_thread::sleep_for(kills[i]);
            faxd.signal(SIGKILL);
            auto r = faxd.wait(10s);
            log_.add("faxd killed #" + std::to_string(i), r.all());
        }
        // After every kill: both jobs are there, the chain holds, and nothing the
        // trail calls delivered is missing at the receiver.
        for (const auto& job : jobs) {
            json s = status(job);
            ASSERT_TRUE(s.is_object()) << "job " << job << " lost after kill " << i;
            EXPECT_NE(s["state"], "failed") << s.dump();
            expect_delivered_pages_were_received(job, sim.rx_dir(kDial));
        }
        expect_audit_valid("after kill " + std::to_string(i));
    }
    auto d = run_process(faxd_args(true), dir_.path(), 900s);
    log_.add("faxd final", d.all());
    ASSERT_EQ(d.exit_code, 0) << d.all();
    for (const auto& job : jobs) {
        json s = status(job);
        EXPECT_EQ(s["state"], "done") << s.dump();
        EXPECT_EQ(s["confirmed_pages"], json::array({1, 2, 3, 4, 5})) << s.dump();
        expect_delivered_pages_were_received(job, sim.rx_dir(kDial));
    }
    expect_audit_valid("at the end");
    log_.add("faxsim", sim.stop());
}

TEST_F(Daemon, AnAnsweringModemStoresTheFaxWithAReceptionReport) {
    // The station's modem answers; a fax machine on the line calls it with two pages.
    const fs::path sent = dir_.path() / "requests" / "documents" / "discharge-summary.tif";
    Faxsim sim(dir_.path(), {}, {"--sender", "5550300=" + sent.string() + "@5551001,delay=3"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    make_modem_answer();
    ASSERT_FALSE(HasFatalFailure());

    Child faxd(faxd_args(false), dir_.path());
    json fax = wait_for_received_fax();
    faxd.signal(SIGTERM);
    auto d = faxd.wait(60s);
    log_.add("faxd", d.all());
    EXPECT_EQ(d.exit_code, 0) << "SIGTERM ends faxd cleanly: " << d.all();
    ASSERT_FALSE(fax.is_null()) << "nothing was received: " << d.all() << sim.stop();
    EXPECT_EQ(fax["pages"], 2) << fax.dump();
    EXPECT_EQ(fax["completion"], "ok") << fax.dump();
    EXPECT_EQ(fax["remote_tsi"], "5550300") << "faxsim's terminals send their number as TSI";
    const fs::path stored = fax["tiff"].get<std::string>();
    auto got = t30::read_tiff(stored.string());
    auto want = t30::read_tiff(sent.string());
    ASSERT_TRUE(got.ok() && want.ok());
    ASSERT_EQ(got->size(), want->size());
    for (std::size_t i = 0; i < got->size(); ++i)
        EXPECT_EQ(page_hash((*got)[i]), page_hash((*want)[i])) << "page " << i + 1 << " is not pixel-exact";
    EXPECT_EQ(fs::status(stored).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    const std::string id = fax["rx_id"].get<std::string>();
    EXPECT_TRUE(fs::exists(dir_.path() / "data" / "reports" / (id + ".pdf")));
    EXPECT_TRUE(fs::exists(dir_.path() / "data" / "reports" / (id + ".png")));
    // Reports name the sender: the folder and the files are the station account's only.
    EXPECT_EQ(fs::status(dir_.path() / "data" / "reports").permissions() & fs::perms::all, fs::perms::owner_all);
    EXPECT_EQ(fs::status(dir_.path() / "data" / "reports" / (id + ".pdf")).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    log_.add("faxsim", sim.stop());
}

// ---- Class 2.0: a modem that offers Class 2.0 only (faxsim --class2-only), run by
// faxd and faxctl through ModemPort as a Class 1 modem is.

TEST_F(Daemon, AClass2OnlyModemDeliversAQueuedRelease) {
    Faxsim sim(dir_.path(), {kDial}, {"--class2-only", "5551001"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    const std::string job = submit();
    auto d = run_process(faxd_args(true), dir_.path(), 400s);
    log_.add("faxd", d.all());
    ASSERT_EQ(d.exit_code, 0) << d.all() << sim.stop();
    EXPECT_NE(d.err.find("Class 2.0"), std::string::npos) << "the probe found Class 2.0 only: " << d.err;
    json s = status(job);
    EXPECT_EQ(s["state"], "done") << s.dump() << d.all();
    EXPECT_EQ(s["confirmed_pages"], json::array({1, 2, 3, 4, 5})) << s.dump();
    EXPECT_EQ(s["attempts"], 1);
    expect_audit_valid("after a Class 2.0 delivery");
    expect_delivered_pages_were_received(job, sim.rx_dir(kDial));
    EXPECT_TRUE(fs::exists(dir_.path() / "data" / "reports" / (job + ".pdf")));
    auto st = run({"status", job});
    EXPECT_NE(st.out.find("outcome 1: ok"), std::string::npos) << st.out;
    log_.add("faxsim", sim.stop());
}

TEST_F(Daemon, FaxctlSendsOverAClass2OnlyModem) {
    Faxsim sim(dir_.path(), {kDial}, {"--class2-only", "5551001"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    auto r = run({"--json", "send", request()}, 300s);
    ASSERT_EQ(r.exit_code, 0) << r.all() << sim.stop();
    json result;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        auto j = json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "result") result = j;
    }
    EXPECT_EQ(result["completion"], "ok") << r.out;
    EXPECT_EQ(result["pages_confirmed"], 5) << r.out;
    EXPECT_EQ(result["remote_csi"], kDial) << r.out;
    expect_audit_valid("after a foreground Class 2.0 send");
    log_.add("faxsim", sim.stop());
}

// The CSI check holds in Class 2.0 too: the modem reports the remote's CSI (+FCI) before
// any page, and the session ends the call (+FKS) when it is not the verified one.
TEST_F(Daemon, AClass2OnlyModemSendsNoPageToAnotherStationId) {
    Faxsim sim(dir_.path(), {kDial}, {"--class2-only", "5551001"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    auto csi = run({"directory", "set-csi", kEntry, "+1 206 555 0199", "--staff-id", "E104233"});
    ASSERT_EQ(csi.exit_code, 0) << csi.all();
    auto r = run({"--json", "send", request()}, 300s);
    EXPECT_EQ(r.exit_code, 4) << r.all();
    EXPECT_NE(r.out.find("\"completion\":\"csi_mismatch\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"pages_confirmed\":0"), std::string::npos) << r.out;
    EXPECT_TRUE(received_page_hashes(sim.rx_dir(kDial)).empty()) << "a page reached the wrong station";
    log_.add("faxsim", sim.stop());
}

TEST_F(Daemon, AnAnsweringClass2OnlyModemStoresTheFax) {
    const fs::path sent = dir_.path() / "requests" / "documents" / "discharge-summary.tif";
    Faxsim sim(dir_.path(), {}, {"--class2-only", "5551001", "--sender", "5550300=" + sent.string() + "@5551001,delay=3"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    make_modem_answer();
    ASSERT_FALSE(HasFatalFailure());
    Child faxd(faxd_args(false), dir_.path());
    json fax = wait_for_received_fax();
    faxd.signal(SIGTERM);
    auto d = faxd.wait(60s);
    log_.add("faxd", d.all());
    ASSERT_FALSE(fax.is_null()) << "nothing was received: " << d.all() << sim.stop();
    EXPECT_EQ(fax["pages"], 2) << fax.dump();
    EXPECT_EQ(fax["completion"], "ok") << fax.dump();
    auto got = t30::read_tiff(fax["tiff"].get<std::string>());
    auto want = t30::read_tiff(sent.string());
    ASSERT_TRUE(got.ok() && want.ok());
    ASSERT_EQ(got->size(), want->size());
    for (std::size_t i = 0; i < got->size(); ++i)
        EXPECT_EQ(page_hash((*got)[i]), page_hash((*want)[i])) << "page " << i + 1 << " is not pixel-exact";
    log_.add("faxsim", sim.stop());
}

// The retry ladder on a Class 2.0 modem: on a noisy line the first attempt fails at
// V.17; each next attempt caps the rate one step lower (+FIS BR 3 = V.29, 1 = V.27ter)
// and toggles ECM after a page failure, until one gets through — at the rate it capped.
TEST_F(Daemon, TheRetryLadderStepsDownAClass2Modem) {
    if (fax::testing::on_t38_line())
        GTEST_SKIP() << "V.17 is made to fail by audio noise on the receiver's line; a T.38 line carries packets "
                        "(the retry ladder on packet loss: not modelled, T.38 does not fall back in speed)";
    Faxsim sim(dir_.path(), {kDial}, {"--class2-only", "5551001", "--line-fault", std::string(kDial) + "=noise=-48"});
    ASSERT_TRUE(sim.ready()) << sim.stop();
    const std::string job = submit();
    auto d = run_process(faxd_args(true), dir_.path(), 600s);
    log_.add("faxd", d.all());
    ASSERT_EQ(d.exit_code, 0) << d.all();
    json s = status(job);
    EXPECT_EQ(s["state"], "done") << s.dump() << d.all();
    EXPECT_GE(s["attempts"].get<int>(), 2) << s.dump();
    auto st = run({"status", job});
    EXPECT_NE(st.out.find("attempt 2 cleared at"), std::string::npos) << st.out;
    EXPECT_NE(st.out.find("V.29 max"), std::string::npos) << "the second attempt was tuned down: " << st.out;
    // The modem's T.30 kept to each attempt's ceiling: the rates the outcomes record.
    auto audit = gate::AuditLog::open(dir_.path() / "data" / "audit.db");
    ASSERT_TRUE(audit.ok());
    auto attempts = audit->find_attempts(job);
    auto outcomes = audit->find_outcomes(job);
    ASSERT_TRUE(attempts.ok() && outcomes.ok());
    ASSERT_EQ(attempts->size(), outcomes->size());
    const std::map<std::string, int> ceiling{{"V.17", 14400}, {"V.29", 9600}, {"V.27ter", 4800}};
    for (std::size_t i = 0; i < outcomes->size(); ++i) {
        const auto& o = (*outcomes)[i].outcome;
        const std::string tuning = (*attempts)[i].tuning;  // "V.29 max, ECM off"
        const std::string cap = tuning.substr(0, tuning.find(' '));
        ASSERT_TRUE(ceiling.count(cap)) << tuning;
        EXPECT_LE(o.negotiated.bit_rate, ceiling.at(cap)) << "attempt " << i + 1 << " under " << cap;
    }
    EXPECT_EQ(outcomes->back().outcome.completion, gate::CompletionCode::Ok);
    EXPECT_LE(outcomes->back().outcome.negotiated.bit_rate, 9600) << "delivered below the V.17 that failed";
    expect_delivered_pages_were_received(job, sim.rx_dir(kDial));
    log_.add("faxsim", sim.stop());
}

}  // namespace
}  // namespace fax::faxctl_test
