#include "efax_compare.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "bench_gate.h"
#include "child_run.h"
#include "encoded_size.h"
#include "fax/station/modem_port.h"
#include "fax/t30/realtime_runner.h"
#include "fax/t30/session_driver.h"
#include "fax/t30/tiff_io.h"
#include "itu_charts.h"
#include "line_bound.h"

namespace fax::faxbench {
namespace {

constexpr const char* kEfax = "/usr/bin/efax";

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool wait_for_text(const std::string& path, const std::string& text, double timeout_s) {
    const double end = wall_seconds() + timeout_s;
    while (wall_seconds() < end) {
        if (read_file(path).find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

// faxsim's event lines: "%10.3f s  FROM -> TO  answered", "... hang-up by X, call duration ...",
// and per receiver "%10.3f s  NUMBER  fax received: N page(s), ...".
void read_events(const std::string& log, std::vector<PtyCall*>& calls) {
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        double t = 0;
        char a[64] = {0}, b[64] = {0};
        if (std::sscanf(line.c_str(), "%lf s %63s -> %63s", &t, a, b) == 3) {
            for (PtyCall* c : calls) {
                if (c->modem != a || c->dial != b) continue;
                if (line.find("  answered") != std::string::npos && c->answered_at < 0) c->answered_at = t;
                const auto h = line.find("  hang-up by ");
                if (h != std::string::npos && c->hangup_at < 0) {
                    c->hangup_at = t;
                    const auto by = line.substr(h + 13);
                    c->hangup_by = by.substr(0, by.find(','));
                }
            }
            continue;
        }
        if (std::sscanf(line.c_str(), "%lf s %63s", &t, a) == 2 && line.find("fax received: ") != std::string::npos) {
            for (PtyCall* c : calls)
                if (c->dial == a) {
                    c->received = line.substr(line.find("fax received: ") + 14);
                    c->pages_received = std::atoi(c->received.c_str());
                }
        }
    }
}

}  // namespace

int pty_send(const std::string& link, const std::string& tiff, const std::string& fax, const std::string& result_json) {
    nlohmann::json j;
    auto finish = [&](bool ok, const std::string& failure) {
        j["ok"] = ok;
        j["failure"] = failure;
        std::ofstream(result_json) << j.dump() << "\n";
        return ok ? 0 : 1;
    };
    auto gate = BenchGate::create();
    if (!gate) return finish(false, gate.error().to_string());
    if (auto s = (*gate)->add_verified_recipient("pty-receiver", fax); !s) return finish(false, s.error().to_string());
    auto release = (*gate)->clear(tiff, "pty-receiver");
    if (!release) return finish(false, release.error().to_string());
    const int pages = release->page_count();
    station::ModemConfig mc;  // faxsim's modem on a pty, as a station would configure it
    mc.device = link;
    mc.flow = hal::FlowControl::None;
    mc.profile = "generic";
    mc.modem_class = "1";
    station::ModemPort port(mc, station::PortEnvironment{});
    if (auto s = port.open(); !s) return finish(false, s.error().to_string());
    if (auto s = port.identify(); !s) return finish(false, s.error().to_string());
    auto session = port.make_session(station::SendRole{std::move(*release), job::Tuning{}, "FAXSTACK"});
    if (!session) return finish(false, session.error().to_string());
    t30::RealtimeOptions ro;
    ro.limit = std::chrono::seconds(600);
    auto run = t30::run_realtime(**session, port.transport(), ro);
    const auto& r = (*session)->result();
    j["pages"] = pages;
    j["pages_confirmed"] = r.pages_confirmed;
    j["bit_rate"] = r.bit_rate;
    j["compression"] = r.compression;
    j["ecm"] = r.ecm;
    j["offhook_s"] = r.line_seconds;
    if (!run) return finish(false, run.error().to_string());
    if (!r.status.ok()) return finish(false, r.status.error().to_string());
    if (!r.call_completed) return finish(false, "call not completed: " + r.completion_text);
    if (r.pages_confirmed != pages) return finish(false, std::to_string(r.pages_confirmed) + " of " + std::to_string(pages) + " pages confirmed");
    return finish(true, "");
}

Result<std::vector<EfaxRow>> run_efax_compare(const EfaxOptions& o) {
    auto gate = BenchGate::create(o.work_dir);
    if (!gate) return fail(gate.take_error());
    auto& g = **gate;
    const auto dir = g.scratch();
    std::vector<EfaxRow> rows(o.charts.size());
    std::vector<PtyCall*> calls;
    std::vector<std::vector<std::string>> docs;  // per call: the TIFF(s) handed to the sender
    std::vector<std::string> faxsim_args = {o.faxsim};
    for (std::size_t r = 0; r < o.charts.size(); ++r) {
        const int chart = o.charts[r];
        auto page = read_chart(o.itu_dir, chart);
        if (!page) return fail(page.take_error());
        const std::string one = (dir / ("chart" + std::to_string(chart) + ".tif")).string();
        const std::string two_pages = (dir / ("chart" + std::to_string(chart) + "x2.tif")).string();
        FAX_TRY(t30::write_fax_tiff(one, {*page}));
        FAX_TRY(t30::write_fax_tiff(two_pages, {*page, *page}));
        rows[r].chart = chart;
        auto mmr = encoded_bytes(one, 0, Coding::MMR);
        auto mh = encoded_bytes(one, 0, Coding::MH);
        if (!mmr || !mh) return fail(Errc::Internal, "efax: cannot encode chart " + std::to_string(chart));
        rows[r].mmr_bytes = *mmr;
        rows[r].mh_bytes = *mh;
        PtyCall* slot[] = {&rows[r].ours_a, &rows[r].ours_b, &rows[r].efax_a, &rows[r].efax_b};
        for (int k = 0; k < 4; ++k) {
            const int i = static_cast<int>(calls.size());
            PtyCall& c = *slot[k];
            c.sender = k < 2 ? "faxstack" : "efax";
            c.modem = "55520" + two(i);
            c.dial = "120655700" + two(i);
            const std::string doc = k % 2 == 0 ? one : two_pages;
            c.doc_pages = (k % 2 == 0 ? 1 : 2) + 1;
            if (c.sender == "efax") {
                // efax sends the pages the gate spooled (cover + pages), one single-page MH file
                // per page, as efax is used: given a multi-page file it sends each page's strip
                // up to the end of the file, i.e. every later page again as part of it.
                FAX_TRY(g.add_verified_recipient("efax-" + std::to_string(i), "206-557-00" + two(i)));
                auto rel = g.clear(doc, "efax-" + std::to_string(i));
                if (!rel) return fail(rel.take_error());
                auto spooled = t30::read_tiff(rel->tiff_path());
                if (!spooled) return fail(spooled.take_error());
                std::vector<std::string> files;
                for (std::size_t p = 0; p < spooled->size(); ++p) {
                    files.push_back((dir / ("efax" + two(i) + "-p" + std::to_string(p + 1) + ".tif")).string());
                    FAX_TRY(t30::write_fax_tiff(files.back(), {(*spooled)[p]}, t30::TiffCompression::T4_1D));
                }
                docs.push_back(files);
            } else {
                docs.push_back({doc});
            }
            faxsim_args.push_back("--modem");
            faxsim_args.push_back((dir / ("pty" + two(i))).string() + "=" + c.modem);
            faxsim_args.push_back("--receiver");
            faxsim_args.push_back(c.dial + "=" + (dir / ("rx" + two(i))).string());
            calls.push_back(&c);
        }
    }
    const std::string faxsim_log = (dir / "faxsim.log").string();
    auto sim = spawn_child(faxsim_args, faxsim_log);
    if (!sim) return fail(sim.take_error());
    if (!wait_for_text(faxsim_log, "faxsim: ready", 30)) {
        stop_child(*sim, 10);
        return fail(Errc::Timeout, "efax: faxsim did not get ready: " + read_file(faxsim_log));
    }
    const std::string self = self_exe();
    std::vector<int> pids;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        PtyCall& c = *calls[i];
        const std::string link = (dir / ("pty" + two(static_cast<int>(i)))).string();
        const std::string log = (dir / ("sender" + two(static_cast<int>(i)) + ".log")).string();
        std::vector<std::string> argv;
        if (c.sender == "efax")
        {
            argv = {kEfax, "-d", link, "-o1", "-l", "+1 206 555 1001", "-h", "", "-v", "ewinc", "-t", c.dial};
            argv.insert(argv.end(), docs[i].begin(), docs[i].end());
        } else
            argv = {self, "--pty-send", link, docs[i].front(), "206-557-00" + two(static_cast<int>(i)),
                    (dir / ("result" + two(static_cast<int>(i)) + ".json")).string()};
        auto pid = spawn_child(argv, log);
        if (!pid) {
            for (int p : pids) stop_child(p, 5);
            stop_child(*sim, 10);
            return fail(pid.take_error());
        }
        pids.push_back(*pid);
    }
    const double end = wall_seconds() + o.timeout_s;
    for (std::size_t i = 0; i < calls.size(); ++i)
        calls[i]->exit_status = wait_child(pids[i], std::max(1.0, end - wall_seconds()));
    // Let faxsim print the receivers' results and the hang-ups.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    stop_child(*sim, 10);
    read_events(read_file(faxsim_log), calls);
    if (!o.keep_logs.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o.keep_logs, ec);
        for (const auto& e : std::filesystem::directory_iterator(dir, ec))
            if (e.path().extension() == ".log" || e.path().extension() == ".json")
                std::filesystem::copy_file(e.path(), o.keep_logs / e.path().filename(),
                                           std::filesystem::copy_options::overwrite_existing, ec);
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
        PtyCall& c = *calls[i];
        if (c.exit_status != 0) {
            c.failure = c.sender + " exited with status " + std::to_string(c.exit_status);
            if (c.sender == "faxstack") {
                auto j = nlohmann::json::parse(read_file((dir / ("result" + two(static_cast<int>(i)) + ".json")).string()),
                                               nullptr, false);
                if (j.is_object() && j.contains("failure")) c.failure += ": " + j["failure"].get<std::string>();
            }
        } else if (c.answered_at < 0 || c.hangup_at < 0) {
            c.failure = "no answer or hang-up event from faxsim";
        } else if (c.pages_received != c.doc_pages) {
            c.failure = "the receiver stored " + std::to_string(c.pages_received) + " of " + std::to_string(c.doc_pages) + " pages";
        }
        c.ok = c.failure.empty();
    }
    return rows;
}

namespace {

nlohmann::json call_json(const PtyCall& c) {
    return {{"sender", c.sender},     {"doc_pages", c.doc_pages},   {"modem", c.modem},
            {"dial", c.dial},         {"exit_status", c.exit_status}, {"answered_at_s", c.answered_at},
            {"hangup_at_s", c.hangup_at}, {"hangup_by", c.hangup_by}, {"line_s", c.line_s()},
            {"received", c.received}, {"ok", c.ok},                 {"failure", c.failure}};
}

std::string mode_of(const PtyCall& c) {
    // "... , 14400 bit/s ECM -> file": the bit rate (and ECM) as the receiver reports it.
    const auto p = c.received.find(" bit/s");
    if (p == std::string::npos) return "?";
    const auto s = c.received.rfind(", ", p);
    std::string m = c.received.substr(s == std::string::npos ? 0 : s + 2, p - (s == std::string::npos ? 0 : s + 2));
    if (c.received.compare(p, 10, " bit/s ECM") == 0) m += " ECM";
    return m;
}

}  // namespace

std::string format_efax_table(const std::vector<EfaxRow>& rows) {
    std::string out;
    char line[320];
    std::snprintf(line, sizeof line, "%-5s %-9s %-11s %8s %8s %8s %8s %9s %9s\n", "chart", "sender", "mode", "call A s",
                  "call B s", "page s", "bound s", "/bound", "/efax");
    out += line;
    out += std::string(86, '-') + "\n";
    double worst_vs_efax = 0, worst_vs_bound = 0;
    for (const auto& r : rows) {
        const double ours_bound = further_page_bound(r.mmr_bytes, true);
        const double efax_bound = further_page_bound(r.mh_bytes, false);
        for (int k = 0; k < 2; ++k) {
            const PtyCall& a = k == 0 ? r.ours_a : r.efax_a;
            const PtyCall& b = k == 0 ? r.ours_b : r.efax_b;
            if (!a.ok || !b.ok) {
                std::snprintf(line, sizeof line, "%-5d %-9s FAILED: %s\n", r.chart, a.sender.c_str(),
                              (!a.ok ? a.failure : b.failure).c_str());
                out += line;
                continue;
            }
            const double page = b.line_s() - a.line_s();
            const double bound = k == 0 ? ours_bound : efax_bound;
            char vs_efax[16] = "ref";
            if (k == 0 && r.efax_a.ok && r.efax_b.ok && r.efax_page_s() > 0) {
                std::snprintf(vs_efax, sizeof vs_efax, "%.3f", page / r.efax_page_s());
                worst_vs_efax = std::max(worst_vs_efax, page / r.efax_page_s());
            }
            if (k == 0) worst_vs_bound = std::max(worst_vs_bound, page / bound);
            std::snprintf(line, sizeof line, "%-5d %-9s %-11s %8.2f %8.2f %8.2f %8.2f %9.3f %9s\n", r.chart,
                          a.sender.c_str(), mode_of(b).c_str(), a.line_s(), b.line_s(), page, bound, page / bound, vs_efax);
            out += line;
        }
    }
    out += "\n";
    std::snprintf(line, sizeof line, "faxstack page / efax page, worst: %.3f; target <= 0.70: %s\n", worst_vs_efax,
                  worst_vs_efax > 0 && worst_vs_efax <= 0.70 ? "met" : "NOT met");
    out += line;
    std::snprintf(line, sizeof line, "faxstack page / bound (through faxsim, real time), worst: %.3f; target <= 1.10: %s\n",
                  worst_vs_bound, worst_vs_bound > 0 && worst_vs_bound <= 1.10 ? "met" : "NOT met");
    out += line;
    return out;
}

std::string efax_json(const std::vector<EfaxRow>& rows, const EfaxOptions& o) {
    nlohmann::json j;
    j["measure"] = "faxsim call events (simulated clock): Answered -> first hang-up; page = (cover+chart+chart) - (cover+chart)";
    j["charts"] = o.charts;
    j["targets"] = {{"vs_efax", 0.70}, {"vs_bound", 1.10}};
    auto& a = j["rows"];
    a = nlohmann::json::array();
    for (const auto& r : rows)
        a.push_back({{"chart", r.chart},
                     {"mmr_bytes", r.mmr_bytes},
                     {"mh_bytes", r.mh_bytes},
                     {"ok", r.ok()},
                     {"faxstack_page_s", r.ours_page_s()},
                     {"efax_page_s", r.efax_page_s()},
                     {"faxstack_page_bound_s", further_page_bound(r.mmr_bytes, true)},
                     {"efax_page_bound_s", further_page_bound(r.mh_bytes, false)},
                     {"faxstack_vs_efax", r.ok() && r.efax_page_s() > 0 ? r.ours_page_s() / r.efax_page_s() : 0.0},
                     {"faxstack_call_a", call_json(r.ours_a)},
                     {"faxstack_call_b", call_json(r.ours_b)},
                     {"efax_call_a", call_json(r.efax_a)},
                     {"efax_call_b", call_json(r.efax_b)}});
    return j.dump();
}

}  // namespace fax::faxbench
