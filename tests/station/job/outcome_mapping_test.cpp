// How a call ended, mapped to the audit trail's completion code and outcome.
#include "fax/job/outcome_mapping.h"

#include <gtest/gtest.h>

namespace fax::job {
namespace {

using gate::CompletionCode;

t30::SessionResult with_pages(std::initializer_list<const char*> responses) {
    t30::SessionResult r;
    int n = 0;
    for (const char* resp : responses) r.page_outcomes.push_back({++n, resp, true});
    return r;
}

TEST(OutcomeMapping, CompletionCodes) {
    struct Case {
        const char* name;
        t30::SessionResult result;
        Status run;
        int pages;
        CompletionCode expected;
        int confirmed;
    };
    auto failed = [](Errc c) {
        t30::SessionResult r;
        r.status = fail(c, "x");
        return r;
    };
    auto ended = [](t30::CallEnd end) {
        t30::SessionResult r;
        r.end = end;
        return r;
    };
    // A runner's call limit cancels the session: the runner's Timeout is what counts.
    t30::SessionResult limited = ended(t30::CallEnd::Cancelled);
    t30::SessionResult mismatch;
    mismatch.remote_ident_mismatch = true;
    mismatch.status = fail(Errc::Protocol, "ident");
    t30::SessionResult partial = with_pages({"MCF", "MCF"});
    partial.status = fail(Errc::NoCarrier, "lost");
    // RTP is not MCF: the page is not counted as delivered.
    t30::SessionResult rtp = with_pages({"MCF", "RTP", "MCF"});
    const Case cases[] = {
        {"all MCF", with_pages({"MCF", "MCF", "MCF"}), {}, 3, CompletionCode::Ok, 3},
        {"rtp", rtp, {}, 3, CompletionCode::Partial, 2},
        {"partial", partial, {}, 4, CompletionCode::Partial, 2},
        {"csi mismatch", mismatch, {}, 3, CompletionCode::CsiMismatch, 0},
        {"busy", failed(Errc::LineBusy), {}, 3, CompletionCode::Busy, 0},
        {"no answer", failed(Errc::NoAnswer), {}, 3, CompletionCode::NoAnswer, 0},
        {"no carrier", failed(Errc::NoCarrier), {}, 3, CompletionCode::NoCarrier, 0},
        {"no dialtone", failed(Errc::NoDialtone), {}, 3, CompletionCode::NoDialtone, 0},
        {"timeout", failed(Errc::Timeout), {}, 3, CompletionCode::Timeout, 0},
        {"protocol", failed(Errc::Protocol), {}, 3, CompletionCode::Protocol, 0},
        {"cancelled", failed(Errc::Cancelled), {}, 3, CompletionCode::Cancelled, 0},
        {"modem error", failed(Errc::ModemError), {}, 3, CompletionCode::Failed, 0},
        {"transport gone", t30::SessionResult{}, fail(Errc::Disconnected, "gone"), 3, CompletionCode::Failed, 0},
        {"t30 timer", ended(t30::CallEnd::Timeout), {}, 3, CompletionCode::Timeout, 0},
        {"t30 incompatible", ended(t30::CallEnd::Incompatible), {}, 3, CompletionCode::Protocol, 0},
        {"t30 training", ended(t30::CallEnd::TrainingFailed), {}, 3, CompletionCode::Protocol, 0},
        {"t30 no carrier", ended(t30::CallEnd::NoCarrier), {}, 3, CompletionCode::NoCarrier, 0},
        {"ident mismatch", ended(t30::CallEnd::IdentMismatch), {}, 3, CompletionCode::CsiMismatch, 0},
        {"cancelled", ended(t30::CallEnd::Cancelled), {}, 3, CompletionCode::Cancelled, 0},
        {"call limit", limited, fail(Errc::Timeout, "call limit"), 3, CompletionCode::Timeout, 0},
        {"modem", ended(t30::CallEnd::Modem), {}, 3, CompletionCode::Failed, 0},
        {"ended ok, not delivered", ended(t30::CallEnd::Ok), {}, 3, CompletionCode::Failed, 0},
        {"still running", t30::SessionResult{}, {}, 3, CompletionCode::Failed, 0},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(completion_for(c.result, c.run, c.pages), c.expected) << c.name;
        EXPECT_EQ(pages_confirmed_by_mcf(c.result), c.confirmed) << c.name;
    }
}

TEST(OutcomeMapping, OutcomeCarriesTheLineAndNoMore) {
    t30::SessionResult r = with_pages({"MCF", "MCF"});
    r.remote_ident = "12065550142";
    r.bit_rate = 14400;
    r.modulation = "V.17";
    r.compression = "MMR";
    r.ecm = true;
    const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    auto o = outcome_for(r, {}, 2, t0, t0 + std::chrono::seconds(42));
    EXPECT_EQ(o.completion, CompletionCode::Ok);
    EXPECT_EQ(o.pages_sent, 2);
    EXPECT_EQ(o.pages_confirmed, 2);
    EXPECT_EQ(o.remote_csi, "12065550142");
    EXPECT_EQ(o.negotiated.compression, "T.6");
    EXPECT_EQ(o.negotiated.bit_rate, 14400);
    EXPECT_TRUE(o.negotiated.ecm);
    EXPECT_EQ(o.finished_at - o.started_at, std::chrono::seconds(42));
    EXPECT_EQ(compression_label("MH"), "T.4 1D");
    EXPECT_EQ(compression_label("MR"), "T.4 2D");
}

}  // namespace
}  // namespace fax::job
