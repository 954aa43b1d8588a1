#include "release_fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "fax/gate/policy.h"
#include "fax/gate/request.h"
#include "fax/t30/page_compare.h"

namespace fax::testing {

using namespace std::chrono_literals;

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "faxtest-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (std::getenv("FAX_KEEP_TEST_FILES") == nullptr) std::filesystem::remove_all(path_, ec);
}

t30::Bitmap itu_chart(int n) {
    auto pages = t30::read_tiff(itu_chart_path(n));
    EXPECT_TRUE(pages.ok()) << (pages.ok() ? "" : pages.error().to_string());
    EXPECT_TRUE(!pages.ok() || pages->size() == 1u) << itu_chart_path(n);
    return pages.ok() && pages->size() == 1u ? std::move(pages->front()) : t30::Bitmap{};
}

Status write_charts_at(const std::string& path, const std::vector<int>& charts, t30::TiffCompression c) {
    std::vector<t30::Bitmap> pages;
    for (int n : charts) pages.push_back(itu_chart(n));
    return t30::write_fax_tiff(path, pages, c);
}

std::string write_charts(const TempDir& dir, const std::vector<int>& charts, const std::string& name,
                         t30::TiffCompression c) {
    const std::string path = dir.file(name);
    auto s = write_charts_at(path, charts, c);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    return path;
}

gate::TimePoint gate_now() {
    return gate::TimePoint(std::chrono::sys_days(std::chrono::year{2026} / 3 / 2).time_since_epoch() + 10h);
}

TestGate::TestGate(const TempDir& dir) {
    const auto root = dir.path() / "gate";
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    EXPECT_FALSE(ec) << ec.message();
    auto d = gate::Directory::open(root / "directory.db");
    auto a = gate::AuditLog::open(root / "audit.db");
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().to_string());
    EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().to_string());
    if (!d.ok() || !a.ok()) return;
    directory_.emplace(std::move(d).value());
    audit_.emplace(std::move(a).value());
    documents_ = gate::make_page_document_io();
    gate::GateConfig cfg;
    cfg.spool_dir = root / "spool";
    gate_ = std::make_unique<gate::ReleaseGate>(gate::Policy::defaults(), *directory_, *audit_, *documents_, cfg);
}

Status TestGate::add_verified_recipient(const std::string& id, const std::string& fax,
                                        const std::optional<std::string>& expected_csi) {
    if (!ready()) return fail(Errc::Internal, "test gate: databases not open");
    const auto added_at = gate_now() - std::chrono::days(30);
    auto existing = directory_->find(id);
    if (!existing) return fail(existing.take_error());
    if (!existing->has_value()) {
        gate::NewEntry e;
        e.id = id;
        e.organisation = "Reference Clinic";
        e.person = "Dr. Receiving Physician";
        e.category = gate::RecipientCategory::KpProvider;
        e.fax = fax;
        e.voice = "425-555-0199";
        e.expected_csi = expected_csi;
        auto a = directory_->add(e, added_at);
        if (!a) return fail(a.take_error());
        // Step 1: a cover-only test fax to the number was delivered (MCF)...
        const auto tested_at = gate_now() - std::chrono::days(2);
        auto t = directory_->record_test_fax(id, gate::TestFaxRecord{"JTEST-" + id, tested_at, true, "E100"});
        if (!t) return fail(t.take_error());
        // ...step 2: the recipient confirmed its arrival by telephone.
        auto c = directory_->confirm_by_phone(
            id, gate::PhoneConfirmation{"E100", "Test Clerk", "Front desk", tested_at + 1h});
        if (!c) return fail(c.take_error());
    } else if ((*existing)->expected_csi != expected_csi) {
        auto s = directory_->set_expected_csi(id, expected_csi, "E100", gate_now() - 1h);
        if (!s) return fail(s.take_error());
    }
    return {};
}

