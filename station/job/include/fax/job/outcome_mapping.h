// From what the T.30 session reports to what the audit trail records: the one place
// where a call's typed error becomes a gate::CompletionCode.
#pragma once

#include "fax/gate/audit_log.h"
#include <vector>

#include "fax/t30/fax_session.h"

namespace fax::job {

// Pages the remote answered with MCF (T.30 §5.3.6.1.5, "message confirmation"). Only
// these count as delivered: RTP/RTN/PIP/PIN ask for retraining or operator attention
// and are not a confirmation that the page arrived as sent.
int pages_confirmed_by_mcf(const t30::SessionResult& result);

// The completion code of a finished (or failed) call with `pages_total` pages:
//   remote ident mismatch -> CsiMismatch (DCN before any page);
//   every page MCF-confirmed -> Ok;
//   some pages confirmed -> Partial;
//   otherwise the typed error: LineBusy -> Busy, NoAnswer, NoCarrier, NoDialtone, Timeout,
//   Protocol, Cancelled; a T.30 failure without a modem error -> Timeout for the T.30
//   timers (T0/T1/T2/T3/T5), Protocol for the rest; anything else -> Failed.
gate::CompletionCode completion_for(const t30::SessionResult& result, const Status& run_status, int pages_total);

// The whole outcome (times are handed in: the engine reads no clock and neither does
// this mapping). `run_status` is what the runner returned (a transport failure, the
// call limit); the session's own status is in `result`.
gate::TransmissionOutcome outcome_for(const t30::SessionResult& result, const Status& run_status, int pages_total,
                                      gate::TimePoint started_at, gate::TimePoint finished_at);

// The same for one attempt of a queued job that sent `attempt_pages` (pages of the
// cleared document, 1 = cover, in the order sent): confirmed_pages names the pages
// of the cleared document the remote answered with MCF.
gate::TransmissionOutcome outcome_for_attempt(const t30::SessionResult& result, const Status& run_status, int attempt,
                                              const std::vector<int>& attempt_pages, gate::TimePoint started_at,
                                              gate::TimePoint finished_at);
std::vector<int> confirmed_document_pages(const t30::SessionResult& result, const std::vector<int>& attempt_pages);

// "MMR" -> "T.6" etc. (the audit trail names the recommendation, not the codec).
std::string compression_label(const std::string& session_compression);

}  // namespace fax::job
