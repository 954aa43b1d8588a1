// faxbench: line time and simulation speed of the transmit path on the ITU-T T.24
// charts (docs/benchmarks.md).
//
// For each chart at fine resolution and each mode (MH no ECM, MR no ECM, MMR with ECM)
// at V.17 14400 on an ideal simulated line: the chart's encoded size (SpanDSP t4_tx),
// the line time of the chart page and of the whole release call, the lower bound per
// the T.30/V.17 timings (line_bound.h), their ratios, and CPU seconds per simulated
// line-second. Every release is cleared by the release gate, so every call carries the
// gate's cover sheet as page 1; the chart page's own figures come from two calls per
// chart and mode: cover + chart, and cover + chart + chart (the difference is one
// further chart page).
//
// --suites picks what runs (default: lines; "all" = every suite, as scripts/bench.sh runs):
//   lines  the table above (in process, deterministic line time; CPU per line-second)
//   gate   refused gate decisions per second with the durable audit, audit entries verified per second
//   prep   page preparation from PDF and TIFF against gs -sDEVICE=tiffg4 and tiffcp -c g4
//   efax   line time per page against efax 0.9a through the real faxsim binary (real time)
//   calls  concurrent calls one thread keeps in real time (RealtimeLoop pacing), by bisection
//   stations  refused decisions/s of 1, 2, 4, 8 station processes on one PostgreSQL database (--pg-url,
//          an empty database; skipped without it) against one on SQLite; audit verify/s on both
//   release   `faxctl send` to the first byte on the modem for a 20-page scanned and a 20-page
//          text PDF, the real faxctl and faxsim binaries, faxctl on one CPU, with the breakdown
//
// Prints a table per suite on stdout and writes one JSON file (--json). Exit 0 when every
// measurement ran (whether or not the targets were met, which the output states), 1 when
// a call or a measurement failed, 2 for bad arguments.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fax/base/version.h"
#include "bench_gate.h"
#include "call_run.h"
#include "child_run.h"
#include "concurrency.h"
#include "efax_compare.h"
#include "encoded_size.h"
#include "fax/base/log.h"
#include "fax/sim/exchange.h"
#include "fax/t30/tiff_io.h"
#include "gate_bench.h"
#include "line_bound.h"
#include "itu_charts.h"
#include "prep_bench.h"
#include "release_bench.h"
#include "report.h"
#include "stations_bench.h"

#ifndef FAXBENCH_BUILD_TYPE
#define FAXBENCH_BUILD_TYPE "unknown"
#endif

