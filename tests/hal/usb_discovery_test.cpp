// Discovery on emulated trees: a hand-made sysfs + /dev in a temp dir (serial
// ports, by-id links, USB devices of several kinds), and the umockdev testbed of
// EmulatedUsbModem (discovery, then opening what it found, and hotplug).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "fax/hal/discovery.h"
#include "fax/hal/usb_hotplug.h"
#include "fax/hal/usb_transport.h"
#include "usb_modem_emulator.h"

namespace fax::hal {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempTree {
public:
    TempTree() {
        std::string tmpl = (fs::temp_directory_path() / "faxdisc-XXXXXX").string();
        root_ = ::mkdtemp(tmpl.data());
    }
    ~TempTree() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    const fs::path& root() const { return root_; }
    void file(const fs::path& rel, const std::string& content) {
        fs::create_directories((root_ / rel).parent_path());
        std::ofstream(root_ / rel) << content;
    }
    void link(const fs::path& rel, const fs::path& target) {
        fs::create_directories((root_ / rel).parent_path());
        fs::create_symlink(target, root_ / rel);
    }
    void dir(const fs::path& rel) { fs::create_directories(root_ / rel); }

private:
    fs::path root_;
};

// A USB device directory under sys/devices/pci0000:00/usbN with interfaces.
void usb_device(TempTree& t, const std::string& name, const std::string& vid, const std::string& pid,
                const std::string& product, const std::string& serial, int devnum,
                const std::vector<std::pair<std::string, std::string>>& interfaces) {
    const fs::path d = fs::path("sys/devices/pci0000:00/usb" + name.substr(0, name.find('-'))) / name;
    t.file(d / "idVendor", vid + "\n");
    t.file(d / "idProduct", pid + "\n");
    t.file(d / "manufacturer", "Maker\n");
    t.file(d / "product", product + "\n");
    if (!serial.empty()) t.file(d / "serial", serial + "\n");
    t.file(d / "busnum", name.substr(0, name.find('-')) + "\n");
    t.file(d / "devnum", std::to_string(devnum) + "\n");
    for (std::size_t i = 0; i < interfaces.size(); ++i) {
        const fs::path itf = d / (name + ":1." + std::to_string(i));
        t.file(itf / "bInterfaceClass", interfaces[i].first + "\n");
        t.file(itf / "bInterfaceSubClass", interfaces[i].second + "\n");
    }
    t.link("sys/bus/usb/devices/" + name, fs::path("../../../devices/pci0000:00/usb" + name.substr(0, name.find('-'))) / name);
}

const DeviceDescription* find(const std::vector<DeviceDescription>& v, const std::string& stable_id) {
    for (const auto& d : v)
        if (d.stable_id == stable_id) return &d;
    return nullptr;
}

TEST(UsbDiscovery, ListsSerialPortsAndModemsOnAnEmulatedTree) {
    TempTree t;
    // A CDC-ACM modem on 1-1.4 with its tty, a mass-storage stick on 2-1, a
    // vendor-class modem a profile knows on 2-2, and two ttyS (one phantom).
    usb_device(t, "1-1.4", "0baf", "0303", "USB Modem", "0000001", 5, {{"02", "02"}, {"0a", "00"}});
    usb_device(t, "2-1", "0781", "5567", "Cruzer", "AA01", 3, {{"08", "06"}});
    usb_device(t, "2-2", "0803", "3095", "Vendor Modem", "", 4, {{"ff", "00"}});
    t.dir("sys/bus/usb/drivers/cdc_acm");
    t.link("sys/devices/pci0000:00/usb1/1-1.4/1-1.4:1.0/driver", "../../../../../bus/usb/drivers/cdc_acm");
    t.link("sys/class/tty/ttyACM0/device", "../../../devices/pci0000:00/usb1/1-1.4/1-1.4:1.0");
    t.file("sys/class/tty/ttyS0/type", "4\n");
    t.file("sys/class/tty/ttyS1/type", "0\n");
    t.dir("sys/class/tty/tty0");  // a virtual console: not a candidate
    for (const char* n : {"dev/ttyACM0", "dev/ttyS0", "dev/ttyS1", "dev/tty0"}) t.file(n, "");
    t.link("dev/serial/by-id/usb-U.S._Robotics_USB_Modem_0000001-if00", "../../ttyACM0");

    const KnownUsbModel known[] = {{0x0803, 0x3095, UsbVendorLayout{0, {}, {}, {}}}};
    const auto list = list_candidates({t.root() / "sys", t.root() / "dev"}, known);
    ASSERT_EQ(list.size(), 4u);

    const std::string by_id = (t.root() / "dev/serial/by-id/usb-U.S._Robotics_USB_Modem_0000001-if00").string();
    const auto* acm = find(list, by_id);
    ASSERT_NE(acm, nullptr);
    EXPECT_EQ(acm->kind, DeviceKind::Serial);
    EXPECT_EQ(acm->device_node, (t.root() / "dev/ttyACM0").string());
    EXPECT_EQ(acm->driver, "cdc_acm");
    EXPECT_EQ(acm->vendor_id, std::optional<uint16_t>(0x0baf));
    EXPECT_EQ(acm->product, "USB Modem");
    EXPECT_EQ(acm->port_path, (std::vector<uint8_t>{1, 4}));
    EXPECT_TRUE(acm->cdc_acm);

    const auto* s0 = find(list, (t.root() / "dev/ttyS0").string());
    ASSERT_NE(s0, nullptr);
    EXPECT_FALSE(s0->vendor_id.has_value());
    EXPECT_EQ(find(list, (t.root() / "dev/ttyS1").string()), nullptr);  // no UART behind it

    const auto* usb = find(list, "usb:1-1.4:0baf:0303:0000001");
    ASSERT_NE(usb, nullptr);
    EXPECT_EQ(usb->kind, DeviceKind::Usb);
    EXPECT_EQ(usb->device_node, (t.root() / "dev/bus/usb/001/005").string());
    EXPECT_TRUE(usb->cdc_acm);
    EXPECT_FALSE(usb->known_model);

    const auto* vendor = find(list, "usb:2-2:0803:3095");
    ASSERT_NE(vendor, nullptr);
    EXPECT_FALSE(vendor->cdc_acm);
    EXPECT_TRUE(vendor->known_model);
    EXPECT_EQ(vendor->product, "Vendor Modem");

    // Sorted: serial first, then USB.
    EXPECT_EQ(list.front().kind, DeviceKind::Serial);
    EXPECT_EQ(list.back().kind, DeviceKind::Usb);
    // Without the profile the vendor modem is not a candidate.
    EXPECT_EQ(list_candidates({t.root() / "sys", t.root() / "dev"}).size(), 3u);
}

TEST(UsbDiscovery, MissingRootsGiveNoCandidates) {
    TempTree t;
    EXPECT_TRUE(list_candidates({t.root() / "nosys", t.root() / "nodev"}).empty());
}

TEST(UsbDiscovery, FindsTheEmulatedModemAndOpensIt) {
    testing::EmulatedUsbModem dev;
    ASSERT_TRUE(dev.ok()) << "umockdev testbed not available";
    const auto list = list_candidates({dev.sys_dir(), fs::path(dev.root_dir()) / "dev"});
    ASSERT_EQ(list.size(), 1u);  // the root hub is no candidate
    const auto& d = list[0];
    EXPECT_EQ(d.kind, DeviceKind::Usb);
    EXPECT_EQ(d.stable_id, "usb:1-1:0baf:0303:0000001");
    EXPECT_EQ(d.vendor, "U.S. Robotics");
    EXPECT_TRUE(d.cdc_acm);
    auto t = open_candidate(d);
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    EXPECT_TRUE((*t)->is_open());
    EXPECT_EQ((*t)->describe(), "usb:1-1 0baf:0303");
    EXPECT_EQ(dev.claimed_interfaces(), (std::vector<uint8_t>{0, 1}));
}

TEST(UsbDiscovery, AVendorBulkModemIsFoundAndOpenedThroughItsProfileLayout) {
    testing::EmulatedUsbModemOptions o;
    o.vendor_bulk = true;
    o.vendor_id = 0x0803;
    o.product_id = 0x3095;
    o.serial = "";
    testing::EmulatedUsbModem dev(o);
    ASSERT_TRUE(dev.ok()) << "umockdev testbed not available";
    const DiscoveryRoots roots{dev.sys_dir(), fs::path(dev.root_dir()) / "dev"};
    EXPECT_TRUE(list_candidates(roots).empty());  // no CDC-ACM interface, no profile: not a modem
    const KnownUsbModel known[] = {{0x0803, 0x3095, UsbVendorLayout{0, 0x81, 0x02, {}}}};
    const auto list = list_candidates(roots, known);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].stable_id, "usb:1-1:0803:3095");
    EXPECT_TRUE(list[0].known_model);
    EXPECT_FALSE(list[0].cdc_acm);
    auto t = open_candidate(list[0], {}, known);
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    EXPECT_EQ(dev.claimed_interfaces(), (std::vector<uint8_t>{0}));
    const uint8_t at[] = {'A', 'T', '\r'};
    auto w = (*t)->write(at, 1000ms);
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    EXPECT_EQ(*w, 3u);
    auto got = dev.take_from_host();
    EXPECT_EQ(std::string(got.begin(), got.end()), "AT\r");
}

TEST(UsbDiscovery, HotplugReportsArrivalAndDeparture) {
    testing::EmulatedUsbModem dev;
    ASSERT_TRUE(dev.ok()) << "umockdev testbed not available";
    auto mon = UsbHotplugMonitor::create(true);
    ASSERT_TRUE(mon.ok()) << mon.error().to_string();
    auto collect = [&](bool arrived) {
        const auto end = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < end) {
            auto ev = (*mon)->poll(100ms);
            if (!ev) return false;
            for (const auto& e : *ev)
                if (e.arrived == arrived && e.vendor_id == 0x0baf && e.product_id == 0x0303 && e.bus == 1 &&
                    e.port_path == std::vector<uint8_t>{1})
                    return true;
        }
        return false;
    };
    EXPECT_TRUE(collect(true)) << "no arrival for the modem present at start";
    dev.unplug();
    EXPECT_TRUE(collect(false)) << "no departure after the unplug";
}

}  // namespace
}  // namespace fax::hal
