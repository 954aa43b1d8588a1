// faxd: the release station's daemon. Runs the queued jobs (faxctl send --queue) on
// every configured modem, retries on the configured schedule, and survives crashes:
// see daemon.h and docs/station.md.
//
//   faxd [--config FILE] [--data-dir DIR] [--modem DEVICE ...] [--exit-when-idle] [-v]
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "fax/base/version.h"
#include "fax/station/daemon.h"
#include "fax/base/log.h"
#include "fax/station/station.h"

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
    // A second line of defence: the station creates its files and directories with their
    // final modes (fax/base/private_file.h); anything else made here is private too.
    ::umask(077);
    CLI::App app{"faxd: runs the release station's queued fax jobs on all configured modems"};
    app.set_version_flag("--version", std::string("faxd ") + std::string(fax::kVersion));
    std::string config_file, data_dir, log_level;
    std::vector<std::string> modems;
    bool exit_when_idle = false, no_reports = false;
    int verbose = 0;
    app.add_option("--config", config_file, "configuration file (default /etc/faxstack/faxstack.toml if present)")
        ->type_name("FILE");
    app.add_option("--data-dir", data_dir, "data directory; overrides station.data_dir")->type_name("DIR");
    app.add_option("--modem", modems,
                   "modem (repeatable): a path, usb:VID:PID[:SERIAL], usb:BUS-PORT or auto; replaces the configured [[modem]]s")
        ->type_name("DEVICE");
    app.add_flag("--exit-when-idle", exit_when_idle, "exit once no job is queued or running");
    app.add_flag("--no-reports", no_reports, "do not write transmission reports");
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off (default: station.log_level)");
    app.add_flag("-v,--verbose", verbose, "more log output (-v info, -vv debug)");
    CLI11_PARSE(app, argc, argv);

    auto config = fax::station::load_config(config_file.empty() ? std::nullopt
                                                               : std::optional<std::filesystem::path>(config_file));
    if (!config) {
        std::fprintf(stderr, "faxd: %s\n", config.error().to_string().c_str());
        return 2;
    }
    if (!data_dir.empty()) config->data_dir = data_dir;
    auto level = fax::log::parse_level(log_level.empty() ? config->log_level : log_level, fax::log::Level::Warn);
    if (verbose >= 2) level = std::min(level, fax::log::Level::Debug);
    else if (verbose == 1) level = std::min(level, fax::log::Level::Info);
    fax::log::set_level(level);

    fax::station::DaemonOptions opts;
    opts.ident = config->ident;
    opts.exit_when_idle = exit_when_idle;
    opts.reports = !no_reports;
    if (!modems.empty()) {
        for (const auto& m : modems) {
            fax::station::ModemConfig mc = config->send_modem();  // line settings of the first
            mc.device = m;
            if (auto d = fax::station::parse_device_spec(m); !d) {
                std::fprintf(stderr, "faxd: --modem: %s\n", d.error().message.c_str());
                return 2;
            }
            opts.modems.push_back(mc);
        }
    } else {
        opts.modems = config->modems;
    }

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    auto station = fax::station::Station::open(*config);
    // A shared store that cannot be reached: faxd waits for it (clearing and dialling
    // nothing) instead of exiting, and starts once the server answers.
    bool said = false;
    while (!station && station.error().code == fax::Errc::Unavailable && g_stop == 0) {
        if (!said) std::fprintf(stderr, "faxd: %s: waiting for the store; nothing is cleared or dialled\n",
                                station.error().to_string().c_str());
        said = true;
        ::sleep(1);
        station = fax::station::Station::open(*config);
    }
    if (!station) {
        std::fprintf(stderr, "faxd: %s\n", station.error().to_string().c_str());
        if (station.error().code == fax::Errc::Unavailable) return 6;
        // A data directory that is not private is the operator's to fix, like a bad configuration.
        // So is a store schema this program does not know (faxctl store migrate, or upgrade).
        return station.error().code == fax::Errc::InvalidInput || station.error().code == fax::Errc::Unsupported ? 2 : 1;
    }
    if (said) std::fprintf(stderr, "faxd: the store is reachable: starting\n");

    auto status = fax::station::run_daemon(**station, opts, [] { return g_stop != 0; });
    if (!status) {
        std::fprintf(stderr, "faxd: %s\n", status.error().to_string().c_str());
        return status.error().code == fax::Errc::InvalidInput ? 2 : 1;
    }
    return 0;
}
