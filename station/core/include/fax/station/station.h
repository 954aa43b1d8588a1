// Station: the station's stores and its gate, opened from the configuration. The
// directory, the audit log, the job queue and the document reader live here because the
// gate and the dispatcher only borrow them; Station owns them for as long as a command
// (or the daemon) runs.
#pragma once

#include <memory>

#include "fax/station/config.h"
#include "fax/station/stores.h"
#include "fax/base/result.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/gate/document_io.h"
#include "fax/gate/policy.h"
#include "fax/gate/release_gate.h"
#include "fax/job/dispatcher.h"
#include "fax/job/job_queue.h"
#include "fax/job/receive_log.h"

namespace fax::station {

// The station's directories: <data_dir> and its spool/, reports/ and received/. Each is
// the station user's alone (docs/station.md, "Files and permissions").
// prepare_data_dirs creates the missing ones 0700 (parents too) and verifies every one;
// check_data_dirs only verifies those that exist (for commands that create nothing).
// InvalidInput, naming the directory, its owner and mode and the fix, for one that is a
// symbolic link, not owned by the effective user, or open to group or others.
Status prepare_data_dirs(const StationConfig& config);
Status check_data_dirs(const StationConfig& config);

class Station {
public:
    // Loads the policy (the file named in the configuration, or the built-in one) and
    // opens or creates <data_dir>/directory.db and audit.db (after prepare_data_dirs).
    // InvalidInput for a bad policy file or a data directory that is not private; other
    // errors are the stores' own.
    static Result<std::unique_ptr<Station>> open(const StationConfig& config);

    Station(const Station&) = delete;
    Station& operator=(const Station&) = delete;

    const StationConfig& config() const { return config_; }
    gate::Directory& directory() { return directory_; }
    gate::AuditLog& audit() { return audit_; }
    gate::ReleaseGate& gate() { return gate_; }
    job::JobQueue& queue() { return queue_; }
    job::Dispatcher& dispatcher() { return dispatcher_; }
    job::ReceiveLog& received() { return received_; }
    const gate::Policy& policy() const { return gate_.policy(); }
    // The shared store's connection (null on SQLite files): faxd asks it whether the
    // server is back after an outage.
    store::Database* shared_store() { return shared_.get(); }

    // The gate reads no clock (STYLE.md §4): the tool is where time is read.
    gate::Context context_now() const;

private:
    Station(StationConfig config, gate::Policy policy, Stores stores, std::unique_ptr<gate::DocumentIo> documents);

    StationConfig config_;
    gate::Directory directory_;
    gate::AuditLog audit_;
    job::JobQueue queue_;
    job::ReceiveLog received_;
    std::shared_ptr<store::Database> shared_;  // the PostgreSQL connection every store uses (null on SQLite)
    std::unique_ptr<gate::DocumentIo> documents_;
    gate::ReleaseGate gate_;
    job::Dispatcher dispatcher_;
};

// The policy the configuration names (for `policy show`, without opening the stores).
Result<gate::Policy> load_station_policy(const StationConfig& config);

}  // namespace fax::station
