// efax 0.9a in Class 2.0 mode (efax -o0) sending (two pages, MPS) through a simulated Class 2.0 modem
// published on a pseudo-terminal, paced to real time, to a SpanDSP reference terminal.
// The simulation runs on a thread of this test (fax::sim's PtyModemPort and
// RealtimeLoop), so nothing but efax itself is a separate program.
//
// The call takes real time (about 40 s at V.17); the deadline is several times that.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "line_kind.h"
#include "itu_chart.h"
#include "fax/hal/serial_transport.h"
#include "fax/sim/pty_modem_port.h"
#include "fax/sim/realtime_loop.h"
#include "fax/sim/simulation.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/realtime_runner.h"
#include "release_fixture.h"
#include "peer.h"
#include "tiff_fixture.h"

extern char** environ;

namespace fax {
namespace {

using namespace std::chrono_literals;

constexpr const char* kEfax = "/usr/bin/efax";
constexpr auto kDeadline = 300s;
// efax puts a header band of this many rows above every page it sends (blank with -h "").
constexpr int kEfaxHeaderRows = 20;

// efax as a child process with its output in a file; killed if still running at the end.
class Efax {
public:
    Efax(const std::vector<std::string>& args, const std::string& log) : log_(log) {
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~Efax() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            int st = 0;
            ::waitpid(pid_, &st, 0);
        }
    }
    bool started() const { return pid_ > 0; }
    // The exit status, or -1 if it did not exit before `deadline`.
    int wait(std::chrono::steady_clock::duration deadline) {
        const auto end = std::chrono::steady_clock::now() + deadline;
        while (std::chrono::steady_clock::now() < end) {
            int st = 0;
            const pid_t r = ::waitpid(pid_, &st, WNOHANG);
            if (r == pid_) {
                exited_ = true;
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
            std::this_thread::sleep_for(100ms);
        }
        return -1;
    }
    std::string output() const {
        std::ifstream f(log_);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }

private:
    std::string log_;
    pid_t pid_ = -1;
    bool exited_ = false;
};

// The simulation paced to real time on a thread of this test, as faxsim runs it: the
// modems' pseudo-terminals serve efax, sendfax or the project's own driver. stop()
// (or the destructor) ends the loop and joins the thread.
class SimThread {
public:
    SimThread(sim::Simulation& sim, std::vector<sim::PtyModemPort*> ports, std::function<void()> after_step = {})
        : loop_(sim), stop_fd_(::eventfd(0, EFD_CLOEXEC)) {
        EXPECT_GE(stop_fd_, 0);
        for (auto* p : ports) loop_.add_port(*p);
        if (after_step) loop_.set_after_step(std::move(after_step));
        thread_ = std::thread([this] { status_ = loop_.run(stop_fd_); });
    }
    ~SimThread() { (void)stop(); }
    SimThread(const SimThread&) = delete;
    SimThread& operator=(const SimThread&) = delete;

