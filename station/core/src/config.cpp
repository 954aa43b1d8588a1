#include "fax/station/config.h"

#include "fax/station/modem_port.h"
#include "fax/store/database.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <system_error>

namespace fax::station {

std::string default_station_name() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) return "station";
    std::string name;
    for (const char* p = host; *p != '\0' && name.size() < 64; ++p) {
        const char ch = *p;
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_') name += ch;
    }
    return name.empty() ? std::string("station") : name;
}
namespace {

// Reads one table's keys with their types, and refuses keys it does not know.
class TableReader {
public:
    TableReader(const toml::table& t, std::string source, std::string prefix)
        : t_(t), source_(std::move(source)), prefix_(std::move(prefix)) {}

    Unexpected error(std::string_view key, std::string_view problem) const {
        return fail(Errc::InvalidInput, source_ + ": " + prefix_ + std::string(key) + ": " + std::string(problem));
    }

    Status only_keys(std::initializer_list<std::string_view> known) const {
        for (const auto& [k, v] : t_) {
            const std::string_view key = k.str();
            if (std::find(known.begin(), known.end(), key) == known.end()) return error(key, "unknown key");
        }
        return {};
    }

    Result<std::optional<std::string>> string(std::string_view key) const {
        const toml::node* n = t_.get(key);
        if (n == nullptr) return std::optional<std::string>();
        if (!n->is_string()) return error(key, "must be a string");
        return std::optional<std::string>(n->as_string()->get());
    }

    Result<std::optional<int64_t>> integer(std::string_view key) const {
        const toml::node* n = t_.get(key);
        if (n == nullptr) return std::optional<int64_t>();
        if (!n->is_integer()) return error(key, "must be an integer");
        return std::optional<int64_t>(n->as_integer()->get());
    }

    Result<std::optional<bool>> boolean(std::string_view key) const {
        const toml::node* n = t_.get(key);
        if (n == nullptr) return std::optional<bool>();
        if (!n->is_boolean()) return error(key, "must be true or false");
        return std::optional<bool>(n->as_boolean()->get());
    }

    // An array of integers (empty optional if absent).
    Result<std::optional<std::vector<int64_t>>> integers(std::string_view key) const {
        const toml::node* n = t_.get(key);
        if (n == nullptr) return std::optional<std::vector<int64_t>>();
        if (!n->is_array()) return error(key, "must be an array of integers");
        std::vector<int64_t> out;
        for (const auto& x : *n->as_array()) {
            if (!x.is_integer()) return error(key, "must be an array of integers");
            out.push_back(x.as_integer()->get());
        }
        return std::optional<std::vector<int64_t>>(std::move(out));
    }

    Result<const toml::table*> table(std::string_view key) const {
        const toml::node* n = t_.get(key);
        if (n == nullptr) return static_cast<const toml::table*>(nullptr);
        if (!n->is_table()) return error(key, "must be a table");
        return n->as_table();
    }

    const std::string& source() const { return source_; }

private:
    const toml::table& t_;
    std::string source_;
    std::string prefix_;
};

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
    std::filesystem::path path(p);
    return path.is_relative() && !base.empty() ? base / path : path;
}

bool supported_speed(int64_t s) {
    static constexpr int64_t kSpeeds[] = {9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600};
    return std::find(std::begin(kSpeeds), std::end(kSpeeds), s) != std::end(kSpeeds);
}

// Applies one optional string key.
#define FAXCTL_STRING(reader, key, target)              \
    do {                                                \
        auto v_ = (reader).string(key);                 \
        if (!v_) return fail(v_.take_error());          \
        if (*v_) (target) = **v_;                       \
    } while (0)

