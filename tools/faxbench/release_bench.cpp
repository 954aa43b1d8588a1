#include "release_bench.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "bench_gate.h"
#include "bench_pdf.h"
#include "child_run.h"
#include "fax/gate/directory.h"
#include "fax/station/config.h"
#include "fax/station/station.h"
#include "itu_charts.h"

namespace fax::faxbench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kRecipient = "bench-release-clinic";
constexpr const char* kFax = "206-555-1009";
constexpr const char* kDial = "12065551009";  // busy on faxsim's exchange

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Status write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return fail(Errc::Io, "faxbench: cannot write " + p.string());
    return {};
}

// The station's configuration: its own data directory, the simulated modem, defaults
// for everything a station user would not change (profile and class probed).
std::string station_config(const fs::path& data_dir, const std::string& modem) {
    return "format = \"faxstack-config/1\"\n"
           "[station]\n"
           "data_dir = \"" + data_dir.string() + "\"\n"
           "ident = \"+1 206 555 0199\"\n"
           "[modem]\n"
           "device = \"" + modem + "\"\n"
           "speed = 115200\n"
           "flow_control = \"software\"\n"
           "[cover]\n"
           "zone_label = \"PST\"\n"
           "utc_offset = \"-08:00\"\n"
           "[sender]\n"
           "name = \"Bench Clerk\"\n"
           "department = \"Health Information Management - Release of Information\"\n"
           "phone = \"206-555-0100\"\n"
           "fax = \"206-555-0199\"\n";
}

std::string release_request(const fs::path& document, int pages) {
    json r;
    r["format"] = "fax-release-request/1";
    r["requester"] = {{"staff_id", "E100"}, {"name", "Bench Clerk"}};
    r["member"] = {{"record_reference", "MRN-BENCH-RELEASE"}};
    r["recipient"] = {{"directory_id", kRecipient}, {"attention", "Dr. Receiving Physician"}};
    r["purpose"] = "treatment";
    r["sections"] = {"discharge_summary"};
    r["justification"] = "Benchmark release of a complete discharge summary for the follow-up visit.";
    r["page_ceiling_override"] = "The whole discharge summary is needed for the follow-up visit.";
    r["documents"] = json::array(
        {{{"path", document.string()}, {"pages", "1-" + std::to_string(pages)}, {"section", "discharge_summary"}}});
    r["sender"] = {{"name", "Bench Clerk"},
                   {"department", "Health Information Management - Release of Information"},
                   {"phone", "206-555-0100"},
                   {"fax", "206-555-0199"}};
    return r.dump(2) + "\n";
}

// The recipient as the two-step verification leaves it, at today's date (faxctl decides
// with the wall clock).
Status add_verified_recipient(const fs::path& config) {
    auto cfg = station::load_config(config);
    if (!cfg) return fail(cfg.take_error());
    auto st = station::Station::open(*cfg);
    if (!st) return fail(st.take_error());
    return add_bench_recipient((*st)->directory(), kRecipient, kFax, std::chrono::system_clock::now());
}

// The CPUs this process may use.
std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> out;
    if (::sched_getaffinity(0, sizeof set, &set) != 0) return out;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) out.push_back(c);
    return out;
}

cpu_set_t cpu_set_of(const std::vector<int>& cpus) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cpus) CPU_SET(c, &set);
    return set;
}

