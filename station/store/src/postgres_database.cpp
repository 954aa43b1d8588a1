// The PostgreSQL backend: the stores of many stations in one database, over libpq.
//
// Statements run with PQexecParams (text results; blobs bound in binary). A lost
// connection is Errc::Unavailable; the next statement outside a transaction, or
// reachable(), reconnects: a station resumes by itself when the server is back.
#include <charconv>
#include <vector>

#include <libpq-fe.h>

#include "fax/store/database.h"

namespace fax::store {

namespace {

struct ConnCloser {
    void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
    void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

// "?12" -> "$12" outside quoted literals and identifiers.
std::string to_dollar_params(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote != 0) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            out += '$';
            continue;
        }
        out += c;
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

class PgDatabase;

// Every error from the server: Unavailable when the connection is gone, Conflict for a
// unique violation (SQLSTATE 23505), Io otherwise. Only the primary message is kept:
// the DETAIL line of a unique violation quotes the key.
Unexpected pg_error(PGconn* conn, const PGresult* res, std::string_view what) {
    if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) {
        std::string m = conn != nullptr ? PQerrorMessage(conn) : "no connection";
        while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
        if (const auto nl = m.find('\n'); nl != std::string::npos) m = m.substr(0, nl);
        return fail(Errc::Unavailable, std::string(what) + ": the PostgreSQL server cannot be reached: " + m);
    }
    const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string m = primary != nullptr ? primary : PQerrorMessage(conn);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    const std::string_view s = state != nullptr ? state : "";
    // Class 08 (connection exception), 57P01..03 (admin shutdown, crash shutdown, cannot connect now).
    if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03")
        return fail(Errc::Unavailable, std::string(what) + ": the PostgreSQL server cannot be reached: " + m);
    return fail(s == "23505" ? Errc::Conflict : Errc::Io, std::string(what) + ": " + m);
}

class PgStatement final : public StatementImpl {
public:
    PgStatement(PGconn* conn, std::string sql) : conn_(conn), sql_(std::move(sql)) {}

    void bind_text(int index, std::string_view text) override { slot(index) = Param{std::string(text), false, false}; }
    void bind_integer(int index, int64_t value) override { slot(index) = Param{std::to_string(value), false, false}; }
    void bind_null(int index) override { slot(index) = Param{{}, true, false}; }
    void bind_blob(int index, std::span<const uint8_t> bytes) override {
        slot(index) = Param{std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), false, true};
    }

    Result<bool> step() override {
        if (!executed_) {
            executed_ = true;
            std::vector<const char*> values;
            std::vector<int> lengths;
            std::vector<int> formats;
            for (const auto& p : params_) {
                values.push_back(p.null ? nullptr : p.value.data());
                lengths.push_back(static_cast<int>(p.value.size()));
                formats.push_back(p.binary ? 1 : 0);
            }
            res_.reset(PQexecParams(conn_, sql_.c_str(), static_cast<int>(params_.size()), nullptr, values.data(),
                                    lengths.data(), formats.data(), 0));
            const auto status = res_ ? PQresultStatus(res_.get()) : PGRES_FATAL_ERROR;
            if (status == PGRES_COMMAND_OK) {
                const char* n = PQcmdTuples(res_.get());
                changes_ = (n != nullptr && *n != '\0') ? std::strtoll(n, nullptr, 10) : 0;
                rows_ = 0;
            } else if (status == PGRES_TUPLES_OK) {
                rows_ = PQntuples(res_.get());
            } else {
                return pg_error(conn_, res_.get(), "postgresql");
            }
            row_ = -1;
        }
        ++row_;
        return row_ < rows_;
    }

    bool is_null(int col) const override { return PQgetisnull(res_.get(), row_, col) != 0; }
    int64_t integer(int col) const override {
        const char* p = PQgetvalue(res_.get(), row_, col);
        const int n = PQgetlength(res_.get(), row_, col);
        int64_t v = 0;
        std::from_chars(p, p + n, v);
        return v;
    }
    std::string_view text(int col) const override {
        return {PQgetvalue(res_.get(), row_, col), static_cast<std::size_t>(PQgetlength(res_.get(), row_, col))};
    }
    std::string blob(int col) const override {
        // bytea in text form: "\x" and two hex digits per byte.
        const std::string_view t = text(col);
        std::string out;
        if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return std::string(t);
        out.reserve((t.size() - 2) / 2);
        for (std::size_t i = 2; i + 1 < t.size(); i += 2)
            out += static_cast<char>((hex_value(t[i]) << 4) | hex_value(t[i + 1]));
        return out;
    }
    int64_t changes() const override { return changes_; }

private:
    struct Param {
        std::string value;
        bool null = true;
        bool binary = false;
    };
    Param& slot(int index) {
        if (index > static_cast<int>(params_.size())) params_.resize(static_cast<std::size_t>(index));
        return params_[static_cast<std::size_t>(index - 1)];
    }
    PGconn* conn_;
    std::string sql_;
    std::vector<Param> params_;
    ResultPtr res_;
    bool executed_ = false;
    int rows_ = 0;
    int row_ = -1;
    int64_t changes_ = 0;
};

