// The benchmark tool end to end (docs/benchmarks.md): one row, through the gate, on the
// simulated line; its JSON must describe calls that completed, with SpanDSP's encoded
// size of the chart and a line time at or above the theoretical bound; and the gate, prep and calls suites on a tiny scale (they run; no figure is asserted).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "peer.h"
#include "release_fixture.h"

namespace fax {
namespace {

using namespace std::chrono_literals;

TEST(Faxbench, OneRowCompletesThroughTheGateAndWritesJson) {
    testing::TempDir dir;
    const std::string json_path = dir.file("bench.json");
    auto bench = testing::ChildProcess::spawn(
        {FAX_FAXBENCH_PATH, "--charts", "2", "--modes", "MMR", "--json", json_path}, dir.file("bench.log"));
    ASSERT_TRUE(bench.ok()) << bench.error().to_string();
    const auto status = bench->wait_for_exit(300s);
    ASSERT_TRUE(status.has_value()) << bench->output();
    ASSERT_EQ(*status, 0) << bench->output();
    EXPECT_NE(bench->output().find("MMR+ECM page / bound"), std::string::npos) << bench->output();

    std::ifstream in(json_path);
    ASSERT_TRUE(in.good());
    const auto j = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    ASSERT_EQ(j.at("results").size(), 1u);
    const auto& row = j.at("results").at(0);
    EXPECT_EQ(row.at("chart").get<int>(), 2);
    EXPECT_EQ(row.at("mode").get<std::string>(), "MMR+ECM");
    EXPECT_TRUE(row.at("ok").get<bool>());
    // T.6 of chart 2 by SpanDSP 0.0.6's t4_tx (deterministic).
    EXPECT_EQ(row.at("chart_bytes").get<int>(), 10803);
    // Cover + chart and cover + chart + chart: 2 and 3 pages confirmed, at V.17 with ECM.
    EXPECT_EQ(row.at("call_cover_chart").at("pages_confirmed").get<int>(), 2);
    EXPECT_EQ(row.at("call_cover_chart_chart").at("pages_confirmed").get<int>(), 3);
    EXPECT_EQ(row.at("call_cover_chart").at("bit_rate").get<int>(), 14400);
    EXPECT_TRUE(row.at("call_cover_chart").at("ecm").get<bool>());
    // A line time below the lower bound would mean the measurement or the bound is wrong.
    EXPECT_GE(row.at("page_s").get<double>(), row.at("page_bound_s").get<double>());
    EXPECT_GE(row.at("call_s").get<double>(), row.at("call_bound_s").get<double>());
    EXPECT_GT(row.at("x_realtime").get<double>(), 0.0);
}

}  // namespace
}  // namespace fax

namespace fax {
namespace {

using namespace std::chrono_literals;

// The other suites on a tiny scale: they run, and their JSON holds what they measured.
// No figure is asserted (they depend on the machine); only that the work was done.
TEST(Faxbench, GatePrepAndCallsSuitesRunAndWriteJson) {
    if (auto why = testing::missing_peer("/usr/bin/gs", "ghostscript")) GTEST_SKIP() << *why;
    testing::TempDir dir;
    const std::string json_path = dir.file("bench.json");
    auto bench = testing::ChildProcess::spawn(
        {FAX_FAXBENCH_PATH, "--suites", "gate", "prep", "calls", "--work-dir", dir.path().string(), "--gate-cleared", "3",
         "--gate-refused", "5", "--verify-entries", "40", "--prep-copies", "1", "--prep-runs", "1", "--calls", "2",
         "--calls-stagger", "1", "--calls-measure", "1", "--json", json_path},
        dir.file("bench.log"));
    ASSERT_TRUE(bench.ok()) << bench.error().to_string();
    const auto status = bench->wait_for_exit(300s);
    ASSERT_TRUE(status.has_value()) << bench->output();
    ASSERT_EQ(*status, 0) << bench->output();

    std::ifstream in(json_path);
    ASSERT_TRUE(in.good());
    const auto j = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    const auto& gate = j.at("gate");
    EXPECT_EQ(gate.at("decisions_cleared").at("n").get<int>(), 3);
    EXPECT_EQ(gate.at("decisions_refused").at("n").get<int>(), 5);
    EXPECT_EQ(gate.at("verify").at("n").get<int>(), 40);
    EXPECT_TRUE(gate.at("verify").at("chain_intact").get<bool>());

    const auto& inputs = j.at("prep").at("inputs");
    ASSERT_EQ(inputs.size(), 7u);  // two PDFs, five TIFF compressions
    for (const auto& row : inputs) {
        EXPECT_EQ(row.at("pages").get<int>(), 8) << row.dump();
        for (const char* tool : {"faxstack", "reference"}) {
            EXPECT_TRUE(row.at(tool).at("ok").get<bool>()) << row.dump();
            EXPECT_EQ(row.at(tool).at("out_width").get<int>(), 1728) << row.dump();
            EXPECT_EQ(row.at(tool).at("out_pages").get<int>(), 8) << row.dump();
        }
    }

    const auto& trials = j.at("calls").at("trials");
    ASSERT_EQ(trials.size(), 1u);
    EXPECT_EQ(trials.at(0).at("calls").get<int>(), 2);
    EXPECT_EQ(trials.at(0).at("failed_calls").get<int>(), 0) << trials.dump();
    EXPECT_GT(trials.at(0).at("steps").get<int>(), 0);
}

}  // namespace
}  // namespace fax
