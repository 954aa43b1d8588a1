// Test harness for faxctl: runs the faxctl and faxsim binaries as child processes
// (their paths come from the build as FAXCTL_BIN / FAXSIM_BIN), keeps every byte they
// print, and builds a station work directory: a configuration file, copies of the
// example requests and generated documents.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "fax/t30/bitmap.h"
#include "release_fixture.h"

namespace fax::faxctl_test {

// A fresh directory under the temp dir, removed at the end of the test (kept with
// FAX_KEEP_TEST_FILES=1): the one every suite uses.
using TempDir = fax::testing::TempDir;

struct RunResult {
    int exit_code = -1;  // -1: killed (timed out or signalled)
    bool timed_out = false;
    std::string out;
    std::string err;
    std::string all() const { return out + err; }
};

// Everything every child printed, for the "no member reference anywhere" check.
class OutputLog {
public:
    void add(const std::string& what, const std::string& text) { log_ += "==== " + what + "\n" + text; }
    const std::string& text() const { return log_; }

private:
    std::string log_;
};

// Runs argv[0] with argv, stdout and stderr to files in `scratch`, and waits (SIGKILL
// after `deadline`).
RunResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& scratch,
                      std::chrono::seconds deadline);

// A child running in the background (for a test that signals it mid-call).
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::filesystem::path& scratch);
    ~Child();  // SIGKILL if still running
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    // True once `text` appears in its stdout (false after `deadline` or if it exited).
    bool wait_for_output(const std::string& text, std::chrono::seconds deadline);
    void signal(int signo);
    RunResult wait(std::chrono::seconds deadline);

private:
    int pid_ = -1;
    std::filesystem::path out_, err_;
};

// faxsim in the background: one Class 1 modem on a pty linked at <dir>/modem
// (number 5551001), and a receiving fax terminal for each number given, storing
// faxes in <dir>/rx-<number>.
class Faxsim {
public:
    // `extra`: more faxsim arguments, e.g. {"--busy", "12065550142"}.
    Faxsim(const std::filesystem::path& dir, const std::vector<std::string>& receivers,
           const std::vector<std::string>& extra = {});
    ~Faxsim();  // SIGINT, then waits
    Faxsim(const Faxsim&) = delete;
    Faxsim& operator=(const Faxsim&) = delete;

    bool ready() const { return ready_; }
    std::string modem() const { return (dir_ / "modem").string(); }
    std::filesystem::path rx_dir(const std::string& number) const { return dir_ / ("rx-" + number); }
    // Stops it and returns everything it printed (idempotent).
    std::string stop();

private:
    std::filesystem::path dir_;
    int pid_ = -1;
    bool ready_ = false;
    std::string output_;
};

// Pages with distinct, mostly white content (quick to send, easy to tell apart):
// a frame and a bar code-like pattern keyed by `seed`. 1728 x 1100 at 204 x 196 dpi.
t30::Bitmap test_page(int seed);

// A station work directory:
//   <dir>/faxstack.toml      data_dir <dir>/data, modem as given, PST cover, [sender]
//   <dir>/requests/*.json    verbatim copies of examples/request-*.json
//   <dir>/requests/documents/discharge-summary.tif (2 pages), lab-results.tif (3 pages)
// Returns the config path.
std::string make_station(const std::filesystem::path& dir, const std::string& modem_device);

// faxctl with --config <config>; output goes to `log` too.
RunResult faxctl(const std::string& config, const std::vector<std::string>& args, const std::filesystem::path& scratch,
                 OutputLog& log, std::chrono::seconds deadline = std::chrono::seconds(60));

std::string read_file(const std::filesystem::path& p);

// As the gate hashes a page (docs/policy.md): SHA-256 of its raw PBM encoding.
std::string page_hash(const t30::Bitmap& page);

}  // namespace fax::faxctl_test
