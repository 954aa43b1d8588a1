// The dispatcher on real stores (SQLite files in a temporary directory), the real gate
// and the page library: what a queued job does across attempts and crashes. Time is
// handed in, so expiry and retry schedules are tested without waiting.
#include "fax/job/dispatcher.h"

#include <gtest/gtest.h>

#include <optional>

#include "fax/base/bounded_read.h"
#include "fax/gate/policy.h"
#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"
#include "gate_fixture.h"
#include "store_backends.h"
#include "itu_chart.h"

namespace fax::job {
namespace {

using namespace std::chrono_literals;
using gate::CompletionCode;
using gate::test::entry_id;
using gate::test::fixed_now;
using gate::test::make_request;
using gate::test::TempDir;

t30::Bitmap chart(int n) {
    auto pages = t30::read_tiff(fax::testing::itu_chart_path(n));
    EXPECT_TRUE(pages.ok() && pages->size() == 1u) << fax::testing::itu_chart_path(n);
    return pages.ok() && pages->size() == 1u ? pages->front() : t30::Bitmap{};
}

// Every test runs on SQLite files and on a PostgreSQL server the suite starts
// (tests/support/store_backends.h): the same dispatcher over either store.
class Dispatch : public fax::test::BackendTest {
protected:
    void SetUp() override {
        BackendTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        auto d = gate::Directory::open(connect("directory"), store::SchemaPolicy::Migrate);
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        dir_.emplace(std::move(*d));
        auto a = gate::AuditLog::open(connect("audit"), store::SchemaPolicy::Migrate);
        ASSERT_TRUE(a.ok()) << a.error().to_string();
        audit_.emplace(std::move(*a));
        auto q = JobQueue::open(connect("queue"), store::SchemaPolicy::Migrate);
        ASSERT_TRUE(q.ok()) << q.error().to_string();
        queue_.emplace(std::move(*q));
        queue_->set_station("ws-test", 30s);
        gate::test::populate(*dir_);
        if (HasFatalFailure()) return;
        record_ = tmp_ / "record.tif";
        ASSERT_TRUE(t30::write_fax_tiff(record_.string(), {chart(1), chart(2), chart(3)}).ok());
        io_ = gate::make_page_document_io();
        gate::GateConfig cfg;
        cfg.spool_dir = tmp_ / "spool";
        cfg.clearance_validity = 72h;
        gate_.emplace(gate::Policy::defaults(), *dir_, *audit_, *io_, cfg);
        RetryPolicy rp;
        rp.delays = {60s, 300s};
        rp.max_attempts = 3;
        dispatcher_.emplace(*gate_, *audit_, *queue_, rp);
        // As Station does on a shared store: the cleared file travels with the job.
        if (postgres()) dispatcher_->set_shared_spool(tmp_ / "spool");
        ctx_.now = fixed_now();
    }

    // A cleared release of cover + charts 1, 2, 3 (4 pages), queued.
    Job submit() {
        auto r = make_request(entry_id(gate::RecipientCategory::KpProvider), gate::Purpose::Treatment,
                              "discharge_summary", record_.string());
        r.documents[0].pages = {1, 2, 3};
        r.documents[0].sections = {gate::SectionTag{"discharge_summary", {1, 2, 3}}};
        auto d = gate_->evaluate(r, ctx_);
        EXPECT_TRUE(d.ok() && d->cleared());
        gate::ClearedRelease release = d->take_release();
        auto j = dispatcher_->submit(std::move(release), ctx_.now);
        EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().to_string());
        EXPECT_FALSE(release.valid()) << "submitting spends the release";
        return j.ok() ? *j : Job{};
    }

    StartedAttempt start() {
        auto a = dispatcher_->start_next("/dev/ttyTEST0", ctx_);
        EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().to_string());
        EXPECT_TRUE(a.ok() && a->has_value()) << "a due job was expected";
        return std::move(**a);
    }

