// ModemPort: how a configured modem is named and found (paths, USB identities and
// ports, auto), the class it is driven in, and the retry ladder's tuning as session
// options for both classes. Calls over real ports: tests/station/daemon.
#include "fax/station/modem_port.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "fax/t30/class2_session.h"
#include "fax/t30/fax_session.h"
#include "release_fixture.h"

namespace fax::station {
namespace {

namespace fs = std::filesystem;

TEST(DeviceSpec, EveryFormAndEveryMistake) {
    auto path = parse_device_spec("/dev/serial/by-id/usb-USR_5637-if00");
    ASSERT_TRUE(path.ok());
    EXPECT_EQ(path->kind, DeviceSpec::Kind::Path);
    EXPECT_EQ(parse_device_spec("auto")->kind, DeviceSpec::Kind::Auto);

    auto id = parse_device_spec("usb:0baf:0303");
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    EXPECT_EQ(id->kind, DeviceSpec::Kind::Usb);
    EXPECT_EQ(id->vendor_id, 0x0baf);
    EXPECT_EQ(id->product_id, 0x0303);
    EXPECT_FALSE(id->bus.has_value());
    EXPECT_EQ(parse_device_spec("usb:0baf:0303:00001A")->serial, "00001A");

    auto port = parse_device_spec("usb:1-1.4");
    ASSERT_TRUE(port.ok());
    EXPECT_EQ(port->bus, 1);
    EXPECT_EQ(port->port_path, (std::vector<uint8_t>{1, 4}));
    EXPECT_FALSE(port->vendor_id.has_value());

    // What `faxctl modems` prints as a USB device's stable id is accepted as it is.
    auto both = parse_device_spec("usb:1-1.4:0baf:0303:0000001");
    ASSERT_TRUE(both.ok());
    EXPECT_EQ(both->bus, 1);
    EXPECT_EQ(both->vendor_id, 0x0baf);
    EXPECT_EQ(both->serial, "0000001");

    for (const char* bad : {"", "ttyACM0", "usb:", "usb:0baf", "usb:0bag:0303", "usb:1-", "usb:0baf:0303:1:2",
                            "usb:0baf:0303:", "usb:12345:0303"}) {
        auto r = parse_device_spec(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::InvalidInput) << bad;
    }
}

hal::DeviceDescription usb_modem(uint8_t bus, std::vector<uint8_t> ports, uint16_t vid, uint16_t pid, std::string serial) {
    hal::DeviceDescription d;
    d.kind = hal::DeviceKind::Usb;
    d.bus = bus;
    d.port_path = std::move(ports);
    d.vendor_id = vid;
    d.product_id = pid;
    d.serial = std::move(serial);
    d.cdc_acm = true;
    d.stable_id = "usb:" + std::to_string(bus) + "-...";
    d.device_node = "/dev/bus/usb/001/004";
    return d;
}

TEST(DeviceSpec, WhatAnswersToWhat) {
    const auto usr = usb_modem(1, {4}, 0x0baf, 0x0303, "A1");
    EXPECT_TRUE(matches(*parse_device_spec("usb:0baf:0303"), usr));
    EXPECT_TRUE(matches(*parse_device_spec("usb:0baf:0303:A1"), usr));
    EXPECT_FALSE(matches(*parse_device_spec("usb:0baf:0303:B2"), usr)) << "another unit of the same model";
    EXPECT_TRUE(matches(*parse_device_spec("usb:1-4"), usr));
    EXPECT_FALSE(matches(*parse_device_spec("usb:1-4.1"), usr));
    EXPECT_FALSE(matches(*parse_device_spec("usb:0572:1329"), usr));
    EXPECT_TRUE(matches(*parse_device_spec("auto"), usr));

    hal::DeviceDescription tty;
    tty.kind = hal::DeviceKind::Serial;
    tty.device_node = "/dev/ttyACM0";
    tty.stable_id = "/dev/serial/by-id/usb-USR-if00";
    tty.vendor_id = 0x0baf;
    EXPECT_TRUE(matches(*parse_device_spec("/dev/ttyACM0"), tty));
    EXPECT_TRUE(matches(*parse_device_spec("/dev/serial/by-id/usb-USR-if00"), tty));
    EXPECT_FALSE(matches(*parse_device_spec("usb:0baf:0303"), tty)) << "a USB identity is driven through libusb";
    EXPECT_TRUE(matches(*parse_device_spec("auto"), tty)) << "a USB tty is a fax modem candidate";
    hal::DeviceDescription uart = tty;
    uart.vendor_id.reset();
    uart.device_node = "/dev/ttyS0";
    EXPECT_FALSE(matches(*parse_device_spec("auto"), uart)) << "a bare UART is only used when named";
}

TEST(ModemClassPreference, AutoOneOrTwoPointZero) {
    EXPECT_FALSE(parse_class_preference("auto")->has_value());
    EXPECT_EQ(**parse_class_preference("1"), ModemClass::Class1);
    EXPECT_EQ(**parse_class_preference("2.0"), ModemClass::Class2);
    EXPECT_FALSE(parse_class_preference("2.1").ok());
    EXPECT_EQ(to_string(ModemClass::Class2), "2.0");
}

TEST(ApplyTuning, TheLadderAsClass1SessionOptions) {
    t30::SessionOptions o;
    apply_tuning({job::Modulation::V29, false}, true, o);
    EXPECT_FALSE(o.allow_v17);
    EXPECT_TRUE(o.allow_v29);
    EXPECT_FALSE(o.ecm);
    EXPECT_FALSE(o.allow_mmr);
    t30::SessionOptions p;
    apply_tuning({job::Modulation::V27ter, true}, true, p);
    EXPECT_FALSE(p.allow_v17);
    EXPECT_FALSE(p.allow_v29);
    EXPECT_TRUE(p.allow_v27ter);
    EXPECT_TRUE(p.ecm);
    t30::SessionOptions q;
    apply_tuning({job::Modulation::V17, true}, false, q);
    EXPECT_FALSE(q.ecm) << "a modem configured without ECM never uses it";
}

TEST(ApplyTuning, TheLadderAsClass2FisParameters) {
    t30::Class2Options o;
    apply_tuning({job::Modulation::V17, true}, true, o);
    EXPECT_EQ(o.max_bit_rate_code, 5);  // BR 5: 14400
    EXPECT_TRUE(o.ecm);
    EXPECT_EQ(o.data_format, 3);  // MMR, with ECM
    apply_tuning({job::Modulation::V29, false}, true, o);
    EXPECT_EQ(o.max_bit_rate_code, 3);  // 9600
    EXPECT_FALSE(o.ecm);
    EXPECT_EQ(o.data_format, 1);  // MR without ECM
    apply_tuning({job::Modulation::V27ter, true}, false, o);
    EXPECT_EQ(o.max_bit_rate_code, 1);  // 4800
    EXPECT_FALSE(o.ecm);
}

// A sysfs tree with two CDC-ACM fax modems of one model on ports 1-1 and 1-2.
class FakeTree {
public:
    FakeTree() {
        std::string tmpl = (fs::temp_directory_path() / "faxport-XXXXXX").string();
        root_ = ::mkdtemp(tmpl.data());
        usb("1-1", "A1", 2);
        usb("1-2", "B2", 3);
    }
    ~FakeTree() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    PortEnvironment env() const {
        PortEnvironment e;
        e.roots = {root_ / "sys", root_ / "dev"};
        return e;
    }

private:
    void file(const fs::path& rel, const std::string& content) {
        fs::create_directories((root_ / rel).parent_path());
        std::ofstream(root_ / rel) << content;
    }
    void usb(const std::string& name, const std::string& serial, int devnum) {
        const fs::path d = fs::path("sys/devices/pci0000:00/usb1") / name;
        file(d / "idVendor", "0baf\n");
        file(d / "idProduct", "0303\n");
        file(d / "product", "USB Modem\n");
        file(d / "serial", serial + "\n");
        file(d / "busnum", "1\n");
        file(d / "devnum", std::to_string(devnum) + "\n");
        file(d / (name + ":1.0") / "bInterfaceClass", "02\n");
        file(d / (name + ":1.0") / "bInterfaceSubClass", "02\n");
        file(d / (name + ":1.1") / "bInterfaceClass", "0a\n");
        file(d / (name + ":1.1") / "bInterfaceSubClass", "00\n");
        fs::create_directories(root_ / "sys/bus/usb/devices");
        fs::create_symlink(fs::path("../../../devices/pci0000:00/usb1") / name, root_ / "sys/bus/usb/devices" / name);
    }
    fs::path root_;
};

ModemConfig modem(const std::string& device) {
    ModemConfig c;
    c.device = device;
    return c;
}

TEST(ModemPortLocate, UsbIdentityPortAndAutoSkipsWhatOthersClaim) {
    FakeTree tree;
    auto by_serial = ModemPort(modem("usb:0baf:0303:B2"), tree.env()).locate();
    ASSERT_TRUE(by_serial.ok()) << by_serial.error().to_string();
    EXPECT_EQ(by_serial->port_path, (std::vector<uint8_t>{2}));
    auto by_port = ModemPort(modem("usb:1-1"), tree.env()).locate();
    ASSERT_TRUE(by_port.ok());
    EXPECT_EQ(by_port->serial, "A1");

    ModemPort first(modem("auto"), tree.env()), second(modem("auto"), tree.env()), third(modem("auto"), tree.env());
    auto a = first.locate();
    ASSERT_TRUE(a.ok());
    const std::vector<std::string> claimed{a->stable_id};
    auto b = second.locate(claimed);
    ASSERT_TRUE(b.ok());
    EXPECT_NE(a->stable_id, b->stable_id) << "a second `auto` takes the other modem";
    const std::vector<std::string> both{a->stable_id, b->stable_id};
    auto c = third.locate(both);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::NotFound) << "no third modem: absent, not an error of the configuration";

