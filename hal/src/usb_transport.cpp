#include "fax/hal/usb_transport.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>

#include "fax/base/log.h"
#include "usb_adapter.h"

namespace fax::hal {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr uint8_t kXon = 0x11, kXoff = 0x13;
// bmRequestType for CDC class requests to an interface (USB 2.0 §9.3.1).
// Host-to-device, class, interface = 0x21; device-to-host = 0xA1.
constexpr uint8_t kClassOut = 0x21;
constexpr uint8_t kClassIn = 0xA1;
// Upper bound of one bulk OUT transfer: small enough that XOFF is honoured
// within a few milliseconds of data, large enough for a page's line rate.
constexpr std::size_t kWriteChunk = 1024;
constexpr std::size_t kSoftFlowWriteChunk = 64;

std::string hex4(uint16_t v) {
    char b[5];
    std::snprintf(b, sizeof b, "%04x", v);
    return b;
}

std::string port_text(uint8_t bus, std::span<const uint8_t> ports) {
    std::string s = std::to_string(bus);
    for (std::size_t i = 0; i < ports.size(); ++i) s += (i == 0 ? "-" : ".") + std::to_string(ports[i]);
    return s;
}

std::vector<UsbInterfaceDesc> interfaces_of(const libusb_config_descriptor& cfg) {
    std::vector<UsbInterfaceDesc> out;
    for (int i = 0; i < cfg.bNumInterfaces; ++i) {
        const libusb_interface& itf = cfg.interface[i];
        for (int a = 0; a < itf.num_altsetting; ++a) {
            const libusb_interface_descriptor& d = itf.altsetting[a];
            UsbInterfaceDesc x;
            x.number = d.bInterfaceNumber;
            x.alt_setting = d.bAlternateSetting;
            x.cls = d.bInterfaceClass;
            x.subclass = d.bInterfaceSubClass;
            x.protocol = d.bInterfaceProtocol;
            if (d.extra != nullptr && d.extra_length > 0) x.extra.assign(d.extra, d.extra + d.extra_length);
            for (int e = 0; e < d.bNumEndpoints; ++e) {
                const libusb_endpoint_descriptor& ep = d.endpoint[e];
                x.endpoints.push_back({ep.bEndpointAddress, ep.bmAttributes, ep.wMaxPacketSize});
            }
            out.push_back(std::move(x));
        }
    }
    return out;
}

}  // namespace

std::string UsbDeviceSelector::describe() const {
    std::string s = "usb:";
    if (bus) s += port_text(*bus, port_path);
    if (vendor_id || product_id) {
        if (bus) s += ' ';
        s += vendor_id ? hex4(*vendor_id) : std::string("*");
        s += ':';
        s += product_id ? hex4(*product_id) : std::string("*");
    }
    if (!bus && !vendor_id && !product_id) s += "any";
    return s;
}

class UsbTransport::Impl {
public:
    explicit Impl(UsbTransportOptions o) : opts_(std::move(o)), flow_(opts_.line.flow) {}
    ~Impl() { close(); }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    // ---------------------------------------------------------------- open/close
    Status open() {
        if (open_) return {};
        if (opts_.line.baud == 0) return fail(Errc::InvalidArgument, describe() + ": baud rate 0");
        auto ctx = usb::make_context();
        if (!ctx) return fail(ctx.take_error());
        ctx_ = std::move(*ctx);
        if (auto s = open_device(); !s) {
            teardown();
            return s;
        }
        open_ = true;
        if (auto s = start(); !s) {
            close();
            return s;
        }
        FAX_LOG(Debug, "usb", describe() + ": open, data interface " + std::to_string(layout_.data_interface) +
                                  (layout_.cdc_acm ? " (CDC-ACM)" : " (vendor bulk)"));
        return {};
    }

    void close() {
        if (!open_ && !ctx_) return;
        if (open_ && layout_.cdc_acm && !disconnected_) {
            // Dropping DTR makes the modem go on-hook (V.250 &D2), as HUPCL does
            // when a tty is closed: a crashed or finished job never holds the line.
            (void)control_out(kCdcSetControlLineState, 0, {}, "SET_CONTROL_LINE_STATE (DTR off)");
        }
        cancel_and_wait();
        teardown();
        open_ = false;
    }

    bool is_open() const { return open_; }

