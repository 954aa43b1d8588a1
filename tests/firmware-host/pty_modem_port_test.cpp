// The PTY port stands in for the modem's V.24 circuits: a DTE that lets go of the port
// (closes it, or dies holding it) drops DTR, and the modem hangs up.
#include "fax/sim/pty_modem_port.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "fax/hal/serial_transport.h"
#include "fax/sim/simulation.h"

namespace fax::sim {
namespace {

std::string temp_link(const char* name) {
    return (std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()))).string();
}

// Steps the simulation and services the port for `steps` 20 ms ticks (no sleeping:
// the port's owner check is on the wall clock, so the test also waits a little).
void run(Simulation& sim, PtyModemPort& port, int steps) {
    for (int i = 0; i < steps; ++i) {
        ASSERT_TRUE(port.service().ok());
        sim.step();
        ::usleep(5000);
    }
}

// Sends `cmd` and runs until the modem has answered it.
void command(Simulation& sim, PtyModemPort& port, hal::SerialTransport& t, const std::string& cmd) {
    const std::string line = cmd + "\r";
    ASSERT_TRUE(hal::write_all(t, std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size()),
                               std::chrono::milliseconds(1000))
                    .ok());
    run(sim, port, 20);
}

TEST(PtyModemPort, ClosingThePortDropsDtrAndTheModemHangsUp) {
    Simulation sim;
    auto& modem = sim.add_modem("5551001");
    const std::string link = temp_link("fax-ptyport");
    auto port = PtyModemPort::create(modem, link);
    ASSERT_TRUE(port.ok()) << port.error().to_string();
    {
        hal::SerialTransport t(link);
        ASSERT_TRUE(t.open().ok());
        run(sim, **port, 30);  // the port sees its owner
        command(sim, **port, t, "ATH1");
        ASSERT_TRUE(modem.off_hook()) << "ATH1 takes the modem off hook";
        run(sim, **port, 30);
        EXPECT_TRUE(modem.off_hook()) << "nothing hangs up while the DTE holds the port";
    }  // close(): the lock goes, as DTR would
    run(sim, **port, 40);
    EXPECT_FALSE(modem.off_hook()) << "the DTE closed the port: DTR dropped, the modem is on hook";
}

TEST(PtyModemPort, ADteKilledHoldingThePortFreesItAndHangsUp) {
    Simulation sim;
    auto& modem = sim.add_modem("5551001");
    const std::string link = temp_link("fax-ptyport-kill");
    auto port = PtyModemPort::create(modem, link);
    ASSERT_TRUE(port.ok()) << port.error().to_string();
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        hal::SerialTransport t(link);
        if (!t.open()) std::_Exit(3);
        const char cmd[] = "ATH1\r";
        (void)t.write(std::span(reinterpret_cast<const uint8_t*>(cmd), sizeof cmd - 1), std::chrono::milliseconds(500));
        ::pause();  // killed here, holding the port
        std::_Exit(0);
    }
    for (int i = 0; i < 200 && !modem.off_hook(); ++i) run(sim, **port, 1);
    ASSERT_TRUE(modem.off_hook()) << "the child's ATH1 arrived";
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    run(sim, **port, 40);
    EXPECT_FALSE(modem.off_hook()) << "the owner died: DTR dropped";
    hal::SerialTransport again(link);
    EXPECT_TRUE(again.open().ok()) << "the port is usable again (its TIOCEXCL was cleared)";
}

}  // namespace
}  // namespace fax::sim
