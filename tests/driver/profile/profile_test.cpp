// Modem profiles: the shipped TOML files load (from disk and compiled in), the
// loader rejects what it should with a message naming the key, select_profile
// is table-tested, and the udev rule covers every USB id a profile names.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "fax/driver/profile.h"
#include "fax/driver/profile_loader.h"

namespace fax::driver {
namespace {

const std::string kProfileDir = std::string(FAX_SOURCE_DIR) + "/data/profiles";

TEST(ProfileFiles, EveryShippedFileLoadsAndIsCompiledIn) {
    auto disk = load_profile_dir(kProfileDir);
    ASSERT_TRUE(disk.ok()) << disk.error().to_string();
    ASSERT_GE(disk->size(), 3u);
    const auto& builtin = builtin_profiles();
    ASSERT_EQ(builtin.size(), disk->size()) << "a data/profiles file failed to parse when compiled in";
    for (std::size_t i = 0; i < disk->size(); ++i) {
        EXPECT_EQ(builtin[i].id, (*disk)[i].id);
        EXPECT_EQ(builtin[i].name, (*disk)[i].name);
        EXPECT_EQ(builtin[i].usb_ids.size(), (*disk)[i].usb_ids.size());
        EXPECT_EQ(builtin[i].source, "builtin:" + builtin[i].id);
    }
    EXPECT_EQ(generic_profile().id, "generic");
    EXPECT_TRUE(generic_profile().is_fallback());
}

TEST(ProfileFiles, UdevRuleCoversEveryProfileUsbId) {
    std::ifstream in(std::string(FAX_SOURCE_DIR) + "/packaging/udev/60-faxstack.rules");
    ASSERT_TRUE(in) << "packaging/udev/60-faxstack.rules missing";
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string rules = ss.str();
    for (const auto& p : builtin_profiles()) {
        for (const auto& u : p.usb_ids) {
            const std::string id = to_string(u);
            const std::string want = "ATTR{idVendor}==\"" + id.substr(0, 4) + "\", ATTR{idProduct}==\"" + id.substr(5) + "\"";
            EXPECT_NE(rules.find(want), std::string::npos) << p.id << ": no udev rule for " << id;
        }
    }
    EXPECT_NE(rules.find("GROUP=\"faxstack\""), std::string::npos);
    EXPECT_NE(rules.find("KERNEL==\"ttyACM[0-9]*\""), std::string::npos);
}

// The package's AppStream metadata names the same USB ids (software centres offer the
// package for that hardware; lintian checks it against the udev rule).
TEST(ProfileFiles, AppstreamMetadataProvidesEveryProfileUsbId) {
    std::ifstream in(std::string(FAX_SOURCE_DIR) + "/packaging/metainfo/org.faxstack.faxstack.metainfo.xml");
    ASSERT_TRUE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string xml = ss.str();
    for (auto& c : xml) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const auto& p : builtin_profiles())
        for (const auto& u : p.usb_ids) {
            std::string id = to_string(u);
            for (auto& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const std::string want = "<MODALIAS>USB:V" + id.substr(0, 4) + "P" + id.substr(5) + "D*</MODALIAS>";
            EXPECT_NE(xml.find(want), std::string::npos) << p.id << ": no modalias for " << id;
        }
}

TEST(ProfileLoader, ReadsEveryField) {
    auto p = parse_profile(R"(
name = "Test modem"
[match]
usb = ["0BAF:0303", "1234:abcd"]
ati = "^Test"
fmi = "ACME"
fmm = "X[0-9]+"
fmr = "1\\.2"
[quirks]
connect_to_data_delay_ms = 80
carrier_drop_between_pages = true
reset_timeout_ms = 9000
command_timeout_ms = 7000
needs_far = true
class2_0 = true
flow_control = "software"
dle_bug = true
numeric_result_codes = true
baud = 57600
[usb]
zero_length_packets = true
vendor_interface = 2
bulk_in = 0x84
bulk_out = 0x05
notify_in = 0x83
)", "test", "test.toml");
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(p->id, "test");
    EXPECT_EQ(p->name, "Test modem");
    ASSERT_EQ(p->usb_ids.size(), 2u);
    EXPECT_EQ(p->usb_ids[0], (UsbId{0x0baf, 0x0303}));
    EXPECT_EQ(p->usb_ids[1], (UsbId{0x1234, 0xabcd}));
    ASSERT_TRUE(p->ati && p->fmi && p->fmm && p->fmr);
    EXPECT_EQ(p->fmm->text(), "X[0-9]+");
    const auto& q = p->quirks;
    EXPECT_EQ(q.connect_to_data_delay, std::chrono::milliseconds(80));
    EXPECT_TRUE(q.carrier_drop_between_pages);
    EXPECT_EQ(q.reset_timeout, std::chrono::milliseconds(9000));
    EXPECT_EQ(q.command_timeout, std::chrono::milliseconds(7000));
    EXPECT_TRUE(q.needs_far);
    EXPECT_TRUE(q.class2_0);
    EXPECT_EQ(q.flow, hal::FlowControl::Software);
    EXPECT_TRUE(q.dle_bug);
    EXPECT_TRUE(q.numeric_result_codes);
    EXPECT_EQ(q.baud, 57600u);
    EXPECT_TRUE(q.usb_zero_length_packets);
    ASSERT_TRUE(q.usb_vendor_layout);
    EXPECT_EQ(q.usb_vendor_layout->interface, 2);
    EXPECT_EQ(q.usb_vendor_layout->bulk_in, std::optional<uint8_t>(0x84));
    EXPECT_EQ(q.usb_vendor_layout->bulk_out, std::optional<uint8_t>(0x05));
    EXPECT_EQ(q.usb_vendor_layout->notify_in, std::optional<uint8_t>(0x83));
    const auto known = known_usb_models(std::span<const ModemProfile>(&*p, 1));
    ASSERT_EQ(known.size(), 2u);
    EXPECT_EQ(known[1].vendor_id, 0x1234);
    EXPECT_TRUE(known[1].vendor_layout.has_value());
}

TEST(ProfileLoader, DefaultsWhenQuirksAreOmitted) {
    auto p = parse_profile("name = \"Plain\"\n[match]\nfmi = \"X\"\n", "plain", "plain.toml");
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    const ModemQuirks d;
    EXPECT_EQ(p->quirks.reset_timeout, d.reset_timeout);
    EXPECT_EQ(p->quirks.flow, hal::FlowControl::Hardware);
    EXPECT_FALSE(p->quirks.usb_vendor_layout);
}

TEST(ProfileLoader, RejectsMistakesNamingTheKey) {
    struct Case {
        const char* toml;
        const char* must_mention;
    };
    const Case cases[] = {
        {"[quirks]\nneeds_far = true\n", "name"},
        {"name = \"x\"\n[quirks]\nneeds_fra = true\n", "quirks.needs_fra"},
        {"name = \"x\"\ncolour = \"red\"\n", "colour"},
        {"name = \"x\"\n[quirks]\nneeds_far = 1\n", "quirks.needs_far"},
        {"name = \"x\"\n[quirks]\nflow_control = \"rts\"\n", "quirks.flow_control"},
        {"name = \"x\"\n[quirks]\nreset_timeout_ms = 5\n", "quirks.reset_timeout_ms"},
        {"name = \"x\"\n[quirks]\nbaud = 0\n", "quirks.baud"},
        {"name = \"x\"\n[match]\nusb = [\"0baf-0303\"]\n", "match.usb"},
        {"name = \"x\"\n[match]\nusb = \"0baf:0303\"\n", "match.usb"},
        {"name = \"x\"\n[match]\nfmi = \"(unclosed\"\n", "match.fmi"},
        {"name = \"x\"\n[usb]\nbulk_in = 0x81\n", "usb.vendor_interface"},
        {"name = \"x\"\n[usb]\nvendor_interface = 0\n", "usb.vendor_interface"},
        {"name = \"x\"\n[match]\nusb = [\"0baf:0303\"]\n[usb]\nvendor_interface = 0\nbulk_in = 0x02\n", "usb.bulk_in"},
        {"name = \"x\"\nmatch = 3\n", "match"},
        {"name = \"x\"\n[quirks\n", "bad.toml:2"},
    };
    for (const auto& c : cases) {
        auto p = parse_profile(c.toml, "bad", "bad.toml");
        ASSERT_FALSE(p.ok()) << c.toml;
        EXPECT_EQ(p.error().code, Errc::InvalidInput) << c.toml;
        EXPECT_NE(p.error().message.find(c.must_mention), std::string::npos)
            << "message \"" << p.error().message << "\" does not mention " << c.must_mention;
    }
}

TEST(ProfileLoader, DirectoryErrorsNameTheFile) {
    const auto dir = std::filesystem::temp_directory_path() / ("faxprofiles-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "a-good.toml") << "name = \"Good\"\n[match]\nfmi = \"G\"\n";
    std::ofstream(dir / "b-bad.toml") << "name = \"Bad\"\n[quirks]\nbogus = 1\n";
    std::ofstream(dir / "notes.txt") << "not a profile";
    auto r = load_profile_dir(dir);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("b-bad.toml"), std::string::npos) << r.error().message;
    std::filesystem::remove(dir / "b-bad.toml");
    auto ok = load_profile_dir(dir);
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    ASSERT_EQ(ok->size(), 1u);
    EXPECT_EQ((*ok)[0].id, "a-good");
    std::filesystem::remove_all(dir);
    EXPECT_EQ(load_profile_dir(dir).error().code, Errc::NotFound);
}

// ---- select_profile, table-tested ----

ModemProfile profile(std::string id, std::vector<UsbId> usb, const char* ati = nullptr, const char* fmi = nullptr,
                     const char* fmm = nullptr) {
    ModemProfile p;
    p.id = std::move(id);
    p.name = p.id;
    p.usb_ids = std::move(usb);
    if (ati) p.ati = *IdentityPattern::create(ati);
    if (fmi) p.fmi = *IdentityPattern::create(fmi);
    if (fmm) p.fmm = *IdentityPattern::create(fmm);
    return p;
}

TEST(SelectProfile, Table) {
    const std::vector<ModemProfile> ps{
        profile("usr", {{0x0baf, 0x0303}}, "U\\.?S\\.? ?Robotics"),
        profile("cx", {{0x0572, 0x1329}}, nullptr, "CONEXANT"),
        profile("cx-model", {}, nullptr, "CONEXANT", "CX93001"),
        profile("sim", {}, nullptr, "^faxstack$", "^SimModem"),
        profile("fallback", {}),
    };
    struct Case {
        const char* name;
        ModemIdentity id;
        const char* want;
    };
    const std::vector<Case> cases{
        {"USB id alone", {UsbId{0x0baf, 0x0303}, "", "", "", ""}, "usr"},
        {"USB id beats identity strings of another profile",
         {UsbId{0x0572, 0x1329}, "", "CONEXANT", "CX93001", ""}, "cx"},
        {"identity strings over serial (no USB)", {std::nullopt, "", "Conexant", "CX93001-EIS", ""}, "cx-model"},
        {"case-insensitive search", {std::nullopt, "u.s. robotics 56k", "", "", ""}, "usr"},
        {"all of a profile's patterns must match", {std::nullopt, "", "faxstack", "Other", ""}, "fallback"},
        {"the simulated modem", {std::nullopt, "", "faxstack", "SimModem T31", ""}, "sim"},
        {"anchored pattern does not match a longer answer", {std::nullopt, "", "faxstack2", "SimModem", ""}, "fallback"},
        {"unknown USB id, no strings", {UsbId{0x1234, 0x5678}, "", "", "", ""}, "fallback"},
        {"nothing known", {}, "fallback"},
        {"two-pattern profile outranks one-pattern", {std::nullopt, "", "CONEXANT", "CX93001", ""}, "cx-model"},
    };
    for (const auto& c : cases) EXPECT_EQ(select_profile(c.id, ps).id, c.want) << c.name;
}

TEST(SelectProfile, TiesGoToTheEarlierProfileAndNoFallbackMeansGeneric) {
    const std::vector<ModemProfile> ps{profile("mine", {{0x0baf, 0x0303}}), profile("theirs", {{0x0baf, 0x0303}})};
    EXPECT_EQ(select_profile({UsbId{0x0baf, 0x0303}, "", "", "", ""}, ps).id, "mine");
    EXPECT_EQ(select_profile({UsbId{0x1111, 0x2222}, "", "", "", ""}, ps).id, "generic");
}

TEST(SelectProfile, UserProfilesOverrideBuiltins) {
    auto mine = parse_profile("name = \"My USR\"\n[match]\nusb = [\"0baf:0303\"]\n[quirks]\nreset_timeout_ms = 20000\n",
                              "usr-5637", "mine.toml");
    ASSERT_TRUE(mine.ok()) << mine.error().to_string();
    const auto all = merge_with_builtins({*mine});
    EXPECT_EQ(all.size(), builtin_profiles().size());  // replaced, not added
    const auto& p = select_profile({UsbId{0x0baf, 0x0303}, "", "", "", ""}, all);
    EXPECT_EQ(p.source, "mine.toml");
    EXPECT_EQ(p.quirks.reset_timeout, std::chrono::milliseconds(20000));
    // The built-ins themselves: the shipped ids select the shipped profiles.
    const auto& b = builtin_profiles();
    EXPECT_EQ(select_profile({UsbId{0x0572, 0x1329}, "", "", "", ""}, b).id, "conexant-cx93010");
    EXPECT_EQ(select_profile({std::nullopt, "", "faxstack", "SimModem T31", "0.1"}, b).id, "faxstack-sim");
    EXPECT_EQ(select_profile({std::nullopt, "", "Hayes", "Accura", ""}, b).id, "generic");
}

TEST(ProfileUsb, TransportOptionsFollowTheProfile) {
    auto p = parse_profile("name = \"V\"\n[match]\nusb = [\"1234:5678\"]\n[quirks]\nbaud = 57600\nflow_control = \"none\"\n"
                           "[usb]\nzero_length_packets = true\nvendor_interface = 1\nbulk_in = 0x82\n",
                           "v", "v.toml");
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    hal::UsbDeviceSelector sel;
    sel.vendor_id = 0x1234;
    sel.product_id = 0x5678;
    const auto o = usb_transport_options(*p, sel);
    EXPECT_EQ(o.device.vendor_id, std::optional<uint16_t>(0x1234));
    EXPECT_EQ(o.line.baud, 57600u);
    EXPECT_EQ(o.line.flow, hal::FlowControl::None);
    EXPECT_TRUE(o.zero_length_packets);
    ASSERT_TRUE(o.vendor_layout.has_value());
    EXPECT_EQ(o.vendor_layout->interface, 1);
    EXPECT_EQ(o.vendor_layout->bulk_in, std::optional<uint8_t>(0x82));
    EXPECT_FALSE(o.vendor_layout->bulk_out.has_value());
    // A CDC-ACM model: no vendor layout, defaults from generic.
    const auto g = usb_transport_options(generic_profile(), sel);
    EXPECT_FALSE(g.vendor_layout.has_value());
    EXPECT_EQ(g.line.flow, hal::FlowControl::Hardware);
    EXPECT_EQ(g.line.baud, 115200u);
}

TEST(ProfileIds, ParseUsbId) {
    EXPECT_EQ(parse_usb_id("0baf:0303"), (std::optional<UsbId>(UsbId{0x0baf, 0x0303})));
    EXPECT_EQ(parse_usb_id("FFFF:0000"), (std::optional<UsbId>(UsbId{0xffff, 0})));
    for (const char* bad : {"", "0baf", "0baf:", "baf:0303", "0baf:03030", "0bag:0303", "0baf-0303", "+baf:0303"})
        EXPECT_FALSE(parse_usb_id(bad).has_value()) << bad;
    EXPECT_EQ(to_string(UsbId{0x0803, 0x3095}), "0803:3095");
}

}  // namespace
}  // namespace fax::driver

