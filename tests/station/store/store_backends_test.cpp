// Every store on both backends: the recipient directory, the audit trail, the job queue
// with its leases and spooled files, and the received-fax log, on SQLite files and on a
// PostgreSQL server the test starts itself. What only a shared store has (one chain for
// many connections, the station role's grants, a server that goes away) is here too.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "store_backends.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/audit_signing.h"
#include "fax/gate/directory.h"
#include "fax/job/job_queue.h"
#include "fax/job/receive_log.h"
#include "fax/station/config.h"
#include "fax/station/stores.h"

namespace fax {
namespace {

using namespace std::chrono_literals;
using gate::TimePoint;
using gate::test::fixed_now;
using gate::test::kMember;
using store::Backend;
using store::SchemaPolicy;
using test::BackendTest;

gate::DecisionRecord cleared(const std::string& job, TimePoint at, int pages = 3) {
    gate::DecisionRecord d;
    d.job_id = job;
    d.kind = gate::ReleaseKind::Release;
    d.cleared = true;
    d.rule_id = "POL-PROV-KP";
    d.rule_ids = {"POL-PROV-KP"};
    d.requester = {"E104233", "Dana Whitfield"};
    d.member_reference = kMember;
    d.recipient_id = "kp-cardio";
    d.recipient_category = gate::RecipientCategory::KpProvider;
    d.recipient_organisation = "Kaiser Permanente Cardiology";
    d.dial_number = "12065550142";
    d.purpose = gate::Purpose::Treatment;
    d.sections = {"discharge_summary"};
    d.page_count = pages;
    d.cover_sha256 = std::string(64, 'c');
    d.content_sha256 = std::string(64, 'f');
    for (int i = 0; i < pages; ++i) d.page_sha256.push_back(std::string(63, 'a') + std::to_string(i % 10));
    d.decided_at = at;
    return d;
}

gate::OutcomeRecord outcome(const std::string& job, int attempt, std::vector<int> confirmed, TimePoint at) {
    gate::OutcomeRecord o;
    o.job_id = job;
    o.outcome.attempt = attempt;
    o.outcome.pages_sent = static_cast<int>(confirmed.size());
    o.outcome.pages_confirmed = static_cast<int>(confirmed.size());
    o.outcome.confirmed_pages = std::move(confirmed);
    o.outcome.completion = gate::CompletionCode::Partial;
    o.outcome.started_at = at - 1min;
    o.outcome.finished_at = at;
    return o;
}

job::Job queued_job(const std::string& id, TimePoint at, int pages = 3) {
    job::Job j;
    j.id = id;
    j.recipient_id = "kp-cardio";
    j.page_count = pages;
    j.submitted_at = at;
    j.not_before = at;
    return j;
}

// ---- the directory

using Directory = BackendTest;

TEST_P(Directory, AddsFindsListsAndKeepsHistory) {
    auto d = gate::Directory::open(connect("directory"), SchemaPolicy::Migrate);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    auto n = gate::test::new_entry("kp-cardio", gate::RecipientCategory::KpProvider, "(206) 555-0142");
    ASSERT_TRUE(d->add(n, fixed_now()).ok());
    ASSERT_TRUE(d->add(gate::test::new_entry("a-payer", gate::RecipientCategory::ThirdPartyPayer, "509-555-0166"), fixed_now()).ok());
    auto dup = d->add(n, fixed_now());
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, Errc::InvalidArgument);
    auto list = d->list();
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].id, "a-payer");  // by id
    auto e = d->get("kp-cardio");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->fax.e164, "+12065550142");
    EXPECT_EQ(e->created_at, fixed_now());
    ASSERT_TRUE(d->change_fax_number("kp-cardio", "206-555-0199", "E1", fixed_now() + 1h).ok());
    auto h = d->history("kp-cardio");
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), 2u);
    EXPECT_EQ((*h)[1].kind, "number_changed");
    EXPECT_EQ((*h)[1].at, fixed_now() + 1h);
}