    // What the session would report: MCF for the attempt pages listed.
    gate::TransmissionOutcome outcome(const StartedAttempt& a, std::vector<int> mcf_attempt_pages, CompletionCode c,
                                      int sent) {
        gate::TransmissionOutcome o;
        o.attempt = a.attempt;
        for (int p : mcf_attempt_pages) o.confirmed_pages.push_back(a.pages[static_cast<std::size_t>(p - 1)]);
        o.pages_confirmed = static_cast<int>(o.confirmed_pages.size());
        o.pages_sent = sent;
        o.completion = c;
        o.negotiated.bit_rate = sent > 0 ? 14400 : 0;
        if (sent > 0) o.remote_csi = "12065550110";
        o.started_at = ctx_.now;
        o.finished_at = ctx_.now + 40s;
        return o;
    }

    void expect_chain_ok() {
        auto v = audit_->verify();
        ASSERT_TRUE(v.ok());
        EXPECT_TRUE(v->ok) << v->message;
    }

    std::filesystem::path record_;
    std::optional<gate::Directory> dir_;
    std::optional<gate::AuditLog> audit_;
    std::optional<JobQueue> queue_;
    std::unique_ptr<gate::DocumentIo> io_;
    std::optional<gate::ReleaseGate> gate_;
    std::optional<Dispatcher> dispatcher_;
    gate::Context ctx_;
};

TEST_P(Dispatch, EveryAttemptIsReclearedAndRecordedBeforeItCanDial) {
    const Job j = submit();
    EXPECT_EQ(j.state, JobState::Queued);
    EXPECT_EQ(j.page_count, 4);
    StartedAttempt a = start();
    EXPECT_EQ(a.attempt, 1);
    EXPECT_EQ(a.pages, (std::vector<int>{1, 2, 3, 4}));
    EXPECT_TRUE(a.release.valid());
    EXPECT_EQ(a.release.tiff_path(), (tmp_ / "spool" / (j.id + ".tif")).string()) << "whole: the cleared file itself";
    auto attempts = audit_->find_attempts(j.id);
    ASSERT_TRUE(attempts.ok());
    ASSERT_EQ(attempts->size(), 1u);
    EXPECT_TRUE(attempts->front().cleared);
    EXPECT_EQ(attempts->front().modem, "/dev/ttyTEST0");
    auto q = queue_->find(j.id);
    ASSERT_TRUE(q.ok() && *q);
    EXPECT_EQ((*q)->state, JobState::Running);
    // Nothing else is due while it runs.
    auto none = dispatcher_->start_next("/dev/ttyTEST1", ctx_);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
}

TEST_P(Dispatch, APartialDeliveryResendsOnlyUnconfirmedPagesBehindAContinuationCover) {
    const Job j = submit();
    StartedAttempt a1 = start();
    // Cover and chart 1 confirmed, then the line dropped during chart 2.
    auto r = dispatcher_->finish(a1, outcome(a1, {1, 2}, CompletionCode::Partial, 3), false, ctx_.now + 40s);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->state, JobState::Queued);
    EXPECT_EQ(r->confirmed_pages, (std::vector<int>{1, 2}));
    EXPECT_EQ(r->tuning, (Tuning{Modulation::V29, false})) << "a page failure steps down and toggles ECM";
    EXPECT_EQ(r->not_before, ctx_.now + 40s + 60s);

    ctx_.now += 30s;  // not yet due
    auto early = dispatcher_->start_next("/dev/ttyTEST0", ctx_);
    ASSERT_TRUE(early.ok());
    EXPECT_FALSE(early->has_value());

    ctx_.now += 80s;
    StartedAttempt a2 = start();
    EXPECT_EQ(a2.attempt, 2);
    EXPECT_EQ(a2.pages, (std::vector<int>{1, 3, 4}));
    auto pages = t30::read_tiff(a2.release.tiff_path());
    ASSERT_TRUE(pages.ok());
    ASSERT_EQ(pages->size(), 3u);
    EXPECT_EQ((*pages)[1].bits, chart(2).bits) << "page 3 of the job is chart 2, unchanged";
    EXPECT_EQ((*pages)[2].bits, chart(3).bits);
    auto original = t30::read_tiff((tmp_ / "spool" / (j.id + ".tif")).string());
    ASSERT_TRUE(original.ok());
    EXPECT_NE((*pages)[0].bits, (*original)[0].bits) << "a continuation cover, not the original one";
    auto attempts = audit_->find_attempts(j.id);
    ASSERT_TRUE(attempts.ok() && attempts->size() == 2);
    EXPECT_TRUE(attempts->back().continuation_cover);
    EXPECT_EQ(attempts->back().tuning, "V.29 max, ECM off");

    auto done = dispatcher_->finish(a2, outcome(a2, {1, 2, 3}, CompletionCode::Ok, 3), false, ctx_.now + 30s);
    ASSERT_TRUE(done.ok()) << done.error().to_string();
    EXPECT_EQ(done->state, JobState::Done);
    EXPECT_EQ(done->confirmed_pages, (std::vector<int>{1, 2, 3, 4}));
    auto closure = audit_->find_closure(j.id);
    ASSERT_TRUE(closure.ok() && *closure);
    EXPECT_EQ((*closure)->reason, "delivered");
    auto disc = audit_->disclosures(gate::test::kMember, fixed_now() - 1h, fixed_now() + 24h);
    ASSERT_TRUE(disc.ok());
    ASSERT_EQ(disc->size(), 1u);
    EXPECT_EQ(disc->front().pages_delivered, 4) << "pages counted once over both attempts";
    EXPECT_EQ(disc->front().attempts, 2);
    expect_chain_ok();
}

