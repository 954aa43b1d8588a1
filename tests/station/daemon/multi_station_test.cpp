// Many stations, one PostgreSQL server (issue #13, docs/multi-station.md): faxctl and
// faxd as child processes, each station with its own data directory and its own
// simulated modem (faxsim), all sharing the directory, the audit trail, the queue and
// the spooled files on one server that the test starts itself. What is checked:
//   - eight stations deciding and sending at once: no audit sequence number lost or given
//     twice, one chain that verifies, every job delivered once;
//   - a station killed with SIGKILL mid-call: another finishes the job once the lease has
//     expired, sending only the pages not yet confirmed;
//   - the server restarted mid-run: the stations reconnect and nothing is lost;
//   - the server stopped: nothing is cleared or dialled, with exit status 6 and a message.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "faxctl_harness.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/job/job_queue.h"
#include "fax/t30/tiff_io.h"
#include "pg_cluster.h"

namespace fax::faxctl_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kEntry = "kp-cardiology-seattle";
constexpr const char* kDial = "12065550142";


// One station: its directory, configuration (name ws-N, the shared store) and modem.
struct Station {
    fs::path dir;
    std::string config;
    std::string name;
    std::unique_ptr<Faxsim> sim;
};

class MultiStation : public ::testing::Test {
protected:
    void SetUp() override {
        auto c = test::PgCluster::start();
        if (!c) {
            if (std::getenv("FAXSTACK_REQUIRE_POSTGRES") != nullptr) FAIL() << c.error().to_string();
            GTEST_SKIP() << "PostgreSQL server not available: " << c.error().to_string();
        }
        pg_ = std::move(*c);
        ASSERT_TRUE(pg_->create_database("faxstack").ok());
    }

    // A station on the shared store; `lease` seconds for its running attempts.
    Station& add_station(int lease = 30, bool with_modem = true) {
        auto s = std::make_unique<Station>();
        s->name = "ws-" + std::to_string(stations_.size() + 1);
        s->dir = dir_.path() / s->name;
        fs::create_directories(s->dir);
        s->config = make_station(s->dir, (s->dir / "modem").string());
        std::string t = read_file(s->config);
        t.replace(t.find("[station]\n"), 10, "[station]\nname = \"" + s->name + "\"\n");
        t += "[store]\nurl = \"" + pg_->url("faxstack") + "\"\nlease_seconds = " + std::to_string(lease) + "\n";
        t += "[queue]\nretry_delays_seconds = [1]\nmax_attempts = 30\n";
        std::ofstream(s->config) << t;
        if (with_modem) {
            s->sim = std::make_unique<Faxsim>(s->dir, std::vector<std::string>{kDial});
            EXPECT_TRUE(s->sim->ready()) << s->sim->stop();
        }
        stations_.push_back(std::move(s));
        return *stations_.back();
    }

    // The schema (as the owner), the directory imported and the cardiology entry verified:
    // once for every station.
    void prepare_store(const Station& s) {
        auto m = run(s, {"store", "migrate"});
        ASSERT_EQ(m.exit_code, 0) << m.all();
        auto imp = run(s, {"directory", "import", std::string(FAX_SOURCE_DIR) + "/examples/directory.json"});
        ASSERT_EQ(imp.exit_code, 0) << imp.all();
        auto d = gate::Directory::open(database(), store::SchemaPolicy::RequireCurrent);
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        const auto now = std::chrono::system_clock::now();
        ASSERT_TRUE(d->record_test_fax(kEntry, {"J-test", now - 5min, true, "E104233"}).ok());
        ASSERT_TRUE(d->confirm_by_phone(kEntry, {"E104233", "Dana Whitfield", "Front desk", now}).ok());
    }

    std::shared_ptr<store::Database> database() {
        auto db = store::open_postgres(pg_->conninfo("faxstack"), "test");
        EXPECT_TRUE(db.ok()) << db.error().to_string();
        return db ? std::shared_ptr<store::Database>(std::move(*db)) : nullptr;
    }

