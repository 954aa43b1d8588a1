#include "stations_bench.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "bench_gate.h"
#include "child_run.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/station/station.h"
#include "fax/station/stores.h"
#include "fax/store/database.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxbench {

bool StationsBenchResult::ok() const {
    if (!skipped.empty()) return true;
    for (const auto& v : verify)
        if (!v.ok) return false;
    return true;
}

namespace {

std::string errno_text() { return std::generic_category().message(errno); }

// ---- the child: one station ----

bool read_go() {
    char line[16];
    return std::fgets(line, sizeof line, stdin) != nullptr && std::strncmp(line, "go", 2) == 0;
}

int child_fail(const std::string& what) {
    std::fprintf(stderr, "faxbench station: %s\n", what.c_str());
    return 1;
}

}  // namespace

int station_run_main(const std::vector<std::string>& args) {
    if (args.size() != 5) return child_fail("--station-run: DATA_DIR NAME URL N DOCUMENT");
    station::StationConfig cfg;
    cfg.data_dir = args[0];
    cfg.name = args[1];
    if (args[2] != "-") cfg.store_url = args[2];
    const int n = std::atoi(args[3].c_str());
    const std::string& doc = args[4];

    auto st = station::Station::open(cfg);
    if (!st) return child_fail("open: " + st.error().to_string());
    auto& s = **st;
    // On SQLite the directory is the station's own; on PostgreSQL the parent added the
    // recipient to the shared one.
    if (!cfg.shared_store())
        if (auto a = add_bench_recipient(s.directory(), BenchGate::kRecipientId, BenchGate::kRecipientFax); !a)
            return child_fail("directory: " + a.error().to_string());
    auto pages = t30::read_tiff(doc);
    if (!pages) return child_fail("document: " + pages.error().to_string());
    const int n_pages = static_cast<int>(pages->size());

    // Requests are built before the clock starts: the figure is the gate's and the store's.
    std::vector<gate::ReleaseRequest> refused;
    for (int i = 0; i < n; ++i) {
        gate::ReleaseRequest r = bench_release_request(doc, n_pages, BenchGate::kRecipientId,
                                                       "MRN-" + cfg.name + "-" + std::to_string(i));
        r.purpose = gate::Purpose::Marketing;  // no rule allows it: refused, and recorded
        refused.push_back(std::move(r));
    }
    gate::Context ctx;
    ctx.now = bench_now();

    // One cleared decision, not timed (a cleared decision is page work, measured from file
    // to line by the release suite): the real entry the parent copies the trails to verify from.
    std::string first_id;
    {
        auto d = s.gate().evaluate(bench_release_request(doc, n_pages, BenchGate::kRecipientId, "MRN-" + cfg.name), ctx);
        if (!d) return child_fail("cleared decision: " + d.error().to_string());
        if (!d->cleared()) return child_fail("a benchmark release was refused");
        first_id = d->id();
    }

    std::printf("ready %s\n", first_id.c_str());
    std::fflush(stdout);
    if (!read_go()) return child_fail("no go");
    {
        Stopwatch sw;
        for (const auto& r : refused) {
            auto d = s.gate().evaluate(r, ctx);
            if (!d) return child_fail("refused decision: " + d.error().to_string());
            if (d->cleared()) return child_fail("a marketing release was cleared");
        }
        std::printf("refused %d %.6f %.6f -\n", n, sw.wall(), sw.cpu());
        std::fflush(stdout);
    }
    return 0;
}

namespace {

// ---- the parent ----

struct Child {
    pid_t pid = -1;
    std::FILE* to = nullptr;    // its stdin
    std::FILE* from = nullptr;  // its stdout
};

// The stations of one round; every child still running is killed and reaped on the way out.
class Round {
public:
    ~Round() {
        for (auto& c : children_) {
            if (c.to != nullptr) std::fclose(c.to);
            if (c.from != nullptr) std::fclose(c.from);
            if (c.pid > 0) {
                ::kill(c.pid, SIGKILL);
                int st = 0;
                ::waitpid(c.pid, &st, 0);
            }
        }
    }

    Status spawn(const std::vector<std::string>& argv) {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0) return fail(Errc::Io, "faxbench: pipe: " + errno_text());
        if (::pipe2(out, O_CLOEXEC) != 0) {
            ::close(in[0]);
            ::close(in[1]);
            return fail(Errc::Io, "faxbench: pipe: " + errno_text());
        }
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) {
            for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
            return fail(Errc::Io, "faxbench: fork: " + errno_text());
        }
        if (pid == 0) {
            ::dup2(in[0], STDIN_FILENO);
            ::dup2(out[1], STDOUT_FILENO);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        Child c;
        c.pid = pid;
        c.to = ::fdopen(in[1], "w");
        c.from = ::fdopen(out[0], "r");
        children_.push_back(c);
        if (c.to == nullptr || c.from == nullptr) return fail(Errc::Io, "faxbench: fdopen: " + errno_text());
        return {};
    }

