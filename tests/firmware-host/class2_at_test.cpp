// The Class 2.0 (T.32) personality of SimModem, scripted over its DTE link as SpanDSP's
// t31_tests do: tables of EXCHANGE(command, response), then whole calls at AT level —
// a page of hand-made T.4 data sent to a reference terminal, a page received from one,
// and the +FKS ending of a call before any page.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dense_page.h"
#include "itu_chart.h"
#include "fax/sim/simulation.h"
#include "modem_harness.h"
#include "tiff_fixture.h"

namespace fax::sim {
namespace {

using test::ModemHarness;
using test::printable;

constexpr Samples seconds(int s) { return Samples{8000LL * s}; }

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

ModemOptions class2_options() {
    ModemOptions o;
    o.offer_class2 = true;
    return o;
}

TEST(Class2At, CommandsAndParametersLikeAClass20Modem) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    ModemHarness h(sim, m);
    run_script(h, {
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      // Real Class 2.0 modems list 2.0 next to Class 1 / 1.0.
                      {"AT+FCLASS=?\r", "\r\n0,1,1.0,2.0\r\n\r\nOK\r\n"},
                      {"AT+FCLASS=2.0\r", "\r\nOK\r\n"},
                      {"AT+FCLASS?\r", "\r\n2.0\r\n\r\nOK\r\n"},
                      {"AT+FCLASS=?\r", "\r\n0,1,1.0,2.0\r\n\r\nOK\r\n"},
                      {"AT+FLI=\"ROI Desk 7\"\r", "\r\nOK\r\n"},
                      {"AT+FLI?\r", "\r\n\"ROI Desk 7\"\r\n\r\nOK\r\n"},
                      {"AT+FLI=\"123456789012345678901\"\r", "\r\nERROR\r\n"},  // 21 > 20 characters
                      {"AT+FPI=\"POLL\"\r", "\r\nOK\r\n"},
                      {"AT+FCC=?\r", "\r\n(0,1),(0-5),(0-4),(0-2),(0-3),(0,1),(0),(0-7)\r\n\r\nOK\r\n"},
                      {"AT+FCC=1,5,0,2,3,1,0,0\r", "\r\nOK\r\n"},
                      // T.32 §8.5.1.1: +FCC sets +FIS too.
                      {"AT+FIS?\r", "\r\n1,5,0,2,3,1,0,0\r\n\r\nOK\r\n"},
                      {"AT+FIS=0,3\r", "\r\nOK\r\n"},
                      {"AT+FIS?\r", "\r\n0,3,0,2,3,1,0,0\r\n\r\nOK\r\n"},
                      {"AT+FIS=,,,,1,0\r", "\r\nOK\r\n"},
                      {"AT+FIS?\r", "\r\n0,3,0,2,1,0,0,0\r\n\r\nOK\r\n"},
                      {"AT+FIS=9\r", "\r\nERROR\r\n"},
                      {"AT+FCC?\r", "\r\n1,5,0,2,3,1,0,0\r\n\r\nOK\r\n"},
                      {"AT+FNR=1,1,1,0\r", "\r\nOK\r\n"},
                      {"AT+FCQ=1,0\r", "\r\nOK\r\n"},
                      {"AT+FBO=0\r", "\r\nOK\r\n"},
                      {"AT+FBO?\r", "\r\n0\r\n\r\nOK\r\n"},
                      {"AT+FLO=1\r", "\r\nOK\r\n"},
                      {"AT+FLO=2\r", "\r\nOK\r\n"},
                      {"AT+FCR=1\r", "\r\nOK\r\n"},
                      {"AT+FPP=0\r", "\r\nOK\r\n"},
                      {"AT+FCT=30\r", "\r\nOK\r\n"},
                      {"AT+FMI?\r", "\r\nfaxstack\r\n\r\nOK\r\n"},
                      {"AT+FMM?\r", "\r\nSimModem T31\r\n\r\nOK\r\n"},
                      {"AT+FMR?\r", "\r\n0.1\r\n\r\nOK\r\n"},
                      {"ATI3\r", "\r\nfaxstack SimModem T31 0.1\r\n\r\nOK\r\n"},
                      // Several commands on one line, basic and extended.
                      {"ATV1Q0+FCR=1;+FNR=1,1,1,0\r", "\r\nOK\r\n"},
                      // No call: nothing to send, receive or end.
                      {"AT+FDT\r", "\r\nERROR\r\n"},
                      {"AT+FKS\r", "\r\nOK\r\n"},
                      {"AT+FET=2\r", "\r\nERROR\r\n"},
                      {"AT+FXYZ=1\r", "\r\nERROR\r\n"},
                      // T.32 §8.5.1.10: HDLC frame reporting, off by default.
                      {"AT+FBU=?\r", "\r\n(0,1)\r\n\r\nOK\r\n"},
                      {"AT+FBU?\r", "\r\n0\r\n\r\nOK\r\n"},
                      {"AT+FBU=1\r", "\r\nOK\r\n"},
                      {"AT+FBU?\r", "\r\n1\r\n\r\nOK\r\n"},
                      {"AT+FBU=2\r", "\r\nERROR\r\n"},
                      {"AT+FIP\r", "\r\nOK\r\n"},
                      {"AT+FBU?\r", "\r\n0\r\n\r\nOK\r\n"},
                      {"AT+FIS?\r", "\r\n1,5,0,2,0,0,0,0\r\n\r\nOK\r\n"},
                      {"ATV0\r", "0\r"},
                      {"AT+FCLASS?\r", "2.0\r\n0\r"},
                      {"ATV1\r", "\r\nOK\r\n"},
                      // Back to Class 1: t31 answers again, with everything it had.
                      {"AT+FCLASS=1\r", "\r\nOK\r\n"},
                      {"AT+FCLASS?\r", "\r\n1\r\n\r\nOK\r\n"},
                      {"AT+FTM=?\r", "\r\n24,48,72,73,74,96,97,98,121,122,145,146\r\n\r\nOK\r\n"},
                      {"AT+FRH=?\r", "\r\n3\r\n\r\nOK\r\n"},
                  });
    EXPECT_FALSE(m.class2_active());
    EXPECT_FALSE(m.off_hook());
}

TEST(Class2At, AModemWithoutTheOptionStaysClass1Only) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001");
    ModemHarness h(sim, m);
    run_script(h, {
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      {"AT+FCLASS=?\r", "\r\n0,1,1.0\r\n\r\nOK\r\n"},
                      {"AT+FCLASS=2.0\r", "\r\nERROR\r\n"},
                      {"AT+FCLASS?\r", "\r\n0\r\n\r\nOK\r\n"},
                  });
    EXPECT_FALSE(m.class2_active());
}

