#include "fax/gate/release_gate.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <system_error>

#include "fax/base/log.h"
#include "fax/base/private_file.h"
#include "fax/base/sha256.h"
#include "fax/gate/page_selection.h"
#include "fax/gate/policy_check.h"
#include "fax/t30/document_limits.h"
#include "time_format.h"

namespace fax::gate {

const std::string& Decision::id() const {
    return cleared() ? std::get<0>(v_).job_id() : std::get<1>(v_).decision_id;
}

namespace {

constexpr const char* kLog = "gate";

// sha256 of the page's raw PBM (P4) encoding: reproducible from the page alone. The
// header and the rows are fed to the digest in turn (no copy of the page).
std::string page_hash(const t30::Bitmap& page) {
    Sha256 h;
    h.update("P4\n" + std::to_string(page.width) + " " + std::to_string(page.height) + "\n");
    h.update(page.bits);
    const auto d = h.finish();
    return d ? Sha256::to_hex(*d) : std::string();  // as sha256_hex reports a failure
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string join_ids(const std::vector<std::string>& ids) {
    std::string s;
    for (const auto& id : ids) s += (s.empty() ? "" : ",") + id;
    return s;
}

CoverFields cover_for(const Policy& policy, const SenderContact& sender, const DirectoryEntry& entry,
                      const std::string& attention, const Context& ctx) {
    CoverFields c;
    c.title = policy.cover_title;
    c.sender_name = sender.name;
    c.sender_department = sender.department;
    c.sender_phone = sender.phone;
    c.sender_fax = sender.fax;
    c.recipient_name = attention.empty() ? entry.person : attention;
    c.recipient_organisation = entry.organisation;
    c.recipient_fax = entry.fax.display();
    c.recipient_phone = entry.voice.display();
    c.date_time = format_cover_datetime(ctx.now, ctx.utc_offset, ctx.zone_label);
    c.confidentiality_statement = policy.confidentiality_statement;
    return c;
}

// The cover goes to whoever answers the number: it must not identify the member.
void check_no_member_reference(const CoverFields& c, std::string_view member_reference, std::vector<Finding>& out) {
    if (member_reference.size() < 4) return;
    const std::string needle = lower(member_reference);
    const std::pair<const char*, const std::string*> fields[] = {
        {"cover.sender.name", &c.sender_name},       {"cover.sender.department", &c.sender_department},
        {"cover.recipient.name", &c.recipient_name}, {"cover.recipient.organisation", &c.recipient_organisation},
        {"cover.purpose", &c.purpose},               {"cover.note", &c.note},
        {"cover.title", &c.title},                   {"cover.confidentiality_statement", &c.confidentiality_statement},
    };
    for (const auto& [field, value] : fields) {
        if (lower(*value).find(needle) != std::string::npos)
            out.push_back({std::string(rule::kCoverPatientData), field,
                           "the cover sheet would carry the member reference; it must carry no patient information",
                           "Remove the member reference from that field."});
    }
}

DecisionRecord base_record(const std::string& job_id, const StaffMember& requester, const std::string& recipient_id,
                           const DirectoryEntry* entry, const Context& ctx) {
    DecisionRecord r;
    r.job_id = job_id;
    r.requester = requester;
    r.recipient_id = recipient_id;
    if (entry != nullptr) {
        r.recipient_category = entry->category;
        r.recipient_organisation = entry->organisation;
        r.recipient_name = entry->person;
        r.dial_number = entry->fax.dial;
    }
    r.decided_at = ctx.now;
    return r;
}

}  // namespace

std::string_view to_string(GateStep step) {
    switch (step) {
    case GateStep::Policy: return "policy";
    case GateStep::DocumentRead: return "document_read";
    case GateStep::PagePreparation: return "page_preparation";
    case GateStep::Cover: return "cover";
    case GateStep::Spool: return "spool";
    case GateStep::PageHashes: return "page_hashes";
    case GateStep::AuditAppend: return "audit_append";
    }
    return "unknown";
}

ReleaseGate::ReleaseGate(Policy policy, Directory& directory, AuditLog& audit, DocumentIo& documents,
                         GateConfig config)
    : policy_(std::move(policy)),
      directory_(directory),
      audit_(audit),
      documents_(documents),
      config_(std::move(config)) {}

Result<std::string> ReleaseGate::new_job_id(const Context& context) const {
    unsigned char rnd[5];
    if (RAND_bytes(rnd, sizeof rnd) != 1) return fail(Errc::Internal, "gate: no random bytes for a job id");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string iso = detail::iso_utc(context.now);  // YYYY-MM-DDTHH:MM:SSZ
    std::string id = "J" + iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + "T" + iso.substr(11, 2) +
                     iso.substr(14, 2) + iso.substr(17, 2) + "-";
    for (unsigned char b : rnd) {
        id.push_back(kHex[b >> 4]);
        id.push_back(kHex[b & 15]);
    }
    return id;
}

Result<std::string> ReleaseGate::spool_pages(const std::string& name, const std::vector<t30::Bitmap>& pages) {
    // Spooled pages are records: the spool is the station user's alone (made 0700 if
    // missing; one that is a symbolic link, another user's or open to group or others is
    // refused, never chmod-ed), and the file is created 0600 under a private temporary
    // name there, written, flushed and renamed into place: no other account can list the
    // spool or open the file at any moment.
    if (auto s = make_private_dir(config_.spool_dir, "spool directory"); !s)
        return fail(s.error().code, "gate: " + s.error().message);
    auto part = PrivateFile::create(config_.spool_dir, name);
    if (!part) return fail(part.error().code, "gate: cannot create the fax file: " + part.error().message);
    auto written = documents_.write_fax_tiff(part->temp_path(), pages);
    if (!written) return fail(written.error().code, "gate: cannot write the fax file: " + written.error().message);
    if (auto s = part->commit(); !s) return fail(Errc::Io, "gate: cannot move the fax file into the spool");
    const auto final_path = part->final_path();
    std::error_code ec;
    auto content_hash = sha256_file_hex(final_path.string());
    if (!content_hash) {
        std::filesystem::remove(final_path, ec);
        return fail(content_hash.take_error());
    }
    return content_hash;
}

Result<Decision> ReleaseGate::refuse(DecisionRecord record, std::vector<Finding> findings) {
    Refusal refusal{record.job_id, std::move(findings)};
    record.cleared = false;
    record.rule_id.clear();
    record.rule_ids = refusal.rule_ids();
    record.findings = refusal.findings;
    auto seq = audit_.append_decision(record);
    if (!seq) return fail(seq.take_error());
    step(GateStep::AuditAppend);
    // The requested id is free text until the directory knows it (a record number
    // pasted into the wrong field must not reach the log); a known id is directory data.
    const std::string recipient =
        record.recipient_category ? "recipient entry '" + record.recipient_id + "'" : "no such recipient entry";
    FAX_LOG(Info, kLog,
            "decision " + record.job_id + " refused (" + join_ids(record.rule_ids) + "), " + recipient +
                ", audit entry " + std::to_string(*seq));
    return Decision(std::move(refusal));
}

Result<Decision> ReleaseGate::clear(DecisionRecord record, const CoverFields& cover, std::vector<t30::Bitmap> pages,
                                    const DirectoryEntry& entry) {
    auto cover_page = covers_.render(cover, config_.cover_style);
    if (!cover_page) return fail(cover_page.take_error());
    auto cover_norm = documents_.normalise_owned(std::move(*cover_page));
    if (!cover_norm) return fail(cover_norm.take_error());
    pages.insert(pages.begin(), std::move(*cover_norm));

    // The cover that will be transmitted, against the pages that will be transmitted.
    const int total = static_cast<int>(pages.size());
    if (auto f = validate_cover(cover, total); !f.empty())
        return fail(Errc::Internal, "gate: the cover stopped matching the job (" + f.front().rule_id + ")");
    step(GateStep::Cover);

    auto content_hash = spool_pages(record.job_id + ".tif", pages);
    if (!content_hash) return fail(content_hash.take_error());
    step(GateStep::Spool);
    const auto final_path = config_.spool_dir / (record.job_id + ".tif");
    std::error_code ec;

    record.cleared = true;
    record.rule_ids = {record.rule_id};
    record.page_count = total;
    record.content_sha256 = *content_hash;
    record.page_sha256.clear();
    for (const auto& p : pages) record.page_sha256.push_back(page_hash(p));
    record.cover_sha256 = record.page_sha256.front();
    record.cover = cover;
    step(GateStep::PageHashes);

    // No token without its audit entry.
    auto seq = audit_.append_decision(record);
    if (!seq) {
        std::filesystem::remove(final_path, ec);
        return fail(seq.take_error());
    }
    step(GateStep::AuditAppend);

    ClearedRelease token;
    token.valid_ = true;
    token.kind_ = record.kind;
    token.job_id_ = record.job_id;
    token.rule_id_ = record.rule_id;
    token.dial_number_ = entry.fax.dial;
    token.recipient_id_ = entry.id;
    token.expected_csi_ = entry.expected_csi;
    token.tiff_path_ = final_path.string();
    token.page_count_ = total;
    token.content_sha256_ = record.content_sha256;
    token.cover_sha256_ = record.cover_sha256;
    FAX_LOG(Info, kLog,
            "decision " + record.job_id + " cleared under " + record.rule_id + ": " + std::to_string(total) +
                " pages (cover included) to recipient entry '" + entry.id + "', audit entry " + std::to_string(*seq));
    return Decision(std::move(token));
}

Result<Decision> ReleaseGate::evaluate(const ReleaseRequest& req, const Context& ctx) {
    auto job_id = new_job_id(ctx);
    if (!job_id) return fail(job_id.take_error());
    auto found = directory_.find(req.recipient.directory_id);
    if (!found) return fail(found.take_error());
    const DirectoryEntry* entry = found->has_value() ? &found->value() : nullptr;

    PolicyVerdict verdict = check_release(req, entry, policy_, ctx.now);
    DecisionRecord record = base_record(*job_id, req.requester, req.recipient.directory_id, entry, ctx);
    record.kind = ReleaseKind::Release;
    record.member_reference = req.member_reference;
    record.purpose = req.purpose;
    record.sections = req.sections;
    const int total = req.selected_page_count() + 1;
    record.page_count = total;

    std::vector<Finding> findings = std::move(verdict.findings);
    CoverFields cover;
    if (entry != nullptr) {
        cover = cover_for(policy_, req.sender, *entry, req.recipient.attention, ctx);
        cover.total_pages = total;
        cover.purpose = std::string(display_name(req.purpose));
        for (auto& f : validate_cover(cover, total)) findings.push_back(std::move(f));
        check_no_member_reference(cover, req.member_reference, findings);
    }
    step(GateStep::Policy);
    if (!findings.empty() || verdict.rule_id.empty()) {
        if (findings.empty()) return fail(Errc::Internal, "gate: no rule matched and nothing refused");
        return refuse(std::move(record), std::move(findings));
    }
    record.rule_id = verdict.rule_id;

    // The pages. A document that cannot be read, or is shorter than the selection, is a
    // refusal recorded like any other (DOC-*): the request was parsed and a decision id
    // given, so the trail says what became of it. The reader's messages name the document
    // by its field only (DocumentIo scrubs the path), never its path or contents.
    std::vector<t30::Bitmap> pages;
    std::vector<Finding> doc_findings;
    for (std::size_t i = 0; i < req.documents.size(); ++i) {
        const auto& d = req.documents[i];
        const std::string where = "documents[" + std::to_string(i) + "]";
        // Only the selected pages are decoded, under the station's limits.
        auto doc = documents_.read_selected(d.path, d.pages);
        step(GateStep::DocumentRead);
        if (!doc) {
            FAX_LOG(Warn, kLog, "decision " + *job_id + ": " + where + " could not be read");
            const bool limit = t30::is_limit_error(doc.error());
            doc_findings.push_back({std::string(limit ? rule::kDocLimit : rule::kDocUnreadable), where,
                                    (limit ? "the document is over a station limit: " : "the document could not be read: ") +
                                        doc.error().message,
                                    limit ? "Send fewer or smaller pages (split the document), or ask IT to review the "
                                            "station's [limits] if such documents are expected."
                                          : "Check that the file exists and is a fax TIFF, PBM or PDF within the "
                                            "station's document limits, then submit the request again."});
            continue;
        }
        for (std::size_t k = 0; k < d.pages.size(); ++k) {
            const int p = d.pages[k];
            t30::Bitmap* found_page = doc->find(p);
            if (p > doc->page_count || found_page == nullptr) {
                doc_findings.push_back({std::string(rule::kDocPagesMissing), where + ".pages",
                                        "page " + std::to_string(p) + " is selected but the document has " +
                                            std::to_string(doc->page_count) + " pages",
                                        "Select pages of the document as it is, or attach the complete document."});
                break;
            }
            // The page read is handed over on its last selection (no copy), copied before.
            t30::Bitmap& page = *found_page;
            const bool again = std::find(d.pages.begin() + static_cast<std::ptrdiff_t>(k) + 1, d.pages.end(), p) !=
                               d.pages.end();
            auto norm = again ? documents_.normalise(page) : documents_.normalise_owned(std::move(page));
            if (!norm) {
                doc_findings.push_back({std::string(rule::kDocUnreadable), where,
                                        "page " + std::to_string(p) + " could not be made a fax page: " +
                                            norm.error().message,
                                        "Check the document (a scan of the page again may help), then submit the "
                                        "request again."});
                break;
            }
            pages.push_back(std::move(*norm));
        }
        step(GateStep::PagePreparation);
    }
    if (!doc_findings.empty()) return refuse(std::move(record), std::move(doc_findings));
    return clear(std::move(record), cover, std::move(pages), *entry);
}

Result<Decision> ReleaseGate::evaluate_verification_test(const VerificationTestRequest& req, const Context& ctx) {
    if (req.requester.staff_id.empty() || req.requester.name.empty())
        return fail(Errc::InvalidInput, "verification test: requester staff id and name are required");
    auto job_id = new_job_id(ctx);
    if (!job_id) return fail(job_id.take_error());
    auto found = directory_.find(req.recipient_id);
    if (!found) return fail(found.take_error());
    const DirectoryEntry* entry = found->has_value() ? &found->value() : nullptr;

    PolicyVerdict verdict = check_verification_test(entry, req.typed_fax, policy_);
    DecisionRecord record = base_record(*job_id, req.requester, req.recipient_id, entry, ctx);
    record.kind = ReleaseKind::VerificationTestFax;
    record.page_count = 1;

    std::vector<Finding> findings = std::move(verdict.findings);
    CoverFields cover;
    if (entry != nullptr) {
        cover = cover_for(policy_, req.sender, *entry, {}, ctx);
        cover.total_pages = 1;
        cover.purpose = "Fax number verification test";
        cover.note = "This is a test transmission to verify this fax number before records are sent to it. It "
                     "contains no patient information. Please call the sender at " +
                     (req.sender.phone.empty() ? std::string("the number above") : req.sender.phone) +
                     " to confirm that you received it.";
        for (auto& f : validate_cover(cover, 1)) findings.push_back(std::move(f));
    }
    step(GateStep::Policy);
    if (!findings.empty() || verdict.rule_id.empty()) {
        if (findings.empty()) return fail(Errc::Internal, "gate: no rule matched and nothing refused");
        return refuse(std::move(record), std::move(findings));
    }
    record.rule_id = verdict.rule_id;
    return clear(std::move(record), cover, {}, *entry);
}

Status ReleaseGate::record_outcome(std::string_view job_id, const TransmissionOutcome& outcome) {
    auto d = audit_.find_decision(job_id);
    if (!d) return fail(d.take_error());
    if (!*d) return fail(Errc::NotFound, "gate: no decision with job id " + std::string(job_id));
    const DecisionRecord& decision = **d;
    if (!decision.cleared) return fail(Errc::InvalidArgument, "gate: job " + std::string(job_id) + " was refused");
    auto seq = audit_.append_outcome(OutcomeRecord{std::string(job_id), outcome});
    if (!seq) return fail(seq.take_error());

    // What the call tells about the entry is about the number that was dialled. If
    // the entry's number changed since the decision, the outcome says nothing about
    // the new one: a delivered test fax to the old number must not verify it.
    auto entry = directory_.find(decision.recipient_id);
    if (!entry) return fail(entry.take_error());
    const bool same_number = entry->has_value() && (*entry)->fax.dial == decision.dial_number;
    if (!same_number) {
        FAX_LOG(Warn, kLog,
                "job " + std::string(job_id) + ": the recipient entry's number changed after the decision; the "
                "outcome is not recorded on the entry");
    } else {
        if (decision.kind == ReleaseKind::VerificationTestFax) {
            // Step 1 of verification: only a page the remote confirmed counts.
            const bool delivered = outcome.completion == CompletionCode::Ok && outcome.pages_confirmed >= 1;
            auto r = directory_.record_test_fax(decision.recipient_id,
                                                TestFaxRecord{std::string(job_id), outcome.finished_at, delivered, "gate"});
            if (!r) return fail(r.take_error());
        }
        if (outcome.remote_csi && !outcome.remote_csi->empty()) {
            FAX_TRY(directory_.record_observed_csi(decision.recipient_id, *outcome.remote_csi, outcome.finished_at));
        }
    }
    FAX_LOG(Info, kLog,
            "job " + std::string(job_id) + " outcome " + std::string(to_string(outcome.completion)) + ": " +
                std::to_string(outcome.pages_confirmed) + " of " + std::to_string(decision.page_count) +
                " pages confirmed by the remote, audit entry " + std::to_string(*seq));
    return {};
}

namespace {

std::string page_list(const std::vector<int>& pages) {
    std::string s;
    for (int p : pages) s += (s.empty() ? "" : ", ") + std::to_string(p);
    return s;
}

}  // namespace

Result<Decision> ReleaseGate::clear_attempt(std::string_view job_id, const AttemptPlan& plan, const Context& ctx) {
    auto d = audit_.find_decision(job_id);
    if (!d) return fail(d.take_error());
    if (!*d) return fail(Errc::NotFound, "gate: no decision with job id " + std::string(job_id));
    const DecisionRecord& decision = **d;
    if (!decision.cleared) return fail(Errc::InvalidArgument, "gate: job " + std::string(job_id) + " was refused");
    if (plan.pages.empty() || plan.pages.front() != 1 || !std::is_sorted(plan.pages.begin(), plan.pages.end()) ||
        std::adjacent_find(plan.pages.begin(), plan.pages.end()) != plan.pages.end() ||
        plan.pages.back() > decision.page_count)
        return fail(Errc::InvalidArgument, "gate: job " + std::string(job_id) +
                                               ": an attempt sends distinct pages of the job in order, the cover first");

    AttemptRecord rec;
    rec.job_id = std::string(job_id);
    rec.attempt = plan.attempt;
    rec.pages = plan.pages;
    rec.tuning = plan.tuning;
    rec.modem = plan.modem;
    rec.decided_at = ctx.now;

    std::vector<Finding> findings;
    if (ctx.now >= decision.decided_at + config_.clearance_validity)
        findings.push_back({std::string(rule::kAttemptExpired), "job",
                            "the clearance of job " + rec.job_id + " is older than " +
                                std::to_string(config_.clearance_validity.count()) + " hours",
                            "Submit the release again so that it is checked against today's directory and policy."});
    auto found = directory_.find(decision.recipient_id);
    if (!found) return fail(found.take_error());
    const DirectoryEntry* entry = found->has_value() ? &found->value() : nullptr;
    if (entry == nullptr) {
        findings.push_back({std::string(rule::kNumUnknown), "recipient.directory_id",
                            "directory entry '" + decision.recipient_id + "' no longer exists",
                            "Select the recipient from the directory and submit the release again."});
    } else {
        if (entry->fax.dial != decision.dial_number)
            findings.push_back({std::string(rule::kAttemptNumberChanged), "recipient.directory_id",
                                "the fax number of directory entry '" + entry->id + "' changed after the job was cleared",
                                "Verify the new number and submit the release again."});
        switch (verification_state(*entry, ctx.now, policy_.reverification_interval)) {
        case VerificationState::Verified: break;
        case VerificationState::Expired:
            findings.push_back({std::string(rule::kNumExpired), "recipient.directory_id",
                                "the verification of directory entry '" + entry->id + "' has expired",
                                "Re-verify the number (test fax and telephone confirmation), then submit again."});
            break;
        default:
            findings.push_back({std::string(rule::kNumUnverified), "recipient.directory_id",
                                "the fax number of directory entry '" + entry->id + "' is no longer verified",
                                "Verify the number (test fax and telephone confirmation), then submit again."});
            break;
        }
    }

    // The spooled file must be the one cleared, page by page.
    const auto cleared_path = config_.spool_dir / (rec.job_id + ".tif");
    std::vector<t30::Bitmap> cleared_pages;
    auto hash = sha256_file_hex(cleared_path.string());
    bool document_ok = hash && *hash == decision.content_sha256;
    if (document_ok) {
        auto pages = documents_.read_pages(cleared_path);
        document_ok = pages && static_cast<int>(pages->size()) == decision.page_count &&
                      decision.page_sha256.size() == pages->size();
        for (std::size_t i = 0; document_ok && i < pages->size(); ++i)
            document_ok = page_hash((*pages)[i]) == decision.page_sha256[i];
        if (document_ok) cleared_pages = std::move(*pages);
    }
    if (!document_ok)
        findings.push_back({std::string(rule::kAttemptDocumentChanged), "job",
                            "the spooled fax file of job " + rec.job_id + " is missing or not the file that was cleared",
                            "Submit the release again."});

    if (!findings.empty()) {
        rec.cleared = false;
        for (const auto& f : findings) rec.rule_ids.push_back(f.rule_id);
        rec.findings = findings;
        auto seq = audit_.append_attempt(rec);
        if (!seq) return fail(seq.take_error());
        FAX_LOG(Info, kLog,
                "job " + rec.job_id + " attempt " + std::to_string(rec.attempt) + " refused (" + join_ids(rec.rule_ids) +
                    "), audit entry " + std::to_string(*seq));
        return Decision(Refusal{rec.job_id, std::move(findings)});
    }

    const bool whole = static_cast<int>(plan.pages.size()) == decision.page_count;
    std::string path = cleared_path.string();
    std::string content = decision.content_sha256;
    std::string cover_hash = decision.cover_sha256;
    if (!whole) {
        if (!decision.cover)
            return fail(Errc::Unsupported, "gate: job " + rec.job_id +
                                               " was cleared without a recorded cover; it can only be resent whole");
        CoverFields cover = *decision.cover;
        cover.total_pages = static_cast<int>(plan.pages.size());
        cover.date_time = format_cover_datetime(ctx.now, ctx.utc_offset, ctx.zone_label);
        std::vector<int> rest(plan.pages.begin() + 1, plan.pages.end());
        cover.note = "Continuation of an earlier transmission (job " + rec.job_id + "): this fax carries pages " +
                     page_list(rest) + " of " + std::to_string(decision.page_count) +
                     " (cover included); the other pages were confirmed received.";
        if (auto f = validate_cover(cover, cover.total_pages); !f.empty())
            return fail(Errc::Internal, "gate: the continuation cover does not validate (" + f.front().rule_id + ")");
        auto page = covers_.render(cover, config_.cover_style);
        if (!page) return fail(page.take_error());
        auto norm = documents_.normalise_owned(std::move(*page));
        if (!norm) return fail(norm.take_error());
        std::vector<t30::Bitmap> pages;
        cover_hash = page_hash(*norm);
        pages.push_back(std::move(*norm));
        // `rest` is ascending and distinct (checked above): each page is moved once.
        for (int p : rest) pages.push_back(std::move(cleared_pages[static_cast<std::size_t>(p - 1)]));
        const std::string name = rec.job_id + ".a" + std::to_string(rec.attempt) + ".tif";
        auto h = spool_pages(name, pages);
        if (!h) return fail(h.take_error());
        content = *h;
        path = (config_.spool_dir / name).string();
        rec.continuation_cover = true;
    }
    rec.cleared = true;
    rec.cover_sha256 = cover_hash;
    rec.content_sha256 = content;
    auto seq = audit_.append_attempt(rec);
    if (!seq) return fail(seq.take_error());

    ClearedRelease token;
    token.valid_ = true;
    token.kind_ = decision.kind;
    token.job_id_ = rec.job_id;
    token.rule_id_ = decision.rule_id;
    token.dial_number_ = entry->fax.dial;
    token.recipient_id_ = entry->id;
    token.expected_csi_ = entry->expected_csi;
    token.tiff_path_ = path;
    token.page_count_ = static_cast<int>(plan.pages.size());
    token.content_sha256_ = content;
    token.cover_sha256_ = cover_hash;
    FAX_LOG(Info, kLog,
            "job " + rec.job_id + " attempt " + std::to_string(rec.attempt) + " cleared: pages " + page_list(plan.pages) +
                " to recipient entry '" + entry->id + "', audit entry " + std::to_string(*seq));
    return Decision(std::move(token));
}

Status ReleaseGate::close_job(const ClosureRecord& closure) {
    auto seq = audit_.append_closure(closure);
    if (!seq) return fail(seq.take_error());
    FAX_LOG(Info, kLog, "job " + closure.job_id + " closed (" + closure.reason + "), audit entry " + std::to_string(*seq));
    return {};
}

}  // namespace fax::gate
