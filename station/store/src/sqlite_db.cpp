#include "fax/store/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fax/base/unique_fd.h"

namespace fax::store {

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

Unexpected db_error(sqlite3* db, std::string_view what) {
    return fail(Errc::Io, std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "no database"));
}

Status exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        return fail(Errc::Io, "sqlite: " + msg);
    }
    return {};
}

Result<int> user_version(sqlite3* db) {
    auto st = Statement::prepare(db, "PRAGMA user_version");
    if (!st) return fail(st.take_error());
    auto row = st->step();
    if (!row) return fail(row.take_error());
    return static_cast<int>(st->integer(0));
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
    Statement st(db, s);
    if (rc != SQLITE_OK) return db_error(db, "sqlite prepare");
    return st;
}

Statement& Statement::bind(int index, std::string_view text) {
    if (sqlite3_bind_text(s_.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK &&
        bind_status_.ok())
        bind_status_ = db_error(db_, "sqlite bind");
    return *this;
}

Statement& Statement::bind(int index, int64_t value) {
    if (sqlite3_bind_int64(s_.get(), index, value) != SQLITE_OK && bind_status_.ok())
        bind_status_ = db_error(db_, "sqlite bind");
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(s_.get(), index) != SQLITE_OK && bind_status_.ok())
        bind_status_ = db_error(db_, "sqlite bind");
    return *this;
}

Statement& Statement::bind_opt(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind_opt(int index, const std::optional<int64_t>& value) {
    return value ? bind(index, *value) : bind_null(index);
}

Result<bool> Statement::step() {
    if (!bind_status_.ok()) return fail(bind_status_.error());
    const int rc = sqlite3_step(s_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_error(db_, "sqlite");
}

Status Statement::run() {
    while (true) {
        auto r = step();
        if (!r) return fail(r.take_error());
        if (!*r) return {};
    }
}

bool Statement::is_null(int col) const { return sqlite3_column_type(s_.get(), col) == SQLITE_NULL; }
int64_t Statement::integer(int col) const { return sqlite3_column_int64(s_.get(), col); }

std::string Statement::text(int col) const {
    const auto* p = sqlite3_column_text(s_.get(), col);
    const int n = sqlite3_column_bytes(s_.get(), col);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

std::optional<std::string> Statement::maybe_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

std::optional<int64_t> Statement::maybe_integer(int col) const {
    if (is_null(col)) return std::nullopt;
    return integer(col);
}

Result<Transaction> Transaction::begin(sqlite3* db) {
    FAX_TRY(exec(db, "BEGIN IMMEDIATE"));
    return Transaction(db);
}

Transaction::~Transaction() {
    if (db_ != nullptr) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::commit() {
    FAX_TRY(exec(db_, "COMMIT"));
    db_ = nullptr;
    return {};
}

}  // namespace fax::store
