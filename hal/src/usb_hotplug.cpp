#include "fax/hal/usb_hotplug.h"

#include <array>
#include <optional>

#include "usb_adapter.h"

namespace fax::hal {

class UsbHotplugMonitor::Impl final : public usb::HotplugSink {
public:
    explicit Impl(usb::ContextPtr ctx) : ctx_(std::move(ctx)) {}
    ~Impl() {
        reg_.reset();  // deregister before the context goes
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    Status start(bool enumerate_existing) {
        auto r = usb::HotplugRegistration::create(ctx_.get(), *this, enumerate_existing);
        if (!r) return fail(r.take_error());
        reg_.emplace(std::move(*r));
        return {};
    }

    void on_hotplug(libusb_device* dev, bool arrived) override {
        UsbHotplugEvent e;
        e.arrived = arrived;
        libusb_device_descriptor dd{};
        if (libusb_get_device_descriptor(dev, &dd) == 0) {
            e.vendor_id = dd.idVendor;
            e.product_id = dd.idProduct;
        }
        e.bus = libusb_get_bus_number(dev);
        std::array<uint8_t, 8> ports{};
        const int n = libusb_get_port_numbers(dev, ports.data(), static_cast<int>(ports.size()));
        if (n > 0) e.port_path.assign(ports.begin(), ports.begin() + n);
        events_.push_back(std::move(e));
    }

    Result<std::vector<UsbHotplugEvent>> poll(std::chrono::milliseconds wait) {
        if (events_.empty()) FAX_TRY(usb::handle_events(ctx_.get(), wait));
        FAX_TRY(usb::handle_events(ctx_.get(), std::chrono::microseconds(0)));
        return std::exchange(events_, {});
    }

private:
    usb::ContextPtr ctx_;
    std::optional<usb::HotplugRegistration> reg_;
    std::vector<UsbHotplugEvent> events_;
};

Result<std::unique_ptr<UsbHotplugMonitor>> UsbHotplugMonitor::create(bool enumerate_existing) {
    auto ctx = usb::make_context();
    if (!ctx) return fail(ctx.take_error());
    auto impl = std::make_unique<Impl>(std::move(*ctx));
    FAX_TRY(impl->start(enumerate_existing));
    return std::unique_ptr<UsbHotplugMonitor>(new UsbHotplugMonitor(std::move(impl)));
}

UsbHotplugMonitor::UsbHotplugMonitor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UsbHotplugMonitor::~UsbHotplugMonitor() = default;

Result<std::vector<UsbHotplugEvent>> UsbHotplugMonitor::poll(std::chrono::milliseconds wait) {
    return impl_->poll(wait);
}

}  // namespace fax::hal
