// The station's configuration: where its databases and spool live, which policy it
// enforces, which modem it uses and how the cover dates are shown. Read from a TOML
// file (docs/faxctl.md, examples/faxstack.toml); every key is optional and absent keys
// keep the built-in defaults, but an unknown key or a bad value is an error naming
// the key (a typo must not silently keep a default).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/gate/request.h"
#include "fax/hal/transport.h"
#include "fax/t30/document_limits.h"

namespace fax::station {

// One modem of the station ([modem] or each [[modem]]).
struct ModemConfig {
    // A path (/dev/ttyACM0, /dev/serial/by-id/...), a USB identity (usb:VID:PID[:SERIAL]),
    // a USB port (usb:BUS-PORT[.PORT]), or "auto": modem_port.h.
    std::string device;
    // "auto": Class 1 where the modem offers it, else Class 2.0; or "1", "2.0".
    std::string modem_class = "auto";
    unsigned speed = 115200;
    hal::FlowControl flow = hal::FlowControl::Software;  // XON/XOFF while sending, as efax does
    bool ecm = true;
    std::chrono::seconds call_limit{600};
    // faxd answers calls on this modem and stores what it receives (it sends nothing on it).
    bool answer = false;
    // "auto": the profile the probe picks by the modem's identity; or a profile id.
    std::string profile = "auto";
};

// The host name, reduced to what station.name accepts ("station" if there is none).
std::string default_station_name();

struct StationConfig {
    // [station]
    std::filesystem::path data_dir = "/var/lib/faxstack";  // directory.db, audit.db, spool/
    std::optional<std::filesystem::path> policy_file;       // absent: the built-in policy
    std::string ident = "FAXSTACK";                          // our TSI, T.30 §5.3.6.2.4: <= 20 chars
    std::string log_level = "warn";
    int audit_checkpoint_interval = 1;  // a signed checkpoint at least every N audit entries
    // This station's name in the audit trail, job leases and modem status (several
    // stations share one store): the host name unless configured.
    std::string name = default_station_name();

    // [store]: empty url: SQLite files in data_dir (the embedded default); otherwise the
    // shared PostgreSQL database (a libpq connection string, never with a password).
    std::string store_url;
    std::chrono::seconds lease{30};  // a running attempt's lease, renewed while the call goes on
    bool shared_store() const { return !store_url.empty(); }

    // [modem]
    std::string modem_device;  // empty: none configured (send needs --modem then)
    unsigned speed = 115200;
    hal::FlowControl flow = hal::FlowControl::Software;  // XON/XOFF while sending, as efax does
    bool ecm = true;
    std::chrono::seconds call_limit{600};

    // Every configured modem with a device, in file order (the daemon runs jobs on all
    // of them); the [modem] fields above are the first one's, for faxctl send.
    std::vector<ModemConfig> modems;

    // [queue]: the daemon's retry schedule and how long a clearance stays good.
    std::vector<std::chrono::seconds> retry_delays{std::chrono::seconds(60), std::chrono::seconds(300),
                                                   std::chrono::seconds(900), std::chrono::seconds(1800)};
    int max_attempts = 5;
    std::chrono::hours clearance_validity{72};

    // [cover]
    std::string zone_label = "UTC";
    std::chrono::minutes utc_offset{0};

    // [sender]: defaults for the sender block of verification test faxes (release
    // requests carry their own).
    gate::SenderContact sender;

    // [limits]: bounded work for every document the station reads (t30/document_limits.h).
    t30::DocumentLimits limits;

    // Where it was read from; empty for the built-in defaults.
    std::filesystem::path source;

    // The modem a foreground send uses: the first configured one, on modem_device (which
    // --modem may have replaced).
    ModemConfig send_modem() const;

    std::filesystem::path directory_db() const { return data_dir / "directory.db"; }
    std::filesystem::path audit_db() const { return data_dir / "audit.db"; }
    std::filesystem::path audit_key() const { return data_dir / "audit-signing.key"; }  // and .pub
    std::filesystem::path spool_dir() const { return data_dir / "spool"; }
    std::filesystem::path queue_db() const { return data_dir / "queue.db"; }
    std::filesystem::path received_db() const { return data_dir / "received.db"; }
    std::filesystem::path received_dir() const { return data_dir / "received"; }  // <rx id>.tif (0600)
    std::filesystem::path reports_dir() const { return data_dir / "reports"; }  // <job>.png/.pdf
};

inline constexpr std::string_view kDefaultConfigPath = "/etc/faxstack/faxstack.toml";

// Errors are InvalidInput "<source>: <key>: <problem>". Relative paths in the file are
// resolved against `base_dir` (the file's directory).
Result<StationConfig> parse_config_toml(std::string_view text, std::string_view source_name,
                                        const std::filesystem::path& base_dir);

// `explicit_path` set: that file must exist. Otherwise kDefaultConfigPath if it exists,
// else the built-in defaults.
Result<StationConfig> load_config(const std::optional<std::filesystem::path>& explicit_path);

// "-08:00", "+05:30", "Z" -> minutes east of UTC.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text);
std::string_view to_string(hal::FlowControl flow);

}  // namespace fax::station
