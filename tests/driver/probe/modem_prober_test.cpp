// ModemProber against the simulated modem (through its in-process link, as a station
// would see it) and against scripted modems that misbehave.
#include "line_kind.h"
#include "fax/driver/modem_prober.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <poll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <thread>
#include <map>
#include <string>

#include "fax/hal/pty.h"
#include "fax/hal/serial_transport.h"
#include "fax/sim/simulation.h"

namespace fax::driver {
namespace {

// Steps a prober against a transport, like t30::SessionStepper does for sessions.
class ProberStepper final : public Steppable {
public:
    ProberStepper(ModemProber& p, hal::Transport& t) : p_(p), t_(t) {}
    void step(Samples elapsed) override {
        now_ += elapsed;
        std::array<uint8_t, 1024> buf{};
        for (;;) {
            auto n = t_.read(buf, std::chrono::milliseconds(0));
            if (!n || *n == 0) break;
            p_.on_bytes(std::span<const uint8_t>(buf.data(), *n));
        }
        p_.advance_to(now_);
        auto out = p_.take_output();
        if (!out.empty()) {
            ASSERT_TRUE(hal::write_all(t_, out, std::chrono::milliseconds(100)).ok());
        }
    }

private:
    ModemProber& p_;
    hal::Transport& t_;
    Samples now_{0};
};

ProbeResult probe_sim(sim::ModemOptions mo) {
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", mo);
    EXPECT_TRUE(modem.link().host().open().ok());
    ModemProber prober;
    ProberStepper stepper(prober, modem.link().host());
    sim.attach(stepper);
    EXPECT_TRUE(sim.run_until([&] { return prober.finished(); }, Samples{8000 * 60}));
    sim.detach(stepper);
    return prober.result();
}

TEST(ModemProber, IdentifiesTheSimulatedClass1Modem) {
    const ProbeResult r = probe_sim({});
    ASSERT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.class1);
    EXPECT_FALSE(r.class2_0);
    EXPECT_EQ(r.classes, (std::vector<std::string>{"0", "1", "1.0"}));
    // T.31 Table 3: SpanDSP's t31 offers V.27ter, V.29 and V.17 both ways.
    EXPECT_TRUE(r.modulations.v17 && r.modulations.v29 && r.modulations.v27ter);
    EXPECT_NE(std::find(r.ftm.begin(), r.ftm.end(), 146), r.ftm.end());
    EXPECT_NE(std::find(r.frm.begin(), r.frm.end(), 96), r.frm.end());
    EXPECT_NE(r.identity.ati.find("faxstack SimModem"), std::string::npos) << r.identity.ati;
    EXPECT_FALSE(r.profile_id.empty());
    // Back in data mode at the end, never off hook: the last command is +FCLASS=0.
    ASSERT_FALSE(r.steps.empty());
    EXPECT_EQ(r.steps.back().command, "AT+FCLASS=0");
    for (const auto& s : r.steps) EXPECT_EQ(s.command.find("ATD"), std::string::npos);
}

TEST(ModemProber, SeesClass20WhereTheModemOffersIt) {
    sim::ModemOptions mo;
    mo.offer_class2 = true;
    const ProbeResult r = probe_sim(mo);
    ASSERT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.class1);
    EXPECT_TRUE(r.class2_0);
}

// A modem scripted by a table: command -> raw answer ("" = silence).
class ScriptedModem {
public:
    explicit ScriptedModem(std::map<std::string, std::string> answers) : answers_(std::move(answers)) {}
    ProbeResult run() {
        ModemProber p;
        Samples t{0};
        std::string pending;
        for (int i = 0; i < 8000 && !p.finished(); ++i) {
            t += Samples{160};
            p.advance_to(t);
            auto out = p.take_output();
            pending.append(out.begin(), out.end());
            for (std::size_t cr; (cr = pending.find('\r')) != std::string::npos;) {
                const std::string cmd = pending.substr(0, cr);
                pending.erase(0, cr + 1);
                auto it = answers_.find(cmd);
                const std::string reply = it == answers_.end() ? "\r\nOK\r\n" : it->second;
                p.on_bytes(std::span(reinterpret_cast<const uint8_t*>(reply.data()), reply.size()));
            }
        }
        EXPECT_TRUE(p.finished());
        return p.result();
    }

private:
    std::map<std::string, std::string> answers_;
};