Status read_station(const TableReader& r, const std::filesystem::path& base, StationConfig& c) {
    FAX_TRY(r.only_keys({"data_dir", "policy_file", "ident", "log_level", "audit_checkpoint_interval", "name"}));
    FAXCTL_STRING(r, "name", c.name);
    if (c.name.empty() || c.name.size() > 64) return r.error("name", "must be 1 to 64 characters");
    for (char ch : c.name)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_'))
            return r.error("name", "must be letters, digits, '.', '-' or '_'");
    auto dir = r.string("data_dir");
    if (!dir) return fail(dir.take_error());
    if (*dir) {
        if ((*dir)->empty()) return r.error("data_dir", "must not be empty");
        c.data_dir = resolve(base, **dir);
    }
    auto pol = r.string("policy_file");
    if (!pol) return fail(pol.take_error());
    if (*pol) {
        if ((*pol)->empty()) return r.error("policy_file", "must not be empty (leave it out for the built-in policy)");
        c.policy_file = resolve(base, **pol);
    }
    FAXCTL_STRING(r, "ident", c.ident);
    if (c.ident.empty() || c.ident.size() > 20) return r.error("ident", "must be 1 to 20 characters (T.30 station id)");
    for (char ch : c.ident)
        if (ch < 0x20 || ch > 0x7e) return r.error("ident", "must be printable ASCII");
    FAXCTL_STRING(r, "log_level", c.log_level);
    static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
    if (std::find(std::begin(kLevels), std::end(kLevels), c.log_level) == std::end(kLevels))
        return r.error("log_level", "must be one of trace, debug, info, warn, error, off");
    auto every = r.integer("audit_checkpoint_interval");
    if (!every) return fail(every.take_error());
    if (*every) {
        if (**every < 1 || **every > 1000) return r.error("audit_checkpoint_interval", "must be between 1 and 1000");
        c.audit_checkpoint_interval = static_cast<int>(**every);
    }
    return {};
}

Status read_store(const TableReader& r, StationConfig& c) {
    FAX_TRY(r.only_keys({"url", "lease_seconds"}));
    auto url = r.string("url");
    if (!url) return fail(url.take_error());
    if (*url) {
        auto info = store::parse_postgres_url(**url);
        if (!info) return r.error("url", info.error().message.substr(info.error().message.find(": ") + 2));
        c.store_url = *info;
    }
    auto lease = r.integer("lease_seconds");
    if (!lease) return fail(lease.take_error());
    if (*lease) {
        if (**lease < 5 || **lease > 3600) return r.error("lease_seconds", "must be between 5 and 3600");
        c.lease = std::chrono::seconds(**lease);
    }
    return {};
}

Status read_modem(const TableReader& r, ModemConfig& c) {
    FAX_TRY(r.only_keys({"device", "class", "speed", "flow_control", "ecm", "call_limit_seconds", "answer", "profile"}));
    FAXCTL_STRING(r, "profile", c.profile);
    if (auto p = check_profile_name(c.profile); !p) return r.error("profile", p.error().message);
    FAXCTL_STRING(r, "device", c.device);
    if (!c.device.empty())
        if (auto d = parse_device_spec(c.device); !d) return r.error("device", d.error().message);
    FAXCTL_STRING(r, "class", c.modem_class);
    if (auto k = parse_class_preference(c.modem_class); !k) return r.error("class", k.error().message);
    auto answer = r.boolean("answer");
    if (!answer) return fail(answer.take_error());
    if (*answer) c.answer = **answer;
    auto speed = r.integer("speed");
    if (!speed) return fail(speed.take_error());
    if (*speed) {
        if (!supported_speed(**speed))
            return r.error("speed", "must be one of 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600");
        c.speed = static_cast<unsigned>(**speed);
    }
    auto flow = r.string("flow_control");
    if (!flow) return fail(flow.take_error());
    if (*flow) {
        if (**flow == "software") c.flow = hal::FlowControl::Software;
        else if (**flow == "hardware") c.flow = hal::FlowControl::Hardware;
        else if (**flow == "none") c.flow = hal::FlowControl::None;
        else return r.error("flow_control", "must be \"software\", \"hardware\" or \"none\"");
    }
    auto ecm = r.boolean("ecm");
    if (!ecm) return fail(ecm.take_error());
    if (*ecm) c.ecm = **ecm;
    auto limit = r.integer("call_limit_seconds");
    if (!limit) return fail(limit.take_error());
    if (*limit) {
        if (**limit < 30 || **limit > 7200) return r.error("call_limit_seconds", "must be between 30 and 7200");
        c.call_limit = std::chrono::seconds(**limit);
    }
    return {};
}

