// Interoperability with efax 0.9a, an independent Class 1 fax program, through the
// real faxsim binary: simulated t31 modems behind pseudo-terminals, paced to real
// time, on one simulated exchange (docs/spandsp-0.0.6-notes.md, "A t31
// modem behind a pseudo-terminal, driven by efax").
//
//   EfaxSendsToReferenceTerminal   efax -> modem A -> line -> SpanDSP fax_state_t
//   EfaxSendsToProjectReceiver     efax -> modem A -> line -> modem B -> FaxSession::receive
//   ProjectSendsToEfax             gate -> FaxSession::transmit -> modem A -> line -> modem B -> efax -r
//
// Each call takes real time (about 30-60 s at V.17 / V.29); the deadlines are
// several times that so a loaded machine does not fail them.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "test_line.h"
#include "child_process.h"
#include "fax/hal/serial_transport.h"
#include "fax/t30/fax_session.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/realtime_runner.h"
#include "fax/t30/session_driver.h"
#include "fax/t30/tiff_io.h"
#include "peer.h"
#include "release_fixture.h"

namespace fax {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::TempDir;

constexpr const char* kEfax = "/usr/bin/efax";
constexpr const char* kModemANumber = "5551001";
// efax prepends a header band of this many rows to every page it sends (blank with -h "").
constexpr int kEfaxHeaderRows = 20;
constexpr auto kCallDeadline = std::chrono::seconds(300);

// faxsim with modem A (kModemANumber) and modem B (kModemBNumber.dial) on pty links in
// `dir`, and a reference fax machine answering kTerminalNumber.dial that stores what it
// receives in <dir>/refrx. Stopped (SIGTERM) and reaped on destruction.
class FaxLine {
public:
    explicit FaxLine(const TempDir& dir)
        : link_a_(dir.file("faxA")), link_b_(dir.file("faxB")), rx_dir_(dir.file("refrx")) {
        std::vector<std::string> argv = {FAX_FAXSIM_PATH, "--modem", link_a_ + "=" + kModemANumber, "--modem",
                                         link_b_ + "=" + testing::kModemBNumber.dial, "--receiver",
                                         std::string(testing::kTerminalNumber.dial) + "=" + rx_dir_};
        for (const auto& a : testing::faxsim_line_args()) argv.push_back(a);
        auto p = ChildProcess::spawn(argv, dir.file("faxsim.log"));
        EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().to_string());
        if (p.ok()) process_.emplace(std::move(*p));
    }
    ~FaxLine() {
        if (!process_) return;
        // faxsim exits 0 on SIGTERM after removing its links (tools/faxsim/main.cpp).
        const int status = process_->stop(10s);
        EXPECT_EQ(status, 0) << "faxsim did not exit cleanly on SIGTERM:\n" << process_->output();
    }
    FaxLine(const FaxLine&) = delete;
    FaxLine& operator=(const FaxLine&) = delete;

    bool wait_ready() {
        // On the T.38 registration the line must really be T.38 (faxsim says so before "ready").
        return process_ && process_->wait_for_output("faxsim: ready", 30s) &&
               (!fax::testing::on_t38_line() || process_->wait_for_output("faxsim: line t38", 1s));
    }
    bool wait_for(const std::string& text, std::chrono::seconds timeout) {
        return process_ && process_->wait_for_output(text, timeout);
    }
    std::string log() const { return process_ ? process_->output() : std::string("(faxsim not started)"); }

    const std::string& link_a() const { return link_a_; }
    const std::string& link_b() const { return link_b_; }
    const std::string& rx_dir() const { return rx_dir_; }

private:
    std::string link_a_, link_b_, rx_dir_;
    std::optional<ChildProcess> process_;
};

// efax's own logging (-v): errors, warnings, progress, negotiation and the AT dialogue.
// Document data never appears in it.
std::vector<std::string> efax_send_command(const std::string& device, const std::string& ident,
                                           const std::string& number, const std::vector<std::string>& files) {
    std::vector<std::string> argv = {kEfax, "-d", device, "-o1", "-l", ident, "-h", "", "-v", "ewinc", "-t", number};
    argv.insert(argv.end(), files.begin(), files.end());
    return argv;
}

