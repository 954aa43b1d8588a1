#include "fax/driver/profile_loader.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

// Header-only toml++ without exceptions: parse errors come back as values and
// no toml++ exception can cross into the driver (STYLE.md §3).
#define TOML_EXCEPTIONS 0
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

namespace fax::driver {
namespace {

namespace fs = std::filesystem;

// One place that knows the schema, so the messages name the exact key.
class Reader {
public:
    Reader(const toml::table& root, std::string source) : root_(root), source_(std::move(source)) {}

    Status check_keys(const toml::table& t, const std::string& where, std::initializer_list<std::string_view> allowed) {
        for (auto&& [k, v] : t) {
            (void)v;
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end())
                return bad(where.empty() ? std::string(k.str()) : where + "." + std::string(k.str()), "unknown key");
        }
        return {};
    }

    const toml::table* table(const toml::table& t, std::string_view key) { return t[key].as_table(); }

    Result<std::optional<std::string>> string(const toml::table& t, const std::string& where, std::string_view key) {
        auto n = t[key];
        if (!n) return std::optional<std::string>{};
        if (!n.is_string()) return fail(bad(where + std::string(key), "must be a string").take_error());
        return std::optional<std::string>(*n.value<std::string>());
    }
    Result<std::optional<bool>> boolean(const toml::table& t, const std::string& where, std::string_view key) {
        auto n = t[key];
        if (!n) return std::optional<bool>{};
        if (!n.is_boolean()) return fail(bad(where + std::string(key), "must be true or false").take_error());
        return std::optional<bool>(*n.value<bool>());
    }
    Result<std::optional<int64_t>> integer(const toml::table& t, const std::string& where, std::string_view key,
                                           int64_t lo, int64_t hi) {
        auto n = t[key];
        if (!n) return std::optional<int64_t>{};
        if (!n.is_integer()) return fail(bad(where + std::string(key), "must be an integer").take_error());
        const int64_t v = *n.value<int64_t>();
        if (v < lo || v > hi)
            return fail(bad(where + std::string(key), "must be between " + std::to_string(lo) + " and " +
                                                          std::to_string(hi)).take_error());
        return std::optional<int64_t>(v);
    }

