// The confirmation report a station prints or files after each job: who was sent what,
// which pages the receiving machine confirmed, how the call went, and a thumbnail of the
// cover page. Rendered with cairo as a PNG and as a one-page PDF from the same drawing.
//
// What it never does: claim delivery of a page the remote did not confirm with MCF (T.30
// §5.3.6.1.6), or show anything of the record pages. The report has no field for the
// member reference or for record pages: it cannot show them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/t30/bitmap.h"

namespace fax::report {

struct PageLine {
    int page = 0;          // 1-based; page 1 is the cover
    bool sent = false;     // its image data went on the line
    bool confirmed = false;  // the remote answered MCF (or RTP): delivered
    std::string response;  // "MCF", "RTN", "PPR", "" if none
};

struct TransmissionReport {
    std::string station;   // the sending station's name or TSI
    std::string job_id;
    std::string recipient_organisation;
    std::string recipient_name;
    std::string recipient_fax;
    std::string remote_csi;        // as the remote identified itself; empty if it never did
    std::string expected_csi;      // from the directory, if any
    int pages_total = 0;           // including the cover
    std::vector<PageLine> pages;   // one per page of the job, in order
    std::string modulation;        // "V.17"
    int bit_rate = 0;
    bool ecm = false;
    std::string compression;       // "MMR"
    std::string started_at;        // formatted by the caller (the report reads no clock)
    std::string finished_at;
    double duration_s = 0;
    std::string result;            // completion code, e.g. "ok", "partial", "busy"
    std::string detail;            // e.g. "DCN after CSI mismatch"; never patient data
    std::optional<t30::Bitmap> cover;  // page 1 only, for the thumbnail
};

// Pages the remote confirmed: the only pages the report calls delivered.
int delivered_pages(const TransmissionReport& r);
// "Delivered: all 3 pages", "Delivered: 2 of 3 pages (page 3 not confirmed)", "Not delivered".
std::string delivery_summary(const TransmissionReport& r);

// US Letter at 150 dpi (1275 x 1650). Io if the file cannot be written.
Status write_report_png(const TransmissionReport& r, const std::filesystem::path& path);
// One US Letter page, vector text (searchable).
Status write_report_pdf(const TransmissionReport& r, const std::filesystem::path& path);

// The report a station files for each received fax. It has no image of the pages:
// what arrives may be a patient's record.
struct ReceptionReport {
    std::string station;      // our CSI
    std::string rx_id;        // the received fax's id
    std::string modem;        // the device that answered
    std::string remote_tsi;   // as the sender identified itself; empty if it never did
    int pages_received = 0;
    bool complete = false;    // T.30 ended normally after the last page
    std::string modulation;
    int bit_rate = 0;
    bool ecm = false;
    std::string compression;
    std::string started_at;   // formatted by the caller
    std::string finished_at;
    double duration_s = 0;
    std::string result;       // "ok", "partial", "failed"
    std::string detail;       // never document content
    std::string stored_as;    // file name of the stored TIFF, if any
};
// "Received: 3 pages", "Partly received: 2 pages, then the call failed", "Nothing received".
std::string reception_summary(const ReceptionReport& r);
Status write_reception_report_png(const ReceptionReport& r, const std::filesystem::path& path);
Status write_reception_report_pdf(const ReceptionReport& r, const std::filesystem::path& path);

}  // namespace fax::report
