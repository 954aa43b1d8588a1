// The project RECEIVING from independent Class 2.0 fax software, through the real faxsim
// binary started with --class2: two simulated modems on pseudo-terminals, paced to real
// time, on one simulated exchange.
//
//   efax -o0 -t     -> modem A (Class 2.0) -> line -> modem B -> Class2Session::receive
//   sendfax -C c2.0 -> modem A (Class 2.0) -> line -> modem B -> Class2Session::receive
//
// The project's receiver runs with t30::run_realtime over a hal::SerialTransport on modem
// B's link; T.30 runs in each modem (Class 2.0 on both sides of the line). Each sender
// sends two pages (MPS between them); every received page is compared pixel for pixel with
// the chart it came from (efax's 20-row header band allowed for). Each call takes about
// 40-60 s of real time; the deadlines are several times that.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "test_line.h"
#include "../integration/child_process.h"
#include "fax/hal/serial_transport.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/realtime_runner.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"
#include "itu_chart.h"
#include "peer.h"
#include "tiff_fixture.h"

namespace fax {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

constexpr const char* kEfax = "/usr/bin/efax";
constexpr const char* kSendfax = "/usr/sbin/sendfax";
constexpr const char* kPbm2g3 = "/usr/bin/pbm2g3";
constexpr const char* kSendfaxIdent = "SENDFAX CLASS2";
constexpr const char* kSenderNumber = "5551001";
constexpr const char* kReceiverNumber = "5551002";
constexpr auto kCallDeadline = std::chrono::seconds(300);
// efax puts a header band of this many rows above every page it sends (blank with -h "").
constexpr int kEfaxHeaderRows = 20;
// The charts every sender sends, in order: two pages, so MPS goes between them.
const std::vector<int> kCharts = {1, 2};

// Chart n as a bitmap (testdata/itu/, fine resolution).
t30::Bitmap chart(int n) {
    auto pages = t30::read_tiff(fax::testing::itu_chart_path(n));
    EXPECT_TRUE(pages.ok() && pages->size() == 1u) << fax::testing::itu_chart_path(n);
    return pages.ok() && pages->size() == 1u ? pages->front() : t30::Bitmap{};
}

// Chart n as a binary PBM in `dir` (what mgetty's pbm2g3 reads).
std::string chart_pbm(const sim::test::TempDir& dir, int n) {
    const std::string path = dir.file("chart" + std::to_string(n) + ".pbm");
    const auto s = t30::write_pbm(path, chart(n));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    return path;
}

// faxsim --class2 with modem A (kSenderNumber) and modem B (kReceiverNumber) on pty links
// in `dir`. Stopped (SIGTERM) and reaped on destruction.
class Class2Line {
public:
    explicit Class2Line(const sim::test::TempDir& dir) : link_a_(dir.file("faxA")), link_b_(dir.file("faxB")) {
        std::vector<std::string> argv = {FAX_FAXSIM_PATH, "--class2", "--modem", link_a_ + "=" + kSenderNumber,
                                         "--modem", link_b_ + "=" + kReceiverNumber};
        for (const auto& a : fax::testing::faxsim_line_args()) argv.push_back(a);
        auto p = ChildProcess::spawn(argv, dir.file("faxsim.log"));
        EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().to_string());
        if (p.ok()) process_.emplace(std::move(*p));
    }
    ~Class2Line() {
        if (!process_) return;
        const int status = process_->stop(10s);  // faxsim exits 0 on SIGTERM
        EXPECT_EQ(status, 0) << "faxsim did not exit cleanly on SIGTERM:\n" << process_->output();
    }
    Class2Line(const Class2Line&) = delete;
    Class2Line& operator=(const Class2Line&) = delete;

    bool wait_ready() {
        // On the T.38 registration the line must really be T.38 (faxsim says so before "ready").
        return process_ && process_->wait_for_output("faxsim: ready", 30s) &&
               (!fax::testing::on_t38_line() || process_->wait_for_output("faxsim: line t38", 1s));
    }
    std::string log() const { return process_ ? process_->output() : std::string("(faxsim not started)"); }
    const std::string& link_a() const { return link_a_; }
    const std::string& link_b() const { return link_b_; }

