// UsbTransport: a Transport over libusb-1.0 for USB fax modems — CDC-ACM
// (USB CDC 1.2 / PSTN 1.2 Abstract Control Model) or vendor-specific bulk
// modems whose interface a profile names.
//
// open():
//   - finds the device by VID:PID, bus + port path and/or serial string;
//   - reads the active configuration and finds the communication interface
//     (class 2 subclass 2) and its data interface (class 10) from the
//     descriptors (find_cdc_acm_layout), or uses the profile's vendor layout;
//   - lets libusb detach the kernel driver (cdc_acm) while we hold the
//     interfaces and re-attach it when we release them
//     (libusb_set_auto_detach_kernel_driver, which claims atomically with
//     USBDEVFS_DISCONNECT_CLAIM so no other driver slips in between);
//   - claims both interfaces, sends SET_LINE_CODING (8N1 at the configured
//     speed) and SET_CONTROL_LINE_STATE (DTR and RTS on), and keeps one bulk IN
//     and, where present, one interrupt IN (SERIAL_STATE) transfer submitted.
// close() drops DTR (a modem hangs up, as HUPCL does on a tty), cancels the
// transfers, releases the interfaces (the kernel driver comes back) and closes.
//
// Timing: read() pumps libusb's events until data arrived or the timeout
// passed; write() submits a bulk OUT transfer with the remaining time as its
// libusb timeout and reports the bytes that went (short on timeout: the device
// NAKed, which is how a USB modem applies flow control).
//
// Flow control: on USB the bulk pipe's NAK is the hardware flow control, so
// Hardware and None need nothing from the host. Software (XON/XOFF) is applied
// here, as a tty's IXON would: 0x11/0x13 are taken out of the input and output
// pauses after XOFF until XON.
//
// Not thread-safe: one thread uses a transport at a time (the one that pumps it).
// Errors: NotFound (no such device), DeviceBusy (interface claimed elsewhere),
// Io (access denied: see the udev rule in docs/usb.md), Disconnected
// (LIBUSB_ERROR_NO_DEVICE or a transfer ended with NO_DEVICE), Unsupported
// (no modem interface, or a line control the device does not have).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/hal/transport.h"
#include "fax/hal/usb_cdc_acm.h"

namespace fax::hal {

// Which USB device: every field that is set must match.
struct UsbDeviceSelector {
    std::optional<uint16_t> vendor_id;
    std::optional<uint16_t> product_id;
    std::optional<uint8_t> bus;
    std::vector<uint8_t> port_path;      // e.g. {1, 4} for "1-1.4"; empty: any
    std::optional<std::string> serial;   // iSerialNumber string

    // "usb:1-1.4 0baf:0303" style, for logs (never the serial: it can be long and is not needed).
    std::string describe() const;
};

struct UsbTransportOptions {
    UsbDeviceSelector device;
    // Set for vendor-specific bulk modems (from a profile); unset: CDC-ACM from descriptors.
    std::optional<UsbVendorLayout> vendor_layout;
    LineSettings line;
    // Some modems' firmware waits for a zero-length packet after a write that is a
    // multiple of wMaxPacketSize (profile quirk).
    bool zero_length_packets = false;
    std::chrono::milliseconds control_timeout{1000};
    std::size_t read_chunk = 4096;  // bytes per bulk IN transfer (rounded up to wMaxPacketSize)
};

class UsbTransport final : public Transport {
public:
    explicit UsbTransport(UsbTransportOptions options);
    ~UsbTransport() override;
    UsbTransport(const UsbTransport&) = delete;
    UsbTransport& operator=(const UsbTransport&) = delete;
    UsbTransport(UsbTransport&&) = delete;
    UsbTransport& operator=(UsbTransport&&) = delete;

    Status open() override;
    void close() override;
    bool is_open() const override;

    Result<std::size_t> read(std::span<uint8_t> buf, std::chrono::milliseconds timeout) override;
    Result<std::size_t> write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override;
    // Input: discards what was received and not read. Output: nothing is queued
    // on the host (every write() waits for its transfer), so nothing to discard.
    Status flush(FlushQueue which) override;
    // Every write() has completed when it returns: the device has the bytes.
    Status drain(std::chrono::milliseconds timeout) override;

    // SET_CONTROL_LINE_STATE; Unsupported for a vendor bulk modem without a CDC interface.
    Status set_dtr(bool on) override;
    Status set_rts(bool on) override;
    // SET_LINE_CODING 8N1 at settings.baud when open (stored otherwise), plus flow control.
    Status configure(const LineSettings& settings) override;
    Status set_flow_control(FlowControl flow) override;

    std::string describe() const override;

    // ---- USB specifics (for diagnostics and tests) ----
    // The latest SERIAL_STATE from the interrupt endpoint (pumped by read/write);
    // nullopt until one arrived or when the device has no notification endpoint.
    std::optional<SerialState> serial_state() const;
    // Where the modem was found; nullopt while closed.
    std::optional<UsbModemLayout> layout() const;
    // The bus and port path of the open device, "1-1.4".
    std::string port_path() const;

    class Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace fax::hal
