#include "gate_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "bench_gate.h"
#include "fax/gate/audit_log.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxbench {

Status append_verify_trail(gate::AuditLog& log, const gate::DecisionRecord& cleared_template, std::int64_t entries) {
    for (std::int64_t i = 0; 2 * i < entries; ++i) {
        gate::DecisionRecord d = cleared_template;
        d.job_id = "JBENCH-" + std::to_string(i);
        d.member_reference = "MRN-VERIFY-" + std::to_string(i % 997);
        d.decided_at += std::chrono::minutes(i);
        if (auto s = log.append_decision(d); !s) return fail(s.take_error());
        if (2 * i + 1 >= entries) break;
        gate::OutcomeRecord o;
        o.job_id = d.job_id;
        o.outcome.pages_sent = d.page_count;
        o.outcome.pages_confirmed = d.page_count;
        o.outcome.remote_csi = "+1 206 555 1009";
        o.outcome.negotiated = {14400, "V.17", "R8x15.4", "T.6", true};
        o.outcome.completion = gate::CompletionCode::Ok;
        o.outcome.detail = "all pages confirmed";
        o.outcome.started_at = d.decided_at + std::chrono::seconds(5);
        o.outcome.finished_at = d.decided_at + std::chrono::seconds(65);
        if (auto s = log.append_outcome(o); !s) return fail(s.take_error());
    }
    return {};
}

namespace {


// A scratch directory for building the trail to verify: on tmpfs when there is one, where
// the 50,000 commits cost no fsync (the figure is verify(), not the building).
Result<std::filesystem::path> build_dir() {
    std::error_code ec;
    const std::filesystem::path shm = "/dev/shm";
    const std::filesystem::path base =
        std::filesystem::is_directory(shm, ec) ? shm : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "faxbench-audit-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::Io, "faxbench: cannot create " + tmpl);
    return std::filesystem::path(tmpl);
}

Status populate(const std::filesystem::path& db, const gate::DecisionRecord& cleared_template, std::int64_t entries) {
    auto log = gate::AuditLog::open(db);
    if (!log) return fail(log.take_error());
    return append_verify_trail(*log, cleared_template, entries);
}

}  // namespace

Result<GateBenchResult> run_gate_bench(const GateBenchOptions& o) {
    GateBenchResult res;
    auto gate = BenchGate::create(o.work_dir);
    if (!gate) return fail(gate.take_error());
    auto& g = **gate;
    res.filesystem = filesystem_of(g.scratch());
    auto pages = t30::read_tiff(o.document_tiff);
    if (!pages) return fail(pages.take_error());
    const int n_pages = static_cast<int>(pages->size());

    // Requests are built before the clock starts: the figure is the gate's, not ours.
    std::vector<gate::ReleaseRequest> refused_reqs;
    for (int i = 0; i < o.refused; ++i) {
        auto r = g.release_request(o.document_tiff, n_pages);
        r.purpose = gate::Purpose::Marketing;  // no rule allows it: refused, and recorded
        refused_reqs.push_back(std::move(r));
    }

    // One cleared decision, not timed: the real entry the trail to verify is copied from.
    std::optional<std::string> first_cleared;
    {
        auto d = g.evaluate(g.release_request(o.document_tiff, n_pages));
        if (!d) return fail(d.take_error());
        if (!d->cleared()) return fail(Errc::Internal, "faxbench: a benchmark release was refused");
        first_cleared = d->id();
    }
    {
        Stopwatch sw;
        for (const auto& r : refused_reqs) {
            auto d = g.evaluate(r);
            if (!d) return fail(d.take_error());
            if (d->cleared()) return fail(Errc::Internal, "faxbench: a marketing release was cleared");
        }
        res.refused = {o.refused, sw.wall(), sw.cpu()};
    }
    // The spooled file of the cleared release is not needed any more.
    std::error_code ec;
    std::filesystem::remove_all(g.scratch() / "spool", ec);

    // The trail to verify, built from the real cleared decision.
    auto tmpl = g.audit().find_decision(*first_cleared);
    if (!tmpl) return fail(tmpl.take_error());
    if (!*tmpl) return fail(Errc::Internal, "faxbench: the cleared decision is not in the audit trail");
    auto dir = build_dir();
    if (!dir) return fail(dir.take_error());
    const auto built = *dir / "audit.db";
    const auto copy = g.scratch() / "verify.db";
    {
        Stopwatch sw;
        auto s = populate(built, **tmpl, o.verify_entries);
        if (s) std::filesystem::copy_file(built, copy, ec);
        std::filesystem::remove_all(*dir, ec);
        if (!s) return fail(s.take_error());
        if (ec) return fail(Errc::Io, "faxbench: cannot copy the audit trail: " + ec.message());
        res.populate_s = sw.wall();
    }
    auto log = gate::AuditLog::open(copy);
    if (!log) return fail(log.take_error());
    std::vector<double> walls;
    res.verify_ok = true;
    for (int run = 0; run < std::max(1, o.verify_runs); ++run) {
        Stopwatch sw;
        auto rep = log->verify();
        const double wall = sw.wall(), cpu = sw.cpu();
        if (!rep) return fail(rep.take_error());
        res.verify_ok = res.verify_ok && rep->ok && rep->entries == o.verify_entries;
        walls.push_back(wall);
        if (run == 0 || wall < res.verify.wall_s) res.verify = {rep->entries, wall, cpu};
    }
    if (!o.keep_trail.empty()) std::filesystem::copy_file(copy, o.keep_trail, std::filesystem::copy_options::overwrite_existing, ec);
    std::sort(walls.begin(), walls.end());
    res.verify_median_wall_s = walls[walls.size() / 2];
    return res;
}

