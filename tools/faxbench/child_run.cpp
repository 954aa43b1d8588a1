#include "child_run.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <thread>
#include <filesystem>
#include <system_error>

#include "bench_clock.h"

namespace fax::faxbench {

std::string self_exe() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

namespace {

// fork + exec + wait4 of argv with stdout/stderr on `out`.
Result<ChildCost> fork_wait(const std::vector<std::string>& argv, int out) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const double t0 = wall_seconds();
    const pid_t pid = ::fork();
    if (pid < 0) return fail(Errc::Io, "run_child: fork: " + std::generic_category().message(errno));
    if (pid == 0) {
        if (out >= 0) {
            ::dup2(out, STDOUT_FILENO);
            ::dup2(out, STDERR_FILENO);
        }
        const int in = ::open("/dev/null", O_RDONLY);
        if (in >= 0) ::dup2(in, STDIN_FILENO);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    rusage ru{};
    pid_t r;
    do r = ::wait4(pid, &status, 0, &ru);
    while (r < 0 && errno == EINTR);
    if (r < 0) return fail(Errc::Io, "run_child: wait4: " + std::generic_category().message(errno));
    ChildCost c;
    c.wall_s = wall_seconds() - t0;
    c.cpu_s = seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);
    c.max_rss_kib = ru.ru_maxrss;
    c.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return c;
}

}  // namespace

int measure_child_main(const std::vector<std::string>& argv) {
    if (argv.size() < 2) return 2;
    auto c = fork_wait(std::vector<std::string>(argv.begin() + 1, argv.end()), -1);
    if (!c) return 1;
    std::FILE* f = std::fopen(argv[0].c_str(), "w");
    if (f == nullptr) return 1;
    std::fprintf(f, "%d %.6f %.6f %ld\n", c->exit_status, c->wall_s, c->cpu_s, c->max_rss_kib);
    std::fclose(f);
    return 0;
}

Result<ChildCost> run_child(const std::vector<std::string>& argv, const std::string& log_path) {
    if (argv.empty()) return fail(Errc::InvalidArgument, "run_child: no program");
    const int out = log_path.empty() ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                                     : ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0) return fail(Errc::Io, "run_child: cannot open " + (log_path.empty() ? "/dev/null" : log_path));
    char tmpl[] = "/tmp/faxbench-cost-XXXXXX";
    const int rf = ::mkstemp(tmpl);
    if (rf < 0) {
        ::close(out);
        return fail(Errc::Io, "run_child: mkstemp failed");
    }
    ::close(rf);
    std::vector<std::string> launcher = {self_exe(), "--measure-child", tmpl};
    launcher.insert(launcher.end(), argv.begin(), argv.end());
    auto l = fork_wait(launcher, out);
    ::close(out);
    ChildCost c;
    std::FILE* f = std::fopen(tmpl, "r");
    const bool read = f != nullptr && std::fscanf(f, "%d %lf %lf %ld", &c.exit_status, &c.wall_s, &c.cpu_s, &c.max_rss_kib) == 4;
    if (f != nullptr) std::fclose(f);
    ::unlink(tmpl);
    if (!l) return fail(l.take_error());
    if (!read) return fail(Errc::Io, "run_child: the launcher reported nothing (exit " + std::to_string(l->exit_status) + ")");
    return c;
}

Result<int> spawn_child(const std::vector<std::string>& argv, const std::string& log_path) {
    if (argv.empty()) return fail(Errc::InvalidArgument, "spawn_child: no program");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) return fail(Errc::Io, "spawn_child: cannot open " + log_path);
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(out);
        return fail(Errc::Io, "spawn_child: fork: " + std::generic_category().message(errno));
    }
    if (pid == 0) {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
        const int in = ::open("/dev/null", O_RDONLY);
        if (in >= 0) ::dup2(in, STDIN_FILENO);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out);
    return static_cast<int>(pid);
}

int wait_child(int pid, double timeout_s) {
    const double end = wall_seconds() + timeout_s;
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0 && errno != EINTR) return -1;
        if (wall_seconds() > end) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

int stop_child(int pid, double timeout_s) {
    ::kill(pid, SIGTERM);
    return wait_child(pid, timeout_s);
}

}  // namespace fax::faxbench