TEST_P(Directory, VerificationStateIsSharedByEveryHandle) {
    // A number verified through one station's handle is verified for the next station.
    auto a = gate::Directory::open(connect("directory"), SchemaPolicy::Migrate);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(a->add(gate::test::new_entry("kp-cardio", gate::RecipientCategory::KpProvider, "206-555-0142"), fixed_now()).ok());
    gate::test::verify_entry(*a, "kp-cardio", fixed_now());
    auto b = gate::Directory::open(connect("directory"), SchemaPolicy::Migrate);
    ASSERT_TRUE(b.ok());
    auto e = b->get("kp-cardio");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(gate::verification_state(*e, fixed_now() + 1h, std::chrono::days(365)), gate::VerificationState::Verified);
}

TEST_P(Directory, HistoryIsAppendOnlyEvenForTheOwner) {
    auto db = connect("directory");
    auto d = gate::Directory::open(db, SchemaPolicy::Migrate);
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE(d->add(gate::test::new_entry("kp-cardio", gate::RecipientCategory::KpProvider, "206-555-0142"), fixed_now()).ok());
    auto u = db->exec("UPDATE recipient_events SET detail = 'x'");
    ASSERT_FALSE(u.ok());
    EXPECT_NE(u.error().message.find("append-only"), std::string::npos) << u.error().message;
    EXPECT_FALSE(db->exec("DELETE FROM recipient_events").ok());
}

FAX_BOTH_BACKENDS(Directory);

// ---- the audit trail

class Audit : public BackendTest {
protected:
    gate::AuditLog open(const std::string& station) {
        auto a = gate::AuditLog::open(connect("audit"), SchemaPolicy::Migrate);
        EXPECT_TRUE(a.ok()) << a.error().to_string();
        a->set_station(station);
        return std::move(*a);
    }
};

TEST_P(Audit, RecordsDecisionsAttemptsOutcomesAndClosuresThatVerify) {
    auto log = open("ws-1");
    const auto t = fixed_now();
    ASSERT_EQ(*log.append_decision(cleared("J1", t)), 1);
    gate::AttemptRecord at{"J1", 1, true, {1, 2, 3}, false, std::string(64, 'c'), std::string(64, 'f'), {}, {}, "V.17 max, ECM on", "ttyACM0", t};
    ASSERT_EQ(*log.append_attempt(at), 2);
    ASSERT_EQ(*log.append_outcome(outcome("J1", 1, {1, 2}, t + 2min)), 3);
    ASSERT_EQ(*log.append_closure({"J1", "gave_up", "", 1, {1, 2}, {}, t + 3min}), 4);
    auto second = log.append_decision(cleared("J1", t));
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, Errc::InvalidArgument);
    EXPECT_FALSE(log.append_outcome(outcome("J1", 2, {3}, t + 4min)).ok());  // closed
    auto rep = log.verify();
    ASSERT_TRUE(rep.ok()) << rep.error().to_string();
    EXPECT_TRUE(rep->ok) << rep->message;
    EXPECT_EQ(rep->entries, 4);
    auto entries = log.entries();
    ASSERT_TRUE(entries.ok());
    for (const auto& e : *entries) EXPECT_NE(e.body.find("\"station\":\"ws-1\""), std::string::npos) << e.body;
    auto pages = log.delivered_pages("J1");
    ASSERT_TRUE(pages.ok());
    EXPECT_EQ(*pages, (std::vector<int>{1, 2}));
    auto disc = log.disclosures(kMember, t - 1h, t + 1h);
    ASSERT_TRUE(disc.ok());
    ASSERT_EQ(disc->size(), 1u);
    EXPECT_EQ((*disc)[0].pages_delivered, 2);
    EXPECT_EQ((*disc)[0].station, "ws-1");
}

