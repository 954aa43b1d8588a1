// The release gate end to end on a real directory, a real audit trail (SQLite files
// in a temporary directory) and the page library reading ITU-T T.24 charts.
#include "fax/gate/release_gate.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "fax/base/sha256.h"
#include "fax/gate/policy_check.h"
#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"
#include "gate_fixture.h"
#include "itu_chart.h"
#include "test_pdf.h"

namespace fax::gate {

// The token's guarantees are properties of its type.
static_assert(!std::is_default_constructible_v<ClearedRelease>, "only the gate may make a release");
static_assert(!std::is_copy_constructible_v<ClearedRelease>, "a release is one job: no copies");
static_assert(!std::is_copy_assignable_v<ClearedRelease>, "a release is one job: no copies");
static_assert(std::is_move_constructible_v<ClearedRelease>, "a release is handed on by moving it");
static_assert(std::is_nothrow_move_constructible_v<ClearedRelease>);
static_assert(std::is_move_assignable_v<ClearedRelease>);
static_assert(!std::is_constructible_v<ClearedRelease, const ClearedRelease&>);

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::entry_id;
using test::fixed_now;
using test::kMember;
using test::make_request;
using test::TempDir;
using C = RecipientCategory;
using P = Purpose;

std::string itu(int n) { return fax::testing::itu_chart_path(n); }

t30::Bitmap chart(int n) {
    auto pages = t30::read_tiff(itu(n));
    EXPECT_TRUE(pages.ok() && pages->size() == 1u) << itu(n);
    return pages.ok() && pages->size() == 1u ? std::move(pages->front()) : t30::Bitmap{};
}

// The page hash as documented (SHA-256 of the raw PBM encoding), computed
// independently: the page library writes the PBM, we hash the file.
std::string pbm_file_hash(const t30::Bitmap& page, const std::filesystem::path& scratch) {
    EXPECT_TRUE(t30::write_pbm(scratch.string(), page).ok());
    auto h = sha256_file_hex(scratch.string());
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : std::string();
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
    return out;
}

void expect_no_member(const std::string& text, const std::string& what) {
    EXPECT_EQ(text.find(kMember), std::string::npos) << what << ": " << text;
    EXPECT_EQ(text.find("QZX"), std::string::npos) << what << ": " << text;
}

class Gate : public ::testing::Test {
protected:
    void SetUp() override {
        auto d = Directory::open(tmp_ / "directory.db");
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        dir_.emplace(std::move(*d));
        auto a = AuditLog::open(tmp_ / "audit.db");
        ASSERT_TRUE(a.ok()) << a.error().to_string();
        audit_.emplace(std::move(*a));
        test::populate(*dir_);
        if (HasFatalFailure()) return;

        // A three-page scanned record: charts 1, 2 and 3 in one fax TIFF.
        record_ = tmp_ / "record.tif";
        ASSERT_TRUE(t30::write_fax_tiff(record_.string(), {chart(1), chart(2), chart(3)}).ok());

        io_ = make_page_document_io();
        GateConfig cfg;
        cfg.spool_dir = tmp_ / "spool";
        gate_.emplace(Policy::defaults(), *dir_, *audit_, *io_, cfg);
        ctx_.now = fixed_now();
        ctx_.utc_offset = -8h;
        ctx_.zone_label = "PST";
    }

    void TearDown() override {
        // Nothing the gate logged, in any test, names the member.
        for (const auto& line : logs_.lines()) expect_no_member(line, "log line");
    }

    std::filesystem::path spool() const { return tmp_ / "spool"; }

    ReleaseRequest kp_treatment(std::vector<int> pages = {1, 3}) {
        ReleaseRequest r = make_request(entry_id(C::KpProvider), P::Treatment, "discharge_summary", record_.string());
        r.documents[0].pages = pages;
        r.documents[0].sections = {SectionTag{"discharge_summary", pages}};
        return r;
    }

    Decision evaluate_ok(const ReleaseRequest& r) {
        auto d = gate_->evaluate(r, ctx_);
        EXPECT_TRUE(d.ok()) << d.error().to_string();
        if (!d.ok()) return Decision(Refusal{});
        return std::move(*d);
    }

    // The cover the gate must have rendered for a release to `entry`.
    CoverFields expected_cover(const ReleaseRequest& r, const DirectoryEntry& e, int total) {
        CoverFields c;
        c.sender_name = r.sender.name;
        c.sender_department = r.sender.department;
        c.sender_phone = r.sender.phone;
        c.sender_fax = r.sender.fax;
        c.recipient_name = r.recipient.attention.empty() ? e.person : r.recipient.attention;
        c.recipient_organisation = e.organisation;
        c.recipient_fax = e.fax.display();
        c.recipient_phone = e.voice.display();
        c.date_time = "2025-03-01 06:00 PST";
        c.total_pages = total;
        c.purpose = std::string(display_name(r.purpose));
        c.confidentiality_statement = std::string(kPolicyConfidentialityStatement);
        return c;
    }

    int64_t audit_count() { return static_cast<int64_t>(audit_->entries()->size()); }

