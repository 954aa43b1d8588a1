// faxctl audit verify / audit export / policy show.
#include <sys/stat.h>


#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "commands.h"
#include "fax/base/private_file.h"
#include "fax/gate/policy.h"
#include "fax/station/station.h"

namespace fax::faxctl {
namespace {

using nlohmann::json;

bool all_hex(std::string_view s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

// "YYYY-MM-DD" (a UTC day; `end_of_day` moves to the next midnight so --to is
// inclusive) or "YYYY-MM-DDTHH:MM:SSZ" (that instant).
std::optional<gate::TimePoint> parse_date(std::string_view s, bool end_of_day) {
    using namespace std::chrono;
    auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    if (s.size() != 10 && s.size() != 20) return std::nullopt;
    auto y = num(0, 4), mo = num(5, 2), d = num(8, 2);
    if (!y || !mo || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
    const year_month_day ymd{year(*y), month(static_cast<unsigned>(*mo)), day(static_cast<unsigned>(*d))};
    if (!ymd.ok()) return std::nullopt;
    sys_seconds t = sys_days(ymd);
    if (s.size() == 10) return end_of_day ? t + days(1) : t;
    auto h = num(11, 2), mi = num(14, 2), se = num(17, 2);
    if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' || !h || !mi || !se || *h > 23 || *mi > 59 ||
        *se > 60)
        return std::nullopt;
    return t + hours(*h) + minutes(*mi) + seconds(*se);
}

// Writes the export as `target`, mode 0600 (it names the member): a new file created
// 0600 under a private temporary name in target's directory, renamed over `target`. Never
// through a symbolic link (one at `target` is refused: the file it points to is left
// alone) and never by rewriting an existing file, whose mode another user may have
// chosen: an existing regular file is replaced by the new one. Returns the mode the
// written file has.
Result<unsigned> write_export_file(const std::filesystem::path& target, const std::string& data) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return fail(Errc::InvalidInput, "--output " + target.string() +
                                                " is a symbolic link; the export is never written through one: "
                                                "name a new file or the link's target itself");
        if (!S_ISREG(st.st_mode))
            return fail(Errc::InvalidInput, "--output " + target.string() + " exists and is not a regular file");
    } else if (errno != ENOENT) {
        return fail(Errc::InvalidInput, "--output " + target.string() + ": " + std::strerror(errno));
    }
    auto dir = target.parent_path();
    if (dir.empty()) dir = ".";
    if (target.filename().empty() || target.filename() == "." || target.filename() == "..")
        return fail(Errc::InvalidInput, "--output " + target.string() + ": not a file name");
    auto f = PrivateFile::create(dir, target.filename().string());
    if (!f) return fail(Errc::InvalidInput, "--output " + target.string() + ": " + f.error().message);
    if (auto s = f->write_all(data); !s) return fail(Errc::Io, "--output " + target.string() + ": " + s.error().message);
    if (auto s = f->commit(); !s) return fail(Errc::Io, "--output " + target.string() + ": " + s.error().message);
    // Report what is there, not what was meant.
    if (::lstat(target.c_str(), &st) != 0)
        return fail(Errc::Io, "--output " + target.string() + ": written but cannot be inspected: " + std::strerror(errno));
    return static_cast<unsigned>(st.st_mode & 07777);
}

std::string octal(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0%03o", mode);
    return buf;
}

}  // namespace