Status read_queue(const TableReader& r, StationConfig& c) {
    FAX_TRY(r.only_keys({"retry_delays_seconds", "max_attempts", "clearance_hours"}));
    auto delays = r.integers("retry_delays_seconds");
    if (!delays) return fail(delays.take_error());
    if (*delays) {
        if ((*delays)->empty() || (*delays)->size() > 20)
            return r.error("retry_delays_seconds", "must list 1 to 20 delays");
        c.retry_delays.clear();
        for (int64_t d : **delays) {
            if (d < 1 || d > 86400) return r.error("retry_delays_seconds", "each delay must be 1 to 86400 seconds");
            c.retry_delays.push_back(std::chrono::seconds(d));
        }
    }
    auto attempts = r.integer("max_attempts");
    if (!attempts) return fail(attempts.take_error());
    if (*attempts) {
        if (**attempts < 1 || **attempts > 50) return r.error("max_attempts", "must be between 1 and 50");
        c.max_attempts = static_cast<int>(**attempts);
    }
    auto hours = r.integer("clearance_hours");
    if (!hours) return fail(hours.take_error());
    if (*hours) {
        if (**hours < 1 || **hours > 720) return r.error("clearance_hours", "must be between 1 and 720");
        c.clearance_validity = std::chrono::hours(**hours);
    }
    return {};
}

Status read_cover(const TableReader& r, StationConfig& c) {
    FAX_TRY(r.only_keys({"zone_label", "utc_offset"}));
    FAXCTL_STRING(r, "zone_label", c.zone_label);
    if (c.zone_label.empty() || c.zone_label.size() > 16) return r.error("zone_label", "must be 1 to 16 characters");
    auto off = r.string("utc_offset");
    if (!off) return fail(off.take_error());
    if (*off) {
        auto m = parse_utc_offset(**off);
        if (!m) return r.error("utc_offset", "must look like \"-08:00\", \"+05:30\" or \"Z\"");
        c.utc_offset = *m;
    }
    return {};
}

Status read_sender(const TableReader& r, StationConfig& c) {
    FAX_TRY(r.only_keys({"name", "department", "phone", "fax"}));
    FAXCTL_STRING(r, "name", c.sender.name);
    FAXCTL_STRING(r, "department", c.sender.department);
    FAXCTL_STRING(r, "phone", c.sender.phone);
    FAXCTL_STRING(r, "fax", c.sender.fax);
    return {};
}

#undef FAXCTL_STRING

// One integer key of [limits] within [lo, hi]; the error names the key and the range.
template <typename T>
Status read_limit(const TableReader& r, std::string_view key, int64_t lo, int64_t hi, T& target) {
    auto v = r.integer(key);
    if (!v) return fail(v.take_error());
    if (!*v) return {};
    if (**v < lo || **v > hi)
        return r.error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    target = static_cast<T>(**v);
    return {};
}

Status read_limits(const TableReader& r, StationConfig& c) {
    FAX_TRY(r.only_keys({"max_file_bytes", "max_pages", "max_page_pixels", "max_document_pixels",
                         "max_decompressed_bytes", "max_cpu_seconds"}));
    t30::DocumentLimits& l = c.limits;
    FAX_TRY(read_limit(r, "max_file_bytes", 4096, int64_t{16} << 30, l.max_file_bytes));
    FAX_TRY(read_limit(r, "max_pages", 1, 65535, l.max_pages));
    // At least one fax page (1728 x 2376); at most what a page's 4-byte RGBA decode can hold.
    FAX_TRY(read_limit(r, "max_page_pixels", 4'200'000, 500'000'000, l.max_page_pixels));
    FAX_TRY(read_limit(r, "max_document_pixels", 4'200'000, int64_t{1'000'000'000'000}, l.max_document_pixels));
    FAX_TRY(read_limit(r, "max_decompressed_bytes", int64_t{1} << 20, int64_t{1} << 40, l.max_decompressed_bytes));
    FAX_TRY(read_limit(r, "max_cpu_seconds", 1, 3600, l.max_cpu_seconds));
    if (l.max_document_pixels < l.max_page_pixels)
        return r.error("max_document_pixels", "must not be less than max_page_pixels");
    return {};
}

}  // namespace

std::optional<std::chrono::minutes> parse_utc_offset(std::string_view s) {
    if (s == "Z" || s == "UTC") return std::chrono::minutes(0);
    // [+-]HH:MM, |offset| <= 14:00 (the widest in use, Line Islands).
    if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return std::nullopt;
    auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
    if (!digit(s[1]) || !digit(s[2]) || !digit(s[4]) || !digit(s[5])) return std::nullopt;
    const int h = (s[1] - '0') * 10 + (s[2] - '0');
    const int m = (s[4] - '0') * 10 + (s[5] - '0');
    if (m >= 60 || h * 60 + m > 14 * 60) return std::nullopt;
    const int total = h * 60 + m;
    return std::chrono::minutes(s[0] == '-' ? -total : total);
}

