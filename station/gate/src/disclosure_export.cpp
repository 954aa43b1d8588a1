// The accounting of disclosures for one member, as CSV and JSON (faxctl audit export).
#include "fax/gate/audit_log.h"

#include "audit_records.h"
#include "time_format.h"

namespace fax::gate {

using namespace detail;

namespace {

std::string csv_field(std::string_view s) {
    bool quote = false;
    for (char c : s) quote = quote || c == ',' || c == '"' || c == '\n' || c == '\r';
    // Cells starting with =, +, -, @ are formulas to a spreadsheet: neutralise them.
    const bool formula = !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
    std::string out = formula ? "'" : "";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return quote || formula ? "\"" + out + "\"" : out;
}

std::string delivery_status(const Disclosure& d) {
    if (d.dry_run) return "dry run: not transmitted";
    if (!d.completion) return "no outcome recorded";
    if (d.pages_delivered == 0) return "not delivered";
    if (d.pages_delivered < d.pages_cleared) return "partially delivered";
    return "delivered";
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
    return s;
}

}  // namespace

std::string disclosures_to_csv(std::string_view member_reference, const std::vector<Disclosure>& rows) {
    std::string out =
        "member_reference,job_id,decided_at_utc,requester_staff_id,requester_name,recipient_id,"
        "recipient_organisation,recipient_name,recipient_category,purpose,sections,rule_id,pages_cleared,"
        "pages_delivered,status,completion,finished_at_utc,station\r\n";
    for (const auto& d : rows) {
        const std::vector<std::string> cells = {
            std::string(member_reference),
            d.job_id,
            detail::iso_utc(d.decided_at),
            d.requester.staff_id,
            d.requester.name,
            d.recipient_id,
            d.recipient_organisation,
            d.recipient_name,
            d.recipient_category ? std::string(to_string(*d.recipient_category)) : "",
            d.purpose ? std::string(to_string(*d.purpose)) : "",
            join(d.sections, ";"),
            d.rule_id,
            std::to_string(d.pages_cleared),
            std::to_string(d.pages_delivered),
            delivery_status(d),
            d.completion ? std::string(to_string(*d.completion)) : "",
            d.finished_at ? detail::iso_utc(*d.finished_at) : "",
            d.station,
        };
        for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_field(cells[i]);
        out += "\r\n";
    }
    return out;
}

std::string disclosures_to_json(std::string_view member_reference, TimePoint from, TimePoint to,
                                const std::vector<Disclosure>& rows) {
    json j;
    j["format"] = "fax-accounting-of-disclosures/1";
    j["member_reference"] = std::string(member_reference);
    j["from_utc"] = detail::iso_utc(from);
    j["to_utc"] = detail::iso_utc(to);
    json list = json::array();
    for (const auto& d : rows) {
        list.push_back({
            {"job_id", d.job_id},
            {"decided_at_utc", detail::iso_utc(d.decided_at)},
            {"requester", {{"staff_id", d.requester.staff_id}, {"name", d.requester.name}}},
            {"recipient",
             {{"id", d.recipient_id},
              {"organisation", d.recipient_organisation},
              {"name", d.recipient_name},
              {"category", d.recipient_category ? json(std::string(to_string(*d.recipient_category))) : json(nullptr)}}},
            {"purpose", d.purpose ? json(std::string(to_string(*d.purpose))) : json(nullptr)},
            {"sections", d.sections},
            {"rule_id", d.rule_id},
            {"pages_cleared", d.pages_cleared},
            {"pages_delivered", d.pages_delivered},
            {"status", delivery_status(d)},
            {"completion", d.completion ? json(std::string(to_string(*d.completion))) : json(nullptr)},
            {"finished_at_utc", d.finished_at ? json(detail::iso_utc(*d.finished_at)) : json(nullptr)},
            {"station", d.station},
        });
    }
    j["disclosures"] = list;
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}


}  // namespace fax::gate
