// The station's concurrency is between processes and store handles, not threads in
// the product: faxctl submits, cancels and reads while faxd appends to the same
// SQLite files. Here several threads, each with its own handles (as separate
// processes have), do that at once; the audit chain must stay one valid chain with
// every entry in it, and the queue must lose nothing. Run under TSan in CI (tsan
// preset) as well as in the other presets.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "fax/gate/audit_log.h"
#include "fax/job/job_queue.h"
#include "gate_fixture.h"

namespace fax::job {
namespace {

using namespace std::chrono_literals;

TEST(Concurrency, WritersWithTheirOwnHandlesKeepOneValidAuditChainAndLoseNoJob) {
    gate::test::TempDir tmp;
    {
        auto a = gate::AuditLog::open(tmp / "audit.db");  // create the schemas once
        ASSERT_TRUE(a.ok());
        auto q = JobQueue::open(tmp / "queue.db");
        ASSERT_TRUE(q.ok());
    }
    constexpr int kThreads = 4, kEach = 25;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            auto audit = gate::AuditLog::open(tmp / "audit.db");
            auto queue = JobQueue::open(tmp / "queue.db");
            if (!audit || !queue) {
                ++failures;
                return;
            }
            for (int i = 0; i < kEach; ++i) {
                const std::string id = "J-" + std::to_string(t) + "-" + std::to_string(i);
                gate::DecisionRecord d;
                d.job_id = id;
                d.cleared = true;
                d.rule_id = "POL-PROV-KP";
                d.rule_ids = {"POL-PROV-KP"};
                d.requester = {"E1", "Test"};
                d.recipient_id = "e-kp_provider";
                d.page_count = 2;
                d.decided_at = gate::test::fixed_now() + std::chrono::seconds(i);
                if (!audit->append_decision(d)) ++failures;
                Job j;
                j.id = id;
                j.recipient_id = "e-kp_provider";
                j.page_count = 2;
                j.submitted_at = j.not_before = d.decided_at;
                if (!queue->add(j)) ++failures;
                if (!queue->start_attempt(id, 1, "/dev/ttyT" + std::to_string(t), d.decided_at)) ++failures;
                if (!queue->page_confirmed(id, 1, 1, d.decided_at)) ++failures;
                gate::TransmissionOutcome o;
                o.pages_sent = 2;
                o.pages_confirmed = 2;
                o.completion = gate::CompletionCode::Ok;
                o.started_at = d.decided_at;
                o.finished_at = d.decided_at + 30s;
                if (!audit->append_outcome({id, o})) ++failures;
                // A reader, as faxctl status is, in the middle of it all.
                if (!queue->list({JobState::Running}, 10)) ++failures;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    auto audit = gate::AuditLog::open(tmp / "audit.db");
    ASSERT_TRUE(audit.ok());
    auto v = audit->verify();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->message;
    EXPECT_EQ(v->entries, 2 * kThreads * kEach);
    auto queue = JobQueue::open(tmp / "queue.db");
    ASSERT_TRUE(queue.ok());
    auto jobs = queue->list({}, 10000);
    ASSERT_TRUE(jobs.ok());
    EXPECT_EQ(static_cast<int>(jobs->size()), kThreads * kEach);
}

}  // namespace
}  // namespace fax::job
