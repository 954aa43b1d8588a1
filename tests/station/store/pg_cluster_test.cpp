// The throw-away PostgreSQL cluster the shared-store suites start (tests/support/pg_cluster.h).
#include "pg_cluster.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace fax::test {
namespace {

namespace fs = std::filesystem;

struct ResultClear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};

// The first column of the first row of `sql`, or the error text prefixed with "ERROR: ".
std::string scalar(pg_conn* conn, const char* sql) {
    std::unique_ptr<PGresult, ResultClear> r(PQexec(conn, sql));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) < 1)
        return std::string("ERROR: ") + PQerrorMessage(conn);
    return PQgetvalue(r.get(), 0, 0);
}

std::optional<pid_t> postmaster_pid(const PgCluster& c) {
    std::ifstream in(c.dir() / "data" / "postmaster.pid");
    long pid = 0;
    if (!(in >> pid) || pid <= 0) return std::nullopt;
    return static_cast<pid_t>(pid);
}

// Alive = a /proc entry that is not a zombie (a container's init may not reap the
// orphaned postmaster at once).
bool process_alive(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return false;
    const auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

Result<std::unique_ptr<PgCluster>> timed_start(const char* what) {
    const auto t0 = std::chrono::steady_clock::now();
    auto c = PgCluster::start();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ::testing::Test::RecordProperty(std::string(what) + "_start_ms", static_cast<int>(ms));
    std::cout << "[pg_cluster] " << what << ": start() took " << ms << " ms\n";
    return c;
}

class PgClusterTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto c = timed_start("cluster");
        if (!c.ok() && c.error().code == Errc::NotFound) GTEST_SKIP() << c.error().to_string();
        ASSERT_TRUE(c.ok()) << c.error().to_string();
        cluster_ = std::move(c.value());
    }

    std::unique_ptr<PgCluster> cluster_;
};

TEST_F(PgClusterTest, StartedClusterAnswersQueriesOnItsSocketOnly) {
    auto conn = cluster_->connect();
    ASSERT_TRUE(conn.ok()) << conn.error().to_string();
    EXPECT_EQ(scalar(conn->get(), "SELECT 1"), "1");
    EXPECT_EQ(scalar(conn->get(), "SELECT current_user"), "faxadmin");
    EXPECT_EQ(scalar(conn->get(), "SHOW listen_addresses"), "");  // no TCP
    EXPECT_EQ(scalar(conn->get(), "SHOW port"), std::to_string(cluster_->port()));
    EXPECT_EQ(scalar(conn->get(), "SHOW unix_socket_directories"), cluster_->dir().string());
    EXPECT_EQ(scalar(conn->get(), "SHOW fsync"), "off");
    EXPECT_TRUE(fs::exists(cluster_->dir() / (".s.PGSQL." + std::to_string(cluster_->port()))));
    EXPECT_EQ(std::atoi(scalar(conn->get(), "SHOW server_version_num").c_str()) / 10000 >= 15, true);

    // The conninfo and the URL reach the same server.
    EXPECT_EQ(cluster_->conninfo(), "host=" + cluster_->dir().string() + " port=" + std::to_string(cluster_->port()) +
                                        " dbname=postgres user=faxadmin");
    const std::string url = cluster_->url("postgres", "faxadmin");
    EXPECT_EQ(url.rfind("postgresql:///postgres?host=%2F", 0), 0u) << url;
    PgConnPtr by_url(PQconnectdb(url.c_str()));
    ASSERT_EQ(PQstatus(by_url.get()), CONNECTION_OK) << url << ": " << PQerrorMessage(by_url.get());
    EXPECT_EQ(scalar(by_url.get(), "SELECT 2"), "2");
}

TEST_F(PgClusterTest, ServerRunsAsTheCallerOrAsNobodyWhenRoot) {
    const auto pid = postmaster_pid(*cluster_);
    ASSERT_TRUE(pid.has_value());
    struct stat st {};
    ASSERT_EQ(::stat(("/proc/" + std::to_string(*pid)).c_str(), &st), 0);
    if (::geteuid() == 0) {
        EXPECT_NE(st.st_uid, 0u) << "the postmaster runs as root";
        struct stat dir {};
        ASSERT_EQ(::stat(cluster_->dir().c_str(), &dir), 0);
        EXPECT_EQ(dir.st_uid, st.st_uid);
        EXPECT_EQ(dir.st_mode & 0777, 0700u);
    } else {
        EXPECT_EQ(st.st_uid, ::geteuid());
    }
}

TEST_F(PgClusterTest, StoppedServerRefusesConnectionsAndRestartBringsItBack) {
    ASSERT_TRUE(cluster_->exec("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)").ok());

    auto s = cluster_->stop();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_FALSE(cluster_->running());
    auto during = cluster_->connect();
    EXPECT_FALSE(during.ok());
    if (!during.ok()) {
        EXPECT_EQ(during.error().code, Errc::Disconnected);
    }
    EXPECT_FALSE(fs::exists(cluster_->dir() / (".s.PGSQL." + std::to_string(cluster_->port()))));
    EXPECT_EQ(PQping(cluster_->conninfo().c_str()), PQPING_NO_RESPONSE);

    s = cluster_->restart();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_TRUE(cluster_->running());
    auto after = cluster_->connect();
    ASSERT_TRUE(after.ok()) << after.error().to_string();
    EXPECT_EQ(scalar(after->get(), "SELECT n FROM kept"), "7");  // same data directory
}

TEST_F(PgClusterTest, RestartOfARunningServerDropsItsConnections) {
    auto conn = cluster_->connect();
    ASSERT_TRUE(conn.ok()) << conn.error().to_string();
    const auto pid = postmaster_pid(*cluster_);
    auto s = cluster_->restart();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_NE(postmaster_pid(*cluster_), pid);
    EXPECT_EQ(scalar(conn->get(), "SELECT 1").rfind("ERROR: ", 0), 0u);  // the old session is gone
    auto again = cluster_->connect();
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(scalar(again->get(), "SELECT 1"), "1");
}

