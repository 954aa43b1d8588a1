#include "fax/driver/profile.h"

#include <charconv>
#include <cstdio>

#include "fax/base/log.h"
#include "fax/driver/profile_loader.h"

namespace fax::driver {

// Generated at build time from data/profiles/*.toml (builtin_profiles_data.cpp.in).
struct EmbeddedProfile {
    const char* id;
    const char* toml;
};
std::span<const EmbeddedProfile> embedded_profiles();

std::optional<UsbId> parse_usb_id(std::string_view text) {
    const auto colon = text.find(':');
    if (colon != 4 || text.size() != 9) return std::nullopt;
    auto hex = [](std::string_view s) -> std::optional<uint16_t> {
        uint16_t v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
        if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
        return v;
    };
    auto v = hex(text.substr(0, 4)), p = hex(text.substr(5));
    if (!v || !p) return std::nullopt;
    return UsbId{*v, *p};
}

std::string to_string(const UsbId& id) {
    char b[10];
    std::snprintf(b, sizeof b, "%04x:%04x", id.vendor_id, id.product_id);
    return b;
}

Result<IdentityPattern> IdentityPattern::create(std::string text) {
    // std::regex reports a bad pattern only by throwing; it is caught here, at
    // the one place patterns are compiled, and becomes a value.
    try {
        std::regex re(text, std::regex::ECMAScript | std::regex::icase);
        return IdentityPattern(std::move(text), std::move(re));
    } catch (const std::regex_error& e) {
        return fail(Errc::InvalidInput, "invalid regular expression \"" + text + "\": " + e.what());
    }
}

int match_score(const ModemProfile& p, const ModemIdentity& id) {
    int score = 0;
    if (id.usb) {
        for (const auto& u : p.usb_ids)
            if (u == *id.usb) {
                score += 100;
                break;
            }
    }
    if (p.has_identity_patterns()) {
        int points = 0;
        bool all = true;
        auto check = [&](const std::optional<IdentityPattern>& pat, const std::string& answer) {
            if (!pat) return;
            if (!answer.empty() && pat->matches(answer))
                ++points;
            else
                all = false;
        };
        check(p.ati, id.ati);
        check(p.fmi, id.fmi);
        check(p.fmm, id.fmm);
        check(p.fmr, id.fmr);
        if (all) score += points;
    }
    return score;
}

const ModemProfile& select_profile(const ModemIdentity& identity, std::span<const ModemProfile> profiles) {
    const ModemProfile* best = nullptr;
    int best_score = 0;
    for (const auto& p : profiles) {
        const int s = match_score(p, identity);
        if (s > best_score) {
            best = &p;
            best_score = s;
        }
    }
    if (best != nullptr) return *best;
    for (const auto& p : profiles)
        if (p.is_fallback()) return p;
    return generic_profile();
}

const std::vector<ModemProfile>& builtin_profiles() {
    static const std::vector<ModemProfile> profiles = [] {
        std::vector<ModemProfile> v;
        for (const auto& e : embedded_profiles()) {
            auto p = parse_profile(e.toml, e.id, std::string("builtin:") + e.id);
            if (p)
                v.push_back(std::move(*p));
            else  // a build that embedded a broken file; the profile tests catch this
                FAX_LOG(Error, "profile", p.error().to_string());
        }
        return v;
    }();
    return profiles;
}

const ModemProfile& generic_profile() {
    static const ModemProfile fallback = [] {
        for (const auto& p : builtin_profiles())
            if (p.id == "generic") return p;
        ModemProfile p;  // generic.toml missing from the build: plain defaults
        p.id = "generic";
        p.name = "Generic Class 1 modem";
        p.source = "builtin:defaults";
        return p;
    }();
    return fallback;
}

hal::UsbTransportOptions usb_transport_options(const ModemProfile& p, hal::UsbDeviceSelector selector) {
    hal::UsbTransportOptions o;
    o.device = std::move(selector);
    o.line.baud = p.quirks.baud;
    o.line.flow = p.quirks.flow;
    o.zero_length_packets = p.quirks.usb_zero_length_packets;
    o.vendor_layout = p.quirks.usb_vendor_layout;
    return o;
}

}  // namespace fax::driver
