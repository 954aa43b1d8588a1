// The two store backends for parameterised tests: every store test runs once on SQLite
// files and once on a throw-away PostgreSQL cluster started by the test itself
// (tests/support/pg_cluster.h). ctest names carry the backend: ".../sqlite", ".../postgres".
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "fax/store/database.h"
#include "gate_fixture.h"
#include "pg_cluster.h"

namespace fax::test {

// One cluster per test process (ctest runs each test in a process of its own).
inline PgCluster* shared_cluster(std::string* why) {
    static std::unique_ptr<PgCluster> cluster;
    static std::string reason;
    static bool tried = false;
    if (!tried) {
        tried = true;
        auto c = PgCluster::start();
        if (c) cluster = std::move(*c);
        else reason = c.error().to_string();
    }
    if (why != nullptr) *why = reason;
    return cluster.get();
}

class BackendTest : public ::testing::TestWithParam<store::Backend> {
protected:
    void SetUp() override {
        if (GetParam() == store::Backend::Postgres) {
            std::string why;
            pg_ = shared_cluster(&why);
            if (pg_ == nullptr) {
                // CI installs the server (scripts/setup.sh) and says so: there a missing
                // server is a failure, not a skip.
                if (std::getenv("FAXSTACK_REQUIRE_POSTGRES") != nullptr) FAIL() << "PostgreSQL: " << why;
                GTEST_SKIP() << "PostgreSQL server not available: " << why;
            }
            static std::atomic<int> n{0};
            dbname_ = "stores_" + std::to_string(n++);
            auto s = pg_->create_database(dbname_);
            ASSERT_TRUE(s.ok()) << s.error().to_string();
        }
    }

    bool postgres() const { return GetParam() == store::Backend::Postgres; }

    // A new connection to the database of `store` (a station's handle): its own file on
    // SQLite, the test's database on PostgreSQL. `user`: the PostgreSQL role.
    std::shared_ptr<store::Database> connect(const std::string& store_name, const std::string& user = "faxadmin") {
        if (postgres()) {
            auto db = store::open_postgres(pg_->conninfo(dbname_, user), store_name);
            EXPECT_TRUE(db.ok()) << db.error().to_string();
            return db ? std::shared_ptr<store::Database>(std::move(*db)) : nullptr;
        }
        auto db = store::open_sqlite(tmp_ / (store_name + ".db"), store_name, true);
        EXPECT_TRUE(db.ok()) << db.error().to_string();
        return db ? std::shared_ptr<store::Database>(std::move(*db)) : nullptr;
    }

    std::string url(const std::string& user = "faxadmin") const { return pg_->url(dbname_, user); }

    gate::test::TempDir tmp_;
    PgCluster* pg_ = nullptr;
    std::string dbname_;
};

inline std::string backend_name(const ::testing::TestParamInfo<store::Backend>& info) {
    return std::string(store::to_string(info.param) == "sqlite" ? "sqlite" : "postgres");
}

}  // namespace fax::test

#define FAX_BOTH_BACKENDS(Suite) \
    INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::Values(fax::store::Backend::Sqlite, fax::store::Backend::Postgres), \
                             fax::test::backend_name)
