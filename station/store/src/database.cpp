#include "fax/store/database.h"

#include <cctype>

namespace fax::store {

std::string_view to_string(Backend b) { return b == Backend::Sqlite ? "sqlite" : "postgresql"; }

Status Statement::run() {
    while (true) {
        auto r = step();
        if (!r) return fail(r.take_error());
        if (!*r) return {};
    }
}

std::optional<std::string> Statement::maybe_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

std::optional<int64_t> Statement::maybe_integer(int col) const {
    if (is_null(col)) return std::nullopt;
    return integer(col);
}

Result<Transaction> Database::begin(std::string_view serialize) {
    if (depth_ == 0) {
        FAX_TRY(begin_tx(serialize));
        failed_ = false;
    }
    ++depth_;
    return Transaction(this);
}

Transaction::~Transaction() {
    if (db_ == nullptr) return;
    // Abandoned (an error on the way): the whole transaction goes, outer ones included.
    db_->failed_ = true;
    if (--db_->depth_ == 0) db_->rollback_tx();
}

Status Transaction::commit() {
    Database* db = std::exchange(db_, nullptr);
    if (db == nullptr) return fail(Errc::Internal, "store: transaction committed twice");
    if (--db->depth_ > 0) return {};  // the outermost commits
    if (db->failed_) {
        db->rollback_tx();
        return fail(Errc::Internal, "store: an inner transaction failed; rolled back");
    }
    auto s = db->commit_tx();
    if (!s) db->rollback_tx();
    return s;
}

Status settle_schema(Database& db, std::string_view store, int current, SchemaPolicy policy,
                     const std::function<Status(int from)>& migrate) {
    auto version = db.schema_version(store);
    if (!version) return fail(version.take_error());
    const std::string name(store);
    if (*version > current)
        return fail(Errc::Unsupported, name + ": " + db.where() + " has schema version " + std::to_string(*version) +
                                           "; this program knows up to " + std::to_string(current) +
                                           " (a newer faxstack migrated it: upgrade this station)");
    if (*version == current) return {};
    if (policy == SchemaPolicy::RequireCurrent)
        return fail(Errc::Unsupported, name + ": " + db.where() + " has schema version " + std::to_string(*version) +
                                           ", this program needs " + std::to_string(current) +
                                           ": run `faxctl store migrate` (as the database owner) first");
    auto tx = db.begin("faxstack.schema");
    if (!tx) return fail(tx.take_error());
    // Another station may have migrated while this one waited for the lock.
    auto again = db.schema_version(store);
    if (!again) return fail(again.take_error());
    if (*again == current) return tx->commit();
    FAX_TRY(migrate(*again));
    FAX_TRY(db.set_schema_version(store, current));
    return tx->commit();
}

std::string schema_sql(Backend backend, std::string_view sql) {
    const bool pg = backend == Backend::Postgres;
    const std::pair<std::string_view, std::string_view> words[] = {
        {"%INT%", pg ? "BIGINT" : "INTEGER"},
        {"%ID%", pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY"},
        {"%BLOB%", pg ? "BYTEA" : "BLOB"},
    };
    std::string out(sql);
    for (const auto& [from, to] : words)
        for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
            out.replace(at, from.size(), to);
    return out;
}

std::string append_only_sql(Backend backend, std::string_view table, std::string_view message) {
    const std::string t(table), m(message);
    if (backend == Backend::Sqlite)
        return "CREATE TRIGGER " + t + "_no_update BEFORE UPDATE ON " + t + " BEGIN SELECT RAISE(ABORT, '" + m +
               "'); END;\nCREATE TRIGGER " + t + "_no_delete BEFORE DELETE ON " + t + " BEGIN SELECT RAISE(ABORT, '" +
               m + "'); END;\n";
    return "CREATE OR REPLACE FUNCTION faxstack_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
           "BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $f$;\n"
           "CREATE TRIGGER " + t + "_append_only BEFORE UPDATE OR DELETE ON " + t +
           " FOR EACH ROW EXECUTE FUNCTION faxstack_refuse('" + m + "');\n"
           "CREATE TRIGGER " + t + "_no_truncate BEFORE TRUNCATE ON " + t +
           " FOR EACH STATEMENT EXECUTE FUNCTION faxstack_refuse('" + m + "');\n";
}

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
}

}  // namespace

Result<std::string> parse_postgres_url(std::string_view url) {
    if (url.empty()) return fail(Errc::InvalidInput, "store.url: empty");
    if (starts_with_nocase(url, "postgresql://") || starts_with_nocase(url, "postgres://")) {
        // postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]
        const auto rest = url.substr(url.find("://") + 3);
        const auto at = rest.find('@');
        const auto slash = rest.find('/');
        if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
            const auto userinfo = rest.substr(0, at);
            if (userinfo.find(':') != std::string_view::npos)
                return fail(Errc::InvalidInput,
                            "store.url: carries a password; keep it out of the configuration (use peer "
                            "authentication, a client certificate, ~/.pgpass or a service file: docs/multi-station.md)");
        }
        if (url.find("password=") != std::string_view::npos)
            return fail(Errc::InvalidInput, "store.url: carries a password parameter; keep it out of the configuration "
                                            "(docs/multi-station.md)");
        return std::string(url);
    }
    // key=value form: service=faxstack, host=... dbname=...
    if (url.find('=') != std::string_view::npos) {
        if (url.find("password") != std::string_view::npos)
            return fail(Errc::InvalidInput, "store.url: carries a password; keep it out of the configuration "
                                            "(docs/multi-station.md)");
        return std::string(url);
    }
    return fail(Errc::InvalidInput,
                "store.url: not a PostgreSQL URL (postgresql://...) or connection string (service=NAME)");
}

std::string redact_conninfo(std::string_view conninfo) {
    std::string s(conninfo);
    // user:password@ in a URL
    if (const auto scheme = s.find("://"); scheme != std::string::npos) {
        const auto at = s.find('@', scheme);
        const auto slash = s.find('/', scheme + 3);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            const auto colon = s.find(':', scheme + 3);
            if (colon != std::string::npos && colon < at) s.replace(colon, at - colon, ":***");
        }
    }
    for (std::size_t p = s.find("password="); p != std::string::npos; p = s.find("password=", p + 1)) {
        std::size_t end = p + 9;
        while (end < s.size() && s[end] != ' ' && s[end] != '&') ++end;
        s.replace(p + 9, end - (p + 9), "***");
    }
    return s;
}

}  // namespace fax::store