TEST_P(Audit, RefusesUpdateAndDeleteEvenForTheOwnerAndVerifyFindsAnEdit) {
    auto db = connect("audit");
    auto a = gate::AuditLog::open(db, SchemaPolicy::Migrate);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(a->append_decision(cleared("J1", fixed_now())).ok());
    ASSERT_TRUE(a->append_decision(cleared("J2", fixed_now() + 1min)).ok());
    auto u = db->exec("UPDATE audit_entries SET job_id = 'J9' WHERE seq = 1");
    ASSERT_FALSE(u.ok());
    EXPECT_NE(u.error().message.find("append-only"), std::string::npos) << u.error().message;
    EXPECT_FALSE(db->exec("DELETE FROM audit_entries").ok());
    // Whoever can disable the rule (the file's owner, the database owner) can edit a
    // row: the chain names the entry.
    if (postgres()) ASSERT_TRUE(db->exec("ALTER TABLE audit_entries DISABLE TRIGGER USER").ok());
    else ASSERT_TRUE(db->exec("DROP TRIGGER audit_entries_no_update").ok());
    ASSERT_TRUE(db->exec("UPDATE audit_entries SET body = replace(body, 'discharge_summary', 'lab_results') WHERE seq = 1").ok());
    auto rep = a->verify();
    ASSERT_TRUE(rep.ok());
    EXPECT_FALSE(rep->ok);
    EXPECT_EQ(rep->problem, gate::AuditProblem::Altered);
    EXPECT_EQ(rep->first_bad_seq.value_or(0), 1);
}