TEST(Class2At, EchoAndSplitCommandLinesAcrossTheSwitch) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    ModemHarness h(sim, m);
    // t31 echoes by default: the part of the line it saw and the rest both come back once.
    h.send("AT+FCL");
    EXPECT_EQ(printable(h.collect(Samples{800})), "AT+FCL");
    h.send("ASS=2.0\r");
    EXPECT_EQ(printable(h.expect("OK\r\n")), printable("ASS=2.0\r\r\nOK\r\n"));
    EXPECT_TRUE(m.class2_active());
    run_script(h, {
                      {"AT+FCLASS?\r", "AT+FCLASS?\r\r\n2.0\r\n\r\nOK\r\n"},
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      {"AT+FCLASS=1\r", "\r\nOK\r\n"},
                      // t31 was told about E0, and forgot the half line it had seen.
                      {"AT\r", "\r\nOK\r\n"},
                      {"AT+FCLASS?\r", "\r\n1\r\n\r\nOK\r\n"},
                  });
}

TEST(Class2At, DialFailuresAreClassicResultCodes) {
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    sim.exchange().set_busy("5550000");
    ModemHarness h(sim, m);
    run_script(h, {{"ATE0\r", "ATE0\r\r\nOK\r\n"}, {"AT+FCLASS=2.0\r", "\r\nOK\r\n"}});
    EXPECT_EQ(printable(h.at("ATD5550000\r", "BUSY\r\n", seconds(5))), printable("\r\nBUSY\r\n"));
    EXPECT_EQ(printable(h.at("ATD5559999\r", "NO CARRIER\r\n", seconds(10))), printable("\r\nNO CARRIER\r\n"));
    EXPECT_FALSE(m.off_hook());
}

// A page of `rows` white rows, 1728 pixels, as T.4 1-D data, first bit in the LSB
// (+FBO=0): EOL, then per row white 1728 (make-up 010011011, terminating 0 00110101)
// and EOL, then RTC (T.4 §4.1).
std::vector<uint8_t> white_mh_page(int rows) {
    std::vector<uint8_t> out;
    uint32_t acc = 0;
    int n = 0;
    auto put = [&](const char* bits) {
        for (const char* p = bits; *p; ++p) {
            if (*p == '1') acc |= 1u << n;
            if (++n == 8) {
                out.push_back(static_cast<uint8_t>(acc));
                acc = 0;
                n = 0;
            }
        }
    };
    const char* eol = "000000000001";
    put(eol);
    for (int r = 0; r < rows; ++r) {
        put("010011011");
        put("00110101");
        put(eol);
    }
    for (int i = 0; i < 5; ++i) put(eol);
    while (n != 0) put("0");
    return out;
}

std::string dle_stuffed(const std::vector<uint8_t>& data) {
    std::string s;
    for (uint8_t b : data) {
        if (b == 0x10) s += '\x10';
        s += static_cast<char>(b);
    }
    return s;
}