TEST(ModemProber, UnsupportedIdentificationCommandsAreRecordedNotFatal) {
    ScriptedModem m({{"ATI", "\r\nACME FAX 33\r\n\r\nOK\r\n"},
                     {"ATI3", "\r\nERROR\r\n"},
                     {"AT+FMI?", "\r\nERROR\r\n"},
                     {"AT+FMM?", "\r\n+FMM: \"AF-33\"\r\n\r\nOK\r\n"},
                     {"AT+FMR?", "\r\nERROR\r\n"},
                     {"AT+FCLASS=?", "\r\n(0,1,2.0)\r\n\r\nOK\r\n"},
                     {"AT+FTM=?", "\r\n24,48,72,96\r\n\r\nOK\r\n"},
                     {"AT+FRM=?", "\r\n24,48,72,96\r\n\r\nOK\r\n"}});
    const ProbeResult r = m.run();
    ASSERT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_EQ(r.identity.ati, "ACME FAX 33");
    EXPECT_EQ(r.identity.fmm, "AF-33");
    EXPECT_EQ(r.identity.fmi, "");
    EXPECT_TRUE(r.class2_0);
    EXPECT_TRUE(r.modulations.v29);
    EXPECT_FALSE(r.modulations.v17) << "no 73..146 codes: no V.17";
    int errors = 0;
    for (const auto& s : r.steps) errors += s.outcome == "ERROR" ? 1 : 0;
    EXPECT_EQ(errors, 3);
    EXPECT_EQ(r.profile_id, generic_profile().id);

    const auto j = nlohmann::json::parse(probe_to_json(r));
    EXPECT_TRUE(j["ok"].get<bool>());
    EXPECT_EQ(j["identity"]["fmm"], "AF-33");
    EXPECT_EQ(j["modulations"]["v17"], false);
    EXPECT_EQ(j["profile"]["id"], generic_profile().id);
}

TEST(ModemProber, ASilentPortIsATimeoutAfterTheFirstCommand) {
    ScriptedModem m(std::map<std::string, std::string>{{"ATZ", ""}});
    const ProbeResult r = m.run();
    ASSERT_FALSE(r.status.ok());
    EXPECT_EQ(r.status.error().code, Errc::Timeout);
    ASSERT_EQ(r.steps.size(), 1u);
    EXPECT_EQ(r.steps[0].outcome, "timeout");
}

TEST(ModemProber, WithoutClass1ItDoesNotAskForModulations) {
    ScriptedModem m({{"AT+FCLASS=?", "\r\n0,2.0\r\n\r\nOK\r\n"}, {"AT+FCLASS=1", "\r\nERROR\r\n"}});
    const ProbeResult r = m.run();
    ASSERT_TRUE(r.status.ok());
    EXPECT_FALSE(r.class1);
    EXPECT_TRUE(r.class2_0);
    for (const auto& s : r.steps) {
        EXPECT_NE(s.command, "AT+FTM=?");
        EXPECT_NE(s.command, "AT+FRM=?");
    }
}

}  // namespace
}  // namespace fax::driver

namespace fax::driver {
namespace {

// The wall-clock runner over a real pseudo-terminal, the modem side answered by a thread
// from a table (the kernel's pty is the only thing the two threads share).
TEST(ModemProberRealtime, RunProbeOverAPseudoTerminal) {
    auto pty = hal::PtyPair::create();
    ASSERT_TRUE(pty.ok()) << pty.error().to_string();
    const int master = pty->master_fd();
    std::atomic<bool> stop{false};
    std::thread modem([&] {
        std::string pending;
        char buf[256];
        while (!stop) {
            pollfd p{master, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const ssize_t n = ::read(master, buf, sizeof buf);
            if (n <= 0) continue;
            pending.append(buf, static_cast<std::size_t>(n));
            for (std::size_t cr; (cr = pending.find('\r')) != std::string::npos;) {
                const std::string cmd = pending.substr(0, cr);
                pending.erase(0, cr + 1);
                std::string reply = "\r\nOK\r\n";
                if (cmd == "AT+FCLASS=?") reply = "\r\n0,1,2.0\r\n\r\nOK\r\n";
                if (cmd == "AT+FTM=?" || cmd == "AT+FRM=?") reply = "\r\n24,48,72,73,74,96,97,98,121,122,145,146\r\n\r\nOK\r\n";
                if (cmd == "ATI") reply = "\r\nPTY TEST MODEM\r\n\r\nOK\r\n";
                (void)!::write(master, reply.data(), reply.size());
            }
        }
    });
    hal::SerialTransport port(pty->slave_path());
    ASSERT_TRUE(port.open().ok());
    auto r = run_probe(port);
    stop = true;
    modem.join();
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_TRUE(r->status.ok()) << r->status.error().to_string();
    EXPECT_EQ(r->identity.ati, "PTY TEST MODEM");
    EXPECT_TRUE(r->class1);
    EXPECT_TRUE(r->class2_0);
    EXPECT_TRUE(r->modulations.v17);
}

}  // namespace
}  // namespace fax::driver
