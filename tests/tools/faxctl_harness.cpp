#include "faxctl_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "test_line.h"
#include "fax/base/sha256.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxctl_test {
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

namespace {

std::atomic<int> g_run{0};

int spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0) ::_exit(126);
        ::dup2(o, 1);
        ::dup2(e, 2);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        // A fresh process group: a SIGINT meant for the test runner is not theirs.
        ::setpgid(0, 0);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

// Waits for `pid` until `deadline`; kills it after. Returns the exit status or -1.
int wait_for(int pid, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
    timed_out = false;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0) return -1;
        if (std::chrono::steady_clock::now() > deadline) {
            timed_out = true;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

RunResult run_process(const std::vector<std::string>& argv, const fs::path& scratch, std::chrono::seconds deadline) {
    const int n = g_run++;
    const fs::path out = scratch / ("run-" + std::to_string(n) + ".out");
    const fs::path err = scratch / ("run-" + std::to_string(n) + ".err");
    RunResult r;
    const int pid = spawn(argv, out, err);
    if (pid < 0) return r;
    r.exit_code = wait_for(pid, std::chrono::steady_clock::now() + deadline, r.timed_out);
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

Child::Child(const std::vector<std::string>& argv, const fs::path& scratch) {
    const int n = g_run++;
    out_ = scratch / ("child-" + std::to_string(n) + ".out");
    err_ = scratch / ("child-" + std::to_string(n) + ".err");
    pid_ = spawn(argv, out_, err_);
}

Child::~Child() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

bool Child::wait_for_output(const std::string& text, std::chrono::seconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (pid_ > 0 && std::chrono::steady_clock::now() < until) {
        if (read_file(out_).find(text) != std::string::npos) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return read_file(out_).find(text) != std::string::npos;
}

void Child::signal(int signo) {
    if (pid_ > 0) ::kill(pid_, signo);
}

RunResult Child::wait(std::chrono::seconds deadline) {
    RunResult r;
    if (pid_ > 0) {
        r.exit_code = wait_for(pid_, std::chrono::steady_clock::now() + deadline, r.timed_out);
        pid_ = -1;
    }
    r.out = read_file(out_);
    r.err = read_file(err_);
    return r;
}

Faxsim::Faxsim(const fs::path& dir, const std::vector<std::string>& receivers, const std::vector<std::string>& extra)
    : dir_(dir) {
    std::vector<std::string> argv = {FAXSIM_BIN, "--modem", modem() + "=5551001"};
    for (const auto& n : receivers) {
        argv.push_back("--receiver");
        argv.push_back(n + "=" + rx_dir(n).string());
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    // FAX_TEST_LINE=t38: the same tests over the T.38 line.
    for (const auto& a : fax::testing::faxsim_line_args()) argv.push_back(a);
    pid_ = spawn(argv, dir_ / "faxsim.out", dir_ / "faxsim.err");
    if (pid_ < 0) return;
    // Generous: a loaded CI machine may take a while to start it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string out = read_file(dir_ / "faxsim.out");
        if (out.find("faxsim: ready") != std::string::npos) {
            // On the T.38 registration the line must really be T.38, not silently audio.
            ready_ = !fax::testing::on_t38_line() || out.find("faxsim: line t38") != std::string::npos;
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::string Faxsim::stop() {
    if (pid_ > 0) {
        ::kill(pid_, SIGINT);
        bool timed_out = false;
        wait_for(pid_, std::chrono::steady_clock::now() + std::chrono::seconds(30), timed_out);
        pid_ = -1;
        output_ = read_file(dir_ / "faxsim.out") + read_file(dir_ / "faxsim.err");
    }
    return output_;
}

Faxsim::~Faxsim() { stop(); }

t30::Bitmap test_page(int seed) {
    t30::Bitmap b = t30::Bitmap::blank(1728, 1100);
    auto box = [&](int x0, int y0, int x1, int y1) {
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x) b.set(x, y, true);
    };
    // A frame, so a shifted or cropped page cannot compare equal.
    box(100, 100, 1628, 104);
    box(100, 996, 1628, 1000);
    box(100, 100, 104, 1000);
    box(1624, 100, 1628, 1000);
    // Bars whose widths and positions depend on the seed.
    for (int i = 0; i < 12; ++i) {
        const int w = 8 + ((seed * 7 + i * 13) % 40);
        const int x = 160 + i * 110;
        box(x, 200 + (seed % 5) * 40, x + w, 420 + (i % 3) * 60);
    }
    box(200, 700, 200 + 100 * (seed % 10 + 1), 740);
    return b;
}

std::string make_station(const fs::path& dir, const std::string& modem_device) {
    const fs::path examples = fs::path(FAX_SOURCE_DIR) / "examples";
    fs::create_directories(dir / "requests" / "documents");
    for (const char* name :
         {"request-treatment.json", "request-refused-attorney.json", "request-payer-certification.json"})
        fs::copy_file(examples / name, dir / "requests" / name, fs::copy_options::overwrite_existing);
    auto write_doc = [&](const std::string& name, std::vector<int> seeds) {
        std::vector<t30::Bitmap> pages;
        for (int s : seeds) pages.push_back(test_page(s));
        auto st = t30::write_fax_tiff((dir / "requests" / "documents" / name).string(), pages);
        EXPECT_TRUE(st.ok()) << st.error().to_string();
    };
    write_doc("discharge-summary.tif", {1, 2});
    write_doc("lab-results.tif", {3, 4, 5});
    write_doc("admission.tif", {6, 7, 8});

    const std::string config = (dir / "faxstack.toml").string();
    std::ofstream(config) << "format = \"faxstack-config/1\"\n"
                             "[station]\n"
                             "data_dir = \"data\"\n"
                             "ident = \"+1 206 555 0199\"\n"
                             "[modem]\n"
                             "device = \"" << modem_device << "\"\n"
                             "speed = 115200\n"
                             "flow_control = \"software\"\n"
                             "call_limit_seconds = 400\n"
                             "[cover]\n"
                             "zone_label = \"PST\"\n"
                             "utc_offset = \"-08:00\"\n"
                             "[sender]\n"
                             "name = \"Dana Whitfield\"\n"
                             "department = \"Health Information Management - Release of Information\"\n"
                             "phone = \"206-555-0100\"\n"
                             "fax = \"206-555-0199\"\n";
    return config;
}

RunResult faxctl(const std::string& config, const std::vector<std::string>& args, const fs::path& scratch,
                 OutputLog& log, std::chrono::seconds deadline) {
    std::vector<std::string> argv = {FAXCTL_BIN, "--config", config};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = run_process(argv, scratch, deadline);
    std::string what = "faxctl";
    for (const auto& a : args) what += " " + a;
    log.add(what + " -> " + std::to_string(r.exit_code), r.all());
    return r;
}

std::string page_hash(const t30::Bitmap& page) {
    std::string data = "P4\n" + std::to_string(page.width) + " " + std::to_string(page.height) + "\n";
    data.append(reinterpret_cast<const char*>(page.bits.data()), page.bits.size());
    return sha256_hex(data);
}

}  // namespace fax::faxctl_test
