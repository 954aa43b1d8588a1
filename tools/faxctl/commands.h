// The faxctl commands, one function each, called by main() once CLI11 has parsed the
// arguments. Each returns the process exit status (exit_codes.h) and prints through a
// Printer; none throws.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "exit_codes.h"
#include "fax/base/result.h"
#include "fax/gate/directory.h"
#include "fax/gate/request.h"
#include "fax/station/config.h"
#include "fax/station/report_files.h"
#include "fax/station/station.h"
#include "fax/station/transmitter.h"
#include "printer.h"

namespace fax::faxctl {

// faxctl is a thin program over the station layer (station/).
using station::load_config;
using station::load_station_policy;
using station::ReportRecipient;
using station::Station;
using station::StationConfig;
using station::Transmitter;
using station::TransmitReport;
using station::write_job_report;

// Options every command takes.
struct Globals {
    std::optional<std::filesystem::path> config_file;
    std::optional<std::filesystem::path> data_dir;
    std::optional<std::string> modem;  // send/test-fax: --modem DEVICE
    bool json = false;
    int verbose = 0;      // -v: info, -vv: debug, -vvv: trace (AT dialogue)
    bool keep_spool = false;
    // send --timings: where the time goes up to the first byte on the modem (stderr).
    bool timings = false;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();  // main() sets it first
};

// The configuration with the command line's overrides applied; also sets the log level.
Result<station::StationConfig> effective_config(const Globals& g);
// The exit status for an error that ended a command.
Exit exit_for(const Error& e);
// Prints the error and returns its exit status.
int report_error(const Printer& out, const Error& e);

// ---- release_commands.cpp
int cmd_check(const Globals& g, const std::filesystem::path& request_file);
int cmd_send(const Globals& g, const std::filesystem::path& request_file);
// send --queue: the gate, then the durable queue (faxd transmits it).
int cmd_submit(const Globals& g, const std::filesystem::path& request_file);

// ---- queue_commands.cpp
int cmd_queue(const Globals& g, bool all);
int cmd_status(const Globals& g, const std::string& job_id);
int cmd_cancel(const Globals& g, const std::string& job_id, const std::string& staff_id, const std::string& staff_name);
int cmd_received(const Globals& g);
// Removes a finished job's spooled TIFF (unless --keep-spool, which prints its path).
void drop_spool(const std::string& tiff_path, const Globals& g, const Printer& out);
// Prints a transmission's result, drops its spool file and returns the exit status.
int finish_transmission(const station::TransmitReport& report, const Globals& g, const Printer& out,
                        const std::string& tiff_path);

// ---- directory_commands.cpp
int cmd_directory_add(const Globals& g, const gate::NewEntry& entry);
int cmd_directory_import(const Globals& g, const std::filesystem::path& file);
int cmd_directory_list(const Globals& g);
int cmd_directory_show(const Globals& g, const std::string& id);

struct TestFaxArgs {
    std::string id;
    gate::StaffMember requester;
    gate::SenderContact sender;  // blanks are filled from the configuration's [sender]
    std::optional<gate::TypedFaxNumber> typed_fax;
};
int cmd_directory_test_fax(const Globals& g, const TestFaxArgs& args);

struct ConfirmArgs {
    std::string id;
    std::string staff_id;
    std::string staff_name;
    std::string contact;
};
int cmd_directory_confirm(const Globals& g, const ConfirmArgs& args);
int cmd_directory_set_csi(const Globals& g, const std::string& id, const std::optional<std::string>& csi,
                          const std::string& staff_id);

// ---- audit_commands.cpp
// --head: a head recorded by hand; --anchor: a file written by `audit anchor`.
int cmd_audit_verify(const Globals& g, const std::optional<std::string>& head,
                     const std::optional<std::filesystem::path>& anchor = std::nullopt);
// The latest signed checkpoint with the public key, for keeping off the station.
int cmd_audit_anchor(const Globals& g, const std::optional<std::filesystem::path>& output);
struct ExportArgs {
    std::string member;
    std::string from;
    std::string to;
    std::string format = "csv";
    std::optional<std::filesystem::path> output;
};
int cmd_audit_export(const Globals& g, const ExportArgs& args);
int cmd_policy_show(const Globals& g);
// `store migrate [--grant ROLE]`: every store's schema brought to this program's version.
int cmd_store_migrate(const Globals& g, const std::optional<std::string>& grant_role);

// ---- modem_commands.cpp
// Candidate modems (serial ports, USB CDC-ACM devices, USB devices a profile knows).
int cmd_modems(const Globals& g);
// Identifies the modem on DEVICE (a tty path, or a stable id / node from `modems`).
int cmd_probe(const Globals& g, const std::string& device);

}  // namespace fax::faxctl