    auto absent = ModemPort(modem("usb:0572:1329"), tree.env()).locate();
    ASSERT_FALSE(absent.ok());
    EXPECT_EQ(absent.error().code, Errc::NotFound);
}

TEST(ModemPortLocate, AConfiguredPathDiscoveryDoesNotListIsUsedAsATty) {
    FakeTree tree;
    fax::testing::TempDir dir;
    const std::string link = dir.file("faxA");
    std::ofstream(link) << "";
    auto d = ModemPort(modem(link), tree.env()).locate();
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    EXPECT_EQ(d->kind, hal::DeviceKind::Serial);
    EXPECT_EQ(d->device_node, link);
    auto gone = ModemPort(modem(dir.file("missing")), tree.env()).locate();
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, Errc::NotFound);
}

// With profile and class configured nothing is asked of the modem, and the session is
// the configured class's; the send role demands the gate's release and consumes it.
TEST(ModemPortSession, TheConfiguredClassMakesTheSessionFromAClearedRelease) {
    fax::testing::TempDir dir;
    fax::testing::TestGate gate(dir);
    ASSERT_TRUE(gate.ready());
    ASSERT_TRUE(gate.add_verified_recipient("clinic", fax::testing::kTerminalNumber.fax).ok());
    const std::string doc = fax::testing::write_charts(dir, {1}, "doc.tif");
    for (const char* cls : {"1", "2.0"}) {
        ModemConfig c = modem(dir.file("no-such-tty"));
        c.profile = "generic";
        c.modem_class = cls;
        ModemPort port(c, PortEnvironment{});
        ASSERT_TRUE(port.identify().ok()) << "nothing to probe";
        auto release = gate.clear_document(doc, "clinic");
        ASSERT_TRUE(release.ok()) << release.error().to_string();
        auto session = port.make_session(SendRole{std::move(*release), job::Tuning{}, "FAXSTACK"});
        ASSERT_TRUE(session.ok()) << session.error().to_string();
        if (std::string(cls) == "1") EXPECT_NE(dynamic_cast<t30::FaxSession*>(session->get()), nullptr);
        else EXPECT_NE(dynamic_cast<t30::Class2Session*>(session->get()), nullptr);
        EXPECT_FALSE(release->valid()) << "the session consumed the release";
    }
}

}  // namespace
}  // namespace fax::station
