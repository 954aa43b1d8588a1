#include "usb_modem_emulator.h"

#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace fax::testing {
namespace {

// ---- descriptors (USB 2.0 §9.6; CDC 1.2 §5.2.3; PSTN 1.2 §5.3) ----

void put16(std::vector<uint8_t>& v, uint16_t x) {
    v.push_back(static_cast<uint8_t>(x & 0xff));
    v.push_back(static_cast<uint8_t>(x >> 8));
}

std::vector<uint8_t> device_descriptor(uint8_t cls, uint16_t vid, uint16_t pid, bool strings) {
    std::vector<uint8_t> d{18, 1};
    put16(d, 0x0200);                       // bcdUSB
    d.insert(d.end(), {cls, 0, 0, 64});     // class, subclass, protocol, bMaxPacketSize0
    put16(d, vid);
    put16(d, pid);
    put16(d, 0x0100);                       // bcdDevice
    if (strings)
        d.insert(d.end(), {1, 2, 3, 1});    // iManufacturer, iProduct, iSerialNumber, bNumConfigurations
    else
        d.insert(d.end(), {3, 2, 1, 1});
    return d;
}

std::vector<uint8_t> with_config_header(std::vector<uint8_t> body, uint8_t interfaces, uint8_t attributes) {
    std::vector<uint8_t> c{9, 2};
    put16(c, static_cast<uint16_t>(9 + body.size()));
    c.insert(c.end(), {interfaces, 1, 0, attributes, 50});
    c.insert(c.end(), body.begin(), body.end());
    return c;
}

std::vector<uint8_t> cdc_acm_config() {
    const std::vector<uint8_t> body{
        // Interface 0: communication, ACM, AT commands (V.250), one endpoint
        9, 4, 0, 0, 1, 0x02, 0x02, 0x01, 0,
        5, 0x24, 0x00, 0x10, 0x01,  // Header functional descriptor, CDC 1.10
        5, 0x24, 0x01, 0x00, 0x01,  // Call management: data interface 1
        4, 0x24, 0x02, 0x02,        // ACM: line coding + serial state supported (D1)
        5, 0x24, 0x06, 0x00, 0x01,  // Union: master 0, slave 1
        7, 5, 0x83, 0x03, 16, 0, 10,  // interrupt IN 0x83, 16 bytes, 10 ms
        // Interface 1: CDC data, bulk IN 0x81 and OUT 0x02, 64 bytes (full speed)
        9, 4, 1, 0, 2, 0x0a, 0x00, 0x00, 0,
        7, 5, 0x81, 0x02, 64, 0, 0,
        7, 5, 0x02, 0x02, 64, 0, 0,
    };
    return with_config_header(body, 2, 0xa0);
}

std::vector<uint8_t> vendor_bulk_config() {
    const std::vector<uint8_t> body{
        9, 4, 0, 0, 3, 0xff, 0x00, 0x00, 0,
        7, 5, 0x81, 0x02, 64, 0, 0,
        7, 5, 0x02, 0x02, 64, 0, 0,
        7, 5, 0x83, 0x03, 16, 0, 10,
    };
    return with_config_header(body, 1, 0xa0);
}

std::vector<uint8_t> root_hub_descriptors() {
    auto d = device_descriptor(0x09, 0x1d6b, 0x0002, false);
    const std::vector<uint8_t> body{9, 4, 0, 0, 1, 0x09, 0, 0, 0, 7, 5, 0x81, 0x03, 4, 0, 12};
    auto c = with_config_header(body, 1, 0xe0);
    d.insert(d.end(), c.begin(), c.end());
    return d;
}

std::string hex(const std::vector<uint8_t>& v) {
    std::string s;
    char b[3];
    for (uint8_t x : v) {
        std::snprintf(b, sizeof b, "%02x", x);
        s += b;
    }
    return s;
}

gboolean on_handle_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer self) {
    return static_cast<EmulatedUsbModem*>(self)->handle_ioctl(client) ? TRUE : FALSE;
}

