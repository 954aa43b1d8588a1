// The stores' one seam: a database connection with two backends behind it.
//
//   SQLite      the embedded default: one file per store under the data directory
//               (directory.db, audit.db, queue.db, received.db), as since the start.
//   PostgreSQL  the shared store of many stations ([store] url, docs/multi-station.md):
//               every store's tables in one database, reached over libpq.
//
// The stores write one SQL for both: parameters are `?1`, `?2`... (the PostgreSQL backend
// turns them into `$1`, `$2`...), integers are 64-bit, text is UTF-8, blobs are bytes.
// What differs is said here, not in the stores: the schema text (each store has one per
// backend), how a store's schema version is kept, and what a writing transaction locks.
//
// Errors are typed: Errc::Unavailable when the server cannot be reached (the caller
// clears nothing and dials nothing: the store "fails closed"), Errc::Conflict for a
// unique or primary key violation, Errc::Io for the rest. No error text quotes a bound
// value: the backends' messages name tables and constraints, and the PostgreSQL
// backend drops the DETAIL line that would quote a key.
//
// One connection serves one thread (faxd is one thread; faxctl is one command).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "fax/base/result.h"

namespace fax::store {

enum class Backend { Sqlite, Postgres };
std::string_view to_string(Backend b);

// The backend's half of a prepared statement.
class StatementImpl {
public:
    virtual ~StatementImpl() = default;
    virtual void bind_text(int index, std::string_view text) = 0;
    virtual void bind_integer(int index, int64_t value) = 0;
    virtual void bind_null(int index) = 0;
    virtual void bind_blob(int index, std::span<const uint8_t> bytes) = 0;
    virtual Result<bool> step() = 0;
    virtual bool is_null(int col) const = 0;
    virtual int64_t integer(int col) const = 0;
    // Valid until the next step() or the statement's end.
    virtual std::string_view text(int col) const = 0;
    virtual std::string blob(int col) const = 0;
    virtual int64_t changes() const = 0;
};

class Statement {
public:
    explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

    Statement& bind(int index, std::string_view text) { impl_->bind_text(index, text); return *this; }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, int64_t value) { impl_->bind_integer(index, value); return *this; }
    Statement& bind_null(int index) { impl_->bind_null(index); return *this; }
    Statement& bind_blob(int index, std::span<const uint8_t> bytes) { impl_->bind_blob(index, bytes); return *this; }
    Statement& bind_opt(int index, const std::optional<std::string>& text) {
        return text ? bind(index, std::string_view(*text)) : bind_null(index);
    }
    Statement& bind_opt(int index, const std::optional<int64_t>& value) { return value ? bind(index, *value) : bind_null(index); }

    // True: a row is available. False: done.
    Result<bool> step() { return impl_->step(); }
    // Steps to completion (for statements that return no rows).
    Status run();
    // Rows changed by the INSERT/UPDATE/DELETE that run() completed.
    int64_t changes() const { return impl_->changes(); }

    bool is_null(int col) const { return impl_->is_null(col); }
    int64_t integer(int col) const { return impl_->integer(col); }
    std::string text(int col) const { return std::string(impl_->text(col)); }
    std::string_view text_view(int col) const { return impl_->text(col); }
    std::string blob(int col) const { return impl_->blob(col); }
    std::optional<std::string> maybe_text(int col) const;
    std::optional<int64_t> maybe_integer(int col) const;

private:
    std::unique_ptr<StatementImpl> impl_;
};

class Database;

// A writing transaction: committed by commit(), rolled back otherwise. Nested begins on
// one connection join the outer transaction (only the outermost commits).
class Transaction {
public:
    Transaction(Transaction&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status commit();

private:
    friend class Database;
    explicit Transaction(Database* db) : db_(db) {}
    Database* db_;
};

class Database {
public:
    virtual ~Database() = default;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    virtual Backend backend() const = 0;
    // For messages: the file, or the server and database (never a password).
    virtual const std::string& where() const = 0;