    Status bad(const std::string& key, const std::string& what) const {
        return fail(Errc::InvalidInput, source_ + ": " + key + ": " + what);
    }
    const toml::table& root() const { return root_; }
    const std::string& source() const { return source_; }

private:
    const toml::table& root_;
    std::string source_;
};

#define FAX_TAKE(var, expr)                                        \
    auto var##_r = (expr);                                         \
    if (!var##_r) return fail(var##_r.take_error());               \
    auto var = *var##_r

Status read_match(Reader& r, const toml::table& m, ModemProfile& p) {
    FAX_TRY(r.check_keys(m, "match", {"usb", "ati", "fmi", "fmm", "fmr"}));
    if (auto n = m["usb"]) {
        const toml::array* a = n.as_array();
        if (a == nullptr) return r.bad("match.usb", "must be an array of \"vvvv:pppp\" strings");
        for (const auto& e : *a) {
            auto s = e.value<std::string>();
            auto id = s ? parse_usb_id(*s) : std::nullopt;
            if (!id) return r.bad("match.usb", "\"" + s.value_or("?") + "\" is not \"vvvv:pppp\" (hex)");
            p.usb_ids.push_back(*id);
        }
    }
    struct Field {
        std::string_view key;
        std::optional<IdentityPattern>* out;
    };
    for (const Field& f : {Field{"ati", &p.ati}, Field{"fmi", &p.fmi}, Field{"fmm", &p.fmm}, Field{"fmr", &p.fmr}}) {
        FAX_TAKE(text, r.string(m, "match.", f.key));
        if (!text) continue;
        auto pat = IdentityPattern::create(*text);
        if (!pat) return r.bad("match." + std::string(f.key), pat.error().message);
        *f.out = std::move(*pat);
    }
    return {};
}

Status read_quirks(Reader& r, const toml::table& q, ModemQuirks& out) {
    FAX_TRY(r.check_keys(q, "quirks",
                         {"connect_to_data_delay_ms", "carrier_drop_between_pages", "reset_timeout_ms", "command_timeout_ms", "needs_far",
                          "class2_0", "flow_control", "dle_bug", "numeric_result_codes", "baud"}));
    const std::string w = "quirks.";
    FAX_TAKE(delay, r.integer(q, w, "connect_to_data_delay_ms", 0, 5000));
    if (delay) out.connect_to_data_delay = std::chrono::milliseconds(*delay);
    FAX_TAKE(drop, r.boolean(q, w, "carrier_drop_between_pages"));
    if (drop) out.carrier_drop_between_pages = *drop;
    FAX_TAKE(reset, r.integer(q, w, "reset_timeout_ms", 100, 60000));
    if (reset) out.reset_timeout = std::chrono::milliseconds(*reset);
    FAX_TAKE(cmd, r.integer(q, w, "command_timeout_ms", 100, 60000));
    if (cmd) out.command_timeout = std::chrono::milliseconds(*cmd);
    FAX_TAKE(far, r.boolean(q, w, "needs_far"));
    if (far) out.needs_far = *far;
    FAX_TAKE(c2, r.boolean(q, w, "class2_0"));
    if (c2) out.class2_0 = *c2;
    FAX_TAKE(flow, r.string(q, w, "flow_control"));
    if (flow) {
        if (*flow == "hardware")
            out.flow = hal::FlowControl::Hardware;
        else if (*flow == "software")
            out.flow = hal::FlowControl::Software;
        else if (*flow == "none")
            out.flow = hal::FlowControl::None;
        else
            return r.bad("quirks.flow_control", "must be \"hardware\", \"software\" or \"none\"");
    }
    FAX_TAKE(dle, r.boolean(q, w, "dle_bug"));
    if (dle) out.dle_bug = *dle;
    FAX_TAKE(num, r.boolean(q, w, "numeric_result_codes"));
    if (num) out.numeric_result_codes = *num;
    FAX_TAKE(baud, r.integer(q, w, "baud", 1200, 921600));
    if (baud) out.baud = static_cast<unsigned>(*baud);
    return {};
}

Status read_usb(Reader& r, const toml::table& u, ModemQuirks& out) {
    FAX_TRY(r.check_keys(u, "usb", {"zero_length_packets", "vendor_interface", "bulk_in", "bulk_out", "notify_in"}));
    const std::string w = "usb.";
    FAX_TAKE(zlp, r.boolean(u, w, "zero_length_packets"));
    if (zlp) out.usb_zero_length_packets = *zlp;
    FAX_TAKE(itf, r.integer(u, w, "vendor_interface", 0, 255));
    FAX_TAKE(in, r.integer(u, w, "bulk_in", 0x81, 0x8f));
    FAX_TAKE(o, r.integer(u, w, "bulk_out", 0x01, 0x0f));
    FAX_TAKE(n, r.integer(u, w, "notify_in", 0x81, 0x8f));
    if (!itf && (in || o || n)) return r.bad("usb.vendor_interface", "is required when endpoints are given");
    if (itf) {
        hal::UsbVendorLayout l;
        l.interface = static_cast<uint8_t>(*itf);
        if (in) l.bulk_in = static_cast<uint8_t>(*in);
        if (o) l.bulk_out = static_cast<uint8_t>(*o);
        if (n) l.notify_in = static_cast<uint8_t>(*n);
        out.usb_vendor_layout = l;
    }
    return {};
}

}  // namespace

Result<ModemProfile> parse_profile(std::string_view text, const std::string& id, const std::string& source) {
    toml::parse_result parsed = toml::parse(text, source);
    if (!parsed) {
        const auto& e = parsed.error();
        return fail(Errc::InvalidInput, source + ":" + std::to_string(e.source().begin.line) + ": " +
                                            std::string(e.description()));
    }
    const toml::table& root = parsed.table();
    Reader r(root, source);
    FAX_TRY(r.check_keys(root, "", {"name", "match", "quirks", "usb"}));
    ModemProfile p;
    p.id = id;
    p.source = source;
    FAX_TAKE(name, r.string(root, "", "name"));
    if (!name || name->empty()) return fail(r.bad("name", "is required").take_error());
    p.name = *name;
    for (std::string_view section : {"match", "quirks", "usb"})
        if (root[section] && !root[section].is_table()) return fail(r.bad(std::string(section), "must be a table").take_error());
    if (const auto* m = r.table(root, "match")) FAX_TRY(read_match(r, *m, p));
    if (const auto* q = r.table(root, "quirks")) FAX_TRY(read_quirks(r, *q, p.quirks));
    if (const auto* u = r.table(root, "usb")) FAX_TRY(read_usb(r, *u, p.quirks));
    if (p.quirks.usb_vendor_layout && p.usb_ids.empty())
        return fail(r.bad("usb.vendor_interface", "a vendor bulk layout needs match.usb ids to apply to").take_error());
    return p;
}

Result<ModemProfile> load_profile_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Errc::NotFound, path.string() + ": cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_profile(ss.str(), path.stem().string(), path.string());
}

Result<std::vector<ModemProfile>> load_profile_dir(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return fail(Errc::NotFound, dir.string() + ": no such directory");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".toml") files.push_back(e.path());
    if (ec) return fail(Errc::Io, dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    std::vector<ModemProfile> out;
    for (const auto& f : files) {
        auto p = load_profile_file(f);
        if (!p) return fail(p.take_error());
        out.push_back(std::move(*p));
    }
    return out;
}

std::vector<ModemProfile> merge_with_builtins(std::vector<ModemProfile> user) {
    std::set<std::string> ids;
    for (const auto& p : user) ids.insert(p.id);
    for (const auto& b : builtin_profiles())
        if (ids.count(b.id) == 0) user.push_back(b);
    return user;
}

std::vector<hal::KnownUsbModel> known_usb_models(std::span<const ModemProfile> profiles) {
    std::vector<hal::KnownUsbModel> out;
    for (const auto& p : profiles)
        for (const auto& u : p.usb_ids) out.push_back({u.vendor_id, u.product_id, p.quirks.usb_vendor_layout});
    return out;
}

}  // namespace fax::driver
