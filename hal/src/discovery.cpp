#include "fax/hal/discovery.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>
#include <system_error>

#include "fax/hal/serial_transport.h"
#include "fax/hal/usb_transport.h"

namespace fax::hal {
namespace {

namespace fs = std::filesystem;

// A sysfs attribute's first line, without the trailing newline; nullopt if absent.
std::optional<std::string> attr(const fs::path& dir, const char* name) {
    std::ifstream in(dir / name);
    if (!in) return std::nullopt;
    std::string s;
    std::getline(in, s);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

template <typename T>
std::optional<T> parse_number(std::string_view s, int base) {
    T v{};
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v, base);
    if (ec != std::errc() || p != end || s.empty()) return std::nullopt;
    return v;
}

std::optional<unsigned> attr_number(const fs::path& dir, const char* name, int base) {
    auto s = attr(dir, name);
    if (!s) return std::nullopt;
    return parse_number<unsigned>(*s, base);
}

std::string hex4(uint16_t v) {
    char b[5];
    std::snprintf(b, sizeof b, "%04x", v);
    return b;
}

std::string port_text(uint8_t bus, const std::vector<uint8_t>& ports) {
    std::string s = std::to_string(bus);
    for (std::size_t i = 0; i < ports.size(); ++i) s += (i == 0 ? "-" : ".") + std::to_string(ports[i]);
    return s;
}

// The USB facts of a device directory (…/1-1.4) that has idVendor.
struct UsbFacts {
    uint16_t vid = 0, pid = 0;
    std::string vendor, product, serial;
    uint8_t bus = 0;
    std::vector<uint8_t> ports;
    unsigned devnum = 0;
    bool cdc_acm = false;
};

std::optional<UsbFacts> usb_facts(const fs::path& dir) {
    auto pp = parse_usb_port_path(dir.filename().string());
    auto vid = attr_number(dir, "idVendor", 16), pid = attr_number(dir, "idProduct", 16);
    if (!pp || !vid || !pid || *vid > 0xffff || *pid > 0xffff) return std::nullopt;
    UsbFacts f;
    f.vid = static_cast<uint16_t>(*vid);
    f.pid = static_cast<uint16_t>(*pid);
    f.vendor = attr(dir, "manufacturer").value_or("");
    f.product = attr(dir, "product").value_or("");
    f.serial = attr(dir, "serial").value_or("");
    f.bus = pp->bus;
    f.ports = pp->ports;
    if (auto b = attr_number(dir, "busnum", 10); b && *b <= 255) f.bus = static_cast<uint8_t>(*b);
    f.devnum = attr_number(dir, "devnum", 10).value_or(0);
    // Interfaces are child directories named "<device>:<config>.<interface>".
    std::error_code ec;
    const std::string prefix = dir.filename().string() + ":";
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const auto cls = attr_number(e.path(), "bInterfaceClass", 16);
        const auto sub = attr_number(e.path(), "bInterfaceSubClass", 16);
        if (cls == kUsbClassCommunications && sub == kCdcSubclassAcm) f.cdc_acm = true;
    }
    return f;
}

// Walks up from a tty's device directory to the USB device it belongs to.
std::optional<fs::path> usb_parent(const fs::path& start, const fs::path& sys_root) {
    fs::path p = start;
    for (int i = 0; i < 5 && !p.empty() && p != sys_root && p != p.root_path(); ++i, p = p.parent_path())
        if (fs::exists(p / "idVendor") && parse_usb_port_path(p.filename().string())) return p;
    return std::nullopt;
}

bool serial_name(const std::string& n) {
    auto numbered = [&n](std::string_view prefix) {
        return n.size() > prefix.size() && n.compare(0, prefix.size(), prefix) == 0 &&
               std::all_of(n.begin() + static_cast<std::ptrdiff_t>(prefix.size()), n.end(),
                           [](char c) { return c >= '0' && c <= '9'; });
    };
    return numbered("ttyS") || numbered("ttyUSB") || numbered("ttyACM");
}

// /dev/serial/by-id: link name for each tty it points at.
std::map<std::string, std::string> by_id_links(const fs::path& dev_root) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    const fs::path dir = dev_root / "serial" / "by-id";
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::error_code lec;
        if (!e.is_symlink(lec)) continue;
        const fs::path target = fs::read_symlink(e.path(), lec);
        if (lec) continue;
        out.emplace(target.filename().string(), e.path().string());
    }
    return out;
}

