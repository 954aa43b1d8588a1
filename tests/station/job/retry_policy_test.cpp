// The retry policy as a table: outcome in, next step out.
#include "fax/job/retry_policy.h"

#include <gtest/gtest.h>

namespace fax::job {
namespace {

using gate::CompletionCode;
using namespace std::chrono_literals;

gate::TransmissionOutcome outcome(CompletionCode c, int sent = 0, int confirmed = 0, int rate = 0, bool csi = false) {
    gate::TransmissionOutcome o;
    o.completion = c;
    o.pages_sent = sent;
    o.pages_confirmed = confirmed;
    o.negotiated.bit_rate = rate;
    if (csi) o.remote_csi = "12065550142";
    return o;
}

struct Case {
    const char* name;
    gate::TransmissionOutcome o;
    bool all_delivered;
    int attempts_done;
    Tuning used;
    JobState state;
    FailureClass failure;
    Tuning next;
    std::chrono::seconds delay;
};

TEST(RetryPolicy, EachOutcomeLeadsToItsNextStep) {
    const RetryPolicy p;  // 60, 300, 900, 1800 s; 5 attempts
    const Tuning v17{Modulation::V17, true};
    const Case cases[] = {
        {"delivered", outcome(CompletionCode::Ok, 3, 3, 14400, true), true, 1, v17, JobState::Done, FailureClass::None, v17, 0s},
        {"csi mismatch is never retried", outcome(CompletionCode::CsiMismatch, 0, 0, 0, true), false, 1, v17,
         JobState::Failed, FailureClass::NotRetryable, v17, 0s},
        {"busy: same tuning, first delay", outcome(CompletionCode::Busy), false, 1, v17, JobState::Queued,
         FailureClass::CallSetup, v17, 60s},
        {"no answer: second delay", outcome(CompletionCode::NoAnswer), false, 2, v17, JobState::Queued,
         FailureClass::CallSetup, v17, 300s},
        {"no dial tone: last delay repeats", outcome(CompletionCode::NoDialtone), false, 4, v17, JobState::Queued,
         FailureClass::CallSetup, v17, 1800s},
        {"training failed: one modulation lower", outcome(CompletionCode::Timeout, 0, 0, 14400, true), false, 1, v17,
         JobState::Queued, FailureClass::Training, {Modulation::V29, true}, 60s},
        {"page failed: lower and ECM toggled", outcome(CompletionCode::Partial, 2, 1, 9600, true), false, 1,
         {Modulation::V29, true}, JobState::Queued, FailureClass::Page, {Modulation::V27ter, false}, 60s},
        {"page failed at the floor: ECM back on", outcome(CompletionCode::Protocol, 1, 0, 4800, true), false, 2,
         {Modulation::V27ter, false}, JobState::Queued, FailureClass::Page, {Modulation::V27ter, true}, 300s},
        {"no carrier before any fax machine: call set-up", outcome(CompletionCode::NoCarrier), false, 1, v17,
         JobState::Queued, FailureClass::CallSetup, v17, 60s},
        {"attempts exhausted", outcome(CompletionCode::Busy), false, 5, v17, JobState::Failed, FailureClass::CallSetup,
         v17, 0s},
    };
    for (const auto& c : cases) {
        const NextStep n = decide(p, c.used, c.attempts_done, c.o, c.all_delivered, false);
        EXPECT_EQ(n.state, c.state) << c.name;
        EXPECT_EQ(n.failure, c.failure) << c.name;
        if (n.state == JobState::Queued) {
            EXPECT_EQ(n.tuning, c.next) << c.name;
            EXPECT_EQ(n.delay, c.delay) << c.name;
        }
    }
}

TEST(RetryPolicy, AStationShutdownRetriesAtOnceWithTheSameTuning) {
    const Tuning v17{Modulation::V17, true};
    const NextStep n = decide(RetryPolicy{}, v17, 2, outcome(CompletionCode::Cancelled, 1, 1, 14400, true), false, true);
    EXPECT_EQ(n.state, JobState::Queued);
    EXPECT_EQ(n.failure, FailureClass::Shutdown);
    EXPECT_EQ(n.tuning, v17);
    EXPECT_EQ(n.delay, 0s);
}

}  // namespace
}  // namespace fax::job
