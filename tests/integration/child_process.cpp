#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

extern char** environ;

namespace fax::testing {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);

// posix_spawn file actions and attributes as RAII owners.
struct SpawnActions {
    posix_spawn_file_actions_t a{};
    SpawnActions() { posix_spawn_file_actions_init(&a); }
    ~SpawnActions() { posix_spawn_file_actions_destroy(&a); }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
};

struct SpawnAttr {
    posix_spawnattr_t a{};
    SpawnAttr() { posix_spawnattr_init(&a); }
    ~SpawnAttr() { posix_spawnattr_destroy(&a); }
    SpawnAttr(const SpawnAttr&) = delete;
    SpawnAttr& operator=(const SpawnAttr&) = delete;
};

}  // namespace

Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv, const std::string& output_file) {
    if (argv.empty()) return fail(Errc::InvalidArgument, "child process: empty command line");
    SpawnActions actions;
    posix_spawn_file_actions_addopen(&actions.a, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions.a, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions.a, 1, 2);
    // The test runner may block signals (gtest does not, faxsim's parent might): the
    // child starts with none blocked and default dispositions, so SIGTERM stops it.
    SpawnAttr attr;
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr.a, &none);
    posix_spawnattr_setsigdefault(&attr.a, &all);
    posix_spawnattr_setflags(&attr.a, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0].c_str(), &actions.a, &attr.a, args.data(), environ);
    if (rc != 0)
        return fail(Errc::Io, "child process: cannot start " + argv[0] + ": " + std::generic_category().message(rc));
    return ChildProcess(pid, output_file);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), output_file_(std::move(other.output_file_)), exit_status_(other.exit_status_) {
    other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0 && !exit_status_) stop();
        pid_ = other.pid_;
        output_file_ = std::move(other.output_file_);
        exit_status_ = other.exit_status_;
        other.pid_ = -1;
    }
    return *this;
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !exit_status_) stop();
}

std::string ChildProcess::output() const {
    std::ifstream in(output_file_, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void ChildProcess::reap(int wait_status) {
    if (WIFEXITED(wait_status))
        exit_status_ = WEXITSTATUS(wait_status);
    else if (WIFSIGNALED(wait_status))
        exit_status_ = 128 + WTERMSIG(wait_status);
    else
        exit_status_ = 255;
}

bool ChildProcess::running() {
    if (pid_ <= 0 || exit_status_) return false;
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        reap(st);
        return false;
    }
    if (r < 0 && errno == ECHILD) {
        exit_status_ = 255;  // not ours any more: nothing left to wait for
        return false;
    }
    return true;
}

std::optional<int> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(kPoll);
    }
    return exit_status_;
}

bool ChildProcess::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (output().find(text) != std::string::npos) return true;
        if (!running() || std::chrono::steady_clock::now() >= deadline)
            return output().find(text) != std::string::npos;
        std::this_thread::sleep_for(kPoll);
    }
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return 255;
    if (!running()) return *exit_status_;
    ::kill(pid_, SIGTERM);
    if (auto s = wait_for_exit(grace)) return *s;
    ::kill(pid_, SIGKILL);
    int st = 0;
    if (::waitpid(pid_, &st, 0) == pid_)
        reap(st);
    else
        exit_status_ = 255;
    return *exit_status_;
}

}  // namespace fax::testing
