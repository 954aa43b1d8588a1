// faxd over libusb, end to end, in process: the station daemon (fax::station::run_daemon,
// what faxd runs) with a modem named by its USB identity (usb:0baf:0303), found by
// discovery and driven through UsbTransport on an emulated CDC-ACM modem (umockdev),
// which is joined to a simulated T.31 modem on a simulated line paced in real time.
//
//   - a queued release is delivered over USB;
//   - a fax is received on the USB modem (answer = true);
//   - the modem is unplugged during the record's second page: the attempt is recorded with the pages
//     confirmed so far, the modem is absent (faxctl modems' table says so) and the job
//     waits; it is plugged in again, the hot-plug monitor sees it, faxd probes it again
//     and the job completes, sending only what was not confirmed;
//   - a mixed station: a serial (pty) Class 1 modem, this USB modem and a Class 2.0-only
//     modem run three jobs at once, and the status table names each one's class and profile.
//
// The process runs under libumockdev-preload (usb_test_main.cpp re-executes itself).
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "line_kind.h"
#include "fax/gate/request.h"
#include "fax/sim/pty_modem_port.h"
#include "fax/sim/realtime_loop.h"
#include "fax/sim/simulation.h"
#include "fax/station/daemon.h"
#include "fax/station/station.h"
#include "fax/t30/tiff_io.h"
#include "release_fixture.h"
#include "usb_modem_emulator.h"

