// faxctl audit verify / audit export / policy show.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "commands.h"
#include "fax/base/private_file.h"
#include "fax/gate/audit_signing.h"
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

// What verify said about the signed checkpoints (JSON members and a text tail).
void add_signature_report(json& j, const gate::AuditVerifyReport& rep, const std::optional<gate::AuditVerifyKey>& key) {
    j["signed"] = rep.signatures_checked;
    if (!rep.signatures_checked) return;
    j["key_fingerprint"] = key->fingerprint();
    j["checkpoints"] = rep.checkpoints;
    if (rep.last_checkpoint) j["signed_through"] = rep.last_checkpoint->seq;
    j["unsigned_entries"] = rep.unsigned_entries;
}

std::string signature_text(const gate::AuditVerifyReport& rep, const std::optional<gate::AuditVerifyKey>& key) {
    if (!rep.signatures_checked)
        return "\n  NOT SIGNED: no audit signing key here; only the chain was checked (entries removed from the end"
               "\n  or a recomputed chain cannot be seen without a head kept elsewhere: --head)";
    std::string s = "\n  signed by " + key->fingerprint() + " through entry " +
                    std::to_string(rep.last_checkpoint ? rep.last_checkpoint->seq : 0) + " (" +
                    std::to_string(rep.checkpoints) + " checkpoints)";
    if (rep.unsigned_entries > 0)
        s += "\n  " + std::to_string(rep.unsigned_entries) +
             " later entries are chained but not signed yet: proven only once a checkpoint covers them";
    s += "\n  (`faxctl audit anchor --output FILE` exports the signed head for keeping off the station)";
    return s;
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

// The key checkpoints are checked with: derived from the private key when this user can
// read it (and then the .pub beside it must agree), else the .pub file. None: the trail
// has never been signed (no station of this version opened it).
struct VerifyKey {
    std::optional<gate::AuditVerifyKey> key;
    std::optional<std::string> problem;  // the key files contradict each other
};
Result<VerifyKey> station_verify_key(const station::StationConfig& cfg) {
    VerifyKey vk;
    const auto pub_file = gate::audit_public_key_file(cfg.audit_key());
    auto pub = gate::AuditVerifyKey::load(pub_file);
    if (!pub && pub.error().code != Errc::NotFound) return fail(pub.take_error());
    auto priv = gate::AuditSigningKey::load(cfg.audit_key());
    if (priv) {
        vk.key = priv->public_key();
        if (pub && !(*pub == priv->public_key()))
            vk.problem = "the public key file " + pub_file.string() + " is not the signing key's: it was replaced";
        return vk;
    }
    if (priv.error().code != Errc::NotFound && priv.error().code != Errc::Io) return fail(priv.take_error());
    if (pub) vk.key = *pub;
    return vk;
}

constexpr std::string_view kAnchorFormat = "fax-audit-anchor/1";

json anchor_json(const gate::AuditCheckpoint& c, const gate::AuditVerifyKey& key) {
    return json{{"format", std::string(kAnchorFormat)},
                {"seq", c.seq},
                {"hash", c.hash},
                {"at", std::chrono::duration_cast<std::chrono::seconds>(c.at.time_since_epoch()).count()},
                {"interval", c.interval},
                {"adopted", c.adopted},
                {"prev_seq", c.prev_seq},
                {"key_fingerprint", c.key_fingerprint},
                {"public_key", key.hex()},
                {"signature", c.signature}};
}

struct Anchor {
    gate::AuditCheckpoint checkpoint;
    gate::AuditVerifyKey key;
};

// An anchor file, checked against its own public key (a file that does not verify is
// not an anchor). The station's key is compared by the caller.
Result<Anchor> read_anchor(const std::filesystem::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return fail(Errc::InvalidInput, "--anchor " + p.string() + ": " + std::strerror(errno));
    std::string text;
    char buf[4096];
    bool too_big = false;
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > 65536) {
            too_big = true;
            break;
        }
    }
    ::close(fd);
    const std::string what = "--anchor " + p.string() + ": ";
    if (too_big) return fail(Errc::InvalidInput, what + "larger than 64 KiB: not an anchor");
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("format", "") != kAnchorFormat)
        return fail(Errc::InvalidInput, what + "not a " + std::string(kAnchorFormat) + " document");
    try {
        auto key = gate::AuditVerifyKey::from_hex(j.at("public_key").get<std::string>());
        if (!key) return fail(Errc::InvalidInput, what + "public_key: not an Ed25519 public key");
        gate::AuditCheckpoint c;
        c.seq = j.at("seq").get<int64_t>();
        c.hash = j.at("hash").get<std::string>();
        c.at = gate::TimePoint(std::chrono::seconds(j.at("at").get<int64_t>()));
        c.interval = j.at("interval").get<int>();
        c.adopted = j.at("adopted").get<bool>();
        c.prev_seq = j.at("prev_seq").get<int64_t>();
        c.key_fingerprint = j.at("key_fingerprint").get<std::string>();
        c.signature = j.at("signature").get<std::string>();
        if (c.seq < 0 || c.hash.size() != 64 || !all_hex(c.hash)) return fail(Errc::InvalidInput, what + "seq or hash malformed");
        if (c.key_fingerprint != key->fingerprint() || !key->verify(gate::checkpoint_message(c), c.signature))
            return fail(Errc::InvalidInput, what + "its signature does not verify with its public key: not a valid anchor");
        return Anchor{std::move(c), *key};
    } catch (const json::exception&) {
        return fail(Errc::InvalidInput, what + "a member is missing or of the wrong type");
    }
}

}  // namespace