    RunResult run(const Station& s, const std::vector<std::string>& args, std::chrono::seconds deadline = 60s) {
        return faxctl(s.config, args, s.dir, log_, deadline);
    }
    std::vector<std::string> faxd_args(const Station& s, bool exit_when_idle) const {
        std::vector<std::string> a{FAXD_BIN, "--config", s.config, "-v"};
        if (exit_when_idle) a.push_back("--exit-when-idle");
        return a;
    }
    std::string request(const Station& s, const char* name = "request-treatment.json") const {
        return (s.dir / "requests" / name).string();
    }
    std::string submit(const Station& s) {
        auto r = run(s, {"--json", "send", "--queue", request(s)});
        EXPECT_EQ(r.exit_code, 0) << r.all();
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) {
            auto j = json::parse(line, nullptr, false);
            if (j.is_object() && j.value("event", "") == "queued") return j["job_id"].get<std::string>();
        }
        ADD_FAILURE() << "no queued event: " << r.all();
        return {};
    }
    json status(const Station& s, const std::string& job) {
        auto r = run(s, {"--json", "status", job});
        EXPECT_EQ(r.exit_code, 0) << r.all();
        std::istringstream lines(r.out);
        std::string first;
        std::getline(lines, first);
        return json::parse(first, nullptr, false);
    }
    void expect_audit_valid(const Station& s, const std::string& when) {
        auto v = run(s, {"--json", "audit", "verify"});
        EXPECT_EQ(v.exit_code, 0) << when << ": " << v.all();
    }

    gate::AuditLog audit() {
        auto a = gate::AuditLog::open(database(), store::SchemaPolicy::RequireCurrent);
        EXPECT_TRUE(a.ok()) << a.error().to_string();
        return std::move(*a);
    }

    // The trail's sequence numbers are 1..n with none missing or doubled.
    void expect_contiguous_trail() {
        auto entries = audit().entries();
        ASSERT_TRUE(entries.ok());
        for (std::size_t i = 0; i < entries->size(); ++i) ASSERT_EQ((*entries)[i].seq, static_cast<int64_t>(i + 1));
    }

    // Every page the trail calls delivered is in what some receiver got, and no page of
    // the cleared document (the cover aside) is confirmed by two attempts.
    void expect_each_page_delivered_once(const std::string& job) {
        auto log = audit();
        auto decision = log.find_decision(job);
        ASSERT_TRUE(decision.ok() && *decision);
        auto outcomes = log.find_outcomes(job);
        ASSERT_TRUE(outcomes.ok());
        std::map<int, int> confirmations;
        for (const auto& o : *outcomes) {
            std::vector<int> pages = o.outcome.confirmed_pages;
            if (pages.empty())
                for (int p = 1; p <= o.outcome.pages_confirmed; ++p) pages.push_back(p);
            for (int p : pages) ++confirmations[p];
        }
        for (const auto& [page, n] : confirmations) {
            if (page > 1) {
                EXPECT_EQ(n, 1) << "job " << job << " page " << page << " was confirmed by " << n << " attempts";
            }
        }
        std::set<std::string> received;
        for (const auto& s : stations_) {
            std::error_code ec;
            for (const auto& e : fs::directory_iterator(s->dir / ("rx-" + std::string(kDial)), ec)) {
                if (e.path().extension() != ".tif") continue;
                auto pages = t30::read_tiff(e.path().string());
                if (!pages) continue;
                for (const auto& p : *pages) received.insert(page_hash(p));
            }
        }
        auto delivered = log.delivered_pages(job);
        ASSERT_TRUE(delivered.ok());
        for (int p : *delivered) {
            if (p == 1) continue;
            EXPECT_EQ(received.count((*decision)->page_sha256.at(static_cast<std::size_t>(p - 1))), 1u)
                << "job " << job << " page " << p << " is recorded as delivered but no receiver got it";
        }
    }

    void TearDown() override {
        for (auto& s : stations_)
            if (s->sim) log_.add("faxsim " + s->name, s->sim->stop());
        // No member reference in anything any program printed.
        if (!stations_.empty()) {
            const std::string member =
                json::parse(read_file(request(*stations_[0])))["member"]["record_reference"].get<std::string>();
            const auto at = log_.text().find(member);
            EXPECT_EQ(at, std::string::npos) << "the member reference reached an output: "
                                             << log_.text().substr(at == std::string::npos ? 0 : (at > 400 ? at - 400 : 0), 600);
        }
    }

    TempDir dir_;
    std::unique_ptr<test::PgCluster> pg_;
    std::vector<std::unique_ptr<Station>> stations_;
    OutputLog log_;
};

