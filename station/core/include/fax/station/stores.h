// Where the station's records live, opened from the configuration: SQLite files in the
// data directory (the embedded default), or the shared PostgreSQL database named by
// [store] url (docs/multi-station.md). Every program reaches the stores through here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/gate/audit_log.h"
#include "fax/gate/directory.h"
#include "fax/job/job_queue.h"
#include "fax/job/receive_log.h"
#include "fax/station/config.h"
#include "fax/store/database.h"

namespace fax::station {

// The database of one store ("directory", "audit", "queue", "received"): its SQLite
// file, or the shared connection (`shared`, opened once with open_shared_store()).
// Errc::Unavailable when the PostgreSQL server cannot be reached.
Result<std::shared_ptr<store::Database>> open_shared_store(const StationConfig& config);

struct Stores {
    gate::Directory directory;
    gate::AuditLog audit;
    job::JobQueue queue;
    job::ReceiveLog received;
    std::shared_ptr<store::Database> shared;  // null on SQLite
};

// Opens every store. SQLite files are created or migrated as always; on PostgreSQL the
// schema must be the one this program knows (`faxctl store migrate` makes it so).
// Names the station in the trail and the queue.
Result<Stores> open_stores(const StationConfig& config);

// The audit trail alone (faxctl audit ...), without creating anything: NotFound-like
// InvalidInput when a SQLite station has no trail yet.
Result<gate::AuditLog> open_audit_only(const StationConfig& config);
// The queue alone (faxctl modems); std::nullopt when a SQLite station has none yet.
Result<std::optional<job::JobQueue>> open_queue_only(const StationConfig& config);

// `faxctl store migrate`: brings every store's schema to this program's version.
// `grant_role`: on PostgreSQL, the role the stations connect as gets what a station
// needs and no more (the audit tables: SELECT and INSERT only).
struct MigrationReport {
    std::string where;
    std::vector<std::string> lines;  // "audit: schema 4"
};
Result<MigrationReport> migrate_stores(const StationConfig& config, const std::optional<std::string>& grant_role);

}  // namespace fax::station