    // ---------------------------------------------------------------- data
    Result<std::size_t> read(std::span<uint8_t> buf, std::chrono::milliseconds timeout) {
        if (!open_) return fail(Errc::Io, describe() + ": not open");
        if (buf.empty()) return std::size_t{0};
        const auto deadline = Clock::now() + std::max(timeout, 0ms);
        for (bool pumped = false;; pumped = true) {
            if (!rx_.empty()) {
                const std::size_t n = std::min(buf.size(), rx_.size());
                std::copy_n(rx_.begin(), n, buf.begin());
                rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(n));
                return n;
            }
            if (disconnected_) return fail(gone("read"));
            if (rx_error_) {
                Error e = std::move(*rx_error_);
                rx_error_.reset();
                return fail(std::move(e));
            }
            if (!in_.in_flight) FAX_TRY(restart_in());
            const auto now = Clock::now();
            if (pumped && now >= deadline) return std::size_t{0};
            FAX_TRY(pump(std::chrono::duration_cast<std::chrono::microseconds>(std::max(deadline - now, Clock::duration{}))));
        }
    }

    Result<std::size_t> write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) {
        if (!open_) return fail(Errc::Io, describe() + ": not open");
        if (disconnected_) return fail(gone("write"));
        const auto deadline = Clock::now() + std::max(timeout, 0ms);
        std::size_t done = 0;
        while (done < data.size()) {
            if (flow_ == FlowControl::Software) {
                // XOFF from the modem holds our output, as IXON does on a tty.
                while (xoff_ && !disconnected_ && Clock::now() < deadline)
                    FAX_TRY(pump(std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now())));
                if (disconnected_) return fail(gone("write"));
                if (xoff_) break;
            }
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left <= 0ms && done > 0) break;
            const std::size_t chunk =
                std::min(data.size() - done, flow_ == FlowControl::Software ? kSoftFlowWriteChunk : kWriteChunk);
            auto n = write_chunk(data.subspan(done, chunk), std::max(left, 1ms));
            if (!n) return fail(n.take_error());
            done += *n;
            if (*n < chunk) break;  // the device NAKed until the timeout: report a short write
        }
        return done;
    }

    Status flush(FlushQueue which) {
        if (!open_) return fail(Errc::Io, describe() + ": not open");
        if (which != FlushQueue::Output) {
            FAX_TRY(pump(0us));
            rx_.clear();
        }
        return {};
    }

    Status drain(std::chrono::milliseconds) {
        if (!open_) return fail(Errc::Io, describe() + ": not open");
        if (disconnected_) return fail(gone("drain"));
        return {};
    }

    // ---------------------------------------------------------------- line control
    Status set_line_bit(uint16_t bit, bool on, const char* name) {
        if (!open_) return fail(Errc::Io, describe() + ": not open");
        if (!layout_.cdc_acm)
            return fail(Errc::Unsupported, describe() + ": cannot set " + name +
                                               ": a vendor bulk modem has no CDC control interface");
        const uint16_t want = on ? static_cast<uint16_t>(line_state_ | bit) : static_cast<uint16_t>(line_state_ & ~bit);
        FAX_TRY(control_out(kCdcSetControlLineState, want, {}, std::string("SET_CONTROL_LINE_STATE (") + name + ")"));
        line_state_ = want;
        return {};
    }

    Status configure(const LineSettings& s) {
        if (s.baud == 0) return fail(Errc::InvalidArgument, describe() + ": baud rate 0");
        if (open_ && layout_.cdc_acm) FAX_TRY(set_line_coding(s.baud));
        opts_.line = s;
        flow_ = s.flow;
        if (flow_ != FlowControl::Software) xoff_ = false;
        return {};
    }

    Status set_flow_control(FlowControl f) {
        flow_ = f;
        opts_.line.flow = f;
        if (f != FlowControl::Software) xoff_ = false;
        return {};
    }

    std::string describe() const {
        if (!port_path_.empty()) return "usb:" + port_path_ + " " + hex4(vid_) + ":" + hex4(pid_);
        return opts_.device.describe();
    }

    std::optional<SerialState> serial_state() const { return serial_state_; }
    std::optional<UsbModemLayout> layout() const {
        if (!open_) return std::nullopt;
        return layout_;
    }
    const std::string& port_path() const { return port_path_; }

    // ---------------------------------------------------------------- transfers
    enum class SlotKind { BulkIn, Notify, BulkOut };
    struct Slot final : usb::TransferSink {
        Slot(Impl& o, SlotKind k) : owner(o), kind(k) {}  // the transfer is allocated by start()
        void on_transfer_done(libusb_transfer& t) override { owner.on_done(*this, t); }
        Impl& owner;
        SlotKind kind;
        usb::TransferPtr transfer;
        std::vector<uint8_t> buf;
        bool in_flight = false;
    };

    void on_done(Slot& slot, libusb_transfer& t) {
        slot.in_flight = false;
        if (t.status == LIBUSB_TRANSFER_NO_DEVICE) {
            disconnected_ = true;
            return;
        }
        switch (slot.kind) {
        case SlotKind::BulkIn: on_bulk_in(t); break;
        case SlotKind::Notify: on_notify(t); break;
        case SlotKind::BulkOut: break;  // write_chunk() reads the status
        }
    }

    void on_bulk_in(libusb_transfer& t) {
        if (t.status == LIBUSB_TRANSFER_COMPLETED || t.status == LIBUSB_TRANSFER_TIMED_OUT) {
            for (int i = 0; i < t.actual_length; ++i) {
                const uint8_t b = t.buffer[i];
                if (flow_ == FlowControl::Software && (b == kXon || b == kXoff)) {
                    xoff_ = b == kXoff;
                    continue;
                }
                rx_.push_back(b);
            }
            if (!closing_) (void)submit(in_);
            return;
        }
        if (t.status == LIBUSB_TRANSFER_CANCELLED) return;
        // A stall is cleared (synchronously) by the next read(), outside this callback.
        if (t.status == LIBUSB_TRANSFER_STALL) in_stalled_ = true;
        rx_error_ = make_error(usb::to_errc(t.status), describe() + ": bulk IN: " + usb::to_text(t.status));
    }

    void on_notify(libusb_transfer& t) {
        if (t.status == LIBUSB_TRANSFER_COMPLETED) {
            if (auto s = parse_serial_state(std::span<const uint8_t>(t.buffer, static_cast<std::size_t>(t.actual_length)))) {
                if (serial_state_ && serial_state_->dcd != s->dcd)
                    FAX_LOG(Debug, "usb", describe() + std::string(": DCD ") + (s->dcd ? "on" : "off"));
                serial_state_ = *s;
            }
            if (!closing_) (void)submit(notify_);
            return;
        }
        // The notification endpoint is an extra: losing it costs DCD/RI reporting only.
        if (t.status != LIBUSB_TRANSFER_CANCELLED)
            FAX_LOG(Warn, "usb", describe() + ": interrupt endpoint stopped: " + usb::to_text(t.status));
    }

    Status submit(Slot& s) {
        const int r = libusb_submit_transfer(s.transfer.get());
        if (r == 0) {
            s.in_flight = true;
            return {};
        }
        if (r == LIBUSB_ERROR_NO_DEVICE) disconnected_ = true;
        Error e = usb::make_usb_error(r, describe(), "submit transfer");
        if (s.kind == SlotKind::BulkIn && r != LIBUSB_ERROR_NO_DEVICE) rx_error_ = e;
        return fail(std::move(e));
    }

    Status restart_in() {
        if (in_stalled_) {
            const int r = libusb_clear_halt(handle_.get(), layout_.bulk_in);
            if (r != 0) return fail(usb::make_usb_error(r, describe(), "clear halt on bulk IN"));
            in_stalled_ = false;
        }
        auto s = submit(in_);
        if (!s && disconnected_) return fail(gone("read"));
        return s;
    }

    Result<std::size_t> write_chunk(std::span<const uint8_t> chunk, std::chrono::milliseconds timeout) {
        // A write that failed while pumping may have left its transfer with
        // libusb; its buffer must not be touched until libusb gives it back.
        if (out_.in_flight) {
            FAX_TRY(pump(0us));
            if (out_.in_flight) return fail(Errc::Io, describe() + ": write: the previous bulk OUT transfer is still in flight");
        }
        out_.buf.assign(chunk.begin(), chunk.end());
        usb::fill_bulk(out_.transfer.get(), handle_.get(), layout_.bulk_out, out_.buf, out_, timeout);
        if (opts_.zero_length_packets) out_.transfer->flags |= LIBUSB_TRANSFER_ADD_ZERO_PACKET;
        if (auto s = submit(out_); !s) {
            if (disconnected_) return fail(gone("write"));
            return fail(s.take_error());
        }
        // libusb ends the transfer at its timeout; the extra margin only guards
        // against a backend that never calls back.
        const auto guard = Clock::now() + timeout + 2s;
        while (out_.in_flight) {
            FAX_TRY(pump(50ms));
            if (out_.in_flight && Clock::now() > guard) {
                libusb_cancel_transfer(out_.transfer.get());
                while (out_.in_flight) FAX_TRY(pump(50ms));
            }
        }
        const libusb_transfer& t = *out_.transfer;
        const auto sent = static_cast<std::size_t>(std::max(t.actual_length, 0));
        switch (t.status) {
        case LIBUSB_TRANSFER_COMPLETED:
        case LIBUSB_TRANSFER_TIMED_OUT:
        case LIBUSB_TRANSFER_CANCELLED: return sent;
        case LIBUSB_TRANSFER_NO_DEVICE: return fail(gone("write"));
        default:
            return fail(make_error(usb::to_errc(t.status), describe() + ": bulk OUT: " + usb::to_text(t.status)));
        }
    }

    Status pump(std::chrono::microseconds wait) {
        auto s = usb::handle_events(ctx_.get(), wait);
        if (!s && s.error().code == Errc::Disconnected) disconnected_ = true;
        return s;
    }

    // ---------------------------------------------------------------- control requests
    // The raw libusb result (bytes transferred, or a negative libusb_error).
    int control_raw(uint8_t request_type, uint8_t request, uint16_t value, std::span<uint8_t> data) {
        const int r = libusb_control_transfer(handle_.get(), request_type, request, value, *layout_.control_interface,
                                              data.data(), static_cast<uint16_t>(data.size()),
                                              static_cast<unsigned>(opts_.control_timeout.count()));
        if (r == LIBUSB_ERROR_NO_DEVICE) disconnected_ = true;
        return r;
    }

    Status control_out(uint8_t request, uint16_t value, std::span<uint8_t> data, const std::string& what) {
        if (!layout_.control_interface) return fail(Errc::Unsupported, describe() + ": " + what + ": no control interface");
        const int r = control_raw(kClassOut, request, value, data);
        if (r < 0) return fail(usb::make_usb_error(r, describe(), what));
        return {};
    }

    Status set_line_coding(uint32_t baud) {
        if (!layout_.control_interface) return fail(Errc::Unsupported, describe() + ": SET_LINE_CODING: no control interface");
        auto coding = encode_line_coding_8n1(baud);
        const int w = control_raw(kClassOut, kCdcSetLineCoding, 0, coding);
        // PSTN 1.2 §5.3.2 Table 4 (bmCapabilities D1): an ACM device that does
        // not manage line coding may stall the request; its DTE rate is fixed.
        if (w == LIBUSB_ERROR_PIPE) {
            FAX_LOG(Debug, "usb", describe() + ": SET_LINE_CODING not supported by the device (stall)");
            return {};
        }
        if (w < 0) return fail(usb::make_usb_error(w, describe(), "SET_LINE_CODING"));
        // Read it back, as SerialTransport reads tcsetattr() back: a device may
        // accept a request it did not apply.
        std::array<uint8_t, 7> got{};
        const int r = control_raw(kClassIn, kCdcGetLineCoding, 0, got);
        if (r == LIBUSB_ERROR_PIPE) return {};  // GET_LINE_CODING not implemented: nothing to compare
        if (r < 0) return fail(usb::make_usb_error(r, describe(), "GET_LINE_CODING"));
        const auto rate = decode_line_coding_8n1(std::span<const uint8_t>(got.data(), static_cast<std::size_t>(r)));
        if (!rate || *rate != baud)
            return fail(Errc::Io, describe() + ": line setting did not apply: asked 8N1 at " + std::to_string(baud) +
                                      " baud, device reports " + (rate ? std::to_string(*rate) + " baud" : "something else"));
        return {};
    }