namespace {

void row(std::string& out, const char* what, const Throughput& t, double target) {
    char line[256];
    const double rate = t.per_wall_s();
    std::snprintf(line, sizeof line, "%-22s %8lld %9.3f %9.3f %12.0f %12.0f %10.0f %7.2f\n", what,
                  static_cast<long long>(t.n), t.wall_s, t.cpu_s, rate, t.per_cpu_s(), target,
                  target > 0 ? rate / target : 0.0);
    out += line;
}

nlohmann::json throughput_json(const Throughput& t, double target) {
    return {{"n", t.n},
            {"wall_s", t.wall_s},
            {"cpu_s", t.cpu_s},
            {"per_wall_s", t.per_wall_s()},
            {"per_cpu_s", t.per_cpu_s()},
            {"target_per_s", target},
            {"ratio_to_target", target > 0 ? t.per_wall_s() / target : 0.0}};
}

}  // namespace

std::string format_gate_table(const GateBenchResult& r, const GateTargets& t) {
    std::string out = "Gate and audit trail (audit database on " + r.filesystem + ", WAL, synchronous=FULL)\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-22s %8s %9s %9s %12s %12s %10s %7s\n", "what", "n", "wall s", "CPU s",
                  "per wall s", "per CPU s", "target/s", "ratio");
    out += line;
    out += std::string(96, '-') + "\n";
    row(out, "decisions, refused", r.refused, t.decisions_per_s);
    row(out, "audit entries verified", r.verify, t.verify_entries_per_s);
    std::snprintf(line, sizeof line, "(verify: fastest of the runs; median %.3f s; chain %s)\n", r.verify_median_wall_s,
                  r.verify_ok ? "intact" : "NOT intact");
    out += line;
    return out;
}

std::string gate_json(const GateBenchResult& r, const GateTargets& t) {
    nlohmann::json j;
    j["audit_filesystem"] = r.filesystem;
    j["audit_settings"] = "WAL, synchronous=FULL (an fsync per committed entry)";
    j["decisions_refused"] = throughput_json(r.refused, t.decisions_per_s);
    j["verify"] = throughput_json(r.verify, t.verify_entries_per_s);
    j["verify"]["median_wall_s"] = r.verify_median_wall_s;
    j["verify"]["chain_intact"] = r.verify_ok;
    j["verify"]["build_s"] = r.populate_s;
    return j.dump();
}

}  // namespace fax::faxbench
