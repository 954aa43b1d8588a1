// faxsim: simulated Class 1 fax modems on pseudo-terminals, and reference fax
// machines, on one simulated telephone exchange, paced to real time.
//
//   faxsim --modem /tmp/faxA=5551001 --modem /tmp/faxB=5551002 [--class2] [--class2-only 5551002]
//          [--quirks 5551001=slow-atz] [--line t38 [--t38-gateway 5551009]]
//          --receiver 5551009=/tmp/rx --sender 5551010=page.tif@5551001,delay=5
//
// Prints one line per call event (and per finished fax) on stdout, and
// "faxsim: ready" once every modem link exists. Runs until SIGINT or SIGTERM,
// then removes its links and exits 0. Bad arguments: a message naming the
// argument on stderr, exit 2. Failure to set up (pty, directory): exit 1.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "fax/base/version.h"
#include "faxsim_options.h"
#include "fax/base/log.h"
#include "fax/base/unique_fd.h"
#include "fax/sim/pty_modem_port.h"
#include "fax/sim/realtime_loop.h"
#include "fax/sim/simulation.h"

namespace fax::faxsim {
namespace {

void say(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void complain(const std::string& line) {
    std::fputs(("faxsim: " + line + "\n").c_str(), stderr);
    std::fflush(stderr);
}

double seconds(Samples s) { return static_cast<double>(s.count()) / kSampleRate; }

// Receivers never overwrite: the next free NUMBER-<n>.tif, n = 1, 2, ...
std::string next_free_file(const std::string& dir, const std::string& number) {
    for (int n = 1;; ++n) {
        std::string path = dir + "/" + number + "-" + std::to_string(n) + ".tif";
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) return path;
    }
}

std::string describe_result(const sim::ReferenceTerminal& t, Samples now) {
    const auto& r = t.result();
    char head[64];
    std::snprintf(head, sizeof head, "%10.3f s  ", seconds(now));
    std::string s = head + t.number() + "  ";
    const bool sending = t.options().role == sim::TerminalOptions::Role::Send;
    if (r.call_failure) return s + "fax not sent: " + r.completion_text;
    s += sending ? "fax sent: " : "fax received: ";
    s += std::to_string(r.pages) + " page(s), " + r.completion_text;
    if (!r.remote_ident.empty()) s += ", remote '" + r.remote_ident + "'";
    if (r.bit_rate > 0) s += ", " + std::to_string(r.bit_rate) + " bit/s" + (r.ecm ? " ECM" : "");
    if (!sending && !r.files.empty() && r.pages > 0) s += " -> " + r.files.back();
    return s;
}

// Blocks SIGINT/SIGTERM and returns a signalfd for them: the loop sees a
// signal as a readable descriptor, and no work happens in a signal handler.
Result<UniqueFd> signal_fd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0)
        return fail(Errc::Io, std::string("sigprocmask: ") + std::generic_category().message(errno));
    UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) return fail(Errc::Io, std::string("signalfd: ") + std::generic_category().message(errno));
    return fd;
}

