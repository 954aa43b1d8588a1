// Discovery, kept apart from use (STYLE.md §1, libcamera's device enumerator):
// list_candidates() reads sysfs and /dev and returns descriptions of devices
// that may be fax modems; nothing is opened. open_candidate() turns one
// description into a Transport. The roots are injectable so that discovery runs
// on an emulated tree in tests (a temp dir, or a umockdev testbed).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/hal/transport.h"
#include "fax/hal/usb_cdc_acm.h"

namespace fax::hal {

enum class DeviceKind { Serial, Usb };
std::string_view to_string(DeviceKind kind);

struct DeviceDescription {
    DeviceKind kind = DeviceKind::Serial;
    // Survives re-plugging and re-enumeration:
    //   Serial: the /dev/serial/by-id link if there is one, else the device node.
    //   Usb:    "usb:<bus>-<port path>:<vid>:<pid>[:<serial>]", e.g. "usb:1-1.4:0baf:0303:0000001".
    std::string stable_id;
    std::string device_node;             // /dev/ttyACM0, /dev/bus/usb/001/004
    std::string vendor;                  // USB manufacturer string, if known
    std::string product;                 // USB product string, if known
    std::optional<uint16_t> vendor_id;   // USB devices and USB ttys
    std::optional<uint16_t> product_id;
    std::string serial;                  // USB iSerialNumber string, if any
    std::string driver;                  // kernel driver of a tty ("cdc_acm", "pl2303", "serial8250")
    uint8_t bus = 0;                     // USB bus number (0: not USB)
    std::vector<uint8_t> port_path;      // USB port path, {1, 4} for 1-1.4
    bool cdc_acm = false;                // Usb: has a CDC-ACM interface pair
    bool known_model = false;            // Usb: VID:PID is one a profile names
};

struct DiscoveryRoots {
    std::filesystem::path sys = "/sys";
    std::filesystem::path dev = "/dev";
};

// A USB model a profile knows by VID:PID (discovery lists it even without a
// CDC-ACM interface; opening it uses the vendor layout if one is given).
struct KnownUsbModel {
    uint16_t vendor_id = 0;
    uint16_t product_id = 0;
    std::optional<UsbVendorLayout> vendor_layout;
};

// Serial ports (ttyS* with a real UART behind them, ttyUSB*, ttyACM*, with
// their /dev/serial/by-id names) and USB devices with a CDC-ACM interface or a
// known VID:PID. Sorted by kind, then stable id. Unreadable entries are skipped.
std::vector<DeviceDescription> list_candidates(const DiscoveryRoots& roots = {},
                                               std::span<const KnownUsbModel> known = {});

// Creates the Transport for a description and opens it: SerialTransport on the
// device node, or UsbTransport selected by bus, port path, VID:PID and serial.
Result<std::unique_ptr<Transport>> open_candidate(const DeviceDescription& d, const LineSettings& settings = {},
                                                  std::span<const KnownUsbModel> known = {});

// "1-1.4" -> bus 1, ports {1, 4}; nullopt if the name is not a USB device's sysfs name.
struct UsbPortPath {
    uint8_t bus = 0;
    std::vector<uint8_t> ports;
};
std::optional<UsbPortPath> parse_usb_port_path(std::string_view sysfs_name);

}  // namespace fax::hal
