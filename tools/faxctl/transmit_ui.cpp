#include "transmit_ui.h"

#include <signal.h>

#include <cstdio>

#include "fax/station/config.h"

namespace fax::faxctl {
namespace {

volatile sig_atomic_t g_interrupted = 0;

void on_sigint(int) { g_interrupted = 1; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

InterruptGuard::InterruptGuard() {
    g_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
}

InterruptGuard::~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
}

bool InterruptGuard::requested() { return g_interrupted != 0; }

Progress::Progress(const Printer& printer, std::string job_id, int pages)
    : printer_(printer), job_id_(std::move(job_id)), pages_(pages), t0_(std::chrono::steady_clock::now()) {}

void Progress::on_event(const t30::SessionEvent& e) {
    // The first high-speed transmission after negotiation is the training check
    // (TCF, T.30 §5.3.6.2.4 / 5.4.2.1), not a page: a page follows TCF or a page.
    const bool training = e.phase == t30::CallPhase::Transfer && last_phase_ == t30::CallPhase::Negotiating;
    last_phase_ = e.phase;
    if (training) {
        modulation_ = e.detail;
    } else if (e.phase == t30::CallPhase::Transfer) {
        page_ = done_ + 1;
        modulation_ = e.detail;
    } else if (e.phase == t30::CallPhase::PostPage) {
        done_ += 1;
        page_ = done_;
    }
    const double elapsed = seconds_since(t0_);
    nlohmann::json j{{"event", "progress"},  {"job_id", job_id_},         {"phase", std::string(to_string(e.phase))},
                     {"detail", e.detail},   {"page", page_},             {"pages", pages_},
                     {"modulation", modulation_}, {"elapsed_s", static_cast<double>(static_cast<long>(elapsed * 10)) / 10}};
    char head[48];
    std::snprintf(head, sizeof head, "[%6.1f s] ", elapsed);
    if (training) j["training"] = true;
    std::string text = head + (training ? std::string("training check (TCF)") : std::string(to_string(e.phase))) +
                       ": " + e.detail;
    if (page_ > 0 && !training) text += "  (page " + std::to_string(page_) + " of " + std::to_string(pages_) + ")";
    if (!modulation_.empty() && e.phase != t30::CallPhase::Transfer) text += "  [" + modulation_ + "]";
    printer_.emit(j, text);
}

station::TransmitOptions foreground_options(const station::StationConfig& config, Progress& progress) {
    station::TransmitOptions o = station::transmit_options(config);
    o.stop_requested = [] { return InterruptGuard::requested(); };
    o.on_event = [&progress](const t30::SessionEvent& e) { progress.on_event(e); };
    return o;
}

using nlohmann::json;

json outcome_json(const station::TransmitReport& rep) {
    const auto& o = rep.outcome;
    return {{"event", "result"},
            {"job_id", rep.job_id},
            {"completion", std::string(gate::to_string(o.completion))},
            {"pages", rep.pages_total},
            {"pages_sent", o.pages_sent},
            {"pages_confirmed", o.pages_confirmed},
            {"remote_csi", o.remote_csi.value_or("")},
            {"bit_rate", o.negotiated.bit_rate},
            {"modulation", o.negotiated.modulation},
            {"compression", o.negotiated.compression},
            {"ecm", o.negotiated.ecm},
            {"detail", o.detail},
            {"seconds", std::chrono::duration<double>(o.finished_at - o.started_at).count()},
            {"recorded", rep.recorded.ok()}};
}

std::string outcome_text(const station::TransmitReport& rep) {
    const auto& o = rep.outcome;
    std::string s = rep.delivered() ? "DELIVERED" : "NOT DELIVERED";
    s += ": job " + rep.job_id + ", " + std::to_string(o.pages_confirmed) + " of " + std::to_string(rep.pages_total) +
         " pages confirmed by the remote (MCF), completion " + std::string(gate::to_string(o.completion));
    if (o.remote_csi) s += "\n  remote station: '" + printable(*o.remote_csi) + "'";
    if (o.negotiated.bit_rate > 0)
        s += "\n  line: " + o.negotiated.modulation + " " + std::to_string(o.negotiated.bit_rate) + " bit/s, " +
             o.negotiated.compression + (o.negotiated.ecm ? ", ECM" : "");
    if (!o.detail.empty() && !rep.delivered()) s += "\n  detail: " + o.detail;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", std::chrono::duration<double>(o.finished_at - o.started_at).count());
    s += std::string("\n  call time: ") + secs + " s; outcome " +
         (rep.recorded.ok() ? "recorded in the audit trail" : "NOT RECORDED");
    return s;
}

}  // namespace fax::faxctl