// An owned reference from umockdev_ioctl_data_resolve.
struct DataRef {
    UMockdevIoctlData* p = nullptr;
    explicit DataRef(UMockdevIoctlData* d) : p(d) {}
    ~DataRef() {
        if (p != nullptr) g_object_unref(p);
    }
    DataRef(const DataRef&) = delete;
    DataRef& operator=(const DataRef&) = delete;
    template <typename T>
    T* as() const {
        return reinterpret_cast<T*>(p->data);
    }
};

DataRef resolve(UMockdevIoctlData* d, std::size_t offset, std::size_t len) {
    return DataRef(umockdev_ioctl_data_resolve(d, offset, len, nullptr));
}

}  // namespace

EmulatedUsbModem::EmulatedUsbModem(EmulatedUsbModemOptions options) : opts_(std::move(options)) {
    // umockdev_in_mock_environment() cannot tell before a testbed exists (and
    // caches its first answer), so look for the preload library itself.
    const char* preload = std::getenv("LD_PRELOAD");
    if (preload == nullptr || std::strstr(preload, "libumockdev-preload") == nullptr) return;  // ok() stays false
    testbed_ = umockdev_testbed_new();
    gchar* root = umockdev_testbed_get_root_dir(testbed_);
    gchar* sys = umockdev_testbed_get_sys_dir(testbed_);
    root_dir_ = root;
    sys_dir_ = sys;
    g_free(root);
    g_free(sys);
    handler_ = umockdev_ioctl_base_new();
    g_signal_connect_after(handler_, "handle-ioctl", reinterpret_cast<GCallback>(on_handle_ioctl), this);
    if (!opts_.vendor_bulk && opts_.kernel_driver_bound) bound_ = {0, 1};
    // The handler first: the node must answer as soon as the "add" uevent is out.
    GError* err = nullptr;
    if (umockdev_testbed_attach_ioctl(testbed_, kDevNode, handler_, &err) == FALSE) {
        std::fprintf(stderr, "EmulatedUsbModem: umockdev_testbed_attach_ioctl: %s\n", err != nullptr ? err->message : "?");
        if (err != nullptr) g_error_free(err);
        return;
    }
    add_devices();
}

EmulatedUsbModem::~EmulatedUsbModem() {
    {
        std::lock_guard lock(mu_);
        for (auto& u : flying_) g_object_unref(u.data);
        flying_.clear();
    }
    if (testbed_ != nullptr) {
        if (handler_ != nullptr) umockdev_testbed_detach_ioctl(testbed_, kDevNode, nullptr);
        g_object_unref(testbed_);
    }
    if (handler_ != nullptr) g_object_unref(handler_);
}

void EmulatedUsbModem::add_devices() {
    std::string hub =
        "P: /devices/usb1\n"
        "N: bus/usb/001/001\n"
        "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\nE: BUSNUM=001\nE: DEVNUM=001\n"
        "E: DEVNAME=/dev/bus/usb/001/001\n"
        "A: busnum=1\\n\nA: devnum=1\\n\nA: bConfigurationValue=1\\n\nA: speed=480\\n\n"
        "A: idVendor=1d6b\\n\nA: idProduct=0002\\n\nA: bDeviceClass=09\\n\n"
        "H: descriptors=" + hex(root_hub_descriptors()) + "\n";
    ok_ = add_from_string(hub + "\n" + modem_description());
}