    // One line from every station, in order; `want` is its first word.
    Result<std::vector<std::string>> lines(const char* want) {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < children_.size(); ++i) {
            char line[256];
            if (std::fgets(line, sizeof line, children_[i].from) == nullptr)
                return fail(Errc::Io, "faxbench: station " + std::to_string(i) + " ended before '" + want +
                                          "' (its message is above)");
            if (std::strncmp(line, want, std::strlen(want)) != 0)
                return fail(Errc::Io, "faxbench: station " + std::to_string(i) + " said something else than '" +
                                          want + "'");
            out.emplace_back(line);
        }
        return out;
    }

    Status go() {
        for (auto& c : children_)
            if (std::fputs("go\n", c.to) < 0 || std::fflush(c.to) != 0)
                return fail(Errc::Io, "faxbench: a station is gone");
        return {};
    }

    Status reap() {
        for (auto& c : children_) {
            std::fclose(c.to);
            c.to = nullptr;
            int st = 0;
            if (::waitpid(c.pid, &st, 0) < 0) return fail(Errc::Io, "faxbench: waitpid: " + errno_text());
            c.pid = -1;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return fail(Errc::Io, "faxbench: a station failed");
        }
        return {};
    }

private:
    std::vector<Child> children_;
};

struct PhaseLine {
    long long n = 0;
    double wall = 0, cpu = 0;
    std::string id;
};

PhaseLine parse_phase(const std::string& line) {
    PhaseLine p;
    char word[16], id[128];
    if (std::sscanf(line.c_str(), "%15s %lld %lf %lf %127s", word, &p.n, &p.wall, &p.cpu, id) == 5) p.id = id;
    return p;
}

// `stations` stations at once on `url` ("-": SQLite); the first station's cleared decision's id in `first_id`.
Result<StationsRound> run_round(const StationsBenchOptions& o, const std::filesystem::path& dir, const std::string& url,
                                int stations, std::string* first_id) {
    StationsRound res;
    res.backend = url == "-" ? "sqlite" : "postgresql";
    res.stations = stations;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(Errc::Io, "faxbench: cannot create " + dir.string());
    ::chmod(dir.c_str(), 0700);
    Round round;
    const std::string self = self_exe();
    for (int i = 0; i < stations; ++i) {
        const std::string name = "bench-" + std::to_string(stations) + "-" + std::to_string(i + 1);
        FAX_TRY(round.spawn({self, "--log-level", "error", "--station-run", (dir / name).string(), name, url,
                             std::to_string(o.decisions), o.document_tiff}));
    }
    auto ready = round.lines("ready");
    if (!ready) return fail(ready.take_error());
    if (first_id != nullptr && first_id->empty()) {
        char id[128] = {};
        if (std::sscanf(ready->front().c_str(), "ready %127s", id) == 1) *first_id = id;
    }
    auto phase = [&](const char* what, Throughput& total, double& station_rate) -> Status {
        const double t0 = wall_seconds();
        FAX_TRY(round.go());
        auto ls = round.lines(what);
        if (!ls) return fail(ls.take_error());
        total.wall_s = wall_seconds() - t0;
        for (const auto& l : *ls) {
            const PhaseLine p = parse_phase(l);
            total.n += p.n;
            total.cpu_s += p.cpu;
            station_rate += p.wall > 0 ? static_cast<double>(p.n) / p.wall : 0;
        }
        station_rate /= stations;
        return {};
    };
    FAX_TRY(phase("refused", res.refused, res.refused_station_rate));
    FAX_TRY(round.reap());
    return res;
}


// Builds the trail in one transaction (the figure is verify(), not the building), then
// times verify() `runs` times.
Result<VerifyFigure> verify_figure(std::string backend, const std::shared_ptr<store::Database>& db,
                                   const gate::DecisionRecord& tmpl, const StationsBenchOptions& o) {
    VerifyFigure f;
    f.backend = std::move(backend);
    auto log = gate::AuditLog::open(db, store::SchemaPolicy::Migrate);
    if (!log) return fail(log.take_error());
    {
        Stopwatch sw;
        auto tx = db->begin();
        if (!tx) return fail(tx.take_error());
        FAX_TRY(append_verify_trail(*log, tmpl, o.verify_entries));
        FAX_TRY(tx->commit());
        f.build_s = sw.wall();
    }
    std::vector<std::pair<double, double>> runs;
    f.ok = true;
    for (int i = 0; i < std::max(1, o.verify_runs); ++i) {
        Stopwatch sw;
        auto rep = log->verify();
        runs.emplace_back(sw.wall(), sw.cpu());
        if (!rep) return fail(rep.take_error());
        f.ok = f.ok && rep->ok && rep->entries == o.verify_entries;
        f.entries = rep->entries;
    }
    std::sort(runs.begin(), runs.end());
    f.fastest_wall_s = runs.front().first;
    f.median_wall_s = runs[runs.size() / 2].first;
    f.median_cpu_s = runs[runs.size() / 2].second;
    return f;
}