// faxsim with its modem at `link`, `kDial` busy, on `cpus` (inherited from this thread,
// which has its own mask put back afterwards).
Result<int> start_faxsim(const std::string& faxsim, const std::string& link, const fs::path& log,
                         const std::vector<int>& cpus) {
    cpu_set_t old;
    CPU_ZERO(&old);
    ::sched_getaffinity(0, sizeof old, &old);
    const cpu_set_t want = cpu_set_of(cpus);
    ::sched_setaffinity(0, sizeof want, &want);
    auto pid = spawn_child({faxsim, "--modem", link + "=5551001", "--busy", kDial}, log.string());
    ::sched_setaffinity(0, sizeof old, &old);
    if (!pid) return fail(pid.take_error());
    const double until = wall_seconds() + 60;
    while (wall_seconds() < until) {
        if (read_all(log).find("faxsim: ready") != std::string::npos) return *pid;
        int status = 0;
        if (::waitpid(*pid, &status, WNOHANG) == *pid)
            return fail(Errc::Io, "faxsim exited before it was ready: " + read_all(log).substr(0, 400));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop_child(*pid, 10);
    return fail(Errc::Timeout, "faxsim was not ready within 60 s");
}

std::int64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// One `faxctl --json send REQUEST --timings` on `cpu`; stdout to `out`, stderr to `err`.
ReleaseRun run_faxctl(const std::string& faxctl, const fs::path& config, const fs::path& request, int cpu,
                      const fs::path& out, const fs::path& err) {
    ReleaseRun run;
    const std::vector<std::string> argv = {faxctl, "--config", config.string(), "--json", "send", request.string(),
                                           "--timings"};
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (o < 0 || e < 0) {
        if (o >= 0) ::close(o);
        if (e >= 0) ::close(e);
        run.failure = "cannot create the output files";
        return run;
    }
    const cpu_set_t one = cpu_set_of({cpu});
    const std::int64_t t0 = monotonic_ns();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::sched_setaffinity(0, sizeof one, &one);
        ::dup2(o, STDOUT_FILENO);
        ::dup2(e, STDERR_FILENO);
        const int in = ::open("/dev/null", O_RDONLY);
        if (in >= 0) ::dup2(in, STDIN_FILENO);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(o);
    ::close(e);
    if (pid < 0) {
        run.failure = "fork failed";
        return run;
    }
    int status = 0;
    rusage ru{};
    pid_t r;
    do r = ::wait4(pid, &status, 0, &ru);
    while (r < 0 && errno == EINTR);
    run.exit_status = r == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.cpu_s = seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);

    json timings;
    std::istringstream lines(read_all(err));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line.front() != '{') continue;
        auto j = json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "timings") timings = std::move(j);
    }
    if (!timings.is_object()) {
        run.failure = "faxctl printed no timings (exit " + std::to_string(run.exit_status) + ")";
        return run;
    }
    if (!timings["first_byte_ms"].is_number()) {
        run.failure = "faxctl wrote no byte to the modem (exit " + std::to_string(run.exit_status) + ")";
        return run;
    }
    const double exec_ms = static_cast<double>(timings["start_ns"].get<std::int64_t>() - t0) / 1e6;
    run.steps.push_back({"exec", exec_ms});
    for (const auto& s : timings["steps"]) run.steps.push_back({s["step"].get<std::string>(), s["ms"].get<double>()});
    run.first_byte_s = (exec_ms + timings["first_byte_ms"].get<double>()) / 1000.0;
    if (timings["gate_decision_ms"].is_number())
        run.gate_decision_s = (exec_ms + timings["gate_decision_ms"].get<double>()) / 1000.0;
    run.ok = true;
    return run;
}

}  // namespace

bool ReleaseDocument::ok() const {
    return !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const ReleaseRun& r) { return r.ok; });
}

double ReleaseDocument::best_s() const {
    double best = 0;
    for (const auto& r : runs)
        if (r.ok && (best == 0 || r.first_byte_s < best)) best = r.first_byte_s;
    return best;
}

const ReleaseRun* ReleaseDocument::median_run() const {
    std::vector<const ReleaseRun*> ok;
    for (const auto& r : runs)
        if (r.ok) ok.push_back(&r);
    if (ok.empty()) return nullptr;
    std::sort(ok.begin(), ok.end(), [](const ReleaseRun* a, const ReleaseRun* b) { return a->first_byte_s < b->first_byte_s; });
    return ok[(ok.size() - 1) / 2];
}

double ReleaseDocument::median_s() const {
    const ReleaseRun* m = median_run();
    return m != nullptr ? m->first_byte_s : 0;
}

bool ReleaseBenchResult::ok() const {
    return !documents.empty() &&
           std::all_of(documents.begin(), documents.end(), [](const ReleaseDocument& d) { return d.ok(); });
}

