// ChildProcess: a program the interoperability tests run (faxsim, efax), owned like
// any other resource: the destructor stops it (SIGTERM, then SIGKILL after a grace
// period) and reaps it, so a failing assertion never leaves a process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fax/base/result.h"

namespace fax::testing {

class ChildProcess {
public:
    // Starts argv[0] (a path; no PATH search) with stdin from /dev/null and stdout and
    // stderr appended to `output_file`.
    static Result<ChildProcess> spawn(const std::vector<std::string>& argv, const std::string& output_file);

    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    pid_t pid() const { return pid_; }
    const std::string& output_file() const { return output_file_; }
    // Everything the program has written so far.
    std::string output() const;
    // True until the program has exited (and been reaped).
    bool running();
    // Waits up to `timeout` for the program to exit. The exit status (128 + signal if it
    // was killed by a signal), or nullopt if it is still running.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
    // Waits up to `timeout` until output() contains `text`; false if the program exits
    // or the time passes first.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);
    // SIGTERM, then waits up to `grace` (SIGKILL after that). The exit status.
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

private:
    ChildProcess(pid_t pid, std::string output_file) : pid_(pid), output_file_(std::move(output_file)) {}
    void reap(int wait_status);

    pid_t pid_ = -1;
    std::string output_file_;
    std::optional<int> exit_status_;
};

}  // namespace fax::testing