private:
    Error gone(const char* what) const { return make_error(Errc::Disconnected, describe() + ": " + what + ": the USB device went away"); }

    Status open_device() {
        auto list = usb::DeviceList::create(ctx_.get());
        if (!list) return fail(list.take_error());
        const auto& sel = opts_.device;
        bool denied = false;
        for (libusb_device* dev : list->devices()) {
            libusb_device_descriptor dd{};
            if (libusb_get_device_descriptor(dev, &dd) != 0) continue;
            if (sel.vendor_id && dd.idVendor != *sel.vendor_id) continue;
            if (sel.product_id && dd.idProduct != *sel.product_id) continue;
            const uint8_t bus = libusb_get_bus_number(dev);
            std::array<uint8_t, 8> ports{};
            const int np = libusb_get_port_numbers(dev, ports.data(), static_cast<int>(ports.size()));
            const std::span<const uint8_t> path(ports.data(), np > 0 ? static_cast<std::size_t>(np) : 0);
            if (sel.bus && bus != *sel.bus) continue;
            if (!sel.port_path.empty() && !std::equal(path.begin(), path.end(), sel.port_path.begin(), sel.port_path.end()))
                continue;
            libusb_device_handle* raw = nullptr;
            const int r = libusb_open(dev, &raw);
            if (r == LIBUSB_ERROR_ACCESS) {
                denied = true;
                continue;
            }
            if (r != 0) return fail(usb::make_usb_error(r, sel.describe(), "libusb_open"));
            usb::HandlePtr h(raw);
            if (sel.serial) {
                std::array<unsigned char, 256> s{};
                const int n = dd.iSerialNumber == 0 ? -1
                                                    : libusb_get_string_descriptor_ascii(h.get(), dd.iSerialNumber,
                                                                                         s.data(), static_cast<int>(s.size()));
                if (n < 0 || std::string(reinterpret_cast<const char*>(s.data()), static_cast<std::size_t>(n)) != *sel.serial)
                    continue;
            }
            handle_ = std::move(h);
            vid_ = dd.idVendor;
            pid_ = dd.idProduct;
            port_path_ = port_text(bus, path);
            return claim();
        }
        if (denied)
            return fail(usb::make_usb_error(LIBUSB_ERROR_ACCESS, sel.describe(), "libusb_open"));
        return fail(Errc::NotFound, sel.describe() + ": no such USB device");
    }

    Status claim() {
        if (libusb_has_capability(LIBUSB_CAP_SUPPORTS_DETACH_KERNEL_DRIVER) != 0)
            (void)libusb_set_auto_detach_kernel_driver(handle_.get(), 1);
        libusb_config_descriptor* raw = nullptr;
        const int r = libusb_get_active_config_descriptor(libusb_get_device(handle_.get()), &raw);
        if (r != 0) return fail(usb::make_usb_error(r, describe(), "read the active configuration"));
        usb::ConfigPtr cfg(raw);
        const auto ifaces = interfaces_of(*cfg);
        auto layout = opts_.vendor_layout ? find_vendor_layout(ifaces, *opts_.vendor_layout) : find_cdc_acm_layout(ifaces);
        if (!layout) {
            auto e = layout.take_error();
            return fail(e.code == Errc::NotFound ? Errc::Unsupported : e.code, describe() + ": " + e.message);
        }
        layout_ = *layout;
        if (layout_.control_interface && *layout_.control_interface != layout_.data_interface) {
            auto c = usb::ClaimedInterface::claim(handle_.get(), *layout_.control_interface, describe());
            if (!c) return fail(c.take_error());
            claimed_.push_back(std::move(*c));
        }
        auto d = usb::ClaimedInterface::claim(handle_.get(), layout_.data_interface, describe());
        if (!d) return fail(d.take_error());
        claimed_.push_back(std::move(*d));
        if (layout_.data_alt_setting != 0) {
            const int a = libusb_set_interface_alt_setting(handle_.get(), layout_.data_interface, layout_.data_alt_setting);
            if (a != 0) return fail(usb::make_usb_error(a, describe(), "select the data interface's alternate setting"));
        }
        return {};
    }

    Status start() {
        for (Slot* s : {&in_, &notify_, &out_})
            if (!s->transfer) s->transfer.reset(libusb_alloc_transfer(0));
        if (!in_.transfer || !notify_.transfer || !out_.transfer)
            return fail(Errc::Internal, describe() + ": libusb_alloc_transfer failed");
        closing_ = false;
        disconnected_ = false;
        rx_error_.reset();
        rx_.clear();
        xoff_ = false;
        flow_ = opts_.line.flow;
        const std::size_t mps = std::max<std::size_t>(layout_.bulk_in_max_packet, 1);
        // A multiple of wMaxPacketSize, or a device's last packet could overflow it.
        in_.buf.assign((std::max(opts_.read_chunk, mps) + mps - 1) / mps * mps, 0);
        usb::fill_bulk(in_.transfer.get(), handle_.get(), layout_.bulk_in, in_.buf, in_, 0ms);
        FAX_TRY(submit(in_));
        if (layout_.notify_in) {
            notify_.buf.assign(64, 0);
            usb::fill_interrupt(notify_.transfer.get(), handle_.get(), *layout_.notify_in, notify_.buf, notify_);
            FAX_TRY(submit(notify_));
        }
        if (layout_.cdc_acm) {
            FAX_TRY(set_line_coding(opts_.line.baud));
            line_state_ = kCdcLineDtr | kCdcLineRts;
            FAX_TRY(control_out(kCdcSetControlLineState, line_state_, {}, "SET_CONTROL_LINE_STATE (DTR, RTS on)"));
        }
        return {};
    }

    void cancel_and_wait() {
        if (!ctx_) return;
        closing_ = true;
        for (Slot* s : {&in_, &notify_, &out_})
            if (s->in_flight) libusb_cancel_transfer(s->transfer.get());
        const auto until = Clock::now() + 2s;
        while ((in_.in_flight || notify_.in_flight || out_.in_flight) && Clock::now() < until)
            if (!usb::handle_events(ctx_.get(), 20ms)) break;
        for (Slot* s : {&in_, &notify_, &out_}) {
            if (!s->in_flight) continue;
            // libusb still owns it: freeing it would be a use-after-free in
            // libusb. Leak the transfer (and keep its buffer) instead.
            FAX_LOG(Warn, "usb", describe() + ": a transfer did not finish cancelling; leaking it");
            (void)s->transfer.release();
            leaked_buffers_.push_back(std::move(s->buf));
            s->in_flight = false;
        }
    }

    void teardown() {
        // A submitted-once transfer holds a reference on the device until it is
        // freed (libusb 1.0.25+): free them while the context still exists.
        for (Slot* s : {&in_, &notify_, &out_})
            if (!s->in_flight) s->transfer.reset();
        claimed_.clear();  // releases; libusb re-attaches the kernel driver
        handle_.reset();
        ctx_.reset();
        port_path_.clear();
    }

    UsbTransportOptions opts_;
    usb::ContextPtr ctx_;  // declared first: destroyed last
    usb::HandlePtr handle_;
    std::vector<usb::ClaimedInterface> claimed_;
    UsbModemLayout layout_;
    Slot in_{*this, SlotKind::BulkIn};
    Slot notify_{*this, SlotKind::Notify};
    Slot out_{*this, SlotKind::BulkOut};
    std::vector<std::vector<uint8_t>> leaked_buffers_;
    std::deque<uint8_t> rx_;
    std::optional<Error> rx_error_;
    std::optional<SerialState> serial_state_;
    FlowControl flow_;
    uint16_t line_state_ = 0;
    uint16_t vid_ = 0, pid_ = 0;
    std::string port_path_;
    bool open_ = false;
    bool closing_ = false;
    bool disconnected_ = false;
    bool in_stalled_ = false;
    bool xoff_ = false;
};