Result<std::string> one_text(store::Database& db, std::string_view sql) {
    auto st = db.prepare(sql);
    if (!st) return fail(st.take_error());
    auto row = st->step();
    if (!row) return fail(row.take_error());
    if (!*row) return fail(Errc::Io, "faxbench: no row");
    return st->text(0);
}

}  // namespace

Result<StationsBenchResult> run_stations_bench(const StationsBenchOptions& o) {
    StationsBenchResult res;
    if (o.pg_url.empty()) {
        res.skipped = "no --pg-url (scripts/bench.sh starts a throw-away server with scripts/pg-scratch.sh)";
        return res;
    }
    auto url = store::parse_postgres_url(o.pg_url);
    if (!url) return fail(Errc::InvalidArgument, "--pg-url: " + url.error().message);
    if (o.decisions < 1) return fail(Errc::InvalidArgument, "--stations-decisions: at least 1");
    for (int k : o.station_counts)
        if (k < 1 || k > 64) return fail(Errc::InvalidArgument, "--station-counts: each between 1 and 64");

    // The database must be empty: the benchmark migrates it and appends to its trail.
    auto pg = store::open_postgres(*url, "bench");
    if (!pg) return fail(pg.take_error());
    std::shared_ptr<store::Database> shared = std::move(*pg);
    res.where = shared->where();
    auto tables = one_text(*shared, "SELECT count(*)::text FROM pg_catalog.pg_tables WHERE schemaname = current_schema()");
    if (!tables) return fail(tables.take_error());
    if (*tables != "0")
        return fail(Errc::InvalidArgument, "--pg-url: the database is not empty (" + *tables +
                                               " tables): faxbench migrates it and appends benchmark decisions to "
                                               "its audit trail; give it an empty database");
    auto version = one_text(*shared, "SELECT current_setting('server_version')");
    if (version) res.server_version = *version;

    std::string tmpl_dir = (o.work_dir / "faxbench-stations-XXXXXX").string();
    if (::mkdtemp(tmpl_dir.data()) == nullptr) return fail(Errc::Io, "faxbench: cannot create " + tmpl_dir);
    const std::filesystem::path scratch = tmpl_dir;
    struct Remove {
        std::filesystem::path p;
        ~Remove() {
            std::error_code ec;
            std::filesystem::remove_all(p, ec);
        }
    } remove{scratch};
    res.sqlite_filesystem = filesystem_of(scratch);
    // A station that dies is reported when its line does not come, not by SIGPIPE on "go".
    struct IgnorePipe {
        struct sigaction old {};
        IgnorePipe() {
            struct sigaction ign {};
            ign.sa_handler = SIG_IGN;
            ::sigaction(SIGPIPE, &ign, &old);
        }
        ~IgnorePipe() { ::sigaction(SIGPIPE, &old, nullptr); }
    } ignore_pipe;

    // The reference: one station on SQLite files.
    std::string first_id;
    std::fprintf(stderr, "faxbench: stations: 1 station on SQLite\n");
    auto ref = run_round(o, scratch / "sqlite-1", "-", 1, &first_id);
    if (!ref) return fail(ref.take_error());
    res.rounds.push_back(*ref);

    // A real cleared decision for the trails to verify.
    if (first_id.empty()) return fail(Errc::Internal, "faxbench: the reference station reported no cleared decision");
    gate::DecisionRecord tmpl;
    {
        auto log = gate::AuditLog::open(scratch / "sqlite-1" / "bench-1-1" / "audit.db");
        if (!log) return fail(log.take_error());
        auto d = log->find_decision(first_id);
        if (!d) return fail(d.take_error());
        if (!*d) return fail(Errc::Internal, "faxbench: the cleared decision is not in the reference trail");
        tmpl = **d;
    }
    std::fprintf(stderr, "faxbench: stations: verify on SQLite (%lld entries)\n", static_cast<long long>(o.verify_entries));
    {
        auto db = store::open_sqlite(scratch / "verify-audit.db", "audit", true);
        if (!db) return fail(db.take_error());
        auto f = verify_figure("sqlite", std::shared_ptr<store::Database>(std::move(*db)), tmpl, o);
        if (!f) return fail(f.take_error());
        res.verify.push_back(*f);
    }

    // The shared database: migrated as `faxctl store migrate` does, the recipient added once.
    station::StationConfig cfg;
    cfg.data_dir = scratch / "migrate";
    cfg.store_url = *url;
    if (auto m = station::migrate_stores(cfg, std::nullopt); !m) return fail(m.take_error());
    {
        auto dir = gate::Directory::open(shared, store::SchemaPolicy::RequireCurrent);
        if (!dir) return fail(dir.take_error());
        FAX_TRY(add_bench_recipient(*dir, BenchGate::kRecipientId, BenchGate::kRecipientFax));
    }
    // Its trail to verify, built before any station appends (the same trail as on SQLite).
    std::fprintf(stderr, "faxbench: stations: verify on PostgreSQL (%lld entries)\n",
                 static_cast<long long>(o.verify_entries));
    {
        auto f = verify_figure("postgresql", shared, tmpl, o);
        if (!f) return fail(f.take_error());
        res.verify.push_back(*f);
    }
    for (int k : o.station_counts) {
        std::fprintf(stderr, "faxbench: stations: %d station%s on PostgreSQL\n", k, k == 1 ? "" : "s");
        auto r = run_round(o, scratch / ("pg-" + std::to_string(k)), *url, k, nullptr);
        if (!r) return fail(r.take_error());
        res.rounds.push_back(*r);
    }
    return res;
}

