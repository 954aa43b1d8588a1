// The SQLite backend: one file per store.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sqlite3.h>

#include "fax/base/unique_fd.h"
#include "fax/store/database.h"

namespace fax::store {

namespace {

Unexpected sqlite_error(sqlite3* db, std::string_view what) {
    const int code = db != nullptr ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
    const Errc errc = (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) ? Errc::Conflict : Errc::Io;
    return fail(errc, std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "no database"));
}

Status sqlite_exec(sqlite3* db, std::string_view sql) {
    const std::string text(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        const int code = sqlite3_extended_errcode(db);
        return fail(code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY ? Errc::Conflict : Errc::Io,
                    "sqlite: " + msg);
    }
    return {};
}

// A store's file: created 0600 if missing (private from the moment it exists; SQLite
// gives its -wal and -shm files the same mode), never reached through a symbolic link,
// and a regular file. ":memory:" is left to SQLite.
Status prepare_store_file(const std::filesystem::path& path, std::string_view what) {
    if (path == ":memory:" || path.empty()) return {};
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600));
    if (!fd) {
        const int e = errno;
        return fail(e == ENOENT ? Errc::NotFound : Errc::Io,
                    std::string(what) + ": cannot open " + path.string() + ": " +
                        (e == ELOOP ? "it is a symbolic link (stores are never opened through one)" : std::strerror(e)));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return fail(Errc::Io, std::string(what) + ": " + path.string() + " is not a regular file");
    return {};
}

struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class SqliteStatement final : public StatementImpl {
public:
    SqliteStatement(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}

    void bind_text(int index, std::string_view text) override {
        check(sqlite3_bind_text(s_.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    }
    void bind_integer(int index, int64_t value) override { check(sqlite3_bind_int64(s_.get(), index, value)); }
    void bind_null(int index) override { check(sqlite3_bind_null(s_.get(), index)); }
    void bind_blob(int index, std::span<const uint8_t> bytes) override {
        check(sqlite3_bind_blob64(s_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
    }

    Result<bool> step() override {
        if (!bind_status_.ok()) return fail(bind_status_.error());
        const int rc = sqlite3_step(s_.get());
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) {
            changes_ = sqlite3_changes64(db_);
            return false;
        }
        return sqlite_error(db_, "sqlite");
    }

    bool is_null(int col) const override { return sqlite3_column_type(s_.get(), col) == SQLITE_NULL; }
    int64_t integer(int col) const override { return sqlite3_column_int64(s_.get(), col); }
    std::string_view text(int col) const override {
        const auto* p = sqlite3_column_text(s_.get(), col);
        const int n = sqlite3_column_bytes(s_.get(), col);
        return p != nullptr ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
                            : std::string_view();
    }
    std::string blob(int col) const override {
        const void* p = sqlite3_column_blob(s_.get(), col);
        const int n = sqlite3_column_bytes(s_.get(), col);
        return p != nullptr ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
    }
    int64_t changes() const override { return changes_; }

private:
    void check(int rc) {
        if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = sqlite_error(db_, "sqlite bind");
    }
    sqlite3* db_;
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> s_;
    Status bind_status_;
    int64_t changes_ = 0;
};

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

class SqliteDatabase final : public Database {
public:
    SqliteDatabase(std::unique_ptr<sqlite3, DbCloser> db, std::string where) : db_(std::move(db)), where_(std::move(where)) {}

    Backend backend() const override { return Backend::Sqlite; }
    const std::string& where() const override { return where_; }

    Result<Statement> prepare(std::string_view sql) override {
        sqlite3_stmt* s = nullptr;
        const int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &s, nullptr);
        auto impl = std::make_unique<SqliteStatement>(db_.get(), s);
        if (rc != SQLITE_OK) return sqlite_error(db_.get(), "sqlite prepare");
        return Statement(std::move(impl));
    }
    Status exec(std::string_view sql) override { return sqlite_exec(db_.get(), sql); }

    Result<int> schema_version(std::string_view) override {
        auto st = prepare("PRAGMA user_version");
        if (!st) return fail(st.take_error());
        auto row = st->step();
        if (!row) return fail(row.take_error());
        return static_cast<int>(st->integer(0));
    }
    Status set_schema_version(std::string_view, int version) override {
        return exec("PRAGMA user_version = " + std::to_string(version));
    }
    bool reachable() override { return true; }

protected:
    // BEGIN IMMEDIATE: one writer per file, whatever the key.
    Status begin_tx(std::string_view) override { return sqlite_exec(db_.get(), "BEGIN IMMEDIATE"); }
    Status commit_tx() override { return sqlite_exec(db_.get(), "COMMIT"); }
    void rollback_tx() override { sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr); }

private:
    std::unique_ptr<sqlite3, DbCloser> db_;
    std::string where_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::filesystem::path& path, std::string_view what, bool durable) {
    FAX_TRY(prepare_store_file(path, what));
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
                                   nullptr);
    std::unique_ptr<sqlite3, DbCloser> db(raw);  // owns it even on failure
    if (rc != SQLITE_OK) {
        return fail(Errc::Io, std::string(what) + ": cannot open " + path.string() + ": " +
                                  (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 5000);
    FAX_TRY(sqlite_exec(raw, "PRAGMA foreign_keys = ON"));
    // WAL: readers (faxctl list/verify) do not block the station writing.
    // An in-memory database stays in "memory" mode, which is fine.
    FAX_TRY(sqlite_exec(raw, "PRAGMA journal_mode = WAL"));
    // Records that must survive a power cut: fsync at every commit.
    if (durable) FAX_TRY(sqlite_exec(raw, "PRAGMA synchronous = FULL"));
    return std::unique_ptr<Database>(new SqliteDatabase(std::move(db), path.string()));
}

}  // namespace fax::store
