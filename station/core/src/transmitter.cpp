#include "fax/station/transmitter.h"

#include <memory>

#include "fax/base/log.h"
#include "fax/hal/serial_transport.h"
#include "fax/t30/realtime_runner.h"
#include "fax/job/outcome_mapping.h"
#include "fax/station/config.h"
#include "fax/station/modem_port.h"

namespace fax::station {
namespace {

constexpr const char* kLog = "transmit";

}  // namespace

Transmitter::Transmitter(gate::ReleaseGate& gate, TransmitOptions options)
    : gate_(gate), options_(std::move(options)) {}

TransmitReport Transmitter::run(gate::ClearedRelease&& release) {
    TransmitReport rep;
    rep.job_id = release.job_id();
    rep.pages_total = release.page_count();
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
    if (options_.on_event) s.set_event_handler(options_.on_event);
    if (log::enabled(log::Level::Trace)) {
        s.set_trace([](bool to_modem, const std::string& line) {
            FAX_LOG(Trace, "at", std::string(to_modem ? ">> " : "<< ") + line);
        });
    }

    t30::RealtimeOptions ro;
    ro.flow = options_.line.flow;
    ro.limit = options_.call_limit;
    ro.stop_requested = [this] { return options_.stop_requested && options_.stop_requested(); };
    Status run_status = t30::run_realtime(s, modem, ro);
    modem.close();  // HUPCL drops DTR: the modem hangs up whatever state the call is in

    rep.interrupted = options_.stop_requested && options_.stop_requested();
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

}  // namespace fax::station
