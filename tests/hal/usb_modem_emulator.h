// An emulated USB fax modem for tests, on umockdev: a umockdev testbed holds a
// root hub and the modem in sysfs (attributes, interfaces, binary descriptors),
// and an ioctl handler on the modem's /dev/bus/usb node plays the device side of
// usbfs (URB submit/reap/discard, claim, disconnect-claim, class requests). The
// technique is the one libusb's own tests/umockdev.c uses; the code is ours.
//
// The test process must run with libumockdev-preload.so (ctest sets LD_PRELOAD;
// usb_test_main.cpp re-executes itself with it when started by hand).
//
// Threading: umockdev runs the ioctl handler on its worker thread; everything the
// handler shares with the test thread is behind one mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/time.h"
#include "fax/hal/inprocess_link.h"

typedef struct _UMockdevTestbed UMockdevTestbed;
typedef struct _UMockdevIoctlBase UMockdevIoctlBase;
typedef struct _UMockdevIoctlClient UMockdevIoctlClient;
typedef struct _UMockdevIoctlData UMockdevIoctlData;

namespace fax::testing {

struct EmulatedUsbModemOptions {
    uint16_t vendor_id = 0x0baf;
    uint16_t product_id = 0x0303;
    std::string manufacturer = "U.S. Robotics";
    std::string product = "USB Modem";
    std::string serial = "0000001";
    // A vendor-specific bulk modem (interface 0, class 0xff, bulk 0x81/0x02, no
    // CDC interfaces) instead of a CDC-ACM one.
    bool vendor_bulk = false;
    // GETDRIVER reports cdc_acm bound to the CDC interfaces (so libusb detaches it).
    bool kernel_driver_bound = true;
    // SET_LINE_CODING stalls (an ACM device without line-coding support).
    bool line_coding_stalls = false;
    // The device takes bulk OUT data only this many bytes per URB (0: all); a short
    // URB completes with what was taken, like a device that NAKs the rest until timeout.
    std::size_t out_accept_limit = 0;
    // The first bulk IN URB that would carry data ends with a STALL (-EPIPE)
    // instead; the endpoint works again after CLEAR_HALT.
    bool stall_first_in = false;
};

class EmulatedUsbModem {
public:
    explicit EmulatedUsbModem(EmulatedUsbModemOptions options = {});
    ~EmulatedUsbModem();
    EmulatedUsbModem(const EmulatedUsbModem&) = delete;
    EmulatedUsbModem& operator=(const EmulatedUsbModem&) = delete;

    bool ok() const { return ok_; }
    const EmulatedUsbModemOptions& options() const { return opts_; }
    std::string root_dir() const { return root_dir_; }  // the testbed root ("/" as seen by the program)
    std::string sys_dir() const { return sys_dir_; }
    static constexpr const char* kSysPath = "/sys/devices/usb1/1-1";
    static constexpr const char* kDevNode = "/dev/bus/usb/001/002";

    // ---- the device side (any thread) ----
    std::vector<uint8_t> take_from_host();             // bulk OUT bytes, in order
    void send_to_host(std::span<const uint8_t> data);  // queued for bulk IN
    void notify_serial_state(uint16_t bits);           // queued for the interrupt endpoint
    // Removes the device from the testbed (uevent "remove"); from then on every
    // usbfs call on it fails with ENODEV and in-flight URBs end with -ESHUTDOWN,
    // as the kernel does on a real unplug.
    void unplug();
    // Puts it back (uevent "add") as after a power-up: nothing claimed, no line coding,
    // DTR off, queues empty. The same bus, port and identity.
    void replug();
    bool unplugged() const;

    // ---- what the host did ----
    std::optional<uint32_t> line_rate() const;
    uint16_t control_line_state() const;           // DTR bit 0, RTS bit 1
    int control_line_requests() const;
    std::vector<uint8_t> claimed_interfaces() const;  // currently claimed
    int kernel_detaches() const;                   // DISCONNECT(-CLAIM) of a bound interface
    int kernel_reattaches() const;                 // USBDEVFS_CONNECT
    std::size_t pending_to_host() const;
    int clear_halts() const;

    // Handler entry point (umockdev worker thread).
    bool handle_ioctl(UMockdevIoctlClient* client);

private:
    struct Urb {
        UMockdevIoctlData* data = nullptr;  // a reference we hold
        unsigned char type = 0;
        unsigned char endpoint = 0;
        int length = 0;
        bool ready = false;  // completed, waiting to be reaped
        int status = 0;
        int actual = 0;
    };
    void add_devices();
    std::string modem_description() const;  // the modem and its interfaces, for umockdev
    bool add_from_string(const std::string& description);
    bool submit(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    bool reap(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    bool discard(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    void control(Urb& u, uint8_t* buf);
    bool fill_in(Urb& u);
    std::vector<uint8_t> string_descriptor(uint8_t index) const;

    EmulatedUsbModemOptions opts_;
    UMockdevTestbed* testbed_ = nullptr;
    UMockdevIoctlBase* handler_ = nullptr;
    std::string root_dir_, sys_dir_;
    bool ok_ = false;

    mutable std::mutex mu_;
    std::deque<uint8_t> from_host_, to_host_;
    std::deque<uint16_t> notifications_;
    std::deque<Urb> flying_;
    std::array<uint8_t, 7> line_coding_{0x00, 0xc2, 0x01, 0x00, 0, 0, 8};  // 115200 8N1
    bool line_coding_set_ = false;
    uint16_t control_line_ = 0;
    int control_line_requests_ = 0;
    std::vector<uint8_t> claimed_;
    std::vector<uint8_t> bound_;  // interfaces with the kernel driver bound
    int detaches_ = 0, reattaches_ = 0;
    int clear_halts_ = 0;
    bool in_halted_ = false;
    bool stalled_once_ = false;
    bool unplugged_ = false;
};

// Joins the emulated device to a simulated modem's DTE port: bulk OUT bytes go
// to the modem's AT input, its output appears on bulk IN, and the host's DTR
// (SET_CONTROL_LINE_STATE) is the modem's DTR. Attach it to the Simulation
// before the host's stepper so each step's modem output is on the bus when the
// host reads.
class UsbSimBridge final : public Steppable {
public:
    UsbSimBridge(EmulatedUsbModem& usb, hal::InProcessLink& link);
    void step(Samples elapsed) override;

private:
    EmulatedUsbModem& usb_;
    hal::InProcessLink& link_;
    bool last_dtr_ = false;
};

}  // namespace fax::testing
