#include "fax/sim/modem_quirks.h"

#include <charconv>
#include <vector>

namespace fax::sim {
namespace {

constexpr int kDefaultSlowAtzMs = 8000;
constexpr int kDefaultEarlyConnectMs = 100;
constexpr int kDefaultLateOkMs = 4000;
constexpr int kMaxMs = 120000;
constexpr int kMaxLines = 100000;

int to_ms(Samples s) { return static_cast<int>(s.count() / 8); }
Samples ms(int v) { return Samples{int64_t{v} * 8}; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

Result<int> number(std::string_view item, std::string_view value, int lo, int hi) {
    int v = 0;
    const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || p != value.data() + value.size() || v < lo || v > hi)
        return fail(Errc::InvalidArgument, "quirk \"" + std::string(item) + "\": the value must be a number from " +
                                               std::to_string(lo) + " to " + std::to_string(hi));
    return v;
}

}  // namespace

bool ModemQuirks::any() const { return *this != ModemQuirks{}; }

Result<ModemQuirks> parse_modem_quirks(std::string_view spec) {
    ModemQuirks q;
    spec = trim(spec);
    if (spec.empty()) return q;
    while (true) {
        const auto comma = spec.find(',');
        const std::string_view item = trim(spec.substr(0, comma));
        const auto eq = item.find('=');
        const std::string_view name = trim(item.substr(0, eq));
        const std::optional<std::string_view> value =
            eq == std::string_view::npos ? std::nullopt : std::optional<std::string_view>(trim(item.substr(eq + 1)));
        auto flag = [&](bool& out) -> Status {
            if (value) return fail(Errc::InvalidArgument, "quirk \"" + std::string(name) + "\" takes no value");
            out = true;
            return {};
        };
        auto millis = [&](Samples& out, int def) -> Status {
            int v = def;
            if (value) {
                auto n = number(name, *value, 1, kMaxMs);
                if (!n) return fail(n.take_error());
                v = *n;
            }
            out = ms(v);
            return {};
        };
        auto lines = [&](std::optional<int>& out) -> Status {
            int v = 0;
            if (value) {
                auto n = number(name, *value, 0, kMaxLines);
                if (!n) return fail(n.take_error());
                v = *n;
            }
            out = v;
            return {};
        };
        Status s;
        if (name == "slow-atz") s = millis(q.slow_atz, kDefaultSlowAtzMs);
        else if (name == "dle-bug") s = flag(q.dle_bug);
        else if (name == "carrier-drop") s = flag(q.carrier_drop);
        else if (name == "early-connect") s = millis(q.early_connect, kDefaultEarlyConnectMs);
        else if (name == "late-ok") s = millis(q.late_ok, kDefaultLateOkMs);
        else if (name == "xon-xoff") s = flag(q.xon_xoff);
        else if (name == "numeric-results") s = flag(q.numeric_results);
        else if (name == "mute") s = lines(q.mute_after);
        else if (name == "garbage") s = lines(q.garbage_after);
        else if (name == "truncated") s = lines(q.truncate_after);
        else if (name == "lost-xon") s = flag(q.lost_xon);
        else if (name.empty()) s = fail(Errc::InvalidArgument, "empty quirk in \"" + std::string(spec) + "\"");
        else
            s = fail(Errc::InvalidArgument,
                     "unknown quirk \"" + std::string(name) +
                         "\" (known: slow-atz, dle-bug, carrier-drop, early-connect, late-ok, xon-xoff, "
                         "numeric-results, mute, garbage, truncated, lost-xon)");
        if (!s) return fail(s.take_error());
        if (comma == std::string_view::npos) break;
        spec.remove_prefix(comma + 1);
    }
    return q;
}

std::string to_spec(const ModemQuirks& q) {
    std::vector<std::string> items;
    auto millis = [&](const char* name, Samples v, int def) {
        if (v.count() <= 0) return;
        items.push_back(to_ms(v) == def ? std::string(name) : std::string(name) + "=" + std::to_string(to_ms(v)));
    };
    auto lines = [&](const char* name, const std::optional<int>& v) {
        if (!v) return;
        items.push_back(*v == 0 ? std::string(name) : std::string(name) + "=" + std::to_string(*v));
    };
    millis("slow-atz", q.slow_atz, kDefaultSlowAtzMs);
    if (q.dle_bug) items.emplace_back("dle-bug");
    if (q.carrier_drop) items.emplace_back("carrier-drop");
    millis("early-connect", q.early_connect, kDefaultEarlyConnectMs);
    millis("late-ok", q.late_ok, kDefaultLateOkMs);
    if (q.xon_xoff) items.emplace_back("xon-xoff");
    if (q.numeric_results) items.emplace_back("numeric-results");
    lines("mute", q.mute_after);
    lines("garbage", q.garbage_after);
    lines("truncated", q.truncate_after);
    if (q.lost_xon) items.emplace_back("lost-xon");
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

std::string quirk_model_name(const std::string& base, const ModemQuirks& q) {
    const std::string spec = to_spec(q);
    return spec.empty() ? base : base + " [" + spec + "]";
}

}  // namespace fax::sim
