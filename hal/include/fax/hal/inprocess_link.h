// A byte pipe between a host driver and a modem simulated in the same process.
// The host side is an ordinary Transport; the modem side is what a simulated
// modem's firmware sees (its DTE port). Nothing here blocks: an in-process
// simulation advances time itself, so a read returns at once with what is there.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fax/hal/transport.h"

namespace fax::hal {

class InProcessLink {
public:
    explicit InProcessLink(std::string name);

    // The host end. Owned by the link; lent to the driver.
    Transport& host();

    // ---- the modem (DCE) end ----
    // Bytes the host wrote, up to max; removed from the pipe.
    std::vector<uint8_t> dce_take(std::size_t max);
    std::size_t dce_pending() const { return to_dce_.size(); }
    // Bytes the modem sends to the host.
    void dce_send(std::span<const uint8_t> data);
    bool host_dtr() const { return dtr_; }
    bool host_open() const { return open_; }
    // Severs the link as an unplug would: the host's next read or write fails.
    void unplug() { unplugged_ = true; }

private:
    class HostEnd;
    friend class HostEnd;
    std::string name_;
    std::deque<uint8_t> to_dce_;
    std::deque<uint8_t> to_dte_;
    bool dtr_ = true;
    bool open_ = false;
    bool unplugged_ = false;
    std::unique_ptr<Transport> host_;
};

}  // namespace fax::hal