UsbTransport::UsbTransport(UsbTransportOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
UsbTransport::~UsbTransport() = default;
Status UsbTransport::open() { return impl_->open(); }
void UsbTransport::close() { impl_->close(); }
bool UsbTransport::is_open() const { return impl_->is_open(); }
Result<std::size_t> UsbTransport::read(std::span<uint8_t> buf, std::chrono::milliseconds timeout) {
    return impl_->read(buf, timeout);
}
Result<std::size_t> UsbTransport::write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) {
    return impl_->write(data, timeout);
}
Status UsbTransport::flush(FlushQueue which) { return impl_->flush(which); }
Status UsbTransport::drain(std::chrono::milliseconds timeout) { return impl_->drain(timeout); }
Status UsbTransport::set_dtr(bool on) { return impl_->set_line_bit(kCdcLineDtr, on, "DTR"); }
Status UsbTransport::set_rts(bool on) { return impl_->set_line_bit(kCdcLineRts, on, "RTS"); }
Status UsbTransport::configure(const LineSettings& settings) { return impl_->configure(settings); }
Status UsbTransport::set_flow_control(FlowControl flow) { return impl_->set_flow_control(flow); }
std::string UsbTransport::describe() const { return impl_->describe(); }
std::optional<SerialState> UsbTransport::serial_state() const { return impl_->serial_state(); }
std::optional<UsbModemLayout> UsbTransport::layout() const { return impl_->layout(); }
std::string UsbTransport::port_path() const { return impl_->port_path(); }

}  // namespace fax::hal
