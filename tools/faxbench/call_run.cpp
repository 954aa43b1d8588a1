#include "call_run.h"

#include <sys/resource.h>

#include <cstdio>
#include <optional>

#include "fax/base/time.h"
#include "fax/sim/simulation.h"
#include "fax/station/modem_port.h"
#include "fax/t30/session_driver.h"

namespace fax::faxbench {
namespace {

double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(ru.ru_utime) + s(ru.ru_stime);
}

double seconds(Samples s) { return static_cast<double>(s.count()) / kSampleRate; }

}  // namespace

CallMeasurement run_call(gate::ClearedRelease&& release, const Mode& mode, const std::string& rx_tiff,
                         const RunOptions& options) {
    CallMeasurement m;
    const std::string dial = release.dial_number();
    const int pages = release.page_count();

    sim::ExchangeOptions xo;
    xo.line_kind = options.line;
    sim::Simulation sim(Samples{160}, xo);
    auto& modem = sim.add_modem("5551001");
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Receive;
    topts.tiff = rx_tiff;
    topts.ecm = true;  // the terminal offers everything; the sender's options pick the mode
    auto& term = sim.add_terminal(dial, topts);

    station::SendRole role{std::move(release), job::Tuning{job::Modulation::V17, mode.ecm}, "FAXSTACK"};
    role.coding = mode.coding == Coding::MH ? station::PageCoding::MH
                  : mode.coding == Coding::MR ? station::PageCoding::MR
                                              : station::PageCoding::MMR;
    auto session = station::ModemPort::make_session(station::ModemClass::Class1, driver::generic_profile(), mode.ecm,
                                                    std::move(role));
    if (!session) {
        m.failure = session.error().to_string();
        return m;
    }
    if (auto s = modem.link().host().open(); !s) {
        m.failure = s.error().to_string();
        return m;
    }
    t30::SessionStepper stepper(**session, modem.link().host());
    // DCN is the last frame the engine sends: the modem's OK to it (held until the V.21
    // carrier has dropped, notes "The modem side") is the last OK before the session
    // hangs up. Between that OK and phase E SpanDSP's engine adds a "final pause before
    // disconnecting" of about 1 s of silence; it is reported separately (to on-hook).
    std::optional<Samples> last_ok_at, dcn_sent_at, phase_e_at;
    (*session)->set_event_handler([&](const t30::SessionEvent& e) {
        if (e.phase == t30::CallPhase::HangingUp && !phase_e_at) {
            phase_e_at = stepper.now();
            dcn_sent_at = last_ok_at;
        }
        if (options.trace)
            std::fprintf(stderr, "%9.3f s [%s] %s\n", seconds(stepper.now()), std::string(t30::to_string(e.phase)).c_str(),
                         e.detail.c_str());
    });
    (*session)->set_trace([&](bool to_modem, const std::string& line) {
        if (!to_modem && line == "OK") last_ok_at = stepper.now();
        if (options.trace)
            std::fprintf(stderr, "%9.3f s %s %s\n", seconds(stepper.now()), to_modem ? ">>" : "<<", line.c_str());
    });

    sim.attach(stepper);
    const double cpu0 = cpu_seconds();
    const bool done = sim.run_until([&] { return (*session)->finished() && term.done(); }, Samples{8000 * 600});
    m.cpu_s = cpu_seconds() - cpu0;
    sim.detach(stepper);
    m.simulated_s = seconds(sim.now());

    const auto& r = (*session)->result();
    m.pages_confirmed = r.pages_confirmed;
    m.terminal_pages = term.result().pages;
    m.offhook_s = r.line_seconds;
    m.bit_rate = r.bit_rate;
    m.compression = r.compression;
    m.ecm = r.ecm;
    std::optional<Samples> answered_at;
    for (const auto& e : sim.exchange().events())
        if (e.kind == sim::CallEvent::Kind::Answered && !answered_at) answered_at = e.time;
    if (answered_at && dcn_sent_at) m.answer_to_dcn_s = seconds(*dcn_sent_at - *answered_at);
    if (answered_at && phase_e_at) m.answer_to_phase_e_s = seconds(*phase_e_at - *answered_at);

    if (!done) m.failure = "the call did not finish within 600 simulated seconds";
    else if (!r.status.ok()) m.failure = r.status.error().to_string();
    else if (!r.call_completed) m.failure = "call not completed: " + r.completion_text;
    else if (r.pages_confirmed != pages) m.failure = std::to_string(r.pages_confirmed) + " of " + std::to_string(pages) + " pages confirmed";
    else if (term.result().pages != pages) m.failure = "the terminal stored " + std::to_string(term.result().pages) + " pages";
    else if (r.ecm != mode.ecm) m.failure = std::string("ECM ") + (r.ecm ? "on" : "off") + ", not as asked";
    else if (r.compression != to_string(mode.coding)) m.failure = "coded " + r.compression + ", not as asked";
    else if (r.bit_rate != 14400) m.failure = "trained at " + std::to_string(r.bit_rate) + " bit/s, not 14400";
    else if (!answered_at || !dcn_sent_at) m.failure = "no answer or DCN seen";
    m.ok = m.failure.empty();
    return m;
}

}  // namespace fax::faxbench