TEST_F(MultiStation, EightStationsDecideAndSendThroughOneServer) {
    constexpr int kStations = 8;
    for (int i = 0; i < kStations; ++i) add_station();
    ASSERT_FALSE(HasFatalFailure());
    prepare_store(*stations_[0]);
    ASSERT_FALSE(HasFatalFailure());

    // Every station decides at once: a release it queues, and a request the policy refuses.
    std::vector<std::string> jobs(kStations);
    std::vector<RunResult> refused(kStations);
    {
        std::vector<std::thread> t;
        std::vector<OutputLog> logs(kStations);
        for (int i = 0; i < kStations; ++i)
            t.emplace_back([&, i] {
                const Station& s = *stations_[static_cast<std::size_t>(i)];
                auto r = faxctl(s.config, {"--json", "send", "--queue", request(s)}, s.dir, logs[static_cast<std::size_t>(i)]);
                std::istringstream lines(r.out);
                for (std::string line; std::getline(lines, line);) {
                    auto j = json::parse(line, nullptr, false);
                    if (j.is_object() && j.value("event", "") == "queued") jobs[static_cast<std::size_t>(i)] = j["job_id"];
                }
                refused[static_cast<std::size_t>(i)] =
                    faxctl(s.config, {"check", request(s, "request-refused-attorney.json")}, s.dir, logs[static_cast<std::size_t>(i)]);
            });
        for (auto& x : t) x.join();
        for (auto& l : logs) log_.add("station", l.text());
    }
    for (int i = 0; i < kStations; ++i) {
        EXPECT_FALSE(jobs[static_cast<std::size_t>(i)].empty()) << "station " << i;
        EXPECT_EQ(refused[static_cast<std::size_t>(i)].exit_code, 3) << refused[static_cast<std::size_t>(i)].all();
    }

    // Eight daemons take the jobs from the one queue, whoever decided them.
    {
        std::vector<std::unique_ptr<Child>> daemons;
        for (const auto& s : stations_) daemons.push_back(std::make_unique<Child>(faxd_args(*s, true), s->dir));
        for (std::size_t i = 0; i < daemons.size(); ++i) {
            auto r = daemons[i]->wait(600s);
            log_.add("faxd " + stations_[i]->name, r.all());
            EXPECT_EQ(r.exit_code, 0) << r.all();
        }
    }

    std::map<std::string, int> sent_by;
    for (const auto& job : jobs) {
        json s = status(*stations_[0], job);
        EXPECT_EQ(s["state"], "done") << s.dump();
        EXPECT_EQ(s["attempts"], 1) << "delivered once: " << s.dump();
        EXPECT_EQ(s["confirmed_pages"], json::array({1, 2, 3, 4, 5})) << s.dump();
        expect_each_page_delivered_once(job);
    }
    auto log = audit();
    auto entries = log.entries();
    ASSERT_TRUE(entries.ok());
    // 8 releases (decision, outcome, closure) + 8 refusals, each once.
    std::map<std::string, int> kinds;
    std::set<std::string> stations_in_trail;
    for (const auto& e : *entries) {
        ++kinds[e.kind];
        const json body = json::parse(e.body);
        stations_in_trail.insert(body.value("station", ""));
    }
    EXPECT_EQ(kinds["decision"], 2 * kStations);
    EXPECT_EQ(kinds["outcome"], kStations);
    EXPECT_EQ(kinds["closed"], kStations);
    EXPECT_EQ(kinds["attempt"], kStations);
    EXPECT_EQ(stations_in_trail.size(), static_cast<std::size_t>(kStations)) << "every entry names its station";
    expect_contiguous_trail();
    expect_audit_valid(*stations_[3], "after the run");
    // The export has a station column. (Its command line names the member: kept out of
    // the log that is searched for the member reference.)
    OutputLog export_log;
    auto ex = faxctl(stations_[5]->config, {"audit", "export", "--member",
                                  json::parse(read_file(request(*stations_[0])))["member"]["record_reference"].get<std::string>(),
                                  "--from", "2000-01-01", "--to", "2100-01-01", "--output", (dir_.path() / "export.csv").string()},
                     stations_[5]->dir, export_log);
    EXPECT_EQ(ex.exit_code, 0) << ex.all();
    const std::string csv = read_file(dir_.path() / "export.csv");
    EXPECT_NE(csv.find("station"), std::string::npos) << csv.substr(0, 300);
    EXPECT_NE(csv.find("ws-8"), std::string::npos);
}

