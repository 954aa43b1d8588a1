#include "fax/station/report_files.h"

#include <functional>

#include <algorithm>

#include "fax/base/private_file.h"
#include "fax/report/transmission_report.h"
#include "fax/gate/cover_sheet.h"
#include "fax/t30/tiff_io.h"

namespace fax::station {
namespace {

// <reports>/<name>.png and .pdf, written by `write`; the directory is made 0700 if
// missing and refused if it is not private (a symbolic link, another owner, group or
// other bits). Reports name the recipient or the sender: each file is created 0600 under
// a private temporary name (cairo writes into it by that name, inside the private
// directory) and renamed into place once complete.
Result<ReportFiles> write_files(const StationConfig& config, const std::string& name,
                                const std::function<Status(const ReportFiles&)>& write) {
    FAX_TRY(make_private_dir(config.reports_dir(), "reports directory"));
    auto png = PrivateFile::create(config.reports_dir(), name + ".png");
    if (!png) return fail(png.take_error());
    auto pdf = PrivateFile::create(config.reports_dir(), name + ".pdf");
    if (!pdf) return fail(pdf.take_error());
    FAX_TRY(write(ReportFiles{png->temp_path(), pdf->temp_path()}));
    FAX_TRY(png->commit());
    FAX_TRY(pdf->commit());
    return ReportFiles{png->final_path(), pdf->final_path()};
}

}  // namespace

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

    return write_files(config, rep.job_id, [&r](const ReportFiles& f) -> Status {
        FAX_TRY(report::write_report_png(r, f.png));
        return report::write_report_pdf(r, f.pdf);
    });
}

Result<ReportFiles> write_reception_report(const StationConfig& config, const job::ReceivedFax& fax) {
    report::ReceptionReport r;
    r.station = config.ident;
    r.rx_id = fax.id;
    r.modem = fax.modem;
    r.remote_tsi = fax.remote_tsi;
    r.pages_received = fax.pages;
    r.complete = fax.complete;
    r.modulation = fax.modulation;
    r.bit_rate = fax.bit_rate;
    r.ecm = fax.ecm;
    r.compression = fax.compression;
    r.started_at = gate::format_cover_datetime(fax.started_at, config.utc_offset, config.zone_label);
    r.finished_at = gate::format_cover_datetime(fax.finished_at, config.utc_offset, config.zone_label);
    r.duration_s = std::chrono::duration<double>(fax.finished_at - fax.started_at).count();
    r.result = fax.completion;
    r.detail = fax.detail;
    r.stored_as = fax.tiff_path.empty() ? std::string() : std::filesystem::path(fax.tiff_path).filename().string();
    return write_files(config, fax.id, [&r](const ReportFiles& f) -> Status {
        FAX_TRY(report::write_reception_report_png(r, f.png));
        return report::write_reception_report_pdf(r, f.pdf);
    });
}

}  // namespace fax::station