namespace fax::station {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fax::testing::TempDir;

// A directory entry (a KP provider) and the number a simulated fax machine answers.
struct Recipient {
    const char* id;
    const char* fax;
    const char* dial;
};
constexpr Recipient kClinicA{"clinic-a", "206-555-0142", "12065550142"};
constexpr Recipient kClinicB{"clinic-b", "206-555-0143", "12065550143"};
constexpr Recipient kClinicC{"clinic-c", "206-555-0144", "12065550144"};
constexpr const char* kUsbModemNumber = "5551003";
constexpr const char* kUsbDevice = "usb:0baf:0303";  // the emulated U.S. Robotics 5637

// Runs a Simulation in real time on its own thread (the daemon runs on the test's).
class SimThread {
public:
    SimThread(sim::Simulation& sim, std::vector<sim::PtyModemPort*> ports, std::function<void()> after_step)
        : loop_(sim), stop_fd_(::eventfd(0, EFD_CLOEXEC)) {
        for (auto* p : ports) loop_.add_port(*p);
        loop_.set_after_step(std::move(after_step));
        thread_ = std::thread([this] { status_ = loop_.run(stop_fd_); });
    }
    ~SimThread() { (void)stop(); }
    SimThread(const SimThread&) = delete;
    SimThread& operator=(const SimThread&) = delete;
    Status stop() {
        if (thread_.joinable()) {
            const uint64_t one = 1;
            (void)!::write(stop_fd_, &one, sizeof one);
            thread_.join();
            ::close(stop_fd_);
        }
        return status_;
    }

private:
    sim::RealtimeLoop loop_;
    int stop_fd_;
    std::thread thread_;
    Status status_;
};

class StationUsb : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(usb_.ok()) << "umockdev testbed not available";
        sim_.attach(bridge_);
        config_.data_dir = dir_.path() / "data";
        config_.ident = "FAXSTACK USB";
        config_.retry_delays = {1s};
        config_.max_attempts = 10;
    }
    void TearDown() override { sim_.detach(bridge_); }

    void open_station() {
        auto s = Station::open(config_);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        station_ = std::move(*s);
    }

    ModemConfig modem(const std::string& device, bool answer = false) {
        ModemConfig m;
        m.device = device;
        m.answer = answer;
        m.flow = hal::FlowControl::Hardware;
        return m;
    }

    void add_recipient(const Recipient& r) {
        gate::NewEntry e;
        e.id = r.id;
        e.organisation = std::string("Clinic ") + r.id;
        e.person = "Front desk";
        e.category = gate::RecipientCategory::KpProvider;
        e.fax = r.fax;
        e.voice = "206-555-0100";
        auto& d = station_->directory();
        const auto now = std::chrono::system_clock::now();
        ASSERT_TRUE(d.add(e, now - 1h).ok());
        ASSERT_TRUE(d.record_test_fax(r.id, {"J-test", now - 30min, true, "E104233"}).ok());
        ASSERT_TRUE(d.confirm_by_phone(r.id, {"E104233", "Dana Whitfield", "Front desk", now - 20min}).ok());
    }

    sim::ReferenceTerminal& add_receiver(const Recipient& r) {
        sim::TerminalOptions t;
        t.role = sim::TerminalOptions::Role::Receive;
        t.tiff = dir_.file(std::string("rx-") + r.dial + ".tif");
        t.ident = r.dial;
        return sim_.add_terminal(r.dial, t);
    }

    // A treatment release of ITU charts to `r`, cleared by the station's gate and queued.
    std::string submit(const Recipient& r, const std::vector<int>& charts) {
        const std::string doc = fax::testing::write_charts(dir_, charts, std::string("doc-") + r.id + ".tif");
        const std::string req = dir_.file(std::string("request-") + r.id + ".json");
        std::ofstream(req) << R"({"format":"fax-release-request/1",
            "requester":{"staff_id":"E104233","name":"Dana Whitfield"},
            "member":{"record_reference":"MRN-USB-TEST-1"},
            "recipient":{"directory_id":")" << r.id << R"(","attention":"Dr. Raman"},
            "purpose":"treatment","sections":["discharge_summary"],
            "justification":"Follow-up visit needs the discharge summary.",
            "documents":[{"path":")" << doc << R"(","pages":"1-)" << charts.size() << R"(","section":"discharge_summary"}],
            "sender":{"name":"Dana Whitfield","department":"HIM - Release of Information","phone":"206-555-0100","fax":"206-555-0199"}})";
        auto request = gate::load_request_file(req);
        EXPECT_TRUE(request.ok()) << request.error().to_string();
        if (!request) return {};
        auto decision = station_->gate().evaluate(*request, station_->context_now());
        EXPECT_TRUE(decision.ok() && decision->cleared()) << (decision.ok() ? decision->refusal().to_text() : decision.error().to_string());
        if (!decision || !decision->cleared()) return {};
        auto job = station_->dispatcher().submit(decision->take_release(), std::chrono::system_clock::now());
        EXPECT_TRUE(job.ok()) << job.error().to_string();
        return job ? job->id : std::string();
    }

    DaemonOptions daemon_options(std::vector<ModemConfig> modems) {
        DaemonOptions o;
        o.modems = std::move(modems);
        o.ident = config_.ident;
        o.exit_when_idle = true;
        o.queue_poll = 200ms;
        return o;
    }

    std::map<std::string, job::ModemStatus> board() {
        std::map<std::string, job::ModemStatus> out;
        auto rows = station_->queue().modem_statuses();
        EXPECT_TRUE(rows.ok());
        if (rows)
            for (auto& r : *rows) out[r.entry] = r;
        return out;
    }

    job::Job job(const std::string& id) {
        auto j = station_->queue().find(id);
        EXPECT_TRUE(j.ok() && *j);
        return j.ok() && *j ? **j : job::Job{};
    }

    void expect_audit_valid() {
        auto v = station_->audit().verify();
        ASSERT_TRUE(v.ok()) << v.error().to_string();
        EXPECT_TRUE(v->ok) << v->message;
    }

    TempDir dir_;
    fax::testing::EmulatedUsbModem usb_;
    sim::Simulation sim_{fax::testing::kTestTick, fax::testing::test_exchange_options()};
    sim::SimModem& usb_modem_ = sim_.add_modem(kUsbModemNumber);
    fax::testing::UsbSimBridge bridge_{usb_, usb_modem_.link()};
    StationConfig config_;
    std::unique_ptr<Station> station_;
};