namespace fax::faxbench {
namespace {

struct Options {
    std::vector<std::string> suites = {"lines"};
    std::string work_dir;  // scratch databases and files (default: the temp directory)
    int gate_refused = 1000;
    long long verify_entries = 50000;
    std::string keep_trail;
    int prep_copies = 2;
    int prep_runs = 3;
    std::string prep_keep;
    std::vector<std::string> prep_one;
    std::vector<std::string> pty_send;  // internal: LINK TIFF FAX RESULT (the child of --suites efax)
    std::vector<int> efax_charts = {1, 2, 3, 4, 5, 6, 7, 8};
    std::string faxsim;
    std::string efax_logs;
    int calls_guess = 100;
    int calls_only = 0;        // run one trial with this many calls instead of searching
    double calls_stagger_s = 5;
    double calls_measure_s = 15;  // internal: IN OUT (the child side of --suites prep)
    std::vector<int> charts = {1, 2, 3, 4, 5, 6, 7, 8};
    std::vector<std::string> modes = {"MH", "MR", "MMR"};
    std::string line = "audio";  // lines and calls suites: audio, t38 or both
    std::string itu_dir = default_itu_dir();
    std::string json_path = "faxbench.json";
    std::string trace;  // "CHART:MODE", e.g. "1:MMR": trace both calls of that row
    std::string log_level = "error";
    std::string pg_url;  // stations suite: an empty PostgreSQL database
    int stations_decisions = 200;
    std::vector<int> station_counts = {1, 2, 4, 8};
    long long stations_verify_entries = 20000;
    std::vector<std::string> station_run;  // internal: one station of the stations suite
    std::string faxctl;
    int release_runs = 5;
    int release_pages = 20;
    int release_cpu = -1;
    std::string release_keep;
};

void complain(const std::string& s) { std::fprintf(stderr, "faxbench: %s\n", s.c_str()); }

Result<Mode> mode_named(const std::string& name) {
    if (name == "MH") return Mode{"MH", Coding::MH, false};
    if (name == "MR") return Mode{"MR", Coding::MR, false};
    if (name == "MMR") return Mode{"MMR+ECM", Coding::MMR, true};
    return fail(Errc::InvalidArgument, "--modes: '" + name + "' is not MH, MR or MMR");
}

// One row: two gated calls, the chart's and the cover's encoded sizes, the bounds.
Result<ChartResult> measure(BenchGate& gate, int chart, const Mode& mode, const std::string& one_page,
                            const std::string& two_pages, bool trace, sim::LineKind line) {
    ChartResult row;
    row.line = std::string(sim::to_string(line));
    row.chart = chart;
    row.mode = mode.name;
    row.ecm = mode.ecm;
    auto bytes = encoded_bytes(one_page, 0, mode.coding);
    if (!bytes) return fail(bytes.take_error());
    row.chart_bytes = *bytes;

    auto a = gate.clear(one_page);
    if (!a) return fail(a.take_error());
    // The cover the gate rendered for this release, coded as the call codes it.
    auto cover = encoded_bytes(a->tiff_path(), 0, mode.coding);
    if (!cover) return fail(cover.take_error());
    row.cover_bytes = *cover;
    const std::string scratch = gate.scratch().string();
    RunOptions ro;
    ro.trace = trace;
    ro.line = line;
    if (trace) std::fprintf(stderr, "---- chart %d %s: cover + chart ----\n", chart, mode.name.c_str());
    row.call_a = run_call(std::move(*a), mode, scratch + "/rx-a.tif", ro);

    auto b = gate.clear(two_pages);
    if (!b) return fail(b.take_error());
    if (trace) std::fprintf(stderr, "---- chart %d %s: cover + chart + chart ----\n", chart, mode.name.c_str());
    row.call_b = run_call(std::move(*b), mode, scratch + "/rx-b.tif", ro);

    row.page_s = row.call_b.answer_to_dcn_s - row.call_a.answer_to_dcn_s;
    row.page_bound_s = further_page_bound(row.chart_bytes, mode.ecm);
    row.call_bound_s = call_bound({row.cover_bytes, row.chart_bytes}, mode.ecm);
    return row;
}

// The machine's load while a suite ran (/proc/loadavg: 1, 5, 15 minutes).
std::string loadavg() {
    std::ifstream in("/proc/loadavg");
    double a = 0, b = 0, c = 0;
    in >> a >> b >> c;
    char s[64];
    std::snprintf(s, sizeof s, "%.2f %.2f %.2f", a, b, c);
    return s;
}

std::string scratch_parent(const Options& o) {
    return o.work_dir.empty() ? std::filesystem::temp_directory_path().string() : o.work_dir;
}

// A one-page fax TIFF of chart `chart` at `path`.
Status write_chart_tiff(const Options& o, int chart, const std::string& path, int copies = 1) {
    auto page = read_chart(o.itu_dir, chart);
    if (!page) return fail(page.take_error());
    return t30::write_fax_tiff(path, std::vector<t30::Bitmap>(static_cast<std::size_t>(copies), *page));
}

Result<std::vector<sim::LineKind>> lines_named(const std::string& name) {
    if (name == "audio") return std::vector<sim::LineKind>{sim::LineKind::Audio};
    if (name == "t38") return std::vector<sim::LineKind>{sim::LineKind::T38};
    if (name == "both") return std::vector<sim::LineKind>{sim::LineKind::Audio, sim::LineKind::T38};
    return fail(Errc::InvalidArgument, "--line: '" + name + "' is not audio, t38 or both");
}

int run_lines(const Options& o, nlohmann::json& root) {
    std::vector<Mode> modes;
    for (const auto& n : o.modes) {
        auto m = mode_named(n);
        if (!m) {
            complain(m.error().message);
            return 2;
        }
        modes.push_back(*m);
    }
    for (int c : o.charts)
        if (c < 1 || c > 8) {
            complain("--charts: " + std::to_string(c) + " is not a chart (1..8)");
            return 2;
        }
    auto kinds = lines_named(o.line);
    if (!kinds) {
        complain(kinds.error().message);
        return 2;
    }

    auto gate = BenchGate::create(scratch_parent(o));
    if (!gate) {
        complain(gate.error().to_string());
        return 1;
    }
    const std::string load_before = loadavg();
    std::map<sim::LineKind, std::vector<ChartResult>> results;
    for (int c : o.charts) {
        const std::string one = ((*gate)->scratch() / ("chart" + std::to_string(c) + ".tif")).string();
        const std::string two = ((*gate)->scratch() / ("chart" + std::to_string(c) + "x2.tif")).string();
        if (auto s = write_chart_tiff(o, c, one); !s) {
            complain(s.error().to_string());
            return 1;
        }
        if (auto s = write_chart_tiff(o, c, two, 2); !s) {
            complain(s.error().to_string());
            return 1;
        }
        for (const auto& m : modes) {
            for (sim::LineKind kind : *kinds) {
                const std::string key = std::to_string(c) + ":" + m.name.substr(0, m.name.find('+'));
                auto row = measure(**gate, c, m, one, two, o.trace == key, kind);
                if (!row) {
                    complain("chart " + std::to_string(c) + " " + m.name + ": " + row.error().to_string());
                    return 1;
                }
                results[kind].push_back(std::move(*row));
                std::fprintf(stderr, "faxbench: chart %d %s (%s line) done\n", c, m.name.c_str(),
                             std::string(sim::to_string(kind)).c_str());
            }
        }
    }

    bool all_ok = true;
    const Targets targets;
    for (sim::LineKind kind : *kinds) {
        Targets t = targets;
        if (kind == sim::LineKind::T38) t.x_realtime = targets.x_realtime_t38;
        const auto& rows = results[kind];
        const Summary summary = summarise(rows, t);
        all_ok = all_ok && summary.all_calls_ok;
        std::printf("== lines (%s line): line time per page and per call against the bound; CPU per line-second "
                    "(load %s -> %s)\n",
                    std::string(sim::to_string(kind)).c_str(), load_before.c_str(), loadavg().c_str());
        std::fputs(format_table(rows, summary, t).c_str(), stdout);
        std::fflush(stdout);
        auto j = nlohmann::json::parse(to_json(rows, summary, t, BoundModel{}, FAXBENCH_BUILD_TYPE));
        if (kind == sim::LineKind::Audio) {
            // The audio line's figures stay at the top level of the JSON (as before the suites).
            for (auto& [k, v] : j.items()) root[k] = v;
        } else {
            root["lines_t38"] = j;
        }
    }
    if (kinds->size() == 2) {
        const auto cmp = compare_lines(results[sim::LineKind::Audio], results[sim::LineKind::T38]);
        std::printf("\n== lines: the T.38 line against the audio line, same charts and modes, same run\n");
        std::fputs(format_comparison(cmp, targets).c_str(), stdout);
        std::fflush(stdout);
        root["lines_compare"] = nlohmann::json::parse(comparison_json(cmp, targets));
    }
    root["lines_load"] = {{"before", load_before}, {"after", loadavg()}};
    return all_ok ? 0 : 1;
}

int run_gate(const Options& o, nlohmann::json& root) {
    auto scratch = BenchGate::create(scratch_parent(o));  // for the document only
    if (!scratch) {
        complain(scratch.error().to_string());
        return 1;
    }
    const std::string doc = ((*scratch)->scratch() / "chart1.tif").string();
    if (auto s = write_chart_tiff(o, 1, doc); !s) {
        complain(s.error().to_string());
        return 1;
    }
    GateBenchOptions go;
    go.work_dir = scratch_parent(o);
    go.document_tiff = doc;
    go.refused = o.gate_refused;
    go.verify_entries = o.verify_entries;
    go.keep_trail = o.keep_trail;
    const std::string load_before = loadavg();
    auto r = run_gate_bench(go);
    if (!r) {
        complain("gate: " + r.error().to_string());
        return 1;
    }
    const GateTargets t;
    std::printf("\n== gate: refused decisions and audit verification per second (load %s -> %s)\n", load_before.c_str(),
                loadavg().c_str());
    std::fputs(format_gate_table(*r, t).c_str(), stdout);
    std::fflush(stdout);
    root["gate"] = nlohmann::json::parse(gate_json(*r, t));
    root["gate"]["load"] = {{"before", load_before}, {"after", loadavg()}};
    return r->verify_ok ? 0 : 1;
}

int run_prep(const Options& o, nlohmann::json& root) {
    auto scratch = BenchGate::create(scratch_parent(o));  // a scratch directory removed at the end
    if (!scratch) {
        complain(scratch.error().to_string());
        return 1;
    }
    PrepBenchOptions po;
    po.itu_dir = o.itu_dir;
    po.work_dir = (*scratch)->scratch();
    po.copies = o.prep_copies;
    po.runs = o.prep_runs;
    po.keep_inputs = o.prep_keep;
    const std::string load_before = loadavg();
    auto rows = run_prep_bench(po);
    if (!rows) {
        complain("prep: " + rows.error().to_string());
        return 1;
    }
    const PrepTargets t;
    std::printf("\n== prep: page preparation to TIFF G4 at 204 x 196 dpi, 1728 px (load %s -> %s)\n",
                load_before.c_str(), loadavg().c_str());
    std::fputs(format_prep_table(*rows, t).c_str(), stdout);
    std::fflush(stdout);
    root["prep"] = nlohmann::json::parse(prep_json(*rows, t));
    root["prep"]["load"] = {{"before", load_before}, {"after", loadavg()}};
    bool ok = true;
    for (const auto& r : *rows) ok = ok && r.ours.ok && r.reference.ok;
    return ok ? 0 : 1;
}

int run_calls(const Options& o, nlohmann::json& root) {
    auto kinds = lines_named(o.line);
    if (!kinds) {
        complain(kinds.error().message);
        return 2;
    }
    auto gate = BenchGate::create(scratch_parent(o));
    if (!gate) {
        complain(gate.error().to_string());
        return 1;
    }
    const std::string doc = ((*gate)->scratch() / "chart1.tif").string();
    if (auto s = write_chart_tiff(o, 1, doc); !s) {
        complain(s.error().to_string());
        return 1;
    }
    RecipientPool pool(**gate);
    for (sim::LineKind kind : *kinds) {
        ConcurrencyOptions co;
        co.chart_tiff = doc;
        co.stagger_s = o.calls_stagger_s;
        co.measure_s = o.calls_measure_s;
        co.line = kind;
        // Concurrent real-time calls per core: 300 on the audio line, 3000 on the T.38 line.
        const int target = kind == sim::LineKind::T38 ? 3000 : 300;
        const std::string load_before = loadavg();
        ConcurrencyResult r;
        if (o.calls_only > 0) {
            auto t = run_realtime_trial(pool, o.calls_only, co);
            if (!t) {
                complain("calls: " + t.error().to_string());
                return 1;
            }
            r.trials.push_back(*t);
            r.max_calls = t->kept_up ? t->calls : 0;
            r.first_failing = t->kept_up ? 0 : t->calls;
        } else {
            auto found = find_max_calls(pool, co, kind == sim::LineKind::T38 ? o.calls_guess * 4 : o.calls_guess);
            if (!found) {
                complain("calls: " + found.error().to_string());
                return 1;
            }
            r = std::move(*found);
        }
        std::printf("\n== calls: concurrent calls in real time on one thread, MMR+ECM chart 1, %s line (load %s -> %s)\n",
                    std::string(sim::to_string(kind)).c_str(), load_before.c_str(), loadavg().c_str());
        std::fputs(format_concurrency_table(r, target).c_str(), stdout);
        std::fflush(stdout);
        const char* key = kind == sim::LineKind::T38 ? "calls_t38" : "calls";
        root[key] = nlohmann::json::parse(concurrency_json(r, co, target));
        root[key]["load"] = {{"before", load_before}, {"after", loadavg()}};
    }
    return 0;
}

std::string default_faxsim() {
    // build/<preset>/tools/faxbench/faxbench -> build/<preset>/tools/faxsim/faxsim
    return (std::filesystem::path(self_exe()).parent_path().parent_path() / "faxsim" / "faxsim").string();
}

std::string default_faxctl() {
    // build/<preset>/tools/faxbench/faxbench -> build/<preset>/tools/faxctl/faxctl
    return (std::filesystem::path(self_exe()).parent_path().parent_path() / "faxctl" / "faxctl").string();
}

int run_release(const Options& o, nlohmann::json& root) {
    ReleaseBenchOptions ro;
    ro.itu_dir = o.itu_dir;
    ro.work_dir = scratch_parent(o);
    ro.faxctl = o.faxctl.empty() ? default_faxctl() : o.faxctl;
    ro.faxsim = o.faxsim.empty() ? default_faxsim() : o.faxsim;
    ro.pages = o.release_pages;
    ro.runs = o.release_runs;
    ro.cpu = o.release_cpu;
    ro.keep_inputs = o.release_keep;
    const std::string load_before = loadavg();
    auto r = run_release_bench(ro);
    if (!r) {
        complain("release: " + r.error().to_string());
        return r.error().code == Errc::InvalidArgument ? 2 : 1;
    }
    std::printf("\n== release: faxctl send to the first byte on the modem, %d-page PDFs, one core (load %s -> %s)\n",
                ro.pages, load_before.c_str(), loadavg().c_str());
    std::fputs(format_release_table(*r).c_str(), stdout);
    std::fflush(stdout);
    root["release"] = nlohmann::json::parse(release_json(*r, ro));
    root["release"]["load"] = {{"before", load_before}, {"after", loadavg()}};
    return r->ok() ? 0 : 1;
}

int run_efax(const Options& o, nlohmann::json& root) {
    EfaxOptions eo;
    eo.itu_dir = o.itu_dir;
    eo.work_dir = scratch_parent(o);
    eo.charts = o.efax_charts;
    eo.keep_logs = o.efax_logs;
    eo.faxsim = o.faxsim.empty() ? default_faxsim() : o.faxsim;
    const std::string load_before = loadavg();
    std::fprintf(stderr, "faxbench: efax: %zu calls at once through %s, in real time\n", 4 * eo.charts.size(),
                 eo.faxsim.c_str());
    auto rows = run_efax_compare(eo);
    if (!rows) {
        complain("efax: " + rows.error().to_string());
        return 1;
    }
    std::printf("\n== efax: line time per page through faxsim in real time, faxstack vs efax 0.9a (load %s -> %s)\n",
                load_before.c_str(), loadavg().c_str());
    std::fputs(format_efax_table(*rows).c_str(), stdout);
    std::fflush(stdout);
    root["efax"] = nlohmann::json::parse(efax_json(*rows, eo));
    root["efax"]["load"] = {{"before", load_before}, {"after", loadavg()}};
    bool ok = true;
    for (const auto& r : *rows) ok = ok && r.ok();
    return ok ? 0 : 1;
}

int run_stations(const Options& o, nlohmann::json& root) {
    StationsBenchOptions so;
    so.pg_url = o.pg_url;
    so.decisions = o.stations_decisions;
    so.station_counts = o.station_counts;
    so.verify_entries = o.stations_verify_entries;
    so.work_dir = scratch_parent(o);
    std::optional<std::unique_ptr<BenchGate>> scratch;  // for the document only
    if (!so.pg_url.empty()) {
        auto g = BenchGate::create(scratch_parent(o));
        if (!g) {
            complain(g.error().to_string());
            return 1;
        }
        so.document_tiff = ((*g)->scratch() / "chart1.tif").string();
        if (auto s = write_chart_tiff(o, 1, so.document_tiff); !s) {
            complain(s.error().to_string());
            return 1;
        }
        scratch = std::move(*g);
    }
    const std::string load_before = loadavg();
    auto r = run_stations_bench(so);
    if (!r) {
        complain("stations: " + r.error().to_string());
        return r.error().code == Errc::InvalidArgument ? 2 : 1;
    }
    std::printf("\n== stations: decisions per second, stations on one PostgreSQL server against SQLite; audit "
                "verify (load %s -> %s)\n",
                load_before.c_str(), loadavg().c_str());
    std::fputs(format_stations_table(*r, so.decisions).c_str(), stdout);
    std::fflush(stdout);
    root["stations"] = nlohmann::json::parse(stations_json(*r, so));
    root["stations"]["load"] = {{"before", load_before}, {"after", loadavg()}};
    return r->ok() ? 0 : 1;
}

int run(const Options& o) {
    log::set_level(log::parse_level(o.log_level, log::Level::Error));
    if (!o.station_run.empty()) return station_run_main(o.station_run);
    if (!o.prep_one.empty()) return prep_one(o.prep_one.at(0), o.prep_one.at(1));
    if (!o.pty_send.empty()) return pty_send(o.pty_send.at(0), o.pty_send.at(1), o.pty_send.at(2), o.pty_send.at(3));
    static const std::vector<std::string> kAll = {"lines", "gate", "prep", "release", "calls", "efax", "stations"};
    std::vector<std::string> suites;
    for (const auto& s : o.suites) {
        if (s == "all") {
            suites = kAll;
            break;
        }
        if (std::find(kAll.begin(), kAll.end(), s) == kAll.end()) {
            complain("--suites: '" + s + "' is not one of lines, gate, prep, release, calls, efax, stations, all");
            return 2;
        }
        suites.push_back(s);
    }
    nlohmann::json root;
    root["tool"] = "faxbench";
    root["build_type"] = FAXBENCH_BUILD_TYPE;
    root["machine"] = {{"cpus_online", ::sysconf(_SC_NPROCESSORS_ONLN)}, {"loadavg_at_start", loadavg()}};
    int status = 0;
    for (const auto& s : suites) {
        int rc = 0;
        if (s == "lines") rc = run_lines(o, root);
        else if (s == "gate") rc = run_gate(o, root);
        else if (s == "prep") rc = run_prep(o, root);
        else if (s == "calls") rc = run_calls(o, root);
        else if (s == "efax") rc = run_efax(o, root);
        else if (s == "stations") rc = run_stations(o, root);
        else if (s == "release") rc = run_release(o, root);
        if (rc == 2) return 2;
        status = std::max(status, rc);
    }
    root["machine"]["loadavg_at_end"] = loadavg();
    if (!o.json_path.empty()) {
        std::ofstream out(o.json_path);
        out << root.dump(2) << "\n";
        if (!out) {
            complain("cannot write " + o.json_path);
            return 1;
        }
        std::printf("JSON: %s\n", o.json_path.c_str());
    }
    return status;
}

}  // namespace
}  // namespace fax::faxbench

