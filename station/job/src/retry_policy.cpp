#include "fax/job/retry_policy.h"

#include <algorithm>

namespace fax::job {

std::string_view to_string(FailureClass c) {
    switch (c) {
    case FailureClass::None: return "none";
    case FailureClass::NotRetryable: return "not_retryable";
    case FailureClass::CallSetup: return "call_setup";
    case FailureClass::Training: return "training";
    case FailureClass::Page: return "page";
    case FailureClass::Shutdown: return "shutdown";
    }
    return "none";
}

FailureClass classify(const gate::TransmissionOutcome& o, bool all_delivered, bool station_shutdown) {
    using gate::CompletionCode;
    if (all_delivered) return FailureClass::None;
    if (o.completion == CompletionCode::CsiMismatch) return FailureClass::NotRetryable;
    if (station_shutdown) return FailureClass::Shutdown;
    switch (o.completion) {
    case CompletionCode::Busy:
    case CompletionCode::NoAnswer:
    case CompletionCode::NoDialtone: return FailureClass::CallSetup;
    default: break;
    }
    // A page went out and the remote did not confirm it (or confirmed some and the call broke).
    if (o.pages_sent > o.pages_confirmed || o.completion == CompletionCode::Partial) return FailureClass::Page;
    // Reached a fax machine (it identified itself or we trained) but no page went out.
    if (o.remote_csi.has_value() || o.negotiated.bit_rate > 0) return FailureClass::Training;
    return FailureClass::CallSetup;
}

Tuning next_tuning(const Tuning& used, FailureClass c) {
    Tuning t = used;
    if (c == FailureClass::Training || c == FailureClass::Page) {
        if (t.max_modulation == Modulation::V17) t.max_modulation = Modulation::V29;
        else if (t.max_modulation == Modulation::V29) t.max_modulation = Modulation::V27ter;
    }
    if (c == FailureClass::Page) t.ecm = !t.ecm;
    return t;
}

NextStep decide(const RetryPolicy& policy, const Tuning& used, int attempts_done, const gate::TransmissionOutcome& o,
                bool all_delivered, bool station_shutdown) {
    NextStep n;
    n.failure = classify(o, all_delivered, station_shutdown);
    n.tuning = used;
    if (n.failure == FailureClass::None) {
        n.state = JobState::Done;
        n.reason = "delivered";
        return n;
    }
    if (n.failure == FailureClass::NotRetryable) {
        n.state = JobState::Failed;
        n.reason = "not_retryable";
        return n;
    }
    if (n.failure == FailureClass::Shutdown) {
        // Not the line's fault: the attempt is counted (it is in the audit trail) but the
        // job goes again as soon as the station is back, unless attempts are exhausted.
        if (attempts_done >= policy.max_attempts + 1) {
            n.state = JobState::Failed;
            n.reason = "gave_up";
        }
        return n;
    }
    if (attempts_done >= policy.max_attempts) {
        n.state = JobState::Failed;
        n.reason = "gave_up";
        return n;
    }
    n.tuning = next_tuning(used, n.failure);
    if (!policy.delays.empty()) {
        const auto i = std::min<std::size_t>(static_cast<std::size_t>(std::max(attempts_done - 1, 0)), policy.delays.size() - 1);
        n.delay = policy.delays[i];
    }
    return n;
}

}  // namespace fax::job