TEST_F(StationUsb, FaxdDeliversAQueuedReleaseOverLibusb) {
    open_station();
    add_recipient(kClinicA);
    auto& rx = add_receiver(kClinicA);
    const std::string id = submit(kClinicA, {1, 2});
    ASSERT_FALSE(id.empty());
    std::atomic<int> rx_pages{0};
    SimThread sim(sim_, {}, [&] { rx_pages = rx.result().pages; });

    const auto deadline = std::chrono::steady_clock::now() + 300s;
    std::set<std::string> states;
    auto st = run_daemon(*station_, daemon_options({modem(kUsbDevice)}), [&] {
        for (const auto& [entry, m] : board()) states.insert(m.state + " " + m.device + " " + m.modem_class + " " + m.profile);
        return std::chrono::steady_clock::now() > deadline;
    });
    ASSERT_TRUE(sim.stop().ok());
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    const job::Job j = job(id);
    EXPECT_EQ(j.state, job::JobState::Done) << j.last_completion << " " << j.last_detail;
    EXPECT_EQ(j.confirmed_pages, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(rx_pages.load(), 3);
    EXPECT_EQ(j.modem.rfind("usb:1-1:0baf:0303", 0), 0u) << "the attempt names the USB device: " << j.modem;
    EXPECT_TRUE(states.count("sending usb:1-1:0baf:0303:0000001 1 usr-5637")) << "the status table showed the call";
    expect_audit_valid();
}

TEST_F(StationUsb, FaxdReceivesAFaxOnTheUsbModem) {
    config_.modems = {modem(kUsbDevice, true)};
    open_station();
    const std::string sent = fax::testing::write_charts(dir_, {1, 2}, "sent.tif", t30::TiffCompression::T4_1D);
    sim::TerminalOptions t;
    t.role = sim::TerminalOptions::Role::Send;
    t.tiff = sent;
    t.ident = "5550300";
    t.dial = kUsbModemNumber;
    t.dial_delay = std::chrono::duration_cast<Samples>(std::chrono::seconds(4));
    auto& caller = sim_.add_terminal("5550300", t);
    std::atomic<bool> caller_done{false};
    SimThread sim(sim_, {}, [&] { caller_done = caller.result().finished; });

    const auto deadline = std::chrono::steady_clock::now() + 300s;
    DaemonOptions o = daemon_options(config_.modems);
    o.exit_when_idle = false;
    auto st = run_daemon(*station_, o, [&] {
        auto got = station_->received().list(10);
        return (got.ok() && !got->empty()) || std::chrono::steady_clock::now() > deadline;
    });
    ASSERT_TRUE(sim.stop().ok());
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    auto got = station_->received().list(10);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u) << "nothing was received over USB";
    const auto& fax = got->front();
    EXPECT_EQ(fax.pages, 2);
    EXPECT_EQ(fax.completion, "ok");
    EXPECT_EQ(fax.remote_tsi, "5550300");
    EXPECT_EQ(fax.modem.rfind("usb:1-1:0baf:0303", 0), 0u) << fax.modem;
    auto stored = t30::read_tiff(fax.tiff_path);
    auto want = t30::read_tiff(sent);
    ASSERT_TRUE(stored.ok() && want.ok());
    ASSERT_EQ(stored->size(), want->size());
    for (std::size_t i = 0; i < stored->size(); ++i) EXPECT_TRUE((*stored)[i].bits == (*want)[i].bits) << "page " << i + 1;
    EXPECT_EQ(fs::status(fax.tiff_path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(StationUsb, AnUnpluggedModemIsAbsentItsJobWaitsAndAReplugCompletesIt) {
    open_station();
    add_recipient(kClinicA);
    sim::TerminalOptions t;
    t.role = sim::TerminalOptions::Role::Receive;
    t.tiff = dir_.file("rx-a.tif");
    t.ident = kClinicA.dial;
    t.rx_file_for_call = [this](int n) { return dir_.file("rx-a-call" + std::to_string(n) + ".tif"); };
    auto& rx = sim_.add_terminal(kClinicA.dial, t);
    const std::string id = submit(kClinicA, {1, 2});
    ASSERT_FALSE(id.empty());
    std::atomic<int> rx_pages{0}, rx_calls{0};
    SimThread sim(sim_, {}, [&] {
        rx_pages = rx.result().pages;
        rx_calls = rx.result().calls;
    });

    enum class Step { WaitPage1, Unplugged, Replugged } step = Step::WaitPage1;
    std::chrono::steady_clock::time_point page1_done{}, replugged_at{}, attached_again_at{};
    bool saw_absent = false, saw_attempt_recorded = false;
    const auto deadline = std::chrono::steady_clock::now() + 400s;
    DaemonOptions o = daemon_options({modem(kUsbDevice)});
    o.reopen_delay = 60s;  // only the hot-plug monitor can bring it back in time
    auto st = run_daemon(*station_, o, [&] {
        const auto now = std::chrono::steady_clock::now();
        const auto b = board();
        const job::ModemStatus m = b.count(kUsbDevice) ? b.at(kUsbDevice) : job::ModemStatus{};
        switch (step) {
        case Step::WaitPage1: {
            // The remote confirmed the cover and the record's first page (faxd recorded their
            // MCFs): pull the plug two seconds into the record's second page (fax page 3).
            auto confirmed = station_->queue().pages_confirmed_during(id, 1);
            if (confirmed.ok() && confirmed->size() == 2 && page1_done == std::chrono::steady_clock::time_point{})
                page1_done = now;
            if (page1_done != std::chrono::steady_clock::time_point{} && now > page1_done + 2s) {
                usb_.unplug();
                step = Step::Unplugged;
            }
            break;
        }
        case Step::Unplugged: {
            saw_absent = saw_absent || m.state == "absent";
            const job::Job j = job(id);
            saw_attempt_recorded = saw_attempt_recorded || (j.state == job::JobState::Queued && j.attempts == 1);
            // Absent, its attempt recorded and the job waiting: put it back a little later.
            if (saw_absent && saw_attempt_recorded && now > page1_done + 8s) {
                usb_.replug();
                replugged_at = now;
                step = Step::Replugged;
            }
            break;
        }
        case Step::Replugged:
            if (attached_again_at == std::chrono::steady_clock::time_point{} && m.state != "absent" && !m.device.empty())
                attached_again_at = now;
            break;
        }
        return now > deadline;
    });
    ASSERT_TRUE(sim.stop().ok());
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    ASSERT_EQ(step, Step::Replugged) << "the call never reached page 3 (calls " << rx_calls << ", pages " << rx_pages << ")";
    EXPECT_TRUE(saw_absent) << "faxctl modems never showed the unplugged modem as absent";
    EXPECT_TRUE(saw_attempt_recorded);
    ASSERT_NE(attached_again_at, std::chrono::steady_clock::time_point{});
    EXPECT_LT(attached_again_at - replugged_at, 15s) << "the hot-plug arrival, not the 60 s retry, found it again";

    const job::Job j = job(id);
    EXPECT_EQ(j.state, job::JobState::Done) << j.last_completion << " " << j.last_detail;
    EXPECT_EQ(j.attempts, 2);
    EXPECT_EQ(j.confirmed_pages, (std::vector<int>{1, 2, 3}));
    // Attempt 1: the cover and the record's first page were confirmed before the plug
    // came out; attempt 2 sent only the rest, behind a continuation cover.
    auto outcomes = station_->audit().find_outcomes(id);
    ASSERT_TRUE(outcomes.ok());
    ASSERT_EQ(outcomes->size(), 2u);
    EXPECT_EQ((*outcomes)[0].outcome.confirmed_pages, (std::vector<int>{1, 2}));
    EXPECT_NE((*outcomes)[0].outcome.completion, gate::CompletionCode::Ok);
    EXPECT_EQ((*outcomes)[1].outcome.completion, gate::CompletionCode::Ok);
    auto attempts = station_->audit().find_attempts(id);
    ASSERT_TRUE(attempts.ok());
    ASSERT_EQ(attempts->size(), 2u);
    EXPECT_EQ((*attempts)[1].pages, (std::vector<int>{1, 3})) << "a cover (1), then the unconfirmed page";
    EXPECT_TRUE((*attempts)[1].continuation_cover);
    expect_audit_valid();
}

TEST_F(StationUsb, AMixedStationRunsSerialUsbAndClass2ModemsAtOnce) {
    // Modem A: Class 1 behind a pty; modem B: Class 2.0 only behind a pty; modem C: the
    // USB modem. One exchange: every modem reaches every clinic.
    sim::SimModem& serial_modem = sim_.add_modem("5551001");
    sim::ModemOptions c2;
    c2.offer_class2 = true;
    c2.class1 = false;
    sim::SimModem& class2_modem = sim_.add_modem("5551002", c2);
    auto serial_port = sim::PtyModemPort::create(serial_modem, dir_.file("faxA"));
    auto class2_port = sim::PtyModemPort::create(class2_modem, dir_.file("faxB"));
    ASSERT_TRUE(serial_port.ok() && class2_port.ok());
    config_.modems = {modem(dir_.file("faxA")), modem(dir_.file("faxB")), modem(kUsbDevice)};
    for (auto& m : config_.modems) m.flow = hal::FlowControl::Software;
    config_.modems[2].flow = hal::FlowControl::Hardware;
    open_station();
    std::vector<sim::ReferenceTerminal*> terms;
    std::vector<std::string> ids;
    for (const Recipient& r : {kClinicA, kClinicB, kClinicC}) {
        add_recipient(r);
        terms.push_back(&add_receiver(r));
        ids.push_back(submit(r, {1, 2}));
        ASSERT_FALSE(ids.back().empty());
    }
    std::atomic<int> in_call_at_once{0};
    SimThread sim(sim_, {serial_port->get(), class2_port->get()}, [&] {});

    const auto deadline = std::chrono::steady_clock::now() + 400s;
    std::map<std::string, std::set<std::string>> seen;  // entry -> "state class profile"
    int most_sending = 0;
    auto st = run_daemon(*station_, daemon_options(config_.modems), [&] {
        int sending = 0;
        for (const auto& [entry, m] : board()) {
            seen[entry].insert(m.state + " " + m.modem_class + " " + m.profile);
            sending += m.state == "sending";
        }
        most_sending = std::max(most_sending, sending);
        return std::chrono::steady_clock::now() > deadline;
    });
    ASSERT_TRUE(sim.stop().ok());
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    std::set<std::string> modems_used;
    for (const auto& id : ids) {
        const job::Job j = job(id);
        EXPECT_EQ(j.state, job::JobState::Done) << id << ": " << j.last_completion << " " << j.last_detail;
        EXPECT_EQ(j.confirmed_pages, (std::vector<int>{1, 2, 3})) << id;
        modems_used.insert(j.modem);
    }
    EXPECT_EQ(modems_used.size(), 3u) << "each job ran on its own modem";
    EXPECT_EQ(most_sending, 3) << "the three calls ran at once";
    EXPECT_TRUE(seen[dir_.file("faxA")].count("sending 1 faxstack-sim")) << "serial Class 1";
    EXPECT_TRUE(seen[dir_.file("faxB")].count("sending 2.0 faxstack-sim")) << "Class 2.0 only";
    EXPECT_TRUE(seen[kUsbDevice].count("sending 1 usr-5637")) << "USB, profile by its USB id";
    for (auto* t : terms) EXPECT_EQ(t->result().pages, 3);
    expect_audit_valid();
}

}  // namespace
}  // namespace fax::station