int main(int argc, char** argv) {
    using namespace fax::faxbench;
    // The small launcher of run_child() (child_run.h): no option parsing, nothing loaded.
    if (argc >= 4 && std::string(argv[1]) == "--measure-child")
        return measure_child_main(std::vector<std::string>(argv + 2, argv + argc));
    CLI::App app{"faxbench: line time of the ITU-T T.24 charts at V.17 14400 on an ideal simulated line, "
                 "against the T.30 lower bound, and simulation speed"};
    app.set_version_flag("--version", std::string("faxbench ") + std::string(fax::kVersion));
    Options o;
    app.add_option("--suites", o.suites, "lines, gate, prep, release, calls, efax, stations, or all (default lines)");
    app.add_option("--faxctl", o.faxctl, "release suite: the faxctl binary (default: next to faxbench in the build tree)");
    app.add_option("--release-runs", o.release_runs, "release suite: timed sends per document, after one warm-up (default 5)");
    app.add_option("--release-pages", o.release_pages, "release suite: record pages per document (default 20)");
    app.add_option("--release-cpu", o.release_cpu, "release suite: the CPU faxctl is pinned to (default: the last allowed)");
    app.add_option("--release-keep", o.release_keep, "release suite: copy the PDFs, requests and configuration to this folder");
    app.add_option("--pg-url", o.pg_url,
                   "stations suite: libpq URL of an EMPTY PostgreSQL database faxbench may migrate and fill "
                   "(without it the suite is skipped)");
    app.add_option("--stations-decisions", o.stations_decisions,
                   "stations suite: refused decisions per station (default 200)");
    app.add_option("--station-counts", o.station_counts, "stations suite: stations per round (default 1 2 4 8)");
    app.add_option("--stations-verify-entries", o.stations_verify_entries,
                   "stations suite: audit entries to verify on each backend (default 20000)");
    app.add_option("--station-run", o.station_run, "internal: DIR NAME URL N DOC (one station of the stations suite)")
        ->expected(5)
        ->group("");
    app.add_option("--efax-charts", o.efax_charts, "efax suite: charts to send (default all eight)");
    app.add_option("--faxsim", o.faxsim, "efax and release suites: the faxsim binary (default: next to faxbench in the build tree)");
    app.add_option("--efax-logs", o.efax_logs, "efax suite: copy faxsim's and the senders' logs to this folder");
    app.add_option("--pty-send", o.pty_send, "internal: LINK TIFF FAX RESULT (the child of the efax suite)")
        ->expected(4)
        ->group("");
    app.add_option("--calls-guess", o.calls_guess, "calls suite: the first N tried (default 100)");
    app.add_option("--calls", o.calls_only, "calls suite: one trial with this many calls instead of the search");
    app.add_option("--calls-stagger", o.calls_stagger_s, "calls suite: call starts spread over this many seconds (default 5)");
    app.add_option("--calls-measure", o.calls_measure_s, "calls suite: then run this many seconds more (default 15)");
    app.add_option("--prep-copies", o.prep_copies, "prep suite: each document holds charts 1..8 this many times (default 2)");
    app.add_option("--prep-runs", o.prep_runs, "prep suite: runs per tool and input, the fastest counts (default 3)");
    app.add_option("--prep-keep", o.prep_keep, "prep suite: copy the generated input documents to this folder");
    app.add_option("--prep-one", o.prep_one, "internal: prepare IN as OUT (the child of the prep suite)")
        ->expected(2)
        ->group("");
    app.add_option("--work-dir", o.work_dir, "where scratch databases and files go (default: the temp directory)");
    app.add_option("--gate-refused", o.gate_refused, "gate suite: refused decisions to time (default 1000)");
    app.add_option("--verify-entries", o.verify_entries, "gate suite: audit entries to verify (default 50000)");
    app.add_option("--keep-trail", o.keep_trail, "gate suite: copy the verified audit trail to this path");
    app.add_option("--charts", o.charts, "charts to measure (default 1 2 3 4 5 6 7 8)");
    app.add_option("--modes", o.modes, "MH, MR, MMR (MMR is sent with ECM; default all)");
    app.add_option("--line", o.line,
                   "lines and calls suites: the simulated line, audio (default), t38 (T.38 packets) or both "
                   "(lines: each row on both, compared in the same run)");
    app.add_option("--itu-dir", o.itu_dir, "folder holding itu1.tif ... itu8.tif (ITU-T T.24 charts, one G4 page each)");
    app.add_option("--json", o.json_path, "where to write the JSON results (default faxbench.json; '' for none)");
    app.add_option("--trace", o.trace, "CHART:MODE (e.g. 1:MMR): AT dialogue and events of that row on stderr");
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error (default), off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --help-all, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }
    return run(o);
}
