// ModemPort: the one place where a configured modem ([[modem]] in the station's
// configuration) becomes a transport, a profile and a session.
//
//   configured device  ->  hal::DeviceDescription   (a path as it is, or discovery)
//                      ->  hal::Transport            (hal::open_candidate: termios or libusb)
//                      ->  probe                     (driver::ModemProber: identity, classes)
//                      ->  driver::ModemProfile      (the one the identity selects, or a named one)
//                      ->  ModemClass                (Class 1 where offered; Class 2.0 where it is
//                                                     the only class or `class = "2.0"`)
//                      ->  t30::CallSession          (FaxSession or Class2Session, send or receive)
//
// The send role still demands the gate's ClearedRelease: a session that can dial is only
// ever made from one (SendRole holds it by value; it is consumed by the session).
// Nothing else in station/ or tools/ constructs a transport or a session
// (tests/scripts/layering_test.sh checks the tree).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/driver/cleared_release.h"
#include "fax/driver/modem_prober.h"
#include "fax/driver/profile.h"
#include "fax/hal/discovery.h"
#include "fax/hal/transport.h"
#include "fax/job/job_queue.h"
#include "fax/station/config.h"
#include "fax/t30/call_session.h"
#include "fax/t30/class2_session.h"
#include "fax/t30/fax_session.h"

namespace fax::station {

// How a configuration names a modem (modem.device):
//   /dev/ttyACM0, /dev/serial/by-id/..., a pty link   Path: used as it is
//   usb:VID:PID  or  usb:VID:PID:SERIAL                UsbId: that USB device, on any port
//   usb:BUS-PORT[.PORT...]                             UsbPort: whatever sits on that port
//   usb:BUS-PORT[.PORT...]:VID:PID[:SERIAL]            both (`faxctl modems` prints this form)
//   auto                                               the first discovered fax modem that no
//                                                      other [[modem]] has
struct DeviceSpec {
    enum class Kind { Path, Usb, Auto };
    Kind kind = Kind::Path;
    std::string text;  // as configured
    std::string path;  // Path
    // Usb: each part optional, but a port path or a VID:PID is given.
    std::optional<uint16_t> vendor_id, product_id;
    std::string serial;
    std::optional<uint8_t> bus;
    std::vector<uint8_t> port_path;
};
// InvalidInput naming what is wrong ("'usb:0baf' needs VID:PID or BUS-PORT").
Result<DeviceSpec> parse_device_spec(std::string_view text);
// Does a discovered device answer to the spec? (Path: its node or its stable id.)
bool matches(const DeviceSpec& spec, const hal::DeviceDescription& device);

enum class ModemClass { Class1, Class2 };
std::string_view to_string(ModemClass c);  // "1", "2.0"
// `class` in the configuration: "auto" (the default), "1" or "2.0". InvalidInput otherwise.
Result<std::optional<ModemClass>> parse_class_preference(std::string_view text);

// InvalidInput naming modem.profile if `id` is neither "auto" nor a known profile.
Status check_profile_name(const std::string& id);

// How the port finds devices: discovery's roots and the USB models the profiles know.
struct PortEnvironment {
    hal::DiscoveryRoots roots;
    std::vector<hal::KnownUsbModel> known;
};
// The real /sys and /dev, and the built-in profiles' USB models.
PortEnvironment default_port_environment();

// The retry ladder's step (job::Tuning) as session options. Class 1: the host's T.30
// offers only modulations up to the ceiling, ECM as tuned (and allowed by the modem's
// configuration), MMR only with ECM. Class 2.0 (T.32 §8.5.1.1 +FIS/+FCC): BR 5/3/1
// (14400 V.17, 9600 V.29, 4800 V.27ter), EC as tuned, DF MMR with ECM, else MR.
void apply_tuning(const job::Tuning& tuning, bool ecm_allowed, t30::SessionOptions& options);
void apply_tuning(const job::Tuning& tuning, bool ecm_allowed, t30::Class2Options& options);

// The page coding a send may use: Best lets the two ends agree (MMR needs ECM); a
// named one is the most compressed allowed (benchmarks measure each on its own).
enum class PageCoding { Best, MH, MR, MMR };

// One call's session, by role. Send consumes the release.
struct SendRole {
    gate::ClearedRelease release;
    job::Tuning tuning;                 // the retry ladder's step: fastest modulation, ECM
    std::string local_ident = "FAXSTACK";
    PageCoding coding = PageCoding::Best;
};
struct ReceiveRole {
    std::filesystem::path rx_path;       // where the received pages are written
    std::string local_ident = "FAXSTACK";
    Samples ring_timeout{0};             // 0: wait for RING for ever
};

class ModemPort {
public:
    ModemPort(ModemConfig config, PortEnvironment environment);