std::string EmulatedUsbModem::modem_description() const {
    auto desc = device_descriptor(opts_.vendor_bulk ? 0xff : 0x02, opts_.vendor_id, opts_.product_id, true);
    auto cfg = opts_.vendor_bulk ? vendor_bulk_config() : cdc_acm_config();
    desc.insert(desc.end(), cfg.begin(), cfg.end());
    char ids[64];
    std::snprintf(ids, sizeof ids, "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\n", opts_.vendor_id, opts_.product_id);
    std::string modem =
        "P: /devices/usb1/1-1\n"
        "N: bus/usb/001/002\n"
        "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\nE: BUSNUM=001\nE: DEVNUM=002\n"
        "E: DEVNAME=/dev/bus/usb/001/002\n"
        "A: busnum=1\\n\nA: devnum=2\\n\nA: bConfigurationValue=1\\n\nA: speed=12\\n\n" + std::string(ids) +
        "A: manufacturer=" + opts_.manufacturer + "\\n\nA: product=" + opts_.product + "\\n\nA: serial=" +
        opts_.serial + "\\n\n"
        "A: bDeviceClass=" + (opts_.vendor_bulk ? "ff" : "02") + "\\n\n"
        "H: descriptors=" + hex(desc) + "\n";
    // Interfaces as sysfs children, for discovery (libusb reads only the descriptors).
    std::string ifaces;
    auto iface = [&ifaces](int n, const char* cls, const char* sub) {
        ifaces += "\nP: /devices/usb1/1-1/1-1:1." + std::to_string(n) +
                  "\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\n"
                  "A: bInterfaceNumber=0" + std::to_string(n) + "\\n\nA: bInterfaceClass=" + cls +
                  "\\n\nA: bInterfaceSubClass=" + sub + "\\n\n";
    };
    if (opts_.vendor_bulk) {
        iface(0, "ff", "00");
    } else {
        iface(0, "02", "02");
        iface(1, "0a", "00");
    }
    return modem + ifaces;
}

bool EmulatedUsbModem::add_from_string(const std::string& description) {
    GError* err = nullptr;
    const bool ok = umockdev_testbed_add_from_string(testbed_, description.c_str(), &err) != FALSE;
    if (err != nullptr) {
        std::fprintf(stderr, "EmulatedUsbModem: umockdev_testbed_add_from_string: %s\n", err->message);
        g_error_free(err);
    }
    return ok;
}

// ---------------------------------------------------------------- device side

std::vector<uint8_t> EmulatedUsbModem::take_from_host() {
    std::lock_guard lock(mu_);
    std::vector<uint8_t> out(from_host_.begin(), from_host_.end());
    from_host_.clear();
    return out;
}

void EmulatedUsbModem::send_to_host(std::span<const uint8_t> data) {
    std::lock_guard lock(mu_);
    to_host_.insert(to_host_.end(), data.begin(), data.end());
}

void EmulatedUsbModem::notify_serial_state(uint16_t bits) {
    std::lock_guard lock(mu_);
    notifications_.push_back(bits);
}

void EmulatedUsbModem::unplug() {
    {
        std::lock_guard lock(mu_);
        unplugged_ = true;
    }
    // umockdev 0.17.16 (Debian 12) removes the files without a uevent (later
    // versions send one): send "remove" first, while the uevent file is there.
    umockdev_testbed_uevent(testbed_, kSysPath, "remove");
    umockdev_testbed_remove_device(testbed_, kSysPath);
}

void EmulatedUsbModem::replug() {
    {
        std::lock_guard lock(mu_);
        // A device that comes back has forgotten everything: a fresh power-up.
        for (auto& u : flying_) g_object_unref(u.data);
        flying_.clear();
        from_host_.clear();
        to_host_.clear();
        notifications_.clear();
        claimed_.clear();
        bound_.clear();
        if (!opts_.vendor_bulk && opts_.kernel_driver_bound) bound_ = {0, 1};
        line_coding_set_ = false;
        control_line_ = 0;
        control_line_requests_ = 0;
        in_halted_ = false;
        unplugged_ = false;
    }
    // umockdev 0.17.16 leaves the device's /sys/bus/usb/devices links behind on removal,
    // and refuses to add a device whose link exists: take them away first.
    std::error_code ec;
    for (const char* link : {"1-1", "1-1:1.0", "1-1:1.1"})
        std::filesystem::remove(std::filesystem::path(sys_dir_) / "bus/usb/devices" / link, ec);
    umockdev_testbed_detach_ioctl(testbed_, kDevNode, nullptr);
    GError* err = nullptr;
    if (umockdev_testbed_attach_ioctl(testbed_, kDevNode, handler_, &err) == FALSE) {
        std::fprintf(stderr, "EmulatedUsbModem: umockdev_testbed_attach_ioctl: %s\n", err != nullptr ? err->message : "?");
        if (err != nullptr) g_error_free(err);
    }
    if (add_from_string(modem_description())) umockdev_testbed_uevent(testbed_, kSysPath, "add");
}

