// faxctl: the command line of a release-of-information fax station.
//
//   faxctl check REQUEST.json             the gate's decision, nothing transmitted
//   faxctl send REQUEST.json [--modem D]  the gate, then the line
//   faxctl send --queue REQUEST.json      the gate, then the durable queue (faxd sends it)
//   faxctl queue [--all] | status JOB | cancel JOB --staff-id S | received
//   faxctl directory add|import|list|show|test-fax|confirm|verify|set-csi ...
//   faxctl audit verify [--head H | --anchor F] | audit anchor [--output F] | audit export --member REF ...
//   faxctl policy show
//
// docs/faxctl.md describes every command, the configuration file and the exit
// statuses (exit_codes.h). CLI11 parses; the commands live in *_commands.cpp.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "fax/base/version.h"
#include "commands.h"
#include "fax/gate/vocabulary.h"

using namespace fax::faxctl;

namespace {

std::vector<std::string> category_names() {
    std::vector<std::string> v;
    for (auto c : fax::gate::all_categories()) v.emplace_back(fax::gate::to_string(c));
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    const auto started = std::chrono::steady_clock::now();  // send --timings counts from here
    // A second line of defence: every file and directory the station makes is created
    // with its final mode (fax/base/private_file.h); anything else made here is private too.
    ::umask(077);
    CLI::App app{"faxctl: release-of-information fax station (gate, transmit, directory, audit)"};
    app.set_version_flag("--version", std::string("faxctl ") + std::string(fax::kVersion));
    app.fallthrough(true);  // global options may follow the subcommand
    app.require_subcommand(1);

    Globals g;
    g.started = started;
    std::string config_file, data_dir, modem;
    app.add_option("--config", config_file, "configuration file (default /etc/faxstack/faxstack.toml if present)")
        ->type_name("FILE");
    app.add_option("--data-dir", data_dir, "data directory (directory.db, audit.db, spool/); overrides the file")
        ->type_name("DIR");
    app.add_option("--modem", modem, "modem device for send and test-fax; overrides modem.device")->type_name("DEVICE");
    app.add_flag("--json", g.json, "one JSON object per line on stdout");
    app.add_flag("-v,--verbose", g.verbose, "more log output on stderr (-v info, -vv debug, -vvv AT trace)");
    app.add_flag("--keep-spool", g.keep_spool, "keep the job's spooled fax TIFF (cover + pages) and print its path");

    // check / send
    std::string request;
    auto* check = app.add_subcommand("check", "dry run through the gate: the decision, nothing transmitted");
    check->add_option("REQUEST", request, "release request file (JSON)")->required();
    auto* send = app.add_subcommand("send", "the gate, then transmit the cleared release");
    send->add_option("REQUEST", request, "release request file (JSON)")->required();
    bool to_queue = false;
    send->add_flag("--queue", to_queue, "put the cleared release in the durable queue for faxd instead of sending now");
    send->add_flag("--timings", g.timings,
                   "on stderr at the end: how long each step took, to the first byte on the modem (--json: one JSON line)");

    // queue / status / cancel
    bool queue_all = false;
    auto* queue = app.add_subcommand("queue", "the queued and running jobs (--all: closed ones too)");
    queue->add_flag("--all", queue_all, "include done, failed and cancelled jobs");
    std::string job_id, cancel_staff_id, cancel_staff_name;
    auto* status = app.add_subcommand("status", "one job: state, attempts, pages confirmed, audit history");
    status->add_option("JOB", job_id, "job id")->required();
    auto* cancel = app.add_subcommand("cancel", "cancel a queued or running job (a call in progress ends with DCN)");
    cancel->add_option("JOB", job_id, "job id")->required();
    cancel->add_option("--staff-id", cancel_staff_id, "your staff id")->required();
    cancel->add_option("--staff-name", cancel_staff_name, "your name");
    auto* received = app.add_subcommand("received", "faxes received by faxd on answering modems");

    // directory
    auto* dir = app.add_subcommand("directory", "the recipient directory and number verification");
    dir->require_subcommand(1);
    fax::gate::NewEntry entry;
    std::string category, expected_csi;
    auto* add = dir->add_subcommand("add", "add an entry (it starts unverified)");
    add->add_option("--id", entry.id, "entry id: letters, digits, '.', '_', '-'")->required();
    add->add_option("--organisation,--organization", entry.organisation, "organisation")->required();
    add->add_option("--person", entry.person, "person or desk to address");
    add->add_option("--category", category, "recipient category")->required()->check(CLI::IsMember(category_names()));
    add->add_option("--fax", entry.fax, "fax number")->required();
    add->add_option("--voice", entry.voice, "voice number for the confirmation call")->required();
    add->add_option("--expected-csi", expected_csi, "the station id (CSI) the remote fax machine sends");

    std::string import_file;
    auto* imp = dir->add_subcommand("import", "add the entries of a JSON seed file (examples/directory.json)");
    imp->add_option("FILE", import_file, "fax-recipient-directory/1 JSON file")->required();
    auto* list = dir->add_subcommand("list", "all entries with their verification state");

    std::string entry_id;
    auto* show = dir->add_subcommand("show", "one entry and its verification history");
    show->add_option("ENTRY", entry_id, "entry id")->required();

    TestFaxArgs tf;
    std::string typed_first, typed_second;
    auto* test_fax = dir->add_subcommand("test-fax", "send the cover-only verification test fax to the entry's number");
    test_fax->add_option("ENTRY", tf.id, "entry id")->required();
    test_fax->add_option("--staff-id", tf.requester.staff_id, "your staff id")->required();
    test_fax->add_option("--staff-name", tf.requester.name, "your name")->required();
    test_fax->add_option("--sender-name", tf.sender.name, "cover sender name (default [sender] name, else --staff-name)");
    test_fax->add_option("--sender-department", tf.sender.department, "cover sender department (default [sender])");
    test_fax->add_option("--sender-phone", tf.sender.phone, "cover sender phone (default [sender])");
    test_fax->add_option("--sender-fax", tf.sender.fax, "cover sender fax (default [sender])");
    test_fax->add_option("--typed-fax", typed_first, "the number as typed from the request (checked against the entry)");
    test_fax->add_option("--typed-fax-again", typed_second, "the same number typed a second time");

    ConfirmArgs ca;
    auto add_confirm_options = [&ca](CLI::App* c) {
        c->add_option("ENTRY", ca.id, "entry id")->required();
        c->add_option("--staff-id", ca.staff_id, "your staff id")->required();
        c->add_option("--staff-name", ca.staff_name, "your name")->required();
        c->add_option("--contact", ca.contact, "who at the recipient confirmed receipt by telephone")->required();
    };
    auto* confirm = dir->add_subcommand("confirm", "record the recipient's telephone confirmation of the test fax");
    add_confirm_options(confirm);
    auto* verify = dir->add_subcommand("verify", "alias of confirm");
    add_confirm_options(verify);

    std::string csi, csi_by;
    bool csi_clear = false;
    auto* set_csi = dir->add_subcommand("set-csi", "set (or --clear) the station id the remote must send");
    set_csi->add_option("ENTRY", entry_id, "entry id")->required();
    auto* csi_opt = set_csi->add_option("CSI", csi, "expected CSI, up to 20 characters");
    auto* clear_opt = set_csi->add_flag("--clear", csi_clear, "remove the expected CSI");
    csi_opt->excludes(clear_opt);
    set_csi->add_option("--staff-id", csi_by, "your staff id")->required();

    // audit
    auto* audit = app.add_subcommand("audit", "the hash-chained audit trail");
    audit->require_subcommand(1);
    std::string head;
    auto* averify = audit->add_subcommand("verify", "recompute the hash chain (exit 5 names the first bad entry)");
    auto* head_opt = averify->add_option("--head", head, "a head recorded earlier (SEQ:HASH or HASH)");
    std::string anchor_in, anchor_out;
    auto* anchor_in_opt =
        averify->add_option("--anchor", anchor_in, "an anchor kept off the station (from `audit anchor`)")->type_name("FILE");
    auto* aanchor = audit->add_subcommand("anchor", "the latest signed head with the public key, to keep off the station");
    auto* anchor_out_opt = aanchor->add_option("--output", anchor_out, "write to FILE (mode 0600) instead of stdout");
    ExportArgs ex;
    std::string output;
    auto* aexport = audit->add_subcommand("export", "the accounting of disclosures for one member");
    aexport->add_option("--member", ex.member, "member record reference")->required();
    aexport->add_option("--from", ex.from, "first day (YYYY-MM-DD, UTC)")->required();
    aexport->add_option("--to", ex.to, "last day, inclusive (YYYY-MM-DD, UTC)")->required();
    aexport->add_option("--format", ex.format, "csv (default) or json")->check(CLI::IsMember({"csv", "json"}));
    auto* output_opt = aexport->add_option("--output", output, "write to FILE (created 0600 and renamed into place; a symbolic link there is refused) instead of stdout");

    auto* policy = app.add_subcommand("policy", "the release policy");
    policy->require_subcommand(1);
    auto* pshow = policy->add_subcommand("show", "the effective policy as JSON");

    // store
    auto* store = app.add_subcommand("store", "the station's stores (SQLite files, or the shared PostgreSQL database)");
    store->require_subcommand(1);
    auto* smigrate = store->add_subcommand("migrate", "create or upgrade every store's schema (PostgreSQL: as the database owner)");
    std::string grant_role;
    auto* grant_opt = smigrate->add_option("--grant", grant_role, "PostgreSQL: the role stations connect as gets what a station needs (the audit trail: read and insert only)")->type_name("ROLE");

    // modems / probe
    auto* modems = app.add_subcommand("modems", "the configured modems and their state, and the other candidate devices");
    std::string probe_device;
    auto* probe = app.add_subcommand("probe", "identify the modem on DEVICE and print its capabilities and profile");
    probe->add_option("DEVICE", probe_device, "tty path, or an id or device from `faxctl modems`")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --help-all, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return code(Exit::InvalidInput);
    }
    if (!config_file.empty()) g.config_file = config_file;
    if (!data_dir.empty()) g.data_dir = data_dir;
    if (!modem.empty()) g.modem = modem;

