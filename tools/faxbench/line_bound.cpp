#include "line_bound.h"

namespace fax::faxbench {

double data_seconds(std::size_t bytes, bool ecm, const BoundModel& m) {
    const double s = static_cast<double>(bytes) * 8.0 / m.bit_rate;
    return ecm ? s * m.ecm_factor : s;
}

int extra_partial_pages(std::size_t bytes, bool ecm, const BoundModel& m) {
    if (!ecm || bytes <= m.partial_page_bytes) return 0;
    return static_cast<int>((bytes + m.partial_page_bytes - 1) / m.partial_page_bytes) - 1;
}

double further_page_bound(std::size_t bytes, bool ecm, const BoundModel& m) {
    return (ecm ? m.further_page_ecm_s : m.further_page_nonecm_s) + data_seconds(bytes, ecm, m) +
           extra_partial_pages(bytes, ecm, m) * m.extra_partial_page_s;
}

double first_page_bound(std::size_t bytes, bool ecm, const BoundModel& m) {
    return m.first_page_overhead_s + data_seconds(bytes, ecm, m) +
           extra_partial_pages(bytes, ecm, m) * m.extra_partial_page_s;
}

double call_bound(const std::vector<std::size_t>& page_bytes, bool ecm, const BoundModel& m) {
    if (page_bytes.empty()) return 0.0;
    double s = first_page_bound(page_bytes.front(), ecm, m);
    for (std::size_t i = 1; i < page_bytes.size(); ++i) s += further_page_bound(page_bytes[i], ecm, m);
    return s + m.dcn_s;
}

}  // namespace fax::faxbench