TEST_P(Audit, ManyHandlesAppendingAtOnceMakeOneChain) {
    // Stations append through their own connections at the same time: one chain, no
    // sequence number lost or given twice.
    { auto first = open("init"); }
    constexpr int kHandles = 6, kEach = 15;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    std::vector<std::shared_ptr<store::Database>> dbs;
    for (int i = 0; i < kHandles; ++i) dbs.push_back(connect("audit"));
    for (int i = 0; i < kHandles; ++i) {
        threads.emplace_back([&, i] {
            auto a = gate::AuditLog::open(dbs[static_cast<std::size_t>(i)], SchemaPolicy::Migrate);
            if (!a) {
                ++failures;
                return;
            }
            a->set_station("ws-" + std::to_string(i));
            for (int k = 0; k < kEach; ++k)
                if (!a->append_decision(cleared("J" + std::to_string(i) + "-" + std::to_string(k), fixed_now() + std::chrono::seconds(k))))
                    ++failures;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    auto log = open("check");
    auto rep = log.verify();
    ASSERT_TRUE(rep.ok());
    EXPECT_TRUE(rep->ok) << rep->message;
    EXPECT_EQ(rep->entries, kHandles * kEach);
    auto entries = log.entries();
    ASSERT_TRUE(entries.ok());
    std::set<std::string> jobs;
    for (const auto& e : *entries) jobs.insert(e.job_id);
    EXPECT_EQ(jobs.size(), static_cast<std::size_t>(kHandles * kEach));
}

TEST_P(Audit, EachStationSignsWithItsOwnKeyAndTheTrailVerifiesWithAllOfThem) {
    auto k1 = gate::AuditSigningKey::generate();
    auto k2 = gate::AuditSigningKey::generate();
    ASSERT_TRUE(k1.ok() && k2.ok());
    const gate::AuditVerifyKey pub1 = k1->public_key(), pub2 = k2->public_key();
    auto a = open("ws-1");
    auto b = open("ws-2");
    a.set_signer(std::make_shared<const gate::AuditSigningKey>(std::move(*k1)), 1);
    b.set_signer(std::make_shared<const gate::AuditSigningKey>(std::move(*k2)), 1);
    ASSERT_TRUE(a.adopt_unsigned_trail(fixed_now()).ok());
    ASSERT_TRUE(a.register_signer("ws-1", fixed_now()).ok());
    ASSERT_TRUE(b.register_signer("ws-2", fixed_now() + 1s).ok());
    ASSERT_TRUE(a.append_decision(cleared("J1", fixed_now())).ok());
    ASSERT_TRUE(b.append_decision(cleared("J2", fixed_now())).ok());
    ASSERT_TRUE(a.append_decision(cleared("J3", fixed_now())).ok());
    auto both = a.verify_with(std::nullopt, {pub1, pub2});
    ASSERT_TRUE(both.ok());
    EXPECT_TRUE(both->ok) << both->message;
    EXPECT_EQ(both->checkpoints, 4);
    auto one = a.verify_with(std::nullopt, {pub1});
    ASSERT_TRUE(one.ok());
    EXPECT_FALSE(one->ok);
    EXPECT_EQ(one->problem, gate::AuditProblem::BadSignature);
    auto signers = a.signers();
    ASSERT_TRUE(signers.ok());
    if (postgres()) {
        ASSERT_EQ(signers->size(), 2u);
        EXPECT_EQ((*signers)[0].station, "ws-1");
    } else {
        EXPECT_TRUE(signers->empty());  // one station, one key file
    }
}

FAX_BOTH_BACKENDS(Audit);

// ---- the job queue

class Queue : public BackendTest {
protected:
    job::JobQueue open(const std::string& station, std::chrono::seconds lease = 30s) {
        auto q = job::JobQueue::open(connect("queue"), SchemaPolicy::Migrate);
        EXPECT_TRUE(q.ok()) << q.error().to_string();
        q->set_station(station, lease);
        return std::move(*q);
    }
};

TEST_P(Queue, ClaimStartsTheAttemptUnderALeaseAndNobodyElseGetsIt) {
    auto a = open("ws-1");
    auto b = open("ws-2");
    ASSERT_TRUE(a.add(queued_job("J1", fixed_now())).ok());
    auto dup = a.add(queued_job("J1", fixed_now()));
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, Errc::InvalidArgument);
    auto c = a.claim_next_due(fixed_now(), "ttyACM0");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_TRUE(c->has_value());
    EXPECT_TRUE((*c)->started);
    EXPECT_EQ((*c)->job.attempts, 0);
    auto none = b.claim_next_due(fixed_now(), "ttyACM1");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    auto j = b.find("J1");
    ASSERT_TRUE(j.ok() && j->has_value());
    EXPECT_EQ((*j)->state, job::JobState::Running);
    EXPECT_EQ((*j)->attempts, 1);
    EXPECT_EQ((*j)->lease_owner, "ws-1");
    EXPECT_EQ((*j)->lease_until, fixed_now() + 30s);
}

TEST_P(Queue, ConcurrentClaimsTakeEveryJobExactlyOnce) {
    constexpr int kJobs = 40, kStations = 4;
    {
        auto q = open("submit");
        for (int i = 0; i < kJobs; ++i) ASSERT_TRUE(q.add(queued_job("J" + std::to_string(i), fixed_now() + std::chrono::seconds(i % 3))).ok());
    }
    std::vector<std::shared_ptr<store::Database>> dbs;
    for (int i = 0; i < kStations; ++i) dbs.push_back(connect("queue"));
    std::vector<std::vector<std::string>> taken(kStations);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int s = 0; s < kStations; ++s) {
        threads.emplace_back([&, s] {
            auto q = job::JobQueue::open(dbs[static_cast<std::size_t>(s)], SchemaPolicy::Migrate);
            if (!q) {
                ++failures;
                return;
            }
            q->set_station("ws-" + std::to_string(s), 30s);
            for (;;) {
                auto c = q->claim_next_due(fixed_now() + 1h, "modem");
                if (!c) {
                    ++failures;
                    return;
                }
                if (!*c) return;
                taken[static_cast<std::size_t>(s)].push_back((*c)->job.id);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    std::multiset<std::string> all;
    for (const auto& t : taken) all.insert(t.begin(), t.end());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kJobs));
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), static_cast<std::size_t>(kJobs));
}

TEST_P(Queue, AnExpiredLeaseIsTakenOverByExactlyOneStation) {
    auto a = open("ws-1", 10s);
    auto b = open("ws-2", 10s);
    auto c = open("ws-3", 10s);
    ASSERT_TRUE(a.add(queued_job("J1", fixed_now())).ok());
    ASSERT_TRUE(a.claim_next_due(fixed_now(), "m").ok());
    ASSERT_TRUE(a.renew_lease("J1", fixed_now() + 5s).ok());  // until +15 s
    auto early = b.recoverable(fixed_now() + 12s, false, false);
    ASSERT_TRUE(early.ok());
    EXPECT_TRUE(early->empty());
    auto late = b.recoverable(fixed_now() + 16s, false, false);
    ASSERT_TRUE(late.ok());
    ASSERT_EQ(late->size(), 1u);
    auto stale_for_c = c.recoverable(fixed_now() + 16s, false, false);
    ASSERT_TRUE(stale_for_c.ok() && stale_for_c->size() == 1u);
    auto won = b.take_over(late->front(), fixed_now() + 16s);
    ASSERT_TRUE(won.ok());
    EXPECT_TRUE(*won);
    auto lost = c.take_over(stale_for_c->front(), fixed_now() + 16s);
    ASSERT_TRUE(lost.ok());
    EXPECT_FALSE(*lost);
    // The first station's lease is gone: it may not renew (and so ends its call).
    auto renew = a.renew_lease("J1", fixed_now() + 17s);
    ASSERT_FALSE(renew.ok());
    EXPECT_EQ(renew.error().code, Errc::InvalidArgument);
    // Its own jobs are recoverable by a restarted station whatever the lease says.
    auto own = b.recoverable(fixed_now() + 17s, false, true);
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(own->size(), 1u);
}

TEST_P(Queue, PagesConfirmedAreKeptOnceAndSpooledFilesTravelWithTheJob) {
    auto q = open("ws-1");
    std::vector<uint8_t> bytes(70000);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>((i * 7) & 0xff);
    ASSERT_TRUE(q.add_with_file(queued_job("J1", fixed_now()), std::string(64, 'f'), bytes).ok());
    auto back = q.spool_file("J1");
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    ASSERT_TRUE(back->has_value());
    EXPECT_EQ(**back, std::string(bytes.begin(), bytes.end()));
    ASSERT_TRUE(q.claim_next_due(fixed_now(), "m").ok());
    ASSERT_TRUE(q.page_confirmed("J1", 1, 1, fixed_now()).ok());
    ASSERT_TRUE(q.page_confirmed("J1", 1, 2, fixed_now()).ok());
    ASSERT_TRUE(q.page_confirmed("J1", 1, 1, fixed_now()).ok());  // again: idempotent
    auto pages = q.pages_confirmed_during("J1", 1);
    ASSERT_TRUE(pages.ok());
    EXPECT_EQ(*pages, (std::vector<int>{1, 2}));
    job::JobQueue::AttemptEnd end{{1, 2, 3}, job::JobState::Done, fixed_now(), {}, "Ok", ""};
    ASSERT_TRUE(q.finish_attempt("J1", end, fixed_now() + 1min).ok());
    auto gone = q.spool_file("J1");
    ASSERT_TRUE(gone.ok());
    EXPECT_FALSE(gone->has_value());  // a closed job's file is not kept
}

TEST_P(Queue, CancelAndCloseAQueuedJob) {
    auto q = open("ws-1");
    ASSERT_TRUE(q.add(queued_job("J1", fixed_now())).ok());
    ASSERT_TRUE(q.request_cancel("J1", "E1", fixed_now()).ok());
    auto c = q.claim_next_due(fixed_now(), "m");
    ASSERT_TRUE(c.ok() && c->has_value());
    EXPECT_FALSE((*c)->started);  // cancelled: for the caller to close, not to send
    ASSERT_TRUE(q.close("J1", job::JobState::Cancelled, "cancelled", "by staff", fixed_now()).ok());
    auto again = q.close("J1", job::JobState::Cancelled, "cancelled", "by staff", fixed_now());
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::InvalidArgument);
}

