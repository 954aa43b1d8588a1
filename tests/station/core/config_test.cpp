// The station's configuration file as a table: every key, its errors (naming the key),
// several modems and the queue, the example file, UTC offsets.
#include "fax/station/config.h"

#include <gtest/gtest.h>

namespace fax::station {
namespace {

TEST(StationConfig, DefaultsAndEveryKey) {
    auto d = parse_config_toml("", "empty.toml", "/etc/faxstack");
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    EXPECT_EQ(d->data_dir, "/var/lib/faxstack");
    EXPECT_FALSE(d->policy_file);
    EXPECT_EQ(d->flow, hal::FlowControl::Software);
    EXPECT_EQ(d->speed, 115200u);

    auto c = parse_config_toml(R"(
format = "faxstack-config/1"
[station]
data_dir = "data"
policy_file = "/etc/faxstack/policy.toml"
ident = "+1 206 555 0199"
log_level = "info"
[modem]
device = "/dev/ttyACM0"
speed = 57600
flow_control = "hardware"
ecm = false
call_limit_seconds = 300
[cover]
zone_label = "PST"
utc_offset = "-08:00"
[sender]
name = "Dana Whitfield"
department = "HIM"
phone = "206-555-0100"
fax = "206-555-0199"
)",
                               "station.toml", "/etc/faxstack");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->data_dir, "/etc/faxstack/data");  // relative to the file
    EXPECT_EQ(*c->policy_file, "/etc/faxstack/policy.toml");
    EXPECT_EQ(c->ident, "+1 206 555 0199");
    EXPECT_EQ(c->modem_device, "/dev/ttyACM0");
    EXPECT_EQ(c->speed, 57600u);
    EXPECT_EQ(c->flow, hal::FlowControl::Hardware);
    EXPECT_FALSE(c->ecm);
    EXPECT_EQ(c->call_limit, std::chrono::seconds(300));
    EXPECT_EQ(c->zone_label, "PST");
    EXPECT_EQ(c->utc_offset, std::chrono::minutes(-480));
    EXPECT_EQ(c->sender.fax, "206-555-0199");
    EXPECT_EQ(c->audit_db(), "/etc/faxstack/data/audit.db");
}

TEST(StationConfig, ErrorsNameTheKey) {
    const std::pair<const char*, const char*> cases[] = {
        {"colour = 1", "x.toml: colour: unknown key"},
        {"format = \"faxstack-config/2\"", "x.toml: format:"},
        {"[station]\ndatadir = \"/x\"", "x.toml: station.datadir: unknown key"},
        {"[station]\nident = \"123456789012345678901\"", "station.ident"},
        {"[station]\nlog_level = \"loud\"", "station.log_level"},
        {"[modem]\nspeed = \"fast\"", "modem.speed: must be an integer"},
        {"[modem]\nspeed = 100", "modem.speed"},
        {"[modem]\nflow_control = \"rts\"", "modem.flow_control"},
        {"[modem]\necm = 1", "modem.ecm"},
        {"[modem]\ncall_limit_seconds = 5", "modem.call_limit_seconds"},
        {"[cover]\nutc_offset = \"+15:00\"", "cover.utc_offset"},
        {"[cover]\ntz = \"PST\"", "cover.tz: unknown key"},
        {"[sender]\nemail = \"a@b\"", "sender.email: unknown key"},
        {"modem = \"/dev/ttyS0\"", "modem: must be a table"},
        {"[[modem]]\nspeed = 9600", "modem[0].device: is required"},
        {"[[modem]]\ndevice = \"/dev/a\"\n[[modem]]\ndevice = \"/dev/a\"", "modem[1].device: names a modem listed twice"},
        {"[[modem]]\ndevice = \"/dev/a\"\n[[modem]]\ndevice = \"/dev/b\"\nspeed = 7", "modem[1].speed"},
        {"[queue]\nmax_attempts = 0", "queue.max_attempts"},
        {"[station]\naudit_checkpoint_interval = 0", "station.audit_checkpoint_interval: must be between 1 and 1000"},
        {"[queue]\nretry_delays_seconds = []", "queue.retry_delays_seconds"},
        {"[queue]\nretry_delays_seconds = [60, \"x\"]", "queue.retry_delays_seconds: must be an array of integers"},
        {"[queue]\nclearance_hours = 1000", "queue.clearance_hours"},
        {"[queue]\nretries = 3", "queue.retries: unknown key"},
        {"[modem]\nprofile = \"usr-9999\"", "modem.profile: must be \"auto\" or one of"},
        {"[modem\n", "x.toml:1"},
        {"[limits]\nmax_pages = 0", "x.toml: limits.max_pages: must be between 1 and 65535"},
        {"[limits]\nmax_pages = \"many\"", "limits.max_pages: must be an integer"},
        {"[limits]\nmax_file_bytes = 100", "limits.max_file_bytes: must be between 4096 and"},
        {"[limits]\nmax_page_pixels = 1000", "limits.max_page_pixels: must be between 4200000 and 500000000"},
        {"[limits]\nmax_document_pixels = 5000000", "limits.max_document_pixels: must not be less than max_page_pixels"},
        {"[limits]\nmax_decompressed_bytes = 10", "limits.max_decompressed_bytes: must be between"},
        {"[limits]\nmax_cpu_seconds = 0", "limits.max_cpu_seconds: must be between 1 and 3600"},
        {"[limits]\nmax_seconds = 5", "limits.max_seconds: unknown key"},
        {"limits = 5", "limits: must be a table"},
    };
    for (const auto& [text, expected] : cases) {
        auto r = parse_config_toml(text, "x.toml", "/");
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().code, Errc::InvalidInput);
        EXPECT_NE(r.error().message.find(expected), std::string::npos) << text << " -> " << r.error().message;
    }
}