TEST(Class2At, SendsAPageToAReferenceTerminal) {
    test::TempDir dir("class2-at-send");
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    TerminalOptions t;
    t.role = TerminalOptions::Role::Receive;
    t.tiff = dir.file("rx.tif");
    t.ident = "NORTH CLINIC";
    ReferenceTerminal& term = sim.add_terminal("5551009", t);
    ModemHarness h(sim, m);
    run_script(h, {
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      {"AT+FCLASS=2.0\r", "\r\nOK\r\n"},
                      {"AT+FLI=\"ROI DESK\"\r", "\r\nOK\r\n"},
                      {"AT+FIS=1,5,0,2,0,0,0,0\r", "\r\nOK\r\n"},
                  });
    // T.32 §8.3.1: ATD ends once the far end's CSI and DIS have been reported.
    EXPECT_EQ(printable(h.at("ATD5551009\r", "OK\r\n", seconds(30))),
              printable("\r\n+FCO\r\n\r\n+FCI:\"NORTH CLINIC\"\r\n\r\n+FIS:3,5,0,2,3,1,0,0\r\n\r\nOK\r\n"));
    EXPECT_TRUE(m.in_call());
    // +FDT: the session parameters the DTE's data must follow, then CONNECT.
    EXPECT_EQ(printable(h.at("AT+FDT\r", "CONNECT\r\n", seconds(5))),
              printable("\r\n+FCS:1,5,0,2,0,0,0,0\r\n\r\nCONNECT\r\n"));
    // One page, ended with DLE '.' (EOP): +FPS reports the far end's MCF, +FHS the end.
    const std::string page = dle_stuffed(white_mh_page(300)) + "\x10.";
    EXPECT_EQ(printable(h.at(page, "OK\r\n", seconds(60))), printable("\r\n+FPS:1,300,0,0,0\r\n\r\n+FHS:00\r\n\r\nOK\r\n"));
    ASSERT_TRUE(sim.run_until([&] { return term.done(); }, seconds(20)));
    EXPECT_EQ(term.result().completion_code, kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 1);
    EXPECT_EQ(term.result().remote_ident, "ROI DESK");
    const auto got = test::read_tiff_page(t.tiff);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->width, 1728);
    EXPECT_EQ(got->height, 300);
    EXPECT_TRUE(std::all_of(got->bits.begin(), got->bits.end(), [](uint8_t b) { return b == 0; }));
    run_script(h, {{"ATH\r", "\r\nOK\r\n"}});
    EXPECT_FALSE(m.off_hook());
}

TEST(Class2At, TwoPagesWithMpsAndThePostPageCommand) {
    test::TempDir dir("class2-at-mps");
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    TerminalOptions t;
    t.role = TerminalOptions::Role::Receive;
    t.tiff = dir.file("rx.tif");
    ReferenceTerminal& term = sim.add_terminal("5551009", t);
    ModemHarness h(sim, m);
    run_script(h, {{"ATE0\r", "ATE0\r\r\nOK\r\n"}, {"AT+FCLASS=2.0\r", "\r\nOK\r\n"}});
    ASSERT_NE(h.at("ATD5551009\r", "OK\r\n", seconds(30)), "");
    ASSERT_NE(h.at("AT+FDT\r", "CONNECT\r\n", seconds(5)), "");
    // Page 1 ends with DLE ETX; the post-page message follows as +FET=0 (MPS).
    EXPECT_EQ(printable(h.at(dle_stuffed(white_mh_page(100)) + "\x10\x03", "OK\r\n", seconds(5))),
              printable("\r\nOK\r\n"));
    EXPECT_EQ(printable(h.at("AT+FET=0\r", "OK\r\n", seconds(60))), printable("\r\n+FPS:1,100,0,0,0\r\n\r\nOK\r\n"));
    ASSERT_NE(h.at("AT+FDT\r", "CONNECT\r\n", seconds(30)), "");
    EXPECT_EQ(printable(h.at(dle_stuffed(white_mh_page(200)) + "\x10.", "OK\r\n", seconds(60))),
              printable("\r\n+FPS:1,200,0,0,0\r\n\r\n+FHS:00\r\n\r\nOK\r\n"));
    ASSERT_TRUE(sim.run_until([&] { return term.done(); }, seconds(20)));
    EXPECT_EQ(term.result().completion_code, kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 2);
    EXPECT_EQ(test::tiff_page_count(t.tiff), 2);
    ASSERT_TRUE(test::read_tiff_page(t.tiff, 1));
    EXPECT_EQ(test::read_tiff_page(t.tiff, 1)->height, 200);
}

