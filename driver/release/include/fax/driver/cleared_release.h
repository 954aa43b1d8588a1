// ClearedRelease: the only thing the transmit path accepts.
//
// Only fax::gate::ReleaseGate can construct one (private constructor, friend
// declaration). It is move-only and bound to one job and one dial number; the
// transmit entry point consumes it, so it cannot be used twice. Consuming it yields
// the one DialPermit for its number, and the modem drivers dial only with a permit
// (AtChannel refuses any AT command line that dials). This is what makes "nothing
// reaches the line without the gate" a property of the types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace fax::gate {

class ReleaseGate;
class ClearedRelease;

enum class ReleaseKind {
    Release,        // pages of a member's record, cover first
    VerificationTestFax,  // a cover-only page with no patient information
};

// The permission to dial one number once, handed out by ClearedRelease::consume().
// Move-only; a moved-from permit has an empty number and dials nothing.
class DialPermit {
public:
    DialPermit(const DialPermit&) = delete;
    DialPermit& operator=(const DialPermit&) = delete;
    DialPermit(DialPermit&& other) noexcept : number_(std::exchange(other.number_, {})) {}
    DialPermit& operator=(DialPermit&& other) noexcept {
        number_ = std::exchange(other.number_, {});
        return *this;
    }
    ~DialPermit() = default;

    // Digits only, as the gate verified them; empty once used or moved from.
    const std::string& number() const { return number_; }
    bool valid() const { return !number_.empty(); }

private:
    friend class ClearedRelease;
    explicit DialPermit(std::string number) : number_(std::move(number)) {}
    std::string number_;
};

class ClearedRelease {
public:
    ClearedRelease(const ClearedRelease&) = delete;
    ClearedRelease& operator=(const ClearedRelease&) = delete;
    ClearedRelease(ClearedRelease&& other) noexcept = default;
    ClearedRelease& operator=(ClearedRelease&& other) noexcept = default;
    ~ClearedRelease() = default;

    // False once moved from or consumed by a transmission.
    bool valid() const { return valid_.value; }

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

    // Marks the release spent and hands over the permission to dial its number. Called
    // by the transmit path when the job starts; afterwards valid() is false, nothing else
    // accepts the release, and a second call yields a permit that dials nothing.
    DialPermit consume() {
        const bool was_valid = std::exchange(valid_.value, false);
        return DialPermit(was_valid ? dial_number_ : std::string());
    }

private:
    friend class ReleaseGate;
    ClearedRelease() = default;

    // A flag that a move leaves false in the source: a moved-from release is spent, and
    // the special members above can be defaulted.
    struct SpentOnMove {
        bool value = false;
        SpentOnMove() = default;
        SpentOnMove(SpentOnMove&& o) noexcept : value(std::exchange(o.value, false)) {}
        SpentOnMove& operator=(SpentOnMove&& o) noexcept {
            value = std::exchange(o.value, false);
            return *this;
        }
        SpentOnMove& operator=(bool v) {
            value = v;
            return *this;
        }
    };

    SpentOnMove valid_;
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
