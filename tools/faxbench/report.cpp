#include "report.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace fax::faxbench {

double ChartResult::cpu_per_line_s() const {
    const double sim = call_a.simulated_s + call_b.simulated_s;
    return sim > 0 ? (call_a.cpu_s + call_b.cpu_s) / sim : 0;
}

Summary summarise(const std::vector<ChartResult>& results, const Targets& targets) {
    Summary s;
    double sim = 0, cpu = 0;
    bool first_rt = true;
    for (const auto& r : results) {
        if (!r.ok()) {
            s.all_calls_ok = false;
            continue;
        }
        sim += r.call_a.simulated_s + r.call_b.simulated_s;
        cpu += r.call_a.cpu_s + r.call_b.cpu_s;
        const double x = r.cpu_per_line_s() > 0 ? 1.0 / r.cpu_per_line_s() : 0;
        if (first_rt || x < s.min_x_realtime) s.min_x_realtime = x;
        first_rt = false;
        if (r.ecm) {
            if (r.page_ratio() > s.worst_mmr_page_ratio) {
                s.worst_mmr_page_ratio = r.page_ratio();
                s.worst_mmr_chart = r.chart;
            }
            s.worst_mmr_call_ratio = std::max(s.worst_mmr_call_ratio, r.call_ratio());
        }
    }
    s.overall_x_realtime = cpu > 0 ? sim / cpu : 0;
    s.mmr_target_met = s.all_calls_ok && s.worst_mmr_page_ratio > 0 && s.worst_mmr_page_ratio <= targets.mmr_page_ratio;
    s.realtime_target_met = s.all_calls_ok && s.min_x_realtime >= targets.x_realtime;
    return s;
}

std::string format_table(const std::vector<ChartResult>& results, const Summary& summary, const Targets& targets) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%-5s %-8s %8s %8s %8s %6s %8s %8s %6s %9s %8s\n", "chart", "mode", "bytes",
                  "page s", "bound s", "ratio", "call s", "bound s", "ratio", "CPU ms/s", "x real");
    out += line;
    out += std::string(94, '-') + "\n";
    for (const auto& r : results) {
        if (!r.ok()) {
            std::snprintf(line, sizeof line, "%-5d %-8s %8zu  FAILED: %s\n", r.chart, r.mode.c_str(), r.chart_bytes,
                          (!r.call_a.ok ? r.call_a.failure : r.call_b.failure).c_str());
            out += line;
            continue;
        }
        const double cpu = r.cpu_per_line_s();
        std::snprintf(line, sizeof line, "%-5d %-8s %8zu %8.2f %8.2f %6.3f %8.2f %8.2f %6.3f %9.3f %8.0f\n", r.chart,
                      r.mode.c_str(), r.chart_bytes, r.page_s, r.page_bound_s, r.page_ratio(), r.call_a.answer_to_dcn_s,
                      r.call_bound_s, r.call_ratio(), cpu * 1000.0, cpu > 0 ? 1.0 / cpu : 0.0);
        out += line;
    }
    out += "\n";
    std::snprintf(line, sizeof line, "MMR+ECM page / bound, worst: %.3f (chart %d); target <= %.2f: %s\n",
                  summary.worst_mmr_page_ratio, summary.worst_mmr_chart, targets.mmr_page_ratio,
                  summary.mmr_target_met ? "met" : "NOT met");
    out += line;
    std::snprintf(line, sizeof line, "MMR+ECM call (cover + chart) / bound, worst: %.3f\n", summary.worst_mmr_call_ratio);
    out += line;
    std::snprintf(line, sizeof line, "simulation speed: %.0fx real time overall, %.0fx worst; target >= %.0fx: %s\n",
                  summary.overall_x_realtime, summary.min_x_realtime, targets.x_realtime,
                  summary.realtime_target_met ? "met" : "NOT met");
    out += line;
    if (!summary.all_calls_ok) out += "some calls FAILED: their rows do not count\n";
    return out;
}

namespace {

nlohmann::json call_json(const CallMeasurement& c) {
    return {{"ok", c.ok},
            {"failure", c.failure},
            {"pages_confirmed", c.pages_confirmed},
            {"terminal_pages", c.terminal_pages},
            {"answer_to_dcn_s", c.answer_to_dcn_s},
            {"answer_to_phase_e_s", c.answer_to_phase_e_s},
            {"offhook_s", c.offhook_s},
            {"simulated_s", c.simulated_s},
            {"cpu_s", c.cpu_s},
            {"bit_rate", c.bit_rate},
            {"compression", c.compression},
            {"ecm", c.ecm}};
}

}  // namespace

