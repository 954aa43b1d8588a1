// Table tests for the pure CDC-ACM functions: descriptor layouts of real-world
// shapes, LineCoding, SERIAL_STATE.
#include <gtest/gtest.h>

#include "fax/hal/discovery.h"
#include "fax/hal/usb_cdc_acm.h"

namespace fax::hal {
namespace {

UsbEndpointDesc bulk(uint8_t a, uint16_t mps = 64) { return {a, 0x02, mps}; }
UsbEndpointDesc intr(uint8_t a) { return {a, 0x03, 16}; }
const std::vector<uint8_t> kUnion0to1{5, 0x24, 0x00, 0x10, 0x01, 5, 0x24, 0x06, 0x00, 0x01};

UsbInterfaceDesc comm(uint8_t n, std::vector<uint8_t> extra = kUnion0to1, bool with_notify = true) {
    UsbInterfaceDesc d{n, 0, 0x02, 0x02, 0x01, {}, std::move(extra)};
    if (with_notify) d.endpoints.push_back(intr(0x83));
    return d;
}
UsbInterfaceDesc data(uint8_t n, std::vector<UsbEndpointDesc> eps, uint8_t alt = 0) {
    return {n, alt, 0x0a, 0, 0, std::move(eps), {}};
}

TEST(UsbCdcAcm, FindsTheUnionPair) {
    std::vector<UsbInterfaceDesc> ifs{comm(0), data(1, {bulk(0x81), bulk(0x02)})};
    auto l = find_cdc_acm_layout(ifs);
    ASSERT_TRUE(l.ok()) << l.error().to_string();
    EXPECT_EQ(l->control_interface, std::optional<uint8_t>(0));
    EXPECT_EQ(l->data_interface, 1);
    EXPECT_EQ(l->bulk_in, 0x81);
    EXPECT_EQ(l->bulk_out, 0x02);
    EXPECT_EQ(l->notify_in, std::optional<uint8_t>(0x83));
    EXPECT_TRUE(l->cdc_acm);
}

TEST(UsbCdcAcm, UnionNamesADataInterfaceThatIsNotFirst) {
    // A composite device: a vendor interface with bulk endpoints comes before the
    // data interface the Union descriptor names (2): the vendor one must not be taken.
    std::vector<uint8_t> union0to2{5, 0x24, 0x06, 0x00, 0x02};
    UsbInterfaceDesc vendor{1, 0, 0xff, 0, 0, {bulk(0x84), bulk(0x05)}, {}};
    std::vector<UsbInterfaceDesc> ifs{comm(0, union0to2), vendor, data(2, {bulk(0x82, 512), bulk(0x03, 512)})};
    auto l = find_cdc_acm_layout(ifs);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->data_interface, 2);
    EXPECT_EQ(l->bulk_in, 0x82);
    EXPECT_EQ(l->bulk_in_max_packet, 512);
}

TEST(UsbCdcAcm, WithoutUnionFallsBackToTheFirstDataInterface) {
    std::vector<UsbInterfaceDesc> ifs{comm(0, {}, false), data(1, {bulk(0x02), bulk(0x81)})};
    auto l = find_cdc_acm_layout(ifs);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->data_interface, 1);
    EXPECT_EQ(l->bulk_in, 0x81);
    EXPECT_EQ(l->bulk_out, 0x02);
    EXPECT_FALSE(l->notify_in.has_value());
}

TEST(UsbCdcAcm, PicksTheAlternateSettingWithBulkEndpoints) {
    std::vector<UsbInterfaceDesc> ifs{comm(0), data(1, {}, 0), data(1, {bulk(0x81), bulk(0x02)}, 1)};
    auto l = find_cdc_acm_layout(ifs);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->data_alt_setting, 1);
}

TEST(UsbCdcAcm, MalformedClassDescriptorsAreNotTrusted) {
    // bLength 0 would loop forever; 9 runs past the end. Both: no Union, fallback used.
    for (std::vector<uint8_t> extra : {std::vector<uint8_t>{0, 0x24, 0x06, 0, 1}, std::vector<uint8_t>{9, 0x24, 0x06, 0, 1}}) {
        std::vector<UsbInterfaceDesc> ifs{comm(0, extra), data(3, {bulk(0x81), bulk(0x02)})};
        auto l = find_cdc_acm_layout(ifs);
        ASSERT_TRUE(l.ok());
        EXPECT_EQ(l->data_interface, 3);
    }
}

