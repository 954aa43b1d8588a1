// The libusb adapter: RAII owners for every libusb resource, the one mapping of
// libusb error codes onto fax::Errc, and the C callbacks (transfer completion,
// hotplug). STYLE.md §5: C callbacks with `void *user_data` live in this one
// file pair; the rest of hal/ sees C++ interfaces (TransferSink, HotplugSink).
// Internal to fax_hal.
#pragma once

#include <libusb.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"

namespace fax::hal::usb {

struct ContextDeleter {
    void operator()(libusb_context* c) const noexcept { libusb_exit(c); }
};
using ContextPtr = std::unique_ptr<libusb_context, ContextDeleter>;

struct HandleDeleter {
    void operator()(libusb_device_handle* h) const noexcept { libusb_close(h); }
};
using HandlePtr = std::unique_ptr<libusb_device_handle, HandleDeleter>;

struct ConfigDeleter {
    void operator()(libusb_config_descriptor* c) const noexcept { libusb_free_config_descriptor(c); }
};
using ConfigPtr = std::unique_ptr<libusb_config_descriptor, ConfigDeleter>;

struct TransferDeleter {
    void operator()(libusb_transfer* t) const noexcept { libusb_free_transfer(t); }
};
// Must not be freed while submitted: owners cancel and wait for the callback first.
using TransferPtr = std::unique_ptr<libusb_transfer, TransferDeleter>;

// The device list of a context; unrefs the devices it still holds on destruction.
class DeviceList {
public:
    static Result<DeviceList> create(libusb_context* ctx);
    ~DeviceList();
    DeviceList(DeviceList&& o) noexcept;
    DeviceList& operator=(DeviceList&&) = delete;
    DeviceList(const DeviceList&) = delete;
    DeviceList& operator=(const DeviceList&) = delete;
    std::span<libusb_device* const> devices() const { return {list_, count_}; }

private:
    DeviceList(libusb_device** list, std::size_t count) : list_(list), count_(count) {}
    libusb_device** list_ = nullptr;
    std::size_t count_ = 0;
};

// A claimed interface; released on destruction. With auto-detach on, libusb
// re-attaches the kernel driver (cdc_acm) when the interface is released.
class ClaimedInterface {
public:
    static Result<ClaimedInterface> claim(libusb_device_handle* h, uint8_t number, const std::string& who);
    ~ClaimedInterface();
    ClaimedInterface(ClaimedInterface&& o) noexcept;
    ClaimedInterface& operator=(ClaimedInterface&&) = delete;
    ClaimedInterface(const ClaimedInterface&) = delete;
    ClaimedInterface& operator=(const ClaimedInterface&) = delete;
    uint8_t number() const { return number_; }

private:
    ClaimedInterface(libusb_device_handle* h, uint8_t n) : handle_(h), number_(n) {}
    libusb_device_handle* handle_ = nullptr;
    uint8_t number_ = 0;
};

// The one mapping from libusb_error to Errc (LIBUSB_ERROR_NO_DEVICE ->
// Disconnected, BUSY -> DeviceBusy, TIMEOUT -> Timeout, ACCESS -> Io with a hint).
Errc to_errc(int libusb_error);
// "<who>: <what>: <libusb's name for the error>".
Error make_usb_error(int libusb_error, const std::string& who, const std::string& what);
// Transfer status to Errc for a transfer that did not complete.
Errc to_errc(libusb_transfer_status status);
const char* to_text(libusb_transfer_status status);

// Receives transfer completions. Runs inside libusb_handle_events*, on the
// thread that pumps the context.
class TransferSink {
public:
    virtual void on_transfer_done(libusb_transfer& transfer) = 0;

protected:
    ~TransferSink() = default;
};

void fill_bulk(libusb_transfer* t, libusb_device_handle* h, uint8_t endpoint, std::span<uint8_t> buf,
               TransferSink& sink, std::chrono::milliseconds timeout);
void fill_interrupt(libusb_transfer* t, libusb_device_handle* h, uint8_t endpoint, std::span<uint8_t> buf,
                    TransferSink& sink);

// Runs libusb's event loop once for at most `wait` (0: only what is ready now).
Status handle_events(libusb_context* ctx, std::chrono::microseconds wait, int* completed = nullptr);

// Hotplug (where libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)).
class HotplugSink {
public:
    virtual void on_hotplug(libusb_device* device, bool arrived) = 0;

protected:
    ~HotplugSink() = default;
};

class HotplugRegistration {
public:
    // Registers for arrivals and departures of every device (filtering is the sink's business).
    static Result<HotplugRegistration> create(libusb_context* ctx, HotplugSink& sink, bool enumerate_existing);
    ~HotplugRegistration();
    HotplugRegistration(HotplugRegistration&& o) noexcept;
    HotplugRegistration& operator=(HotplugRegistration&&) = delete;
    HotplugRegistration(const HotplugRegistration&) = delete;
    HotplugRegistration& operator=(const HotplugRegistration&) = delete;

private:
    HotplugRegistration(libusb_context* c, libusb_hotplug_callback_handle h) : ctx_(c), handle_(h), valid_(true) {}
    libusb_context* ctx_ = nullptr;
    libusb_hotplug_callback_handle handle_ = 0;
    bool valid_ = false;
};

// Creates a context. libusb's own log is kept quiet (warnings only, via its
// default stderr sink) unless FAX_USB_DEBUG is set in the environment.
Result<ContextPtr> make_context();

}  // namespace fax::hal::usb