void list_serial(const DiscoveryRoots& roots, std::vector<DeviceDescription>& out) {
    const auto links = by_id_links(roots.dev);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(roots.sys / "class" / "tty", ec)) {
        const std::string name = e.path().filename().string();
        if (!serial_name(name)) continue;
        const fs::path node = roots.dev / name;
        std::error_code nec;
        if (!fs::exists(node, nec)) continue;
        // The 8250 driver registers ttyS0..31 whether or not a UART is there;
        // `type` 0 (PORT_UNKNOWN) means nothing answered the probe.
        if (name.rfind("ttyS", 0) == 0 && attr(e.path(), "type") == std::optional<std::string>("0")) continue;
        DeviceDescription d;
        d.kind = DeviceKind::Serial;
        d.device_node = node.string();
        auto link = links.find(name);
        d.stable_id = link != links.end() ? link->second : d.device_node;
        std::error_code dec;
        const fs::path dev_dir = fs::canonical(e.path() / "device", dec);
        if (!dec) {
            std::error_code drc;
            const fs::path drv = fs::canonical(dev_dir / "driver", drc);
            if (!drc) d.driver = drv.filename().string();
            if (auto up = usb_parent(dev_dir, fs::canonical(roots.sys, drc))) {
                if (auto f = usb_facts(*up)) {
                    d.vendor_id = f->vid;
                    d.product_id = f->pid;
                    d.vendor = f->vendor;
                    d.product = f->product;
                    d.serial = f->serial;
                    d.bus = f->bus;
                    d.port_path = f->ports;
                    d.cdc_acm = f->cdc_acm;
                }
            }
        }
        out.push_back(std::move(d));
    }
}

void list_usb(const DiscoveryRoots& roots, std::span<const KnownUsbModel> known, std::vector<DeviceDescription>& out) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(roots.sys / "bus" / "usb" / "devices", ec)) {
        const std::string name = e.path().filename().string();
        if (name.find(':') != std::string::npos) continue;  // an interface
        auto f = usb_facts(e.path());
        if (!f) continue;
        const bool is_known = std::any_of(known.begin(), known.end(), [&f](const KnownUsbModel& k) {
            return k.vendor_id == f->vid && k.product_id == f->pid;
        });
        if (!f->cdc_acm && !is_known) continue;
        DeviceDescription d;
        d.kind = DeviceKind::Usb;
        d.vendor_id = f->vid;
        d.product_id = f->pid;
        d.vendor = f->vendor;
        d.product = f->product;
        d.serial = f->serial;
        d.bus = f->bus;
        d.port_path = f->ports;
        d.cdc_acm = f->cdc_acm;
        d.known_model = is_known;
        char node[32];
        std::snprintf(node, sizeof node, "bus/usb/%03u/%03u", f->bus, f->devnum);
        d.device_node = (roots.dev / node).string();
        d.stable_id = "usb:" + port_text(f->bus, f->ports) + ":" + hex4(f->vid) + ":" + hex4(f->pid);
        if (!f->serial.empty()) d.stable_id += ":" + f->serial;
        out.push_back(std::move(d));
    }
}

}  // namespace

std::string_view to_string(DeviceKind kind) { return kind == DeviceKind::Usb ? "usb" : "serial"; }

std::optional<UsbPortPath> parse_usb_port_path(std::string_view s) {
    // "<bus>-<port>[.<port>...]" (Linux drivers/usb/core/usb.c: dev_set_name).
    const auto dash = s.find('-');
    if (dash == std::string_view::npos || dash == 0) return std::nullopt;
    auto bus = parse_number<unsigned>(s.substr(0, dash), 10);
    if (!bus || *bus > 255) return std::nullopt;
    UsbPortPath p;
    p.bus = static_cast<uint8_t>(*bus);
    std::string_view rest = s.substr(dash + 1);
    while (true) {
        const auto dot = rest.find('.');
        auto port = parse_number<unsigned>(rest.substr(0, dot), 10);
        if (!port || *port == 0 || *port > 255) return std::nullopt;
        p.ports.push_back(static_cast<uint8_t>(*port));
        if (dot == std::string_view::npos) break;
        rest = rest.substr(dot + 1);
    }
    if (p.ports.size() > 7) return std::nullopt;  // USB 2.0 §4.1.1: at most 7 tiers
    return p;
}

std::vector<DeviceDescription> list_candidates(const DiscoveryRoots& roots, std::span<const KnownUsbModel> known) {
    std::vector<DeviceDescription> out;
    list_serial(roots, out);
    list_usb(roots, known, out);
    std::sort(out.begin(), out.end(), [](const DeviceDescription& a, const DeviceDescription& b) {
        if (a.kind != b.kind) return a.kind == DeviceKind::Serial;
        return a.stable_id < b.stable_id;
    });
    return out;
}

Result<std::unique_ptr<Transport>> open_candidate(const DeviceDescription& d, const LineSettings& settings,
                                                  std::span<const KnownUsbModel> known) {
    std::unique_ptr<Transport> t;
    if (d.kind == DeviceKind::Serial) {
        t = std::make_unique<SerialTransport>(d.device_node, settings);
    } else {
        UsbTransportOptions o;
        o.device.vendor_id = d.vendor_id;
        o.device.product_id = d.product_id;
        o.device.bus = d.bus;
        o.device.port_path = d.port_path;
        if (!d.serial.empty()) o.device.serial = d.serial;
        o.line = settings;
        for (const auto& k : known)
            if (d.vendor_id == k.vendor_id && d.product_id == k.product_id && k.vendor_layout && !d.cdc_acm)
                o.vendor_layout = k.vendor_layout;
        t = std::make_unique<UsbTransport>(std::move(o));
    }
    FAX_TRY(t->open());
    return t;
}

}  // namespace fax::hal
