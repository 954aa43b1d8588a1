// The benchmark's figures, as a table for a person and as JSON for tools.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "call_run.h"
#include "line_bound.h"

namespace fax::faxbench {

// One chart in one mode. Two calls were made: cover + chart ("call A") and cover +
// chart + chart ("call B"); the chart page's line time is B - A (answer to DCN), i.e.
// what one more page of that chart costs as a further page of a call.
struct ChartResult {
    std::string line = "audio";  // sim::to_string(LineKind)
    int chart = 0;
    std::string mode;
    bool ecm = false;
    std::size_t chart_bytes = 0;   // t4_tx, this mode's coding
    std::size_t cover_bytes = 0;   // the gate's cover sheet, same coding
    CallMeasurement call_a;        // cover + chart
    CallMeasurement call_b;        // cover + chart + chart
    double page_s = 0;             // call_b - call_a, answer to DCN
    double page_bound_s = 0;       // further_page_bound(chart_bytes)
    double call_bound_s = 0;       // call_bound({cover, chart})
    bool ok() const { return call_a.ok && call_b.ok; }
    double page_ratio() const { return page_bound_s > 0 ? page_s / page_bound_s : 0; }
    double call_ratio() const { return call_bound_s > 0 ? call_a.answer_to_dcn_s / call_bound_s : 0; }
    double cpu_per_line_s() const;  // CPU seconds per simulated second, both calls
};

struct Targets {
    double mmr_page_ratio = 1.10;  // MMR+ECM page line time within 1.10x of the bound
    double x_realtime = 1000.0;    // simulation at least 1000x real time (audio line)
    double x_realtime_t38 = 10000.0;  // ... and 10000x on the T.38 line
    double t38_vs_audio = 1.02;       // T.38 line time per page within 1.02x of the audio line's
};

// The same chart and mode on both lines (--line both).
struct LineComparison {
    int chart = 0;
    std::string mode;
    double page_audio_s = 0, page_t38_s = 0;  // page line time (B - A, answer to DCN)
    double call_audio_s = 0, call_t38_s = 0;  // call A, answer to DCN
    double x_audio = 0, x_t38 = 0;            // simulated seconds per CPU second, both calls
    double page_ratio() const { return page_audio_s > 0 ? page_t38_s / page_audio_s : 0; }
    double call_ratio() const { return call_audio_s > 0 ? call_t38_s / call_audio_s : 0; }
};
std::vector<LineComparison> compare_lines(const std::vector<ChartResult>& audio, const std::vector<ChartResult>& t38);
std::string format_comparison(const std::vector<LineComparison>& rows, const Targets& targets);
std::string comparison_json(const std::vector<LineComparison>& rows, const Targets& targets);

struct Summary {
    double worst_mmr_page_ratio = 0;
    int worst_mmr_chart = 0;
    double worst_mmr_call_ratio = 0;
    double min_x_realtime = 0;
    double overall_x_realtime = 0;  // all simulated seconds / all CPU seconds
    bool all_calls_ok = true;
    bool mmr_target_met = false;
    bool realtime_target_met = false;
};

Summary summarise(const std::vector<ChartResult>& results, const Targets& targets);
std::string format_table(const std::vector<ChartResult>& results, const Summary& summary, const Targets& targets);
std::string to_json(const std::vector<ChartResult>& results, const Summary& summary, const Targets& targets,
                    const BoundModel& model, const std::string& build_type);

}  // namespace fax::faxbench
