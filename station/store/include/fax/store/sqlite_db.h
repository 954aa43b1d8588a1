// Internal: RAII and small helpers over the SQLite C API, shared by the directory
// and the audit trail. sqlite3* is owned by the classes' own unique_ptr; statements
// are owned here. SQLite's error texts name tables and constraints, not values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <sqlite3.h>

#include "fax/base/result.h"

namespace fax::store {

struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class Statement {
public:
    static Result<Statement> prepare(sqlite3* db, std::string_view sql);

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, int64_t value);
    Statement& bind_null(int index);
    Statement& bind_opt(int index, const std::optional<std::string>& text);
    Statement& bind_opt(int index, const std::optional<int64_t>& value);

    // True: a row is available. False: done.
    Result<bool> step();
    // Steps to completion (for statements that return no rows).
    Status run();

    bool is_null(int col) const;
    int64_t integer(int col) const;
    std::string text(int col) const;
    std::optional<std::string> maybe_text(int col) const;
    std::optional<int64_t> maybe_integer(int col) const;

private:
    Statement(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
    sqlite3* db_;
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> s_;
    Status bind_status_;
};

Status exec(sqlite3* db, const char* sql);
Unexpected db_error(sqlite3* db, std::string_view what);

// A store's file: created 0600 if missing (private from the moment it exists; SQLite
// gives its -wal and -shm files the same mode), never reached through a symbolic link,
// and a regular file. ":memory:" is left to SQLite.
Status prepare_store_file(const std::filesystem::path& path, std::string_view what);

// Opens the database file, applies the pragmas every store here wants (busy timeout,
// WAL, foreign keys) and returns the handle through `out` (which owns it even on
// failure, as sqlite3_open_v2 may hand back a handle that must be closed).
template <typename Ptr>
Status open_database(const std::filesystem::path& path, Ptr& out, std::string_view what) {
    FAX_TRY(prepare_store_file(path, what));
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
                                   nullptr);
    out.reset(raw);
    if (rc != SQLITE_OK) {
        return fail(Errc::Io, std::string(what) + ": cannot open " + path.string() + ": " +
                                  (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 5000);
    FAX_TRY(exec(raw, "PRAGMA foreign_keys = ON"));
    // WAL: readers (faxctl list/verify) do not block the station writing.
    // An in-memory database stays in "memory" mode, which is fine.
    FAX_TRY(exec(raw, "PRAGMA journal_mode = WAL"));
    return {};
}

Result<int> user_version(sqlite3* db);

// BEGIN IMMEDIATE ... COMMIT, rolled back unless commit() succeeded.
class Transaction {
public:
    static Result<Transaction> begin(sqlite3* db);
    Transaction(Transaction&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status commit();

private:
    explicit Transaction(sqlite3* db) : db_(db) {}
    sqlite3* db_;
};

}  // namespace fax::store
