#include "line_kind.h"
#include "fault_call.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "fax/base/log.h"
#include "fax/sim/simulation.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/session_driver.h"
#include "fax/t30/tiff_io.h"
#include "release_fixture.h"

namespace fax::faulttest {

using testing::clear_for_test;
using testing::kTerminalNumber;
using testing::TempDir;
using testing::write_charts;
// The sending modem's line.
constexpr const char* kModemNumber = "5551001";

std::optional<Samples> CallRecord::answered_at() const {
    for (const auto& e : events)
        if (e.kind == sim::CallEvent::Kind::Answered) return e.time;
    return std::nullopt;
}

std::optional<Samples> CallRecord::when(t30::CallPhase phase, const std::string& text, int n) const {
    for (const auto& s : timeline)
        if (s.phase == phase && s.detail.find(text) != std::string::npos && --n == 0) return s.time;
    return std::nullopt;
}

namespace {

// Steps `session` in `sim` until it and the terminal are done; fills `rec`.
template <class Session>
void run_session(Result<std::unique_ptr<Session>> session, sim::Simulation& sim, sim::SimModem& modem,
                 sim::ReferenceTerminal* term, const CallSetup& setup, CallRecord& rec) {
    if (!session) {
        rec.setup_error = session.error().to_string();
        return;
    }
    Session& s = **session;
    s.set_event_handler([&](const t30::SessionEvent& e) { rec.timeline.push_back({sim.now(), e.phase, e.detail}); });
    if (std::getenv("FAX_TRACE") != nullptr) {
        log::set_level(log::Level::Debug);
        s.set_trace([&](bool to_modem, const std::string& line) {
            std::fprintf(stderr, "%9.3f %s %s\n", static_cast<double>(sim.now().count()) / kSampleRate,
                         to_modem ? ">>" : "<<", line.c_str());
        });
    }
    if (auto o = modem.link().host().open(); !o) {
        rec.setup_error = o.error().to_string();
        return;
    }
    t30::SessionStepper stepper(s, modem.link().host());
    sim.attach(stepper);
    rec.finished = sim.run_until([&] { return s.finished() && (!term || !term->in_call()); }, setup.limit);
    sim.detach(stepper);
    rec.elapsed = sim.now();
    rec.result = s.result();
}

}  // namespace

CallRecord run_release(const CallSetup& setup) {
    CallRecord rec;
    TempDir dir;
    const std::string doc = write_charts(dir, kCharts, "doc.tif");
    auto release = clear_for_test(dir, doc, kTerminalNumber, setup.expected_csi);
    if (!release) {
        rec.setup_error = release.error().to_string();
        return rec;
    }
    const std::string cleared = release->tiff_path();
    rec.pages_cleared = release->page_count();

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    sim::ModemOptions mo;
    mo.offer_class2 = setup.driver == Driver::Class2;
    auto& modem = sim.add_modem(kModemNumber, mo);
    sim::ReferenceTerminal* term = nullptr;
    const std::string rx = dir.file("rx.tif");
    if (setup.terminal_present) {
        sim::TerminalOptions topts;
        topts.role = sim::TerminalOptions::Role::Receive;
        topts.tiff = rx;
        topts.ident = setup.terminal_ident;
        topts.ecm = true;
        topts.answer_after_rings = setup.answer_after_rings;
        term = &sim.add_terminal(kTerminalNumber.dial, topts);
    }
    sim.exchange().set_line_faults(kModemNumber, setup.modem_faults);
    sim.exchange().set_line_faults(kTerminalNumber.dial, setup.terminal_faults);

    if (setup.driver == Driver::Class1) {
        t30::SessionOptions so;
        so.ecm = setup.ecm;
        run_session<t30::FaxSession>(t30::FaxSession::transmit(std::move(*release), so), sim,
                                                          modem, term, setup, rec);
    } else {
        t30::Class2Options o;
        o.ecm = setup.ecm;
        run_session<t30::Class2Session>(t30::Class2Session::transmit(std::move(*release), o),
                                                            sim, modem, term, setup, rec);
    }
    // Let the terminal finish its side (it may still be releasing), then look at its file.
    if (term) {
        (void)sim.run_until([&] { return !term->in_call(); }, Samples{15 * 8000});
        rec.terminal = term->result();
    }
    rec.events = sim.exchange().events();

    std::error_code ec;
    if (term && std::filesystem::exists(rx, ec)) {
        auto sent = t30::read_tiff(cleared);
        auto got = t30::read_tiff(rx);
        if (!sent || !got) {
            rec.setup_error = "cannot read the cleared or the received TIFF";
            return rec;
        }
        for (std::size_t i = 0; i < got->size(); ++i) {
            const bool in_range = i < sent->size();
            const auto d = in_range ? t30::compare_pages((*sent)[i], (*got)[i]) : t30::PageDiff{};
            rec.stored_intact.push_back(in_range && d.identical);
            rec.stored_differing_pixels.push_back(d.differing_pixels);
        }
    }
    return rec;
}

}  // namespace fax::faulttest