TEST(UsbCdcAcm, RefusesDevicesWithoutAnAcmPair) {
    struct Case {
        const char* name;
        std::vector<UsbInterfaceDesc> ifs;
        Errc want;
    };
    std::vector<Case> cases{
        {"no interfaces", {}, Errc::NotFound},
        {"mass storage", {{0, 0, 0x08, 0x06, 0x50, {bulk(0x81), bulk(0x02)}, {}}}, Errc::NotFound},
        {"ECM (subclass 6) is not ACM", {{0, 0, 0x02, 0x06, 0, {intr(0x83)}, kUnion0to1}, data(1, {bulk(0x81), bulk(0x02)})}, Errc::NotFound},
        {"data interface without OUT", {comm(0), data(1, {bulk(0x81)})}, Errc::Unsupported},
    };
    for (const auto& c : cases) {
        auto l = find_cdc_acm_layout(c.ifs);
        ASSERT_FALSE(l.ok()) << c.name;
        EXPECT_EQ(l.error().code, c.want) << c.name;
    }
}

TEST(UsbCdcAcm, VendorLayoutUsesTheProfilesEndpoints) {
    UsbInterfaceDesc v{0, 0, 0xff, 0, 0, {bulk(0x81), bulk(0x02), bulk(0x84), bulk(0x05), intr(0x83)}, {}};
    std::vector<UsbInterfaceDesc> ifs{v};
    auto l = find_vendor_layout(ifs, {0, 0x84, 0x05, 0x83});
    ASSERT_TRUE(l.ok()) << l.error().to_string();
    EXPECT_EQ(l->bulk_in, 0x84);
    EXPECT_EQ(l->bulk_out, 0x05);
    EXPECT_EQ(l->notify_in, std::optional<uint8_t>(0x83));
    EXPECT_FALSE(l->cdc_acm);
    EXPECT_FALSE(l->control_interface.has_value());
    auto defaults = find_vendor_layout(ifs, {0, {}, {}, {}});
    ASSERT_TRUE(defaults.ok());
    EXPECT_EQ(defaults->bulk_in, 0x81);
    EXPECT_EQ(defaults->bulk_out, 0x02);
    EXPECT_EQ(find_vendor_layout(ifs, {1, {}, {}, {}}).error().code, Errc::NotFound);
    EXPECT_EQ(find_vendor_layout(ifs, {0, 0x86, {}, {}}).error().code, Errc::NotFound);
}

TEST(UsbCdcAcm, LineCodingRoundTrips) {
    const auto c = encode_line_coding_8n1(115200);
    EXPECT_EQ((std::array<uint8_t, 7>{0x00, 0xc2, 0x01, 0x00, 0, 0, 8}), c);
    EXPECT_EQ(decode_line_coding_8n1(c), std::optional<uint32_t>(115200));
    const std::array<uint8_t, 7> seven_e1{0x80, 0x25, 0, 0, 0, 2, 7};  // 9600 7E1
    EXPECT_FALSE(decode_line_coding_8n1(seven_e1).has_value());
    EXPECT_FALSE(decode_line_coding_8n1(std::span<const uint8_t>(c.data(), 6)).has_value());
}