bool EmulatedUsbModem::unplugged() const {
    std::lock_guard lock(mu_);
    return unplugged_;
}

std::optional<uint32_t> EmulatedUsbModem::line_rate() const {
    std::lock_guard lock(mu_);
    if (!line_coding_set_) return std::nullopt;
    return static_cast<uint32_t>(line_coding_[0]) | (static_cast<uint32_t>(line_coding_[1]) << 8) |
           (static_cast<uint32_t>(line_coding_[2]) << 16) | (static_cast<uint32_t>(line_coding_[3]) << 24);
}
uint16_t EmulatedUsbModem::control_line_state() const {
    std::lock_guard lock(mu_);
    return control_line_;
}
int EmulatedUsbModem::control_line_requests() const {
    std::lock_guard lock(mu_);
    return control_line_requests_;
}
std::vector<uint8_t> EmulatedUsbModem::claimed_interfaces() const {
    std::lock_guard lock(mu_);
    auto v = claimed_;
    std::sort(v.begin(), v.end());
    return v;
}
int EmulatedUsbModem::kernel_detaches() const {
    std::lock_guard lock(mu_);
    return detaches_;
}
int EmulatedUsbModem::kernel_reattaches() const {
    std::lock_guard lock(mu_);
    return reattaches_;
}
int EmulatedUsbModem::clear_halts() const {
    std::lock_guard lock(mu_);
    return clear_halts_;
}
std::size_t EmulatedUsbModem::pending_to_host() const {
    std::lock_guard lock(mu_);
    return to_host_.size();
}

// ---------------------------------------------------------------- usbfs

