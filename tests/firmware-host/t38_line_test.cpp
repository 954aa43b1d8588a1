// The T.38 line: the datagram channel on its own (order, loss, redundancy, reordering,
// reproducibility), then whole calls through the exchange on a T.38 line — two T.38
// reference terminals, an analogue terminal behind a T.38 gateway, and calls under
// packet loss with and without UDPTL redundancy.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "fax/base/log.h"
#include "fax/sim/line_fault_spec.h"
#include "fax/sim/simulation.h"
#include "ifp_channel.h"
#include "itu_chart.h"
#include "tiff_fixture.h"

namespace fax::sim {
namespace {

using Delivered = std::vector<std::pair<std::uint16_t, std::vector<uint8_t>>>;

Delivered drain(detail::IfpChannel& ch, Samples until) {
    Delivered out;
    ch.deliver_due(until, [&](std::span<const uint8_t> ifp, std::uint16_t seq) {
        out.emplace_back(seq, std::vector<uint8_t>(ifp.begin(), ifp.end()));
    });
    return out;
}

std::vector<uint8_t> ifp_of(std::uint16_t seq) { return {static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)}; }

// Sends 0..n-1, one IFP every 30 ms (240 samples), one copy each.
Delivered run_channel(const std::optional<LineFaults::Packets>& faults, std::uint64_t seed, int n, PacketStats* stats) {
    detail::IfpChannel ch(faults, seed, stats);
    for (int i = 0; i < n; ++i) {
        const auto seq = static_cast<std::uint16_t>(i);
        ch.send(ifp_of(seq), seq, 1, Samples{240 * i});
    }
    return drain(ch, Samples{240 * n + 8000 * 20});
}

TEST(IfpChannel, AnIdealChannelDeliversEveryPacketInOrderAtOnce) {
    detail::IfpChannel ch(std::nullopt, 1, nullptr);
    ch.send(ifp_of(7), 7, 3, Samples{100});  // 3 copies: repeats with the same number
    ch.send(ifp_of(8), 8, 1, Samples{100});
    EXPECT_EQ(ch.next_arrival(), Samples{100});
    EXPECT_TRUE(drain(ch, Samples{99}).empty()) << "nothing arrives before it was sent";
    const auto got = drain(ch, Samples{100});
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0].first, 7);
    EXPECT_EQ(got[2].first, 7);
    EXPECT_EQ(got[3].first, 8);
    EXPECT_EQ(got[3].second, ifp_of(8));
    EXPECT_TRUE(ch.idle());
}

TEST(IfpChannel, DelayShiftsArrival) {
    LineFaults::Packets p;
    p.delay = Samples{320};
    detail::IfpChannel ch(p, 1, nullptr);
    ch.send(ifp_of(1), 1, 1, Samples{1000});
    EXPECT_EQ(ch.next_arrival(), Samples{1320});
    EXPECT_TRUE(drain(ch, Samples{1319}).empty());
    EXPECT_EQ(drain(ch, Samples{1320}).size(), 1u);
}

TEST(IfpChannel, LossIsReproducibleFromTheSeedAndCounted) {
    LineFaults::Packets p;
    p.loss = 0.2;
    PacketStats a, b, c;
    const auto first = run_channel(p, 42, 500, &a);
    const auto again = run_channel(p, 42, 500, &b);
    const auto other = run_channel(p, 43, 500, &c);
    EXPECT_EQ(first, again);
    EXPECT_EQ(a, b);
    EXPECT_NE(first, other) << "another seed, another pattern";
    EXPECT_EQ(a.sent, 500u);
    EXPECT_EQ(a.lost + a.delivered, a.sent);
    // 20 % of 500: well inside 60..140 for any sane generator.
    EXPECT_GT(a.lost, 60u);
    EXPECT_LT(a.lost, 140u);
    EXPECT_EQ(first.size(), a.delivered);
}

