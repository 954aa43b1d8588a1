// Two SimModems in a call, driven as a Class 1 host drives them: a V.21 HDLC
// frame one way, then non-ECM V.29 data the other way — more than t31's 4096-byte
// buffer, so CTS flow control must hold the host back without losing a byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "fax/sim/simulation.h"
#include "modem_harness.h"

namespace fax::sim {
namespace {

using test::ModemHarness;
using test::printable;

constexpr char kDle = 0x10;
constexpr char kEtx = 0x03;
constexpr Samples seconds(int s) { return Samples{s * 8000}; }

std::string dle_stuff(const std::string& data) {
    std::string out;
    for (char c : data) {
        out += c;
        if (c == kDle) out += kDle;
    }
    return out;
}

// Data up to DLE ETX with DLE DLE undone; nullopt if no DLE ETX.
std::optional<std::string> dle_unstuff(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != kDle) {
            out += s[i];
            continue;
        }
        if (i + 1 >= s.size()) return std::nullopt;
        if (s[i + 1] == kEtx) return out;
        if (s[i + 1] == kDle) out += kDle;
        ++i;
    }
    return std::nullopt;
}

TEST(Class1Data, HdlcThenNonEcmDataModemToModem) {
    Simulation sim;
    SimModem& a = sim.add_modem("5551001");
    SimModem& b = sim.add_modem("5551002");
    ModemHarness ha(sim, a);
    ModemHarness hb(sim, b);
    ASSERT_NE(ha.at("ATE0\r"), "");
    ASSERT_NE(hb.at("ATE0\r"), "");
    ASSERT_NE(ha.at("AT+FCLASS=1\r"), "");
    ASSERT_NE(hb.at("AT+FCLASS=1\r"), "");
    ASSERT_NE(hb.at("ATS0=1\r"), "");

    ha.send("ATDT5551002\r");
    ASSERT_NE(hb.expect("CONNECT\r\n", seconds(10)), "");  // answered: CED, then implied +FTH=3
    ASSERT_NE(ha.expect("CONNECT\r\n", seconds(10)), "");  // implied +FRH=3 heard the flags

    // B → A: one final V.21 frame, sent without FCS; A gets it with FCS.
    const std::string frame = std::string("\xff\x13\x80\x00\x46\x1f", 6);
    hb.send(dle_stuff(frame) + kDle + kEtx);
    EXPECT_EQ(printable(hb.expect("OK\r\n", seconds(5))), printable("\r\nOK\r\n"));
    const std::string got_frame = ha.expect("OK\r\n", seconds(5));
    ASSERT_NE(got_frame, "");
    const auto body = dle_unstuff(got_frame);
    ASSERT_TRUE(body);
    EXPECT_EQ(printable(body->substr(0, frame.size())), printable(frame));
    EXPECT_EQ(body->size(), frame.size() + 2) << "two FCS bytes follow the frame";

    // A → B is the image direction here: B receives, A sends 12000 bytes of V.29 9600.
    hb.send("AT+FRM=96\r");
    EXPECT_NE(ha.at("AT+FTS=8\r"), "");
    EXPECT_EQ(printable(ha.at("AT+FTM=96\r", "CONNECT\r\n", seconds(5))), printable("\r\nCONNECT\r\n"));
    std::string payload;
    for (int i = 0; i < 12000; ++i) payload += static_cast<char>((i * 7 + 3) & 0xff);
    // The host writes everything at once; the modem takes it only under CTS.
    ha.send(dle_stuff(payload) + kDle + kEtx);
    bool cts_dropped = false;
    EXPECT_TRUE(sim.run_until(
        [&] {
            cts_dropped = cts_dropped || !a.cts();
            return a.link().dce_pending() == 0;
        },
        seconds(30)));
    EXPECT_TRUE(cts_dropped) << "12000 bytes should have filled t31's buffer";
    EXPECT_NE(ha.expect("OK\r\n", seconds(30)), "") << "the sender's OK after its data has gone out";

    const std::string rx = hb.expect("NO CARRIER\r\n", seconds(10));
    ASSERT_NE(rx, "") << printable(hb.received().substr(0, 64));
    ASSERT_EQ(rx.substr(0, 11), "\r\nCONNECT\r\n");
    const auto data = dle_unstuff(rx.substr(11));
    ASSERT_TRUE(data);
    const auto at = data->find(payload);
    EXPECT_NE(at, std::string::npos) << "received " << data->size() << " bytes; payload not found intact";
    std::cout << "  received " << data->size() << " data bytes, payload at offset " << at << "\n";
}

}  // namespace
}  // namespace fax::sim