TEST(StationConfig, DocumentLimits) {
    auto d = parse_config_toml("", "empty.toml", "/etc/faxstack");
    ASSERT_TRUE(d.ok());
    const t30::DocumentLimits defaults;
    EXPECT_EQ(d->limits.max_pages, defaults.max_pages);
    EXPECT_EQ(d->limits.max_page_pixels, defaults.max_page_pixels);
    EXPECT_EQ(d->limits.max_cpu_seconds, defaults.max_cpu_seconds);
    auto c = parse_config_toml(R"(
[limits]
max_file_bytes = 1048576
max_pages = 300
max_page_pixels = 40000000
max_document_pixels = 800000000
max_decompressed_bytes = 268435456
max_cpu_seconds = 20
)",
                               "station.toml", "/etc/faxstack");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->limits.max_file_bytes, 1048576u);
    EXPECT_EQ(c->limits.max_pages, 300);
    EXPECT_EQ(c->limits.max_page_pixels, 40'000'000u);
    EXPECT_EQ(c->limits.max_document_pixels, 800'000'000u);
    EXPECT_EQ(c->limits.max_decompressed_bytes, 268435456u);
    EXPECT_EQ(c->limits.max_cpu_seconds, 20);
}

TEST(StationConfig, SeveralModemsAndTheQueue) {
    auto c = parse_config_toml(R"(
[[modem]]
device = "/dev/ttyACM0"
ecm = false
[[modem]]
device = "/dev/ttyACM1"
speed = 57600
[queue]
retry_delays_seconds = [5, 10]
max_attempts = 7
clearance_hours = 24
)",
                               "m.toml", "/");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_EQ(c->modems.size(), 2u);
    EXPECT_EQ(c->modems[0].device, "/dev/ttyACM0");
    EXPECT_FALSE(c->modems[0].ecm);
    EXPECT_EQ(c->modems[1].speed, 57600u);
    EXPECT_EQ(c->modem_device, "/dev/ttyACM0") << "faxctl send uses the first";
    EXPECT_FALSE(c->ecm);
    EXPECT_EQ(c->retry_delays, (std::vector<std::chrono::seconds>{std::chrono::seconds(5), std::chrono::seconds(10)}));
    EXPECT_EQ(c->max_attempts, 7);
    EXPECT_EQ(c->clearance_validity, std::chrono::hours(24));
    auto one = parse_config_toml("[modem]\ndevice = \"/dev/ttyS0\"\n", "o.toml", "/");
    ASSERT_TRUE(one.ok());
    ASSERT_EQ(one->modems.size(), 1u);
    EXPECT_EQ(one->modems[0].device, "/dev/ttyS0");
    auto none = parse_config_toml("", "n.toml", "/");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->modems.empty());
    EXPECT_EQ(none->max_attempts, 5);
    EXPECT_EQ(none->audit_checkpoint_interval, 1);
    auto every = parse_config_toml("[station]\naudit_checkpoint_interval = 20\n", "e.toml", "/");
    ASSERT_TRUE(every.ok()) << every.error().to_string();
    EXPECT_EQ(every->audit_checkpoint_interval, 20);
}

TEST(StationConfig, TheExampleFileIsValid) {
    auto c = load_config(std::filesystem::path(FAX_SOURCE_DIR) / "examples" / "faxstack.toml");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->modem_device, "/dev/ttyACM0");
    EXPECT_EQ(c->utc_offset, std::chrono::minutes(-480));
}

TEST(StationConfig, UtcOffsets) {
    EXPECT_EQ(parse_utc_offset("Z"), std::chrono::minutes(0));
    EXPECT_EQ(parse_utc_offset("+05:30"), std::chrono::minutes(330));
    EXPECT_EQ(parse_utc_offset("-08:00"), std::chrono::minutes(-480));
    EXPECT_EQ(parse_utc_offset("+14:00"), std::chrono::minutes(840));
    for (const char* bad : {"", "8", "-8:00", "+08:60", "+14:01", "08:00", "+0800"})
        EXPECT_FALSE(parse_utc_offset(bad)) << bad;
}

}  // namespace
}  // namespace fax::station
