// The theoretical lower bound of a call's line time, per the T.30 / V.17 timings
// recorded in docs/spandsp-0.0.6-notes.md ("Line-time reference"):
//
//   first page    ≈ 11.4 s + bits/rate                 (phase A/B: CED, CSI/DIS, TSI/DCS,
//                                                        TCF, CFR at V.21; V.17 training)
//   further page  ≈ 2.4 s + bits/rate                  non-ECM (RTC, MPS/MCF, retrain)
//                 ≈ 2.7 s + 1.045 · bits/rate           ECM (frame overhead, PPS/MCF)
//   + ≈ 4 s for every further 64 KiB ECM partial page of one page (T.30 Annex A: 256 frames)
//   + ≈ 1.1 s DCN
//
// The first-page overhead is counted from the moment the called station answers.
// Pure arithmetic: no I/O.
#pragma once

#include <cstddef>
#include <vector>

namespace fax::faxbench {

struct BoundModel {
    int bit_rate = 14400;                    // V.17
    double first_page_overhead_s = 11.4;
    double further_page_nonecm_s = 2.4;
    double further_page_ecm_s = 2.7;
    double ecm_factor = 1.045;               // HDLC framing of 256-octet ECM frames
    std::size_t partial_page_bytes = 65536;  // 256 frames x 256 octets
    double extra_partial_page_s = 4.0;
    double dcn_s = 1.1;
};

// Seconds the image data of one page needs on the line (with ECM framing if ecm).
double data_seconds(std::size_t bytes, bool ecm, const BoundModel& m = {});
// ECM partial pages beyond the first that a page of `bytes` needs (0 without ECM).
int extra_partial_pages(std::size_t bytes, bool ecm, const BoundModel& m = {});
// Lower bound of a page sent after another page of the same call.
double further_page_bound(std::size_t bytes, bool ecm, const BoundModel& m = {});
// Lower bound of the first page, from answer to the end of its data and confirmation.
double first_page_bound(std::size_t bytes, bool ecm, const BoundModel& m = {});
// Whole call from answer to DCN: pages[0] first, the rest further pages.
double call_bound(const std::vector<std::size_t>& page_bytes, bool ecm, const BoundModel& m = {});

}  // namespace fax::faxbench