Result<ReleaseBenchResult> run_release_bench(const ReleaseBenchOptions& o, const ReleaseTargets& targets) {
    if (o.pages < 1 || o.pages > 1000) return fail(Errc::InvalidArgument, "--release-pages: must be 1..1000");
    if (o.runs < 1) return fail(Errc::InvalidArgument, "--release-runs: must be at least 1");
    for (const auto* bin : {&o.faxctl, &o.faxsim})
        if (::access(bin->c_str(), X_OK) != 0)
            return fail(Errc::NotFound, "faxbench: " + *bin + " is not an executable (build it, or name it)");
    const std::vector<int> cpus = allowed_cpus();
    if (cpus.empty()) return fail(Errc::Io, "faxbench: sched_getaffinity failed");
    const int cpu = o.cpu >= 0 ? o.cpu : cpus.back();
    if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end())
        return fail(Errc::InvalidArgument, "--release-cpu: CPU " + std::to_string(cpu) + " is not one faxbench may use");
    std::vector<int> others;
    for (int c : cpus)
        if (c != cpu) others.push_back(c);
    if (others.empty()) others.push_back(cpu);

    std::string tmpl = (o.work_dir / "faxbench-release-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::Io, "faxbench: cannot create a scratch directory");
    const fs::path root = tmpl;
    struct Cleanup {
        fs::path dir;
        int faxsim = -1;
        ~Cleanup() {
            if (faxsim > 0) stop_child(faxsim, 10);
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{root};

    ReleaseBenchResult res;
    res.cpu = cpu;
    res.filesystem = filesystem_of(root);

    // The documents: charts 1..8 over and over as scans; running text.
    std::vector<t30::Bitmap> scans;
    for (int i = 0; i < o.pages; ++i) {
        auto page = read_chart(o.itu_dir, i % 8 + 1);
        if (!page) return fail(page.take_error());
        scans.push_back(std::move(*page));
    }
    const fs::path scanned = root / "scanned.pdf", text = root / "text.pdf";
    FAX_TRY(write_scanned_pdf(scans, scanned.string()));
    scans.clear();
    FAX_TRY(write_text_record_pdf(o.pages, text.string()));

    const fs::path config = root / "faxstack.toml";
    const std::string modem = (root / "modem").string();
    FAX_TRY(write_text(config, station_config(root / "data", modem)));
    FAX_TRY(add_verified_recipient(config));
    struct Doc {
        std::string name;
        fs::path pdf;
        double target_s;
    };
    const std::vector<Doc> docs = {{"scanned.pdf (1-bit scans)", scanned, targets.scanned_s},
                                   {"text.pdf (vector text)", text, targets.text_s}};
    for (const auto& d : docs) FAX_TRY(write_text(root / (d.pdf.stem().string() + ".json"), release_request(d.pdf, o.pages)));
    if (!o.keep_inputs.empty()) {
        std::error_code ec;
        fs::create_directories(o.keep_inputs, ec);
        for (const char* f : {"scanned.pdf", "text.pdf", "scanned.json", "text.json", "faxstack.toml"})
            fs::copy_file(root / f, o.keep_inputs / f, fs::copy_options::overwrite_existing, ec);
    }

    auto sim = start_faxsim(o.faxsim, modem, root / "faxsim.log", others);
    if (!sim) return fail(sim.take_error());
    cleanup.faxsim = *sim;

    for (const auto& d : docs) {
        ReleaseDocument doc;
        doc.name = d.name;
        doc.pages = o.pages + 1;
        doc.target_s = d.target_s;
        const fs::path request = root / (d.pdf.stem().string() + ".json");
        for (int i = 0; i <= o.runs; ++i) {  // run 0 warms the page cache and is not counted
            ReleaseRun run = run_faxctl(o.faxctl, config, request, cpu, root / "faxctl.out", root / "faxctl.err");
            if (!run.ok) {
                const std::string err = read_all(root / "faxctl.err");
                run.failure += ": " + err.substr(0, 600);
                std::fprintf(stderr, "faxbench: release: %s: %s\n", d.name.c_str(), run.failure.c_str());
            }
            if (i > 0 || !run.ok) doc.runs.push_back(std::move(run));
            if (i == 0 && !doc.runs.empty()) break;  // the warm-up failed: the others would too
        }
        std::fprintf(stderr, "faxbench: release: %s done\n", d.name.c_str());
        res.documents.push_back(std::move(doc));
    }
    return res;
}

namespace {

// The steps of a run merged by name (a step that repeats, e.g. one per document, is
// summed), in their first order, split at the first byte.
std::vector<ReleaseStep> merged(const ReleaseRun& r) {
    std::vector<ReleaseStep> out;
    for (const auto& s : r.steps) {
        auto it = std::find_if(out.begin(), out.end(), [&](const ReleaseStep& x) { return x.step == s.step; });
        if (it == out.end()) out.push_back(s);
        else it->ms += s.ms;
    }
    return out;
}

std::vector<std::string> step_order(const ReleaseBenchResult& r) {
    std::vector<std::string> order;
    for (const auto& d : r.documents)
        if (const ReleaseRun* m = d.median_run())
            for (const auto& s : merged(*m))
                if (std::find(order.begin(), order.end(), s.step) == order.end()) order.push_back(s.step);
    return order;
}

// Was `step` before the first byte in run `r`?
bool before_first_byte(const ReleaseRun& r, const std::string& step) {
    for (const auto& s : r.steps) {
        if (s.step == step) return true;
        if (s.step == "first_byte") return false;
    }
    return false;
}

}  // namespace

std::string format_release_table(const ReleaseBenchResult& r) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line,
                  "faxctl send --timings to a busy number on faxsim; faxctl pinned to CPU %d; station files on %s; "
                  "one warm-up run, then %zu timed\n",
                  r.cpu, r.filesystem.c_str(), r.documents.empty() ? std::size_t{0} : r.documents.front().runs.size());
    out += line;
    std::snprintf(line, sizeof line, "%-28s %6s %5s %9s %9s %9s %9s  %s\n", "document", "pages", "runs", "best s",
                  "median s", "gate s", "target s", "result");
    out += line;
    out += std::string(100, '-') + "\n";
    for (const auto& d : r.documents) {
        const ReleaseRun* m = d.median_run();
        std::snprintf(line, sizeof line, "%-28s %6d %5zu %9.3f %9.3f %9.3f %9.2f  %s\n", d.name.c_str(), d.pages,
                      d.runs.size(), d.best_s(), d.median_s(), m ? m->gate_decision_s : 0.0, d.target_s,
                      !d.ok() ? "FAILED" : d.median_s() <= d.target_s ? "met" : "NOT met");
        out += line;
    }
    out += "(pages: the record pages + the gate's cover; s: from faxbench's fork of faxctl to the first byte written\n"
           " to the modem; gate s: to the end of the gate's decision, its audit append, in the median run)\n\n";

    // The breakdown of each document's median run.
    out += "Where the time goes, ms (the median run of each document; a step's time ends at it):\n";
    std::snprintf(line, sizeof line, "%-20s", "step");
    out += line;
    for (const auto& d : r.documents) {
        std::snprintf(line, sizeof line, " %14s", d.name.substr(0, d.name.find(' ')).c_str());
        out += line;
    }
    out += "\n";
    const auto order = step_order(r);
    auto row = [&](const std::string& step, bool after) {
        std::snprintf(line, sizeof line, "%-20s", step.c_str());
        std::string s = line;
        bool any = false;
        for (const auto& d : r.documents) {
            const ReleaseRun* m = d.median_run();
            double ms = -1;
            if (m != nullptr && before_first_byte(*m, step) != after)
                for (const auto& x : merged(*m))
                    if (x.step == step) ms = x.ms;
            if (ms >= 0) {
                std::snprintf(line, sizeof line, " %14.1f", ms);
                any = true;
            } else {
                std::snprintf(line, sizeof line, " %14s", "");
            }
            s += line;
        }
        if (any) out += s + "\n";
    };
    for (const auto& step : order) row(step, false);
    std::snprintf(line, sizeof line, "%-20s", "= to the first byte");
    out += line;
    for (const auto& d : r.documents) {
        std::snprintf(line, sizeof line, " %14.1f", d.median_s() * 1000);
        out += line;
    }
    out += "\nafter the first byte (not in the figure):\n";
    for (const auto& step : order) row(step, true);
    out += "\n";
    std::string verdict = "release: faxctl send to the first byte on the modem, median";
    for (const auto& d : r.documents) {
        std::snprintf(line, sizeof line, "; %s %.3f s (target <= %.1f s: %s)", d.name.substr(0, d.name.find(' ')).c_str(),
                      d.median_s(), d.target_s, !d.ok() ? "FAILED" : d.median_s() <= d.target_s ? "met" : "NOT met");
        verdict += line;
    }
    out += verdict + "\n";
    return out;
}