class PgDatabase final : public Database {
public:
    PgDatabase(std::unique_ptr<PGconn, ConnCloser> conn, std::string where, std::string what)
        : conn_(std::move(conn)), where_(std::move(where)), what_(std::move(what)) {}

    Backend backend() const override { return Backend::Postgres; }
    const std::string& where() const override { return where_; }

    Result<Statement> prepare(std::string_view sql) override {
        FAX_TRY(ensure_connected());
        return Statement(std::make_unique<PgStatement>(conn_.get(), to_dollar_params(sql)));
    }

    Status exec(std::string_view sql) override {
        FAX_TRY(ensure_connected());
        ResultPtr r(PQexec(conn_.get(), std::string(sql).c_str()));
        const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return pg_error(conn_.get(), r.get(), "postgresql");
        return {};
    }

    Result<int> schema_version(std::string_view store) override {
        auto t = prepare("SELECT to_regclass('store_schema') IS NOT NULL");
        if (!t) return fail(t.take_error());
        auto row = t->step();
        if (!row) return fail(row.take_error());
        if (t->text_view(0) != "t") return 0;
        auto st = prepare("SELECT version FROM store_schema WHERE store = ?1");
        if (!st) return fail(st.take_error());
        st->bind(1, store);
        auto r = st->step();
        if (!r) return fail(r.take_error());
        return *r ? static_cast<int>(st->integer(0)) : 0;
    }

    Status set_schema_version(std::string_view store, int version) override {
        FAX_TRY(exec("CREATE TABLE IF NOT EXISTS store_schema (store TEXT PRIMARY KEY, version INTEGER NOT NULL)"));
        auto st = prepare(
            "INSERT INTO store_schema(store, version) VALUES (?1, ?2) "
            "ON CONFLICT (store) DO UPDATE SET version = excluded.version");
        if (!st) return fail(st.take_error());
        st->bind(1, store).bind(2, int64_t{version});
        return st->run();
    }

    bool reachable() override {
        if (PQstatus(conn_.get()) == CONNECTION_OK && !in_transaction()) {
            // A dead server is only noticed by talking to it.
            ResultPtr r(PQexec(conn_.get(), "SELECT 1"));
            if (r && PQresultStatus(r.get()) == PGRES_TUPLES_OK) return true;
        }
        return ensure_connected().ok();
    }

protected:
    Status begin_tx(std::string_view serialize) override {
        FAX_TRY(exec("BEGIN"));
        if (!serialize.empty()) {
            // One writer at a time per key, across every station, until commit.
            auto st = prepare("SELECT pg_advisory_xact_lock(hashtext(?1))");
            if (!st) return fail(st.take_error());
            st->bind(1, serialize);
            auto r = st->step();
            if (!r) {
                rollback_tx();
                return fail(r.take_error());
            }
        }
        return {};
    }
    Status commit_tx() override { return exec("COMMIT"); }
    void rollback_tx() override {
        if (PQstatus(conn_.get()) != CONNECTION_OK) return;
        ResultPtr r(PQexec(conn_.get(), "ROLLBACK"));
    }

private:
    // Outside a transaction, a lost connection is made again (the server is back).
    Status ensure_connected() {
        if (PQstatus(conn_.get()) == CONNECTION_OK) return {};
        if (in_transaction()) return pg_error(conn_.get(), nullptr, what_);
        PQreset(conn_.get());
        if (PQstatus(conn_.get()) != CONNECTION_OK) return pg_error(conn_.get(), nullptr, what_);
        return {};
    }

    std::unique_ptr<PGconn, ConnCloser> conn_;
    std::string where_;
    std::string what_;
};

// libpq writes notices (e.g. "relation already exists, skipping") to stderr by default.
void quiet_notice(void*, const char*) {}

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(std::string_view conninfo, std::string_view what) {
    const std::string info(conninfo);
    // Defaults first: the configuration's own values (expanded from "dbname") win.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"5", "faxstack", info.c_str(), nullptr};
    std::unique_ptr<PGconn, ConnCloser> conn(PQconnectdbParams(keys, values, 1));
    if (!conn) return fail(Errc::Internal, std::string(what) + ": libpq could not allocate a connection");
    const std::string where = "postgresql " + redact_conninfo(info);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        std::string m = PQerrorMessage(conn.get());
        while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
        // A malformed connection string is a configuration error, not an outage.
        if (m.find("invalid") != std::string::npos && m.find("option") != std::string::npos)
            return fail(Errc::InvalidInput, std::string(what) + ": store.url: " + m);
        return fail(Errc::Unavailable,
                    std::string(what) + ": the PostgreSQL server (" + redact_conninfo(info) + ") cannot be reached: " + m);
    }
    PQsetNoticeProcessor(conn.get(), quiet_notice, nullptr);
    return std::unique_ptr<Database>(new PgDatabase(std::move(conn), where, std::string(what)));
}

}  // namespace fax::store
