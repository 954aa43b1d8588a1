#include "fault_fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "fax/gate/policy.h"
#include "fax/gate/request.h"
#include "fax/t30/pbm.h"

namespace fax::faulttest {

using namespace std::chrono_literals;

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "faxfaults-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (std::getenv("FAX_KEEP_TEST_FILES") == nullptr) std::filesystem::remove_all(path_, ec);
}

t30::Bitmap itu_chart(int n) {
    auto b = t30::read_pbm(std::string(FAX_ITU_DIR) + "/itu" + std::to_string(n) + ".pbm", 204.0, 196.0);
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().to_string());
    return b.ok() ? std::move(b).value() : t30::Bitmap{};
}

std::string write_charts(const TempDir& dir, const std::vector<int>& charts, const std::string& name) {
    std::vector<t30::Bitmap> pages;
    for (int n : charts) pages.push_back(itu_chart(n));
    const std::string path = dir.file(name);
    auto s = t30::write_fax_tiff(path, pages, t30::TiffCompression::T4_1D);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    return path;
}

namespace {

// The gate's fixed "now" (the gate reads no clock): 2026-03-02 10:00 UTC.
gate::TimePoint gate_now() {
    return gate::TimePoint(std::chrono::sys_days(std::chrono::year{2026} / 3 / 2).time_since_epoch() + 10h);
}

}  // namespace

Result<gate::ClearedRelease> clear_for_test(const TempDir& dir, const std::string& tiff, const TestNumber& number,
                                            const std::optional<std::string>& expected_csi) {
    const auto root = dir.path() / "gate";
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) return fail(Errc::Io, "test gate: " + ec.message());
    auto directory = gate::Directory::open(root / "directory.db");
    if (!directory) return fail(directory.take_error());
    auto audit = gate::AuditLog::open(root / "audit.db");
    if (!audit) return fail(audit.take_error());
    auto documents = gate::make_page_document_io();
    gate::GateConfig cfg;
    cfg.spool_dir = root / "spool";
    gate::ReleaseGate gate(gate::Policy::defaults(), *directory, *audit, *documents, cfg);

    // A KP provider, its number verified: a delivered test fax, then the recipient's
    // telephone confirmation (the two-step workflow of the directory).
    const std::string id = std::string("rcpt-") + number.dial;
    gate::NewEntry e;
    e.id = id;
    e.organisation = "Reference Clinic";
    e.person = "Dr. Receiving Physician";
    e.category = gate::RecipientCategory::KpProvider;
    e.fax = number.fax;
    e.voice = "425-555-0199";
    e.expected_csi = expected_csi;
    FAX_TRY(directory->add(e, gate_now() - std::chrono::days(30)));
    const auto tested_at = gate_now() - std::chrono::days(2);
    FAX_TRY(directory->record_test_fax(id, gate::TestFaxRecord{"JTEST-" + id, tested_at, true, "E100"}));
    FAX_TRY(directory->confirm_by_phone(id, gate::PhoneConfirmation{"E100", "Test Clerk", "Front desk", tested_at + 1h}));

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
    auto decision = gate.evaluate(req, ctx);
    if (!decision) return fail(decision.take_error());
    if (!decision->cleared()) {
        std::string ids;
        for (const auto& r : decision->refusal().rule_ids()) ids += (ids.empty() ? "" : ",") + r;
        return fail(Errc::PolicyRefused, "test gate: release refused (" + ids + ")");
    }
    auto release = decision->take_release();
    if (release.dial_number() != number.dial)
        return fail(Errc::Internal, "test gate: cleared for " + release.dial_number() + ", expected " + number.dial);
    return release;
}

}  // namespace fax::faulttest
