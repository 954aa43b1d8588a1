// The USB CDC-ACM facts a fax modem driver needs, as pure functions over plain
// data: which interfaces and endpoints carry the modem (USB CDC 1.2 §3, §5.2.3),
// the class requests' wire format (CDC PSTN 1.2 §6.3), and the SERIAL_STATE
// notification (PSTN §6.5.4). No libusb here, so all of it is table-tested
// without a device; UsbTransport feeds it what libusb reads from descriptors.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fax/base/result.h"

namespace fax::hal {

// Class codes (USB CDC 1.2 §4.2 Table 3, §4.5 Table 6; USB 2.0 §9.6.1).
inline constexpr uint8_t kUsbClassCommunications = 0x02;
inline constexpr uint8_t kCdcSubclassAcm = 0x02;  // Abstract Control Model (PSTN §3.6.2)
inline constexpr uint8_t kUsbClassCdcData = 0x0A;
inline constexpr uint8_t kUsbClassVendor = 0xFF;

// Class-specific requests (PSTN 1.2 §6.3 Table 13).
inline constexpr uint8_t kCdcSetLineCoding = 0x20;
inline constexpr uint8_t kCdcGetLineCoding = 0x21;
inline constexpr uint8_t kCdcSetControlLineState = 0x22;
inline constexpr uint8_t kCdcSendBreak = 0x23;
// SET_CONTROL_LINE_STATE wValue bits (PSTN §6.3.12).
inline constexpr uint16_t kCdcLineDtr = 0x01;
inline constexpr uint16_t kCdcLineRts = 0x02;
// Notification codes (PSTN §6.5 Table 30).
inline constexpr uint8_t kCdcNotifySerialState = 0x20;

struct UsbEndpointDesc {
    uint8_t address = 0;     // bit 7 set: IN
    uint8_t attributes = 0;  // bits 1..0: 0 control, 1 iso, 2 bulk, 3 interrupt
    uint16_t max_packet = 0;

    bool is_in() const { return (address & 0x80) != 0; }
    bool is_bulk() const { return (attributes & 0x03) == 2; }
    bool is_interrupt() const { return (attributes & 0x03) == 3; }
};

// One alternate setting of one interface, as in the configuration descriptor.
struct UsbInterfaceDesc {
    uint8_t number = 0;
    uint8_t alt_setting = 0;
    uint8_t cls = 0;
    uint8_t subclass = 0;
    uint8_t protocol = 0;
    std::vector<UsbEndpointDesc> endpoints;
    std::vector<uint8_t> extra;  // class-specific descriptors that follow the interface descriptor
};

// Where the modem's bytes flow on a given device.
struct UsbModemLayout {
    std::optional<uint8_t> control_interface;  // CDC communication interface (class requests go to it)
    uint8_t data_interface = 0;
    uint8_t data_alt_setting = 0;
    uint8_t bulk_in = 0;
    uint8_t bulk_out = 0;
    uint16_t bulk_in_max_packet = 64;
    uint16_t bulk_out_max_packet = 64;
    std::optional<uint8_t> notify_in;          // interrupt IN carrying SERIAL_STATE
    bool cdc_acm = false;                      // SET_LINE_CODING / SET_CONTROL_LINE_STATE apply
};

// A vendor-specific bulk modem as a profile describes it: the interface, and the
// endpoints if the interface has more than one candidate of a kind.
struct UsbVendorLayout {
    uint8_t interface = 0;
    std::optional<uint8_t> bulk_in;
    std::optional<uint8_t> bulk_out;
    std::optional<uint8_t> notify_in;
};

// Finds a CDC-ACM function: a communication interface (class 2, subclass 2) whose
// Union functional descriptor (CDC 1.2 §5.2.3.2) names its data interface, else
// the first data-class interface (class 10) with a bulk IN and a bulk OUT endpoint
// (some modems omit the Union descriptor). NotFound if there is no such pair,
// Unsupported if the data interface lacks bulk endpoints.
Result<UsbModemLayout> find_cdc_acm_layout(std::span<const UsbInterfaceDesc> interfaces);

// The layout of a vendor-specific bulk modem (no class requests). NotFound when
// the named interface or endpoints do not exist.
Result<UsbModemLayout> find_vendor_layout(std::span<const UsbInterfaceDesc> interfaces, const UsbVendorLayout& want);

// The 7-byte LineCoding structure (PSTN §6.3.11): dwDTERate little-endian,
// bCharFormat 0 (1 stop bit), bParityType 0 (none), bDataBits 8.
std::array<uint8_t, 7> encode_line_coding_8n1(uint32_t baud);
// dwDTERate of a LineCoding structure, if `data` is one and says 8N1.
std::optional<uint32_t> decode_line_coding_8n1(std::span<const uint8_t> data);

// UART state bits of a SERIAL_STATE notification (PSTN §6.5.4 Table 31).
struct SerialState {
    bool dcd = false;      // bRxCarrier: the modem has carrier
    bool dsr = false;      // bTxCarrier
    bool brk = false;
    bool ring = false;     // bRingSignal
    bool framing = false;
    bool parity = false;
    bool overrun = false;
};

// Parses one interrupt-endpoint packet. nullopt for anything that is not a
// well-formed SERIAL_STATE (other notifications such as NETWORK_CONNECTION are
// legal and ignored; a truncated packet is not trusted).
std::optional<SerialState> parse_serial_state(std::span<const uint8_t> packet);

}  // namespace fax::hal