TEST_P(Dispatch, AnExpiredClearanceIsNeverRun) {
    const Job j = submit();
    ctx_.now += 73h;
    auto a = dispatcher_->start_next("/dev/ttyTEST0", ctx_);
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    EXPECT_FALSE(a->has_value());
    auto q = queue_->find(j.id);
    ASSERT_TRUE(q.ok() && *q);
    EXPECT_EQ((*q)->state, JobState::Failed);
    auto attempts = audit_->find_attempts(j.id);
    ASSERT_TRUE(attempts.ok() && attempts->size() == 1);
    EXPECT_FALSE(attempts->front().cleared);
    EXPECT_EQ(attempts->front().rule_ids, std::vector<std::string>{std::string(gate::rule::kAttemptExpired)});
    auto closure = audit_->find_closure(j.id);
    ASSERT_TRUE(closure.ok() && *closure);
    EXPECT_EQ((*closure)->reason, "expired");
    expect_chain_ok();
}

TEST_P(Dispatch, ARecipientWhoseNumberChangedIsNeverDialled) {
    const Job j = submit();
    auto changed = dir_->change_fax_number(entry_id(gate::RecipientCategory::KpProvider), "206-555-0999", "E1", ctx_.now);
    ASSERT_TRUE(changed.ok()) << changed.error().to_string();
    auto a = dispatcher_->start_next("/dev/ttyTEST0", ctx_);
    ASSERT_TRUE(a.ok());
    EXPECT_FALSE(a->has_value());
    auto attempts = audit_->find_attempts(j.id);
    ASSERT_TRUE(attempts.ok() && attempts->size() == 1);
    const auto& ids = attempts->front().rule_ids;
    EXPECT_NE(std::find(ids.begin(), ids.end(), std::string(gate::rule::kAttemptNumberChanged)), ids.end());
    EXPECT_NE(std::find(ids.begin(), ids.end(), std::string(gate::rule::kNumUnverified)), ids.end())
        << "a changed number is unverified";
}

TEST_P(Dispatch, AChangedSpoolFileIsNeverSent) {
    const Job j = submit();
    ASSERT_TRUE(t30::write_fax_tiff((tmp_ / "spool" / (j.id + ".tif")).string(), {chart(4)}).ok());
    auto a = dispatcher_->start_next("/dev/ttyTEST0", ctx_);
    ASSERT_TRUE(a.ok());
    EXPECT_FALSE(a->has_value());
    auto closure = audit_->find_closure(j.id);
    ASSERT_TRUE(closure.ok() && *closure);
    EXPECT_EQ((*closure)->reason, "document_changed");
}