std::string_view to_string(hal::FlowControl flow) {
    switch (flow) {
    case hal::FlowControl::None: return "none";
    case hal::FlowControl::Hardware: return "hardware";
    case hal::FlowControl::Software: return "software";
    }
    return "none";
}

Result<StationConfig> parse_config_toml(std::string_view text, std::string_view source_name,
                                        const std::filesystem::path& base_dir) {
    const std::string source(source_name);
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        return fail(Errc::InvalidInput, source + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                                            ": " + std::string(e.description()));
    }
    StationConfig c;
    const TableReader top(root, source, "");
    FAX_TRY(top.only_keys({"format", "station", "store", "modem", "queue", "cover", "sender", "limits"}));
    auto fmt = top.string("format");
    if (!fmt) return fail(fmt.take_error());
    if (*fmt && **fmt != "faxstack-config/1") return top.error("format", "must be \"faxstack-config/1\"");

    struct Section {
        const char* name;
        std::function<Status(const TableReader&)> read;
    };
    const Section sections[] = {
        {"station", [&](const TableReader& r) { return read_station(r, base_dir, c); }},
        {"store", [&](const TableReader& r) { return read_store(r, c); }},
        {"queue", [&](const TableReader& r) { return read_queue(r, c); }},
        {"cover", [&](const TableReader& r) { return read_cover(r, c); }},
        {"sender", [&](const TableReader& r) { return read_sender(r, c); }},
        {"limits", [&](const TableReader& r) { return read_limits(r, c); }},
    };
    for (const auto& s : sections) {
        auto t = top.table(s.name);
        if (!t) return fail(t.take_error());
        if (*t == nullptr) continue;
        FAX_TRY(s.read(TableReader(**t, source, std::string(s.name) + ".")));
    }
    // [modem] (one modem) or [[modem]] (several, for the daemon; faxctl send uses the first).
    if (const toml::node* m = root.get("modem"); m != nullptr) {
        std::vector<const toml::table*> tables;
        if (m->is_table()) tables.push_back(m->as_table());
        else if (m->is_array_of_tables())
            for (const auto& t : *m->as_array()) tables.push_back(t.as_table());
        else return top.error("modem", "must be a table ([modem]) or an array of tables ([[modem]])");
        for (std::size_t i = 0; i < tables.size(); ++i) {
            ModemConfig mc;
            const std::string prefix = m->is_table() ? "modem." : "modem[" + std::to_string(i) + "].";
            FAX_TRY(read_modem(TableReader(*tables[i], source, prefix), mc));
            if (m->is_array() && mc.device.empty())
                return TableReader(*tables[i], source, prefix).error("device", "is required for each [[modem]]");
            for (const auto& other : c.modems)
                if (!mc.device.empty() && mc.device != "auto" && other.device == mc.device)
                    return TableReader(*tables[i], source, prefix).error("device", "names a modem listed twice");
            c.modems.push_back(std::move(mc));
        }
        const ModemConfig& first = c.modems.front();
        c.modem_device = first.device;
        c.speed = first.speed;
        c.flow = first.flow;
        c.ecm = first.ecm;
        c.call_limit = first.call_limit;
        if (c.modems.size() == 1 && c.modems.front().device.empty()) c.modems.clear();
    }
    c.source = source;
    return c;
}

ModemConfig StationConfig::send_modem() const {
    ModemConfig m;
    if (!modems.empty()) m = modems.front();
    m.device = modem_device;
    m.speed = speed;
    m.flow = flow;
    m.ecm = ecm;
    m.call_limit = call_limit;
    return m;
}

Result<StationConfig> load_config(const std::optional<std::filesystem::path>& explicit_path) {
    std::filesystem::path path;
    std::error_code ec;
    if (explicit_path) {
        path = *explicit_path;
        if (!std::filesystem::is_regular_file(path, ec))
            return fail(Errc::InvalidInput, path.string() + ": configuration file not found");
    } else if (std::filesystem::is_regular_file(kDefaultConfigPath, ec)) {
        path = kDefaultConfigPath;
    } else {
        return StationConfig{};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Errc::InvalidInput, path.string() + ": cannot read the configuration file");
    std::ostringstream ss;
    ss << in.rdbuf();
    auto abs = std::filesystem::absolute(path, ec);
    return parse_config_toml(ss.str(), path.string(), (ec ? path : abs).parent_path());
}

}  // namespace fax::station