TEST_P(Queue, EachStationReportsItsOwnModems) {
    auto a = open("ws-1");
    auto b = open("ws-2");
    job::ModemStatus m;
    m.entry = "/dev/ttyACM0";
    m.state = "idle";
    m.pid = 1;
    m.updated_at = fixed_now();
    ASSERT_TRUE(a.put_modem_status(m).ok());
    m.state = "sending";
    ASSERT_TRUE(a.put_modem_status(m).ok());  // replaced
    if (postgres()) {
        ASSERT_TRUE(b.put_modem_status(m).ok());  // the same device name on another station
        ASSERT_TRUE(b.retain_modem_statuses({}).ok());  // drops ws-2's rows only
    }
    auto rows = a.modem_statuses();
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].state, "sending");
    EXPECT_EQ((*rows)[0].station, "ws-1");
}

FAX_BOTH_BACKENDS(Queue);

// ---- the received-fax log

using Received = BackendTest;

TEST_P(Received, LogsFaxesWithTheStationThatReceivedThem) {
    auto r = job::ReceiveLog::open(connect("received"), SchemaPolicy::Migrate);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    job::ReceivedFax f;
    f.id = "R1";
    f.modem = "ttyACM0";
    f.pages = 2;
    f.complete = true;
    f.completion = "ok";
    f.started_at = fixed_now();
    f.finished_at = fixed_now() + 1min;
    f.station = "ws-2";
    ASSERT_TRUE(r->add(f).ok());
    auto got = r->find("R1");
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->station, "ws-2");
    EXPECT_EQ((*got)->finished_at, fixed_now() + 1min);
    auto list = r->list(10);
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list->size(), 1u);
}