// Issue #12: pages whose MMR data need more than one ECM block (T.30 Annex A: at most 256
// frames of 256 octets per partial page). The far end answers PPS-NULL after each block
// but the last with MCF; that MCF confirms the block, not the page (T.30 §A.4, Figure
// A.8), and the modem must not report +FPS for it. What the modem reports with +FPS and
// what the far end stores must agree: three pages, three +FPS, three stored pages.
TEST(Class2At, MultiBlockEcmPagesAreReportedOnlyOnceTheFarEndHasThem) {
    test::TempDir dir("class2-at-blocks");
    constexpr int kPages = 3;
    std::vector<test::Bilevel> pages;
    std::vector<std::string> data;
    for (int i = 0; i < kPages; ++i) {
        test::Bilevel b;
        b.width = fax::testing::kDenseWidth;
        b.height = fax::testing::kDenseHeight;
        b.bits = fax::testing::dense_page_rows(0x1200u + static_cast<uint32_t>(i), 30, 2);
        const std::string tif = dir.file("page" + std::to_string(i) + ".tif");
        ASSERT_TRUE(test::write_fax_tiff(tif, b, test::TiffCoding::G4));
        const auto mmr = fax::testing::encoded_page(tif, 0, T4_COMPRESSION_ITU_T6);
        // The point of the test: every page spans at least two blocks.
        ASSERT_GE(fax::testing::ecm_blocks(mmr.size()), 2u) << "page " << i + 1 << ": " << mmr.size() << " bytes";
        std::printf("[ blocks   ] page %d: %zu bytes MMR, %zu ECM blocks\n", i + 1, mmr.size(),
                    fax::testing::ecm_blocks(mmr.size()));
        data.push_back(dle_stuffed(mmr));
        pages.push_back(std::move(b));
    }

    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    TerminalOptions t;
    t.role = TerminalOptions::Role::Receive;
    t.tiff = dir.file("rx.tif");
    t.ecm = true;
    ReferenceTerminal& term = sim.add_terminal("5551009", t);
    ModemHarness h(sim, m);
    run_script(h, {
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      {"AT+FCLASS=2.0\r", "\r\nOK\r\n"},
                      {"AT+FIS=1,5,0,2,3,1,0,0\r", "\r\nOK\r\n"},
                  });
    ASSERT_NE(h.at("ATD5551009\r", "OK\r\n", seconds(30)), "");
    int fps_reports = 0;
    for (int i = 0; i < kPages; ++i) {
        EXPECT_EQ(printable(h.at("AT+FDT\r", "CONNECT\r\n", seconds(30))),
                  printable("\r\n+FCS:1,5,0,2,3,1,0,0\r\n\r\nCONNECT\r\n"))
            << "page " << i + 1;
        const bool last = i + 1 == kPages;
        const std::string answer = h.at(data[static_cast<std::size_t>(i)] + (last ? "\x10." : "\x10,"), "OK\r\n",
                                        seconds(300));
        const std::string fps = "+FPS:1," + std::to_string(fax::testing::kDenseHeight) + ",0,0,0";
        EXPECT_EQ(printable(answer), printable("\r\n" + fps + "\r\n" + (last ? "\r\n+FHS:00\r\n" : "") +
                                                "\r\nOK\r\n"))
            << "page " << i + 1;
        if (answer.find("+FPS:1,") != std::string::npos) ++fps_reports;
    }
    ASSERT_TRUE(sim.run_until([&] { return term.done(); }, seconds(30)));
    EXPECT_EQ(term.result().completion_code, kT30ErrOk) << term.result().completion_text;
    EXPECT_TRUE(term.result().ecm);
    EXPECT_EQ(term.result().compression, kT4CompressionT6);
    EXPECT_EQ(fps_reports, kPages);
    EXPECT_EQ(term.result().pages, fps_reports);
    ASSERT_EQ(test::tiff_page_count(t.tiff), fps_reports);
    for (int i = 0; i < kPages; ++i) {
        const auto got = test::read_tiff_page(t.tiff, i);
        ASSERT_TRUE(got) << "page " << i + 1;
        EXPECT_EQ(got->width, fax::testing::kDenseWidth);
        EXPECT_EQ(got->height, fax::testing::kDenseHeight);
        EXPECT_TRUE(got->bits == pages[static_cast<std::size_t>(i)].bits) << "page " << i + 1 << " differs";
    }
}

TEST(Class2At, TerminateSessionBeforeAnyPage) {
    test::TempDir dir("class2-at-fks");
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    TerminalOptions t;
    t.role = TerminalOptions::Role::Receive;
    t.tiff = dir.file("rx.tif");
    t.ident = "WRONG PLACE";
    ReferenceTerminal& term = sim.add_terminal("5551009", t);
    ModemHarness h(sim, m);
    run_script(h, {{"ATE0\r", "ATE0\r\r\nOK\r\n"}, {"AT+FCLASS=2.0\r", "\r\nOK\r\n"}});
    const std::string dial = h.at("ATD5551009\r", "OK\r\n", seconds(30));
    EXPECT_NE(dial.find("+FCI:\"WRONG PLACE\""), std::string::npos) << printable(dial);
    // T.32 §8.3.5: +FKS ends the session; in phase B the modem answers DIS with DCN.
    EXPECT_EQ(printable(h.at("AT+FKS\r", "OK\r\n", seconds(20))), printable("\r\n+FHS:02\r\n\r\nOK\r\n"));
    ASSERT_TRUE(sim.run_until([&] { return term.done(); }, seconds(20)));
    EXPECT_EQ(term.result().pages, 0);
    EXPECT_NE(term.result().completion_code, kT30ErrOk);
    EXPECT_TRUE(sim.run_until([&] { return !m.off_hook(); }, seconds(15)));
}

// T.32 §8.5.1.10 (+FBU) and §8.6 (session message reports): with +FBU=1 the modem reports
// every phase B and phase D HDLC frame it sends (+FHT:) and receives (+FHR:), address and
// control field kept, FCS dropped, octets in hexadecimal separated by spaces, LSB as the
// first bit on the line (a received DIS reads "FF 13 80 ..."), each before the response it
// leads to (the DIS before +FIS). ECM phase C frames (FCD, RCP) are not phase B/D frames.
struct FbuCall {
    std::string dial;  // ATD ... OK
    std::string page;  // +FDT data ... OK
    int pages_stored = 0;
};

