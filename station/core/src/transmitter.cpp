#include "fax/station/transmitter.h"

#include <filesystem>
#include <memory>
#include <optional>

#include "fax/base/log.h"
#include "fax/job/outcome_mapping.h"
#include "fax/station/modem_port.h"
#include "fax/t30/realtime_runner.h"
#include "send_journal.h"

namespace fax::station {
namespace {

constexpr const char* kLog = "transmit";

}  // namespace

std::string_view to_string(TransmitStep step) {
    switch (step) {
    case TransmitStep::Journal: return "journal";
    case TransmitStep::ModemOpen: return "modem_open";
    case TransmitStep::ModemIdentify: return "modem_identify";
    case TransmitStep::Session: return "session";
    case TransmitStep::FirstByte: return "first_byte";
    }
    return "unknown";
}

Transmitter::Transmitter(gate::ReleaseGate& gate, TransmitOptions options)
    : gate_(gate), options_(std::move(options)) {}

TransmitReport Transmitter::run(gate::ClearedRelease&& release) {
    TransmitReport rep;
    rep.job_id = release.job_id();
    rep.pages_total = release.page_count();
    const auto started = std::chrono::system_clock::now();
    auto reached = [this](TransmitStep step) {
        if (options_.on_step) options_.on_step(step, std::chrono::steady_clock::now());
    };

    // From here until the outcome is recorded, a kill leaves a journal the next start
    // reconciles (send_journal.h): the send is known to have started, and which pages
    // the remote confirmed.
    std::optional<detail::SendJournal> journal;
    auto done = [&] {
        if (rep.recorded.ok() && journal) journal->remove();
        return rep;
    };
    auto give_up = [&](gate::CompletionCode code, std::string detail) {
        rep.outcome.completion = code;
        rep.outcome.detail = std::move(detail);
        rep.outcome.started_at = started;
        rep.outcome.finished_at = std::chrono::system_clock::now();
        rep.recorded = gate_.record_outcome(rep.job_id, rep.outcome);
        return done();
    };
    {
        auto j = detail::SendJournal::create(std::filesystem::path(release.tiff_path()).parent_path(), rep.job_id,
                                             rep.pages_total, started);
        if (!j) {
            FAX_LOG(Error, kLog, "job " + rep.job_id + ": " + j.error().to_string());
            return give_up(gate::CompletionCode::Failed, "not started: the send journal could not be written");
        }
        journal.emplace(std::move(*j));
    }
    reached(TransmitStep::Journal);

    ModemPort port(options_.modem, default_port_environment());
    bool first_byte_seen = false;
    auto check_first_byte = [&] {
        if (first_byte_seen) return;
        if (auto at = port.first_write_at()) {
            first_byte_seen = true;
            if (options_.on_step) options_.on_step(TransmitStep::FirstByte, *at);
        }
    };
    if (auto s = port.open(); !s) {
        FAX_LOG(Error, kLog, "job " + rep.job_id + ": modem " + options_.modem.device + ": " + s.error().to_string());
        return give_up(gate::CompletionCode::Failed, "modem could not be opened: " + std::string(to_string(s.error().code)));
    }
    reached(TransmitStep::ModemOpen);
    if (auto s = port.identify(); !s) {
        check_first_byte();
        FAX_LOG(Error, kLog, "job " + rep.job_id + ": " + s.error().to_string());
        return give_up(gate::CompletionCode::Failed, "modem not usable: " + std::string(to_string(s.error().code)));
    }
    check_first_byte();
    reached(TransmitStep::ModemIdentify);
    // A foreground send starts at the top of the ladder (fastest modulation, ECM as
    // configured); faxd's queued attempts step down after failures.
    auto session = port.make_session(SendRole{std::move(release), job::Tuning{}, options_.local_ident});
    if (!session) {
        FAX_LOG(Error, kLog, "job " + rep.job_id + ": " + session.error().to_string());
        return give_up(gate::CompletionCode::Failed, "not started: " + session.error().message);
    }
    reached(TransmitStep::Session);
    t30::CallSession& s = **session;
    // Every page the remote confirmed is durable before anything else is reported (the
    // progress the operator sees never runs ahead of what a kill would keep).
    std::size_t outcomes_seen = 0;
    auto journal_pages = [&] {
        const auto& outcomes = s.result().page_outcomes;
        for (; outcomes_seen < outcomes.size(); ++outcomes_seen) {
            const auto& po = outcomes[outcomes_seen];
            if (po.response != "MCF") continue;
            if (auto w = journal->page_confirmed(po.page); !w)
                FAX_LOG(Error, kLog, "job " + rep.job_id + ": " + w.error().to_string());
        }
    };
    s.set_event_handler([&](const t30::SessionEvent& e) {
        journal_pages();
        if (options_.on_event) options_.on_event(e);
    });
    if (log::enabled(log::Level::Trace)) {
        s.set_trace([](bool to_modem, const std::string& line) {
            FAX_LOG(Trace, "at", std::string(to_modem ? ">> " : "<< ") + line);
        });
    }

    t30::RealtimeOptions ro;
    ro.flow = options_.modem.flow;
    ro.limit = options_.modem.call_limit;
    ro.stop_requested = [this] { return options_.stop_requested && options_.stop_requested(); };
    Status run_status;
    {
        t30::RealtimeRunner runner(s, port.transport(), ro);
        run_status = runner.begin();
        if (run_status.ok()) {
            while (!runner.finished()) {
                if (ro.stop_requested()) runner.cancel();
                runner.service(ro.poll);
                check_first_byte();
                journal_pages();
            }
            run_status = runner.status();
        }
    }
    journal_pages();
    port.close();  // HUPCL drops DTR: the modem hangs up whatever state the call is in

    rep.interrupted = options_.stop_requested && options_.stop_requested();
    rep.outcome = job::outcome_for(s.result(), run_status, rep.pages_total, started, std::chrono::system_clock::now());
    rep.page_outcomes = s.result().page_outcomes;
    if (rep.interrupted && rep.outcome.completion != gate::CompletionCode::Ok &&
        rep.outcome.completion != gate::CompletionCode::Partial) {
        rep.outcome.completion = gate::CompletionCode::Cancelled;
        rep.outcome.detail = "interrupted by the operator (SIGINT)";
    }
    rep.recorded = gate_.record_outcome(rep.job_id, rep.outcome);
    return done();
}

TransmitOptions transmit_options(const StationConfig& c) {
    TransmitOptions t;
    t.modem = c.send_modem();
    t.local_ident = c.ident;
    return t;
}

}  // namespace fax::station
