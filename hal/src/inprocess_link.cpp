#include "fax/hal/inprocess_link.h"

#include <algorithm>

namespace fax::hal {

class InProcessLink::HostEnd final : public Transport {
public:
    explicit HostEnd(InProcessLink& link) : link_(link) {}

    Status open() override {
        if (link_.unplugged_) return fail(Errc::Disconnected, describe() + ": device is gone");
        link_.open_ = true;
        link_.dtr_ = true;
        return {};
    }
    void close() override {
        link_.open_ = false;
        link_.dtr_ = false;
    }
    bool is_open() const override { return link_.open_; }

    Result<std::size_t> read(std::span<uint8_t> buf, std::chrono::milliseconds) override {
        if (auto s = check(); !s) return fail(s.take_error());
        const std::size_t n = std::min(buf.size(), link_.to_dte_.size());
        std::copy_n(link_.to_dte_.begin(), n, buf.begin());
        link_.to_dte_.erase(link_.to_dte_.begin(), link_.to_dte_.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }
    Result<std::size_t> write(std::span<const uint8_t> data, std::chrono::milliseconds) override {
        if (auto s = check(); !s) return fail(s.take_error());
        link_.to_dce_.insert(link_.to_dce_.end(), data.begin(), data.end());
        return data.size();
    }
    Status flush(FlushQueue which) override {
        if (which != FlushQueue::Output) link_.to_dte_.clear();
        if (which != FlushQueue::Input) link_.to_dce_.clear();
        return {};
    }
    Status drain(std::chrono::milliseconds) override { return check(); }
    Status set_dtr(bool on) override {
        FAX_TRY(check());
        link_.dtr_ = on;
        return {};
    }
    Status set_rts(bool) override { return check(); }
    Status configure(const LineSettings&) override { return check(); }
    Status set_flow_control(FlowControl) override { return check(); }
    std::string describe() const override { return "inproc:" + link_.name_; }

private:
    Status check() const {
        if (link_.unplugged_) return fail(Errc::Disconnected, describe() + ": device was unplugged");
        if (!link_.open_) return fail(Errc::Io, describe() + ": not open");
        return {};
    }
    InProcessLink& link_;
};

InProcessLink::InProcessLink(std::string name) : name_(std::move(name)), host_(std::make_unique<HostEnd>(*this)) {}

Transport& InProcessLink::host() { return *host_; }

std::vector<uint8_t> InProcessLink::dce_take(std::size_t max) {
    const std::size_t n = std::min(max, to_dce_.size());
    std::vector<uint8_t> out(to_dce_.begin(), to_dce_.begin() + static_cast<std::ptrdiff_t>(n));
    to_dce_.erase(to_dce_.begin(), to_dce_.begin() + static_cast<std::ptrdiff_t>(n));
    return out;
}

void InProcessLink::dce_send(std::span<const uint8_t> data) { to_dte_.insert(to_dte_.end(), data.begin(), data.end()); }

}  // namespace fax::hal
