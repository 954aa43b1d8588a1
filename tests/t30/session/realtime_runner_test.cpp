// RealtimeRunner's own rules, over a scripted port (no modem): a modem that never takes
// output ends the call (write stall), a port that goes away ends it with that error, the
// call limit ends it with Timeout, short writes lose and reorder nothing, and XON/XOFF is
// never switched on outside page data (T.31 §8.4: in command/HDLC phases DC1/DC3 are data).
// Whole calls through the runner are in tests/integration (efax), tests/interop and
// tests/station (faxd's loop).
#include <gtest/gtest.h>

#include <thread>
#include <filesystem>
#include <string>
#include <vector>

#include "fax/t30/fax_session.h"
#include "fax/t30/realtime_runner.h"

namespace fax::t30 {
namespace {

using namespace std::chrono_literals;

class ScriptedPort final : public hal::Transport {
public:
    std::size_t accept_per_write = SIZE_MAX;  // 0: the modem holds all output (XOFF forever)
    bool gone = false;
    std::string written;
    std::vector<hal::FlowControl> flow_calls;

    Status open() override { return {}; }
    void close() override {}
    bool is_open() const override { return true; }
    Result<std::size_t> read(std::span<uint8_t>, std::chrono::milliseconds timeout) override {
        if (gone) return fail(Errc::Disconnected, "scripted: the device went away");
        std::this_thread::sleep_for(std::min(timeout, 2ms));
        return std::size_t{0};
    }
    Result<std::size_t> write(std::span<const uint8_t> data, std::chrono::milliseconds) override {
        const std::size_t n = std::min(data.size(), accept_per_write);
        written.append(reinterpret_cast<const char*>(data.data()), n);
        return n;
    }
    Status flush(hal::FlushQueue) override { return {}; }
    Status drain(std::chrono::milliseconds) override { return {}; }
    Status set_dtr(bool) override { return {}; }
    Status set_rts(bool) override { return {}; }
    Status configure(const hal::LineSettings&) override { return {}; }
    Status set_flow_control(hal::FlowControl f) override {
        flow_calls.push_back(f);
        return {};
    }
    std::string describe() const override { return "scripted"; }
};

std::unique_ptr<FaxSession> receiving_session() {
    const auto tiff = std::filesystem::temp_directory_path() / "realtime_runner_test_rx.tif";
    auto s = FaxSession::receive(tiff.string());
    EXPECT_TRUE(static_cast<bool>(s)) << (s ? std::string() : s.error().to_string());
    return s ? std::move(*s) : nullptr;
}

// Services until finished or `bound` of wall time passed; returns whether it finished.
bool run_for(RealtimeRunner& r, std::chrono::seconds bound) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (!r.finished() && std::chrono::steady_clock::now() < until) r.service(5ms);
    return r.finished();
}

TEST(RealtimeRunner, ModemThatTakesNoOutputEndsTheCallWithTimeout) {
    auto session = receiving_session();
    ASSERT_TRUE(session);
    ScriptedPort port;
    port.accept_per_write = 0;
    RealtimeOptions o;
    o.write_stall = 1s;
    RealtimeRunner r(*session, port, o);
    ASSERT_TRUE(r.begin().ok());
    ASSERT_TRUE(run_for(r, 20s)) << "a modem that never takes output held the call open";
    ASSERT_FALSE(r.status().ok());
    EXPECT_EQ(r.status().error().code, Errc::Timeout);
    EXPECT_NE(r.status().error().message.find("took no data"), std::string::npos) << r.status().error().message;
    EXPECT_TRUE(session->finished());
    EXPECT_LT(r.elapsed_seconds(), 10.0);
}

TEST(RealtimeRunner, PortThatGoesAwayEndsTheCallWithItsError) {
    auto session = receiving_session();
    ASSERT_TRUE(session);
    ScriptedPort port;
    port.gone = true;
    RealtimeRunner r(*session, port);
    ASSERT_TRUE(r.begin().ok());
    ASSERT_TRUE(run_for(r, 5s));
    ASSERT_FALSE(r.status().ok());
    EXPECT_EQ(r.status().error().code, Errc::Disconnected);
    EXPECT_TRUE(session->finished());
    EXPECT_FALSE(session->result().status.ok());
}

TEST(RealtimeRunner, CallLimitEndsTheCallWithTimeout) {
    auto session = receiving_session();
    ASSERT_TRUE(session);
    ScriptedPort port;
    RealtimeOptions o;
    o.limit = 1s;
    RealtimeRunner r(*session, port, o);
    ASSERT_TRUE(r.begin().ok());
    ASSERT_TRUE(run_for(r, 60s)) << "the call outlived its limit by a minute";
    ASSERT_FALSE(r.status().ok());
    EXPECT_EQ(r.status().error().code, Errc::Timeout);
    EXPECT_NE(r.status().error().message.find("call limit"), std::string::npos) << r.status().error().message;
}

TEST(RealtimeRunner, ShortWritesKeepEveryByteInOrderAndNoXonXoffInCommandPhase) {
    // Two sessions, identical but for the port: one takes everything, one a byte per write.
    auto a = receiving_session();
    auto b = receiving_session();
    ASSERT_TRUE(a && b);
    ScriptedPort whole, bytewise;
    bytewise.accept_per_write = 1;
    RealtimeOptions o;
    o.flow = hal::FlowControl::Software;
    RealtimeRunner ra(*a, whole, o), rb(*b, bytewise, o);
    ASSERT_TRUE(ra.begin().ok());
    ASSERT_TRUE(rb.begin().ok());
    for (int i = 0; i < 200; ++i) {
        ra.service(1ms);
        rb.service(1ms);
    }
    ASSERT_FALSE(whole.written.empty());
    EXPECT_EQ(whole.written.rfind("AT", 0), 0u) << "the session starts with an AT command";
    // The bytewise port saw a prefix of the same bytes (it is slower, never different).
    ASSERT_FALSE(bytewise.written.empty());
    EXPECT_EQ(whole.written.compare(0, bytewise.written.size(), bytewise.written), 0)
        << "bytes lost or reordered by short writes";
    for (const auto* p : {&whole, &bytewise}) {
        ASSERT_FALSE(p->flow_calls.empty());
        for (auto f : p->flow_calls) EXPECT_EQ(f, hal::FlowControl::None) << "XON/XOFF on outside page data";
    }
}

}  // namespace
}  // namespace fax::t30
