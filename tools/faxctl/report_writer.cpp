#include "report_writer.h"

#include <sys/stat.h>

#include <algorithm>

#include "fax/driver/transmission_report.h"
#include "fax/gate/cover_sheet.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxctl {

Result<ReportFiles> write_job_report(const StationConfig& config, const TransmitReport& rep,
                                     const ReportRecipient& recipient, const std::string& spooled_tiff) {
    report::TransmissionReport r;
    r.station = config.ident;
    r.job_id = rep.job_id;
    r.recipient_organisation = recipient.organisation;
    r.recipient_name = recipient.attention;
    r.recipient_fax = recipient.number;
    r.expected_csi = recipient.expected_csi;
    r.remote_csi = rep.outcome.remote_csi.value_or("");
    r.pages_total = rep.pages_total;
    for (int p = 1; p <= rep.pages_total; ++p) {
        report::PageLine line;
        line.page = p;
        auto it = std::find_if(rep.page_outcomes.begin(), rep.page_outcomes.end(),
                               [p](const t30::PageOutcome& o) { return o.page == p; });
        if (it != rep.page_outcomes.end()) {
            line.sent = true;
            line.response = it->response;
            // As in the audit trail: only MCF confirms a page (outcome_mapping.cpp).
            line.confirmed = it->response == "MCF";
        }
        r.pages.push_back(line);
    }
    const auto& n = rep.outcome.negotiated;
    r.modulation = n.modulation;
    r.bit_rate = n.bit_rate;
    r.ecm = n.ecm;
    r.compression = n.compression;
    r.started_at = gate::format_cover_datetime(rep.outcome.started_at, config.utc_offset, config.zone_label);
    r.finished_at = gate::format_cover_datetime(rep.outcome.finished_at, config.utc_offset, config.zone_label);
    r.duration_s = std::chrono::duration<double>(rep.outcome.finished_at - rep.outcome.started_at).count();
    r.result = std::string(gate::to_string(rep.outcome.completion));
    r.detail = rep.outcome.detail;
    if (auto pages = t30::read_tiff(spooled_tiff); pages.ok() && !pages->empty()) r.cover = std::move(pages->front());

    std::error_code ec;
    std::filesystem::create_directories(config.reports_dir(), ec);
    if (ec) return fail(Errc::Io, config.reports_dir().string() + ": " + ec.message());
    ReportFiles f{config.reports_dir() / (rep.job_id + ".png"), config.reports_dir() / (rep.job_id + ".pdf")};
    FAX_TRY(report::write_report_png(r, f.png));
    FAX_TRY(report::write_report_pdf(r, f.pdf));
    // The report names the recipient: readable by the station account only.
    ::chmod(f.png.c_str(), 0600);
    ::chmod(f.pdf.c_str(), 0600);
    return f;
}

}  // namespace fax::faxctl