std::vector<std::string> efax_receive_command(const std::string& device, const std::string& ident,
                                              const std::string& pattern) {
    return {kEfax, "-d", device, "-o1", "-l", ident, "-v", "ewinc", "-r", pattern};
}

// A one-page 1-D G3 TIFF of chart n, image directory before the strip (what efax reads).
std::string write_efax_input(const TempDir& dir, int chart) {
    return testing::write_charts(dir, {chart}, "chart" + std::to_string(chart) + ".tif",
                                 t30::TiffCompression::T4_1D);
}

// Files in `dir` whose names start with `prefix`, sorted.
std::vector<std::string> files_with_prefix(const std::string& dir, const std::string& prefix) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

void expect_single_page(const std::string& tiff, const t30::Bitmap& sent, int max_top_offset) {
    auto got = t30::read_tiff(tiff);
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_EQ(got->size(), 1u);
    auto d = t30::compare_pages(sent, got->front(), max_top_offset);
    EXPECT_TRUE(d.identical) << d.summary;
    if (max_top_offset > 0) {
        EXPECT_EQ(d.row_offset, max_top_offset) << "efax's header band is " << max_top_offset << " rows";
    }
}

TEST(EfaxInterop, EfaxSendsToReferenceTerminal) {
    if (auto why = testing::missing_peer(kEfax, "efax")) GTEST_SKIP() << *why;
    TempDir dir;
    const std::string chart = write_efax_input(dir, 1);
    FaxLine line(dir);
    ASSERT_TRUE(line.wait_ready()) << line.log();

    auto efax = ChildProcess::spawn(
        efax_send_command(line.link_a(), "+1 206 555 1001", testing::kTerminalNumber.dial, {chart}),
        dir.file("efax.log"));
    ASSERT_TRUE(efax.ok()) << efax.error().to_string();
    const auto status = efax->wait_for_exit(kCallDeadline);
    ASSERT_TRUE(status.has_value()) << "efax still running after the deadline\n" << efax->output() << line.log();
    EXPECT_EQ(*status, 0) << efax->output() << line.log();
    ASSERT_TRUE(line.wait_for("fax received: 1 page(s)", 30s)) << line.log();

    const auto received = files_with_prefix(line.rx_dir(), testing::kTerminalNumber.dial);
    ASSERT_EQ(received.size(), 1u) << line.log();
    expect_single_page(received.front(), testing::itu_chart(1), kEfaxHeaderRows);
}

TEST(EfaxInterop, EfaxSendsToProjectReceiver) {
    if (auto why = testing::missing_peer(kEfax, "efax")) GTEST_SKIP() << *why;
    TempDir dir;
    const std::string chart = write_efax_input(dir, 2);
    FaxLine line(dir);
    ASSERT_TRUE(line.wait_ready()) << line.log();

    hal::SerialTransport port(line.link_b(), {115200, hal::FlowControl::None});
    auto opened = port.open();
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    t30::SessionOptions so;
    so.local_ident = "FAXSTACK RX";
    auto session = t30::FaxSession::receive(dir.file("rx.tif"), so);
    ASSERT_TRUE(session.ok()) << session.error().to_string();

    auto efax = ChildProcess::spawn(
        efax_send_command(line.link_a(), "+1 206 555 1001", testing::kModemBNumber.dial, {chart}),
        dir.file("efax.log"));
    ASSERT_TRUE(efax.ok()) << efax.error().to_string();

    t30::RealtimeOptions ro;
    ro.limit = kCallDeadline;
    // Our receiver waits for a call without a deadline of its own: if efax gives up (or
    // never dials), stop waiting 30 s after it has gone rather than at kCallDeadline.
    std::optional<std::chrono::steady_clock::time_point> efax_gone;
    ro.stop_requested = [&] {
        if (!efax_gone && !efax->running()) efax_gone = std::chrono::steady_clock::now();
        return efax_gone && std::chrono::steady_clock::now() - *efax_gone > 30s;
    };
    auto run = t30::run_realtime(**session, port, ro);
    ASSERT_TRUE(run.ok()) << run.error().to_string() << "\n" << efax->output() << line.log();
    const auto status = efax->wait_for_exit(60s);
    ASSERT_TRUE(status.has_value()) << "efax still running after our session ended\n" << efax->output();
    EXPECT_EQ(*status, 0) << efax->output() << line.log();

    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text << "\n" << efax->output();
    EXPECT_EQ(r.pages_received, 1);
    EXPECT_EQ(r.remote_ident, "+1 206 555 1001");
    EXPECT_FALSE(r.ecm);  // efax 0.9a does not do ECM
    expect_single_page(dir.file("rx.tif"), testing::itu_chart(2), kEfaxHeaderRows);
}

