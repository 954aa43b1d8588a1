#include "fax/job/outcome_mapping.h"

#include <algorithm>

namespace fax::job {
namespace {

gate::CompletionCode from_errc(Errc code) {
    using gate::CompletionCode;
    switch (code) {
    case Errc::LineBusy: return CompletionCode::Busy;
    case Errc::NoAnswer: return CompletionCode::NoAnswer;
    case Errc::NoCarrier: return CompletionCode::NoCarrier;
    case Errc::NoDialtone: return CompletionCode::NoDialtone;
    case Errc::Timeout: return CompletionCode::Timeout;
    case Errc::Protocol: return CompletionCode::Protocol;
    case Errc::Cancelled: return CompletionCode::Cancelled;
    default: return CompletionCode::Failed;
    }
}

// How the call ended (t30::CallEnd, settled by the session) as the audit trail's code.
gate::CompletionCode from_call_end(t30::CallEnd end) {
    using gate::CompletionCode;
    using t30::CallEnd;
    switch (end) {
    case CallEnd::Busy: return CompletionCode::Busy;
    case CallEnd::NoAnswer: return CompletionCode::NoAnswer;
    case CallEnd::NoDialtone: return CompletionCode::NoDialtone;
    case CallEnd::NoCarrier: return CompletionCode::NoCarrier;
    case CallEnd::Timeout: return CompletionCode::Timeout;
    // The far end's T.30 would not go on with us: a procedure failure, retried slower.
    case CallEnd::TrainingFailed:
    case CallEnd::Incompatible:
    case CallEnd::Protocol: return CompletionCode::Protocol;
    case CallEnd::IdentMismatch: return CompletionCode::CsiMismatch;
    case CallEnd::Cancelled: return CompletionCode::Cancelled;
    case CallEnd::None:
    case CallEnd::Ok:  // ended normally, yet not every page confirmed: not delivered
    case CallEnd::NoCall:
    case CallEnd::Document:
    case CallEnd::Modem:
    case CallEnd::Failed: return CompletionCode::Failed;
    }
    return CompletionCode::Failed;
}

}  // namespace

int pages_confirmed_by_mcf(const t30::SessionResult& r) {
    return static_cast<int>(std::count_if(r.page_outcomes.begin(), r.page_outcomes.end(),
                                          [](const t30::PageOutcome& o) { return o.response == "MCF"; }));
}

gate::CompletionCode completion_for(const t30::SessionResult& r, const Status& run_status, int pages_total) {
    using gate::CompletionCode;
    if (r.remote_ident_mismatch) return CompletionCode::CsiMismatch;
    const int confirmed = pages_confirmed_by_mcf(r);
    // Delivered is what the remote confirmed; a failure after the last MCF (say, the
    // DCN was lost) does not undeliver the pages.
    if (pages_total > 0 && confirmed >= pages_total) return CompletionCode::Ok;
    if (confirmed > 0) return CompletionCode::Partial;
    if (!r.status.ok()) return from_errc(r.status.error().code);
    // Before the session's end: a runner's call limit ends the call through cancel(), so
    // the session says Cancelled and only the runner says Timeout.
    if (!run_status.ok()) return from_errc(run_status.error().code);
    return from_call_end(r.end);
}

std::string compression_label(const std::string& c) {
    if (c == "MH") return "T.4 1D";
    if (c == "MR") return "T.4 2D";
    if (c == "MMR") return "T.6";
    return c;
}

gate::TransmissionOutcome outcome_for(const t30::SessionResult& r, const Status& run_status, int pages_total,
                                      gate::TimePoint started_at, gate::TimePoint finished_at) {
    std::vector<int> pages;
    for (int p = 1; p <= pages_total; ++p) pages.push_back(p);
    return outcome_for_attempt(r, run_status, 1, pages, started_at, finished_at);
}

std::vector<int> confirmed_document_pages(const t30::SessionResult& r, const std::vector<int>& attempt_pages) {
    std::vector<int> out;
    for (const auto& po : r.page_outcomes)
        if (po.response == "MCF" && po.page >= 1 && po.page <= static_cast<int>(attempt_pages.size()))
            out.push_back(attempt_pages[static_cast<std::size_t>(po.page - 1)]);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

gate::TransmissionOutcome outcome_for_attempt(const t30::SessionResult& r, const Status& run_status, int attempt,
                                              const std::vector<int>& attempt_pages, gate::TimePoint started_at,
                                              gate::TimePoint finished_at) {
    const int pages_total = static_cast<int>(attempt_pages.size());
    gate::TransmissionOutcome o;
    o.attempt = attempt;
    o.pages_sent = std::min(static_cast<int>(r.page_outcomes.size()), pages_total);
    o.confirmed_pages = confirmed_document_pages(r, attempt_pages);
    o.pages_confirmed = static_cast<int>(o.confirmed_pages.size());
    if (!r.remote_ident.empty()) o.remote_csi = r.remote_ident;
    o.negotiated.bit_rate = r.bit_rate;
    o.negotiated.modulation = r.modulation;
    // The gate spools every page normalised to 204 x 196 dpi (T.30 "fine", R8 x 7.7 l/mm).
    o.negotiated.resolution = r.bit_rate > 0 ? "R8x7.7" : "";
    o.negotiated.compression = compression_label(r.compression);
    o.negotiated.ecm = r.ecm;
    o.completion = completion_for(r, run_status, pages_total);
    // The detail names codes and counts only: no patient data can reach it.
    if (r.remote_ident_mismatch) {
        o.detail = "DCN after CSI mismatch";
    } else if (!r.status.ok()) {
        o.detail = std::string(to_string(r.status.error().code)) + ": " + r.status.error().message;
    } else if (!run_status.ok()) {
        o.detail = std::string(to_string(run_status.error().code)) + ": " + run_status.error().message;
    } else if (!r.completion_text.empty()) {
        o.detail = r.completion_text;
    }
    if (o.detail.size() > 200) o.detail.resize(200);
    o.started_at = started_at;
    o.finished_at = finished_at;
    return o;
}

}  // namespace fax::job
