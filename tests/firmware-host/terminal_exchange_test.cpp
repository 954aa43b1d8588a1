// Two reference terminals through the simulated exchange: the fax world the
// host stack will be tested against must itself deliver ITU chart 1 exactly.
// Then the exchange's line faults on plain audio (probe endpoints): noise at a
// sweep of levels, gain, echo, dropouts, and the reproducible random drop.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "itu_chart.h"
#include "fax/base/log.h"
#include "fax/sim/line_fault_spec.h"
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

// Every line logged at Warn or above while alive (the default stderr sink is restored
// afterwards).
class WarningCapture {
public:
    WarningCapture() {
        log::set_sink([this](log::Level l, std::string_view component, std::string_view msg) {
            if (l >= log::Level::Warn) lines_.push_back(std::string(component) + ": " + std::string(msg));
        });
    }
    ~WarningCapture() { log::set_sink(nullptr); }
    WarningCapture(const WarningCapture&) = delete;
    WarningCapture& operator=(const WarningCapture&) = delete;
    const std::vector<std::string>& lines() const { return lines_; }

private:
    std::vector<std::string> lines_;
};

TEST_P(TerminalToTerminal, ItuChart1ArrivesPixelForPixel) {
    const Mode mode = GetParam();
    test::TempDir dir(std::string("t2t-") + mode.name);
    const auto chart = test::read_tiff_page(fax::testing::itu_chart_path(1));
    ASSERT_TRUE(chart) << "cannot read " << fax::testing::itu_chart_path(1);
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

    WarningCapture warnings;
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
    // A call that went perfectly well logs no warning (SpanDSP's own artefacts included:
    // a warning in the station's log must mean something went wrong).
    for (const auto& w : warnings.lines()) ADD_FAILURE() << "warning on a clean call: " << w;

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

// ---------------------------------------------------------------- line faults on plain audio

// A line endpoint that sends a constant sample value, answers on the first ring and
// keeps everything it hears while in a call.
class Probe final : public LineEndpoint {
public:
    Probe(Exchange& ex, std::string number, int16_t level) : ex_(ex), number_(std::move(number)), level_(level) {}
    void ring(int) override { ex_.answer(number_); }
    void call_connected() override { in_call_ = true; }
    void call_answered() override { in_call_ = true; }
    void call_failed(CallFailure) override {}
    void far_end_hung_up() override {
        in_call_ = false;
        ++hang_ups_;
    }
    void audio_tx(std::span<int16_t> out) override { std::fill(out.begin(), out.end(), in_call_ ? level_ : 0); }
    void audio_rx(std::span<const int16_t> in) override {
        if (in_call_) heard_.insert(heard_.end(), in.begin(), in.end());
    }
    const std::vector<int16_t>& heard() const { return heard_; }
    bool in_call() const { return in_call_; }
    int hang_ups() const { return hang_ups_; }

private:
    Exchange& ex_;
    std::string number_;
    int16_t level_;
    bool in_call_ = false;
    int hang_ups_ = 0;
    std::vector<int16_t> heard_;
};

// Two probes on an exchange; a (sending `a_level`) calls b (sending `b_level`).
struct ProbeLine {
    explicit ProbeLine(int16_t a_level = 0, int16_t b_level = 0) : a(ex, "100", a_level), b(ex, "200", b_level) {
        ex.add_line("100", a);
        ex.add_line("200", b);
    }
    void call() {
        ex.dial("100", "200");
        run_until([&] { return a.in_call(); }, Samples{5 * 8000});
    }
    bool run_until(const std::function<bool()>& done, Samples limit) {
        const Samples end = now + limit;
        while (!done()) {
            if (now >= end) return false;
            ex.step(now, kTick);
            now += kTick;
        }
        return true;
    }
    void run_for(Samples d) { run_until([] { return false; }, d); }
    static constexpr Samples kTick{160};
    Exchange ex;
    Probe a, b;
    Samples now{0};
};

double rms(std::span<const int16_t> x) {
    double sum = 0;
    for (int16_t v : x) sum += static_cast<double>(v) * v;
    return std::sqrt(sum / static_cast<double>(x.size()));
}

// SpanDSP's awgn_init_dbm0: rms = 32768 * 10^((dBm0 - DBM0_MAX_POWER) / 20), DBM0_MAX_POWER = 3.14 + 3.02.
double expected_noise_rms(double dbm0) { return 32768.0 * std::pow(10.0, (dbm0 - (3.14 + 3.02)) / 20.0); }

class NoiseLevel : public ::testing::TestWithParam<double> {};

TEST_P(NoiseLevel, ReachesTheLineAtTheConfiguredPower) {
    const double dbm0 = GetParam();
    ProbeLine line;  // both silent: b hears only the noise
    line.ex.set_line_noise("200", dbm0);
    line.call();
    line.run_for(Samples{2 * 8000});
    ASSERT_GE(line.b.heard().size(), 8000u);
    const double measured = 20 * std::log10(std::max(rms(line.b.heard()), 1e-9) / expected_noise_rms(dbm0));
    EXPECT_NEAR(measured, 0.0, 0.3) << "noise at " << dbm0 << " dBm0 measured " << measured << " dB off";
    // Only the line it was set on.
    EXPECT_EQ(rms(line.a.heard()), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Sweep, NoiseLevel, ::testing::Values(-70.0, -60.0, -50.0, -45.0, -40.0, -35.0, -30.0, -20.0),
                         [](const ::testing::TestParamInfo<double>& p) {
                             return "minus" + std::to_string(static_cast<int>(-p.param)) + "dBm0";
                         });

TEST(LineFaults, NoiseIsReproducibleAndSeedable) {
    auto heard = [](std::optional<std::uint32_t> seed) {
        ProbeLine line;
        LineFaults f;
        f.noise_dbm0 = -40;
        f.noise_seed = seed;
        line.ex.set_line_faults("200", f);
        line.call();
        line.run_for(Samples{8000});
        return line.b.heard();
    };
    EXPECT_EQ(heard(std::nullopt), heard(std::nullopt));
    EXPECT_EQ(heard(7u), heard(7u));
    EXPECT_NE(heard(7u), heard(8u));
}

TEST(LineFaults, GainScalesTheAudioDeliveredToTheLine) {
    ProbeLine line(1000, 1000);
    LineFaults f;
    f.gain_db = -20;
    line.ex.set_line_faults("200", f);
    line.call();
    line.run_for(Samples{8000});
    ASSERT_FALSE(line.b.heard().empty());
    for (int16_t v : line.b.heard()) ASSERT_EQ(v, 100);
    for (int16_t v : line.a.heard()) ASSERT_EQ(v, 1000);  // the other direction is untouched
}

TEST(LineFaults, DropoutsSilenceTheLineForTheirLengthEveryPeriod) {
    ProbeLine line(1000, 1000);
    LineFaults f;
    f.dropouts = LineFaults::Dropouts{Samples{80}, Samples{800}};  // 10 ms every 100 ms
    line.ex.set_line_faults("200", f);
    line.call();
    line.run_for(Samples{8000});
    const auto& h = line.b.heard();
    ASSERT_GE(h.size(), 8000u);
    // Sample t after the answer is silent iff t >= period and t mod period < length.
    for (std::size_t t = 0; t < 8000; ++t) {
        const bool silent = t >= 800 && t % 800 < 80;
        ASSERT_EQ(h[t], silent ? 0 : 1000) << "sample " << t;
    }
}

TEST(LineFaults, EchoReturnsTheLinesOwnAudioDelayedAndAttenuated) {
    ProbeLine line(1000, 0);  // b silent: all a hears is its own echo
    LineFaults f;
    f.echo = LineFaults::Echo{Samples{240}, -20};  // 30 ms, -20 dB
    line.ex.set_line_faults("100", f);
    line.call();
    line.run_for(Samples{4000});
    const auto& h = line.a.heard();
    ASSERT_GE(h.size(), 4000u);
    for (std::size_t t = 0; t < 4000; ++t) ASSERT_EQ(h[t], t < 240 ? 0 : 100) << "sample " << t;
}

// The drop points a seed gives, one per call, over `calls` consecutive calls.
std::vector<Samples> random_drops(std::uint64_t seed, int calls) {
    ProbeLine line;
    line.ex.set_line_faults("200", *parse_line_faults("drop-random=" + std::to_string(seed) + "/2-20"));
    std::vector<Samples> points;
    for (int i = 0; i < calls; ++i) {
        line.call();
        EXPECT_TRUE(line.run_until([&] { return !line.a.in_call(); }, Samples{30 * 8000}));
        EXPECT_FALSE(line.b.in_call());
        const auto& ev = line.ex.events().back();
        EXPECT_EQ(ev.kind, CallEvent::Kind::HangUp);
        EXPECT_EQ(ev.by, kReleasedByExchange);
        points.push_back(ev.duration);
    }
    return points;
}

TEST(LineFaults, RandomDropIsReproducibleFromItsSeedAndStaysInItsWindow) {
    const auto first = random_drops(7, 4);
    EXPECT_EQ(first, random_drops(7, 4));
    EXPECT_NE(first, random_drops(8, 4));
    for (Samples d : first) {
        EXPECT_GE(d, Samples{2 * 8000});
        EXPECT_LT(d, Samples{20 * 8000} + ProbeLine::kTick);
    }
    // Each call draws its own point.
    EXPECT_NE(first[0], first[1]);
}

}  // namespace
}  // namespace fax::sim
