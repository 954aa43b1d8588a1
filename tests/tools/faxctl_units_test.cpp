// faxctl's pure parts as tables: the configuration file and the mapping from a call's
// result to the audit trail's completion code.
#include <gtest/gtest.h>
#include <spandsp.h>

#include "config.h"
#include "fax/job/outcome_mapping.h"

namespace fax::faxctl {
namespace {

using gate::CompletionCode;
using job::completion_for;
using job::compression_label;
using job::outcome_for;
using job::pages_confirmed_by_mcf;

TEST(FaxctlConfig, DefaultsAndEveryKey) {
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

TEST(FaxctlConfig, ErrorsNameTheKey) {
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
        {"[queue]\nretry_delays_seconds = []", "queue.retry_delays_seconds"},
        {"[queue]\nretry_delays_seconds = [60, \"x\"]", "queue.retry_delays_seconds: must be an array of integers"},
        {"[queue]\nclearance_hours = 1000", "queue.clearance_hours"},
        {"[queue]\nretries = 3", "queue.retries: unknown key"},
        {"[modem]\nprofile = \"usr-9999\"", "modem.profile: must be \"auto\" or one of"},
        {"[modem\n", "x.toml:1"},
    };
    for (const auto& [text, expected] : cases) {
        auto r = parse_config_toml(text, "x.toml", "/");
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().code, Errc::InvalidInput);
        EXPECT_NE(r.error().message.find(expected), std::string::npos) << text << " -> " << r.error().message;
    }
}

TEST(FaxctlConfig, SeveralModemsAndTheQueue) {
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
}

TEST(FaxctlConfig, TheExampleFileIsValid) {
    auto c = load_config(std::filesystem::path(FAX_SOURCE_DIR) / "examples" / "faxstack.toml");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->modem_device, "/dev/ttyACM0");
    EXPECT_EQ(c->utc_offset, std::chrono::minutes(-480));
}

TEST(FaxctlConfig, UtcOffsets) {
    EXPECT_EQ(parse_utc_offset("Z"), std::chrono::minutes(0));
    EXPECT_EQ(parse_utc_offset("+05:30"), std::chrono::minutes(330));
    EXPECT_EQ(parse_utc_offset("-08:00"), std::chrono::minutes(-480));
    EXPECT_EQ(parse_utc_offset("+14:00"), std::chrono::minutes(840));
    for (const char* bad : {"", "8", "-8:00", "+08:60", "+14:01", "08:00", "+0800"})
        EXPECT_FALSE(parse_utc_offset(bad)) << bad;
}

t30::SessionResult with_pages(std::initializer_list<const char*> responses) {
    t30::SessionResult r;
    int n = 0;
    for (const char* resp : responses) r.page_outcomes.push_back({++n, resp, true});
    return r;
}

TEST(FaxctlOutcome, CompletionCodes) {
    struct Case {
        const char* name;
        t30::SessionResult result;
        Status run;
        int pages;
        CompletionCode expected;
        int confirmed;
    };
    auto failed = [](Errc c) {
        t30::SessionResult r;
        r.status = fail(c, "x");
        return r;
    };
    auto t30_code = [](int code) {
        t30::SessionResult r;
        r.completion_code = code;
        return r;
    };
    t30::SessionResult mismatch;
    mismatch.remote_ident_mismatch = true;
    mismatch.status = fail(Errc::Protocol, "ident");
    t30::SessionResult partial = with_pages({"MCF", "MCF"});
    partial.status = fail(Errc::NoCarrier, "lost");
    // RTP is not MCF: the page is not counted as delivered.
    t30::SessionResult rtp = with_pages({"MCF", "RTP", "MCF"});
    const Case cases[] = {
        {"all MCF", with_pages({"MCF", "MCF", "MCF"}), {}, 3, CompletionCode::Ok, 3},
        {"rtp", rtp, {}, 3, CompletionCode::Partial, 2},
        {"partial", partial, {}, 4, CompletionCode::Partial, 2},
        {"csi mismatch", mismatch, {}, 3, CompletionCode::CsiMismatch, 0},
        {"busy", failed(Errc::LineBusy), {}, 3, CompletionCode::Busy, 0},
        {"no answer", failed(Errc::NoAnswer), {}, 3, CompletionCode::NoAnswer, 0},
        {"no carrier", failed(Errc::NoCarrier), {}, 3, CompletionCode::NoCarrier, 0},
        {"no dialtone", failed(Errc::NoDialtone), {}, 3, CompletionCode::NoDialtone, 0},
        {"timeout", failed(Errc::Timeout), {}, 3, CompletionCode::Timeout, 0},
        {"protocol", failed(Errc::Protocol), {}, 3, CompletionCode::Protocol, 0},
        {"cancelled", failed(Errc::Cancelled), {}, 3, CompletionCode::Cancelled, 0},
        {"modem error", failed(Errc::ModemError), {}, 3, CompletionCode::Failed, 0},
        {"transport gone", t30::SessionResult{}, fail(Errc::Disconnected, "gone"), 3, CompletionCode::Failed, 0},
        {"t30 T1", t30_code(T30_ERR_T1_EXPIRED), {}, 3, CompletionCode::Timeout, 0},
        {"t30 other", t30_code(T30_ERR_INCOMPATIBLE), {}, 3, CompletionCode::Protocol, 0},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(completion_for(c.result, c.run, c.pages), c.expected) << c.name;
        EXPECT_EQ(pages_confirmed_by_mcf(c.result), c.confirmed) << c.name;
    }
}

TEST(FaxctlOutcome, OutcomeCarriesTheLineAndNoMore) {
    t30::SessionResult r = with_pages({"MCF", "MCF"});
    r.remote_ident = "12065550142";
    r.bit_rate = 14400;
    r.modulation = "V.17";
    r.compression = "MMR";
    r.ecm = true;
    const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    auto o = outcome_for(r, {}, 2, t0, t0 + std::chrono::seconds(42));
    EXPECT_EQ(o.completion, CompletionCode::Ok);
    EXPECT_EQ(o.pages_sent, 2);
    EXPECT_EQ(o.pages_confirmed, 2);
    EXPECT_EQ(o.remote_csi, "12065550142");
    EXPECT_EQ(o.negotiated.compression, "T.6");
    EXPECT_EQ(o.negotiated.bit_rate, 14400);
    EXPECT_TRUE(o.negotiated.ecm);
    EXPECT_EQ(o.finished_at - o.started_at, std::chrono::seconds(42));
    EXPECT_EQ(compression_label("MH"), "T.4 1D");
    EXPECT_EQ(compression_label("MR"), "T.4 2D");
}

}  // namespace
}  // namespace fax::faxctl
