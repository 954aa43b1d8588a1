#include "faxsim_options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace fax::faxsim {

namespace {

Unexpected bad(std::string_view option, std::string_view arg, std::string_view why) {
    return fail(Errc::InvalidArgument, std::string(option) + " '" + std::string(arg) + "': " + std::string(why));
}

std::optional<double> to_double(std::string_view s) {
    if (s.empty()) return std::nullopt;
    double v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

}  // namespace

bool valid_number(std::string_view number) {
    if (number.empty() || number.size() > 20) return false;
    for (char c : number)
        if (c < '0' || c > '9') return false;
    return true;
}

Result<ModemSpec> parse_modem(std::string_view arg) {
    const auto eq = arg.rfind('=');
    if (eq == std::string_view::npos) return bad("--modem", arg, "expected PATH=NUMBER");
    ModemSpec m{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
    if (m.link_path.empty()) return bad("--modem", arg, "empty PATH");
    if (!valid_number(m.number)) return bad("--modem", arg, "NUMBER must be 1 to 20 digits");
    return m;
}

Result<ReceiverSpec> parse_receiver(std::string_view arg) {
    const auto eq = arg.find('=');
    if (eq == std::string_view::npos) return bad("--receiver", arg, "expected NUMBER=DIR");
    ReceiverSpec r{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
    if (!valid_number(r.number)) return bad("--receiver", arg, "NUMBER must be 1 to 20 digits");
    if (r.dir.empty()) return bad("--receiver", arg, "empty DIR");
    return r;
}

Result<SenderSpec> parse_sender(std::string_view arg) {
    const auto eq = arg.find('=');
    const auto at = arg.rfind('@');
    if (eq == std::string_view::npos || at == std::string_view::npos || at < eq)
        return bad("--sender", arg, "expected NUMBER=TIFF@DIALNUMBER[,delay=SECONDS]");
    SenderSpec s;
    s.number = std::string(arg.substr(0, eq));
    s.tiff = std::string(arg.substr(eq + 1, at - eq - 1));
    std::string_view rest = arg.substr(at + 1);
    const auto comma = rest.find(',');
    s.dial = std::string(rest.substr(0, comma));
    if (comma != std::string_view::npos) {
        const std::string_view opt = rest.substr(comma + 1);
        constexpr std::string_view kDelay = "delay=";
        if (opt.substr(0, kDelay.size()) != kDelay) return bad("--sender", arg, "unknown option (only delay=SECONDS)");
        const auto v = to_double(opt.substr(kDelay.size()));
        if (!v || *v < 0 || *v > 86400) return bad("--sender", arg, "delay must be 0 to 86400 seconds");
        s.delay_s = *v;
    }
    if (!valid_number(s.number)) return bad("--sender", arg, "NUMBER must be 1 to 20 digits");
    if (s.tiff.empty()) return bad("--sender", arg, "empty TIFF");
    if (!valid_number(s.dial)) return bad("--sender", arg, "DIALNUMBER must be 1 to 20 digits");
    return s;
}

Result<NoiseSpec> parse_noise(std::string_view arg) {
    const auto eq = arg.find('=');
    if (eq == std::string_view::npos) return bad("--noise", arg, "expected NUMBER=DBM0");
    NoiseSpec n;
    n.number = std::string(arg.substr(0, eq));
    if (!valid_number(n.number)) return bad("--noise", arg, "NUMBER must be 1 to 20 digits");
    const auto v = to_double(arg.substr(eq + 1));
    if (!v || *v > 0 || *v < -100) return bad("--noise", arg, "DBM0 must be a level from -100 to 0");
    n.dbm0 = *v;
    return n;
}

Result<QuirksSpec> parse_quirks(std::string_view arg) {
    const auto eq = arg.find('=');
    if (eq == std::string_view::npos) return bad("--quirks", arg, "expected NUMBER=QUIRK[,QUIRK...]");
    QuirksSpec q;
    q.number = std::string(arg.substr(0, eq));
    if (!valid_number(q.number)) return bad("--quirks", arg, "NUMBER must be 1 to 20 digits");
    if (eq + 1 == arg.size()) return bad("--quirks", arg, "no quirk given");
    auto parsed = sim::parse_modem_quirks(arg.substr(eq + 1));
    if (!parsed) return bad("--quirks", arg, parsed.error().message);
    q.quirks = *parsed;
    return q;
}

Status validate(const Options& o) {
    if (o.modems.empty() && o.receivers.empty() && o.senders.empty())
        return fail(Errc::InvalidArgument, "nothing to simulate: give at least one --modem, --receiver or --sender");
    std::set<std::string> numbers;
    std::set<std::string> links;
    auto claim = [&](const std::string& option, const std::string& number) -> Status {
        if (!numbers.insert(number).second)
            return fail(Errc::InvalidArgument, option + ": number " + number + " is used twice");
        return {};
    };
    for (const auto& m : o.modems) {
        FAX_TRY(claim("--modem", m.number));
        if (!links.insert(m.link_path).second)
            return fail(Errc::InvalidArgument, "--modem: path " + m.link_path + " is used twice");
    }
    for (const auto& r : o.receivers) FAX_TRY(claim("--receiver", r.number));
    for (const auto& s : o.senders) FAX_TRY(claim("--sender", s.number));
    for (const auto& [option, list] :
         {std::pair{"--busy", &o.busy}, std::pair{"--no-answer", &o.no_answer}, std::pair{"--no-dialtone", &o.no_dialtone}})
        for (const auto& n : *list)
            if (!valid_number(n))
                return fail(Errc::InvalidArgument, std::string(option) + " '" + n + "': NUMBER must be 1 to 20 digits");
    for (const auto& n : o.noise)
        if (!numbers.count(n.number))
            return fail(Errc::InvalidArgument, "--noise: number " + n.number + " is not a modem or terminal");
    std::set<std::string> quirky;
    for (const auto& q : o.quirks) {
        const bool modem = std::any_of(o.modems.begin(), o.modems.end(), [&](const ModemSpec& m) { return m.number == q.number; });
        if (!modem) return fail(Errc::InvalidArgument, "--quirks: number " + q.number + " is not a --modem");
        if (!quirky.insert(q.number).second)
            return fail(Errc::InvalidArgument, "--quirks: number " + q.number + " is given twice (list its quirks in one)");
    }
    for (const auto& n : o.class2_only) {
        const bool modem = std::any_of(o.modems.begin(), o.modems.end(), [&](const ModemSpec& m) { return m.number == n; });
        if (!modem) return fail(Errc::InvalidArgument, "--class2-only: number " + n + " is not a --modem");
    }
    if (o.line != "audio" && o.line != "t38")
        return fail(Errc::InvalidArgument, "--line '" + o.line + "': must be audio or t38");
    if (o.t38_version < 0 || o.t38_version > 3)
        return fail(Errc::InvalidArgument, "--t38-version " + std::to_string(o.t38_version) + ": must be 0 to 3");
    for (const auto& n : o.t38_gateway) {
        if (o.line != "t38")
            return fail(Errc::InvalidArgument, "--t38-gateway " + n + ": only on a T.38 line (--line t38)");
        if (!numbers.count(n))
            return fail(Errc::InvalidArgument, "--t38-gateway: number " + n + " is not a modem or terminal");
    }
    if (o.ring_limit < 1 || o.ring_limit > 100)
        return fail(Errc::InvalidArgument, "--ring-limit " + std::to_string(o.ring_limit) + ": must be 1 to 100");
    return {};
}

}  // namespace fax::faxsim
