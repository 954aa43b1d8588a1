// Modem profiles: what differs between fax modem models, as data (STYLE.md §2).
// A profile says how to recognise a model (USB VID:PID and/or the answers to
// ATI, +FMI?, +FMM?, +FMR?) and which quirks and timings its firmware needs.
// Profiles come from TOML files (data/profiles/, profile_loader.h); the same
// files are compiled in as defaults. select_profile() is a pure function.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/hal/transport.h"
#include "fax/hal/usb_cdc_acm.h"
#include "fax/hal/usb_transport.h"

namespace fax::driver {

struct UsbId {
    uint16_t vendor_id = 0;
    uint16_t product_id = 0;
    friend bool operator==(const UsbId&, const UsbId&) = default;
};
// "0baf:0303" (hex, case-insensitive) -> UsbId.
std::optional<UsbId> parse_usb_id(std::string_view text);
std::string to_string(const UsbId& id);

// What is known about the modem on a port: its USB ids (if it is on USB) and
// its answers to the identification commands (V.250 §6.1.3 I; T.31 §8.1
// +FMI/+FMM/+FMR). Empty strings: not asked or no answer.
struct ModemIdentity {
    std::optional<UsbId> usb;
    std::string ati;  // ATI / ATI3 information text
    std::string fmi;  // +FMI? manufacturer
    std::string fmm;  // +FMM? model
    std::string fmr;  // +FMR? revision
};

// A regular expression (ECMAScript, case-insensitive, searched anywhere in the answer).
class IdentityPattern {
public:
    // InvalidInput if `text` is not a valid regular expression.
    static Result<IdentityPattern> create(std::string text);
    bool matches(const std::string& answer) const { return std::regex_search(answer, re_); }
    const std::string& text() const { return text_; }

private:
    IdentityPattern(std::string text, std::regex re) : text_(std::move(text)), re_(std::move(re)) {}
    std::string text_;
    std::regex re_;
};

struct ModemQuirks {
    // Wait between CONNECT and the first +FTM data byte: some firmware drops the
    // first bytes of training data if they arrive at once (T.31 §8.3.3).
    std::chrono::milliseconds connect_to_data_delay{0};
    // The modem reports NO CARRIER / drops the carrier between pages (after
    // +FTM data ends) even without DCN: treat it as end of page, not a failure.
    bool carrier_drop_between_pages = false;
    // How long ATZ may take (some firmware re-initialises the DSP for seconds).
    std::chrono::milliseconds reset_timeout{5000};
    // How long any other set-up command may take to be answered (firmware that is slow
    // to give its final result code in on-hook command mode).
    std::chrono::milliseconds command_timeout{3000};
    // Needs AT+FAR=1 (T.31 §8.5.1 adaptive reception) to receive reliably.
    bool needs_far = false;
    // The firmware implements Class 2.0 (T.32) as well as Class 1.
    bool class2_0 = false;
    // DTE-DCE flow control to configure (AT+IFC / AT+FLO and the transport).
    hal::FlowControl flow = hal::FlowControl::Hardware;
    // The modem's DLE handling in received data is broken (sends a lone DLE for
    // a 0x10 data byte instead of DLE DLE): the driver must treat DLE followed
    // by anything but ETX/DLE/SUB as data.
    bool dle_bug = false;
    // Result codes come as digits (V.250 §6.2.6 V0) and ATV1 does not stick.
    bool numeric_result_codes = false;
    // DTE rate for SET_LINE_CODING / termios.
    unsigned baud = 115200;
    // USB: send a zero-length packet after a write that fills whole packets.
    bool usb_zero_length_packets = false;
    // USB: a vendor-specific bulk modem (no CDC-ACM interface) and where its data flows.
    std::optional<hal::UsbVendorLayout> usb_vendor_layout;
};

struct ModemProfile {
    std::string id;      // file stem, e.g. "usr-5637"
    std::string name;    // for people
    std::vector<UsbId> usb_ids;
    std::optional<IdentityPattern> ati, fmi, fmm, fmr;
    ModemQuirks quirks;
    std::string source;  // "builtin:<id>" or the file path

    bool has_identity_patterns() const { return ati || fmi || fmm || fmr; }
    // A profile with no match criteria is a fallback ("generic").
    bool is_fallback() const { return usb_ids.empty() && !has_identity_patterns(); }
};

// How well `profile` fits `identity`; 0 = it does not apply. A VID:PID match
// outranks identity strings (it names the exact hardware); identity strings
// count only if every pattern the profile gives matches, one point each.
int match_score(const ModemProfile& profile, const ModemIdentity& identity);

// The best-scoring profile in `profiles`; ties go to the earlier one (load user
// profiles before built-ins to let them win). With no match: the first fallback
// profile in `profiles`, else the built-in "generic" profile.
const ModemProfile& select_profile(const ModemIdentity& identity, std::span<const ModemProfile> profiles);

// The profiles compiled into the program (the TOML files of data/profiles/ at
// build time), in file-name order. Includes "generic".
const std::vector<ModemProfile>& builtin_profiles();
const ModemProfile& generic_profile();

// The UsbTransport settings `profile` implies for the device `selector` names:
// DTE rate, flow control, zero-length packets and, for a vendor bulk modem, its
// interface layout. (The AT-level quirks are for the modem driver.)
hal::UsbTransportOptions usb_transport_options(const ModemProfile& profile, hal::UsbDeviceSelector selector);

}  // namespace fax::driver