std::string format_stations_table(const StationsBenchResult& r, int decisions) {
    if (!r.skipped.empty()) return "skipped: " + r.skipped + "\n";
    std::string out = "Refused decisions through Station::open() in separate processes, " + std::to_string(decisions) +
                      " per station\n(SQLite: files on " + r.sqlite_filesystem +
                      ", synchronous=FULL; PostgreSQL " + r.server_version + ": " + r.where + ")\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-10s %8s | %9s %10s %10s %8s\n", "backend", "stations", "wall s", "refused/s",
                  "/s/station", "CPU s");
    out += line;
    out += std::string(64, '-') + "\n";
    for (const auto& x : r.rounds) {
        std::snprintf(line, sizeof line, "%-10s %8d | %9.3f %10.0f %10.0f %8.2f\n", x.backend.c_str(), x.stations,
                      x.refused.wall_s, x.refused.per_wall_s(), x.refused_station_rate, x.refused.cpu_s);
        out += line;
    }
    out += "(refused: policy and the audit append; each station makes one cleared decision first, not timed)\n\n";
    std::snprintf(line, sizeof line, "%-10s %8s %9s %9s %9s %12s %9s %s\n", "verify", "entries", "build s", "median s",
                  "fastest s", "entries/s", "CPU s", "chain");
    out += line;
    out += std::string(80, '-') + "\n";
    for (const auto& v : r.verify) {
        std::snprintf(line, sizeof line, "%-10s %8lld %9.2f %9.3f %9.3f %12.0f %9.3f %s\n", v.backend.c_str(),
                      static_cast<long long>(v.entries), v.build_s, v.median_wall_s, v.fastest_wall_s, v.per_s(),
                      v.median_cpu_s, v.ok ? "intact" : "NOT intact");
        out += line;
    }
    out += "(entries/s: over the median of the runs; AuditLog::verify(), the chain without signatures)\n";
    return out;
}

std::string stations_json(const StationsBenchResult& r, const StationsBenchOptions& o) {
    nlohmann::json j;
    if (!r.skipped.empty()) {
        j["skipped"] = r.skipped;
        return j.dump();
    }
    j["decisions_per_station"] = o.decisions;
    j["document"] = "one page (ITU-T chart 1) plus the gate's cover (one untimed cleared decision per station)";
    j["postgresql"] = {{"where", r.where}, {"server_version", r.server_version}};
    j["sqlite"] = {{"filesystem", r.sqlite_filesystem}, {"settings", "WAL, synchronous=FULL"}};
    auto tp = [](const Throughput& t, double station_rate) {
        return nlohmann::json{{"n", t.n},
                              {"wall_s", t.wall_s},
                              {"cpu_s", t.cpu_s},
                              {"per_wall_s", t.per_wall_s()},
                              {"per_station_per_s", station_rate}};
    };
    j["rounds"] = nlohmann::json::array();
    for (const auto& x : r.rounds)
        j["rounds"].push_back({{"backend", x.backend},
                               {"stations", x.stations},
                               {"refused", tp(x.refused, x.refused_station_rate)}});
    j["verify"] = nlohmann::json::array();
    for (const auto& v : r.verify)
        j["verify"].push_back({{"backend", v.backend},
                               {"entries", v.entries},
                               {"build_s", v.build_s},
                               {"median_wall_s", v.median_wall_s},
                               {"fastest_wall_s", v.fastest_wall_s},
                               {"median_cpu_s", v.median_cpu_s},
                               {"entries_per_s", v.per_s()},
                               {"chain_intact", v.ok}});
    return j.dump();
}

}  // namespace fax::faxbench