TEST(IfpChannel, SettingOneKnobDoesNotChangeAnotherKnobsPattern) {
    LineFaults::Packets loss_only;
    loss_only.loss = 0.1;
    LineFaults::Packets loss_and_jitter = loss_only;
    loss_and_jitter.jitter = Samples{80};  // under the 240-sample spacing: order kept
    auto seqs = [](const Delivered& d) {
        std::vector<std::uint16_t> s;
        for (const auto& x : d) s.push_back(x.first);
        return s;
    };
    EXPECT_EQ(seqs(run_channel(loss_only, 9, 300, nullptr)), seqs(run_channel(loss_and_jitter, 9, 300, nullptr)));
}

TEST(IfpChannel, BurstsLoseConsecutiveDatagrams) {
    LineFaults::Packets p;
    p.loss = 0.05;
    p.burst = 4;
    PacketStats st;
    const auto got = run_channel(p, 5, 1000, &st);
    ASSERT_GT(st.lost, 0u);
    EXPECT_EQ(st.lost % 4, 0u) << "every loss event loses 4 (none at the end here)";
    std::uint16_t prev = got.front().first;
    bool saw_gap_of_4 = false;
    for (std::size_t i = 1; i < got.size(); ++i) {
        const int gap = got[i].first - prev - 1;
        EXPECT_EQ(gap % 4, 0) << "after " << prev;
        saw_gap_of_4 = saw_gap_of_4 || gap == 4;
        prev = got[i].first;
    }
    EXPECT_TRUE(saw_gap_of_4);
}

TEST(IfpChannel, RedundancyRecoversWhatALaterDatagramCarries) {
    LineFaults::Packets p;
    p.loss = 0.1;
    p.redundancy = 2;
    PacketStats st;
    const auto got = run_channel(p, 11, 1000, &st);
    ASSERT_GT(st.lost, 0u);
    EXPECT_GT(st.recovered, 0u);
    // With redundancy 2, any run of at most 2 lost datagrams is recovered in full: what
    // reaches the endpoint is in order, and a gap is left only after a longer run.
    std::vector<bool> seen(1000, false);
    std::uint16_t prev = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (i > 0) {
            EXPECT_GT(got[i].first, prev) << "in order";
        }
        prev = got[i].first;
        seen[got[i].first] = true;
        EXPECT_EQ(got[i].second, ifp_of(got[i].first)) << "a recovered IFP is the original";
    }
    PacketStats without;
    LineFaults::Packets q = p;
    q.redundancy = 0;
    const auto plain = run_channel(q, 11, 1000, &without);
    EXPECT_EQ(without.lost, st.lost) << "same seed, same losses";
    EXPECT_EQ(plain.size() + st.recovered, got.size());
}

TEST(IfpChannel, ReorderedDatagramsArriveLateAndAreCounted) {
    LineFaults::Packets p;
    p.reorder = 0.2;
    p.reorder_by = Samples{400};  // over the 240-sample spacing: overtaken by the next
    PacketStats st;
    const auto got = run_channel(p, 3, 200, &st);
    EXPECT_EQ(got.size(), 200u);
    EXPECT_GT(st.reordered, 0u);
    int inversions = 0;
    for (std::size_t i = 1; i < got.size(); ++i)
        if (got[i].first < got[i - 1].first) ++inversions;
    EXPECT_GT(inversions, 0);
}

TEST(LineFaultSpec, PacketItemsRoundTrip) {
    auto f = parse_line_faults("loss=2.5/3,delay=40ms,jitter=20ms,reorder=5/60ms,redundancy=3,packet-seed=77");
    ASSERT_TRUE(f) << f.error().to_string();
    ASSERT_TRUE(f->packets);
    EXPECT_DOUBLE_EQ(f->packets->loss, 0.025);
    EXPECT_EQ(f->packets->burst, 3);
    EXPECT_EQ(f->packets->delay, Samples{320});
    EXPECT_EQ(f->packets->jitter, Samples{160});
    EXPECT_DOUBLE_EQ(f->packets->reorder, 0.05);
    EXPECT_EQ(f->packets->reorder_by, Samples{480});
    EXPECT_EQ(f->packets->redundancy, 3);
    EXPECT_EQ(f->packets->seed, 77u);
    auto again = parse_line_faults(to_spec(*f));
    ASSERT_TRUE(again) << to_spec(*f);
    EXPECT_EQ(*again, *f);
    auto zero = parse_line_faults("loss=0");
    ASSERT_TRUE(zero);
    EXPECT_EQ(*parse_line_faults(to_spec(*zero)), *zero);
    for (const char* bad : {"loss=101", "loss=5/0", "redundancy=5", "delay=11s", "reorder=5/0ms", "loss=x"}) {
        auto r = parse_line_faults(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find(std::string(bad).substr(0, 4)), std::string::npos) << r.error().message;
    }
}

