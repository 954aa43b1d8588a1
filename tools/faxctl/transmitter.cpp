#include "transmitter.h"

#include <signal.h>

#include <cstdio>
#include <memory>

#include "fax/base/log.h"
#include "fax/hal/serial_transport.h"
#include "fax/t30/realtime_runner.h"
#include "fax/job/outcome_mapping.h"
#include "config.h"
#include "modem_profile.h"

namespace fax::faxctl {
namespace {

constexpr const char* kLog = "faxctl";

volatile sig_atomic_t g_interrupted = 0;

void on_sigint(int) { g_interrupted = 1; }

// While alive, SIGINT (and SIGTERM) only set a flag that the call loop polls: the call
// then ends with DCN instead of the process dying with the modem off-hook. No work
// is done in the handler.
class InterruptGuard {
public:
    InterruptGuard() {
        g_interrupted = 0;
        struct sigaction sa {};
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
    }
    ~InterruptGuard() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    static bool requested() { return g_interrupted != 0; }

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Live progress: phase, page i of n, modulation and rate, elapsed time.
class Progress {
public:
    Progress(const Printer& printer, std::string job_id, int pages)
        : printer_(printer), job_id_(std::move(job_id)), pages_(pages), t0_(std::chrono::steady_clock::now()) {}

    void on_event(const t30::SessionEvent& e) {
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

    std::chrono::steady_clock::time_point start() const { return t0_; }

private:
    const Printer& printer_;
    std::string job_id_;
    int pages_;
    int page_ = 0;
    int done_ = 0;
    t30::CallPhase last_phase_ = t30::CallPhase::Init;
    std::string modulation_;
    std::chrono::steady_clock::time_point t0_;
};

}  // namespace

Transmitter::Transmitter(gate::ReleaseGate& gate, const Printer& printer, TransmitOptions options)
    : gate_(gate), printer_(printer), options_(std::move(options)) {}

TransmitReport Transmitter::run(gate::ClearedRelease&& release) {
    TransmitReport rep;
    rep.job_id = release.job_id();
    rep.pages_total = release.page_count();
    InterruptGuard interrupts;
    const auto started = std::chrono::system_clock::now();

    auto give_up = [&](gate::CompletionCode code, std::string detail) {
        rep.outcome.completion = code;
        rep.outcome.detail = std::move(detail);
        rep.outcome.started_at = started;
        rep.outcome.finished_at = std::chrono::system_clock::now();
        rep.recorded = gate_.record_outcome(rep.job_id, rep.outcome);
        return rep;
    };

    hal::SerialTransport modem(options_.device, options_.line);
    if (auto s = modem.open(); !s) {
        FAX_LOG(Error, kLog, "job " + rep.job_id + ": modem " + options_.device + ": " + s.error().to_string());
        return give_up(gate::CompletionCode::Failed, "modem could not be opened: " + std::string(to_string(s.error().code)));
    }

    ModemConfig mc;
    mc.device = options_.device;
    mc.profile = options_.profile;
    const driver::ModemProfile profile = choose_profile(modem, mc);
    t30::SessionOptions so;
    so.local_ident = options_.local_ident;
    so.ecm = options_.ecm;
    so.quirks = profile.quirks;
    auto session = t30::FaxSession::transmit(std::move(release), so);
    if (!session) {
        FAX_LOG(Error, kLog, "job " + rep.job_id + ": " + session.error().to_string());
        return give_up(gate::CompletionCode::Failed, "not started: " + session.error().message);
    }
    t30::FaxSession& s = **session;
    Progress progress(printer_, rep.job_id, rep.pages_total);
    s.set_event_handler([&progress](const t30::SessionEvent& e) { progress.on_event(e); });
    if (log::enabled(log::Level::Trace)) {
        s.set_trace([](bool to_modem, const std::string& line) {
            FAX_LOG(Trace, "at", std::string(to_modem ? ">> " : "<< ") + line);
        });
    }

    t30::RealtimeOptions ro;
    ro.flow = options_.line.flow;
    ro.limit = options_.call_limit;
    ro.stop_requested = [] { return InterruptGuard::requested(); };
    Status run_status = t30::run_realtime(s, modem, ro);
    modem.close();  // HUPCL drops DTR: the modem hangs up whatever state the call is in

    rep.interrupted = InterruptGuard::requested();
    rep.outcome = job::outcome_for(s.result(), run_status, rep.pages_total, started, std::chrono::system_clock::now());
    rep.page_outcomes = s.result().page_outcomes;
    if (rep.interrupted && rep.outcome.completion != gate::CompletionCode::Ok &&
        rep.outcome.completion != gate::CompletionCode::Partial) {
        rep.outcome.completion = gate::CompletionCode::Cancelled;
        rep.outcome.detail = "interrupted by the operator (SIGINT)";
    }
    rep.recorded = gate_.record_outcome(rep.job_id, rep.outcome);
    return rep;
}

using nlohmann::json;

json outcome_json(const TransmitReport& rep) {
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

std::string outcome_text(const TransmitReport& rep) {
    const auto& o = rep.outcome;
    std::string s = rep.delivered() ? "DELIVERED" : "NOT DELIVERED";
    s += ": job " + rep.job_id + ", " + std::to_string(o.pages_confirmed) + " of " + std::to_string(rep.pages_total) +
         " pages confirmed by the remote (MCF), completion " + std::string(gate::to_string(o.completion));
    if (o.remote_csi) s += "\n  remote station: '" + *o.remote_csi + "'";
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

TransmitOptions transmit_options(const StationConfig& c) {
    TransmitOptions t;
    t.device = c.modem_device;
    if (!c.modems.empty() && c.modems.front().device == c.modem_device) t.profile = c.modems.front().profile;
    t.line = hal::LineSettings{c.speed, c.flow};
    t.local_ident = c.ident;
    t.ecm = c.ecm;
    t.call_limit = c.call_limit;
    return t;
}

}  // namespace fax::faxctl
