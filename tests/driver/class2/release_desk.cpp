#include "release_desk.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/gate/document_io.h"
#include "fax/gate/release_gate.h"
#include "fax/t30/pbm.h"
#include "fax/t30/tiff_io.h"

namespace fax::class2test {

using namespace std::chrono_literals;

namespace {
// 2025-03-01 14:00 UTC: the desk's "now", handed to the gate (it reads no clock).
gate::TimePoint desk_now() {
    return gate::TimePoint(std::chrono::sys_days(std::chrono::year{2025} / 3 / 1).time_since_epoch() + 14h);
}
}  // namespace

class ReleaseDesk::Impl {
public:
    Impl(gate::Directory d, gate::AuditLog a, std::filesystem::path spool)
        : directory(std::move(d)), audit(std::move(a)), io(gate::make_page_document_io()) {
        gate::GateConfig cfg;
        cfg.spool_dir = std::move(spool);
        gate.emplace(gate::Policy::defaults(), directory, audit, *io, cfg);
    }
    gate::Directory directory;
    gate::AuditLog audit;
    std::unique_ptr<gate::DocumentIo> io;
    std::optional<gate::ReleaseGate> gate;
    int entries = 0;
};

ReleaseDesk::ReleaseDesk(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReleaseDesk::~ReleaseDesk() = default;

Result<std::unique_ptr<ReleaseDesk>> ReleaseDesk::create(const std::filesystem::path& work_dir) {
    auto d = gate::Directory::open(":memory:");
    if (!d) return fail(d.take_error());
    auto a = gate::AuditLog::open(":memory:");
    if (!a) return fail(a.take_error());
    return std::unique_ptr<ReleaseDesk>(
        new ReleaseDesk(std::make_unique<Impl>(std::move(*d), std::move(*a), work_dir / "spool")));
}

Result<gate::ClearedRelease> ReleaseDesk::clear(const std::string& document, int pages, const std::string& fax,
                                                const std::optional<std::string>& expected_csi) {
    const std::string id = "clinic-" + std::to_string(++impl_->entries);
    const auto now = desk_now();
    gate::NewEntry e;
    e.id = id;
    e.organisation = "North Clinic";
    e.person = "Dr. Rivera";
    e.category = gate::RecipientCategory::KpProvider;
    e.fax = fax;
    e.voice = "425-555-0199";
    e.expected_csi = expected_csi;
    FAX_TRY(impl_->directory.add(e, now - std::chrono::days(500)));
    // The two-step verification: a delivered test fax, then the telephone confirmation.
    const auto verified_at = now - std::chrono::days(30);
    FAX_TRY(impl_->directory.record_test_fax(id, gate::TestFaxRecord{"JTEST-" + id, verified_at, true, "E1"}));
    FAX_TRY(impl_->directory.confirm_by_phone(id, gate::PhoneConfirmation{"E1", "Test Clerk", "Front desk",
                                                                          verified_at + 1h}));
    gate::ReleaseRequest r;
    r.requester = {"E104233", "Dana Whitfield"};
    r.member_reference = "MRN-0000-TEST";
    r.recipient.directory_id = id;
    r.purpose = gate::Purpose::Treatment;
    r.sections = {"discharge_summary"};
    r.justification = "Follow-up visit needs the discharge summary.";
    gate::DocumentSelection sel;
    sel.path = document;
    for (int p = 1; p <= pages; ++p) sel.pages.push_back(p);
    sel.sections = {gate::SectionTag{"discharge_summary", sel.pages}};
    r.documents.push_back(sel);
    r.sender = {"Dana Whitfield", "Release of Information", "206-555-0100", "206-555-0199"};
    gate::Context ctx;
    ctx.now = now;
    auto decision = impl_->gate->evaluate(r, ctx);
    if (!decision) return fail(decision.take_error());
    if (!decision->cleared()) {
        std::string why;
        for (const auto& f : decision->refusal().findings) why += f.rule_id + " ";
        return fail(Errc::PolicyRefused, "the gate refused the test release: " + why);
    }
    return decision->take_release();
}

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "faxclass2-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (std::getenv("FAX_KEEP_TEST_FILES") == nullptr) std::filesystem::remove_all(path_, ec);
}

Result<t30::Bitmap> itu_chart(int n) {
    return t30::read_pbm(std::string(FAX_ITU_DIR) + "/itu" + std::to_string(n) + ".pbm", 204.0, 196.0);
}

Status write_charts(const std::string& path, const std::vector<int>& charts) {
    std::vector<t30::Bitmap> pages;
    for (int n : charts) {
        auto b = itu_chart(n);
        if (!b) return fail(b.take_error());
        pages.push_back(std::move(*b));
    }
    return t30::write_fax_tiff(path, pages);
}

}  // namespace fax::class2test