FbuCall fbu_call(const std::string& fbu, const std::string& fbo, bool ecm) {
    test::TempDir dir("class2-at-fbu");
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    TerminalOptions t;
    t.role = TerminalOptions::Role::Receive;
    t.tiff = dir.file("rx.tif");
    t.ident = "NORTH CLINIC";
    t.ecm = true;
    ReferenceTerminal& term = sim.add_terminal("5551009", t);
    ModemHarness h(sim, m);
    const std::string fbu_line = fbu + "\r", fbo_line = fbo + "\r";
    run_script(h, {
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      {"AT+FCLASS=2.0\r", "\r\nOK\r\n"},
                      {"AT+FLI=\"ROI DESK\"\r", "\r\nOK\r\n"},
                      {fbu_line.c_str(), "\r\nOK\r\n"},
                      {fbo_line.c_str(), "\r\nOK\r\n"},
                      {ecm ? "AT+FIS=1,5,0,2,0,1,0,0\r" : "AT+FIS=1,5,0,2,0,0,0,0\r", "\r\nOK\r\n"},
                  });
    FbuCall c;
    c.dial = h.at("ATD5551009\r", "OK\r\n", seconds(30));
    EXPECT_NE(h.at("AT+FDT\r", "CONNECT\r\n", seconds(5)), "");
    // Page data that happens to hold no DLE: a white MH page (or the frames would be in it).
    c.page = h.at(dle_stuffed(white_mh_page(300)) + "\x10.", "OK\r\n", seconds(60));
    EXPECT_TRUE(sim.run_until([&] { return term.done(); }, seconds(20)));
    c.pages_stored = term.result().pages;
    return c;
}

TEST(Class2At, FbuReportsEveryPhaseBAndDFrameBothWays) {
    const FbuCall c = fbu_call("AT+FBU=1", "AT+FBO=0", false);
    EXPECT_EQ(c.pages_stored, 1);
    // The far end's CSI (non-final) and DIS (final), then the reports they produced.
    const auto csi = c.dial.find("\r\n+FHR: FF 03 40 ");
    const auto dis = c.dial.find("\r\n+FHR: FF 13 80 ");
    const auto fis = c.dial.find("\r\n+FIS:");
    ASSERT_NE(csi, std::string::npos) << printable(c.dial);
    ASSERT_NE(dis, std::string::npos) << printable(c.dial);
    ASSERT_NE(fis, std::string::npos) << printable(c.dial);
    EXPECT_LT(csi, dis);
    EXPECT_LT(dis, fis) << "a frame is reported before the response derived from it";
    // Sent: TSI and DCS (X bit set: we received the DIS), EOP, DCN. Received: CFR, MCF.
    for (const char* frame : {"+FHT: FF 03 43 ", "+FHT: FF 13 83 ", "+FHR: FF 13 84\r\n", "+FHT: FF 13 2F\r\n",
                              "+FHR: FF 13 8C\r\n", "+FHT: FF 13 FB\r\n"})
        EXPECT_NE(c.page.find(frame), std::string::npos) << frame << " in " << printable(c.page);
    const auto mcf = c.page.find("+FHR: FF 13 8C");
    const auto fps = c.page.find("+FPS:1,");
    ASSERT_NE(fps, std::string::npos) << printable(c.page);
    EXPECT_LT(mcf, fps) << "MCF is reported before the +FPS it produced";
    // The DCS the modem sent is 5 octets of T.30 frame header + FIF: whole octets, in hex.
    const auto dcs = c.page.find("+FHT: FF 13 83 ");
    const std::string line = c.page.substr(dcs + 6, c.page.find("\r\n", dcs) - dcs - 6);
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (i % 3 == 2) {
            EXPECT_EQ(line[i], ' ') << line;
        } else {
            EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(line[i])) && !std::islower(line[i])) << line;
        }
    }
}

TEST(Class2At, FbuOffReportsNoFrames) {
    const FbuCall c = fbu_call("AT+FBU=0", "AT+FBO=0", false);
    EXPECT_EQ(c.pages_stored, 1);
    EXPECT_EQ(c.dial.find("+FH"), std::string::npos) << printable(c.dial);
    EXPECT_EQ(c.page.find("+FHT"), std::string::npos) << printable(c.page);
    EXPECT_EQ(c.page.find("+FHR"), std::string::npos) << printable(c.page);
}

TEST(Class2At, FbuLeavesOutEcmImageFrames) {
    const FbuCall c = fbu_call("AT+FBU=1", "AT+FBO=0", true);
    EXPECT_EQ(c.pages_stored, 1);
    EXPECT_NE(c.page.find("+FHT: FF 13 83 "), std::string::npos) << printable(c.page);  // DCS
    // PPS-EOP (FCF BF with X, then EOP 2F) and its MCF are phase D frames; FCD and RCP are not.
    EXPECT_NE(c.page.find("+FHT: FF 13 BF 2F "), std::string::npos) << printable(c.page);
    EXPECT_NE(c.page.find("+FHR: FF 13 8C\r\n"), std::string::npos) << printable(c.page);
    EXPECT_EQ(c.page.find("+FHT: FF 03 06 "), std::string::npos) << "FCD reported";
    EXPECT_EQ(c.page.find("+FHT: FF 03 86"), std::string::npos) << "RCP reported";
    EXPECT_EQ(c.page.find("+FHT: FF 13 86"), std::string::npos) << "RCP reported";
}

