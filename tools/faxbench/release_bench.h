// A release from file to line (docs/benchmarks.md, "release"): what a station user feels
// between `faxctl send` and the first byte on the modem, for a 20-page scanned PDF and a
// 20-page text PDF, with the breakdown faxctl's own --timings gives.
//
// The real binaries: faxsim (one simulated Class 1 modem on a pseudo-terminal, the
// recipient's number busy so that each call ends at once after the dial: nothing before
// the first byte depends on the far end) and faxctl with a station of its own (SQLite
// files in the scratch directory, default configuration: modem profile and class probed).
// faxctl runs pinned to one CPU (sched_setaffinity before exec; its PDF child inherits it),
// faxsim on the others. Each document is sent once to warm the page cache, then `runs`
// times; the figure is faxbench's fork of faxctl to faxctl's first byte written to the
// modem: the process start-up (fork to the first line of faxctl's main, on the system's
// monotonic clock) plus faxctl's own first_byte_ms.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fax/base/result.h"

namespace fax::faxbench {

struct ReleaseBenchOptions {
    std::string itu_dir;
    std::filesystem::path work_dir;  // the station's files go here (its filesystem matters: fsync)
    std::string faxctl;              // the binaries run
    std::string faxsim;
    int pages = 20;                  // record pages per document (the cover is one more)
    int runs = 5;                    // timed runs per document, after one warm-up run
    int cpu = -1;                    // faxctl's CPU; -1: the last one faxbench may use
    std::filesystem::path keep_inputs;  // if set, the PDFs, requests and config are copied here
};

struct ReleaseStep {
    std::string step;  // faxctl's step names (docs/faxctl.md), and "exec" for the start-up
    double ms = 0;     // since the step before it
};

struct ReleaseRun {
    bool ok = false;
    std::string failure;
    int exit_status = -1;
    double first_byte_s = 0;     // fork to the first byte on the modem
    double gate_decision_s = 0;  // fork to the end of the gate's audit append
    double cpu_s = 0;            // faxctl's CPU time for the whole command (wait4), the call included
    std::vector<ReleaseStep> steps;  // "exec" first, then faxctl's, in time order
};

struct ReleaseDocument {
    std::string name;  // "scanned.pdf (1-bit scans)"
    int pages = 0;     // sent: record pages + the cover
    double target_s = 0;
    std::vector<ReleaseRun> runs;
    bool ok() const;
    double best_s() const;
    double median_s() const;
    const ReleaseRun* median_run() const;  // the run whose first byte is the median
};

struct ReleaseBenchResult {
    int cpu = -1;
    std::string filesystem;
    std::vector<ReleaseDocument> documents;
    bool ok() const;
};

struct ReleaseTargets {
    double scanned_s = 0.5;
    double text_s = 1.0;
};

Result<ReleaseBenchResult> run_release_bench(const ReleaseBenchOptions& options, const ReleaseTargets& targets = {});

std::string format_release_table(const ReleaseBenchResult& r);
std::string release_json(const ReleaseBenchResult& r, const ReleaseBenchOptions& o);  // one JSON object

}  // namespace fax::faxbench