TEST_F(MultiStation, AStationKilledMidCallIsFinishedByAnotherThatSendsOnlyTheRest) {
    Station& a = add_station(6);
    Station& b = add_station(6);
    ASSERT_FALSE(HasFatalFailure());
    prepare_store(a);
    ASSERT_FALSE(HasFatalFailure());
    const std::string job = submit(a);
    ASSERT_FALSE(job.empty());
    auto db = database();
    auto confirmed = [&]() -> int64_t {
        auto st = db->prepare("SELECT count(*) FROM page_confirmations WHERE job_id = ?1");
        if (!st) return -1;
        st->bind(1, job);
        auto r = st->step();
        return r && *r ? st->integer(0) : -1;
    };
    {
        Child faxd(faxd_args(a, false), a.dir);
        const auto until = std::chrono::steady_clock::now() + 300s;
        while (confirmed() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(100ms);
        ASSERT_GE(confirmed(), 2) << "station A never confirmed two pages";
        faxd.signal(SIGKILL);
        log_.add("faxd A (killed)", faxd.wait(10s).all());
    }
    // B runs until the queue is empty: it waits for A's lease to expire, records A's
    // attempt with the pages A had confirmed, and sends the rest.
    auto r = run_process(faxd_args(b, true), b.dir, 600s);
    log_.add("faxd B", r.all());
    ASSERT_EQ(r.exit_code, 0) << r.all();
    EXPECT_NE(r.all().find("lease of station ws-1 expired"), std::string::npos) << r.all();
    json s = status(b, job);
    EXPECT_EQ(s["state"], "done") << s.dump();
    EXPECT_EQ(s["attempts"], 2) << s.dump();
    EXPECT_EQ(s["confirmed_pages"], json::array({1, 2, 3, 4, 5})) << s.dump();
    auto log = audit();
    auto attempts = log.find_attempts(job);
    ASSERT_TRUE(attempts.ok());
    ASSERT_EQ(attempts->size(), 2u);
    // Attempt 2 sent a continuation cover and only what attempt 1 had not got confirmed.
    const auto& second = (*attempts)[1];
    EXPECT_TRUE(second.continuation_cover);
    EXPECT_LT(second.pages.size(), 5u) << "attempt 2 resent pages already confirmed";
    expect_each_page_delivered_once(job);
    expect_contiguous_trail();
    expect_audit_valid(a, "after the take-over");
    // A's spooled file outlived A; when A runs again it goes (the job was closed by B).
    EXPECT_TRUE(fs::exists(a.dir / "data" / "spool" / (job + ".tif")));
    auto again = run_process(faxd_args(a, true), a.dir, 120s);
    log_.add("faxd A again", again.all());
    EXPECT_EQ(again.exit_code, 0) << again.all();
    EXPECT_FALSE(fs::exists(a.dir / "data" / "spool" / (job + ".tif"))) << "a closed job's copy is kept";
    EXPECT_FALSE(fs::exists(b.dir / "data" / "spool" / (job + ".tif")));
}

TEST_F(MultiStation, TheServerRestartedMidRunLosesNothing) {
    Station& a = add_station(10);
    Station& b = add_station(10);
    ASSERT_FALSE(HasFatalFailure());
    prepare_store(a);
    ASSERT_FALSE(HasFatalFailure());
    const std::vector<std::string> jobs = {submit(a), submit(b), submit(a)};
    auto db = database();
    auto confirmed = [&]() -> int64_t {
        auto st = db->prepare("SELECT count(*) FROM page_confirmations");
        if (!st) return -1;
        auto r = st->step();
        return r && *r ? st->integer(0) : -1;
    };
    Child fa(faxd_args(a, true), a.dir), fb(faxd_args(b, true), b.dir);
    const auto until = std::chrono::steady_clock::now() + 300s;
    while (confirmed() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(100ms);
    ASSERT_GE(confirmed(), 2);
    db.reset();
    ASSERT_TRUE(pg_->stop().ok());
    std::this_thread::sleep_for(3s);
    ASSERT_TRUE(pg_->restart().ok());
    auto ra = fa.wait(600s), rb = fb.wait(600s);
    log_.add("faxd A", ra.all());
    log_.add("faxd B", rb.all());
    EXPECT_EQ(ra.exit_code, 0) << ra.all();
    EXPECT_EQ(rb.exit_code, 0) << rb.all();
    EXPECT_NE((ra.all() + rb.all()).find("reachable again"), std::string::npos) << "a daemon saw the server go";
    for (const auto& job : jobs) {
        json s = status(a, job);
        EXPECT_EQ(s["state"], "done") << s.dump();
        EXPECT_EQ(s["confirmed_pages"], json::array({1, 2, 3, 4, 5})) << s.dump();
        expect_each_page_delivered_once(job);
    }
    expect_contiguous_trail();
    expect_audit_valid(b, "after the restart");
}

TEST_F(MultiStation, AStoppedServerClearsNothingAndDialsNothing) {
    Station& a = add_station();
    ASSERT_FALSE(HasFatalFailure());
    prepare_store(a);
    ASSERT_FALSE(HasFatalFailure());
    const std::string job = submit(a);
    ASSERT_FALSE(job.empty());
    auto before = audit().head();
    ASSERT_TRUE(before.ok());
    ASSERT_TRUE(pg_->stop().ok());

    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"check", request(a)}, std::vector<std::string>{"send", request(a)},
          std::vector<std::string>{"send", "--queue", request(a)}, std::vector<std::string>{"audit", "verify"},
          std::vector<std::string>{"queue"}}) {
        auto r = run(a, args);
        EXPECT_EQ(r.exit_code, 6) << args[0] << ": " << r.all();
        EXPECT_NE(r.err.find("cannot be reached"), std::string::npos) << r.all();
    }
    // faxd waits for the server instead of exiting, and dials nothing meanwhile.
    Child faxd(faxd_args(a, true), a.dir);
    std::this_thread::sleep_for(4s);
    EXPECT_EQ(read_file(a.dir / "faxsim.out").find("answered"), std::string::npos) << "a call was made without the store";
    ASSERT_TRUE(pg_->restart().ok());
    auto r = faxd.wait(600s);
    log_.add("faxd", r.all());
    EXPECT_EQ(r.exit_code, 0) << r.all();
    EXPECT_NE(r.err.find("waiting for the store"), std::string::npos) << r.all();
    json s = status(a, job);
    EXPECT_EQ(s["state"], "done") << s.dump();
    // Only the job's own entries were added: nothing was decided while the server was down.
    auto entries = audit().entries();
    ASSERT_TRUE(entries.ok());
    for (const auto& e : *entries) {
        if (e.seq > before->seq) {
            EXPECT_EQ(e.job_id, job) << e.kind;
        }
    }
    expect_audit_valid(a, "after the outage");
}

}  // namespace
}  // namespace fax::faxctl_test
