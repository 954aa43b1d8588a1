#include "fax/hal/usb_cdc_acm.h"

#include <string>

namespace fax::hal {
namespace {

constexpr uint8_t kCsInterface = 0x24;   // CDC 1.2 §5.2.3 Table 12
constexpr uint8_t kUnionSubtype = 0x06;  // CDC 1.2 §5.2.3 Table 13

// bSlaveInterface0 of the Union functional descriptor among `extra`, if any.
std::optional<uint8_t> union_slave(std::span<const uint8_t> extra) {
    std::size_t i = 0;
    while (i + 2 <= extra.size()) {
        const uint8_t len = extra[i];
        if (len < 2 || i + len > extra.size()) return std::nullopt;  // malformed: stop, trust nothing further
        if (extra[i + 1] == kCsInterface && len >= 5 && extra[i + 2] == kUnionSubtype) return extra[i + 4];
        i += len;
    }
    return std::nullopt;
}

const UsbInterfaceDesc* find_interface(std::span<const UsbInterfaceDesc> ifaces, uint8_t number) {
    for (const auto& i : ifaces)
        if (i.number == number) return &i;
    return nullptr;
}

struct BulkPair {
    const UsbEndpointDesc* in = nullptr;
    const UsbEndpointDesc* out = nullptr;
};

BulkPair bulk_pair(const UsbInterfaceDesc& d) {
    BulkPair p;
    for (const auto& e : d.endpoints) {
        if (!e.is_bulk()) continue;
        if (e.is_in() && p.in == nullptr) p.in = &e;
        if (!e.is_in() && p.out == nullptr) p.out = &e;
    }
    return p;
}

// The data interface has alternate settings; the one with bulk endpoints
// carries the data (alt 0 may be a zero-bandwidth setting, CDC 1.2 §3.8.2).
const UsbInterfaceDesc* data_setting(std::span<const UsbInterfaceDesc> ifaces, uint8_t number) {
    for (const auto& i : ifaces) {
        if (i.number != number) continue;
        const auto p = bulk_pair(i);
        if (p.in != nullptr && p.out != nullptr) return &i;
    }
    return nullptr;
}

std::string hex8(uint8_t v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("0x") + kDigits[v >> 4] + kDigits[v & 0x0f];
}

}  // namespace

Result<UsbModemLayout> find_cdc_acm_layout(std::span<const UsbInterfaceDesc> interfaces) {
    for (const auto& comm : interfaces) {
        if (comm.cls != kUsbClassCommunications || comm.subclass != kCdcSubclassAcm) continue;
        const UsbInterfaceDesc* data = nullptr;
        if (auto slave = union_slave(comm.extra)) {
            data = data_setting(interfaces, *slave);
            if (data == nullptr && find_interface(interfaces, *slave) != nullptr)
                return fail(Errc::Unsupported, "CDC-ACM data interface " + std::to_string(*slave) +
                                                   " has no bulk IN/OUT endpoint pair");
        }
        if (data == nullptr) {
            for (const auto& d : interfaces) {
                if (d.cls != kUsbClassCdcData) continue;
                if ((data = data_setting(interfaces, d.number)) != nullptr) break;
            }
        }
        if (data == nullptr) continue;
        const auto pair = bulk_pair(*data);
        UsbModemLayout l;
        l.control_interface = comm.number;
        l.data_interface = data->number;
        l.data_alt_setting = data->alt_setting;
        l.bulk_in = pair.in->address;
        l.bulk_out = pair.out->address;
        l.bulk_in_max_packet = pair.in->max_packet;
        l.bulk_out_max_packet = pair.out->max_packet;
        for (const auto& e : comm.endpoints)
            if (e.is_interrupt() && e.is_in()) {
                l.notify_in = e.address;
                break;
            }
        l.cdc_acm = true;
        return l;
    }
    return fail(Errc::NotFound, "no CDC-ACM interface pair (class 2 subclass 2 with a class 10 data interface)");
}

Result<UsbModemLayout> find_vendor_layout(std::span<const UsbInterfaceDesc> interfaces, const UsbVendorLayout& want) {
    const UsbInterfaceDesc* chosen = nullptr;
    for (const auto& i : interfaces) {
        if (i.number != want.interface) continue;
        // Prefer the alternate setting that has every endpoint the profile names.
        auto has = [&i](std::optional<uint8_t> ep, bool bulk) {
            if (!ep) return true;
            for (const auto& e : i.endpoints)
                if (e.address == *ep && (bulk ? e.is_bulk() : e.is_interrupt())) return true;
            return false;
        };
        if (has(want.bulk_in, true) && has(want.bulk_out, true) && has(want.notify_in, false)) {
            const auto p = bulk_pair(i);
            if ((want.bulk_in || p.in != nullptr) && (want.bulk_out || p.out != nullptr)) {
                chosen = &i;
                break;
            }
        }
    }
    if (chosen == nullptr)
        return fail(Errc::NotFound, "interface " + std::to_string(want.interface) +
                                        " with the profile's bulk endpoints is not on this device");
    const auto p = bulk_pair(*chosen);
    auto find_ep = [chosen](uint8_t addr) -> const UsbEndpointDesc* {
        for (const auto& e : chosen->endpoints)
            if (e.address == addr) return &e;
        return nullptr;
    };
    const UsbEndpointDesc* in = want.bulk_in ? find_ep(*want.bulk_in) : p.in;
    const UsbEndpointDesc* out = want.bulk_out ? find_ep(*want.bulk_out) : p.out;
    if (in == nullptr || out == nullptr || !in->is_in() || out->is_in())
        return fail(Errc::NotFound, "interface " + std::to_string(want.interface) + ": bulk endpoints " +
                                        (in ? hex8(in->address) : "?") + "/" + (out ? hex8(out->address) : "?") +
                                        " are not an IN/OUT pair");
    UsbModemLayout l;
    l.data_interface = chosen->number;
    l.data_alt_setting = chosen->alt_setting;
    l.bulk_in = in->address;
    l.bulk_out = out->address;
    l.bulk_in_max_packet = in->max_packet;
    l.bulk_out_max_packet = out->max_packet;
    l.notify_in = want.notify_in;
    l.cdc_acm = false;
    return l;
}

std::array<uint8_t, 7> encode_line_coding_8n1(uint32_t baud) {
    return {static_cast<uint8_t>(baud & 0xff), static_cast<uint8_t>((baud >> 8) & 0xff),
            static_cast<uint8_t>((baud >> 16) & 0xff), static_cast<uint8_t>((baud >> 24) & 0xff),
            0 /* 1 stop bit */, 0 /* no parity */, 8 /* data bits */};
}

std::optional<uint32_t> decode_line_coding_8n1(std::span<const uint8_t> d) {
    if (d.size() != 7 || d[4] != 0 || d[5] != 0 || d[6] != 8) return std::nullopt;
    return static_cast<uint32_t>(d[0]) | (static_cast<uint32_t>(d[1]) << 8) | (static_cast<uint32_t>(d[2]) << 16) |
           (static_cast<uint32_t>(d[3]) << 24);
}

std::optional<SerialState> parse_serial_state(std::span<const uint8_t> p) {
    // bmRequestType 0xA1 (device-to-host, class, interface), bNotification,
    // wValue 0, wIndex interface, wLength 2, then the 16-bit UART state bitmap.
    if (p.size() < 10 || p[0] != 0xA1 || p[1] != kCdcNotifySerialState) return std::nullopt;
    const unsigned length = p[6] | (p[7] << 8);
    if (length < 2) return std::nullopt;
    const unsigned bits = p[8] | (p[9] << 8);
    SerialState s;
    s.dcd = (bits & 0x01) != 0;
    s.dsr = (bits & 0x02) != 0;
    s.brk = (bits & 0x04) != 0;
    s.ring = (bits & 0x08) != 0;
    s.framing = (bits & 0x10) != 0;
    s.parity = (bits & 0x20) != 0;
    s.overrun = (bits & 0x40) != 0;
    return s;
}

}  // namespace fax::hal