TEST(Class2At, FboReversesTheFrameReportsToo) {
    // +FBO bit 1: phase B/D data (these reports) in reversed bit order: FF 13 80 → FF C8 01.
    const FbuCall c = fbu_call("AT+FBU=1", "AT+FBO=2", false);
    EXPECT_EQ(c.pages_stored, 1);
    EXPECT_NE(c.dial.find("\r\n+FHR: FF C8 01 "), std::string::npos) << printable(c.dial);
    EXPECT_EQ(c.dial.find("+FHR: FF 13 80 "), std::string::npos) << printable(c.dial);
}

TEST(Class2At, ReceivesAPageFromAReferenceTerminal) {
    test::TempDir dir("class2-at-recv");
    const auto chart = test::read_tiff_page(fax::testing::itu_chart_path(1));
    ASSERT_TRUE(chart);
    const std::string doc = dir.file("chart.tif");
    ASSERT_TRUE(test::write_fax_tiff(doc, *chart, test::TiffCoding::G3_1D));
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    TerminalOptions t;
    t.role = TerminalOptions::Role::Send;
    t.tiff = doc;
    t.ident = "SENDER 1";
    t.dial = "5551001";
    ReferenceTerminal& term = sim.add_terminal("5551009", t);
    ModemHarness h(sim, m);
    run_script(h, {
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      {"AT+FCLASS=2.0\r", "\r\nOK\r\n"},
                      {"AT+FLI=\"ROI DESK\"\r", "\r\nOK\r\n"},
                      {"AT+FCR=1\r", "\r\nOK\r\n"},
                      {"AT+FIS=1,5,0,2,0,0,0,0\r", "\r\nOK\r\n"},
                  });
    EXPECT_EQ(printable(h.expect("RING\r\n", seconds(10))), printable("\r\nRING\r\n"));
    EXPECT_EQ(printable(h.at("ATA\r", "OK\r\n", seconds(30))),
              printable("\r\n+FCO\r\n\r\n+FTI:\"SENDER 1\"\r\n\r\n+FCS:1,5,0,2,0,0,0,0\r\n\r\nOK\r\n"));
    EXPECT_EQ(printable(h.at("AT+FDR\r", "CONNECT\r\n", seconds(60))),
              printable("\r\n+FCS:1,5,0,2,0,0,0,0\r\n\r\nCONNECT\r\n"));
    // T.32 §8.3.4: DC2 releases the data; it ends with DLE ETX, then the reports.
    const std::string data = h.at("\x12", "OK\r\n", seconds(10));
    const auto etx = data.find("\x10\x03");
    ASSERT_NE(etx, std::string::npos);
    EXPECT_GT(etx, 10000u);  // chart 1 in MH is some tens of KiB
    EXPECT_EQ(printable(data.substr(etx)), printable("\x10\x03\r\n+FPS:1,2376,0,0,0\r\n\r\n+FET:2\r\n\r\nOK\r\n"));
    // After EOP the far end disconnects: the next +FDR reports the end.
    EXPECT_EQ(printable(h.at("AT+FDR\r", "OK\r\n", seconds(20))), printable("\r\n+FHS:00\r\n\r\nOK\r\n"));
    ASSERT_TRUE(sim.run_until([&] { return term.done(); }, seconds(20)));
    EXPECT_EQ(term.result().completion_code, kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 1);
    EXPECT_EQ(term.result().remote_ident, "ROI DESK");
}