    const ModemConfig& config() const { return config_; }
    const DeviceSpec& spec() const { return spec_; }

    // The device the configuration names, as attached now, from hal::list_candidates. A
    // path that discovery does not list (a pty, a serial adapter it cannot see behind) is
    // used as it is, as a tty. `claimed`: stable ids other ports use (auto skips them).
    // NotFound when nothing attached answers to the spec.
    Result<hal::DeviceDescription> locate(std::span<const std::string> claimed = {}) const;

    // Locates and opens the device (hal::open_candidate). NotFound: absent; Io, Busy...
    // as hal says. Keeps the transport until close().
    Status open(std::span<const std::string> claimed = {});
    void close();
    bool is_open() const { return transport_ != nullptr; }
    hal::Transport& transport() { return *transport_; }
    // When the first byte was written to the modem since the last open() (by the probe or
    // the session), if any: the moment the station first acts on the modem (faxctl send
    // --timings). Written means accepted by the transport (the device's output queue).
    std::optional<std::chrono::steady_clock::time_point> first_write_at() const;
    // The device the port was last opened on (its stable id names it across re-plugs).
    const std::optional<hal::DeviceDescription>& attached() const { return attached_; }

    // The profile and class, settled once per attachment. With profile and class both
    // configured nothing needs asking; otherwise the open port is probed (a few seconds,
    // up to 20 s for a modem that answers ATZ slowly). A modem that does not answer gets
    // the generic profile and Class 1 (the call will then say what went wrong);
    // Unsupported if it offers neither Class 1 nor Class 2.0, or not the configured class.
    Status identify();
    // Probes the open port whatever is configured (faxctl probe) and settles the profile
    // and class from what it said; the result is the whole dialogue. Io/Disconnected if
    // the transport failed; a modem that never answered has result.status Timeout.
    Result<driver::ProbeResult> probe();
    bool identified() const { return profile_.has_value(); }
    // After a re-plug: the next identify() probes again (it may be another modem).
    void forget_identity();
    const driver::ModemProfile& profile() const { return *profile_; }
    ModemClass modem_class() const { return class_; }
    const std::vector<std::string>& classes_offered() const { return classes_; }  // +FCLASS=?, if probed

    // The session for one call (identify() first). The port need not be open: a session
    // is bytes in and out; the runner joins it to transport().
    Result<std::unique_ptr<t30::CallSession>> make_session(SendRole role) const;
    Result<std::unique_ptr<t30::CallSession>> make_session(ReceiveRole role) const;

    // The same for a modem that is not configured (a simulated modem in process, for
    // faxbench): the class and profile are given.
    static Result<std::unique_ptr<t30::CallSession>> make_session(ModemClass c, const driver::ModemProfile& profile,
                                                                  bool ecm, SendRole role);
    static Result<std::unique_ptr<t30::CallSession>> make_session(ModemClass c, const driver::ModemProfile& profile,
                                                                  bool ecm, ReceiveRole role);

private:
    // The profile and class from a probe's answer (or the generic profile and Class 1 for
    // a modem that did not answer). Unsupported if the modem offers no usable class.
    Status settle(const driver::ProbeResult& probe);

    ModemConfig config_;
    DeviceSpec spec_;
    std::optional<ModemClass> class_preference_;
    PortEnvironment env_;
    std::unique_ptr<hal::Transport> transport_;
    std::optional<hal::DeviceDescription> attached_;
    std::optional<driver::ModemProfile> profile_;
    ModemClass class_ = ModemClass::Class1;
    std::vector<std::string> classes_;
};

}  // namespace fax::station
