// Gate throughput (docs/benchmarks.md, "Gate and audit trail"): refused decisions per
// second with the durable audit trail (SQLite WAL, synchronous=FULL: one fsync per
// decision), and audit-trail verification entries per second. A cleared decision is the
// page work of a whole release, not a decision: what it costs a station user is measured
// from file to line by the release suite (release_bench.h).
//
//   refused  a request the policy refuses (KP provider, purpose marketing): directory
//            lookup, policy, cover checks, audit entry committed;
//   verify   AuditLog::verify() over a trail of cleared decisions and their outcomes
//            (bodies copied from a real cleared decision), read from the same
//            filesystem with a warm page cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "fax/base/result.h"
#include "fax/gate/audit_log.h"

namespace fax::faxbench {

struct GateBenchOptions {
    std::filesystem::path work_dir;  // the audit databases go here (its filesystem matters)
    std::string document_tiff;       // a one-page fax TIFF for the releases
    int refused = 1000;
    std::int64_t verify_entries = 50000;
    int verify_runs = 3;
    std::filesystem::path keep_trail;  // if set, the verified trail is copied here (for faxctl audit verify)
};

struct Throughput {
    std::int64_t n = 0;
    double wall_s = 0;
    double cpu_s = 0;
    double per_wall_s() const { return wall_s > 0 ? static_cast<double>(n) / wall_s : 0; }
    double per_cpu_s() const { return cpu_s > 0 ? static_cast<double>(n) / cpu_s : 0; }
};

struct GateBenchResult {
    std::string filesystem;  // of work_dir, e.g. "ext4"
    Throughput refused;
    Throughput verify;       // the fastest of verify_runs runs (n = entries)
    double verify_median_wall_s = 0;
    bool verify_ok = false;
    double populate_s = 0;   // building the trail to verify (not a figure)
};

Result<GateBenchResult> run_gate_bench(const GateBenchOptions& options);

// Appends `entries` entries to `log`: decisions copied from `cleared_template` (job id,
// member and time changed) each followed by its outcome, "all pages confirmed".
Status append_verify_trail(gate::AuditLog& log, const gate::DecisionRecord& cleared_template, std::int64_t entries);

}  // namespace fax::faxbench

namespace fax::faxbench {

struct GateTargets {
    double decisions_per_s = 1000;
    double verify_entries_per_s = 100000;
};

std::string format_gate_table(const GateBenchResult& r, const GateTargets& t);
std::string gate_json(const GateBenchResult& r, const GateTargets& t);  // one JSON object

}  // namespace fax::faxbench