std::string release_json(const ReleaseBenchResult& r, const ReleaseBenchOptions& o) {
    json j;
    j["what"] = "faxctl --json send REQUEST --timings, fork to the first byte written to the modem";
    j["faxctl_cpu"] = r.cpu;
    j["station_filesystem"] = r.filesystem;
    j["record_pages"] = o.pages;
    j["runs"] = o.runs;
    j["warm_up_runs"] = 1;
    j["documents"] = json::array();
    for (const auto& d : r.documents) {
        json dj{{"name", d.name},         {"pages", d.pages},       {"target_s", d.target_s},
                {"best_s", d.best_s()},   {"median_s", d.median_s()}, {"met", d.ok() && d.median_s() <= d.target_s},
                {"ok", d.ok()},           {"runs", json::array()}};
        for (const auto& run : d.runs) {
            json rj{{"ok", run.ok},
                    {"exit_status", run.exit_status},
                    {"first_byte_s", run.first_byte_s},
                    {"gate_decision_s", run.gate_decision_s},
                    {"cpu_s_whole_command", run.cpu_s},
                    {"steps", json::array()}};
            if (!run.failure.empty()) rj["failure"] = run.failure;
            for (const auto& s : run.steps) rj["steps"].push_back({{"step", s.step}, {"ms", s.ms}});
            dj["runs"].push_back(std::move(rj));
        }
        j["documents"].push_back(std::move(dj));
    }
    return j.dump();
}

}  // namespace fax::faxbench
