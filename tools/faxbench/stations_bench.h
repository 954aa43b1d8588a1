// Many stations on one PostgreSQL server (docs/benchmarks.md, `stations`; issue #13):
// refused gate decisions per second with 1, 2, 4 and 8 stations sharing one PostgreSQL
// database, against SQLite on one station in the same run, and audit entries verified
// per second on both backends.
//
// Each station is a process of its own (this executable re-run with --station-run):
// its own data directory, station name and signing key, station::Station::open() as
// faxctl and faxd open it (on PostgreSQL: the shared database, migrated beforehand by
// migrate_stores as `faxctl store migrate` does). The stations open, build their
// requests, make one cleared decision (not timed: a cleared decision is page work, which
// the release suite measures from file to line) and say "ready"; then all are told "go"
// at once for N refused decisions. The figure is every station's decisions over the
// wall time from "go" to the last station's report; each station's own time is kept too.
//
// Verify: a trail of `verify_entries` entries (decisions copied from a real cleared
// one, each with its outcome) on a SQLite file and on the PostgreSQL database (built
// there before the stations append to it), AuditLog::verify() timed `verify_runs` times.
//
// The PostgreSQL database must be empty (no tables): faxbench migrates it and appends
// to its audit trail. faxbench starts no server; scripts/pg-scratch.sh makes one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "gate_bench.h"

namespace fax::faxbench {

struct StationsBenchOptions {
    std::string pg_url;               // libpq URL of an empty database (required)
    std::filesystem::path work_dir;   // data directories and the SQLite files go here
    std::string document_tiff;        // the one-page document of the cleared releases
    int decisions = 200;              // per station: this many refused (after one cleared, not timed)
    std::vector<int> station_counts = {1, 2, 4, 8};
    std::int64_t verify_entries = 20000;
    int verify_runs = 3;
};

// One round: `stations` processes at once on one backend.
struct StationsRound {
    std::string backend;  // "sqlite" or "postgresql"
    int stations = 0;
    Throughput refused;   // all stations: n = total, wall = "go" to the last report, cpu = the stations' sum
    double refused_station_rate = 0;  // mean over stations of their own decisions / own wall s
};

struct VerifyFigure {
    std::string backend;
    std::int64_t entries = 0;
    double median_wall_s = 0;
    double fastest_wall_s = 0;
    double median_cpu_s = 0;
    double build_s = 0;
    bool ok = false;
    double per_s() const { return median_wall_s > 0 ? static_cast<double>(entries) / median_wall_s : 0; }
};

struct StationsBenchResult {
    std::string skipped;        // non-empty: why nothing ran
    std::string where;          // the server, for the table (no password)
    std::string server_version;
    std::string sqlite_filesystem;
    std::vector<StationsRound> rounds;  // the SQLite reference first
    std::vector<VerifyFigure> verify;   // sqlite, postgresql
    bool ok() const;
};

Result<StationsBenchResult> run_stations_bench(const StationsBenchOptions& options);

// The child: args = {DATA_DIR, NAME, URL or "-" for SQLite, N, DOCUMENT}. Speaks on
// stdin/stdout: "ready CLEARED_ID" (its one cleared decision), then on "go" a line
// "refused N WALL CPU -". Errors on stderr, exit 1.
int station_run_main(const std::vector<std::string>& args);

std::string format_stations_table(const StationsBenchResult& r, int decisions);
std::string stations_json(const StationsBenchResult& r, const StationsBenchOptions& o);  // one JSON object

}  // namespace fax::faxbench
