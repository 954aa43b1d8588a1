// Whole calls through the simulated Class 2.0 modem: the project's Class 2.0 driver
// (t30::Class2Session) sends cleared ITU charts to a SpanDSP reference terminal and
// receives from one, pixel-exact, and sends to a Class 1 modem driven by the project's
// Class 1 session. Releases come from the real gate (release_desk.h).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "fax/base/log.h"
#include "fax/sim/simulation.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/fax_session.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/session_driver.h"
#include "fax/t30/tiff_io.h"
#include "release_desk.h"

namespace fax {
namespace {

using class2test::ReleaseDesk;
using class2test::TempDir;

constexpr Samples kCallLimit{8000 * 400};

sim::ModemOptions class2_modem() {
    sim::ModemOptions o;
    o.offer_class2 = true;
    o.model = "SimModem T32";
    return o;
}

void expect_pages_equal(const std::string& sent_tiff, const std::string& received_tiff) {
    auto sent = t30::read_tiff(sent_tiff);
    auto got = t30::read_tiff(received_tiff);
    ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    ASSERT_EQ(sent->size(), got->size());
    for (std::size_t i = 0; i < sent->size(); ++i) {
        auto d = t30::compare_pages((*sent)[i], (*got)[i]);
        EXPECT_TRUE(d.identical) << "page " << i + 1 << ": " << d.summary;
    }
}

// FAX_TRACE=1 prints the AT dialogue and call events.
template <typename S>
void maybe_trace(S& s, const char* who) {
    if (std::getenv("FAX_TRACE") == nullptr) return;
    log::set_level(log::Level::Debug);
    s.set_trace([who](bool to_modem, const std::string& line) {
        std::fprintf(stderr, "%s %s %s\n", who, to_modem ? ">>" : "<<", line.c_str());
    });
    s.set_event_handler([who](const t30::SessionEvent& e) {
        std::fprintf(stderr, "%s [%s] %s\n", who, std::string(t30::to_string(e.phase)).c_str(), e.detail.c_str());
    });
}

struct Mode {
    const char* name;
    int data_format;
    bool ecm;
    int terminal_compressions;
    const char* expect_compression;
};

class Class2Send : public ::testing::TestWithParam<Mode> {};

TEST_P(Class2Send, ClearedChartsReachTheReferenceTerminalPixelExact) {
    const Mode m = GetParam();
    TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(class2test::write_charts(doc, {1, 2}).ok());
    auto desk = ReleaseDesk::create(dir.path());
    ASSERT_TRUE(desk.ok()) << desk.error().to_string();
    auto release = (*desk)->clear(doc, 2, "206-555-0110", std::string("NORTH CLINIC"));
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string cleared = release->tiff_path();
    const std::string number = release->dial_number();
    ASSERT_EQ(release->page_count(), 3);  // the cover, then the two charts

    sim::Simulation sim;
    auto& modem = sim.add_modem("5551001", class2_modem());
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Receive;
    topts.tiff = dir.file("rx.tif");
    topts.ident = "NORTH CLINIC";
    topts.ecm = true;
    topts.compressions = m.terminal_compressions;
    auto& term = sim.add_terminal(number, topts);

    t30::Class2Options o;
    o.data_format = m.data_format;
    o.ecm = m.ecm;
    auto session = t30::Class2Session::transmit(std::move(*release), o);
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    EXPECT_FALSE(release->valid());  // consumed
    maybe_trace(**session, "tx");
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::Class2SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    const bool done = sim.run_until([&] { return (*session)->finished() && term.done(); }, kCallLimit);
    sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string((*session)->phase());

    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.completion_code, 0) << r.completion_text;
    EXPECT_EQ(r.pages_in_document, 3);
    EXPECT_EQ(r.pages_confirmed, 3);
    ASSERT_EQ(r.page_outcomes.size(), 3u);
    for (const auto& p : r.page_outcomes) EXPECT_EQ(p.response, "MCF") << "page " << p.page;
    EXPECT_EQ(r.remote_ident, "NORTH CLINIC");
    EXPECT_FALSE(r.remote_ident_mismatch);
    EXPECT_EQ(r.bit_rate, 14400);
    EXPECT_EQ(r.modulation, "V.17");
    EXPECT_EQ(r.ecm, m.ecm);
    EXPECT_EQ(r.compression, m.expect_compression);
    EXPECT_NE(r.modem_classes.find("2.0"), std::string::npos) << r.modem_classes;

    EXPECT_EQ(term.result().completion_code, sim::kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 3);
    EXPECT_EQ(term.result().remote_ident, "FAXSTACK");
    EXPECT_EQ(term.result().ecm, m.ecm);
    expect_pages_equal(cleared, topts.tiff);
    std::printf("[ class2   ] %s: %.1f s on the line for 3 pages\n", m.name, r.line_seconds);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, Class2Send,
    ::testing::Values(Mode{"mh", 0, false, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D, "MH"},
                      Mode{"mr", 1, false, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D, "MR"},
                      Mode{"mr_ecm", 1, true, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D, "MR"},
                      Mode{"mmr_ecm", 3, true,
                           sim::kT30SupportT4_1D | sim::kT30SupportT4_2D | sim::kT30SupportT6, "MMR"}),
    [](const ::testing::TestParamInfo<Mode>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace fax
