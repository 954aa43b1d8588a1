// What happens after an attempt: done, try again (when, and how), or give up.
// A pure function of the attempt's outcome and the job's history (table-tested in
// tests/job); the daemon reads the clock and hands the time in.
//
//   every page confirmed                         -> Done
//   remote identified as another station (CSI)    -> Failed, not retried (staff must look)
//   busy, no answer, no dial tone, modem not open -> retry, same tuning
//   trained, then no page confirmed (training or
//     the first page failed)                      -> retry one modulation lower
//   some pages confirmed, then the call failed,
//     or a page was sent and not confirmed        -> retry one modulation lower and with
//                                                    ECM toggled; only unconfirmed pages
//   the station stopped (SIGTERM) mid-call        -> retry at once, same tuning
//   attempts exhausted                            -> Failed (gave up)
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fax/gate/audit_log.h"
#include "fax/job/job_queue.h"

namespace fax::job {

struct RetryPolicy {
    // Wait before attempt 2, 3, ...; the last entry repeats.
    std::vector<std::chrono::seconds> delays{std::chrono::seconds(60), std::chrono::seconds(300),
                                             std::chrono::seconds(900), std::chrono::seconds(1800)};
    int max_attempts = 5;
};

enum class FailureClass {
    None,       // all pages confirmed
    NotRetryable,
    CallSetup,  // never reached a fax machine (busy, no answer, no dial tone, local trouble)
    Training,   // reached a fax machine, no page confirmed, nothing sent
    Page,       // a page was sent and not confirmed
    Shutdown,   // the station stopped the call
};
std::string_view to_string(FailureClass c);

FailureClass classify(const gate::TransmissionOutcome& outcome, bool all_delivered, bool station_shutdown);

// The tuning after a failure of class `c` (step down; toggle ECM on page failures).
Tuning next_tuning(const Tuning& used, FailureClass c);

struct NextStep {
    JobState state = JobState::Queued;       // Queued (retry) or a closed state
    std::string reason;                      // closure reason (audit): delivered, gave_up, not_retryable
    std::chrono::seconds delay{0};           // Queued: wait before the next attempt
    Tuning tuning;                           // Queued: for the next attempt
    FailureClass failure = FailureClass::None;
};

NextStep decide(const RetryPolicy& policy, const Tuning& used, int attempts_done,
                const gate::TransmissionOutcome& outcome, bool all_delivered, bool station_shutdown);

}  // namespace fax::job
