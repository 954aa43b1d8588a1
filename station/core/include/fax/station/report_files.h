// After each job faxctl files a transmission report (PNG and PDF) under
// <data_dir>/reports/, with a thumbnail of the cover only (fax::report).
#pragma once

#include <filesystem>
#include <string>

#include "fax/station/config.h"
#include "fax/base/result.h"
#include "fax/job/receive_log.h"
#include "fax/station/transmitter.h"

namespace fax::station {

struct ReportRecipient {
    std::string organisation;
    std::string attention;
    std::string number;  // as displayed
    std::string expected_csi;
};

struct ReportFiles {
    std::filesystem::path png, pdf;
};

// Writes <job>.png and <job>.pdf (mode 0600) from the transmission and the spooled fax
// (only its first page, the cover, is read). Called before the spool file is dropped.
Result<ReportFiles> write_job_report(const StationConfig& config, const TransmitReport& rep,
                                     const ReportRecipient& recipient, const std::string& spooled_tiff);

// Writes <rx id>.png and <rx id>.pdf (mode 0600) for a received fax; no image of its pages.
Result<ReportFiles> write_reception_report(const StationConfig& config, const job::ReceivedFax& fax);

}  // namespace fax::station