    if (check->parsed()) return cmd_check(g, request);
    if (send->parsed()) return to_queue ? cmd_submit(g, request) : cmd_send(g, request);
    if (queue->parsed()) return cmd_queue(g, queue_all);
    if (status->parsed()) return cmd_status(g, job_id);
    if (received->parsed()) return cmd_received(g);
    if (cancel->parsed()) return cmd_cancel(g, job_id, cancel_staff_id, cancel_staff_name);
    if (add->parsed()) {
        entry.category = *fax::gate::parse_category(category);
        if (!expected_csi.empty()) entry.expected_csi = expected_csi;
        return cmd_directory_add(g, entry);
    }
    if (imp->parsed()) return cmd_directory_import(g, import_file);
    if (list->parsed()) return cmd_directory_list(g);
    if (show->parsed()) return cmd_directory_show(g, entry_id);
    if (test_fax->parsed()) {
        if (!typed_first.empty() || !typed_second.empty()) tf.typed_fax = fax::gate::TypedFaxNumber{typed_first, typed_second};
        return cmd_directory_test_fax(g, tf);
    }
    if (confirm->parsed() || verify->parsed()) return cmd_directory_confirm(g, ca);
    if (set_csi->parsed()) {
        if (!csi_clear && csi.empty()) {
            std::fprintf(stderr, "faxctl: set-csi: give the CSI or --clear\n");
            return code(Exit::InvalidInput);
        }
        return cmd_directory_set_csi(g, entry_id, csi_clear ? std::nullopt : std::optional<std::string>(csi), csi_by);
    }
    if (averify->parsed())
        return cmd_audit_verify(g, head_opt->count() > 0 ? std::optional<std::string>(head) : std::nullopt,
                                anchor_in_opt->count() > 0 ? std::optional<std::filesystem::path>(anchor_in) : std::nullopt);
    if (aanchor->parsed())
        return cmd_audit_anchor(g, anchor_out_opt->count() > 0 ? std::optional<std::filesystem::path>(anchor_out)
                                                               : std::nullopt);
    if (aexport->parsed()) {
        if (output_opt->count() > 0) ex.output = output;
        return cmd_audit_export(g, ex);
    }
    if (pshow->parsed()) return cmd_policy_show(g);
    if (smigrate->parsed())
        return cmd_store_migrate(g, grant_opt->count() > 0 ? std::optional<std::string>(grant_role) : std::nullopt);
    if (modems->parsed()) return cmd_modems(g);
    if (probe->parsed()) return cmd_probe(g, probe_device);
    std::fprintf(stderr, "faxctl: no command\n");
    return code(Exit::InvalidInput);
}
