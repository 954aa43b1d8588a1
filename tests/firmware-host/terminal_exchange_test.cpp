// Two reference terminals through the simulated exchange: the fax world the
// host stack will be tested against must itself deliver ITU chart 1 exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <iostream>

#include "fax/sim/simulation.h"
#include "tiff_fixture.h"

namespace fax::sim {
namespace {

using test::Bilevel;

constexpr Samples kTwoMinutes{120 * 8000};

struct Mode {
    const char* name;
    bool ecm;
    int compressions;
    int expect_compression;
};

class TerminalToTerminal : public ::testing::TestWithParam<Mode> {};

TEST_P(TerminalToTerminal, ItuChart1ArrivesPixelForPixel) {
    const Mode mode = GetParam();
    test::TempDir dir(std::string("t2t-") + mode.name);
    const auto chart = test::read_pbm(std::string(FAX_ITU_DIR) + "/itu1.pbm");
    ASSERT_TRUE(chart) << "cannot read itu1.pbm from " << FAX_ITU_DIR;
    ASSERT_EQ(chart->width, 1728);
    const std::string sent = dir.file("sent.tif");
    ASSERT_TRUE(test::write_fax_tiff(sent, *chart, test::TiffCoding::Uncompressed));

    Simulation sim;
    TerminalOptions rx_opts;
    rx_opts.role = TerminalOptions::Role::Receive;
    rx_opts.tiff = dir.file("received.tif");
    rx_opts.ident = "RECEIVER 9";
    rx_opts.ecm = mode.ecm;
    rx_opts.compressions = mode.compressions;
    ReferenceTerminal& rx = sim.add_terminal("5551009", rx_opts);

    TerminalOptions tx_opts;
    tx_opts.role = TerminalOptions::Role::Send;
    tx_opts.tiff = sent;
    tx_opts.ident = "SENDER 1";
    tx_opts.ecm = mode.ecm;
    tx_opts.compressions = mode.compressions;
    tx_opts.dial = "555-1009";
    ReferenceTerminal& tx = sim.add_terminal("5551001", tx_opts);

    const std::clock_t cpu0 = std::clock();
    ASSERT_TRUE(sim.run_until([&] { return tx.done() && rx.done(); }, kTwoMinutes))
        << "tx: " << tx.result().completion_text << " rx: " << rx.result().completion_text;
    const double cpu_s = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    const double sim_s = static_cast<double>(sim.now().count()) / kSampleRate;

    EXPECT_EQ(tx.result().completion_code, kT30ErrOk) << tx.result().completion_text;
    EXPECT_EQ(rx.result().completion_code, kT30ErrOk) << rx.result().completion_text;
    EXPECT_EQ(tx.result().pages, 1);
    EXPECT_EQ(rx.result().pages, 1);
    EXPECT_EQ(rx.result().ecm, mode.ecm);
    EXPECT_EQ(rx.result().compression, mode.expect_compression);
    EXPECT_EQ(rx.result().remote_ident, "SENDER 1");
    EXPECT_EQ(tx.result().remote_ident, "RECEIVER 9");
    EXPECT_EQ(rx.result().bit_rate, 14400);
    ASSERT_EQ(rx.result().files.size(), 1u);
    EXPECT_EQ(rx.result().files[0], rx_opts.tiff);

    const auto got = test::read_tiff_page(rx_opts.tiff);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->width, chart->width);
    ASSERT_EQ(got->height, chart->height);
    std::size_t differing_rows = 0;
    for (int y = 0; y < chart->height; ++y) {
        const auto off = chart->stride() * static_cast<std::size_t>(y);
        if (!std::equal(chart->bits.begin() + static_cast<std::ptrdiff_t>(off),
                        chart->bits.begin() + static_cast<std::ptrdiff_t>(off + chart->stride()),
                        got->bits.begin() + static_cast<std::ptrdiff_t>(off)))
            ++differing_rows;
    }
    EXPECT_EQ(differing_rows, 0u);

    // The exchange saw one complete call, released by a terminal.
    const auto& ev = sim.exchange().events();
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.front().kind, CallEvent::Kind::Dialing);
    EXPECT_EQ(ev.back().kind, CallEvent::Kind::HangUp);
    for (const auto& e : ev) std::cout << "  " << e.describe() << "\n";

    const double speed = sim_s / (cpu_s > 0 ? cpu_s : 1e-9);
    std::cout << "[ speed    ] " << mode.name << ": " << sim_s << " s simulated in " << cpu_s << " s CPU = " << speed
              << "x real time (call " << static_cast<double>(tx.result().call_time.count()) / kSampleRate << " s)\n";
    RecordProperty("simulated_seconds", std::to_string(sim_s));
    RecordProperty("cpu_seconds", std::to_string(cpu_s));
    RecordProperty("times_real_time", std::to_string(speed));
}

INSTANTIATE_TEST_SUITE_P(Modes, TerminalToTerminal,
                         ::testing::Values(Mode{"ecm_mmr", true, kT30SupportT4_1D | kT30SupportT4_2D | kT30SupportT6,
                                                kT4CompressionT6},
                                           Mode{"no_ecm_mr", false, kT30SupportT4_1D | kT30SupportT4_2D,
                                                kT4CompressionT4_2D},
                                           Mode{"no_ecm_mh", false, kT30SupportT4_1D, kT4CompressionT4_1D}),
                         [](const ::testing::TestParamInfo<Mode>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace fax::sim
