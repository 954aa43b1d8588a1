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
//
// Peak RSS: Linux keeps a process's high-water RSS across fork and exec (the forked copy
// of a large parent counts), so the program is started by a small launcher (this
// executable re-run as `faxbench --measure-child RESULT PROGRAM ARGS...`, see
// measure_child_main) whose own fork is small; its rusage of the program is reported.
Result<ChildCost> run_child(const std::vector<std::string>& argv, const std::string& log_path = {});

// The launcher side: argv = {RESULT, PROGRAM, ARGS...}. Runs PROGRAM (stdout/stderr as
// inherited), writes "exit wall_s cpu_s max_rss_kib" to RESULT. Returns 0 unless it could
// not run PROGRAM.
int measure_child_main(const std::vector<std::string>& argv);

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