TEST(EfaxInterop, ProjectSendsToEfax) {
    if (auto why = testing::missing_peer(kEfax, "efax")) GTEST_SKIP() << *why;
    TempDir dir;
    const std::string doc = testing::write_charts(dir, {2}, "doc.tif");
    testing::TestGate gate(dir);
    ASSERT_TRUE(gate.ready());
    ASSERT_TRUE(gate.add_verified_recipient("efax-station", testing::kModemBNumber.fax).ok());
    auto release = gate.clear_document(doc, "efax-station");
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string job = release->job_id();
    const std::string spooled = release->tiff_path();

    FaxLine line(dir);
    ASSERT_TRUE(line.wait_ready()) << line.log();
    // efax answers first: it sends ATA without waiting for RING and the simulated modem
    // holds it until a call rings. efax holds its log back in its own buffer, so the last
    // line it shows before ATA is "using <modem> in class 1" (written after +FCLASS=1);
    // +FRM=? and ATA follow within about 0.2 s. Our dial reaches modem B's first ring no
    // sooner than the exchange's 1 s post-dial delay, and an ATA that came after a RING
    // would still answer the call.
    const std::string pattern = dir.file("efaxrx");
    auto efax = ChildProcess::spawn(efax_receive_command(line.link_b(), "+1 206 555 1002", pattern),
                                    dir.file("efax.log"));
    ASSERT_TRUE(efax.ok()) << efax.error().to_string();
    ASSERT_TRUE(efax->wait_for_output("in class 1", 30s)) << efax->output();

    hal::SerialTransport port(line.link_a(), {115200, hal::FlowControl::None});
    auto opened = port.open();
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    auto session = t30::FaxSession::transmit(std::move(*release), {});
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    t30::RealtimeOptions ro;
    ro.limit = kCallDeadline;
    auto run = t30::run_realtime(**session, port, ro);
    ASSERT_TRUE(run.ok()) << run.error().to_string() << "\n" << efax->output() << line.log();
    const auto status = efax->wait_for_exit(60s);
    ASSERT_TRUE(status.has_value()) << "efax still running after our session ended\n" << efax->output();
    EXPECT_EQ(*status, 0) << efax->output() << line.log();

    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text << "\n" << efax->output();
    EXPECT_EQ(r.pages_confirmed, 2);  // cover + chart 2
    EXPECT_EQ(r.remote_ident, "+1 206 555 1002");

    // efax stores each received page as its own file: <pattern>.001, .002, ...
    const auto files = files_with_prefix(dir.path().string(), "efaxrx.");
    ASSERT_EQ(files.size(), 2u) << efax->output();
    std::vector<t30::Bitmap> pages;
    for (const auto& f : files) {
        auto p = t30::read_tiff(f);
        ASSERT_TRUE(p.ok()) << p.error().to_string();
        ASSERT_EQ(p->size(), 1u) << f;
        pages.push_back(std::move(p->front()));
    }
    testing::expect_release_received(doc, spooled, pages);

    gate::TransmissionOutcome out;
    out.pages_sent = r.pages_confirmed;
    out.pages_confirmed = r.pages_confirmed;
    out.remote_csi = r.remote_ident;
    out.completion = gate::CompletionCode::Ok;
    out.started_at = testing::gate_now();
    out.finished_at = testing::gate_now() + 2min;
    auto recorded = gate.gate().record_outcome(job, out);
    EXPECT_TRUE(recorded.ok()) << recorded.error().to_string();
}

}  // namespace
}  // namespace fax