Result<gate::ClearedRelease> TestGate::clear_document(const std::string& tiff, const std::string& id) {
    if (!ready()) return fail(Errc::Internal, "test gate: databases not open");
    auto pages = t30::read_tiff(tiff);
    if (!pages) return fail(pages.take_error());

    gate::ReleaseRequest req;
    req.requester = {"E100", "Test Clerk"};
    req.member_reference = kMemberReference;
    req.recipient.directory_id = id;
    req.purpose = gate::Purpose::Treatment;  // POL-PROV-KP: KP provider, treatment
    req.sections = {"discharge_summary"};
    req.justification = "Continuing treatment at the receiving clinic needs the discharge summary.";
    gate::DocumentSelection doc;
    doc.path = tiff;
    for (int p = 1; p <= static_cast<int>(pages->size()); ++p) doc.pages.push_back(p);
    doc.sections = {gate::SectionTag{"discharge_summary", doc.pages}};
    req.documents.push_back(doc);
    req.sender = {"Test Clerk", "Health Information Management", "206-555-0100", "206-555-0101"};

    gate::Context ctx;
    ctx.now = gate_now();
    auto decision = gate_->evaluate(req, ctx);
    if (!decision) return fail(decision.take_error());
    if (!decision->cleared()) {
        std::string ids;
        for (const auto& r : decision->refusal().rule_ids()) ids += (ids.empty() ? "" : ",") + r;
        return fail(Errc::PolicyRefused, "test gate: release refused (" + ids + ")");
    }
    return decision->take_release();
}

Result<gate::ClearedRelease> clear_for_test(const TempDir& dir, const std::string& tiff_path,
                                            const TestNumber& number,
                                            const std::optional<std::string>& expected_csi) {
    TestGate g(dir);
    const std::string id = std::string("rcpt-") + number.dial;
    FAX_TRY(g.add_verified_recipient(id, number.fax, expected_csi));
    auto r = g.clear_document(tiff_path, id);
    if (!r) return r;
    if (r->dial_number() != number.dial)
        return fail(Errc::Internal, "test gate: cleared for dial number " + r->dial_number() + ", expected " +
                                        number.dial);
    return r;
}

Result<gate::ClearedRelease> clear_for_fax(const TempDir& dir, const std::string& tiff_path, const std::string& fax,
                                           const std::optional<std::string>& expected_csi) {
    TestGate g(dir);
    std::string id = "rcpt-";
    for (char c : fax)
        if (c >= '0' && c <= '9') id += c;
    FAX_TRY(g.add_verified_recipient(id, fax, expected_csi));
    return g.clear_document(tiff_path, id);
}

void expect_release_received(const std::string& document_tiff, const std::string& spooled_tiff,
                             const std::vector<t30::Bitmap>& received, int max_top_offset) {
    auto doc = t30::read_tiff(document_tiff);
    auto spooled = t30::read_tiff(spooled_tiff);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    ASSERT_TRUE(spooled.ok()) << spooled.error().to_string();
    ASSERT_EQ(spooled->size(), doc->size() + 1) << "the gate spools the cover plus the document's pages";
    for (std::size_t i = 0; i < doc->size(); ++i)
        EXPECT_TRUE((*spooled)[i + 1] == (*doc)[i]) << "spooled page " << i + 2 << " differs from document page "
                                                    << i + 1;
    ASSERT_EQ(received.size(), spooled->size());
    auto cover = t30::compare_pages(spooled->front(), received.front(), max_top_offset);
    EXPECT_TRUE(cover.identical) << "cover page: " << cover.summary;
    for (std::size_t i = 0; i < doc->size(); ++i) {
        auto d = t30::compare_pages((*doc)[i], received[i + 1], max_top_offset);
        EXPECT_TRUE(d.identical) << "received page " << i + 2 << " (document page " << i + 1 << "): " << d.summary;
    }
}

void expect_release_received(const std::string& document_tiff, const std::string& spooled_tiff,
                             const std::string& received_tiff, int max_top_offset) {
    auto got = t30::read_tiff(received_tiff);
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    expect_release_received(document_tiff, spooled_tiff, *got, max_top_offset);
}

}  // namespace fax::testing