int cmd_audit_anchor(const Globals& g, const std::optional<std::filesystem::path>& output) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    auto audit = station::open_audit_only(*cfg);
    if (!audit) return report_error(out, audit.error());
    auto vk = station_verify_key(*cfg);
    if (!vk) return report_error(out, vk.error());
    if (!vk->key)
        return report_error(out, Error{Errc::InvalidInput, "no audit signing key in " + cfg->data_dir.string() +
                                                               ": the trail has never been signed"});
    auto cp = audit->latest_checkpoint();
    if (!cp) return report_error(out, cp.error());
    if (!*cp) return report_error(out, Error{Errc::InvalidInput, "the audit trail has no signed checkpoint yet"});
    // On a shared store the latest checkpoint may be another station's: its key goes in
    // the anchor, and the trail is checked against every registered station's key.
    std::vector<gate::AuditVerifyKey> keys{*vk->key};
    if (cfg->shared_store()) {
        auto signers = audit->signers();
        if (!signers) return report_error(out, signers.error());
        keys.clear();
        for (const auto& sg : *signers) {
            keys.push_back(sg.key);
            if (sg.key.fingerprint() == (*cp)->key_fingerprint) vk->key = sg.key;
        }
    }
    // The anchor is only worth keeping if what it vouches for is intact now.
    auto rep = audit->verify_with(std::nullopt, keys);
    if (!rep) return report_error(out, rep.error());
    if (!rep->ok || vk->problem) {
        const std::string msg = vk->problem ? *vk->problem : rep->message;
        out.emit(json{{"event", "audit_anchor"}, {"ok", false}, {"message", msg}},
                 "AUDIT PROBLEM: " + msg + "\n  (no anchor given: it would vouch for a trail that does not verify)");
        return code(Exit::AuditProblem);
    }
    const json a = anchor_json(**cp, *vk->key);
    const std::string doc = a.dump(2) + "\n";
    if (!output) {
        if (g.json) {
            json e = a;
            e["event"] = "audit_anchor";
            out.emit(e, "");
        } else {
            std::fputs(doc.c_str(), stdout);
            std::fprintf(stdout, "keep this off the station: `faxctl audit verify --anchor FILE` checks the trail "
                                 "against it (key %s)\n", (*cp)->key_fingerprint.c_str());
            std::fflush(stdout);
        }
        return code(Exit::Ok);
    }
    auto mode = write_export_file(*output, doc);
    if (!mode) return report_error(out, mode.error());
    out.emit(json{{"event", "audit_anchor"}, {"output", output->string()}, {"seq", (*cp)->seq},
                  {"key_fingerprint", (*cp)->key_fingerprint}, {"mode", octal(*mode)}},
             "anchor of entry " + std::to_string((*cp)->seq) + " written to " + output->string() + " (key " +
                 (*cp)->key_fingerprint + ", mode " + octal(*mode) + "): keep it off the station");
    return code(Exit::Ok);
}