    // The pty slave behind `link` ("/dev/pts/N"), from faxsim's line
    // "faxsim: modem <number> at <link> (<slave>)".
    std::string slave_of(const std::string& link) const {
        const std::string log = this->log();
        const std::string key = " at " + link + " (";
        const auto at = log.find(key);
        if (at == std::string::npos) return {};
        const auto begin = at + key.size();
        const auto end = log.find(')', begin);
        return end == std::string::npos ? std::string() : log.substr(begin, end - begin);
    }

private:
    std::string link_a_, link_b_;
    std::optional<ChildProcess> process_;
};

// Runs the project's Class 2.0 receiver on modem B until the call ends. The receiver
// waits for RING without a deadline of its own: if the sender gives up (or never dials),
// it stops waiting 30 s after the sender has gone rather than at kCallDeadline.
struct Received {
    Status run;
    t30::SessionResult result;
    std::optional<int> sender_status;
};

Received receive_with_project(const Class2Line& line, const std::string& rx_tiff, ChildProcess& sender) {
    Received out;
    hal::SerialTransport port(line.link_b(), {115200, hal::FlowControl::None});
    if (auto opened = port.open(); !opened) {
        out.run = opened;
        return out;
    }
    t30::Class2Options co;
    co.local_ident = "FAXSTACK C2 RX";
    auto session = t30::Class2Session::receive(rx_tiff, co);
    if (!session) {
        out.run = fail(session.error());
        return out;
    }
    if (std::getenv("FAX_TRACE") != nullptr)
        (*session)->set_trace([](bool to_modem, const std::string& l) {
            std::fprintf(stderr, "%s %s\n", to_modem ? "->" : "<-", l.c_str());
        });
    t30::RealtimeOptions ro;
    ro.limit = kCallDeadline;
    std::optional<std::chrono::steady_clock::time_point> gone;
    ro.stop_requested = [&] {
        if (!gone && !sender.running()) gone = std::chrono::steady_clock::now();
        return gone && std::chrono::steady_clock::now() - *gone > 30s;
    };
    const auto start = std::chrono::steady_clock::now();
    out.run = t30::run_realtime(**session, port, ro);
    port.close();
    out.result = (*session)->result();
    out.sender_status = sender.wait_for_exit(60s);
    std::printf("[ interop  ] received %d page(s) in %.1f s (%.1f s on the line, %s %d bit/s %s)\n",
                out.result.pages_received,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                out.result.line_seconds, out.result.modulation.c_str(), out.result.bit_rate,
                out.result.compression.c_str());
    return out;
}

// Every page of `rx_tiff` against kCharts, pixel-exact. `header_rows`: the sender's band
// above each page (it must be white and exactly that tall).
void expect_charts_received(const std::string& rx_tiff, int header_rows) {
    auto got = t30::read_tiff(rx_tiff);
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_EQ(got->size(), kCharts.size());
    for (std::size_t i = 0; i < kCharts.size(); ++i) {
        const t30::Bitmap sent = chart(kCharts[i]);
        ASSERT_GT(sent.width, 0);
        const auto d = t30::compare_pages(sent, (*got)[i], header_rows);
        EXPECT_TRUE(d.identical) << "page " << i + 1 << " (chart " << kCharts[i] << "): " << d.summary;
        EXPECT_EQ(d.row_offset, header_rows) << "page " << i + 1 << ": " << d.summary;
    }
}

