// The benchmark tool end to end (docs/benchmarks.md): one row, through the gate, on the
// simulated line; its JSON must describe calls that completed, with SpanDSP's encoded
// size of the chart and a line time at or above the theoretical bound.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "fixture.h"

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