FAX_BOTH_BACKENDS(Received);

// ---- schema versions

using Schema = BackendTest;

TEST_P(Schema, AStationRefusesASchemaItDoesNotKnow) {
    auto db = connect("queue");
    // RequireCurrent (a station on the shared store): nothing there yet -> refused,
    // saying what to do; Migrate (faxctl store migrate) creates it.
    auto none = job::JobQueue::open(db, SchemaPolicy::RequireCurrent);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code, Errc::Unsupported);
    EXPECT_NE(none.error().message.find("faxctl store migrate"), std::string::npos) << none.error().message;
    ASSERT_TRUE(job::JobQueue::open(db, SchemaPolicy::Migrate).ok());
    ASSERT_TRUE(job::JobQueue::open(db, SchemaPolicy::RequireCurrent).ok());
    // A newer program migrated it: refused whatever the policy.
    ASSERT_TRUE(db->set_schema_version("queue", job::JobQueue::kSchemaVersion + 1).ok());
    auto newer = job::JobQueue::open(db, SchemaPolicy::Migrate);
    ASSERT_FALSE(newer.ok());
    EXPECT_EQ(newer.error().code, Errc::Unsupported);
    EXPECT_NE(newer.error().message.find("upgrade this station"), std::string::npos) << newer.error().message;
}

FAX_BOTH_BACKENDS(Schema);

// ---- what only the shared store has

class Shared : public BackendTest {
protected:
    void SetUp() override {
        BackendTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
    }
    station::StationConfig config(const std::string& user) {
        station::StationConfig c;
        c.data_dir = tmp_.path();
        c.store_url = url(user);
        c.name = "ws-test";
        return c;
    }
};