// ---------------------------------------------------------------- calls on a T.38 line

struct Call {
    bool ecm = true;
    int compressions = kT30SupportT4_1D | kT30SupportT4_2D | kT30SupportT6;
    bool sender_behind_gateway = false;
    bool receiver_behind_gateway = false;
    std::optional<LineFaults::Packets> faults;  // on both lines
};

struct CallResult {
    bool done = false;
    TerminalResult tx, rx;
    PacketStats to_rx, to_tx;
    std::size_t differing_rows = 0;
    bool image_read = false;
    std::vector<std::string> events;
};

CallResult place_call(const Call& c, const std::string& tag) {
    test::TempDir dir("t38-" + tag);
    const auto chart = test::read_tiff_page(fax::testing::itu_chart_path(1));
    CallResult out;
    if (!chart) return out;
    const std::string sent = dir.file("sent.tif");
    if (!test::write_fax_tiff(sent, *chart, test::TiffCoding::G4)) return out;
    ExchangeOptions xo;
    xo.line_kind = LineKind::T38;
    Simulation sim(Samples{160}, xo);
    if (c.sender_behind_gateway) sim.exchange().set_behind_gateway("5551001");
    if (c.receiver_behind_gateway) sim.exchange().set_behind_gateway("5551009");
    if (c.faults) {
        LineFaults f;
        f.packets = c.faults;
        sim.exchange().set_line_faults("5551001", f);
        sim.exchange().set_line_faults("5551009", f);
    }
    TerminalOptions rxo;
    rxo.role = TerminalOptions::Role::Receive;
    rxo.tiff = dir.file("received.tif");
    rxo.ident = "RECEIVER 9";
    rxo.ecm = c.ecm;
    rxo.compressions = c.compressions;
    ReferenceTerminal& rx = sim.add_terminal("5551009", rxo);
    TerminalOptions txo;
    txo.role = TerminalOptions::Role::Send;
    txo.tiff = sent;
    txo.ident = "SENDER 1";
    txo.ecm = c.ecm;
    txo.compressions = c.compressions;
    txo.dial = "5551009";
    ReferenceTerminal& tx = sim.add_terminal("5551001", txo);
    out.done = sim.run_until([&] { return tx.done() && rx.done(); }, Samples{8000 * 240});
    out.tx = tx.result();
    out.rx = rx.result();
    out.to_rx = sim.exchange().packet_stats("5551009");
    out.to_tx = sim.exchange().packet_stats("5551001");
    for (const auto& e : sim.exchange().events()) out.events.push_back(e.describe());
    if (out.rx.pages == 1) {
        const auto got = test::read_tiff_page(rxo.tiff);
        if (got && got->height == chart->height && got->width == chart->width) {
            out.image_read = true;
            for (int y = 0; y < chart->height; ++y) {
                const auto off = static_cast<std::ptrdiff_t>(chart->stride() * static_cast<std::size_t>(y));
                if (!std::equal(chart->bits.begin() + off, chart->bits.begin() + off + static_cast<std::ptrdiff_t>(chart->stride()),
                                got->bits.begin() + off))
                    ++out.differing_rows;
            }
        }
    }
    return out;
}