// +FBU=1 while receiving: the reports are text lines, so they never go out inside page data
// (between CONNECT, the DTE's DC2 and DLE ETX); frames that arrive meanwhile follow the data.
TEST(Class2At, FbuReportsStayOutOfReceivedPageData) {
    test::TempDir dir("class2-at-fbu-recv");
    const auto chart = test::read_tiff_page(fax::testing::itu_chart_path(1));
    ASSERT_TRUE(chart);
    const std::string doc = dir.file("chart.tif");
    ASSERT_TRUE(test::write_fax_tiff(doc, *chart, test::TiffCoding::G3_1D));
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    TerminalOptions t;
    t.role = TerminalOptions::Role::Send;
    t.tiff = doc;
    t.ident = "SENDER 1";
    t.dial = "5551001";
    ReferenceTerminal& term = sim.add_terminal("5551009", t);
    ModemHarness h(sim, m);
    run_script(h, {
                      {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                      {"AT+FCLASS=2.0\r", "\r\nOK\r\n"},
                      {"AT+FLI=\"ROI DESK\"\r", "\r\nOK\r\n"},
                      {"AT+FBU=1\r", "\r\nOK\r\n"},
                      {"AT+FCR=1\r", "\r\nOK\r\n"},
                      {"AT+FIS=1,5,0,2,0,0,0,0\r", "\r\nOK\r\n"},
                  });
    ASSERT_NE(h.expect("RING\r\n", seconds(10)), "");
    const std::string answer = h.at("ATA\r", "OK\r\n", seconds(30));
    // Sent: our CSI and DIS; received: the far end's TSI and DCS, before +FTI/+FCS.
    for (const char* frame : {"+FHT: FF 03 40 ", "+FHT: FF 13 80 ", "+FHR: FF 03 43 ", "+FHR: FF 13 83 "})
        EXPECT_NE(answer.find(frame), std::string::npos) << frame << " in " << printable(answer);
    EXPECT_LT(answer.find("+FHR: FF 13 83 "), answer.find("+FCS:")) << printable(answer);
    const std::string connect = h.at("AT+FDR\r", "CONNECT\r\n", seconds(60));
    ASSERT_NE(connect, "");
    const std::string data = h.at("\x12", "OK\r\n", seconds(10));
    const auto etx = data.find("\x10\x03");
    ASSERT_NE(etx, std::string::npos);
    EXPECT_EQ(data.substr(0, etx).find("\r\n+FH"), std::string::npos) << "a frame report inside the page data";
    // EOP and our MCF were exchanged before the page was offered (store and forward).
    EXPECT_NE((connect + data).find("+FHR: FF 13 2F"), std::string::npos) << printable(connect);
    EXPECT_NE((connect + data).find("+FHT: FF 13 8C"), std::string::npos) << printable(connect);
    EXPECT_NE(data.find("+FPS:1,2376,0,0,0", etx), std::string::npos) << printable(data.substr(etx));
    ASSERT_NE(h.at("AT+FDR\r", "OK\r\n", seconds(20)), "");
    ASSERT_TRUE(sim.run_until([&] { return term.done(); }, seconds(20)));
    EXPECT_EQ(term.result().pages, 1);
}

// +FIS after ATD reports the far end's DIS. In T.32 Table 21 VR is a bit map of every
// vertical resolution offered, in hexadecimal: 0 = R8 x 3.85 only (normal is always
// there), 1 = R8 x 7.7 (fine, DIS bit 15), 2 = R8 x 15.4 (superfine, bit 41), 4 = R16 x
// 15.4, 8 / 10 / 20 = 200 x 100 / 200 / 400 (inch based), 40 = 300 x 300; HylaFAX reads it
// so (Class2Params::setFromDIS: "a bitmap of available settings, not a maximum"), mgetty
// treats any VR but 0 and 8 as fine. +FCS, the session, holds the one resolution in use.
struct VrCall {
    std::string dial;    // ATD ... OK
    std::string fdt;     // AT+FDT ... CONNECT
    int pages_stored = 0;
};

VrCall vr_call(int far_end_resolutions, const char* fis) {
    test::TempDir dir("class2-at-vr");
    Simulation sim;
    SimModem& m = sim.add_modem("5551001", class2_options());
    TerminalOptions t;
    t.role = TerminalOptions::Role::Receive;
    t.tiff = dir.file("rx.tif");
    t.resolutions = far_end_resolutions;
    ReferenceTerminal& term = sim.add_terminal("5551009", t);
    ModemHarness h(sim, m);
    run_script(h, {{"ATE0\r", "ATE0\r\r\nOK\r\n"}, {"AT+FCLASS=2.0\r", "\r\nOK\r\n"}, {fis, "\r\nOK\r\n"}});
    VrCall c;
    c.dial = h.at("ATD5551009\r", "OK\r\n", seconds(30));
    c.fdt = h.at("AT+FDT\r", "CONNECT\r\n", seconds(5));
    EXPECT_NE(h.at(dle_stuffed(white_mh_page(100)) + "\x10.", "OK\r\n", seconds(60)).find("+FPS:1,100,"),
              std::string::npos);
    EXPECT_TRUE(sim.run_until([&] { return term.done(); }, seconds(20)));
    c.pages_stored = term.result().pages;
    return c;
}

TEST(Class2At, FisVrIsTheBitMapOfTheResolutionsTheFarEndOffers) {
    constexpr int kR8 = kT30SupportR8Resolution;
    constexpr int kNormal = kT30SupportStandardResolution;
    constexpr int kFine = kT30SupportFineResolution;
    constexpr int kSuperfine = kT30SupportSuperfineResolution;
    struct Case {
        const char* what;
        int offered;
        const char* fis;  // the modem's own +FIS
        const char* want_fis;
        const char* want_fcs;
    };
    const Case cases[] = {
        {"SpanDSP's default: normal, fine, superfine", 0, "AT+FIS=1,5,0,2,0,0,0,0\r", "+FIS:3,5,0,2,", "+FCS:1,5,"},
        {"normal, fine and superfine", kR8 | kNormal | kFine | kSuperfine, "AT+FIS=1,5,0,2,0,0,0,0\r",
         "+FIS:3,5,0,2,", "+FCS:1,5,"},
        {"normal and fine", kR8 | kNormal | kFine, "AT+FIS=1,5,0,2,0,0,0,0\r", "+FIS:1,5,0,2,", "+FCS:1,5,"},
        {"normal only", kR8 | kNormal, "AT+FIS=1,5,0,2,0,0,0,0\r", "+FIS:0,5,0,2,", "+FCS:0,5,"},
        // The modem set to normal only: the session is normal whatever the far end offers.
        {"normal and fine, to a normal-only modem", kR8 | kNormal | kFine, "AT+FIS=0,5,0,2,0,0,0,0\r",
         "+FIS:1,5,0,2,", "+FCS:0,5,"},
    };
    for (const auto& c : cases) {
        const VrCall call = vr_call(c.offered, c.fis);
        EXPECT_NE(call.dial.find(c.want_fis), std::string::npos) << c.what << ": " << printable(call.dial);
        EXPECT_NE(call.fdt.find(c.want_fcs), std::string::npos) << c.what << ": " << printable(call.fdt);
        EXPECT_EQ(call.pages_stored, 1) << c.what;
    }
}

// The modem's own DIS offers what its +FIS allows and no more: with VR=1 fine (bit 15) but
// not superfine (bit 41), which SpanDSP's T.30 would offer by default and which the DTE,
// whose data are in the +FCS resolution, was never asked about. Seen through +FBU.
TEST(Class2At, TheModemsDisOffersTheResolutionsOfItsFis) {
    for (const char* fis : {"AT+FIS=1,5,0,2,0,0,0,0\r", "AT+FIS=0,5,0,2,0,0,0,0\r"}) {
        const bool fine = fis[7] == '1';
        test::TempDir dir("class2-at-vr-dis");
        const auto chart = test::read_tiff_page(fax::testing::itu_chart_path(2));
        ASSERT_TRUE(chart);
        const std::string doc = dir.file("chart.tif");
        ASSERT_TRUE(test::write_fax_tiff(doc, *chart, test::TiffCoding::G3_1D));
        Simulation sim;
        SimModem& m = sim.add_modem("5551001", class2_options());
        TerminalOptions t;
        t.role = TerminalOptions::Role::Send;
        t.tiff = doc;
        t.dial = "5551001";
        ReferenceTerminal& term = sim.add_terminal("5551009", t);
        ModemHarness h(sim, m);
        run_script(h, {
                          {"ATE0\r", "ATE0\r\r\nOK\r\n"},
                          {"AT+FCLASS=2.0\r", "\r\nOK\r\n"},
                          {"AT+FBU=1\r", "\r\nOK\r\n"},
                          {"AT+FCR=1\r", "\r\nOK\r\n"},
                          {fis, "\r\nOK\r\n"},
                      });
        ASSERT_NE(h.expect("RING\r\n", seconds(10)), "");
        h.send("ATA\r");
        const std::string answer = h.collect(seconds(30));
        const auto at = answer.find("+FHT: FF 13 80 ");
        ASSERT_NE(at, std::string::npos) << fis << printable(answer);
        const std::string line = answer.substr(at + 6, answer.find('\r', at) - at - 6);
        std::vector<uint8_t> dis;
        for (std::size_t i = 0; i + 2 <= line.size(); i += 3)
            dis.push_back(static_cast<uint8_t>(std::strtoul(line.substr(i, 2).c_str(), nullptr, 16)));
        ASSERT_GE(dis.size(), 9u) << line;
        // T.30 Table 2: bit n is bit (n-1)%8 of FIF octet (n-1)/8, after address, control, FCF.
        auto bit = [&](int n) {
            const std::size_t i = 3 + static_cast<std::size_t>((n - 1) / 8);
            return i < dis.size() && ((dis[i] >> ((n - 1) % 8)) & 1) != 0;
        };
        EXPECT_EQ(bit(15), fine) << fis << printable(answer);
        EXPECT_FALSE(bit(41)) << "superfine offered: " << fis << printable(answer);
        EXPECT_FALSE(bit(42)) << "300 x 300 offered: " << fis << printable(answer);
        EXPECT_FALSE(bit(43)) << "R16 offered: " << fis << printable(answer);
        // The far end's page is fine (SpanDSP 0.0.6 does not rescale): it goes where fine was
        // offered; a modem set to normal only gets DCN, and says so, instead of a fine page
        // its DTE did not ask for.
        if (fine) {
            EXPECT_NE(answer.find("+FCS:1,"), std::string::npos) << printable(answer);
        } else {
            EXPECT_EQ(answer.find("+FCS:"), std::string::npos) << printable(answer);
            EXPECT_NE(answer.find("+FHR: FF 13 FB\r\n"), std::string::npos) << printable(answer);  // DCN
            EXPECT_NE(answer.find("NO CARRIER"), std::string::npos) << printable(answer);
        }
        h.collect(seconds(60));
        ASSERT_TRUE(sim.run_until([&] { return term.done(); }, seconds(60)));
        EXPECT_EQ(term.result().completion_code == kT30ErrOk, fine) << term.result().completion_text;
    }
}

}  // namespace
}  // namespace fax::sim
