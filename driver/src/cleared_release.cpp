#include "fax/driver/cleared_release.h"

#include <utility>

namespace fax::gate {

ClearedRelease::ClearedRelease(ClearedRelease&& o) noexcept
    : valid_(std::exchange(o.valid_, false)),
      kind_(o.kind_),
      job_id_(std::move(o.job_id_)),
      rule_id_(std::move(o.rule_id_)),
      dial_number_(std::move(o.dial_number_)),
      recipient_id_(std::move(o.recipient_id_)),
      expected_csi_(std::move(o.expected_csi_)),
      tiff_path_(std::move(o.tiff_path_)),
      page_count_(o.page_count_),
      content_sha256_(std::move(o.content_sha256_)),
      cover_sha256_(std::move(o.cover_sha256_)) {}

ClearedRelease& ClearedRelease::operator=(ClearedRelease&& o) noexcept {
    if (this != &o) {
        valid_ = std::exchange(o.valid_, false);
        kind_ = o.kind_;
        job_id_ = std::move(o.job_id_);
        rule_id_ = std::move(o.rule_id_);
        dial_number_ = std::move(o.dial_number_);
        recipient_id_ = std::move(o.recipient_id_);
        expected_csi_ = std::move(o.expected_csi_);
        tiff_path_ = std::move(o.tiff_path_);
        page_count_ = o.page_count_;
        content_sha256_ = std::move(o.content_sha256_);
        cover_sha256_ = std::move(o.cover_sha256_);
    }
    return *this;
}

}  // namespace fax::gate