void expect_delivered(const CallResult& r) {
    ASSERT_TRUE(r.done) << "tx: " << r.tx.completion_text << " rx: " << r.rx.completion_text;
    EXPECT_EQ(r.tx.completion_code, kT30ErrOk) << r.tx.completion_text;
    EXPECT_EQ(r.rx.completion_code, kT30ErrOk) << r.rx.completion_text;
    EXPECT_EQ(r.rx.pages, 1);
    EXPECT_EQ(r.rx.remote_ident, "SENDER 1");
    EXPECT_EQ(r.tx.remote_ident, "RECEIVER 9");
    EXPECT_EQ(r.rx.bit_rate, 14400);
    ASSERT_TRUE(r.image_read);
    EXPECT_EQ(r.differing_rows, 0u);
}

TEST(T38Line, TerminalToTerminalEcmMmrIsPixelExact) {
    const auto r = place_call({}, "ecm");
    expect_delivered(r);
    EXPECT_TRUE(r.rx.ecm);
    EXPECT_EQ(r.rx.compression, kT4CompressionT6);
    // It went as packets, both ways.
    EXPECT_GT(r.to_rx.ifp, 100u);
    EXPECT_GT(r.to_tx.ifp, 10u);
    EXPECT_EQ(r.to_rx.lost, 0u);
}

TEST(T38Line, TerminalToTerminalNonEcmIsPixelExact) {
    Call c;
    c.ecm = false;
    c.compressions = kT30SupportT4_1D | kT30SupportT4_2D;
    const auto r = place_call(c, "mr");
    expect_delivered(r);
    EXPECT_FALSE(r.rx.ecm);
    EXPECT_GT(r.to_rx.ifp, 100u);
}

TEST(T38Line, AnalogueSenderThroughAGatewayIsPixelExact) {
    for (bool ecm : {true, false}) {
        SCOPED_TRACE(ecm ? "ECM" : "no ECM");
        Call c;
        c.ecm = ecm;
        c.sender_behind_gateway = true;
        const auto r = place_call(c, ecm ? "gw-ecm" : "gw");
        expect_delivered(r);
        EXPECT_EQ(r.rx.ecm, ecm);
        EXPECT_GT(r.to_rx.ifp, 100u) << "the receiver got packets from the gateway";
    }
}

TEST(T38Line, AnalogueReceiverThroughAGatewayIsPixelExact) {
    Call c;
    c.receiver_behind_gateway = true;
    const auto r = place_call(c, "gw-rx");
    expect_delivered(r);
    EXPECT_GT(r.to_tx.ifp, 10u);
}

TEST(T38Line, RedundancyCarriesACallThroughPacketLossReproducibly) {
    Call c;
    LineFaults::Packets p;
    p.loss = 0.02;
    p.redundancy = 3;
    p.seed = 1234;
    c.faults = p;
    const auto a = place_call(c, "loss-a");
    expect_delivered(a);
    EXPECT_GT(a.to_rx.lost, 0u);
    EXPECT_GT(a.to_rx.recovered, 0u);
    const auto b = place_call(c, "loss-b");
    EXPECT_EQ(a.to_rx, b.to_rx) << "same seed, same datagrams";
    EXPECT_EQ(a.to_tx, b.to_tx);
    EXPECT_EQ(a.events, b.events);
}

TEST(T38Line, HeavyLossWithoutRedundancyEndsTheCallCleanly) {
    Call c;
    LineFaults::Packets p;
    p.loss = 0.3;
    p.seed = 99;
    c.faults = p;
    const auto r = place_call(c, "heavy");
    // Whatever T.30 makes of it, both ends finish: no hang, and no page is claimed that
    // did not arrive whole.
    ASSERT_TRUE(r.done) << "tx: " << r.tx.completion_text << " rx: " << r.rx.completion_text;
    EXPECT_GT(r.to_rx.lost, 0u);
    if (r.rx.pages == 1 && r.image_read && r.rx.ecm) {
        EXPECT_EQ(r.differing_rows, 0u) << "ECM pages are exact or absent";
    }
}

}  // namespace
}  // namespace fax::sim
