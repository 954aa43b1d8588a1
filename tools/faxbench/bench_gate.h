// BenchGate: the benchmark's releases come through the real release gate, as in
// production and in tests/integration: a directory entry verified by the two-step
// workflow (a delivered test fax recorded, then the recipient's telephone
// confirmation), a treatment release to a KP provider under the default policy, and
// the ClearedRelease taken from the gate's Decision. The databases and the spool live
// in a scratch directory that is removed on destruction.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "fax/base/result.h"
#include "fax/driver/cleared_release.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/gate/document_io.h"
#include "fax/gate/release_gate.h"

namespace fax::faxbench {

// The file system a store's files are on (ext4, tmpfs, xfs, btrfs, overlayfs, other):
// what an fsync at every commit costs depends on it.
std::string filesystem_of(const std::filesystem::path& p);

// The benchmark's release request: pages 1..`pages` of `tiff` as a discharge summary,
// for treatment, to `recipient_id`, for member `member_reference`.
gate::ReleaseRequest bench_release_request(const std::string& tiff, int pages, const std::string& recipient_id,
                                           const std::string& member_reference);


// The gate reads no clock; the benchmark hands it a fixed time: 2026-03-02 10:00 UTC.
gate::TimePoint bench_now();

// Adds `id` to `directory` as a KP provider verified by the two-step workflow (a test
// fax delivered two days before `now`, then the telephone confirmation). `now` is
// bench_now() for the in-process gate, the wall clock for a station faxctl runs.
Status add_bench_recipient(gate::Directory& directory, const std::string& id, const std::string& fax,
                           gate::TimePoint now = bench_now());

class BenchGate {
public:
    // The verified recipient's number as the directory holds it, and what the modem dials.
    static constexpr const char* kRecipientId = "bench-clinic";
    static constexpr const char* kRecipientFax = "206-555-1009";
    static constexpr const char* kRecipientDial = "12065551009";

    // The scratch directory is made under `parent` (the audit database's filesystem
    // decides what synchronous=FULL costs: see docs/benchmarks.md).
    static Result<std::unique_ptr<BenchGate>> create(
        const std::filesystem::path& parent = std::filesystem::temp_directory_path());
    ~BenchGate();
    BenchGate(const BenchGate&) = delete;
    BenchGate& operator=(const BenchGate&) = delete;

    // Scratch space for the benchmark's own files (removed with the gate).
    const std::filesystem::path& scratch() const { return root_; }

    // Another KP provider entry, verified like the first one (fax: "206-555-1011").
    Status add_verified_recipient(const std::string& id, const std::string& fax);

    // The benchmark's treatment release of every page of `tiff` (`pages` of them) to `recipient_id`.
    gate::ReleaseRequest release_request(const std::string& tiff, int pages,
                                         const std::string& recipient_id = kRecipientId);
    // The gate's decision on `request`, at the benchmark's fixed time.
    Result<gate::Decision> evaluate(const gate::ReleaseRequest& request);

    // Every page of `tiff` to the verified recipient; a refusal is PolicyRefused.
    Result<gate::ClearedRelease> clear(const std::string& tiff, const std::string& recipient_id = kRecipientId);

    gate::AuditLog& audit() { return *audit_; }

private:
    explicit BenchGate(std::filesystem::path root) : root_(std::move(root)) {}
    Status open();

    std::filesystem::path root_;
    std::optional<gate::Directory> directory_;
    std::optional<gate::AuditLog> audit_;
    std::unique_ptr<gate::DocumentIo> documents_;
    std::unique_ptr<gate::ReleaseGate> gate_;
    int releases_ = 0;
};

}  // namespace fax::faxbench