bool EmulatedUsbModem::handle_ioctl(UMockdevIoctlClient* client) {
    const unsigned long request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    std::lock_guard lock(mu_);

    if (unplugged_ && request != USBDEVFS_REAPURB && request != USBDEVFS_REAPURBNDELAY &&
        request != USBDEVFS_DISCARDURB) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return true;
    }
    auto claimed = [this](uint8_t n) { return std::find(claimed_.begin(), claimed_.end(), n) != claimed_.end(); };
    auto unbind = [this](uint8_t n) {
        auto it = std::find(bound_.begin(), bound_.end(), n);
        if (it == bound_.end()) return;
        bound_.erase(it);
        ++detaches_;
    };

    switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
        DataRef d = resolve(arg, 0, sizeof(uint32_t));
        *d.as<uint32_t>() = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                            USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
        umockdev_ioctl_client_complete(client, 0, 0);
        return true;
    }
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE: {
        DataRef d = resolve(arg, 0, sizeof(unsigned int));
        const auto n = static_cast<uint8_t>(*d.as<unsigned int>());
        if (request == USBDEVFS_CLAIMINTERFACE) {
            // The kernel refuses a claim while another driver is bound.
            if (std::find(bound_.begin(), bound_.end(), n) != bound_.end() || claimed(n)) {
                umockdev_ioctl_client_complete(client, -1, EBUSY);
                return true;
            }
            claimed_.push_back(n);
        } else {
            claimed_.erase(std::remove(claimed_.begin(), claimed_.end(), n), claimed_.end());
        }
        umockdev_ioctl_client_complete(client, 0, 0);
        return true;
    }
    case USBDEVFS_DISCONNECT_CLAIM: {
        DataRef d = resolve(arg, 0, sizeof(usbdevfs_disconnect_claim));
        const auto n = static_cast<uint8_t>(d.as<usbdevfs_disconnect_claim>()->interface);
        if (claimed(n)) {
            umockdev_ioctl_client_complete(client, -1, EBUSY);
            return true;
        }
        unbind(n);
        claimed_.push_back(n);
        umockdev_ioctl_client_complete(client, 0, 0);
        return true;
    }
    case USBDEVFS_GETDRIVER: {
        DataRef d = resolve(arg, 0, sizeof(usbdevfs_getdriver));
        auto* g = d.as<usbdevfs_getdriver>();
        const auto n = static_cast<uint8_t>(g->interface);
        if (std::find(bound_.begin(), bound_.end(), n) != bound_.end()) {
            std::snprintf(g->driver, sizeof g->driver, "cdc_acm");
            umockdev_ioctl_client_complete(client, 0, 0);
        } else if (claimed(n)) {
            std::snprintf(g->driver, sizeof g->driver, "usbfs");
            umockdev_ioctl_client_complete(client, 0, 0);
        } else {
            umockdev_ioctl_client_complete(client, -1, ENODATA);
        }
        return true;
    }
    case USBDEVFS_IOCTL: {
        DataRef d = resolve(arg, 0, sizeof(usbdevfs_ioctl));
        const auto* c = d.as<usbdevfs_ioctl>();
        const auto n = static_cast<uint8_t>(c->ifno);
        if (c->ioctl_code == static_cast<int>(USBDEVFS_DISCONNECT)) {
            if (std::find(bound_.begin(), bound_.end(), n) == bound_.end()) {
                umockdev_ioctl_client_complete(client, -1, ENODATA);
                return true;
            }
            unbind(n);
        } else if (c->ioctl_code == static_cast<int>(USBDEVFS_CONNECT)) {
            // Only interfaces cdc_acm drives come back (a vendor interface has no driver).
            if (!opts_.vendor_bulk && !claimed(n) && std::find(bound_.begin(), bound_.end(), n) == bound_.end()) {
                bound_.push_back(n);
                ++reattaches_;
            }
        } else {
            umockdev_ioctl_client_complete(client, -1, ENOTTY);
            return true;
        }
        umockdev_ioctl_client_complete(client, 0, 0);
        return true;
    }
    case USBDEVFS_CLEAR_HALT: {
        DataRef d = resolve(arg, 0, sizeof(unsigned int));
        if ((*d.as<unsigned int>() & 0xff) == 0x81) in_halted_ = false;
        ++clear_halts_;
        umockdev_ioctl_client_complete(client, 0, 0);
        return true;
    }
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_RESETEP:
    case USBDEVFS_RESET:
        umockdev_ioctl_client_complete(client, 0, 0);
        return true;
    case USBDEVFS_SUBMITURB: return submit(client, arg);
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: return reap(client, arg);
    case USBDEVFS_DISCARDURB: return discard(client, arg);
    default: return false;
    }
}

bool EmulatedUsbModem::submit(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    UMockdevIoctlData* urb_data = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), nullptr);
    auto* urb = reinterpret_cast<usbdevfs_urb*>(urb_data->data);
    // Resolving the buffer makes urb->buffer point at a local copy, written back on reap.
    if (urb->buffer_length > 0) {
        DataRef buf = resolve(urb_data, offsetof(usbdevfs_urb, buffer), static_cast<std::size_t>(urb->buffer_length));
    }
    Urb u;
    u.data = urb_data;
    u.type = urb->type;
    u.endpoint = urb->endpoint;
    u.length = urb->buffer_length;
    auto* bytes = static_cast<uint8_t*>(urb->buffer);
    if (u.type == USBDEVFS_URB_TYPE_CONTROL) {
        control(u, bytes);
    } else if (u.type == USBDEVFS_URB_TYPE_BULK && (u.endpoint & 0x80) == 0) {
        if (u.endpoint != 0x02) {
            g_object_unref(urb_data);
            umockdev_ioctl_client_complete(client, -1, ENOENT);
            return true;
        }
        const int take = opts_.out_accept_limit == 0 ? u.length : std::min(u.length, static_cast<int>(opts_.out_accept_limit));
        from_host_.insert(from_host_.end(), bytes, bytes + take);
        u.actual = take;
        // A device that took less than offered NAKs the rest: libusb's timeout ends the URB.
        u.ready = take == u.length;
    } else if (u.endpoint != 0x81 && u.endpoint != 0x83) {
        g_object_unref(urb_data);
        umockdev_ioctl_client_complete(client, -1, ENOENT);
        return true;
    }
    flying_.push_back(u);
    umockdev_ioctl_client_complete(client, 0, 0);
    return true;
}

