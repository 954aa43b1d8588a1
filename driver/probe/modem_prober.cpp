#include "fax/driver/modem_prober.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace fax::driver {

// What a step's answer tells about the modem.
enum class ModemProber::Keep { Nothing, Ati, Ati3, Fmi, Fmm, Fmr, Classes, Ftm, Frm };

namespace {

using Keep = ModemProber::Keep;

struct Step {
    const char* command;
    Keep keep;
    bool reset;       // the longer reset timeout applies
    bool class1_only; // only worth asking once +FCLASS=1 was accepted
};

// V.250 §6.1 / T.31 §8.1 / T.32 §8.1. Echo off first so answers are not our own command;
// +FCLASS=1 before +FTM=?/+FRM=? (only Class 1 answers them); back to data mode at the end.
constexpr Step kSteps[] = {
    {"ATZ", Keep::Nothing, true, false},
    {"ATE0V1Q0", Keep::Nothing, false, false},
    {"ATI", Keep::Ati, false, false},
    {"ATI3", Keep::Ati3, false, false},
    {"AT+FCLASS=?", Keep::Classes, false, false},
    {"AT+FCLASS=1", Keep::Nothing, false, false},
    {"AT+FMI?", Keep::Fmi, false, false},
    {"AT+FMM?", Keep::Fmm, false, false},
    {"AT+FMR?", Keep::Fmr, false, false},
    {"AT+FTM=?", Keep::Ftm, false, true},
    {"AT+FRM=?", Keep::Frm, false, true},
    {"AT+FCLASS=0", Keep::Nothing, false, false},
};

std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += (s.empty() ? "" : " ") + l;
    return s;
}

