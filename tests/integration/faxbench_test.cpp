// The benchmark tool end to end (docs/benchmarks.md): one row, through the gate, on the
// simulated line; its JSON must describe calls that completed, with SpanDSP's encoded
// size of the chart and a line time at or above the theoretical bound; and the gate, prep and calls suites on a tiny scale (they run; no figure is asserted).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
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

// --line both: the same row on the audio and the T.38 line in one run, compared. The T.38
// line keeps T.30's timing: the page costs what it costs on audio, within the 1.02 target.
TEST(Faxbench, BothLinesRunTheSameRowAndCompareThem) {
    testing::TempDir dir;
    const std::string json_path = dir.file("bench.json");
    auto bench = testing::ChildProcess::spawn({FAX_FAXBENCH_PATH, "--charts", "2", "--modes", "MMR", "--line", "both",
                                               "--suites", "lines", "calls", "--calls", "2", "--calls-stagger", "1",
                                               "--calls-measure", "1", "--json", json_path},
                                              dir.file("bench.log"));
    ASSERT_TRUE(bench.ok()) << bench.error().to_string();
    const auto status = bench->wait_for_exit(300s);
    ASSERT_TRUE(status.has_value()) << bench->output();
    ASSERT_EQ(*status, 0) << bench->output();
    EXPECT_NE(bench->output().find("T.38 line time per page / audio line's"), std::string::npos) << bench->output();
    std::ifstream in(json_path);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    ASSERT_EQ(j.at("results").size(), 1u);
    EXPECT_EQ(j.at("line").at("kind").get<std::string>(), "audio");
    const auto& t38 = j.at("lines_t38");
    EXPECT_EQ(t38.at("line").at("kind").get<std::string>(), "t38");
    ASSERT_EQ(t38.at("results").size(), 1u);
    const auto& row = t38.at("results").at(0);
    EXPECT_TRUE(row.at("ok").get<bool>());
    EXPECT_EQ(row.at("call_cover_chart_chart").at("pages_confirmed").get<int>(), 3);
    EXPECT_TRUE(row.at("call_cover_chart").at("ecm").get<bool>());
    EXPECT_GE(row.at("page_s").get<double>(), row.at("page_bound_s").get<double>());
    const auto& cmp = j.at("lines_compare").at("rows");
    ASSERT_EQ(cmp.size(), 1u);
    EXPECT_GE(cmp.at(0).at("page_ratio").get<double>(), 1.0);
    EXPECT_LE(cmp.at(0).at("page_ratio").get<double>(), 1.02);
    // Both calls suites ran, one per line.
    EXPECT_EQ(j.at("calls").at("line").get<std::string>(), "audio");
    EXPECT_EQ(j.at("calls_t38").at("line").get<std::string>(), "t38");
    EXPECT_EQ(j.at("calls_t38").at("trials").size(), 1u);
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
        {FAX_FAXBENCH_PATH, "--suites", "gate", "prep", "calls", "--work-dir", dir.path().string(),
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
    EXPECT_FALSE(gate.contains("decisions_cleared"));  // page work: the release suite's figure
    EXPECT_EQ(gate.at("decisions_refused").at("n").get<int>(), 5);
    EXPECT_EQ(gate.at("verify").at("n").get<int>(), 40);
    EXPECT_TRUE(gate.at("verify").at("chain_intact").get<bool>());

    const auto& inputs = j.at("prep").at("inputs");
    // Three PDFs (1-bit image masks, T.6 image masks, text), five TIFF compressions, and the
    // tools' process start on its own (no pages).
    ASSERT_EQ(inputs.size(), 9u);
    int start_rows = 0;
    for (const auto& row : inputs) {
        if (row.at("pages").get<int>() == 0) {  // the process-start row
            EXPECT_EQ(row.at("input").get<std::string>(), "(process start)") << row.dump();
            ++start_rows;
            continue;
        }
        EXPECT_EQ(row.at("pages").get<int>(), 8) << row.dump();
        for (const char* tool : {"faxstack", "reference"}) {
            EXPECT_TRUE(row.at(tool).at("ok").get<bool>()) << row.dump();
            EXPECT_EQ(row.at(tool).at("out_width").get<int>(), 1728) << row.dump();
            EXPECT_EQ(row.at(tool).at("out_pages").get<int>(), 8) << row.dump();
        }
    }
    EXPECT_EQ(start_rows, 1);

    const auto& trials = j.at("calls").at("trials");
    ASSERT_EQ(trials.size(), 1u);
    EXPECT_EQ(trials.at(0).at("calls").get<int>(), 2);
    EXPECT_EQ(trials.at(0).at("failed_calls").get<int>(), 0) << trials.dump();
    EXPECT_GT(trials.at(0).at("steps").get<int>(), 0);
}

// The release suite on a tiny scale (two record pages, one timed run): both documents
// went through the real faxctl and faxsim to a first byte on the modem, after the gate's
// decision, with the breakdown; no figure is asserted.
TEST(Faxbench, ReleaseSuiteTimesFaxctlSendToTheFirstByte) {
    testing::TempDir dir;
    const std::string json_path = dir.file("bench.json");
    auto bench = testing::ChildProcess::spawn(
        {FAX_FAXBENCH_PATH, "--suites", "release", "--work-dir", dir.path().string(), "--release-runs", "1",
         "--release-pages", "2", "--faxctl", FAX_FAXCTL_PATH, "--faxsim", FAX_FAXSIM_PATH, "--json", json_path},
        dir.file("bench.log"));
    ASSERT_TRUE(bench.ok()) << bench.error().to_string();
    const auto status = bench->wait_for_exit(300s);
    ASSERT_TRUE(status.has_value()) << bench->output();
    ASSERT_EQ(*status, 0) << bench->output();
    EXPECT_NE(bench->output().find("release: faxctl send to the first byte on the modem, median"), std::string::npos)
        << bench->output();

    std::ifstream in(json_path);
    ASSERT_TRUE(in.good());
    const auto j = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    const auto& docs = j.at("release").at("documents");
    ASSERT_EQ(docs.size(), 2u);
    for (const auto& d : docs) {
        EXPECT_TRUE(d.at("ok").get<bool>()) << d.dump();
        EXPECT_EQ(d.at("pages").get<int>(), 3) << d.dump();  // two record pages and the cover
        ASSERT_EQ(d.at("runs").size(), 1u) << d.dump();
        const auto& run = d.at("runs").at(0);
        EXPECT_GT(run.at("gate_decision_s").get<double>(), 0.0) << run.dump();
        EXPECT_GT(run.at("first_byte_s").get<double>(), run.at("gate_decision_s").get<double>()) << run.dump();
        std::vector<std::string> steps;
        for (const auto& s : run.at("steps")) steps.push_back(s.at("step").get<std::string>());
        ASSERT_FALSE(steps.empty());
        EXPECT_EQ(steps.front(), "exec");
        EXPECT_NE(std::find(steps.begin(), steps.end(), "document_read"), steps.end()) << run.dump();
        EXPECT_NE(std::find(steps.begin(), steps.end(), "first_byte"), steps.end()) << run.dump();
    }
}

}  // namespace
}  // namespace fax

