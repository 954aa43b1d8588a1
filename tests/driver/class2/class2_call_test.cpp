// Whole calls through the simulated Class 2.0 modem: the project's Class 2.0 driver
// (t30::Class2Session) sends cleared ITU charts to a SpanDSP reference terminal and
// receives from one, pixel-exact, and sends to a Class 1 modem driven by the project's
// Class 1 session. Releases come from the real gate (tests/support/release_fixture.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <cstdlib>

#include "line_kind.h"
#include "fax/base/log.h"
#include "fax/sim/simulation.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/fax_session.h"
#include "fax/t30/page_compare.h"
#include "fax/t30/session_driver.h"
#include "fax/t30/tiff_io.h"
#include "dense_page.h"
#include "release_fixture.h"

namespace fax {
namespace {

using testing::TempDir;

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
    ASSERT_TRUE(testing::write_charts_at(doc, {1, 2}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0110", std::string("NORTH CLINIC"));
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string cleared = release->tiff_path();
    const std::string number = release->dial_number();
    ASSERT_EQ(release->page_count(), 3);  // the cover, then the two charts

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
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
    t30::SessionStepper stepper(**session, modem.link().host());
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

// The gate hook: the release names the station the number was verified for; a modem
// that reports another +FCI gets AT+FKS before any page, and nothing reaches the line.
TEST(Class2Gate, RemoteIdMismatchEndsTheCallBeforeAnyPage) {
    TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {1}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0111", std::string("NORTH CLINIC"));
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string number = release->dial_number();

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", class2_modem());
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Receive;
    topts.tiff = dir.file("rx.tif");
    topts.ident = "SOMEONE ELSE";  // not the verified station
    auto& term = sim.add_terminal(number, topts);

    auto session = t30::Class2Session::transmit(std::move(*release));
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    std::vector<std::string> sent_lines;
    (*session)->set_trace([&](bool to_modem, const std::string& line) {
        if (to_modem) sent_lines.push_back(line);
    });
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    const bool done = sim.run_until([&] { return (*session)->finished() && term.done(); }, kCallLimit);
    sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string((*session)->phase());

    const auto& r = (*session)->result();
    EXPECT_TRUE(r.remote_ident_mismatch);
    EXPECT_EQ(r.remote_ident, "SOMEONE ELSE");
    EXPECT_FALSE(r.call_completed);
    EXPECT_EQ(r.pages_confirmed, 0);
    EXPECT_TRUE(r.page_outcomes.empty());
    EXPECT_EQ(r.completion_code, 0x02);  // +FHS:02, call aborted from +FKS
    // The driver never asked to send a page; it ended the session instead.
    EXPECT_EQ(std::count(sent_lines.begin(), sent_lines.end(), "AT+FDT"), 0);
    EXPECT_EQ(std::count(sent_lines.begin(), sent_lines.end(), "AT+FKS"), 1);
    // The terminal saw a call end with no page: DCN came before any DCS.
    EXPECT_EQ(term.result().pages, 0);
    EXPECT_NE(term.result().completion_code, sim::kT30ErrOk);
    EXPECT_FALSE(std::filesystem::exists(topts.tiff) && t30::read_tiff(topts.tiff).ok() &&
                 !t30::read_tiff(topts.tiff)->empty());
}

TEST(Class2Gate, ASpentReleaseDialsNothing) {
    TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {1}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0112", std::nullopt);
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    auto first = t30::Class2Session::transmit(std::move(*release));
    ASSERT_TRUE(first.ok());
    auto second = t30::Class2Session::transmit(std::move(*release));
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, Errc::InvalidArgument);
}

TEST(Class2Gate, ADocumentChangedAfterClearanceIsRefused) {
    TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {1}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0113", std::nullopt);
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    // Swap the cleared file's contents for another chart.
    ASSERT_TRUE(testing::write_charts_at(release->tiff_path(), {2}).ok());
    auto s = t30::Class2Session::transmit(std::move(*release));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::InvalidInput);
}

TEST(Class2Gate, ABusyNumberIsATypedFailureWithNothingSent) {
    TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {1}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0115", std::nullopt);
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", class2_modem());
    sim.exchange().set_busy(release->dial_number());
    auto session = t30::Class2Session::transmit(std::move(*release));
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    ASSERT_TRUE(sim.run_until([&] { return (*session)->finished(); }, kCallLimit));
    sim.detach(stepper);
    const auto& r = (*session)->result();
    ASSERT_FALSE(r.status.ok());
    EXPECT_EQ(r.status.error().code, Errc::LineBusy) << r.status.error().to_string();
    EXPECT_FALSE(r.call_completed);
    EXPECT_TRUE(r.page_outcomes.empty());
    EXPECT_FALSE(modem.off_hook());
}

TEST(Class2Answer, NoCallBeforeTheRingTimeoutIsATimeout) {
    TempDir dir;
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", class2_modem());
    t30::Class2Options o;
    o.ring_timeout = Samples{8000 * 20};
    auto session = t30::Class2Session::receive(dir.file("rx.tif"), o);
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    ASSERT_TRUE(sim.run_until([&] { return (*session)->finished(); }, Samples{8000 * 60}));
    sim.detach(stepper);
    const auto& r = (*session)->result();
    ASSERT_FALSE(r.status.ok());
    EXPECT_EQ(r.status.error().code, Errc::Timeout);
    EXPECT_EQ(r.pages_received, 0);
    EXPECT_TRUE(modem.class2_active());
}

// A noisy line: the far end cannot take V.17 short-train pages (spandsp-0.0.6-notes,
// "Known weaknesses"), so the second page is lost. What the session reports must match
// what the far end really has: a page counts only if the modem's +FPS said MCF.
TEST(Class2Noise, OnlyPagesTheFarEndConfirmedAreCounted) {
    TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {1}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0116", std::nullopt);
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", class2_modem());
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Receive;
    topts.tiff = dir.file("rx.tif");
    topts.ecm = false;
    auto& term = sim.add_terminal(release->dial_number(), topts);
    sim.set_line_noise(release->dial_number(), -48.0);
    auto session = t30::Class2Session::transmit(std::move(*release));
    ASSERT_TRUE(session.ok());
    maybe_trace(**session, "tx");
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    ASSERT_TRUE(sim.run_until([&] { return (*session)->finished() && term.done(); }, kCallLimit));
    sim.detach(stepper);
    const auto& r = (*session)->result();
    EXPECT_FALSE(r.call_completed);
    EXPECT_NE(r.completion_code, 0) << r.completion_text;  // +FHS: a transmit error
    EXPECT_LT(r.pages_confirmed, 2);
    EXPECT_EQ(r.pages_confirmed, term.result().pages);
    for (const auto& p : r.page_outcomes) EXPECT_EQ(p.confirmed, p.response == "MCF") << "page " << p.page;
    EXPECT_FALSE(modem.off_hook());
}

// Receiving: a reference terminal calls the Class 2.0 modem; the project's driver
// answers on RING and writes what +FDR delivered.
class Class2Receive : public ::testing::TestWithParam<Mode> {};

TEST_P(Class2Receive, ChartsFromTheReferenceTerminalArrivePixelExact) {
    const Mode m = GetParam();
    TempDir dir;
    const std::string doc = dir.file("send.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {1, 3, 4}).ok());

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", class2_modem());
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Send;
    topts.tiff = doc;
    topts.ident = "SENDING CLINIC";
    topts.ecm = true;
    topts.compressions = m.terminal_compressions;
    topts.dial = "5551001";
    topts.dial_delay = Samples{8000 * 2};
    auto& term = sim.add_terminal("5551009", topts);

    t30::Class2Options o;
    o.local_ident = "ROI DESK";
    o.data_format = m.data_format;
    o.ecm = m.ecm;
    const std::string rx = dir.file("received.tif");
    auto session = t30::Class2Session::receive(rx, o);
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    maybe_trace(**session, "rx");
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    const bool done = sim.run_until([&] { return (*session)->finished() && term.done(); }, kCallLimit);
    sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string((*session)->phase());

    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.pages_received, 3);
    EXPECT_EQ(r.remote_ident, "SENDING CLINIC");
    EXPECT_EQ(r.ecm, m.ecm);
    EXPECT_EQ(r.compression, m.expect_compression);
    EXPECT_EQ(r.bit_rate, 14400);
    EXPECT_EQ(term.result().completion_code, sim::kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().pages, 3);
    EXPECT_EQ(term.result().remote_ident, "ROI DESK");
    expect_pages_equal(doc, rx);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, Class2Receive,
    ::testing::Values(Mode{"mh", 0, false, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D, "MH"},
                      Mode{"mr", 1, false, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D, "MR"},
                      Mode{"mmr_ecm", 3, true,
                           sim::kT30SupportT4_1D | sim::kT30SupportT4_2D | sim::kT30SupportT6, "MMR"}),
    [](const ::testing::TestParamInfo<Mode>& p) { return std::string(p.param.name); });

// ---- Pages that need more than one ECM block (issue #12) ----
//
// A dense page's coded data exceed one ECM partial page (64 KiB, dense_page.h): the far
// end answers each block but the last (PPS-NULL) with MCF, which confirms the block, not
// the page (T.30 Annex A). A modem that takes that MCF for the page's acceptance reports
// +FPS:1 for a page the far end does not have, and the host hands over the next page too
// early. Here the project's Class 2.0 sender and receiver exchange several such pages with
// the SpanDSP reference terminal, ECM on (MMR, MR) and off (MH): every page arrives pixel
// for pixel, and the page count the modem reported (+FPS / +FET) is what the far end has.

struct DenseSpec {
    uint32_t seed;
    int black_per_mille;
    int cell;
};
// Two 2-block pages around a 3-block one (MMR sizes, dense_page.h).
constexpr DenseSpec kDensePages[] = {{0xC1A5u, 30, 2}, {0xC1A6u, 20, 1}, {0xC1A7u, 30, 2}};

std::vector<t30::Bitmap> dense_document() {
    std::vector<t30::Bitmap> pages;
    for (const auto& d : kDensePages) {
        t30::Bitmap b = t30::Bitmap::blank(testing::kDenseWidth, testing::kDenseHeight);
        b.bits = testing::dense_page_rows(d.seed, d.black_per_mille, d.cell);
        pages.push_back(std::move(b));
    }
    return pages;
}

int t4_compression_for(int data_format) {
    switch (data_format) {
    case 1: return T4_COMPRESSION_ITU_T4_2D;
    case 3: return T4_COMPRESSION_ITU_T6;
    default: return T4_COMPRESSION_ITU_T4_1D;
    }
}

// Every page of `tiff` coded as the session will code it; with ECM each must need at
// least two blocks, or the test proves nothing about partial pages.
void expect_dense(const std::string& tiff, int first_page, int pages, int data_format, bool ecm) {
    for (int p = first_page; p < first_page + pages; ++p) {
        const std::size_t bytes = testing::encoded_page_bytes(tiff, p, t4_compression_for(data_format));
        ASSERT_GT(bytes, 0u) << "page " << p + 1;
        if (ecm)
            std::printf("[ blocks   ] page %d: %zu bytes, %zu ECM blocks\n", p + 1, bytes, testing::ecm_blocks(bytes));
        else
            std::printf("[ blocks   ] page %d: %zu bytes (no ECM: one stream)\n", p + 1, bytes);
        if (ecm) {
            EXPECT_GE(testing::ecm_blocks(bytes), 2u) << "page " << p + 1 << ": " << bytes << " bytes";
        }
    }
}

class Class2SendMultiBlock : public ::testing::TestWithParam<Mode> {};

TEST_P(Class2SendMultiBlock, EveryPageTheModemConfirmedIsStoredAtTheFarEnd) {
    const Mode m = GetParam();
    TempDir dir;
    const std::string doc = dir.file("record.tif");
    const auto pages = dense_document();
    ASSERT_TRUE(t30::write_fax_tiff(doc, pages, t30::TiffCompression::T6).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0117", std::string("NORTH CLINIC"));
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string cleared = release->tiff_path();
    const int in_document = release->page_count();
    ASSERT_EQ(in_document, 1 + static_cast<int>(pages.size()));  // the cover, then the dense pages
    expect_dense(cleared, 1, static_cast<int>(pages.size()), m.data_format, m.ecm);

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", class2_modem());
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Receive;
    topts.tiff = dir.file("rx.tif");
    topts.ident = "NORTH CLINIC";
    topts.ecm = true;
    topts.compressions = m.terminal_compressions;
    auto& term = sim.add_terminal(release->dial_number(), topts);

    t30::Class2Options o;
    o.data_format = m.data_format;
    o.ecm = m.ecm;
    auto session = t30::Class2Session::transmit(std::move(*release), o);
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    maybe_trace(**session, "tx");
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    const bool done = sim.run_until([&] { return (*session)->finished() && term.done(); }, Samples{8000 * 1200});
    sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string((*session)->phase());

    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.completion_code, 0) << r.completion_text;
    EXPECT_EQ(r.ecm, m.ecm);
    EXPECT_EQ(r.compression, m.expect_compression);
    EXPECT_EQ(term.result().completion_code, sim::kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().ecm, m.ecm);
    // What the modem reported (+FPS per page) is what the far end stored.
    auto stored = t30::read_tiff(topts.tiff);
    ASSERT_TRUE(stored.ok()) << stored.error().to_string();
    EXPECT_EQ(r.pages_confirmed, term.result().pages);
    EXPECT_EQ(r.pages_confirmed, static_cast<int>(stored->size()));
    EXPECT_EQ(r.pages_confirmed, in_document);
    ASSERT_EQ(r.page_outcomes.size(), static_cast<std::size_t>(in_document));
    for (const auto& p : r.page_outcomes) EXPECT_EQ(p.response, "MCF") << "page " << p.page;
    testing::expect_release_received(doc, cleared, *stored);
    std::printf("[ class2   ] %s: %d pages confirmed, %d stored, %.1f s on the line\n", m.name, r.pages_confirmed,
                static_cast<int>(stored->size()), r.line_seconds);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, Class2SendMultiBlock,
    ::testing::Values(Mode{"mmr_ecm", 3, true, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D | sim::kT30SupportT6,
                           "MMR"},
                      Mode{"mr_ecm", 1, true, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D, "MR"},
                      Mode{"mh", 0, false, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D, "MH"}),
    [](const ::testing::TestParamInfo<Mode>& p) { return std::string(p.param.name); });

class Class2ReceiveMultiBlock : public ::testing::TestWithParam<Mode> {};

TEST_P(Class2ReceiveMultiBlock, EveryPageTheFarEndSentArrivesAndIsCountedOnce) {
    const Mode m = GetParam();
    TempDir dir;
    const std::string doc = dir.file("send.tif");
    const auto pages = dense_document();
    ASSERT_TRUE(t30::write_fax_tiff(doc, pages, t30::TiffCompression::T6).ok());
    expect_dense(doc, 0, static_cast<int>(pages.size()), m.data_format, m.ecm);

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", class2_modem());
    sim::TerminalOptions topts;
    topts.role = sim::TerminalOptions::Role::Send;
    topts.tiff = doc;
    topts.ident = "SENDING CLINIC";
    topts.ecm = true;
    topts.compressions = m.terminal_compressions;
    topts.dial = "5551001";
    topts.dial_delay = Samples{8000 * 2};
    auto& term = sim.add_terminal("5551009", topts);

    t30::Class2Options o;
    o.local_ident = "ROI DESK";
    o.data_format = m.data_format;
    o.ecm = m.ecm;
    const std::string rx = dir.file("received.tif");
    auto session = t30::Class2Session::receive(rx, o);
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    maybe_trace(**session, "rx");
    ASSERT_TRUE(modem.link().host().open().ok());
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    const bool done = sim.run_until([&] { return (*session)->finished() && term.done(); }, Samples{8000 * 1200});
    sim.detach(stepper);
    ASSERT_TRUE(done) << "phase " << t30::to_string((*session)->phase());

    const auto& r = (*session)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_TRUE(r.call_completed) << r.completion_text;
    EXPECT_EQ(r.ecm, m.ecm);
    EXPECT_EQ(r.compression, m.expect_compression);
    EXPECT_EQ(term.result().completion_code, sim::kT30ErrOk) << term.result().completion_text;
    EXPECT_EQ(term.result().ecm, m.ecm);
    // Pages the far end had confirmed (MCF) = pages the modem delivered with +FPS/+FET.
    EXPECT_EQ(term.result().pages, static_cast<int>(pages.size()));
    EXPECT_EQ(r.pages_received, term.result().pages);
    expect_pages_equal(doc, rx);
    std::printf("[ class2   ] %s: %d pages sent, %d received, %.1f s on the line\n", m.name, term.result().pages,
                r.pages_received, r.line_seconds);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, Class2ReceiveMultiBlock,
    ::testing::Values(Mode{"mmr_ecm", 3, true, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D | sim::kT30SupportT6,
                           "MMR"},
                      Mode{"mh", 0, false, sim::kT30SupportT4_1D | sim::kT30SupportT4_2D, "MH"}),
    [](const ::testing::TestParamInfo<Mode>& p) { return std::string(p.param.name); });

// Class 2.0 modem → line → Class 1 modem: the two host stacks of this project talk
// to each other, one through each class.
TEST(Class2ToClass1, ClearedChartsReachTheClass1SessionPixelExact) {
    TempDir dir;
    const std::string doc = dir.file("record.tif");
    ASSERT_TRUE(testing::write_charts_at(doc, {2, 5}).ok());
    auto release = testing::clear_for_fax(dir, doc, "206-555-0114", std::string("CLASS1 DESK"));
    ASSERT_TRUE(release.ok()) << release.error().to_string();
    const std::string cleared = release->tiff_path();
    const std::string number = release->dial_number();

    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& c2 = sim.add_modem("5551001", class2_modem());
    auto& c1 = sim.add_modem(number);  // the default personality: Class 1 only

    t30::SessionOptions ro;
    ro.local_ident = "CLASS1 DESK";
    const std::string rx = dir.file("received.tif");
    auto receiver = t30::FaxSession::receive(rx, ro);
    ASSERT_TRUE(receiver.ok()) << receiver.error().to_string();
    maybe_trace(**receiver, "c1");
    ASSERT_TRUE(c1.link().host().open().ok());
    t30::SessionStepper rx_stepper(**receiver, c1.link().host());
    sim.attach(rx_stepper);

    t30::Class2Options o;
    o.data_format = 1;
    auto sender = t30::Class2Session::transmit(std::move(*release), o);
    ASSERT_TRUE(sender.ok()) << sender.error().to_string();
    maybe_trace(**sender, "c2");
    ASSERT_TRUE(c2.link().host().open().ok());
    t30::SessionStepper tx_stepper(**sender, c2.link().host());
    sim.attach(tx_stepper);

    const bool done = sim.run_until([&] { return (*sender)->finished() && (*receiver)->finished(); }, kCallLimit);
    sim.detach(tx_stepper);
    sim.detach(rx_stepper);
    ASSERT_TRUE(done) << "sender " << t30::to_string((*sender)->phase()) << ", receiver "
                      << t30::to_string((*receiver)->phase());
    const auto& s = (*sender)->result();
    EXPECT_TRUE(s.status.ok()) << s.status.error().to_string();
    EXPECT_TRUE(s.call_completed) << s.completion_text;
    EXPECT_EQ(s.pages_confirmed, 3);
    EXPECT_EQ(s.remote_ident, "CLASS1 DESK");
    EXPECT_FALSE(c1.class2_active());
    const auto& r = (*receiver)->result();
    EXPECT_TRUE(r.status.ok()) << r.status.error().to_string();
    EXPECT_EQ(r.pages_received, 3);
    EXPECT_EQ(r.remote_ident, "FAXSTACK");
    expect_pages_equal(cleared, rx);
}

}  // namespace
}  // namespace fax