    virtual Result<Statement> prepare(std::string_view sql) = 0;
    // One or more statements without parameters (schema text).
    virtual Status exec(std::string_view sql) = 0;

    // A writing transaction. `serialize`: writers naming the same key run one at a time
    // (SQLite: every writer of a file does; PostgreSQL: a transaction-scoped advisory
    // lock on the key, held to commit). Readers are never blocked.
    Result<Transaction> begin(std::string_view serialize = {});
    bool in_transaction() const { return depth_ > 0; }

    // The version of one store's schema: SQLite keeps it in the file's user_version (one
    // store per file); PostgreSQL in the table store_schema (store, version). 0: none.
    virtual Result<int> schema_version(std::string_view store) = 0;
    virtual Status set_schema_version(std::string_view store, int version) = 0;

    // PostgreSQL: whether the server can be reached now (reconnecting if the connection
    // was lost). SQLite: always true.
    virtual bool reachable() = 0;

protected:
    Database() = default;
    virtual Status begin_tx(std::string_view serialize) = 0;
    virtual Status commit_tx() = 0;
    virtual void rollback_tx() = 0;

private:
    friend class Transaction;
    int depth_ = 0;
    bool failed_ = false;  // an inner transaction was abandoned: the outer cannot commit
};

// What a store does with an older schema when it opens: SQLite stores migrate themselves
// (each file is the station's own, as always); on the shared PostgreSQL database only
// `faxctl store migrate` does, and a station finding an older or newer schema refuses
// to run (Errc::Unsupported, saying what to do).
enum class SchemaPolicy { Migrate, RequireCurrent };

// Brings store `store` (its name in messages and in store_schema) from the version it
// has to `current`: `migrate(from)` runs inside one transaction and creates or alters
// the tables; the version is recorded in the same transaction. A version above
// `current` is always refused.
Status settle_schema(Database& db, std::string_view store, int current, SchemaPolicy policy,
                     const std::function<Status(int from)>& migrate);

// Schema text written once for both backends. In `sql`, %INT% is a 64-bit integer
// column (INTEGER / BIGINT), %ID% an integer key numbered by the database (INTEGER PRIMARY
// KEY / BIGSERIAL PRIMARY KEY), %BLOB% bytes (BLOB / BYTEA).
std::string schema_sql(Backend backend, std::string_view sql);

// The statements that make `table` append-only: UPDATE and DELETE (and, on PostgreSQL,
// TRUNCATE) fail with `message`, for every role, the owner included. SQLite: triggers
// <table>_no_update and <table>_no_delete; PostgreSQL: <table>_append_only and
// <table>_no_truncate over one trigger function.
std::string append_only_sql(Backend backend, std::string_view table, std::string_view message);

// Where the station's stores live (config [store]): SQLite files in a directory, or
// one PostgreSQL database.
struct StoreLocation {
    Backend backend = Backend::Sqlite;
    std::filesystem::path sqlite_dir;  // Sqlite: <dir>/<store>.db
    std::string conninfo;              // Postgres: a libpq URL or key=value string (service=..., host=...)
};

// Parses `[store] url`: "postgresql://..." / "postgres://...", or a libpq key=value
// string naming a service or host ("service=faxstack"). InvalidInput for a URL that
// carries a password (passwords belong in ~/.pgpass or a service file, not here) or
// anything else.
Result<std::string> parse_postgres_url(std::string_view url);
// The conninfo without any password, for messages.
std::string redact_conninfo(std::string_view conninfo);

// SQLite: opens or creates the file (created 0600, never through a symbolic link), WAL,
// foreign keys, a busy timeout; synchronous=FULL when `durable`.
Result<std::unique_ptr<Database>> open_sqlite(const std::filesystem::path& path, std::string_view what, bool durable);
// PostgreSQL: connects (Errc::Unavailable, naming the server, when it cannot).
Result<std::unique_ptr<Database>> open_postgres(std::string_view conninfo, std::string_view what);

}  // namespace fax::store