void EmulatedUsbModem::control(Urb& u, uint8_t* buf) {
    const uint8_t type = buf[0], req = buf[1];
    const uint16_t value = static_cast<uint16_t>(buf[2] | (buf[3] << 8));
    const uint16_t length = static_cast<uint16_t>(buf[6] | (buf[7] << 8));
    uint8_t* data = buf + 8;
    u.ready = true;
    u.status = 0;
    u.actual = 0;
    if (type == 0x21 && req == 0x20 && length == 7) {  // SET_LINE_CODING
        if (opts_.line_coding_stalls) {
            u.status = -EPIPE;
            return;
        }
        std::copy_n(data, 7, line_coding_.begin());
        line_coding_set_ = true;
        u.actual = 7;
    } else if (type == 0xA1 && req == 0x21 && length >= 7) {  // GET_LINE_CODING
        if (opts_.line_coding_stalls) {
            u.status = -EPIPE;
            return;
        }
        std::copy(line_coding_.begin(), line_coding_.end(), data);
        u.actual = 7;
    } else if (type == 0x21 && req == 0x22) {  // SET_CONTROL_LINE_STATE
        control_line_ = value & 0x03;
        ++control_line_requests_;
    } else if (type == 0x80 && req == 0x06 && (value >> 8) == 3) {  // GET_DESCRIPTOR (string)
        const auto s = string_descriptor(static_cast<uint8_t>(value & 0xff));
        if (s.empty()) {
            u.status = -EPIPE;
            return;
        }
        const std::size_t n = std::min<std::size_t>(s.size(), length);
        std::copy_n(s.begin(), n, data);
        u.actual = static_cast<int>(n);
    } else {
        u.status = -EPIPE;  // a request this device does not know: STALL
    }
}

std::vector<uint8_t> EmulatedUsbModem::string_descriptor(uint8_t index) const {
    if (index == 0) return {4, 3, 0x09, 0x04};  // LANGID en-US
    const std::string* s = index == 1 ? &opts_.manufacturer : index == 2 ? &opts_.product : index == 3 ? &opts_.serial : nullptr;
    if (s == nullptr) return {};
    std::vector<uint8_t> d{static_cast<uint8_t>(2 + 2 * s->size()), 3};
    for (char c : *s) d.insert(d.end(), {static_cast<uint8_t>(c), 0});  // UTF-16LE, ASCII only
    return d;
}

bool EmulatedUsbModem::fill_in(Urb& u) {
    auto* urb = reinterpret_cast<usbdevfs_urb*>(u.data->data);
    auto* buf = static_cast<uint8_t*>(urb->buffer);
    if (u.endpoint == 0x81 && in_halted_) {  // a halted endpoint answers every URB with STALL
        u.status = -EPIPE;
        u.actual = 0;
        u.ready = true;
        return true;
    }
    if (u.endpoint == 0x81 && !to_host_.empty() && opts_.stall_first_in && !stalled_once_) {
        stalled_once_ = true;
        in_halted_ = true;
        u.status = -EPIPE;
        u.actual = 0;
        u.ready = true;
        return true;
    }
    if (u.endpoint == 0x81 && !to_host_.empty()) {
        const std::size_t n = std::min<std::size_t>(to_host_.size(), static_cast<std::size_t>(u.length));
        std::copy_n(to_host_.begin(), n, buf);
        to_host_.erase(to_host_.begin(), to_host_.begin() + static_cast<std::ptrdiff_t>(n));
        u.actual = static_cast<int>(n);
        u.ready = true;
        return true;
    }
    if (u.endpoint == 0x83 && !notifications_.empty() && u.length >= 10) {
        const uint16_t bits = notifications_.front();
        notifications_.pop_front();
        // SERIAL_STATE (PSTN 1.2 §6.5.4): A1 20 0000 wIndex=0 wLength=2, bitmap.
        const uint8_t n[10] = {0xA1, 0x20, 0, 0, 0, 0, 2, 0, static_cast<uint8_t>(bits & 0xff),
                               static_cast<uint8_t>(bits >> 8)};
        std::copy_n(n, 10, buf);
        u.actual = 10;
        u.ready = true;
        return true;
    }
    return false;
}

