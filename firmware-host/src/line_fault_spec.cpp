#include "fax/sim/line_fault_spec.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <vector>

namespace fax::sim {

namespace {

// The longest duration a fault may name: a day of simulated time.
constexpr int64_t kMaxDurationSamples = int64_t{24} * 3600 * kSampleRate;

Unexpected bad(std::string_view item, const std::string& why) {
    return fail(Errc::InvalidArgument, "line fault '" + std::string(item) + "': " + why);
}

std::optional<double> number(std::string_view s) {
    if (s.empty()) return std::nullopt;
    if (s.front() == '+') s.remove_prefix(1);
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<uint64_t> unsigned_number(std::string_view s) {
    if (s.empty()) return std::nullopt;
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// NUMBER [s | ms | samples], >= 0.
std::optional<Samples> duration(std::string_view s) {
    double scale = kSampleRate;  // seconds
    if (ends_with(s, "samples")) {
        s.remove_suffix(7);
        const auto n = unsigned_number(s);
        if (!n || *n > static_cast<uint64_t>(kMaxDurationSamples)) return std::nullopt;
        return Samples{static_cast<int64_t>(*n)};
    }
    if (ends_with(s, "ms")) {
        s.remove_suffix(2);
        scale = kSampleRate / 1000.0;
    } else if (ends_with(s, "s")) {
        s.remove_suffix(1);
    }
    const auto v = number(s);
    if (!v || *v < 0) return std::nullopt;
    const double n = std::round(*v * scale);
    if (n > static_cast<double>(kMaxDurationSamples)) return std::nullopt;
    return Samples{static_cast<int64_t>(n)};
}

std::optional<std::pair<std::string_view, std::string_view>> split(std::string_view s, char sep) {
    const auto p = s.find(sep);
    if (p == std::string_view::npos) return std::nullopt;
    return std::pair{s.substr(0, p), s.substr(p + 1)};
}

std::string format_number(double v) {
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

std::string format_duration(Samples d) {
    const int64_t n = d.count();
    if (n > 0 && n < kSampleRate && n % 8 == 0) return std::to_string(n / 8) + "ms";
    // n / 8000 always has a finite decimal expansion of at most six places.
    std::string s = std::to_string(n / kSampleRate);
    const int64_t frac = n % kSampleRate * 125;  // millionths
    if (frac != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
        std::string f = buf;
        while (f.back() == '0') f.pop_back();
        s += f;
    }
    return s + "s";
}

std::string format_percent(double probability) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.12g", probability * 100.0);
    return buf;
}

// PCT: 0..100 (percent), stored as a probability.
std::optional<double> percent(std::string_view s) {
    const auto v = number(s);
    if (!v || *v < 0 || *v > 100) return std::nullopt;
    return *v / 100.0;
}

constexpr const char* kKnown =
    "unknown fault (noise, noise-seed, gain, echo, dropout, drop-at, drop-after-dial, drop-random, busy, no-answer, "
    "no-dialtone; T.38 packets: loss, delay, jitter, reorder, redundancy, packet-seed)";

// The T.38 packet items (LineFaults::Packets); false if `key` is not one.
std::optional<Status> parse_packet_item(std::string_view item, std::string_view key, std::string_view value,
                                        LineFaults& f) {
    constexpr Samples kMaxPacketDelay{10 * kSampleRate};
    auto packets = [&]() -> LineFaults::Packets& {
        if (!f.packets) f.packets = LineFaults::Packets{};
        return *f.packets;
    };
    if (key == "loss") {
        std::string_view pct = value;
        int burst = 1;
        if (const auto parts = split(value, '/')) {
            pct = parts->first;
            const auto b = unsigned_number(parts->second);
            if (!b || *b < 1 || *b > 100) return Status(bad(item, "loss burst must be 1 to 100 datagrams"));
            burst = static_cast<int>(*b);
        }
        const auto p = percent(pct);
        if (!p) return Status(bad(item, "loss wants PERCENT[/BURST], 0..100 (e.g. loss=2 or loss=5/3)"));
        packets().loss = *p;
        packets().burst = burst;
        return Status{};
    }
    if (key == "delay" || key == "jitter") {
        const auto d = duration(value);
        if (!d || *d > kMaxPacketDelay)
            return Status(bad(item, std::string(key) + " wants a duration up to 10 s (e.g. " + std::string(key) + "=40ms)"));
        (key == "delay" ? packets().delay : packets().jitter) = *d;
        return Status{};
    }
    if (key == "reorder") {
        std::string_view pct = value;
        Samples by = LineFaults::Packets{}.reorder_by;
        if (const auto parts = split(value, '/')) {
            pct = parts->first;
            const auto d = duration(parts->second);
            if (!d || d->count() < 1 || *d > kMaxPacketDelay)
                return Status(bad(item, "reorder hold-back must be 1 sample to 10 s"));
            by = *d;
        }
        const auto p = percent(pct);
        if (!p) return Status(bad(item, "reorder wants PERCENT[/HOLD] (e.g. reorder=5/30ms)"));
        packets().reorder = *p;
        packets().reorder_by = by;
        return Status{};
    }
    if (key == "redundancy") {
        const auto n = unsigned_number(value);
        if (!n || *n > 4) return Status(bad(item, "redundancy wants 0 to 4 earlier packets per datagram"));
        packets().redundancy = static_cast<int>(*n);
        return Status{};
    }
    if (key == "packet-seed") {
        const auto n = unsigned_number(value);
        if (!n) return Status(bad(item, "packet-seed wants an integer"));
        packets().seed = *n;
        return Status{};
    }
    return std::nullopt;
}

Status parse_item(std::string_view item, LineFaults& f) {
    const auto kv = split(item, '=');
    const std::string_view key = kv ? kv->first : item;
    const std::string_view value = kv ? kv->second : std::string_view{};
    auto flag = [&](bool& field) -> Status {
        if (kv) return bad(item, std::string(key) + " takes no value");
        field = true;
        return {};
    };
    if (key == "busy") return flag(f.busy);
    if (key == "no-answer") return flag(f.no_answer);
    if (key == "no-dialtone") return flag(f.no_dialtone);
    if (!kv) return bad(item, kKnown);
    if (auto p = parse_packet_item(item, key, value, f)) return std::move(*p);
    if (key == "noise") {
        const auto v = number(value);
        if (!v) return bad(item, "noise wants a level in dBm0 (e.g. noise=-35)");
        if (*v < -100 || *v > 0) return bad(item, "noise level must be between -100 and 0 dBm0");
        f.noise_dbm0 = *v;
        return {};
    }
    if (key == "noise-seed") {
        const auto v = unsigned_number(value);
        if (!v || *v > UINT32_MAX) return bad(item, "noise-seed wants an integer 0..4294967295");
        f.noise_seed = static_cast<std::uint32_t>(*v);
        return {};
    }
    if (key == "gain") {
        const auto v = number(value);
        if (!v) return bad(item, "gain wants dB (e.g. gain=-12)");
        if (*v < -60 || *v > 20) return bad(item, "gain must be between -60 and +20 dB");
        f.gain_db = *v;
        return {};
    }
    if (key == "echo") {
        const auto parts = split(value, '/');
        const auto level = parts ? number(parts->first) : std::nullopt;
        const auto delay = parts ? duration(parts->second) : std::nullopt;
        if (!level || !delay) return bad(item, "echo wants LEVEL_DB/DELAY (e.g. echo=-20/30ms)");
        if (*level < -60 || *level > 0) return bad(item, "echo level must be between -60 and 0 dB");
        if (delay->count() < 1 || *delay > Samples{kSampleRate}) return bad(item, "echo delay must be 1 sample to 1 s");
        f.echo = LineFaults::Echo{*delay, *level};
        return {};
    }
    if (key == "dropout") {
        const auto parts = split(value, '/');
        const auto length = parts ? duration(parts->first) : std::nullopt;
        const auto period = parts ? duration(parts->second) : std::nullopt;
        if (!length || !period) return bad(item, "dropout wants LENGTH/PERIOD (e.g. dropout=50ms/2s)");
        if (length->count() < 1 || *length >= *period) return bad(item, "dropout length must be > 0 and < period");
        f.dropouts = LineFaults::Dropouts{*length, *period};
        return {};
    }
    if (key == "drop-at" || key == "drop-after-dial") {
        const auto d = duration(value);
        if (!d) return bad(item, std::string(key) + " wants a duration (e.g. 12.5, 800ms, 100000samples)");
        (key == "drop-at" ? f.drop_after_answer : f.drop_after_dial) = *d;
        return {};
    }
    if (key == "drop-random") {
        LineFaults::RandomDrop r;
        std::string_view seed = value;
        if (const auto parts = split(value, '/')) {
            seed = parts->first;
            const auto window = split(parts->second, '-');
            const auto from = window ? duration(window->first) : std::nullopt;
            const auto to = window ? duration(window->second) : std::nullopt;
            if (!from || !to) return bad(item, "drop-random wants SEED[/FROM-TO] (e.g. drop-random=7/5-40)");
            if (*from >= *to) return bad(item, "drop-random window must have FROM < TO");
            r.from = *from;
            r.to = *to;
        }
        const auto s = unsigned_number(seed);
        if (!s) return bad(item, "drop-random wants an integer seed (e.g. drop-random=7)");
        r.seed = *s;
        f.drop_random = r;
        return {};
    }
    return bad(item, kKnown);
}

}  // namespace

Result<LineFaults> parse_line_faults(std::string_view spec) {
    if (spec.empty()) return fail(Errc::InvalidArgument, "line fault: empty specification");
    LineFaults f;
    std::set<std::string, std::less<>> seen;
    while (true) {
        const auto comma = spec.find(',');
        const std::string_view item = spec.substr(0, comma);
        if (item.empty()) return fail(Errc::InvalidArgument, "line fault: empty item in the specification");
        const std::string key(item.substr(0, item.find('=')));
        if (!seen.insert(key).second) return bad(item, key + " given twice");
        FAX_TRY(parse_item(item, f));
        if (comma == std::string_view::npos) break;
        spec.remove_prefix(comma + 1);
    }
    return f;
}

Result<LineFaultOption> parse_line_fault_option(std::string_view option) {
    const auto eq = option.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return fail(Errc::InvalidArgument, "line fault '" + std::string(option) + "': expected NUMBER=SPEC");
    const std::string_view num = option.substr(0, eq);
    for (char c : num)
        if (c < '0' || c > '9')
            return fail(Errc::InvalidArgument,
                        "line fault '" + std::string(option) + "': the number '" + std::string(num) + "' is not digits");
    auto faults = parse_line_faults(option.substr(eq + 1));
    if (!faults) return fail(faults.take_error());
    return LineFaultOption{std::string(num), std::move(*faults)};
}

std::string to_spec(const LineFaults& f) {
    std::vector<std::string> items;
    if (f.noise_dbm0) items.push_back("noise=" + format_number(*f.noise_dbm0));
    if (f.noise_seed) items.push_back("noise-seed=" + std::to_string(*f.noise_seed));
    if (f.gain_db != 0) items.push_back("gain=" + format_number(f.gain_db));
    if (f.echo) items.push_back("echo=" + format_number(f.echo->level_db) + "/" + format_duration(f.echo->delay));
    if (f.dropouts)
        items.push_back("dropout=" + format_duration(f.dropouts->length) + "/" + format_duration(f.dropouts->period));
    if (f.drop_after_answer) items.push_back("drop-at=" + format_duration(*f.drop_after_answer));
    if (f.drop_after_dial) items.push_back("drop-after-dial=" + format_duration(*f.drop_after_dial));
    if (f.drop_random) {
        std::string s = "drop-random=" + std::to_string(f.drop_random->seed);
        const LineFaults::RandomDrop def;
        if (f.drop_random->from != def.from || f.drop_random->to != def.to)
            s += "/" + format_duration(f.drop_random->from) + "-" + format_duration(f.drop_random->to);
        items.push_back(s);
    }
    if (f.packets) {
        const LineFaults::Packets& p = *f.packets;
        const LineFaults::Packets def;
        if (p.loss != 0 || p.burst != 1)
            items.push_back("loss=" + format_percent(p.loss) + (p.burst != 1 ? "/" + std::to_string(p.burst) : ""));
        if (p.delay.count() != 0) items.push_back("delay=" + format_duration(p.delay));
        if (p.jitter.count() != 0) items.push_back("jitter=" + format_duration(p.jitter));
        if (p.reorder != 0 || p.reorder_by != def.reorder_by)
            items.push_back("reorder=" + format_percent(p.reorder) +
                            (p.reorder_by != def.reorder_by ? "/" + format_duration(p.reorder_by) : ""));
        if (p.redundancy != 0) items.push_back("redundancy=" + std::to_string(p.redundancy));
        if (p.seed) items.push_back("packet-seed=" + std::to_string(*p.seed));
        // Packets{} with every knob at its default still means "set": say so with no loss.
        if (p == def) items.push_back("loss=0");
    }
    if (f.busy) items.push_back("busy");
    if (f.no_answer) items.push_back("no-answer");
    if (f.no_dialtone) items.push_back("no-dialtone");
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

}  // namespace fax::sim