    test::LogCapture logs_;  // first: captures everything the fixture does
    TempDir tmp_;
    std::optional<Directory> dir_;
    std::optional<AuditLog> audit_;
    std::unique_ptr<DocumentIo> io_;
    std::optional<ReleaseGate> gate_;
    std::filesystem::path record_;
    Context ctx_;
};

TEST_F(Gate, ClearedReleaseIsTheCoverThenTheSelectedPages) {
    const ReleaseRequest req = kp_treatment({1, 3});
    Decision d = evaluate_ok(req);
    ASSERT_TRUE(d.cleared()) << d.refusal().to_text();
    ClearedRelease rel = d.take_release();
    const DirectoryEntry entry = *dir_->get(entry_id(C::KpProvider));

    EXPECT_TRUE(rel.valid());
    EXPECT_EQ(rel.kind(), ReleaseKind::Release);
    EXPECT_EQ(rel.rule_id(), "POL-PROV-KP");
    EXPECT_EQ(rel.page_count(), 3);  // cover + pages 1 and 3
    EXPECT_EQ(rel.dial_number(), entry.fax.dial);
    EXPECT_EQ(rel.dial_number(), "12065550110");
    EXPECT_EQ(rel.recipient_id(), entry.id);
    EXPECT_FALSE(rel.expected_csi().has_value());
    EXPECT_EQ(std::filesystem::path(rel.tiff_path()), spool() / (rel.job_id() + ".tif"));
    EXPECT_EQ(rel.job_id().rfind("J20250301T140000-", 0), 0u) << rel.job_id();

    // The spool holds that one file, owner-only, and its hash is the token's.
    EXPECT_EQ(files_in(spool()), std::vector<std::filesystem::path>{rel.tiff_path()});
    struct stat st{};
    ASSERT_EQ(::stat(spool().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat(rel.tiff_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto file_hash = sha256_file_hex(rel.tiff_path());
    ASSERT_TRUE(file_hash.ok());
    EXPECT_EQ(rel.content_sha256(), *file_hash);

    // Page 1 is the cover, pixel for pixel; then charts 1 and 3 unchanged.
    auto pages = t30::read_tiff(rel.tiff_path());
    ASSERT_TRUE(pages.ok()) << pages.error().to_string();
    ASSERT_EQ(pages->size(), 3u);
    auto cover = render_cover(expected_cover(req, entry, 3));
    ASSERT_TRUE(cover.ok());
    EXPECT_EQ((*pages)[0].width, 1728);
    EXPECT_EQ((*pages)[0].height, cover->height);
    EXPECT_DOUBLE_EQ((*pages)[0].yres_dpi, 196.0);
    EXPECT_TRUE((*pages)[0].bits == cover->bits) << "page 1 is not the rendered cover";
    EXPECT_TRUE((*pages)[1].bits == chart(1).bits);
    EXPECT_TRUE((*pages)[2].bits == chart(3).bits);
    EXPECT_FALSE((*pages)[2].bits == chart(2).bits);

    // The audit decision: who, what, to whom, under which rule, and the hashes of
    // exactly what was spooled.
    auto rec = audit_->find_decision(rel.job_id());
    ASSERT_TRUE(rec.ok() && rec->has_value());
    const DecisionRecord& a = **rec;
    EXPECT_TRUE(a.cleared);
    EXPECT_EQ(a.kind, ReleaseKind::Release);
    EXPECT_EQ(a.rule_id, "POL-PROV-KP");
    EXPECT_EQ(a.rule_ids, std::vector<std::string>{"POL-PROV-KP"});
    EXPECT_EQ(a.member_reference, kMember);
    EXPECT_EQ(a.requester.staff_id, "E104233");
    EXPECT_EQ(a.recipient_id, entry.id);
    EXPECT_EQ(a.recipient_category, C::KpProvider);
    EXPECT_EQ(a.dial_number, "12065550110");
    EXPECT_EQ(a.purpose, P::Treatment);
    EXPECT_EQ(a.sections, std::vector<std::string>{"discharge_summary"});
    EXPECT_EQ(a.page_count, 3);
    EXPECT_EQ(a.content_sha256, rel.content_sha256());
    EXPECT_EQ(a.decided_at, fixed_now());
    ASSERT_EQ(a.page_sha256.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(a.page_sha256[i], pbm_file_hash((*pages)[i], tmp_ / "scratch.pbm")) << "page " << i + 1;
    EXPECT_EQ(a.cover_sha256, a.page_sha256[0]);
    EXPECT_EQ(rel.cover_sha256(), a.cover_sha256);
    EXPECT_EQ(audit_count(), 1);
    EXPECT_TRUE(audit_->verify()->ok);
}

// One gate renders every cover with the same fonts and glyph cache: each spooled cover
// is, pixel for pixel, the cold rendering (render_cover) of the fields the audit trail
// recorded for it, and hashes as recorded, whatever covers came before it.
TEST_F(Gate, EveryCoverFromTheGatesCacheIsTheColdRenderingOfItsFields) {
    std::vector<std::string> jobs;
    auto clear = [&](Result<Decision> d) {
        ASSERT_TRUE(d.ok()) << d.error().to_string();
        ASSERT_TRUE(d->cleared()) << d->refusal().to_text();
        jobs.push_back(d->release().job_id());
    };
    clear(gate_->evaluate(kp_treatment({1, 3}), ctx_));
    VerificationTestRequest vr;  // a cover with a note, to another entry
    vr.requester = {"E104233", "Dana Whitfield"};
    vr.recipient_id = "unverified";
    vr.sender = {"Dana Whitfield", "Release of Information", "206-555-0100", "206-555-0199"};
    clear(gate_->evaluate_verification_test(vr, ctx_));
    ReleaseRequest other = kp_treatment({2});
    other.recipient.attention = "Dr. \xc3\x85ngstr\xc3\xb6m-M\xc3\xbcller (Cardiology Wqy)";
    other.sender.name = "Quentin Xavier";
    clear(gate_->evaluate(other, ctx_));
    Context later = ctx_;
    later.now += 61min;
    clear(gate_->evaluate(kp_treatment({1, 2, 3}), later));
    ASSERT_EQ(jobs.size(), 4u);

    std::vector<std::string> cover_hashes;
    for (const auto& job : jobs) {
        auto rec = audit_->find_decision(job);
        ASSERT_TRUE(rec.ok() && rec->has_value()) << job;
        ASSERT_TRUE((*rec)->cover.has_value()) << job;
        auto pages = t30::read_tiff((spool() / (job + ".tif")).string());
        ASSERT_TRUE(pages.ok()) << pages.error().to_string();
        auto cold = render_cover(*(*rec)->cover);
        ASSERT_TRUE(cold.ok()) << cold.error().to_string();
        EXPECT_TRUE((*pages)[0].bits == cold->bits) << job << ": the spooled cover is not its cold rendering";
        EXPECT_EQ((*rec)->cover_sha256, pbm_file_hash(*cold, tmp_ / "cold.pbm")) << job;
        cover_hashes.push_back((*rec)->cover_sha256);
    }
    for (std::size_t i = 0; i < cover_hashes.size(); ++i)
        for (std::size_t j = i + 1; j < cover_hashes.size(); ++j) EXPECT_NE(cover_hashes[i], cover_hashes[j]);
}

// A page selected twice is sent twice (the gate hands the page it read over only on its
// last use).
TEST_F(Gate, PageSelectedTwiceIsSpooledTwice) {
    auto d = gate_->evaluate(kp_treatment({3, 1, 3}), ctx_);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    if (!d->cleared()) GTEST_SKIP() << "the policy refuses a page selected twice: " << d->refusal().to_text();
    auto pages = t30::read_tiff(d->release().tiff_path());
    ASSERT_TRUE(pages.ok());
    ASSERT_EQ(pages->size(), 4u);
    EXPECT_TRUE((*pages)[1].bits == chart(3).bits);
    EXPECT_TRUE((*pages)[2].bits == chart(1).bits);
    EXPECT_TRUE((*pages)[3].bits == chart(3).bits);
}

// An existing spool directory that others can reach is refused, never chmod-ed: no
// record is written into it (docs/station.md, "Files and permissions").
TEST_F(Gate, ExistingSpoolDirectoryOpenToOthersIsRefused) {
    std::filesystem::create_directories(spool());
    ASSERT_EQ(::chmod(spool().c_str(), 0750), 0);
    auto d = gate_->evaluate(kp_treatment(), ctx_);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, Errc::InvalidInput);
    EXPECT_NE(d.error().message.find("spool directory " + spool().string()), std::string::npos) << d.error().message;
    EXPECT_NE(d.error().message.find("mode 0750"), std::string::npos) << d.error().message;
    struct stat st{};
    ASSERT_EQ(::stat(spool().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0750u);
    EXPECT_TRUE(std::filesystem::is_empty(spool()));
}

// The spool the gate makes is 0700 and the record in it 0600, whatever the umask.
TEST_F(Gate, SpoolIsPrivateWhateverTheUmask) {
    const mode_t old = ::umask(0);
    Decision d = evaluate_ok(kp_treatment());
    ::umask(old);
    ASSERT_TRUE(d.cleared());
    struct stat st{};
    ASSERT_EQ(::stat(spool().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat(d.release().tiff_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(Gate, PbmDocumentsAndSeveralDocumentsAreJoinedInOrder) {
    ReleaseRequest req = kp_treatment({2});
    DocumentSelection pbm;
    pbm.path = (tmp_ / "chart5.pbm").string();
    ASSERT_TRUE(t30::write_pbm(pbm.path, chart(5)).ok());
    pbm.pages = {1};
    pbm.sections = {SectionTag{"discharge_summary", {1}}};
    req.documents.push_back(pbm);
    Decision d = evaluate_ok(req);
    ASSERT_TRUE(d.cleared()) << d.refusal().to_text();
    auto pages = t30::read_tiff(d.release().tiff_path());
    ASSERT_TRUE(pages.ok());
    ASSERT_EQ(pages->size(), 3u);
    EXPECT_EQ(d.release().page_count(), 3);
    EXPECT_TRUE((*pages)[1].bits == chart(2).bits);
    EXPECT_TRUE((*pages)[2].bits == chart(5).bits);
}

// A PDF goes through the gate like a scan: rendered at fax resolution, then normalised.
TEST_F(Gate, PdfDocumentsAreRenderedAndCleared) {
    const auto pdf = tmp_ / "discharge.pdf";
    {
        std::ofstream out(pdf, std::ios::binary);
        out << fax::testing::make_pdf({"0 0 0 rg 72 648 144 72 re f\n", "BT /F1 24 Tf 72 560 Td (PAGE TWO) Tj ET\n"});
    }
    ReleaseRequest req = kp_treatment({1});
    req.documents[0].path = pdf.string();
    req.documents[0].pages = {1, 2};
    req.documents[0].sections = {SectionTag{"discharge_summary", {1, 2}}};
    Decision d = evaluate_ok(req);
    ASSERT_TRUE(d.cleared()) << d.refusal().to_text();
    auto pages = t30::read_tiff(d.release().tiff_path());
    ASSERT_TRUE(pages.ok()) << pages.error().to_string();
    ASSERT_EQ(pages->size(), 3u);  // cover + 2
    for (const auto& p : *pages) {
        EXPECT_EQ(p.width, 1728);
        EXPECT_EQ(p.yres_dpi, 196.0);
    }
    // Page 2 of the fax is PDF page 1: the black bar, 1 in from the top and left.
    const auto& bar = (*pages)[1];
    EXPECT_TRUE(bar.get(300, 290));
    EXPECT_FALSE(bar.get(300, 150));
}

TEST_F(Gate, RefusalsAreRecordedAndProduceNoTokenAndNoFile) {
    struct Case {
        const char* name;
        ReleaseRequest request;
        std::string rule;
    };
    std::vector<Case> cases;
    cases.push_back({"attorney", make_request(entry_id(C::Attorney), P::Legal, "discharge_summary", record_.string()),
                     "REF-CATEGORY"});
    cases.push_back({"wrong purpose", make_request(entry_id(C::ThirdPartyPayer), P::Treatment, "discharge_summary",
                                                    record_.string()),
                     "REF-PURPOSE"});
    cases.push_back({"unverified", make_request("unverified", P::Treatment, "discharge_summary", record_.string()),
                     "NUM-UNVERIFIED"});
    cases.push_back({"expired", make_request("expired", P::Treatment, "discharge_summary", record_.string()),
                     "NUM-EXPIRED"});
    cases.push_back({"unknown", make_request("no-such-entry", P::Treatment, "discharge_summary", record_.string()),
                     "NUM-UNKNOWN"});
    ReleaseRequest no_sender = kp_treatment();
    no_sender.sender = {};
    cases.push_back({"no sender", no_sender, "COVER-SENDER-PHONE"});
    ReleaseRequest member_on_cover = kp_treatment();
    member_on_cover.recipient.attention = "Re: " + kMember;
    cases.push_back({"member on cover", member_on_cover, "COVER-PATIENT-DATA"});
    ReleaseRequest sensitive = kp_treatment();
    sensitive.sections = {"psychotherapy_notes"};
    sensitive.documents[0].sections = {SectionTag{"psychotherapy_notes", {1, 3}}};
    cases.push_back({"sensitive", sensitive, "REF-SENSITIVE"});

    int64_t entries = 0;
    for (const auto& c : cases) {
        auto d = gate_->evaluate(c.request, ctx_);
        ASSERT_TRUE(d.ok()) << c.name << ": " << d.error().to_string();
        ASSERT_FALSE(d->cleared()) << c.name;
        const Refusal& r = d->refusal();
        EXPECT_TRUE(r.has_rule(c.rule)) << c.name << ": " << r.to_text();
        EXPECT_FALSE(r.decision_id.empty());
        EXPECT_EQ(d->id(), r.decision_id);
        expect_no_member(r.to_text(), c.name);
        ++entries;
        EXPECT_EQ(audit_count(), entries) << c.name;

        auto rec = audit_->find_decision(r.decision_id);
        ASSERT_TRUE(rec.ok() && rec->has_value()) << c.name;
        EXPECT_FALSE((*rec)->cleared);
        EXPECT_TRUE((*rec)->rule_id.empty());
        EXPECT_EQ((*rec)->rule_ids, r.rule_ids()) << c.name;
        EXPECT_EQ((*rec)->findings, r.findings) << c.name;
        EXPECT_EQ((*rec)->member_reference, kMember);  // the accounting names the member
        EXPECT_TRUE((*rec)->content_sha256.empty());
        // No outcome can be recorded for a refusal.
        EXPECT_FALSE(gate_->record_outcome(r.decision_id, TransmissionOutcome{}).ok());
    }
    EXPECT_TRUE(files_in(spool()).empty());
    EXPECT_TRUE(audit_->verify()->ok);
    // A refusal is not a disclosure.
    EXPECT_TRUE(audit_->disclosures(kMember, fixed_now() - 24h, fixed_now() + 24h)->empty());
}

TEST_F(Gate, RecordOutcomeStoresItAndCountsOnlyConfirmedPages) {
    Decision d = evaluate_ok(kp_treatment({1, 2, 3}));
    ASSERT_TRUE(d.cleared());
    const std::string job = d.id();
    TransmissionOutcome o;
    o.pages_sent = 3;
    o.pages_confirmed = 2;
    o.remote_csi = "+1 206 555 0110";
    o.negotiated = {9600, "V.29", "R8x15.4", "T.4 1D", false};
    o.completion = CompletionCode::Partial;
    o.detail = "no MCF after page 3";
    o.started_at = fixed_now() + 1min;
    o.finished_at = fixed_now() + 4min;
    ASSERT_TRUE(gate_->record_outcome(job, o).ok());

    auto stored = audit_->find_outcome(job);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->outcome.pages_confirmed, 2);
    EXPECT_EQ((*stored)->outcome.completion, CompletionCode::Partial);
    EXPECT_EQ((*stored)->outcome.detail, "no MCF after page 3");
    auto disc = audit_->disclosures(kMember, fixed_now() - 1h, fixed_now() + 1h);
    ASSERT_TRUE(disc.ok());
    ASSERT_EQ(disc->size(), 1u);
    EXPECT_EQ((*disc)[0].pages_cleared, 4);
    EXPECT_EQ((*disc)[0].pages_delivered, 2);
    // The remote's station id is kept on the entry for a person to adopt.
    const DirectoryEntry e = *dir_->get(entry_id(C::KpProvider));
    EXPECT_EQ(e.observed_csi.value_or(""), "+1 206 555 0110");
    // A release outcome does not touch the entry's verification.
    EXPECT_EQ(e.test_fax->job_id, "JTEST-" + e.id);

    EXPECT_EQ(gate_->record_outcome(job, o).error().code, Errc::InvalidArgument);  // once per job
    EXPECT_EQ(gate_->record_outcome("J-unknown", o).error().code, Errc::NotFound);
    TransmissionOutcome too_many = o;
    too_many.pages_sent = 5;
    too_many.pages_confirmed = 5;
    Decision d2 = evaluate_ok(kp_treatment({1}));
    ASSERT_TRUE(d2.cleared());
    EXPECT_FALSE(gate_->record_outcome(d2.id(), too_many).ok());  // more pages than the job has
    EXPECT_TRUE(audit_->verify()->ok);
}

TEST_F(Gate, VerificationTestFaxIsCoverOnlyAndCompletesTheWorkflow) {
    VerificationTestRequest vr;
    vr.requester = {"E104233", "Dana Whitfield"};
    vr.recipient_id = "unverified";
    vr.sender = {"Dana Whitfield", "Release of Information", "206-555-0100", "206-555-0199"};
    auto d = gate_->evaluate_verification_test(vr, ctx_);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    ASSERT_TRUE(d->cleared()) << d->refusal().to_text();
    ClearedRelease rel = d->take_release();
    EXPECT_EQ(rel.kind(), ReleaseKind::VerificationTestFax);
    EXPECT_EQ(rel.rule_id(), "POL-VERIFY-TEST");
    EXPECT_EQ(rel.page_count(), 1);
    EXPECT_EQ(rel.dial_number(), "12065550201");
    auto pages = t30::read_tiff(rel.tiff_path());
    ASSERT_TRUE(pages.ok());
    ASSERT_EQ(pages->size(), 1u);
    EXPECT_EQ((*pages)[0].width, 1728);
    EXPECT_EQ(sha256_file_hex(rel.tiff_path()).value(), rel.content_sha256());

    auto rec = audit_->find_decision(rel.job_id());
    ASSERT_TRUE(rec.ok() && rec->has_value());
    EXPECT_EQ((*rec)->kind, ReleaseKind::VerificationTestFax);
    EXPECT_TRUE((*rec)->member_reference.empty());
    EXPECT_FALSE((*rec)->purpose.has_value());
    EXPECT_TRUE((*rec)->sections.empty());
    EXPECT_EQ((*rec)->page_count, 1);
    EXPECT_EQ((*rec)->cover_sha256, pbm_file_hash((*pages)[0], tmp_ / "scratch.pbm"));
    const json body = json::parse(audit_->entries()->back().body);
    EXPECT_EQ(body["member_reference"], "");
    EXPECT_EQ(body["release_kind"], "verification_test_fax");

    // Before the outcome the number is still unverified: a release is refused.
    auto early = gate_->evaluate(make_request("unverified", P::Treatment, "discharge_summary", record_.string()), ctx_);
    ASSERT_TRUE(early.ok());
    EXPECT_TRUE(!early->cleared() && early->refusal().has_rule("NUM-UNVERIFIED"));

    // The remote confirmed the page: step 1 done.
    TransmissionOutcome o;
    o.pages_sent = 1;
    o.pages_confirmed = 1;
    o.completion = CompletionCode::Ok;
    o.finished_at = fixed_now() + 2min;
    ASSERT_TRUE(gate_->record_outcome(rel.job_id(), o).ok());
    DirectoryEntry e = *dir_->get("unverified");
    ASSERT_TRUE(e.test_fax.has_value());
    EXPECT_EQ(e.test_fax->job_id, rel.job_id());
    EXPECT_TRUE(e.test_fax->delivered);
    EXPECT_EQ(e.test_fax->at, fixed_now() + 2min);
    EXPECT_EQ(verification_state(e, fixed_now() + 3min, std::chrono::days(365)),
              VerificationState::AwaitingConfirmation);
    EXPECT_TRUE(audit_->find_outcome(rel.job_id())->has_value());
    // The test fax is not a disclosure of anyone's records.
    EXPECT_TRUE(audit_->disclosures(kMember, fixed_now() - 1h, fixed_now() + 1h)->empty());

    // Step 2: the telephone confirmation; then a release clears.
    ASSERT_TRUE(dir_->confirm_by_phone("unverified", PhoneConfirmation{"E104233", "Dana Whitfield", "Front desk",
                                                                       fixed_now() + 10min})
                    .ok());
    Context later = ctx_;
    later.now = fixed_now() + 15min;
    auto after = gate_->evaluate(make_request("unverified", P::Treatment, "discharge_summary", record_.string()), later);
    ASSERT_TRUE(after.ok()) << after.error().to_string();
    EXPECT_TRUE(after->cleared()) << after->refusal().to_text();
}

TEST_F(Gate, UndeliveredTestFaxDoesNotVerify) {
    VerificationTestRequest vr{{"E1", "Clerk"}, "unverified", {"Clerk", "ROI", "206-555-0100", "206-555-0199"}, {}};
    auto d = gate_->evaluate_verification_test(vr, ctx_);
    ASSERT_TRUE(d.ok() && d->cleared());
    TransmissionOutcome o;
    o.pages_sent = 1;
    o.pages_confirmed = 0;
    o.completion = CompletionCode::NoCarrier;
    o.finished_at = fixed_now() + 1min;
    ASSERT_TRUE(gate_->record_outcome(d->id(), o).ok());
    const DirectoryEntry e = *dir_->get("unverified");
    ASSERT_TRUE(e.test_fax.has_value());
    EXPECT_FALSE(e.test_fax->delivered);
    EXPECT_EQ(verification_state(e, fixed_now() + 2min, std::chrono::days(365)), VerificationState::Unverified);
    EXPECT_EQ(dir_->confirm_by_phone("unverified", PhoneConfirmation{"E1", "Clerk", "Desk", fixed_now() + 5min})
                  .error()
                  .code,
              Errc::PolicyRefused);
}

// The test fax went to the number the entry had when it was cleared. If the number
// changed before the outcome came in, the outcome says nothing about the new one.
TEST_F(Gate, TestFaxToAnOldNumberDoesNotVerifyTheNewOne) {
    VerificationTestRequest vr{{"E1", "Clerk"}, "unverified", {"Clerk", "ROI", "206-555-0100", "206-555-0199"}, {}};
    auto d = gate_->evaluate_verification_test(vr, ctx_);
    ASSERT_TRUE(d.ok() && d->cleared());
    ASSERT_TRUE(dir_->change_fax_number("unverified", "206-555-0222", "E2", fixed_now() + 1min).ok());
    TransmissionOutcome o;
    o.pages_sent = 1;
    o.pages_confirmed = 1;
    o.completion = CompletionCode::Ok;
    o.remote_csi = "2065550201";
    o.finished_at = fixed_now() + 2min;
    ASSERT_TRUE(gate_->record_outcome(d->id(), o).ok());
    EXPECT_TRUE(audit_->find_outcome(d->id())->has_value());  // the call itself is accounted for
    const DirectoryEntry e = *dir_->get("unverified");
    EXPECT_FALSE(e.test_fax.has_value());
    EXPECT_FALSE(e.observed_csi.has_value());
    EXPECT_EQ(verification_state(e, fixed_now() + 3min, std::chrono::days(365)), VerificationState::Unverified);
}

TEST_F(Gate, VerificationTestRefusals) {
    VerificationTestRequest vr{{"E1", "Clerk"}, entry_id(C::Attorney), {"Clerk", "ROI", "206-555-0100", "206-555-0199"}, {}};
    auto d = gate_->evaluate_verification_test(vr, ctx_);
    ASSERT_TRUE(d.ok());
    ASSERT_FALSE(d->cleared());
    EXPECT_TRUE(d->refusal().has_rule("REF-CATEGORY"));

    vr.recipient_id = "no-such-entry";
    d = gate_->evaluate_verification_test(vr, ctx_);
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(!d->cleared() && d->refusal().has_rule("NUM-UNKNOWN"));

    vr.recipient_id = "unverified";
    vr.sender.fax = "";
    d = gate_->evaluate_verification_test(vr, ctx_);
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(!d->cleared() && d->refusal().has_rule("COVER-SENDER-FAX"));

    vr.requester = {};
    auto bad = gate_->evaluate_verification_test(vr, ctx_);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::InvalidInput);
    EXPECT_EQ(audit_count(), 3);
    EXPECT_TRUE(files_in(spool()).empty());
}

// Issue #14: the gate reads each document under the station's DocumentLimits, only its
// selected pages; a limit is a recorded refusal (DOC-LIMIT) naming documents[N] and the
// limit's key.
TEST_F(Gate, DocumentLimitsReachTheReaderAndTheirErrorsNameTheDocumentAndTheKey) {
    t30::DocumentLimits two_pages;
    two_pages.max_pages = 2;
    auto io = make_page_document_io(two_pages);
    GateConfig cfg;
    cfg.spool_dir = spool();
    ReleaseGate gate(Policy::defaults(), *dir_, *audit_, *io, cfg);
    const auto hidden = tmp_ / ("Smith_" + kMember + ".tif");
    std::filesystem::copy_file(record_, hidden);
    ReleaseRequest r = kp_treatment({1});
    r.documents[0].path = hidden.string();
    auto d = gate.evaluate(r, ctx_);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    ASSERT_FALSE(d->cleared());
    const Finding* f = d->refusal().find(rule::kDocLimit);
    ASSERT_NE(f, nullptr) << d->refusal().to_text();
    EXPECT_EQ(f->field, "documents[0]");
    EXPECT_NE(f->message.find("limits.max_pages (2)"), std::string::npos) << f->message;
    EXPECT_EQ(f->message.find("Smith_"), std::string::npos) << f->message;
    expect_no_member(d->refusal().to_text(), "limit refusal");
    EXPECT_TRUE(files_in(spool()).empty());
}

// An implementation that only reads whole documents still serves the selection.
TEST(DocumentIoDefault, ReadSelectedPicksTheSelectedPagesFromReadPages) {
    struct Whole final : DocumentIo {
        Result<std::vector<t30::Bitmap>> read_pages(const std::filesystem::path&) override {
            std::vector<t30::Bitmap> pages;
            for (int i = 1; i <= 3; ++i) pages.push_back(t30::Bitmap::blank(8 * i, 8));
            return pages;
        }
        Result<t30::Bitmap> normalise(const t30::Bitmap& page) override { return page; }
        Status write_fax_tiff(const std::filesystem::path&, const std::vector<t30::Bitmap>&) override { return {}; }
    } io;
    auto doc = io.read_selected("x", {3, 1, 3, 7});
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(doc->page_count, 3);
    EXPECT_EQ(doc->numbers, (std::vector<int>{1, 3}));
    ASSERT_NE(doc->find(3), nullptr);
    EXPECT_EQ(doc->find(3)->width, 24);
    EXPECT_EQ(doc->find(2), nullptr);
}

// Issue #14: an unreadable document after a parsed request was an error that nothing
// recorded, although the log named a decision id for it. It is a refusal (DOC-*) under
// that id, in the audit trail, and its text names neither the path nor the member.
TEST_F(Gate, UnreadableDocumentsAreRecordedRefusalsThatNameNeitherPathNorMember) {
    const auto hidden = tmp_ / ("Smith_" + kMember);
    std::filesystem::create_directories(hidden);
    const auto missing = hidden / (kMember + "-discharge.tif");
    const auto garbage = hidden / (kMember + "-scan.tif");
    {
        std::ofstream out(garbage, std::ios::binary);
        out << "II*\0 this is not really a TIFF file at all";
    }
    const auto garbage_mm = hidden / (kMember + "-scan2.tif");
    {
        std::ofstream out(garbage_mm, std::ios::binary);
        const char header[] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 1, 0, 0, 3};
        out.write(header, sizeof header);
    }
    const auto pdf = hidden / (kMember + ".pdf");
    {
        std::ofstream out(pdf, std::ios::binary);
        out << "%PDF-1.4\n";
    }
    const auto empty_pbm = hidden / (kMember + ".pbm");
    {
        std::ofstream out(empty_pbm, std::ios::binary);
        out << "P4\n1728 100\n";  // no pixel data
    }
    struct Case {
        std::filesystem::path path;
        std::vector<int> pages;
    };
    const Case cases[] = {{missing, {1}}, {garbage, {1}}, {garbage_mm, {1}}, {pdf, {1}}, {empty_pbm, {1}},
                          {hidden, {1}}, {record_, {2, 4}} /* page 4 of 3 */};
    int64_t entries = 0;
    for (const auto& c : cases) {
        ReleaseRequest r = kp_treatment(c.pages);
        r.documents[0].path = c.path.string();
        auto d = gate_->evaluate(r, ctx_);
        ASSERT_TRUE(d.ok()) << c.path << ": " << d.error().to_string();
        ASSERT_FALSE(d->cleared()) << c.path;
        const Refusal& refusal = d->refusal();
        const std::string want = c.path == record_ ? "DOC-PAGES-MISSING" : "DOC-UNREADABLE";
        EXPECT_EQ(refusal.rule_ids(), std::vector<std::string>{want}) << refusal.to_text();
        const std::string msg = refusal.to_text();
        EXPECT_NE(msg.find("documents[0]"), std::string::npos) << msg;
        expect_no_member(msg, c.path.string());
        EXPECT_EQ(msg.find("Smith_"), std::string::npos) << msg;
        EXPECT_EQ(msg.find(tmp_.path().string()), std::string::npos) << msg;
        EXPECT_EQ(msg.find(c.path.filename().string()), std::string::npos) << msg;
        // Recorded under the id the log names.
        EXPECT_EQ(audit_count(), ++entries);
        auto rec = audit_->find_decision(refusal.decision_id);
        ASSERT_TRUE(rec.ok() && rec->has_value()) << c.path;
        EXPECT_FALSE((*rec)->cleared);
        EXPECT_EQ((*rec)->rule_ids, refusal.rule_ids());
        bool logged = false;
        for (const auto& line : logs_.lines())
            logged = logged || (line.find(refusal.decision_id) != std::string::npos &&
                                line.find(want) != std::string::npos);
        EXPECT_TRUE(logged) << "the log line of the refusal names its id and rule";
    }
    // Nothing was cleared: no spool file, and no disclosure.
    EXPECT_TRUE(files_in(spool()).empty());
    EXPECT_TRUE(audit_->verify()->ok);
    EXPECT_TRUE(audit_->disclosures(kMember, fixed_now() - 24h, fixed_now() + 24h)->empty());
}

TEST_F(Gate, NothingTheGateSaysNamesTheMember) {
    std::vector<std::string> texts;
    // The member reference typed into every free-text field a request has.
    ReleaseRequest r = kp_treatment();
    r.recipient.directory_id = kMember;
    r.sections = {kMember};
    r.documents[0].sections = {SectionTag{kMember + "x", {1, 3}}};
    r.justification = kMember;
    r.page_ceiling_override = kMember;
    r.recipient.typed_fax = TypedFaxNumber{kMember, kMember};
    auto d = gate_->evaluate(r, ctx_);
    ASSERT_TRUE(d.ok());
    ASSERT_FALSE(d->cleared());
    texts.push_back(d->refusal().to_text());

    // Into the cover fields.
    r = kp_treatment();
    r.sender.name = kMember;
    r.recipient.attention = kMember;
    d = gate_->evaluate(r, ctx_);
    ASSERT_TRUE(d.ok());
    ASSERT_FALSE(d->cleared());
    EXPECT_TRUE(d->refusal().has_rule("COVER-PATIENT-DATA"));
    texts.push_back(d->refusal().to_text());

    // A cleared release and its outcome.
    d = gate_->evaluate(kp_treatment(), ctx_);
    ASSERT_TRUE(d.ok() && d->cleared());
    TransmissionOutcome o;
    o.pages_sent = 3;
    o.pages_confirmed = 3;
    o.completion = CompletionCode::Ok;
    ASSERT_TRUE(gate_->record_outcome(d->id(), o).ok());
    texts.push_back(d->release().tiff_path());

    // A missing document: a refusal (DOC-UNREADABLE).
    r = kp_treatment();
    r.documents[0].path = (tmp_ / (kMember + ".tif")).string();
    auto e = gate_->evaluate(r, ctx_);
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    ASSERT_FALSE(e->cleared());
    texts.push_back(e->refusal().to_text());

    for (const auto& t : texts) expect_no_member(t, "gate output");
    ASSERT_FALSE(logs_.lines().empty());  // it did log; TearDown checks every line
    bool refused_logged = false;
    for (const auto& line : logs_.lines()) refused_logged = refused_logged || line.find("refused") != std::string::npos;
    EXPECT_TRUE(refused_logged);
}

TEST_F(Gate, MovedFromOrConsumedReleasesAreInvalid) {
    Decision d = evaluate_ok(kp_treatment());
    ASSERT_TRUE(d.cleared());
    EXPECT_TRUE(d.release().valid());
    ClearedRelease a = d.take_release();
    EXPECT_TRUE(a.valid());
    EXPECT_FALSE(d.release().valid());  // the decision no longer holds a usable token
    const std::string job = a.job_id();

    ClearedRelease b(std::move(a));
    EXPECT_TRUE(b.valid());
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): that is the point
    EXPECT_EQ(b.job_id(), job);

    Decision d2 = evaluate_ok(kp_treatment({2}));
    ASSERT_TRUE(d2.cleared());
    ClearedRelease c = d2.take_release();
    c = std::move(b);
    EXPECT_TRUE(c.valid());
    EXPECT_FALSE(b.valid());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(c.job_id(), job);

    c.consume();
    EXPECT_FALSE(c.valid());
    ClearedRelease moved(std::move(c));
    EXPECT_FALSE(moved.valid());  // a spent release stays spent when moved
}

// The sample request files in examples/ clear (or are refused) as their names say,
// with the sample directory seeded and verified through the workflow.
TEST_F(Gate, ExampleRequestsAreDecidedAsIntended) {
    const auto examples = std::filesystem::path(FAX_SOURCE_DIR) / "examples";
    std::ifstream in(examples / "directory.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto seed = parse_directory_json(ss.str(), "directory.json");
    ASSERT_TRUE(seed.ok()) << seed.error().to_string();
    for (const auto& n : *seed) {
        ASSERT_TRUE(dir_->add(n, fixed_now() - std::chrono::days(10)).ok()) << n.id;
        test::verify_entry(*dir_, n.id, fixed_now() - std::chrono::days(9));
    }
    // The requests refer to documents/<name>.tif next to them: make those from charts.
    const auto work = tmp_ / "examples";
    std::filesystem::create_directories(work / "documents");
    ASSERT_TRUE(t30::write_fax_tiff((work / "documents/discharge-summary.tif").string(), {chart(1), chart(2)}).ok());
    ASSERT_TRUE(t30::write_fax_tiff((work / "documents/lab-results.tif").string(), {chart(3), chart(4), chart(5)}).ok());
    ASSERT_TRUE(t30::write_fax_tiff((work / "documents/admission.tif").string(), {chart(6), chart(7), chart(8)}).ok());
    const struct {
        const char* file;
        const char* rule;  // allow rule, or the refusal expected
        bool cleared;
        int pages;
    } cases[] = {
        {"request-treatment.json", "POL-PROV-KP", true, 5},
        {"request-payer-certification.json", "POL-PAYER-CERT", true, 4},
        {"request-refused-attorney.json", "REF-CATEGORY", false, 0},
    };
    for (const auto& c : cases) {
        std::filesystem::copy_file(examples / c.file, work / c.file);
        auto req = load_request_file(work / c.file);
        ASSERT_TRUE(req.ok()) << c.file << ": " << req.error().to_string();
        auto d = gate_->evaluate(*req, ctx_);
        ASSERT_TRUE(d.ok()) << c.file << ": " << d.error().to_string();
        ASSERT_EQ(d->cleared(), c.cleared) << c.file << ": " << (d->cleared() ? "" : d->refusal().to_text());
        if (c.cleared) {
            EXPECT_EQ(d->release().rule_id(), c.rule) << c.file;
            EXPECT_EQ(d->release().page_count(), c.pages) << c.file;
            auto pages = t30::read_tiff(d->release().tiff_path());
            ASSERT_TRUE(pages.ok());
            EXPECT_EQ(static_cast<int>(pages->size()), c.pages);
        } else {
            EXPECT_TRUE(d->refusal().has_rule(c.rule)) << c.file << ": " << d->refusal().to_text();
            // Refused for who and why only: the request itself is complete.
            for (const auto& id : d->refusal().rule_ids())
                EXPECT_EQ(id.rfind("REF-", 0), 0u) << c.file << ": " << d->refusal().to_text();
        }
    }
    EXPECT_TRUE(audit_->verify()->ok);
}

}  // namespace
}  // namespace fax::gate