bool EmulatedUsbModem::reap(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    auto it = flying_.end();
    if (unplugged_) {
        if (flying_.empty()) {
            umockdev_ioctl_client_complete(client, -1, ENODEV);
            return true;
        }
        it = flying_.begin();
        if (!it->ready) {  // killed by the disconnect (the kernel's hcd flush)
            it->status = -ESHUTDOWN;
            it->actual = 0;
        }
    } else {
        for (auto i = flying_.begin(); i != flying_.end(); ++i) {
            if (i->ready || fill_in(*i)) {
                it = i;
                break;
            }
        }
    }
    if (it == flying_.end()) {
        umockdev_ioctl_client_complete(client, -1, EAGAIN);
        return true;
    }
    Urb u = *it;
    flying_.erase(it);
    auto* urb = reinterpret_cast<usbdevfs_urb*>(u.data->data);
    urb->status = u.status;
    urb->actual_length = u.actual;
    DataRef ptr = resolve(arg, 0, sizeof(void*));
    umockdev_ioctl_data_set_ptr(ptr.p, 0, u.data);
    umockdev_ioctl_client_complete(client, 0, 0);
    g_object_unref(u.data);
    return true;
}

bool EmulatedUsbModem::discard(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    const auto addr = reinterpret_cast<gulong>(*reinterpret_cast<void**>(arg->data));
    for (auto& u : flying_) {
        if (u.data->client_addr != addr) continue;
        // Completes as unlinked (-ENOENT); libusb reports LIBUSB_TRANSFER_CANCELLED.
        u.ready = true;
        u.status = -ENOENT;
        umockdev_ioctl_client_complete(client, 0, 0);
        return true;
    }
    umockdev_ioctl_client_complete(client, -1, EINVAL);
    return true;
}

// ---------------------------------------------------------------- bridge

UsbSimBridge::UsbSimBridge(EmulatedUsbModem& usb, hal::InProcessLink& link) : usb_(usb), link_(link) {
    (void)link_.host().open();
    last_dtr_ = link_.host_dtr();
}

void UsbSimBridge::step(Samples) {
    hal::Transport& host = link_.host();
    if (!host.is_open()) return;
    // An unplugged modem loses its power: it hangs up (DTR off) and hears nothing.
    if (usb_.unplugged()) {
        if (last_dtr_) (void)host.set_dtr(false);
        last_dtr_ = false;
        return;
    }
    // DTR follows SET_CONTROL_LINE_STATE once the host has sent one.
    if (usb_.control_line_requests() > 0) {
        const bool dtr = (usb_.control_line_state() & 0x01) != 0;
        if (dtr != last_dtr_) {
            (void)host.set_dtr(dtr);
            last_dtr_ = dtr;
        }
    }
    auto in = usb_.take_from_host();
    if (!in.empty()) (void)host.write(in, std::chrono::milliseconds(0));
    std::array<uint8_t, 4096> buf{};
    for (;;) {
        auto n = host.read(buf, std::chrono::milliseconds(0));
        if (!n || *n == 0) break;
        usb_.send_to_host(std::span<const uint8_t>(buf.data(), *n));
    }
}

}  // namespace fax::testing
