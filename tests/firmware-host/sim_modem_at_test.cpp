// A SimModem scripted over its in-process DTE link, in the style of SpanDSP's
// t31_tests EXCHANGE(command, response) tables.
#include <gtest/gtest.h>

#include <vector>

#include "fax/sim/simulation.h"
#include "modem_harness.h"

namespace fax::sim {
namespace {

using test::ModemHarness;
using test::printable;

struct Exchange_ {
    const char* command;
    const char* response;
};

void run_script(ModemHarness& h, const std::vector<Exchange_>& script) {
    for (const auto& step : script) {
        const std::string want = step.response;
        const std::string tail = want.substr(want.size() >= 4 ? want.size() - 4 : 0);
        const std::string got = h.at(step.command, tail);
        EXPECT_EQ(printable(got), printable(want)) << "command " << printable(step.command);
    }
}

TEST(SimModemAt, AnswersLikeAClass1Modem) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001");
    ModemHarness h(sim, m);
    run_script(h, {
                      // t31 echoes by default, so the first ATE0 comes back.
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      {"AT\r", "\r\nOK\r\n"},
                      {"ATQ0V1\r", "\r\nOK\r\n"},
                      {"AT+FCLASS=?\r", "\r\n0,1,1.0\r\n\r\nOK\r\n"},
                      {"AT+FCLASS=1\r", "\r\nOK\r\n"},
                      {"AT+FCLASS?\r", "\r\n1\r\n\r\nOK\r\n"},
                      {"AT+FTM=?\r", "\r\n24,48,72,73,74,96,97,98,121,122,145,146\r\n\r\nOK\r\n"},
                      {"AT+FRM=?\r", "\r\n24,48,72,73,74,96,97,98,121,122,145,146\r\n\r\nOK\r\n"},
                      {"AT+FTH=?\r", "\r\n3\r\n\r\nOK\r\n"},
                      {"AT+FRH=?\r", "\r\n3\r\n\r\nOK\r\n"},
                      // Only V.21 HDLC: +FTH=146 is refused (spandsp-0.0.6-notes).
                      {"AT+FTH=146\r", "\r\nERROR\r\n"},
                      {"ATI3\r", "\r\nfaxstack SimModem T31 0.1\r\n\r\nOK\r\n"},
                      {"ATI0\r", "\r\nSimModem T31\r\n\r\nOK\r\n"},
                      {"ATI\r", "\r\nSimModem T31\r\n\r\nOK\r\n"},
                      {"AT+FMI?\r", "\r\nfaxstack\r\n\r\nOK\r\n"},
                      {"AT+FMM?\r", "\r\nSimModem T31\r\n\r\nOK\r\n"},
                      {"AT+FMR?\r", "\r\n0.1\r\n\r\nOK\r\n"},
                      {"at+fmi?\r", "\r\nfaxstack\r\n\r\nOK\r\n"},
                      {"ATS0?\r", "\r\n000\r\n\r\nOK\r\n"},
                      {"ATS0=2\r", "\r\nOK\r\n"},
                      {"ATS0?\r", "\r\n002\r\n\r\nOK\r\n"},
                      {"ATI1\r", "\r\nERROR\r\n"},
                  });
    EXPECT_FALSE(m.off_hook());
    EXPECT_FALSE(m.in_call());
}

TEST(SimModemAt, IdentityFollowsOptionsEchoAndNumericResults) {
    Simulation sim;
    ModemOptions opts;
    opts.manufacturer = "ACME";
    opts.model = "FAX-1";
    opts.revision = "9.9";
    SimModem& m = sim.add_modem("5551002", opts);
    ModemHarness h(sim, m);
    run_script(h, {
                      {"ATI3\r", "ATI3\r\r\nACME FAX-1 9.9\r\n\r\nOK\r\n"},  // echo still on
                      {"ATE0V0\r", "ATE0V0\r0\r"},
                      {"AT+FMM?\r", "FAX-1\r\n0\r"},
                      {"ATV1\r", "\r\nOK\r\n"},
                  });
}

TEST(SimModemAt, CommandSplitAcrossWritesAndSeveralPerWrite) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551003");
    ModemHarness h(sim, m);
    ASSERT_NE(h.at("ATE0\r"), "");
    h.send("AT+FC");
    EXPECT_EQ(h.collect(Samples{800}), "");
    h.send("LASS=1\rAT+FMI?\r");
    EXPECT_EQ(printable(h.expect("faxstack\r\n\r\nOK\r\n")), printable("\r\nOK\r\n\r\nfaxstack\r\n\r\nOK\r\n"));
}

}  // namespace
}  // namespace fax::sim