// A shared store: the station that takes the job has no file of its own. It gets the
// cleared file from the store; a file changed there is refused like one changed on disk.
TEST_P(Dispatch, AnotherStationSendsTheClearedFileFromTheStoreAndNeverAChangedOne) {
    if (!postgres()) GTEST_SKIP() << "one station alone on SQLite files keeps its spool on disk";
    const Job j = submit();
    const auto spooled = tmp_ / "spool" / (j.id + ".tif");
    const auto original = t30::read_tiff(spooled.string());
    ASSERT_TRUE(original.ok());
    ASSERT_TRUE(std::filesystem::remove(spooled));
    StartedAttempt a = start();
    EXPECT_TRUE(std::filesystem::exists(spooled)) << "fetched from the store";
    EXPECT_EQ((std::filesystem::status(spooled).permissions() & std::filesystem::perms::all),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto fetched = t30::read_tiff(spooled.string());
    ASSERT_TRUE(fetched.ok());
    EXPECT_EQ(fetched->size(), original->size());
    ASSERT_TRUE(dispatcher_->finish(a, outcome(a, {}, CompletionCode::NoAnswer, 0), false, ctx_.now).ok());

    // Someone with write access to the database swaps the file: the next attempt is refused.
    ASSERT_TRUE(std::filesystem::remove(spooled));
    const std::string other = (tmp_ / "other.tif").string();
    ASSERT_TRUE(t30::write_fax_tiff(other, {chart(4), chart(5), chart(6), chart(7)}).ok());
    auto bytes = read_bounded_regular_file(other, 1 << 26, "test");
    ASSERT_TRUE(bytes.ok());
    auto db = connect("queue");
    auto st = db->prepare("UPDATE spool_files SET content = ?2 WHERE job_id = ?1");
    ASSERT_TRUE(st.ok());
    st->bind(1, j.id).bind_blob(2, std::span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
    ASSERT_TRUE(st->run().ok());
    ASSERT_EQ(st->changes(), 1);
    ctx_.now += 10min;
    auto next = dispatcher_->start_next("/dev/ttyTEST0", ctx_);
    ASSERT_TRUE(next.ok()) << next.error().to_string();
    EXPECT_FALSE(next->has_value());
    auto closure = audit_->find_closure(j.id);
    ASSERT_TRUE(closure.ok() && *closure);
    EXPECT_EQ((*closure)->reason, "document_changed");
}

TEST_P(Dispatch, BusyIsRetriedOnScheduleAndThenGivenUp) {
    const Job j = submit();
    for (int n = 1; n <= 3; ++n) {
        StartedAttempt a = start();
        EXPECT_EQ(a.attempt, n);
        auto r = dispatcher_->finish(a, outcome(a, {}, CompletionCode::Busy, 0), false, ctx_.now);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        if (n < 3) {
            EXPECT_EQ(r->state, JobState::Queued);
            EXPECT_EQ(r->tuning, Tuning{}) << "busy changes nothing about the call";
            ctx_.now = r->not_before;
        } else {
            EXPECT_EQ(r->state, JobState::Failed);
        }
    }
    auto closure = audit_->find_closure(j.id);
    ASSERT_TRUE(closure.ok() && *closure);
    EXPECT_EQ((*closure)->reason, "gave_up");
    auto outcomes = audit_->find_outcomes(j.id);
    ASSERT_TRUE(outcomes.ok());
    EXPECT_EQ(outcomes->size(), 3u);
    expect_chain_ok();
}

TEST_P(Dispatch, RecoveryUndoesAnAttemptTheGateNeverCleared) {
    const Job j = submit();
    ASSERT_TRUE(queue_->start_attempt(j.id, 1, "/dev/ttyTEST0", ctx_.now).ok());  // crash before the re-check
    auto n = dispatcher_->recover(ctx_);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(*n, 1);
    auto q = queue_->find(j.id);
    ASSERT_TRUE(q.ok() && *q);
    EXPECT_EQ((*q)->state, JobState::Queued);
    EXPECT_EQ((*q)->attempts, 0);
    auto outcomes = audit_->find_outcomes(j.id);
    ASSERT_TRUE(outcomes.ok());
    EXPECT_TRUE(outcomes->empty()) << "nothing was dialled: nothing to record";
    EXPECT_EQ(start().attempt, 1);
}

TEST_P(Dispatch, RecoveryOfAnInterruptedCallConfirmsOnlyTheRecordedPages) {
    const Job j = submit();
    StartedAttempt a = start();
    ASSERT_TRUE(dispatcher_->page_confirmed(a, 1, ctx_.now).ok());
    ASSERT_TRUE(dispatcher_->page_confirmed(a, 2, ctx_.now).ok());
    // The daemon is killed here (during page 3): no outcome, the job still Running.
    ctx_.now += 5min;
    auto n = dispatcher_->recover(ctx_);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    auto outcomes = audit_->find_outcomes(j.id);
    ASSERT_TRUE(outcomes.ok() && outcomes->size() == 1);
    EXPECT_EQ(outcomes->front().outcome.confirmed_pages, (std::vector<int>{1, 2}));
    EXPECT_EQ(outcomes->front().outcome.completion, CompletionCode::Partial);
    auto q = queue_->find(j.id);
    ASSERT_TRUE(q.ok() && *q);
    EXPECT_EQ((*q)->state, JobState::Queued);
    EXPECT_EQ((*q)->not_before, ctx_.now) << "a crash is not the line's fault: again at once";
    EXPECT_EQ((*q)->tuning, Tuning{});
    StartedAttempt a2 = start();
    EXPECT_EQ(a2.pages, (std::vector<int>{1, 3, 4}));
    // A second recovery finds nothing to do and the chain holds.
    expect_chain_ok();
}

TEST_P(Dispatch, RecoveryAppliesAnOutcomeRecordedJustBeforeTheCrash) {
    const Job j = submit();
    StartedAttempt a = start();
    // The outcome reached the audit trail, the queue update did not.
    ASSERT_TRUE(gate_->record_outcome(j.id, outcome(a, {1, 2, 3, 4}, CompletionCode::Ok, 4)).ok());
    auto n = dispatcher_->recover(ctx_);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    auto q = queue_->find(j.id);
    ASSERT_TRUE(q.ok() && *q);
    EXPECT_EQ((*q)->state, JobState::Done);
    auto outcomes = audit_->find_outcomes(j.id);
    ASSERT_TRUE(outcomes.ok());
    EXPECT_EQ(outcomes->size(), 1u) << "no second outcome for the same attempt";
    expect_chain_ok();
}

TEST_P(Dispatch, StaffCancelClosesAQueuedJobAndIsRecorded) {
    const Job j = submit();
    ASSERT_TRUE(dispatcher_->cancel(j.id, {"E104233", "Dana Whitfield"}, ctx_.now).ok());
    auto q = queue_->find(j.id);
    ASSERT_TRUE(q.ok() && *q);
    EXPECT_EQ((*q)->state, JobState::Cancelled);
    auto closure = audit_->find_closure(j.id);
    ASSERT_TRUE(closure.ok() && *closure);
    EXPECT_EQ((*closure)->reason, "cancelled");
    EXPECT_EQ((*closure)->by.staff_id, "E104233");
    EXPECT_FALSE(dispatcher_->cancel(j.id, {"E104233", ""}, ctx_.now).ok()) << "a closed job cannot be cancelled";
}

TEST_P(Dispatch, ACancelDuringTheCallClosesTheJobWhenTheCallEnds) {
    const Job j = submit();
    StartedAttempt a = start();
    ASSERT_TRUE(dispatcher_->cancel(j.id, {"E104233", ""}, ctx_.now).ok());
    auto requested = dispatcher_->cancel_requested(j.id);
    ASSERT_TRUE(requested.ok());
    EXPECT_TRUE(*requested);
    auto r = dispatcher_->finish(a, outcome(a, {1}, CompletionCode::Partial, 2), false, ctx_.now);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->state, JobState::Cancelled);
}

TEST_P(Dispatch, TheAuditTrailRefusesOutcomesThatDoNotFitTheAttempt) {
    const Job j = submit();
    StartedAttempt a = start();
    gate::TransmissionOutcome o = outcome(a, {1}, CompletionCode::Partial, 2);
    o.attempt = 2;
    EXPECT_FALSE(audit_->append_outcome({j.id, o}).ok()) << "attempt 2 was never cleared";
    auto a1 = dispatcher_->finish(a, outcome(a, {1, 2}, CompletionCode::Partial, 3), false, ctx_.now);
    ASSERT_TRUE(a1.ok());
    ctx_.now = a1->not_before;
    StartedAttempt a2 = start();
    gate::TransmissionOutcome bad = outcome(a2, {}, CompletionCode::Partial, 2);
    bad.confirmed_pages = {2};  // page 2 was not sent in attempt 2
    bad.pages_confirmed = 1;
    EXPECT_FALSE(audit_->append_outcome({j.id, bad}).ok());
}

FAX_BOTH_BACKENDS(Dispatch);

}  // namespace
}  // namespace fax::job