std::string to_json(const std::vector<ChartResult>& results, const Summary& summary, const Targets& targets,
                    const BoundModel& model, const std::string& build_type) {
    nlohmann::json j;
    j["tool"] = "faxbench";
    j["build_type"] = build_type;
    j["line"] = {{"kind", results.empty() ? std::string("audio") : results.front().line},
                 {"modem", "V.17"}, {"bit_rate", model.bit_rate}, {"resolution", "R8x15.4 (fine)"}, {"noise", "none"}};
    j["bound_model"] = {{"first_page_overhead_s", model.first_page_overhead_s},
                        {"further_page_nonecm_s", model.further_page_nonecm_s},
                        {"further_page_ecm_s", model.further_page_ecm_s},
                        {"ecm_factor", model.ecm_factor},
                        {"partial_page_bytes", model.partial_page_bytes},
                        {"extra_partial_page_s", model.extra_partial_page_s},
                        {"dcn_s", model.dcn_s}};
    j["attribution"] =
        "page_s = (cover+chart+chart) - (cover+chart), answer to DCN; call_s = cover+chart, answer to DCN";
    auto& rows = j["results"];
    rows = nlohmann::json::array();
    for (const auto& r : results) {
        const double cpu = r.cpu_per_line_s();
        rows.push_back({{"chart", r.chart},
                        {"mode", r.mode},
                        {"ecm", r.ecm},
                        {"chart_bytes", r.chart_bytes},
                        {"cover_bytes", r.cover_bytes},
                        {"ok", r.ok()},
                        {"page_s", r.page_s},
                        {"page_bound_s", r.page_bound_s},
                        {"page_ratio", r.page_ratio()},
                        {"call_s", r.call_a.answer_to_dcn_s},
                        {"call_bound_s", r.call_bound_s},
                        {"call_ratio", r.call_ratio()},
                        {"cpu_s_per_line_s", cpu},
                        {"x_realtime", cpu > 0 ? 1.0 / cpu : 0.0},
                        {"call_cover_chart", call_json(r.call_a)},
                        {"call_cover_chart_chart", call_json(r.call_b)}});
    }
    j["summary"] = {{"all_calls_ok", summary.all_calls_ok},
                    {"worst_mmr_page_ratio", summary.worst_mmr_page_ratio},
                    {"worst_mmr_chart", summary.worst_mmr_chart},
                    {"worst_mmr_call_ratio", summary.worst_mmr_call_ratio},
                    {"mmr_page_ratio_target", targets.mmr_page_ratio},
                    {"mmr_target_met", summary.mmr_target_met},
                    {"min_x_realtime", summary.min_x_realtime},
                    {"overall_x_realtime", summary.overall_x_realtime},
                    {"x_realtime_target", targets.x_realtime},
                    {"realtime_target_met", summary.realtime_target_met}};
    return j.dump(2) + "\n";
}

std::vector<LineComparison> compare_lines(const std::vector<ChartResult>& audio, const std::vector<ChartResult>& t38) {
    std::vector<LineComparison> out;
    for (const auto& a : audio) {
        const auto t = std::find_if(t38.begin(), t38.end(),
                                    [&](const ChartResult& r) { return r.chart == a.chart && r.mode == a.mode; });
        if (t == t38.end() || !a.ok() || !t->ok()) continue;
        LineComparison c;
        c.chart = a.chart;
        c.mode = a.mode;
        c.page_audio_s = a.page_s;
        c.page_t38_s = t->page_s;
        c.call_audio_s = a.call_a.answer_to_dcn_s;
        c.call_t38_s = t->call_a.answer_to_dcn_s;
        c.x_audio = a.cpu_per_line_s() > 0 ? 1.0 / a.cpu_per_line_s() : 0;
        c.x_t38 = t->cpu_per_line_s() > 0 ? 1.0 / t->cpu_per_line_s() : 0;
        out.push_back(c);
    }
    return out;
}

std::string format_comparison(const std::vector<LineComparison>& rows, const Targets& targets) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%-5s %-8s %9s %9s %7s %9s %9s %7s %9s %9s %7s\n", "chart", "mode", "page au s",
                  "page t38", "t38/au", "call au s", "call t38", "t38/au", "x real au", "x real t38", "t38/au");
    out += line;
    out += std::string(100, '-') + "\n";
    double worst_page = 0, worst_call = 0;
    for (const auto& c : rows) {
        std::snprintf(line, sizeof line, "%-5d %-8s %9.2f %9.2f %7.3f %9.2f %9.2f %7.3f %9.0f %9.0f %7.1f\n", c.chart,
                      c.mode.c_str(), c.page_audio_s, c.page_t38_s, c.page_ratio(), c.call_audio_s, c.call_t38_s,
                      c.call_ratio(), c.x_audio, c.x_t38, c.x_audio > 0 ? c.x_t38 / c.x_audio : 0.0);
        out += line;
        worst_page = std::max(worst_page, c.page_ratio());
        worst_call = std::max(worst_call, c.call_ratio());
    }
    out += "\n";
    std::snprintf(line, sizeof line, "T.38 line time per page / audio line's, worst: %.3f; target <= %.2f: %s\n",
                  worst_page, targets.t38_vs_audio,
                  !rows.empty() && worst_page <= targets.t38_vs_audio ? "met" : "NOT met");
    out += line;
    std::snprintf(line, sizeof line, "T.38 line time per call (cover + chart) / audio line's, worst: %.3f\n", worst_call);
    out += line;
    return out;
}

std::string comparison_json(const std::vector<LineComparison>& rows, const Targets& targets) {
    nlohmann::json j;
    j["t38_vs_audio_target"] = targets.t38_vs_audio;
    auto& a = j["rows"];
    a = nlohmann::json::array();
    double worst_page = 0, worst_call = 0;
    for (const auto& c : rows) {
        a.push_back({{"chart", c.chart},
                     {"mode", c.mode},
                     {"page_audio_s", c.page_audio_s},
                     {"page_t38_s", c.page_t38_s},
                     {"page_ratio", c.page_ratio()},
                     {"call_audio_s", c.call_audio_s},
                     {"call_t38_s", c.call_t38_s},
                     {"call_ratio", c.call_ratio()},
                     {"x_realtime_audio", c.x_audio},
                     {"x_realtime_t38", c.x_t38}});
        worst_page = std::max(worst_page, c.page_ratio());
        worst_call = std::max(worst_call, c.call_ratio());
    }
    j["worst_page_ratio"] = worst_page;
    j["worst_call_ratio"] = worst_call;
    j["target_met"] = !rows.empty() && worst_page <= targets.t38_vs_audio;
    return j.dump(2) + "\n";
}

}  // namespace fax::faxbench