namespace fax::driver {
namespace {

// The quirk personalities of the simulated modem announce themselves in +FMM? and ATI3
// ("SimModem T31 [slow-atz]"); each has its profile, which outscores the plain
// faxstack-sim profile, while the plain simulated modem keeps that one.
TEST(SelectProfile, SimulatedPersonalitiesSelectTheirProfiles) {
    const auto& b = builtin_profiles();
    struct Row {
        const char* spec;
        const char* id;
    };
    for (const Row& r : {Row{"slow-atz", "sim-slow-atz"}, Row{"numeric-results", "sim-numeric-results"},
                         Row{"carrier-drop", "sim-carrier-drop"}, Row{"early-connect", "sim-early-connect"},
                         Row{"dle-bug", "sim-dle-bug"}, Row{"late-ok", "sim-late-ok"}, Row{"xon-xoff", "sim-xon-xoff"}}) {
        const std::string model = std::string("SimModem T31 [") + r.spec + "]";
        const ModemIdentity id{std::nullopt, model + " faxstack " + model + " 0.1", "faxstack", model, "0.1"};
        EXPECT_EQ(select_profile(id, b).id, r.id) << r.spec;
    }
    const ModemIdentity plain{std::nullopt, "SimModem T31 faxstack SimModem T31 0.1", "faxstack", "SimModem T31", "0.1"};
    EXPECT_EQ(select_profile(plain, b).id, "faxstack-sim");
    // A combination no profile names falls to the plain simulated modem's profile.
    const std::string combo = "SimModem T31 [slow-atz,numeric-results]";
    EXPECT_EQ(select_profile({std::nullopt, combo, "faxstack", combo, "0.1"}, b).id, "faxstack-sim");
    // The quirks each one sets.
    auto find = [&](const std::string& pid) -> const ModemProfile& {
        for (const auto& p : b)
            if (p.id == pid) return p;
        return generic_profile();
    };
    EXPECT_EQ(find("sim-slow-atz").quirks.reset_timeout, std::chrono::milliseconds(15000));
    EXPECT_TRUE(find("sim-numeric-results").quirks.numeric_result_codes);
    EXPECT_TRUE(find("sim-carrier-drop").quirks.carrier_drop_between_pages);
    EXPECT_EQ(find("sim-early-connect").quirks.connect_to_data_delay, std::chrono::milliseconds(150));
    EXPECT_TRUE(find("sim-dle-bug").quirks.dle_bug);
    EXPECT_EQ(find("sim-late-ok").quirks.command_timeout, std::chrono::milliseconds(8000));
    EXPECT_EQ(find("sim-xon-xoff").quirks.flow, hal::FlowControl::Software);
}

}  // namespace
}  // namespace fax::driver
