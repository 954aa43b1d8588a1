#include "fax/station/stores.h"

#include <cctype>
#include <filesystem>
#include <system_error>

namespace fax::station {

namespace {

Result<std::shared_ptr<store::Database>> sqlite_store(const std::filesystem::path& path, std::string_view what, bool durable) {
    auto db = store::open_sqlite(path, what, durable);
    if (!db) return fail(db.take_error());
    return std::shared_ptr<store::Database>(std::move(*db));
}

bool valid_role(std::string_view r) {
    if (r.empty() || r.size() > 63) return false;
    if (!(std::islower(static_cast<unsigned char>(r[0])) || r[0] == '_')) return false;
    for (char c : r)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

// What a station's role may do on the shared database: the trail is insert-only, the
// directory's history too; live state (jobs, modem status, spooled files) is updated.
// Nothing may be dropped or truncated, and the schema is the owner's.
constexpr const char* kStationGrants[] = {
    "GRANT SELECT ON store_schema TO %R",
    "GRANT SELECT, INSERT, UPDATE ON recipients TO %R",
    "GRANT SELECT, INSERT ON recipient_events TO %R",
    "GRANT USAGE ON SEQUENCE recipient_events_id_seq TO %R",
    "GRANT SELECT, INSERT ON audit_entries, audit_checkpoints, audit_signers TO %R",
    "GRANT SELECT, INSERT, UPDATE ON jobs TO %R",
    "GRANT SELECT, INSERT ON page_confirmations TO %R",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON modem_status TO %R",
    "GRANT SELECT, INSERT, DELETE ON spool_files TO %R",
    "GRANT SELECT, INSERT ON received TO %R",
};

}  // namespace

Result<std::shared_ptr<store::Database>> open_shared_store(const StationConfig& config) {
    auto db = store::open_postgres(config.store_url, "store");
    if (!db) return fail(db.take_error());
    return std::shared_ptr<store::Database>(std::move(*db));
}

Result<Stores> open_stores(const StationConfig& config) {
    std::shared_ptr<store::Database> shared;
    auto policy = store::SchemaPolicy::Migrate;
    if (config.shared_store()) {
        auto db = open_shared_store(config);
        if (!db) return fail(db.take_error());
        shared = std::move(*db);
        policy = store::SchemaPolicy::RequireCurrent;
    }
    auto db_for = [&](const std::filesystem::path& path, std::string_view what, bool durable) {
        return shared ? Result<std::shared_ptr<store::Database>>(shared) : sqlite_store(path, what, durable);
    };
    auto ddb = db_for(config.directory_db(), "directory", false);
    if (!ddb) return fail(ddb.take_error());
    auto directory = gate::Directory::open(std::move(*ddb), policy);
    if (!directory) return fail(directory.take_error());
    auto adb = db_for(config.audit_db(), "audit", true);
    if (!adb) return fail(adb.take_error());
    auto audit = gate::AuditLog::open(std::move(*adb), policy);
    if (!audit) return fail(audit.take_error());
    audit->set_station(config.name);
    auto qdb = db_for(config.queue_db(), "queue", true);
    if (!qdb) return fail(qdb.take_error());
    auto queue = job::JobQueue::open(std::move(*qdb), policy);
    if (!queue) return fail(queue.take_error());
    queue->set_station(config.name, config.lease);
    auto rdb = db_for(config.received_db(), "received", true);
    if (!rdb) return fail(rdb.take_error());
    auto received = job::ReceiveLog::open(std::move(*rdb), policy);
    if (!received) return fail(received.take_error());
    return Stores{std::move(*directory), std::move(*audit), std::move(*queue), std::move(*received), std::move(shared)};
}

Result<gate::AuditLog> open_audit_only(const StationConfig& config) {
    if (config.shared_store()) {
        auto db = open_shared_store(config);
        if (!db) return fail(db.take_error());
        return gate::AuditLog::open(std::move(*db), store::SchemaPolicy::RequireCurrent);
    }
    std::error_code ec;
    if (!std::filesystem::exists(config.audit_db(), ec))
        return fail(Errc::InvalidInput, config.audit_db().string() + ": no audit trail here");
    return gate::AuditLog::open(config.audit_db());
}

Result<std::optional<job::JobQueue>> open_queue_only(const StationConfig& config) {
    if (config.shared_store()) {
        auto db = open_shared_store(config);
        if (!db) return fail(db.take_error());
        auto q = job::JobQueue::open(std::move(*db), store::SchemaPolicy::RequireCurrent);
        if (!q) return fail(q.take_error());
        q->set_station(config.name, config.lease);
        return std::optional<job::JobQueue>(std::move(*q));
    }
    std::error_code ec;
    if (!std::filesystem::exists(config.queue_db(), ec)) return std::optional<job::JobQueue>();
    auto q = job::JobQueue::open(config.queue_db());
    if (!q) return fail(q.take_error());
    q->set_station(config.name, config.lease);
    return std::optional<job::JobQueue>(std::move(*q));
}

Result<MigrationReport> migrate_stores(const StationConfig& config, const std::optional<std::string>& grant_role) {
    MigrationReport rep;
    if (!config.shared_store()) {
        if (grant_role) return fail(Errc::InvalidInput, "--grant: only for a shared PostgreSQL store ([store] url)");
        auto stores = open_stores(config);  // SQLite stores migrate themselves on open
        if (!stores) return fail(stores.take_error());
        rep.where = "sqlite files in " + config.data_dir.string();
    } else {
        if (grant_role && !valid_role(*grant_role))
            return fail(Errc::InvalidInput, "--grant: a role name of lower-case letters, digits and '_'");
        auto db = open_shared_store(config);
        if (!db) return fail(db.take_error());
        rep.where = (*db)->where();
        FAX_TRY(gate::Directory::open(*db, store::SchemaPolicy::Migrate));
        FAX_TRY(gate::AuditLog::open(*db, store::SchemaPolicy::Migrate));
        FAX_TRY(job::JobQueue::open(*db, store::SchemaPolicy::Migrate));
        FAX_TRY(job::ReceiveLog::open(*db, store::SchemaPolicy::Migrate));
        if (grant_role) {
            const std::string quoted = "\"" + *grant_role + "\"";
            for (const char* g : kStationGrants) {
                std::string sql(g);
                sql.replace(sql.find("%R"), 2, quoted);
                FAX_TRY((*db)->exec(sql));
            }
            rep.lines.push_back("role " + *grant_role + ": may read, insert into the audit trail (never update or delete)");
        }
    }
    rep.lines.insert(rep.lines.begin(),
                     {"directory: schema " + std::to_string(gate::Directory::kSchemaVersion),
                      "audit: schema " + std::to_string(gate::AuditLog::kSchemaVersion),
                      "queue: schema " + std::to_string(job::JobQueue::kSchemaVersion),
                      "received: schema " + std::to_string(job::ReceiveLog::kSchemaVersion)});
    return rep;
}

}  // namespace fax::station