TEST_F(PgClusterTest, TwoClustersRunSideBySide) {
    auto second = timed_start("second_cluster");
    ASSERT_TRUE(second.ok()) << second.error().to_string();
    auto& other = *second.value();
    EXPECT_NE(other.port(), cluster_->port());
    EXPECT_NE(other.dir(), cluster_->dir());

    ASSERT_TRUE(cluster_->create_database("only_in_first").ok());
    auto a = cluster_->connect("only_in_first");
    EXPECT_TRUE(a.ok()) << a.error().to_string();
    auto b = other.connect("only_in_first");
    EXPECT_FALSE(b.ok());
    auto b_default = other.connect();
    ASSERT_TRUE(b_default.ok()) << b_default.error().to_string();
    EXPECT_EQ(scalar(b_default->get(), "SELECT 1"), "1");
}

TEST_F(PgClusterTest, DestructorStopsTheServerAndRemovesTheDirectory) {
    const fs::path dir = cluster_->dir();
    const auto pid = postmaster_pid(*cluster_);
    ASSERT_TRUE(pid.has_value());
    ASSERT_TRUE(process_alive(*pid));
    const std::string conninfo = cluster_->conninfo();
    cluster_.reset();
    EXPECT_FALSE(fs::exists(dir)) << dir;
    EXPECT_FALSE(process_alive(*pid)) << "postmaster " << *pid << " still runs";
    EXPECT_EQ(PQping(conninfo.c_str()), PQPING_NO_RESPONSE);
}

TEST_F(PgClusterTest, DestructorAfterStopRemovesTheDirectory) {
    const fs::path dir = cluster_->dir();
    ASSERT_TRUE(cluster_->stop().ok());
    cluster_.reset();
    EXPECT_FALSE(fs::exists(dir)) << dir;
}

TEST_F(PgClusterTest, ForkedChildLeavesTheClusterToItsOwner) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // A multi-process test's worker: uses the server, drops its copy of the object.
        const bool used = cluster_->exec("SELECT 1").ok();
        cluster_.reset();
        ::_exit(used ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_TRUE(fs::exists(cluster_->dir()));
    auto conn = cluster_->connect();
    ASSERT_TRUE(conn.ok()) << conn.error().to_string();
    EXPECT_EQ(scalar(conn->get(), "SELECT 1"), "1");
}

// A process that dies without the destructor (crash, ctest timeout) leaves a postmaster
// and a directory; the next start() removes both.
TEST_F(PgClusterTest, NextStartRemovesTheClusterOfADeadProcess) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(fds[0]);
        cluster_.release();  // NOLINT: the parent's object, not this process's
        auto c = PgCluster::start();
        std::string msg;
        if (c.ok()) {
            const auto pm = postmaster_pid(*c.value());
            msg = c.value()->dir().string() + "\n" + std::to_string(pm.value_or(0)) + "\n";
            (void)c.value().release();  // "crash": no destructor
        }
        (void)!::write(fds[1], msg.data(), msg.size());
        ::_exit(c.ok() ? 0 : 1);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child's start() failed";
    const auto nl = out.find('\n');
    ASSERT_NE(nl, std::string::npos) << out;
    const fs::path abandoned = out.substr(0, nl);
    const pid_t pm = static_cast<pid_t>(std::atol(out.c_str() + nl + 1));
    ASSERT_GT(pm, 0);
    ASSERT_TRUE(fs::exists(abandoned));
    ASSERT_TRUE(process_alive(pm));

    auto next = PgCluster::start();
    ASSERT_TRUE(next.ok()) << next.error().to_string();
    EXPECT_FALSE(fs::exists(abandoned)) << abandoned;
    EXPECT_FALSE(process_alive(pm)) << "abandoned postmaster " << pm << " still runs";
    EXPECT_TRUE(fs::exists(cluster_->dir())) << "a live owner's cluster was swept";
    auto conn = cluster_->connect();
    EXPECT_TRUE(conn.ok()) << conn.error().to_string();
}

TEST_F(PgClusterTest, RolesDatabasesAndSetUpSql) {
    ASSERT_TRUE(cluster_->create_role("fax_station").ok());
    ASSERT_TRUE(cluster_->create_database("fax store").ok());  // a name that needs quoting
    ASSERT_TRUE(cluster_->exec("GRANT CREATE ON SCHEMA public TO fax_station", "fax store").ok());
    auto conn = cluster_->connect("fax store", "fax_station");
    ASSERT_TRUE(conn.ok()) << conn.error().to_string();
    EXPECT_EQ(scalar(conn->get(), "SELECT current_user"), "fax_station");
    EXPECT_EQ(scalar(conn->get(), "SELECT current_database()"), "fax store");
    EXPECT_EQ(scalar(conn->get(), "CREATE TABLE t (n int); INSERT INTO t VALUES (1); SELECT count(*) FROM t"), "1");
    PgConnPtr by_url(PQconnectdb(cluster_->url("fax store", "fax_station").c_str()));
    EXPECT_EQ(PQstatus(by_url.get()), CONNECTION_OK) << PQerrorMessage(by_url.get());

    auto bad = cluster_->exec("SELECT * FROM no_such_table");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::InvalidArgument);
    EXPECT_NE(bad.error().message.find("no_such_table"), std::string::npos) << bad.error().message;
    EXPECT_FALSE(cluster_->create_database("fax store").ok());  // exists already
    EXPECT_FALSE(cluster_->create_role("").ok());
}

}  // namespace
}  // namespace fax::test