#include <libpq-fe.h>

#include <cstdlib>

#include "pg_cluster.h"

namespace fax {
namespace {

using namespace std::chrono_literals;

nlohmann::json run_stations(const std::vector<std::string>& extra, const testing::TempDir& dir, int expected_exit) {
    const std::string json_path = dir.file("stations.json");
    std::vector<std::string> argv = {FAX_FAXBENCH_PATH, "--suites", "stations", "--work-dir", dir.path().string(),
                                     "--json", json_path};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto bench = testing::ChildProcess::spawn(argv, dir.file("stations.log"));
    EXPECT_TRUE(bench.ok()) << bench.error().to_string();
    if (!bench.ok()) return {};
    const auto status = bench->wait_for_exit(300s);
    EXPECT_TRUE(status.has_value()) << bench->output();
    EXPECT_EQ(status.value_or(-1), expected_exit) << bench->output();
    if (expected_exit != 0) return nlohmann::json{{"output", bench->output()}};
    std::ifstream in(json_path);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << bench->output();
    return j.is_discarded() ? nlohmann::json{} : j;
}

// Without --pg-url the suite says why it did not run, and `all` can include it.
TEST(Faxbench, StationsSuiteIsSkippedWithoutAServer) {
    testing::TempDir dir;
    const auto j = run_stations({}, dir, 0);
    ASSERT_TRUE(j.contains("stations")) << j.dump();
    EXPECT_NE(j.at("stations").at("skipped").get<std::string>().find("--pg-url"), std::string::npos);
}

// On a tiny scale against a throw-away cluster: the SQLite reference and one round per
// station count ran every decision, both trails verified intact; a database that is not
// empty is refused (exit 2) rather than filled.
TEST(Faxbench, StationsSuiteRunsOnAServerAndRefusesAUsedDatabase) {
    auto cluster = test::PgCluster::start();
    if (!cluster.ok()) {
        if (std::getenv("FAXSTACK_REQUIRE_POSTGRES") != nullptr) FAIL() << cluster.error().to_string();
        GTEST_SKIP() << "PostgreSQL server not available: " << cluster.error().to_string();
    }
    ASSERT_TRUE((*cluster)->create_database("bench").ok());
    const std::string url = (*cluster)->url("bench");
    testing::TempDir dir;
    const auto j = run_stations({"--pg-url", url, "--stations-decisions", "3", "--station-counts", "1", "2",
                                 "--stations-verify-entries", "40"},
                                dir, 0);
    ASSERT_TRUE(j.contains("stations")) << j.dump();
    const auto& s = j.at("stations");
    ASSERT_EQ(s.at("rounds").size(), 3u) << s.dump();
    const int stations[] = {1, 1, 2};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& r = s.at("rounds").at(i);
        EXPECT_EQ(r.at("backend").get<std::string>(), i == 0 ? "sqlite" : "postgresql");
        EXPECT_EQ(r.at("stations").get<int>(), stations[i]);
        EXPECT_FALSE(r.contains("cleared"));  // page work: the release suite's figure
        EXPECT_EQ(r.at("refused").at("n").get<int>(), 3 * stations[i]);
    }
    ASSERT_EQ(s.at("verify").size(), 2u);
    for (const auto& v : s.at("verify")) {
        EXPECT_EQ(v.at("entries").get<int>(), 40) << v.dump();
        EXPECT_TRUE(v.at("chain_intact").get<bool>()) << v.dump();
    }
    // The stations' decisions are in the shared trail: 40 built, then one cleared and 3
    // refused by each of the 1 + 2 stations, under their own names.
    auto conn = (*cluster)->connect("bench");
    ASSERT_TRUE(conn.ok()) << conn.error().to_string();
    PGresult* res = PQexec(conn->get(),
                           "SELECT count(*), count(DISTINCT station) FILTER (WHERE station LIKE 'bench-%') "
                           "FROM audit_entries");
    ASSERT_EQ(PQresultStatus(res), PGRES_TUPLES_OK) << PQresultErrorMessage(res);
    EXPECT_STREQ(PQgetvalue(res, 0, 0), "52");
    EXPECT_STREQ(PQgetvalue(res, 0, 1), "3");
    PQclear(res);
    testing::TempDir again;
    const auto refused = run_stations({"--pg-url", url, "--stations-decisions", "1", "--station-counts", "1",
                                       "--stations-verify-entries", "2"},
                                      again, 2);
    EXPECT_NE(refused.value("output", "").find("the database is not empty"), std::string::npos) << refused.dump();
}

}  // namespace
}  // namespace fax