int run(const Options& o) {
    log::set_level(log::parse_level(o.log_level, log::Level::Warn));
    ::signal(SIGPIPE, SIG_IGN);
    auto sfd = signal_fd();
    if (!sfd) {
        complain(sfd.error().to_string());
        return 1;
    }

    sim::ExchangeOptions xo;
    xo.ring_limit = o.ring_limit;
    xo.line_kind = o.line == "t38" ? sim::LineKind::T38 : sim::LineKind::Audio;
    xo.t38_version = o.t38_version;
    sim::Simulation simulation(Samples{160}, xo);
    auto& exchange = simulation.exchange();
    for (const auto& n : o.t38_gateway) exchange.set_behind_gateway(n);
    exchange.set_event_handler([](const sim::CallEvent& e) { say(e.describe()); });
    for (const auto& n : o.busy) exchange.set_busy(n);
    for (const auto& n : o.no_answer) exchange.set_no_answer(n);
    for (const auto& n : o.no_dialtone) exchange.set_no_dialtone(n);

    std::vector<std::unique_ptr<sim::PtyModemPort>> ports;  // destroyed first: links go before the modems
    for (const auto& m : o.modems) {
        sim::ModemOptions mo;
        mo.offer_class2 = o.class2;  // +FCLASS=? then lists 2.0 and +FCLASS=2.0 selects T.32
        if (std::find(o.class2_only.begin(), o.class2_only.end(), m.number) != o.class2_only.end()) {
            mo.offer_class2 = true;  // and nothing else: +FCLASS=? lists 0,2.0; Class 1 commands ERROR
            mo.class1 = false;
        }
        for (const auto& q : o.quirks)
            if (q.number == m.number) {
                // The personality shows in +FMM?/ATI, so a station picks its profile by identity.
                mo.quirks = q.quirks;
                mo.model = sim::quirk_model_name(mo.model, q.quirks);
            }
        sim::SimModem& modem = simulation.add_modem(m.number, mo);
        auto port = sim::PtyModemPort::create(modem, m.link_path);
        if (!port) {
            complain("--modem " + m.link_path + "=" + m.number + ": " + port.error().to_string());
            return 1;
        }
        ports.push_back(std::move(*port));
    }
    for (const auto& r : o.receivers) {
        std::error_code ec;
        std::filesystem::create_directories(r.dir, ec);
        if (ec || !std::filesystem::is_directory(r.dir)) {
            complain("--receiver " + r.number + "=" + r.dir + ": cannot create directory" +
                     (ec ? ": " + ec.message() : std::string()));
            return 1;
        }
        sim::TerminalOptions t;
        t.role = sim::TerminalOptions::Role::Receive;
        t.ident = r.number;
        t.ecm = o.ecm;
        t.rx_file_for_call = [dir = r.dir, number = r.number](int) { return next_free_file(dir, number); };
        if (auto added = simulation.try_add_terminal(r.number, std::move(t)); !added) {
            complain("--receiver " + r.number + "=" + r.dir + ": " + added.error().to_string());
            return 1;
        }
    }
    for (const auto& s : o.senders) {
        sim::TerminalOptions t;
        t.role = sim::TerminalOptions::Role::Send;
        t.tiff = s.tiff;
        t.ident = s.number;
        t.ecm = o.ecm;
        t.dial = s.dial;
        t.dial_delay = Samples{static_cast<int64_t>(s.delay_s * kSampleRate)};
        if (auto added = simulation.try_add_terminal(s.number, std::move(t)); !added) {
            complain("--sender " + s.number + ": " + added.error().to_string());
            return 1;
        }
    }
    // --line-fault replaces a line's faults; --noise then only changes the noise level.
    for (const auto& f : o.line_faults) {
        simulation.exchange().set_line_faults(f.number, f.faults);
        say("faxsim: line fault on " + f.number + ": " + sim::to_spec(f.faults));
    }
    for (const auto& n : o.noise) simulation.set_line_noise(n.number, n.dbm0);

    sim::RealtimeLoop loop(simulation);
    for (auto& p : ports) loop.add_port(*p);
    // One line per finished fax.
    struct Seen {
        int calls = 0;
        bool failure = false;
    };
    std::vector<Seen> seen(simulation.terminals().size());
    loop.set_after_step([&] {
        const auto& terms = simulation.terminals();
        for (std::size_t i = 0; i < terms.size(); ++i) {
            const auto& r = terms[i]->result();
            if (!r.finished) continue;
            const bool failed_now = r.call_failure.has_value() && !seen[i].failure;
            if (r.calls > seen[i].calls || failed_now) {
                seen[i].calls = r.calls;
                seen[i].failure = seen[i].failure || failed_now;
                say(describe_result(*terms[i], simulation.now()));
            }
        }
    });

    for (const auto& p : ports) say("faxsim: modem " + p->modem().number() + " at " + p->link_path() + " (" + p->slave_path() + ")");
    if (xo.line_kind == sim::LineKind::T38) {
        std::string gw;
        for (const auto& n : o.t38_gateway) gw += (gw.empty() ? " (behind a gateway: " : ", ") + n;
        say("faxsim: line t38, T.38 version " + std::to_string(o.t38_version) + (gw.empty() ? "" : gw + ")"));
    }
    say("faxsim: ready");

    if (auto s = loop.run(sfd->get()); !s) {
        complain(s.error().to_string());
        return 1;
    }
    signalfd_siginfo info{};
    const ssize_t n = ::read(sfd->get(), &info, sizeof info);
    const int signo = n == static_cast<ssize_t>(sizeof info) ? static_cast<int>(info.ssi_signo) : 0;
    say(std::string("faxsim: ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    return 0;
}

}  // namespace
}  // namespace fax::faxsim