// "+FMI: USRobotics" and plain "USRobotics" both give "USRobotics".
std::string strip_report(std::string s) {
    if (!s.empty() && s[0] == '+') {
        const auto colon = s.find(':');
        if (colon != std::string::npos) s = s.substr(colon + 1);
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.erase(0, 1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.pop_back();
    return s;
}

}  // namespace

ModemProber::ModemProber(ProbeOptions options) : opts_(options) {
    result_.identity.usb = opts_.usb;
    // The modem is not known yet: its result codes may come in words or, if its V1 does
    // not stick, in digits (the sessions, knowing the profile, take one form only).
    AtChannelOptions co;
    co.result_form = ResultForm::Either;
    channel_.configure(co);
}

void ModemProber::on_bytes(std::span<const uint8_t> bytes) { channel_.on_bytes(bytes); }

void ModemProber::advance_to(Samples now) {
    channel_.set_time(now);
    if (!started_) {
        started_ = true;
        runner_.run(steps(), step_sender(channel_), [this](Status s) { finish(std::move(s)); });
    }
}

std::vector<uint8_t> ModemProber::take_output() { return channel_.take_output(); }

std::vector<AtStep> ModemProber::steps() {
    std::vector<AtStep> out;
    for (const Step& s : kSteps) {
        AtStep step;
        step.command = s.command;
        step.timeout = s.reset ? opts_.reset_timeout : opts_.command_timeout;
        step.on_reply = [this, keep = s.keep](const AtStep& st, const Result<AtReply>& r) { return on_reply(st, keep, r); };
        if (s.class1_only)
            step.when = [this] {
                return std::find(result_.classes.begin(), result_.classes.end(), "1") != result_.classes.end();
            };
        out.push_back(std::move(step));
    }
    return out;
}

AtStepVerdict ModemProber::on_reply(const AtStep& step, Keep keep, const Result<AtReply>& r) {
    ProbeStep rec;
    rec.command = step.command;
    if (!r.ok()) {
        rec.outcome = r.error().code == Errc::Timeout ? "timeout" : r.error().to_string();
        result_.steps.push_back(rec);
        // Not one answer: nothing there, or not a modem at this rate.
        if (!any_answer_) return AtStepVerdict::fail(make_error(Errc::Timeout, step.command + ": no answer from the modem"));
        return AtStepVerdict::next();
    }
    any_answer_ = true;
    rec.outcome = std::string(to_string(r->result));
    rec.info = r->info;
    result_.steps.push_back(rec);
    if (r->result == AtResult::Ok) {
        const std::string text = joined(r->info);
        switch (keep) {
        case Keep::Nothing: break;
        case Keep::Ati: result_.identity.ati = text; break;
        case Keep::Ati3:
            if (!text.empty()) result_.identity.ati += (result_.identity.ati.empty() ? "" : " ") + text;
            break;
        case Keep::Fmi: result_.identity.fmi = strip_report(text); break;
        case Keep::Fmm: result_.identity.fmm = strip_report(text); break;
        case Keep::Fmr: result_.identity.fmr = strip_report(text); break;
        case Keep::Classes:
            if (auto c = parse_class_list(text)) result_.classes = std::move(*c);
            break;
        case Keep::Ftm:
            if (auto c = parse_int_list(text)) result_.ftm = std::move(*c);
            break;
        case Keep::Frm:
            if (auto c = parse_int_list(text)) result_.frm = std::move(*c);
            break;
        }
    }
    // A command answered with ERROR is recorded and the probe goes on.
    return AtStepVerdict::next();
}

void ModemProber::finish(Status status) {
    finished_ = true;
    if (!status.ok()) {
        result_.status = std::move(status);
        return;
    }
    const auto has = [&](std::string_view c) {
        return std::find(result_.classes.begin(), result_.classes.end(), c) != result_.classes.end();
    };
    result_.class1 = has("1") || has("1.0");
    result_.class2_0 = has("2.0");
    result_.modulations = support_from_codes(result_.ftm, result_.frm);
    const ModemProfile& p =
        select_profile(result_.identity, opts_.profiles.empty() ? std::span<const ModemProfile>(builtin_profiles())
                                                                : opts_.profiles);
    result_.profile_id = p.id;
    result_.profile_name = p.name;
}

Result<ProbeResult> run_probe(hal::Transport& transport, const ProbeOptions& options) {
    ModemProber prober(options);
    SteadyClock clock;
    std::array<uint8_t, 1024> buf{};
    (void)transport.flush(hal::FlushQueue::Input);  // stale bytes are not an answer
    prober.advance_to(clock.now());
    while (!prober.finished()) {
        auto out = prober.take_output();
        if (!out.empty()) FAX_TRY(hal::write_all(transport, out, std::chrono::milliseconds(2000)));
        auto n = transport.read(buf, std::chrono::milliseconds(20));
        if (!n) return fail(n.take_error());
        if (*n > 0) prober.on_bytes(std::span<const uint8_t>(buf.data(), *n));
        prober.advance_to(clock.now());
    }
    return prober.result();
}

std::string probe_to_json(const ProbeResult& r) {
    nlohmann::json j;
    j["ok"] = r.status.ok();
    if (!r.status.ok()) j["error"] = r.status.error().to_string();
    j["identity"] = {{"ati", r.identity.ati}, {"fmi", r.identity.fmi}, {"fmm", r.identity.fmm}, {"fmr", r.identity.fmr}};
    if (r.identity.usb) j["identity"]["usb"] = to_string(*r.identity.usb);
    j["classes"] = r.classes;
    j["class1"] = r.class1;
    j["class2_0"] = r.class2_0;
    j["ftm"] = r.ftm;
    j["frm"] = r.frm;
    j["modulations"] = {{"v27ter", r.modulations.v27ter}, {"v29", r.modulations.v29}, {"v17", r.modulations.v17}};
    j["profile"] = {{"id", r.profile_id}, {"name", r.profile_name}};
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : r.steps) steps.push_back({{"command", s.command}, {"outcome", s.outcome}, {"info", s.info}});
    j["steps"] = steps;
    return j.dump(2);
}

}  // namespace fax::driver