    // Gives `done` up to 20 s (the far end finishing its side) before the caller stops.
    static void wait_for(const std::atomic<bool>& done) {
        for (int i = 0; i < 200 && !done; ++i) std::this_thread::sleep_for(100ms);
    }
    // Ends the loop; the loop's status (a step that failed, a port error).
    const Status& stop() {
        if (thread_.joinable()) {
            const uint64_t one = 1;
            (void)!::write(stop_fd_, &one, sizeof one);
            thread_.join();
            ::close(stop_fd_);
        }
        return status_;
    }
    const sim::RealtimeStats& stats() const { return loop_.stats(); }

private:
    sim::RealtimeLoop loop_;
    int stop_fd_;
    std::thread thread_;
    Status status_;
};

TEST(EfaxClass2, SendsThroughAClass2ModemOnAPtyToTheReferenceTerminal) {
    if (auto why = fax::testing::missing_peer(kEfax, "efax")) GTEST_SKIP() << *why;
    sim::test::TempDir dir("interop-efax-class2");
    // Two pages, so that efax sends MPS between them. efax reads 1-D G3 TIFF with the
    // image directory before the strip.
    std::vector<std::string> inputs;
    for (int n : {1, 2}) {
        const auto chart = sim::test::read_tiff_page(fax::testing::itu_chart_path(n));
        ASSERT_TRUE(chart);
        inputs.push_back(dir.file("chart" + std::to_string(n) + ".tif"));
        ASSERT_TRUE(sim::test::write_fax_tiff(inputs.back(), *chart, sim::test::TiffCoding::G3_1D));
    }

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    sim::ModemOptions mo;
    mo.offer_class2 = true;
    mo.inband_flow_control = true;
    auto& modem = sim.add_modem("5551001", mo);
    sim::TerminalOptions to;
    to.role = sim::TerminalOptions::Role::Receive;
    to.tiff = dir.file("rx.tif");
    to.ident = "NORTH CLINIC";
    auto& term = sim.add_terminal("5551009", to);
    auto port = sim::PtyModemPort::create(modem, dir.file("faxC2"));
    ASSERT_TRUE(port.ok()) << port.error().to_string();

    std::atomic<bool> term_done{false};
    std::atomic<bool> modem_used_class2{false};
    SimThread simt(sim, {port->get()}, [&] {
        if (modem.class2_active()) modem_used_class2 = true;
        if (term.done()) term_done = true;
    });

    Efax efax({kEfax, "-d", (*port)->link_path(), "-o0", "-l", "EFAX CLASS2", "-h", "", "-v", "ewinchamr", "-t",
               "5551009", inputs[0], inputs[1]},
              dir.file("efax.log"));
    ASSERT_TRUE(efax.started());
    const int status = efax.wait(kDeadline);
    SimThread::wait_for(term_done);
    const Status loop_status = simt.stop();

    EXPECT_TRUE(loop_status.ok()) << loop_status.error().to_string();
    ASSERT_EQ(status, 0) << "efax exit status " << status << "\n" << efax.output();
    EXPECT_TRUE(modem_used_class2);
    const std::string log = efax.output();
    if (std::getenv("FAX_TRACE") != nullptr) std::fprintf(stderr, "%s\n", log.c_str());
    EXPECT_NE(log.find("class 2.0"), std::string::npos) << log;
    ASSERT_TRUE(term_done);
    EXPECT_EQ(term.result().completion_code, sim::kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 2);
    EXPECT_EQ(term.result().remote_ident, "EFAX CLASS2");

    auto got = t30::read_tiff(to.tiff);
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_EQ(got->size(), 2u);
    for (int n : {1, 2}) {
        const t30::Bitmap sent = fax::testing::itu_chart(n);
        ASSERT_GT(sent.width, 0);
        const auto d = t30::compare_pages(sent, (*got)[static_cast<std::size_t>(n - 1)], kEfaxHeaderRows);
        EXPECT_TRUE(d.identical) << "page " << n << ": " << d.summary;
        EXPECT_EQ(d.row_offset, kEfaxHeaderRows) << d.summary;
    }
    std::printf("[ interop  ] efax -o0: %llu steps, %llu late, %llu dropped\n",
                static_cast<unsigned long long>(simt.stats().steps),
                static_cast<unsigned long long>(simt.stats().late_steps),
                static_cast<unsigned long long>(simt.stats().dropped_steps));
}

// efax -o0 -r answering through the Class 2.0 modem: the reference terminal calls, the
// modem's T.30 receives, efax takes the page with +FDR (DC2, DLE-stuffed data).
TEST(EfaxClass2, ReceivesThroughAClass2ModemOnAPtyFromTheReferenceTerminal) {
    if (auto why = fax::testing::missing_peer(kEfax, "efax")) GTEST_SKIP() << *why;
    sim::test::TempDir dir("interop-efax-class2-rx");
    const auto chart = sim::test::read_tiff_page(fax::testing::itu_chart_path(2));
    ASSERT_TRUE(chart);
    const std::string doc = dir.file("chart2.tif");
    ASSERT_TRUE(sim::test::write_fax_tiff(doc, *chart, sim::test::TiffCoding::G3_1D));

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    sim::ModemOptions mo;
    mo.offer_class2 = true;
    mo.inband_flow_control = true;
    auto& modem = sim.add_modem("5551001", mo);
    sim::TerminalOptions to;
    to.role = sim::TerminalOptions::Role::Send;
    to.tiff = doc;
    to.ident = "SENDING CLINIC";
    to.dial = "5551001";
    to.dial_delay = Samples{8000 * 8};  // efax is set up and waiting (ATA) by then
    auto& term = sim.add_terminal("5551009", to);
    auto port = sim::PtyModemPort::create(modem, dir.file("faxC2"));
    ASSERT_TRUE(port.ok()) << port.error().to_string();

    std::atomic<bool> term_done{false};
    SimThread simt(sim, {port->get()}, [&] {
        if (term.done()) term_done = true;
    });

    const std::string pattern = dir.file("efaxrx");
    Efax efax({kEfax, "-d", (*port)->link_path(), "-o0", "-l", "EFAX RX", "-v", "ewinchamr", "-r", pattern},
              dir.file("efax.log"));
    ASSERT_TRUE(efax.started());
    const int status = efax.wait(kDeadline);
    SimThread::wait_for(term_done);
    const Status loop_status = simt.stop();

    EXPECT_TRUE(loop_status.ok()) << loop_status.error().to_string();
    if (std::getenv("FAX_TRACE") != nullptr) std::fprintf(stderr, "%s\n", efax.output().c_str());
    ASSERT_EQ(status, 0) << "efax exit status " << status << "\n" << efax.output();
    ASSERT_TRUE(term_done);
    EXPECT_EQ(term.result().completion_code, sim::kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 1);
    EXPECT_EQ(term.result().remote_ident, "EFAX RX");
    // efax found RTC and a clean page (else it says so and answers +FPS=2).
    EXPECT_EQ(efax.output().find("reception errors"), std::string::npos) << efax.output();
    EXPECT_NE(efax.output().find("received -> "), std::string::npos) << efax.output();

    // efax stores each received page as <pattern>.001, .002, ...
    auto sent = Result<t30::Bitmap>(fax::testing::itu_chart(2));
    auto got = t30::read_tiff(pattern + ".001");
    ASSERT_GT(sent->width, 0);
    ASSERT_TRUE(got.ok()) << got.error().to_string() << "\n" << efax.output();
    ASSERT_EQ(got->size(), 1u);
    const auto d = t30::compare_pages(*sent, (*got)[0]);
    EXPECT_TRUE(d.identical) << d.summary;
    EXPECT_FALSE(std::filesystem::exists(pattern + ".002"));
}

// The project's own Class 2.0 driver over a real pseudo-terminal with the wall clock
// (t30::run_realtime for a Class2Session), a cleared release from the real gate.
TEST(ProjectClass2OverPty, SendsAClearedReleaseToTheReferenceTerminal) {
    testing::TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {3}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0120", std::string("NORTH CLINIC"));
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string cleared = release->tiff_path();

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    sim::ModemOptions mo;
    mo.offer_class2 = true;
    mo.inband_flow_control = true;
    auto& modem = sim.add_modem("5551001", mo);
    sim::TerminalOptions to;
    to.role = sim::TerminalOptions::Role::Receive;
    to.tiff = dir.file("rx.tif");
    to.ident = "NORTH CLINIC";
    auto& term = sim.add_terminal(release->dial_number(), to);
    auto port = sim::PtyModemPort::create(modem, dir.file("faxC2"));
    ASSERT_TRUE(port.ok()) << port.error().to_string();

    std::atomic<bool> term_done{false};
    SimThread simt(sim, {port->get()}, [&] {
        if (term.done()) term_done = true;
    });

    hal::SerialTransport tty((*port)->link_path(), {115200, hal::FlowControl::None});
    auto opened = tty.open();
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    auto session = t30::Class2Session::transmit(std::move(*release));
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    t30::RealtimeOptions ro;
    ro.limit = std::chrono::duration_cast<std::chrono::seconds>(kDeadline);
    const Status run = t30::run_realtime(**session, tty, ro);
    SimThread::wait_for(term_done);
    const Status loop_status = simt.stop();

    ASSERT_TRUE(run.ok()) << run.error().to_string();
    EXPECT_TRUE(loop_status.ok()) << loop_status.error().to_string();
    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.pages_confirmed, 2);  // the cover and chart 3
    EXPECT_EQ(r.remote_ident, "NORTH CLINIC");
    ASSERT_TRUE(term_done);
    EXPECT_EQ(term.result().completion_code, sim::kT30ErrOk) << term.result().completion_text;
    auto sent = t30::read_tiff(cleared);
    auto got = t30::read_tiff(to.tiff);
    ASSERT_TRUE(sent.ok() && got.ok());
    ASSERT_EQ(got->size(), sent->size());
    for (std::size_t i = 0; i < sent->size(); ++i) {
        const auto d = t30::compare_pages((*sent)[i], (*got)[i]);
        EXPECT_TRUE(d.identical) << "page " << i + 1 << ": " << d.summary;
    }
    std::printf("[ interop  ] project Class 2.0 driver over a pty: %.1f s on the line\n", r.line_seconds);
}

// The project's Class 2.0 driver (run_realtime over one pty) sending a gate-cleared
// release to efax 0.9a in Class 2.0 mode (efax -o0 -r) answering on a second pty: two
// simulated Class 2.0 modems on the exchange, T.30 in each. efax's CSI is the one the
// directory entry was verified with, so the gate hook lets the pages go.
TEST(ProjectClass2OverPty, SendsAClearedReleaseToEfaxClass2) {
    if (auto why = fax::testing::missing_peer(kEfax, "efax")) GTEST_SKIP() << *why;
    testing::TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {1}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0122", std::string("EFAX CLINIC"));
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string cleared = release->tiff_path();

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    sim::ModemOptions mo;
    mo.offer_class2 = true;
    mo.inband_flow_control = true;
    auto& ours = sim.add_modem("5551001", mo);
    auto& theirs = sim.add_modem(release->dial_number(), mo);
    auto our_port = sim::PtyModemPort::create(ours, dir.file("faxOurs"));
    ASSERT_TRUE(our_port.ok()) << our_port.error().to_string();
    auto their_port = sim::PtyModemPort::create(theirs, dir.file("faxEfax"));
    ASSERT_TRUE(their_port.ok()) << their_port.error().to_string();

    SimThread simt(sim, {our_port->get(), their_port->get()});

    const std::string pattern = dir.file("efaxrx");
    Efax efax({kEfax, "-d", (*their_port)->link_path(), "-o0", "-l", "EFAX CLINIC", "-v", "ewinchamr", "-r", pattern},
              dir.file("efax.log"));
    ASSERT_TRUE(efax.started());
    // efax initialises its modem and waits with ATA (answered as the call arrives).
    std::this_thread::sleep_for(6s);

    hal::SerialTransport tty((*our_port)->link_path(), {115200, hal::FlowControl::None});
    auto opened = tty.open();
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    auto session = t30::Class2Session::transmit(std::move(*release));
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    t30::RealtimeOptions ro;
    ro.limit = std::chrono::duration_cast<std::chrono::seconds>(kDeadline);
    const Status run = t30::run_realtime(**session, tty, ro);
    tty.close();
    const int status = efax.wait(60s);
    const Status loop_status = simt.stop();

    ASSERT_TRUE(run.ok()) << run.error().to_string();
    EXPECT_TRUE(loop_status.ok()) << loop_status.error().to_string();
    if (std::getenv("FAX_TRACE") != nullptr) std::fprintf(stderr, "%s\n", efax.output().c_str());
    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.pages_confirmed, 2);  // the cover and chart 1
    EXPECT_EQ(r.remote_ident, "EFAX CLINIC");
    EXPECT_FALSE(r.remote_ident_mismatch);
    EXPECT_EQ(status, 0) << "efax exit status " << status << "\n" << efax.output();
    EXPECT_EQ(efax.output().find("reception errors"), std::string::npos) << efax.output();