int main(int argc, char** argv) {
    using namespace fax::faxsim;
    CLI::App app{"faxsim: simulated Class 1 fax modems on pseudo-terminals and reference fax machines, "
                 "on one simulated telephone exchange, in real time"};
    app.set_version_flag("--version", std::string("faxsim ") + std::string(fax::kVersion));
    Options o;
    std::vector<std::string> modems, receivers, senders, noise, quirks, line_faults;
    bool no_ecm = false;
    app.add_option("--modem", modems, "PATH=NUMBER: a Class 1 modem whose port is a pty linked at PATH")
        ->type_name("PATH=NUMBER");
    app.add_option("--receiver", receivers, "NUMBER=DIR: a fax machine answering NUMBER, storing faxes in DIR")
        ->type_name("NUMBER=DIR");
    app.add_option("--sender", senders,
                   "NUMBER=TIFF@DIALNUMBER[,delay=SECONDS]: a fax machine that calls DIALNUMBER and sends TIFF")
        ->type_name("SPEC");
    app.add_option("--busy", o.busy, "NUMBER: calls to it get BUSY")->type_name("NUMBER");
    app.add_option("--no-answer", o.no_answer, "NUMBER: calls to it ring unanswered")->type_name("NUMBER");
    app.add_option("--no-dialtone", o.no_dialtone, "NUMBER: calls from this line get NO DIALTONE")
        ->type_name("NUMBER");
    app.add_option("--noise", noise, "NUMBER=DBM0: white noise on the audio toward NUMBER")->type_name("NUMBER=DBM0");
    app.add_option("--quirks", quirks,
                   "NUMBER=QUIRK[=VALUE][,...]: the modem at NUMBER misbehaves like real firmware: slow-atz[=MS], "
                   "dle-bug, carrier-drop, early-connect[=MS], late-ok[=MS], xon-xoff, numeric-results; or fails: "
                   "mute[=LINES], garbage[=LINES], truncated[=LINES], lost-xon. Its +FMM? then says "
                   "\"SimModem T31 [QUIRKS]\" (e.g. 5551001=slow-atz,numeric-results)")
        ->type_name("NUMBER=QUIRKS");
    app.add_option("--line-fault", line_faults,
                   "NUMBER=SPEC: faults on the line of NUMBER (docs/faults.md), comma-separated: noise=DBM0, "
                   "noise-seed=N, gain=DB, echo=DB/DELAY, dropout=LEN/PERIOD, drop-at=T (after answer), "
                   "drop-after-dial=T, drop-random=SEED[/FROM-TO], busy, no-answer, no-dialtone; times in s, ms or "
                   "samples (e.g. 12065550142=noise=-45,drop-at=20s)")
        ->type_name("NUMBER=SPEC");
    app.add_option("--line", o.line,
                   "audio (default): calls carry 8 kHz audio; t38: calls carry T.38 packets (fax over IP), "
                   "the modems' DTEs see the same Class 1 modem")
        ->type_name("audio|t38");
    app.add_option("--t38-gateway", o.t38_gateway,
                   "NUMBER: on a T.38 line, that equipment is analogue behind a T.38 gateway (an ATA)")
        ->type_name("NUMBER");
    app.add_option("--t38-version", o.t38_version, "T.38 version of every endpoint and gateway, 0..3 (default 0)");
    app.add_option("--ring-limit", o.ring_limit, "rings before an unanswered call gives NO ANSWER (default 8)");
    app.add_flag("--no-ecm", no_ecm, "reference fax machines do not offer ECM");
    app.add_flag("--class2", o.class2, "modems also offer Class 2.0 (ITU-T T.32): +FCLASS=2.0 runs T.30 in the modem");
    app.add_option("--class2-only", o.class2_only,
                   "NUMBER: that modem offers Class 2.0 only (+FCLASS=? lists 0,2.0; Class 1 commands answer ERROR)")
        ->type_name("NUMBER");
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn (default), error, off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --help-all, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }
    o.ecm = !no_ecm;

    auto bad_args = [](const fax::Error& e) {
        std::fprintf(stderr, "faxsim: %s\n", e.message.c_str());
        return 2;
    };
    for (const auto& a : modems) {
        auto m = parse_modem(a);
        if (!m) return bad_args(m.error());
        o.modems.push_back(*m);
    }
    for (const auto& a : receivers) {
        auto r = parse_receiver(a);
        if (!r) return bad_args(r.error());
        o.receivers.push_back(*r);
    }
    for (const auto& a : senders) {
        auto s = parse_sender(a);
        if (!s) return bad_args(s.error());
        o.senders.push_back(*s);
    }
    for (const auto& a : noise) {
        auto n = parse_noise(a);
        if (!n) return bad_args(n.error());
        o.noise.push_back(*n);
    }
    for (const auto& a : quirks) {
        auto q = parse_quirks(a);
        if (!q) return bad_args(q.error());
        o.quirks.push_back(*q);
    }
    for (const auto& a : line_faults) {
        auto f = fax::sim::parse_line_fault_option(a);
        if (!f) return bad_args(f.error());
        o.line_faults.push_back(*f);
    }
    if (auto s = validate(o); !s) return bad_args(s.error());
    return run(o);
}
