#include "bench_gate.h"

#include <sys/vfs.h>
#include <unistd.h>

#include <chrono>

#include "fax/gate/policy.h"
#include "fax/gate/request.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxbench {
using namespace std::chrono_literals;

gate::TimePoint bench_now() {
    return gate::TimePoint(std::chrono::sys_days(std::chrono::year{2026} / 3 / 2).time_since_epoch() + 10h);
}

Status add_bench_recipient(gate::Directory& directory, const std::string& id, const std::string& fax,
                           gate::TimePoint now) {
    gate::NewEntry e;
    e.id = id;
    e.organisation = "Benchmark Clinic";
    e.person = "Dr. Receiving Physician";
    e.category = gate::RecipientCategory::KpProvider;
    e.fax = fax;
    e.voice = "425-555-0199";
    auto added = directory.add(e, now - std::chrono::days(30));
    if (!added) return fail(added.take_error());
    const auto tested = now - std::chrono::days(2);
    auto t = directory.record_test_fax(id, gate::TestFaxRecord{"JBENCH-TEST-" + id, tested, true, "E100"});
    if (!t) return fail(t.take_error());
    auto c = directory.confirm_by_phone(id, gate::PhoneConfirmation{"E100", "Bench Clerk", "Front desk", tested + 1h});
    if (!c) return fail(c.take_error());
    return {};
}

Result<std::unique_ptr<BenchGate>> BenchGate::create(const std::filesystem::path& parent) {
    std::string tmpl = (parent / "faxbench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::Io, "faxbench: cannot create a scratch directory");
    std::unique_ptr<BenchGate> g(new BenchGate(tmpl));
    FAX_TRY(g->open());
    return g;
}

BenchGate::~BenchGate() {
    gate_.reset();
    audit_.reset();
    directory_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
}

Status BenchGate::open() {
    auto d = gate::Directory::open(root_ / "directory.db");
    if (!d) return fail(d.take_error());
    auto a = gate::AuditLog::open(root_ / "audit.db");
    if (!a) return fail(a.take_error());
    directory_.emplace(std::move(d).value());
    audit_.emplace(std::move(a).value());
    documents_ = gate::make_page_document_io();
    gate::GateConfig cfg;
    cfg.spool_dir = root_ / "spool";
    gate_ = std::make_unique<gate::ReleaseGate>(gate::Policy::defaults(), *directory_, *audit_, *documents_, cfg);

    return add_verified_recipient(kRecipientId, kRecipientFax);
}

Status BenchGate::add_verified_recipient(const std::string& id, const std::string& fax) {
    return add_bench_recipient(*directory_, id, fax);
}

gate::ReleaseRequest bench_release_request(const std::string& tiff, int pages, const std::string& recipient_id,
                                           const std::string& member_reference) {
    gate::ReleaseRequest req;
    req.requester = {"E100", "Bench Clerk"};
    req.member_reference = member_reference;
    req.recipient.directory_id = recipient_id;
    req.purpose = gate::Purpose::Treatment;
    req.sections = {"discharge_summary"};
    req.justification = "Benchmark release of ITU-T T.24 test charts.";
    gate::DocumentSelection doc;
    doc.path = tiff;
    for (int p = 1; p <= pages; ++p) doc.pages.push_back(p);
    doc.sections = {gate::SectionTag{"discharge_summary", doc.pages}};
    req.documents.push_back(doc);
    req.sender = {"Bench Clerk", "Health Information Management", "206-555-0100", "206-555-0101"};
    return req;
}

gate::ReleaseRequest BenchGate::release_request(const std::string& tiff, int pages, const std::string& recipient_id) {
    return bench_release_request(tiff, pages, recipient_id, "MRN-BENCH-" + std::to_string(++releases_));
}

Result<gate::Decision> BenchGate::evaluate(const gate::ReleaseRequest& request) {
    gate::Context ctx;
    ctx.now = bench_now();
    return gate_->evaluate(request, ctx);
}

Result<gate::ClearedRelease> BenchGate::clear(const std::string& tiff, const std::string& recipient_id) {
    auto pages = t30::read_tiff(tiff);
    if (!pages) return fail(pages.take_error());
    auto decision = evaluate(release_request(tiff, static_cast<int>(pages->size()), recipient_id));
    if (!decision) return fail(decision.take_error());
    if (!decision->cleared()) {
        std::string ids;
        for (const auto& r : decision->refusal().rule_ids()) ids += (ids.empty() ? "" : ",") + r;
        return fail(Errc::PolicyRefused, "faxbench: the gate refused the benchmark release (" + ids + ")");
    }
    return decision->take_release();
}

std::string filesystem_of(const std::filesystem::path& p) {
    struct statfs s {};
    if (::statfs(p.c_str(), &s) != 0) return "unknown";
    switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53UL: return "ext4";
    case 0x01021994UL: return "tmpfs";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794C7630UL: return "overlayfs";
    default: return "other";
    }
}

}  // namespace fax::faxbench
