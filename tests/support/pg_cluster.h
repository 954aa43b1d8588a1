// A throw-away PostgreSQL cluster for tests (issue #13: PostgreSQL as a shared store).
// Library fax_test_pg.
//
// start() runs initdb into a private temporary directory and starts the server with pg_ctl,
// listening only on a Unix socket in that directory (no TCP), fsync off. The destructor
// stops it (immediate) and removes the directory. Two clusters can run at once (each has
// its own directory and port number).
//
// initdb and postgres refuse to run as root. When the tests run as root (as they do in CI),
// initdb, pg_ctl and the server run as `nobody` and the directory belongs to that user;
// root still connects (and removes the directory) through its capability to override file
// permissions. Not root: they run as the calling user.
//
// Every connection uses trust authentication on the socket: any role name connects without
// a password. The administrator role is "faxadmin".
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fax/base/result.h"

struct pg_conn;  // libpq's PGconn

namespace fax::test {

struct PgConnCloser {
    void operator()(pg_conn* c) const noexcept;
};
// An open libpq connection; PQfinish on destruction.
using PgConnPtr = std::unique_ptr<pg_conn, PgConnCloser>;

class PgCluster {
public:
    // Finds initdb/pg_ctl/postgres (pg_config --bindir, else /usr/lib/postgresql/<newest>/bin),
    // creates the cluster and starts it; returns once it accepts connections.
    // NotFound (with the reason) when the server binaries are not installed, so a suite can
    // GTEST_SKIP; any other failure carries the tail of the initdb/server log.
    static Result<std::unique_ptr<PgCluster>> start();

    // pg_ctl stop -m immediate, then removes the directory; only in the process that called
    // start() (a forked child's copy leaves the cluster alone). A cluster whose starting
    // process died without the destructor is removed by the next start() in the same
    // temporary directory.
    ~PgCluster();
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;

    // "host=<socket dir> port=N dbname=... user=..." (values quoted when they need it).
    std::string conninfo(std::string_view dbname = "postgres", std::string_view user = "faxadmin") const;
    // The same as a URL: postgresql:///<db>?host=%2Ftmp%2F...&port=N&user=...
    std::string url(std::string_view dbname = "postgres", std::string_view user = "faxadmin") const;

    // A connection (Errc::Disconnected with libpq's message when it fails).
    Result<PgConnPtr> connect(std::string_view dbname = "postgres", std::string_view user = "faxadmin") const;

    Status stop();     // fast shutdown; the server is unreachable afterwards
    Status restart();  // starts the stopped server again on the same directory and port

    Status create_database(std::string_view name);  // owned by faxadmin
    Status create_role(std::string_view role);      // LOGIN, no password
    // Runs SQL (one or more statements) as faxadmin; for test set-up.
    Status exec(std::string_view sql, std::string_view dbname = "postgres");

    const std::filesystem::path& dir() const { return dir_; }  // also the socket directory
    int port() const { return port_; }
    bool running() const { return running_; }

private:
    PgCluster() = default;
    Status pg_ctl_start();

    std::filesystem::path bindir_;
    std::filesystem::path dir_;
    int port_ = 0;
    pid_t owner_ = 0;
    bool running_ = false;
};

}  // namespace fax::test