TEST(UsbCdcAcm, SerialStateTable) {
    struct Case {
        std::vector<uint8_t> packet;
        std::optional<SerialState> want;
    };
    auto ss = [](bool dcd, bool dsr, bool ring) {
        SerialState s;
        s.dcd = dcd;
        s.dsr = dsr;
        s.ring = ring;
        return std::optional<SerialState>(s);
    };
    const std::vector<Case> cases{
        {{0xA1, 0x20, 0, 0, 0, 0, 2, 0, 0x03, 0}, ss(true, true, false)},
        {{0xA1, 0x20, 0, 0, 0, 0, 2, 0, 0x08, 0}, ss(false, false, true)},
        {{0xA1, 0x20, 0, 0, 0, 0, 2, 0, 0x00, 0}, ss(false, false, false)},
        {{0xA1, 0x00, 0, 0, 0, 0, 0, 0}, std::nullopt},                  // NETWORK_CONNECTION
        {{0xA1, 0x20, 0, 0, 0, 0, 2, 0, 0x01}, std::nullopt},            // truncated
        {{0x21, 0x20, 0, 0, 0, 0, 2, 0, 0x01, 0}, std::nullopt},         // wrong direction
        {{0xA1, 0x20, 0, 0, 0, 0, 0, 0, 0x01, 0}, std::nullopt},         // wLength 0
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        auto got = parse_serial_state(cases[i].packet);
        ASSERT_EQ(got.has_value(), cases[i].want.has_value()) << "case " << i;
        if (!got) continue;
        EXPECT_EQ(got->dcd, cases[i].want->dcd) << "case " << i;
        EXPECT_EQ(got->dsr, cases[i].want->dsr) << "case " << i;
        EXPECT_EQ(got->ring, cases[i].want->ring) << "case " << i;
    }
    auto all = parse_serial_state(std::vector<uint8_t>{0xA1, 0x20, 0, 0, 0, 0, 2, 0, 0x7f, 0});
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->brk && all->framing && all->parity && all->overrun);
}

TEST(UsbDiscoveryPortPath, ParsesSysfsNames) {
    auto p = parse_usb_port_path("1-1.4");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->bus, 1);
    EXPECT_EQ(p->ports, (std::vector<uint8_t>{1, 4}));
    EXPECT_EQ(parse_usb_port_path("3-2")->ports, (std::vector<uint8_t>{2}));
    for (const char* bad : {"usb1", "1-1:1.0", "-1", "1-", "1-0", "1-1..2", "x-1", "1-1.2.3.4.5.6.7.8", "300-1"})
        EXPECT_FALSE(parse_usb_port_path(bad).has_value()) << bad;
}

}  // namespace
}  // namespace fax::hal

namespace fax::hal {
namespace {

// Descriptor bytes come from the device: arbitrary class-specific descriptors and
// notification packets must never read out of bounds (ASan checks it in the asan
// preset) and any layout found must name endpoints the device really has. A fixed
// seed keeps it reproducible; tests/fuzz is where a coverage-guided target would go.
TEST(UsbCdcAcmRobustness, ArbitraryDescriptorsAndNotifications) {
    uint32_t state = 12345;
    auto next = [&state] {
        state = state * 1664525u + 1013904223u;
        return static_cast<uint8_t>(state >> 24);
    };
    int layouts = 0;
    for (int round = 0; round < 3000; ++round) {
        std::vector<UsbInterfaceDesc> ifs(1 + next() % 4);
        for (auto& d : ifs) {
            d.number = next() % 4;
            d.alt_setting = next() % 2;
            d.cls = (next() & 1) ? 0x02 : 0x0a;
            d.subclass = (next() & 1) ? 0x02 : next();
            d.extra.resize(next() % 24);
            for (auto& b : d.extra) b = (next() & 3) == 0 ? 0x24 : next();
            d.endpoints.resize(next() % 4);
            for (auto& e : d.endpoints) e = {next(), static_cast<uint8_t>(next() & 3), static_cast<uint16_t>(next())};
        }
        auto l = find_cdc_acm_layout(ifs);
        if (l) {
            ++layouts;
            bool in_found = false, out_found = false;
            for (const auto& d : ifs) {
                if (d.number != l->data_interface || d.alt_setting != l->data_alt_setting) continue;
                for (const auto& e : d.endpoints) {
                    in_found |= e.address == l->bulk_in && e.is_bulk() && e.is_in();
                    out_found |= e.address == l->bulk_out && e.is_bulk() && !e.is_in();
                }
            }
            EXPECT_TRUE(in_found && out_found) << "round " << round;
        }
        std::vector<uint8_t> packet(next() % 16);
        for (auto& b : packet) b = next();
        if (next() & 1 && packet.size() >= 2) packet[0] = 0xA1, packet[1] = 0x20;
        (void)parse_serial_state(packet);
    }
    EXPECT_GT(layouts, 10) << "the generator should produce some valid layouts, or the check above is empty";
}

}  // namespace
}  // namespace fax::hal
