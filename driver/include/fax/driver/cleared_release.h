// ClearedRelease: the only thing the transmit path accepts.
//
// Only fax::gate::ReleaseGate can construct one (private constructor, friend
// declaration). It is move-only and bound to one job and one dial number; the
// transmit entry point consumes it, so it cannot be used twice. This is what makes
// "nothing reaches the line without the gate" a property of the types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fax::gate {

class ReleaseGate;

enum class ReleaseKind {
    Release,        // pages of a member's record, cover first
    VerificationTestFax,  // a cover-only page with no patient information
};

class ClearedRelease {
public:
    ClearedRelease(const ClearedRelease&) = delete;
    ClearedRelease& operator=(const ClearedRelease&) = delete;
    ClearedRelease(ClearedRelease&& other) noexcept;
    ClearedRelease& operator=(ClearedRelease&& other) noexcept;
    ~ClearedRelease() = default;

    // False once moved from or consumed by a transmission.
    bool valid() const { return valid_; }

    ReleaseKind kind() const { return kind_; }
    const std::string& job_id() const { return job_id_; }
    const std::string& rule_id() const { return rule_id_; }
    // Digits handed to the modem's dial command; nothing else may be dialled for this job.
    const std::string& dial_number() const { return dial_number_; }
    // Directory entry the number was verified for.
    const std::string& recipient_id() const { return recipient_id_; }
    // Expected remote station id (CSI), if the directory has one: a mismatch ends
    // the call before the first page.
    const std::optional<std::string>& expected_csi() const { return expected_csi_; }
    // Normalised multi-page fax TIFF (cover is page 1) exactly as validated.
    const std::string& tiff_path() const { return tiff_path_; }
    int page_count() const { return page_count_; }
    // SHA-256 (hex) of the TIFF file as validated; the session re-checks it before dialling.
    const std::string& content_sha256() const { return content_sha256_; }
    // SHA-256 (hex) of the cover page image (raw PBM encoding) as validated and recorded.
    const std::string& cover_sha256() const { return cover_sha256_; }

    // Marks the release spent. Called by the transmit path when the job starts;
    // afterwards valid() is false and nothing else will accept it.
    void consume() { valid_ = false; }

private:
    friend class ReleaseGate;
    ClearedRelease() = default;

    bool valid_ = false;
    ReleaseKind kind_ = ReleaseKind::Release;
    std::string job_id_;
    std::string rule_id_;
    std::string dial_number_;
    std::string recipient_id_;
    std::optional<std::string> expected_csi_;
    std::string tiff_path_;
    int page_count_ = 0;
    std::string content_sha256_;
    std::string cover_sha256_;
};

}  // namespace fax::gate
