// Runs a program as a child process and reports what it cost: wall time, the child's
// own CPU time (user + system) and its peak resident set size, all from wait4()'s
// rusage — the same measurement for the project's code (faxbench re-executing itself)
// and for the reference programs (gs, tiffcp).
#pragma once

#include <string>
#include <vector>

#include "fax/base/result.h"

namespace fax::faxbench {

struct ChildCost {
    int exit_status = -1;  // -1: killed by a signal
    double wall_s = 0;
    double cpu_s = 0;
    long max_rss_kib = 0;
};

// argv[0] is the program path (no PATH search). stdout and stderr go to `log_path`
// (appended), or nowhere if empty.
Result<ChildCost> run_child(const std::vector<std::string>& argv, const std::string& log_path = {});

// The same, without waiting: the child's pid. stdout and stderr go to `log_path` (truncated).
Result<int> spawn_child(const std::vector<std::string>& argv, const std::string& log_path);
// Waits up to `timeout_s` for `pid`; on time-out SIGKILLs and reaps it. Exit status, -1 for
// a signal (or the kill).
int wait_child(int pid, double timeout_s);
// SIGTERM, then wait up to `timeout_s` (SIGKILL after that).
int stop_child(int pid, double timeout_s);

// This executable's own path (/proc/self/exe), for re-running it as a child.
std::string self_exe();

}  // namespace fax::faxbench
