#include "usb_adapter.h"

#include <climits>
#include <cstdlib>
#include <utility>

namespace fax::hal::usb {
namespace {

// ---- the C callbacks: user_data is the C++ sink registered with the transfer ----

void LIBUSB_CALL transfer_callback(libusb_transfer* t) {
    static_cast<TransferSink*>(t->user_data)->on_transfer_done(*t);
}

int LIBUSB_CALL hotplug_callback(libusb_context*, libusb_device* device, libusb_hotplug_event event, void* user_data) {
    static_cast<HotplugSink*>(user_data)->on_hotplug(device, event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED);
    return 0;  // stay registered
}

unsigned int to_libusb_timeout(std::chrono::milliseconds t) {
    // libusb reads 0 as "no timeout"; a caller's 0 means "as short as possible".
    if (t.count() <= 0) return 1;
    if (t.count() > static_cast<long long>(UINT_MAX)) return UINT_MAX;
    return static_cast<unsigned int>(t.count());
}

}  // namespace

Errc to_errc(int e) {
    switch (e) {
    case LIBUSB_ERROR_NO_DEVICE: return Errc::Disconnected;
    case LIBUSB_ERROR_BUSY: return Errc::DeviceBusy;
    case LIBUSB_ERROR_TIMEOUT: return Errc::Timeout;
    case LIBUSB_ERROR_NOT_FOUND: return Errc::NotFound;
    case LIBUSB_ERROR_INVALID_PARAM: return Errc::InvalidArgument;
    case LIBUSB_ERROR_NOT_SUPPORTED: return Errc::Unsupported;
    case LIBUSB_ERROR_INTERRUPTED: return Errc::Cancelled;
    case LIBUSB_ERROR_NO_MEM:
    case LIBUSB_ERROR_OTHER: return Errc::Internal;
    case LIBUSB_ERROR_PIPE:
    case LIBUSB_ERROR_OVERFLOW:
    case LIBUSB_ERROR_ACCESS:
    case LIBUSB_ERROR_IO:
    default: return Errc::Io;
    }
}

Error make_usb_error(int e, const std::string& who, const std::string& what) {
    std::string msg = who + ": " + what + ": " + libusb_error_name(e);
    if (e == LIBUSB_ERROR_ACCESS) msg += " (no write access to the USB device node: is the faxstack udev rule installed and the user in group faxstack?)";
    if (e == LIBUSB_ERROR_BUSY) msg += " (another program or driver holds the interface)";
    return make_error(to_errc(e), std::move(msg));
}

Errc to_errc(libusb_transfer_status s) {
    switch (s) {
    case LIBUSB_TRANSFER_NO_DEVICE: return Errc::Disconnected;
    case LIBUSB_TRANSFER_TIMED_OUT: return Errc::Timeout;
    case LIBUSB_TRANSFER_CANCELLED: return Errc::Cancelled;
    case LIBUSB_TRANSFER_COMPLETED: return Errc::Internal;  // not an error; callers check first
    case LIBUSB_TRANSFER_STALL:
    case LIBUSB_TRANSFER_OVERFLOW:
    case LIBUSB_TRANSFER_ERROR:
    default: return Errc::Io;
    }
}

const char* to_text(libusb_transfer_status s) {
    switch (s) {
    case LIBUSB_TRANSFER_COMPLETED: return "completed";
    case LIBUSB_TRANSFER_ERROR: return "transfer error";
    case LIBUSB_TRANSFER_TIMED_OUT: return "timed out";
    case LIBUSB_TRANSFER_CANCELLED: return "cancelled";
    case LIBUSB_TRANSFER_STALL: return "endpoint stalled";
    case LIBUSB_TRANSFER_NO_DEVICE: return "device gone";
    case LIBUSB_TRANSFER_OVERFLOW: return "device sent more than asked for";
    }
    return "unknown transfer status";
}

// ---- DeviceList ----

Result<DeviceList> DeviceList::create(libusb_context* ctx) {
    libusb_device** list = nullptr;
    const ssize_t n = libusb_get_device_list(ctx, &list);
    if (n < 0) return fail(make_usb_error(static_cast<int>(n), "usb", "libusb_get_device_list"));
    return DeviceList(list, static_cast<std::size_t>(n));
}

DeviceList::~DeviceList() {
    if (list_ != nullptr) libusb_free_device_list(list_, 1);
}

DeviceList::DeviceList(DeviceList&& o) noexcept
    : list_(std::exchange(o.list_, nullptr)), count_(std::exchange(o.count_, 0)) {}

// ---- ClaimedInterface ----

Result<ClaimedInterface> ClaimedInterface::claim(libusb_device_handle* h, uint8_t number, const std::string& who) {
    const int r = libusb_claim_interface(h, number);
    if (r != 0) return fail(make_usb_error(r, who, "claim interface " + std::to_string(number)));
    return ClaimedInterface(h, number);
}

ClaimedInterface::~ClaimedInterface() {
    // Fails harmlessly (NO_DEVICE) once the device is gone.
    if (handle_ != nullptr) libusb_release_interface(handle_, number_);
}

ClaimedInterface::ClaimedInterface(ClaimedInterface&& o) noexcept
    : handle_(std::exchange(o.handle_, nullptr)), number_(o.number_) {}

// ---- transfers ----

void fill_bulk(libusb_transfer* t, libusb_device_handle* h, uint8_t endpoint, std::span<uint8_t> buf,
               TransferSink& sink, std::chrono::milliseconds timeout) {
    libusb_fill_bulk_transfer(t, h, endpoint, buf.data(), static_cast<int>(buf.size()), transfer_callback, &sink,
                              endpoint & LIBUSB_ENDPOINT_IN ? 0 : to_libusb_timeout(timeout));
}

void fill_interrupt(libusb_transfer* t, libusb_device_handle* h, uint8_t endpoint, std::span<uint8_t> buf,
                    TransferSink& sink) {
    libusb_fill_interrupt_transfer(t, h, endpoint, buf.data(), static_cast<int>(buf.size()), transfer_callback, &sink,
                                   0);
}

Status handle_events(libusb_context* ctx, std::chrono::microseconds wait, int* completed) {
    const auto us = std::max<long long>(wait.count(), 0);
    timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
    const int r = libusb_handle_events_timeout_completed(ctx, &tv, completed);
    if (r == 0 || r == LIBUSB_ERROR_INTERRUPTED) return {};
    return fail(make_usb_error(r, "usb", "libusb_handle_events"));
}

// ---- hotplug ----

Result<HotplugRegistration> HotplugRegistration::create(libusb_context* ctx, HotplugSink& sink,
                                                        bool enumerate_existing) {
    if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) == 0)
        return fail(Errc::Unsupported, "usb: this libusb has no hotplug support on this platform");
    libusb_hotplug_callback_handle h = 0;
    const int r = libusb_hotplug_register_callback(
        ctx,
        static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
        enumerate_existing ? LIBUSB_HOTPLUG_ENUMERATE : LIBUSB_HOTPLUG_NO_FLAGS, LIBUSB_HOTPLUG_MATCH_ANY,
        LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, hotplug_callback, &sink, &h);
    if (r != LIBUSB_SUCCESS) return fail(make_usb_error(r, "usb", "libusb_hotplug_register_callback"));
    return HotplugRegistration(ctx, h);
}

HotplugRegistration::~HotplugRegistration() {
    if (valid_) libusb_hotplug_deregister_callback(ctx_, handle_);
}

HotplugRegistration::HotplugRegistration(HotplugRegistration&& o) noexcept
    : ctx_(o.ctx_), handle_(o.handle_), valid_(std::exchange(o.valid_, false)) {}

// ---- context ----

Result<ContextPtr> make_context() {
    libusb_context* raw = nullptr;
    const int r = libusb_init(&raw);
    if (r != 0) return fail(make_usb_error(r, "usb", "libusb_init"));
    ContextPtr ctx(raw);
    const bool debug = std::getenv("FAX_USB_DEBUG") != nullptr;
    libusb_set_option(ctx.get(), LIBUSB_OPTION_LOG_LEVEL, debug ? LIBUSB_LOG_LEVEL_DEBUG : LIBUSB_LOG_LEVEL_WARNING);
    return ctx;
}

}  // namespace fax::hal::usb