TEST(Class2ReceiveInterop, EfaxClass2SendsToProjectClass2Receiver) {
    if (auto why = fax::testing::missing_peer(kEfax, "efax")) GTEST_SKIP() << *why;
    sim::test::TempDir dir("interop-efax-class2-to-project");
    // One single-page 1-D G3 TIFF per chart, image directory first (what efax reads).
    std::vector<std::string> inputs;
    for (int n : kCharts) {
        const auto page = sim::test::read_tiff_page(fax::testing::itu_chart_path(n));
        ASSERT_TRUE(page);
        inputs.push_back(dir.file("chart" + std::to_string(n) + ".tif"));
        ASSERT_TRUE(sim::test::write_fax_tiff(inputs.back(), *page, sim::test::TiffCoding::G3_1D));
    }
    Class2Line line(dir);
    ASSERT_TRUE(line.wait_ready()) << line.log();

    std::vector<std::string> argv = {kEfax, "-d", line.link_a(), "-o0", "-l", "EFAX CLASS2",
                                     "-h",  "",   "-v", "ewinchamr", "-t", kReceiverNumber};
    argv.insert(argv.end(), inputs.begin(), inputs.end());
    auto efax = ChildProcess::spawn(argv, dir.file("efax.log"));
    ASSERT_TRUE(efax.ok()) << efax.error().to_string();

    const std::string rx = dir.file("rx.tif");
    const auto got = receive_with_project(line, rx, *efax);
    if (std::getenv("FAX_TRACE") != nullptr) std::fprintf(stderr, "%s\n%s\n", efax->output().c_str(), line.log().c_str());
    ASSERT_TRUE(got.run.ok()) << got.run.error().to_string() << "\n" << efax->output() << line.log();
    ASSERT_TRUE(got.sender_status.has_value()) << "efax still running after our session ended\n" << efax->output();
    EXPECT_EQ(*got.sender_status, 0) << efax->output() << line.log();
    EXPECT_NE(efax->output().find("class 2.0"), std::string::npos) << efax->output();

    const auto& r = got.result;
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text << "\n" << efax->output();
    EXPECT_EQ(r.pages_received, static_cast<int>(kCharts.size()));
    EXPECT_EQ(r.remote_ident, "EFAX CLASS2");
    expect_charts_received(rx, kEfaxHeaderRows);
}

TEST(Class2ReceiveInterop, SendfaxClass2SendsToProjectClass2Receiver) {
    if (auto why = fax::testing::missing_peer(kSendfax, "mgetty-fax")) GTEST_SKIP() << *why;
    if (auto why = fax::testing::missing_peer(kPbm2g3, "mgetty-fax")) GTEST_SKIP() << *why;
    sim::test::TempDir dir("interop-sendfax-class2-to-project");
    // sendfax sends raw G3 files; mgetty's own pbm2g3 makes them (fine resolution).
    std::vector<std::string> inputs;
    for (int n : kCharts) {
        inputs.push_back(dir.file("chart" + std::to_string(n) + ".g3"));
        auto conv = ChildProcess::spawn({"/bin/sh", "-c", std::string(kPbm2g3) + " < " + chart_pbm(dir, n) + " > " + inputs.back()},
                                        dir.file("pbm2g3.log"));
        ASSERT_TRUE(conv.ok()) << conv.error().to_string();
        const auto st = conv->wait_for_exit(60s);
        ASSERT_TRUE(st.has_value() && *st == 0) << conv->output();
    }
    Class2Line line(dir);
    ASSERT_TRUE(line.wait_ready()) << line.log();
    const std::string slave = line.slave_of(line.link_a());
    ASSERT_EQ(slave.rfind("/dev/", 0), 0u) << line.log();

    // sendfax takes the line as a name under /dev; -x 5 logs the AT dialogue; -I sets its
    // station id (+FLI, the TSI our receiver reports).
    std::vector<std::string> argv = {kSendfax, "-v", "-x",   "5",    "-C",           "c2.0", "-l", slave.substr(5),
                                     "-I",     kSendfaxIdent, "-D", "ATDT", kReceiverNumber};
    argv.insert(argv.end(), inputs.begin(), inputs.end());
    auto sendfax = ChildProcess::spawn(argv, dir.file("sendfax.log"));
    ASSERT_TRUE(sendfax.ok()) << sendfax.error().to_string();

    const std::string rx = dir.file("rx.tif");
    const auto got = receive_with_project(line, rx, *sendfax);
    if (std::getenv("FAX_TRACE") != nullptr)
        std::fprintf(stderr, "%s\n%s\n", sendfax->output().c_str(), line.log().c_str());
    ASSERT_TRUE(got.run.ok()) << got.run.error().to_string() << "\n" << sendfax->output() << line.log();
    ASSERT_TRUE(got.sender_status.has_value()) << "sendfax still running after our session ended\n"
                                               << sendfax->output();
    EXPECT_EQ(*got.sender_status, 0) << sendfax->output() << line.log();

    const auto& r = got.result;
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text << "\n" << sendfax->output();
    EXPECT_EQ(r.pages_received, static_cast<int>(kCharts.size()));
    EXPECT_EQ(r.remote_ident, kSendfaxIdent);
    // pbm2g3 and sendfax add no header band: the pages must match from their first row.
    expect_charts_received(rx, 0);
}

}  // namespace
}  // namespace fax