namespace {

// One trail of many stations (a shared store): every checkpoint must be signed by the
// key of a registered station, the one its fingerprint names. The list of keys is printed:
// compare it with the fingerprints recorded when each station was set up
// (docs/multi-station.md, "The audit trail").
int verify_shared(const Printer& out, const gate::AuditLog& audit, const std::optional<gate::AuditHead>& expected,
                  const std::optional<Anchor>& anchor) {
    auto signers = audit.signers();
    if (!signers) return report_error(out, signers.error());
    std::vector<gate::AuditVerifyKey> keys;
    json signer_list = json::array();
    std::string signer_text;
    for (const auto& sg : *signers) {
        keys.push_back(sg.key);
        signer_list.push_back(json{{"station", sg.station}, {"key_fingerprint", sg.key.fingerprint()}});
        signer_text += "\n    " + sg.station + "  " + sg.key.fingerprint();
    }
    if (anchor && std::find(keys.begin(), keys.end(), anchor->key) == keys.end()) {
        const std::string msg = "no station of this trail holds the key that signed the anchor (" +
                                anchor->checkpoint.key_fingerprint + "): keys were replaced and the trail may have been re-signed";
        out.emit(json{{"event", "audit_verify"}, {"ok", false}, {"problem", "bad_signature"}, {"message", msg}},
                 "AUDIT PROBLEM: " + msg);
        return code(Exit::AuditProblem);
    }
    if (keys.empty()) {
        auto cps = audit.checkpoints();
        if (!cps) return report_error(out, cps.error());
        if (!cps->empty()) {
            const std::string msg = "the trail has signed checkpoints but no station key is registered";
            out.emit(json{{"event", "audit_verify"}, {"ok", false}, {"problem", "bad_signature"}, {"message", msg}},
                     "AUDIT PROBLEM: " + msg);
            return code(Exit::AuditProblem);
        }
    }
    auto rep = audit.verify_with(expected, keys);
    if (!rep) return report_error(out, rep.error());
    auto head = audit.head();
    const std::string head_text = head ? std::to_string(head->seq) + ":" + head->hash : rep->head_hash;
    json j{{"event", "audit_verify"}, {"ok", rep->ok},      {"entries", rep->entries},
           {"problem", std::string(gate::to_string(rep->problem))}, {"message", rep->message}, {"head", head_text},
           {"signed", rep->signatures_checked}, {"signers", signer_list}};
    if (rep->first_bad_seq) j["first_bad_seq"] = *rep->first_bad_seq;
    if (rep->signatures_checked) {
        j["checkpoints"] = rep->checkpoints;
        if (rep->last_checkpoint) j["signed_through"] = rep->last_checkpoint->seq;
        j["unsigned_entries"] = rep->unsigned_entries;
    }
    if (rep->ok) {
        out.emit(j, rep->message + "\n  head " + head_text + "\n  one trail, " + std::to_string(keys.size()) +
                        " station key(s):" + signer_text);
        return code(Exit::Ok);
    }
    out.emit(j, "AUDIT PROBLEM: " + rep->message);
    return code(Exit::AuditProblem);
}

}  // namespace

int cmd_audit_verify(const Globals& g, const std::optional<std::string>& head_arg,
                     const std::optional<std::filesystem::path>& anchor_file) {
    const Printer out(g.json);
    auto cfg = effective_config(g);
    if (!cfg) return report_error(out, cfg.error());
    // Nothing is created here, but a data directory others can reach is refused as at every start.
    if (auto s = station::check_data_dirs(*cfg); !s) return report_error(out, s.error());
    auto audit = station::open_audit_only(*cfg);
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
    std::optional<Anchor> anchor;
    if (anchor_file) {
        if (expected) return report_error(out, Error{Errc::InvalidInput, "--anchor: give --head or --anchor, not both"});
        auto a = read_anchor(*anchor_file);
        if (!a) return report_error(out, a.error());
        anchor = std::move(*a);
        expected = gate::AuditHead{anchor->checkpoint.seq, anchor->checkpoint.hash};
    }
    if (cfg->shared_store()) return verify_shared(out, *audit, expected, anchor);
    auto vk = station_verify_key(*cfg);
    if (!vk) return report_error(out, vk.error());
    std::optional<std::string> key_problem = vk->problem;
    if (!key_problem && anchor && (!vk->key || !(*vk->key == anchor->key)))
        key_problem = "the station's signing key is not the one that signed the anchor (" +
                      anchor->checkpoint.key_fingerprint + "): the key was replaced and the trail may have been re-signed";
    if (!key_problem && !vk->key) {
        auto cps = audit->checkpoints();
        if (!cps) return report_error(out, cps.error());
        if (!cps->empty())
            key_problem = "the trail has signed checkpoints but the station's public key is missing from " +
                          cfg->data_dir.string();
    }
    if (key_problem) {
        out.emit(json{{"event", "audit_verify"}, {"ok", false}, {"problem", "bad_signature"}, {"message", *key_problem}},
                 "AUDIT PROBLEM: " + *key_problem);
        return code(Exit::AuditProblem);
    }
    auto rep = audit->verify(expected, vk->key ? &*vk->key : nullptr);
    if (!rep) return report_error(out, rep.error());
    auto head = audit->head();
    const std::string head_text = head ? std::to_string(head->seq) + ":" + head->hash : rep->head_hash;
    json j{{"event", "audit_verify"}, {"ok", rep->ok},      {"entries", rep->entries},
           {"problem", std::string(gate::to_string(rep->problem))}, {"message", rep->message}, {"head", head_text}};
    if (rep->first_bad_seq) j["first_bad_seq"] = *rep->first_bad_seq;
    add_signature_report(j, *rep, vk->key);
    if (rep->ok) {
        out.emit(j, rep->message + "\n  head " + head_text + signature_text(*rep, vk->key));
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
    auto audit = station::open_audit_only(*cfg);
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
