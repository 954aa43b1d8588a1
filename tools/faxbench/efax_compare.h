// Line time against efax (docs/benchmarks.md, "Against efax"): the project's sender and
// efax 0.9a (Class 1, -o1) send the same gated documents through the real faxsim binary
// (simulated t31 modems on pseudo-terminals, paced to real time) over the same exchange to
// the same kind of receiver (a SpanDSP reference terminal offering everything). All calls
// of a run are made at once, each on its own modem and to its own receiver.
//
// Line time is measured identically for both senders, from faxsim's own call events
// (simulated sample clock): from the exchange's Answered event to the first hang-up of the
// call by either side. Per chart each sender makes call A (cover + chart) and call B
// (cover + chart + chart); the page figure is B - A, as in the lines suite.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fax/base/result.h"

namespace fax::faxbench {

class BenchGate;

struct PtyCall {
    std::string sender;     // "faxstack" or "efax"
    int doc_pages = 0;      // cover included
    std::string modem;      // the calling modem's number
    std::string dial;       // the receiver's number
    int exit_status = -1;
    double answered_at = -1;  // simulated s (faxsim)
    double hangup_at = -1;
    std::string hangup_by;
    std::string received;   // faxsim's "fax received: ..." line for the receiver
    int pages_received = 0;
    bool ok = false;
    std::string failure;
    double line_s() const { return answered_at >= 0 && hangup_at >= 0 ? hangup_at - answered_at : 0; }
};

struct EfaxRow {
    int chart = 0;
    std::size_t mmr_bytes = 0;  // t4_tx T.6 of the chart (our mode)
    std::size_t mh_bytes = 0;   // t4_tx T.4 1-D (efax's)
    PtyCall ours_a, ours_b, efax_a, efax_b;
    bool ok() const { return ours_a.ok && ours_b.ok && efax_a.ok && efax_b.ok; }
    double ours_page_s() const { return ours_b.line_s() - ours_a.line_s(); }
    double efax_page_s() const { return efax_b.line_s() - efax_a.line_s(); }
};

struct EfaxOptions {
    std::string itu_dir;
    std::filesystem::path work_dir;
    std::vector<int> charts = {1, 2, 4};
    std::string faxsim;      // path of the faxsim binary
    double timeout_s = 900;  // for the whole run
    std::filesystem::path keep_logs;  // if set, faxsim's and every sender's log are copied here
};

Result<std::vector<EfaxRow>> run_efax_compare(const EfaxOptions& options);

// The child side for the project's sender: clear `tiff` through a BenchGate whose verified
// recipient has `fax`, send it over the pseudo-terminal `link` in real time, write the
// session result as JSON to `result_json`. Exit 0 when every page was confirmed.
int pty_send(const std::string& link, const std::string& tiff, const std::string& fax, const std::string& result_json);

std::string format_efax_table(const std::vector<EfaxRow>& rows);
std::string efax_json(const std::vector<EfaxRow>& rows, const EfaxOptions& o);

}  // namespace fax::faxbench