int cmd_audit_verify(const Globals& g, const std::optional<std::string>& head_arg) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    // Nothing is created here, but a data directory others can reach is refused as at every start.
    if (auto s = station::check_data_dirs(*cfg); !s) return report_error(out, s.error());
    std::error_code ec;
    if (!std::filesystem::exists(cfg->audit_db(), ec))
        return report_error(out, Error{Errc::InvalidInput, cfg->audit_db().string() + ": no audit trail here"});
    auto audit = gate::AuditLog::open(cfg->audit_db());
    if (!audit) return report_error(out, audit.error());

    std::optional<gate::AuditHead> expected;
    if (head_arg) {
        // "SEQ:HASH" as printed by a previous verify, or the bare HASH.
        std::string hash = *head_arg;
        std::optional<int64_t> seq;
        if (auto colon = hash.find(':'); colon != std::string::npos) {
            try {
                seq = std::stoll(hash.substr(0, colon));
            } catch (const std::exception&) {
                return report_error(out, Error{Errc::InvalidInput, "--head: must be HASH or SEQ:HASH"});
            }
            hash = hash.substr(colon + 1);
        }
        if (hash.size() != 64 || !all_hex(hash))
            return report_error(out, Error{Errc::InvalidInput, "--head: the hash must be 64 lower-case hex digits"});
        if (!seq) {
            auto entries = audit->entries();
            if (!entries) return report_error(out, entries.error());
            for (const auto& e : *entries)
                if (e.hash == hash) seq = e.seq;
            if (!seq) {
                const std::string msg = "the recorded head " + hash.substr(0, 16) +
                                        "... is not in the audit trail: entries were removed or altered";
                out.emit(json{{"event", "audit_verify"}, {"ok", false}, {"problem", "truncated"}, {"message", msg}},
                         "AUDIT PROBLEM: " + msg);
                return code(Exit::AuditProblem);
            }
        }
        expected = gate::AuditHead{*seq, hash};
    }
    auto rep = audit->verify(expected);
    if (!rep) return report_error(out, rep.error());
    auto head = audit->head();
    const std::string head_text = head ? std::to_string(head->seq) + ":" + head->hash : rep->head_hash;
    json j{{"event", "audit_verify"}, {"ok", rep->ok},      {"entries", rep->entries},
           {"problem", std::string(gate::to_string(rep->problem))}, {"message", rep->message}, {"head", head_text}};
    if (rep->first_bad_seq) j["first_bad_seq"] = *rep->first_bad_seq;
    if (rep->ok) {
        out.emit(j, rep->message + "\n  head " + head_text + "\n  (keep the head elsewhere; `faxctl audit verify --head " +
                        head_text + "` later also detects entries removed from the end)");
        return code(Exit::Ok);
    }
    out.emit(j, "AUDIT PROBLEM: " + rep->message);
    return code(Exit::AuditProblem);
}

int cmd_audit_export(const Globals& g, const ExportArgs& a) {
    const Printer out(g.json);
    if (a.member.empty()) return report_error(out, Error{Errc::InvalidInput, "--member: must not be empty"});
    auto from = parse_date(a.from, false);
    if (!from) return report_error(out, Error{Errc::InvalidInput, "--from: must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"});
    auto to = parse_date(a.to, true);
    if (!to) return report_error(out, Error{Errc::InvalidInput, "--to: must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"});
    if (*to <= *from) return report_error(out, Error{Errc::InvalidInput, "--to: must not be before --from"});
    if (a.format != "csv" && a.format != "json")
        return report_error(out, Error{Errc::InvalidInput, "--format: must be csv or json"});
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    // Nothing is created here, but a data directory others can reach is refused as at every start.
    if (auto s = station::check_data_dirs(*cfg); !s) return report_error(out, s.error());
    std::error_code ec;
    if (!std::filesystem::exists(cfg->audit_db(), ec))
        return report_error(out, Error{Errc::InvalidInput, cfg->audit_db().string() + ": no audit trail here"});
    auto audit = gate::AuditLog::open(cfg->audit_db());
    if (!audit) return report_error(out, audit.error());
    auto rows = audit->disclosures(a.member, *from, *to);
    if (!rows) return report_error(out, rows.error());
    const std::string doc = a.format == "csv" ? gate::disclosures_to_csv(a.member, *rows)
                                               : gate::disclosures_to_json(a.member, *from, *to, *rows);
    if (!a.output) {
        // The accounting of disclosures itself, asked for by name: the one output that
        // carries the member reference. Straight to stdout, in either mode.
        std::fwrite(doc.data(), 1, doc.size(), stdout);
        std::fflush(stdout);
        return code(Exit::Ok);
    }
    auto mode = write_export_file(*a.output, doc);
    if (!mode) return report_error(out, mode.error());
    out.emit(json{{"event", "audit_export"}, {"disclosures", rows->size()}, {"output", a.output->string()},
                  {"format", a.format}, {"mode", octal(*mode)}},
             std::to_string(rows->size()) + " disclosures written to " + a.output->string() + " (" + a.format +
                 ", mode " + octal(*mode) + ")");
    return code(Exit::Ok);
}

int cmd_policy_show(const Globals& g) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    auto policy = load_station_policy(*cfg);
    if (!policy) return report_error(out, policy.error());
    const std::string text = gate::policy_to_json(*policy);
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
    std::fflush(stdout);
    return code(Exit::Ok);
}

}  // namespace fax::faxctl