    // efax stores each received page as <pattern>.001, .002, ...
    auto sent = t30::read_tiff(cleared);
    ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    ASSERT_EQ(sent->size(), 2u);
    for (std::size_t i = 0; i < sent->size(); ++i) {
        const std::string ext = (i + 1 < 10 ? ".00" : ".0") + std::to_string(i + 1);
        auto got = t30::read_tiff(pattern + ext);
        ASSERT_TRUE(got.ok()) << got.error().to_string() << "\n" << efax.output();
        ASSERT_EQ(got->size(), 1u);
        const auto d = t30::compare_pages((*sent)[i], (*got)[0]);
        EXPECT_TRUE(d.identical) << "page " << i + 1 << ": " << d.summary;
    }
    EXPECT_FALSE(std::filesystem::exists(pattern + ".003"));
    std::printf("[ interop  ] project Class 2.0 -> efax -o0 -r: %.1f s on the line\n", r.line_seconds);
}

// mgetty's sendfax (Debian mgetty-fax), Class 2.0 forced with -C c2.0, sending a page
// made by its own pbm2g3 through the same kind of PTY-published Class 2.0 modem.
TEST(SendfaxClass2, SendsThroughAClass2ModemOnAPtyToTheReferenceTerminal) {
    constexpr const char* kSendfax = "/usr/sbin/sendfax";
    constexpr const char* kPbm2g3 = "/usr/bin/pbm2g3";
    if (auto why = fax::testing::missing_peer(kSendfax, "mgetty-fax")) GTEST_SKIP() << *why;
    if (auto why = fax::testing::missing_peer(kPbm2g3, "mgetty-fax")) GTEST_SKIP() << *why;
    sim::test::TempDir dir("interop-sendfax-class2");
    const std::string pbm = dir.file("chart1.pbm");
    ASSERT_TRUE(t30::write_pbm(pbm, fax::testing::itu_chart(1)).ok());
    const std::string g3 = dir.file("chart1.g3");
    {
        Efax conv({"/bin/sh", "-c", std::string(kPbm2g3) + " < " + pbm + " > " + g3}, dir.file("pbm2g3.log"));
        ASSERT_TRUE(conv.started());
        ASSERT_EQ(conv.wait(60s), 0) << conv.output();
    }

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    sim::ModemOptions mo;
    mo.offer_class2 = true;
    mo.inband_flow_control = true;
    auto& modem = sim.add_modem("5551001", mo);
    sim::TerminalOptions to;
    to.role = sim::TerminalOptions::Role::Receive;
    to.tiff = dir.file("rx.tif");
    to.ident = "NORTH CLINIC";
    auto& term = sim.add_terminal("5551009", to);
    auto port = sim::PtyModemPort::create(modem, dir.file("faxC2"));
    ASSERT_TRUE(port.ok()) << port.error().to_string();
    ASSERT_EQ((*port)->slave_path().rfind("/dev/", 0), 0u);
    const std::string line = (*port)->slave_path().substr(5);  // sendfax takes names under /dev

    std::atomic<bool> term_done{false};
    SimThread simt(sim, {port->get()}, [&] {
        if (term.done()) term_done = true;
    });

    Efax sendfax({kSendfax, "-v", "-x", "5", "-C", "c2.0", "-l", line, "-D", "ATDT", "5551009", g3},
                 dir.file("sendfax.log"));
    ASSERT_TRUE(sendfax.started());
    const int status = sendfax.wait(kDeadline);
    SimThread::wait_for(term_done);
    const Status loop_status = simt.stop();

    EXPECT_TRUE(loop_status.ok()) << loop_status.error().to_string();
    if (std::getenv("FAX_TRACE") != nullptr) std::fprintf(stderr, "%s\n", sendfax.output().c_str());
    ASSERT_EQ(status, 0) << "sendfax exit status " << status << "\n" << sendfax.output();
    ASSERT_TRUE(term_done);
    EXPECT_EQ(term.result().completion_code, sim::kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 1);

    auto sent = Result<t30::Bitmap>(fax::testing::itu_chart(1));
    auto got = t30::read_tiff(to.tiff);
    ASSERT_GT(sent->width, 0);
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_EQ(got->size(), 1u);
    const auto d = t30::compare_pages(*sent, (*got)[0], 64);
    EXPECT_TRUE(d.identical) << d.summary;
}

}  // namespace
}  // namespace fax