TEST_P(Shared, TheStationRoleMayInsertIntoTheTrailButNeverChangeIt) {
    ASSERT_TRUE(pg_->create_role("faxstation").ok());
    auto m = station::migrate_stores(config("faxadmin"), std::string("faxstation"));
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    auto stores = station::open_stores(config("faxstation"));
    ASSERT_TRUE(stores.ok()) << stores.error().to_string();
    ASSERT_TRUE(stores->audit.append_decision(cleared("J1", fixed_now())).ok());
    ASSERT_TRUE(stores->queue.add(queued_job("J1", fixed_now())).ok());
    ASSERT_TRUE(stores->queue.claim_next_due(fixed_now(), "m").ok());  // the queue is live state: updated
    auto db = stores->shared;
    for (const char* sql : {"UPDATE audit_entries SET job_id = 'J9'", "DELETE FROM audit_entries",
                            "TRUNCATE audit_entries", "DELETE FROM audit_checkpoints",
                            "ALTER TABLE audit_entries DISABLE TRIGGER USER", "DROP TABLE audit_entries",
                            "UPDATE recipient_events SET detail = 'x'", "DELETE FROM jobs"}) {
        auto s = db->exec(sql);
        ASSERT_FALSE(s.ok()) << sql;
        const auto& text = s.error().message;
        EXPECT_TRUE(text.find("permission denied") != std::string::npos || text.find("must be owner") != std::string::npos)
            << sql << ": " << text;
    }
    // Nor can it create the schema: that is the owner's (faxctl store migrate).
    ASSERT_TRUE(pg_->create_database(dbname_ + "_fresh").ok());
    station::StationConfig fresh = config("faxstation");
    fresh.store_url = pg_->url(dbname_ + "_fresh", "faxstation");
    auto made = station::migrate_stores(fresh, std::nullopt);
    ASSERT_FALSE(made.ok());
    EXPECT_NE(made.error().message.find("permission denied"), std::string::npos) << made.error().message;
}

TEST_P(Shared, AStoppedServerIsUnavailableAndAHandleReconnectsWhenItIsBack) {
    auto stores = [&] {
        EXPECT_TRUE(station::migrate_stores(config("faxadmin"), std::nullopt).ok());
        return station::open_stores(config("faxadmin"));
    }();
    ASSERT_TRUE(stores.ok()) << stores.error().to_string();
    ASSERT_TRUE(stores->audit.append_decision(cleared("J1", fixed_now())).ok());
    ASSERT_TRUE(pg_->stop().ok());
    auto down = stores->audit.append_decision(cleared("J2", fixed_now()));
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, Errc::Unavailable) << down.error().to_string();
    EXPECT_NE(down.error().message.find("cannot be reached"), std::string::npos);
    EXPECT_EQ(down.error().message.find(kMember), std::string::npos);
    EXPECT_FALSE(stores->shared->reachable());
    auto fresh = station::open_stores(config("faxadmin"));
    ASSERT_FALSE(fresh.ok());
    EXPECT_EQ(fresh.error().code, Errc::Unavailable);
    ASSERT_TRUE(pg_->restart().ok());
    EXPECT_TRUE(stores->shared->reachable());
    ASSERT_TRUE(stores->audit.append_decision(cleared("J2", fixed_now())).ok());
    auto rep = stores->audit.verify();
    ASSERT_TRUE(rep.ok());
    EXPECT_TRUE(rep->ok);
    EXPECT_EQ(rep->entries, 2);  // nothing lost, nothing doubled
}

TEST_P(Shared, APasswordInTheUrlIsRefused) {
    EXPECT_FALSE(store::parse_postgres_url("postgresql://fax:secret@db.example/faxstack").ok());
    EXPECT_FALSE(store::parse_postgres_url("host=db dbname=fax password=secret").ok());
    EXPECT_FALSE(store::parse_postgres_url("faxstack").ok());
    EXPECT_TRUE(store::parse_postgres_url("postgresql://fax@db.example/faxstack?sslmode=verify-full").ok());
    EXPECT_TRUE(store::parse_postgres_url("service=faxstack").ok());
    EXPECT_EQ(store::redact_conninfo("host=db password=secret"), "host=db password=***");
}

INSTANTIATE_TEST_SUITE_P(Backends, Shared, ::testing::Values(Backend::Postgres), test::backend_name);

}  // namespace
}  // namespace fax
