// UsbHotplugMonitor: USB arrivals and departures from libusb's hotplug
// callbacks (where libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)), as plain
// events a station can act on: re-run list_candidates() on arrival, fail the
// job on its modem's departure. Nothing is opened here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "fax/base/result.h"

namespace fax::hal {

struct UsbHotplugEvent {
    bool arrived = false;  // false: left
    uint16_t vendor_id = 0;
    uint16_t product_id = 0;
    uint8_t bus = 0;
    std::vector<uint8_t> port_path;
};

class UsbHotplugMonitor {
public:
    // Unsupported where libusb has no hotplug on this platform. With
    // `enumerate_existing`, devices present now are reported as arrivals first.
    static Result<std::unique_ptr<UsbHotplugMonitor>> create(bool enumerate_existing = false);
    ~UsbHotplugMonitor();
    UsbHotplugMonitor(const UsbHotplugMonitor&) = delete;
    UsbHotplugMonitor& operator=(const UsbHotplugMonitor&) = delete;

    // Handles libusb events for at most `wait` and returns the events gathered
    // so far (in order), emptying the queue.
    Result<std::vector<UsbHotplugEvent>> poll(std::chrono::milliseconds wait);

    class Impl;

private:
    explicit UsbHotplugMonitor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace fax::hal
