// PostgreSQL-only behaviour that the cross-backend conformance suite cannot express: lost
// connections, several nodes sharing one database, libpq specifics (password redaction is
// tested in tests/unit/common/redact_test.cc). Needs CENTINELA_TEST_PG_URL
// (scripts/with-postgres.sh sets it); skips otherwise. Each case works in its own schema and
// only touches its own connections, so it can run beside the conformance suite.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/hash.h"
#include "events/audit.h"
#include "store/store.h"

namespace centinela::store {
namespace {


class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    const char* pg = std::getenv("CENTINELA_TEST_PG_URL");
    if (pg == nullptr || *pg == '\0') GTEST_SKIP() << "CENTINELA_TEST_PG_URL is not set";
    base_url_ = pg;
    schema_ = "p_" + NewId().substr(0, 20);
    admin_ = PQconnectdb(pg);
    ASSERT_EQ(PQstatus(admin_), CONNECTION_OK) << PQerrorMessage(admin_);
    Admin("SET client_min_messages = warning");
    Admin("CREATE SCHEMA " + schema_);
    url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_ + "&application_name=" + schema_;
  }
  void TearDown() override {
    for (auto& s : stores_) s->Close();
    stores_.clear();
    if (admin_) {
      Admin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      PQfinish(admin_);
    }
  }

  void Admin(const std::string& sql) {
    PGresult* r = PQexec(admin_, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) << PQresultErrorMessage(r);
    PQclear(r);
  }

  Store& Open(StoreOptions o = {}) {
    o.clock = &clock_;
    auto s = OpenStore(url_, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    stores_.push_back(std::move(s).value());
    return *stores_.back();
  }

  Store& OpenMigrated(StoreOptions o = {}) {
    Store& s = Open(o);
    auto v = s.Migrate();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(s.WriteSync([](Tx& tx) -> Status {
                   auto r = tx.Exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, i BIGINT)");
                   return r.ok() ? Status::Ok() : r.status();
                 }).ok());
    return s;
  }

  //! Terminates every server connection of this test's stores (the URL names them after
  //! the schema), as a server restart or a network cut would.
  int TerminateStoreConnections() {
    const std::string sql =
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> "
        "pg_backend_pid() AND application_name = '" +
        schema_ + "'";
    PGresult* r = PQexec(admin_, sql.c_str());
    int n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
  }

  static WriteFn Insert(const std::string& k, int64_t i) {
    return [k, i](Tx& tx) -> Status {
      auto r = tx.Exec("INSERT INTO kv (k, i) VALUES ($1, $2)", {k, i});
      if (!r.ok()) return r.status();
      auto e = tx.Append({"kv.inserted", "test", "kv:" + k, "admin", "{}"});
      return e.ok() ? Status::Ok() : e.status();
    };
  }

  std::string base_url_, url_, schema_;
  PGconn* admin_ = nullptr;
  FakeClock clock_;
  std::vector<std::unique_ptr<Store>> stores_;
};

TEST_F(PostgresStoreTest, OpenFailureIsUnavailableAndNeverShowsThePassword) {
  auto s = OpenStore("postgresql://someone:hunter2@127.0.0.1:1/nothing?connect_timeout=2", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kUnavailable);
  EXPECT_EQ(s.status().message().find("hunter2"), std::string::npos) << s.status().message();
}

TEST_F(PostgresStoreTest, WriterAndReadersReconnectAfterTheServerDropsThem) {
  Store& store = OpenMigrated();
  ASSERT_TRUE(store.WriteSync(Insert("a", 1)).ok());
  ASSERT_TRUE(store.Query("SELECT 1 AS x").ok());
  ASSERT_GE(TerminateStoreConnections(), 2);  // the writer and at least one reader

  // Reads retry on a fresh connection transparently.
  auto q = store.Query("SELECT count(*) AS n FROM kv");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->Int(0, "n"), 1);
  EXPECT_TRUE(store.Ping().ok());

  // The batch that finds the writer dead fails with kUnavailable; the next one reconnects.
  Status lost = store.WriteSync(Insert("b", 2));
  EXPECT_EQ(lost.code(), Code::kUnavailable) << lost.ToString();
  std::vector<Event> evs;
  Status again = store.WriteSync(Insert("c", 3), &evs);
  ASSERT_TRUE(again.ok()) << again.ToString();
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].seq, 2);  // the failed write left no gap
  auto audit = events::VerifyChain(store);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->first_broken_seq, 0) << audit->reason;
}

TEST_F(PostgresStoreTest, TwoNodesSharingTheDatabaseKeepOneGapFreeChain) {
  Store& a = OpenMigrated();
  Store& b = OpenMigrated();  // a second "node": its own writer and readers
  constexpr int kThreads = 6;
  constexpr int kPerThread = 60;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store& s = (t % 2) ? a : b;
      for (int i = 0; i < kPerThread; ++i) {
        if (!s.WriteSync(Insert(std::to_string(t) + "-" + std::to_string(i), i)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto last = a.LastSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, kThreads * kPerThread);
  auto audit = events::VerifyChain(b);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  EXPECT_EQ(audit->checked, kThreads * kPerThread);
  EXPECT_EQ(audit->first_broken_seq, 0) << audit->reason;
}

TEST_F(PostgresStoreTest, AWriteThatIgnoresAFailedStatementFailsAlone) {
  Store& store = OpenMigrated();
  ASSERT_TRUE(store.WriteSync(Insert("dup", 1)).ok());
  std::promise<void> go;
  std::shared_future<void> gate = go.get_future().share();
  std::promise<Status> blocked_done, ignoring_done, after_done;
  store.Write(
      [gate](Tx&) {
        gate.wait();
        return Status::Ok();
      },
      [&](Status s, std::vector<Event>) { blocked_done.set_value(s); });
  store.Write(
      [](Tx& tx) -> Status {
        auto first =
            tx.Exec("INSERT INTO kv (k, i) VALUES ($1, $2)", {std::string("x1"), int64_t{1}});
        EXPECT_TRUE(first.ok());
        auto dup =
            tx.Exec("INSERT INTO kv (k, i) VALUES ($1, $2)", {std::string("dup"), int64_t{2}});
        EXPECT_EQ(dup.status().code(), Code::kConflict);
        auto next = tx.Exec("SELECT 1 AS one");  // PostgreSQL: the write is doomed now
        EXPECT_FALSE(next.ok());
        return Status::Ok();  // ...and it pretends all is well
      },
      [&](Status s, std::vector<Event>) { ignoring_done.set_value(s); });
  store.Write(Insert("after", 3), [&](Status s, std::vector<Event>) { after_done.set_value(s); });
  go.set_value();
  EXPECT_TRUE(blocked_done.get_future().get().ok());
  EXPECT_EQ(ignoring_done.get_future().get().code(), Code::kConflict);
  EXPECT_TRUE(after_done.get_future().get().ok());
  auto q = store.Query("SELECT k FROM kv ORDER BY k");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ(q->Text(0, "k"), "after");
  EXPECT_EQ(q->Text(1, "k"), "dup");
}

TEST_F(PostgresStoreTest, BadEventTextFailsOnlyItsWrite) {
  Store& store = OpenMigrated();
  // A NUL byte cannot be stored in TEXT; invalid UTF-8 is refused by the server.
  Status nul = store.WriteSync([](Tx& tx) -> Status {
    auto e = tx.Append({"bad", "test", std::string("a\0b", 3), "admin", "{}"});
    return e.ok() ? Status::Ok() : e.status();
  });
  EXPECT_FALSE(nul.ok());
  Status utf8 = store.WriteSync([](Tx& tx) -> Status {
    auto e = tx.Append({"bad", "test", "\xff\xfe", "admin", "{}"});
    return e.ok() ? Status::Ok() : e.status();
  });
  EXPECT_FALSE(utf8.ok());
  std::vector<Event> evs;
  ASSERT_TRUE(store.WriteSync(Insert("fine", 1), &evs).ok());
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].seq, 1);
}

TEST_F(PostgresStoreTest, FullQueueAnswersUnavailableAtOnce) {
  StoreOptions o;
  o.max_queue = 1;
  Store& store = OpenMigrated(o);
  std::promise<void> go, started;
  std::shared_future<void> gate = go.get_future().share();
  std::promise<Status> first;
  store.Write(
      [&, gate](Tx&) {
        started.set_value();
        gate.wait();
        return Status::Ok();
      },
      [&](Status s, std::vector<Event>) { first.set_value(s); });
  started.get_future().wait();
  std::promise<Status> queued;
  store.Write(Insert("q", 1), [&](Status s, std::vector<Event>) { queued.set_value(s); });
  bool rejected_now = false;
  store.Write(Insert("r", 2),
              [&](Status s, std::vector<Event>) { rejected_now = s.code() == Code::kUnavailable; });
  EXPECT_TRUE(rejected_now);
  go.set_value();
  EXPECT_TRUE(first.get_future().get().ok());
  EXPECT_TRUE(queued.get_future().get().ok());
}

TEST_F(PostgresStoreTest, ReadsSurviveATableChangingShape) {
  Store& store = OpenMigrated();
  ASSERT_TRUE(store.WriteSync(Insert("a", 1)).ok());
  ASSERT_TRUE(store.Query("SELECT * FROM kv").ok());
  ASSERT_TRUE(store
                  .WriteSync([](Tx& tx) -> Status {
                    auto r = tx.Exec("ALTER TABLE kv ADD COLUMN extra TEXT");
                    return r.ok() ? Status::Ok() : r.status();
                  })
                  .ok());
  // Every reader connection may hold the old plan; ask more times than there are readers.
  for (int i = 0; i < 8; ++i) {
    auto r = store.Query("SELECT * FROM kv");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->columns.size(), 3u);
  }
}

TEST_F(PostgresStoreTest, ResultTypesFollowColumnTypes) {
  Store& store = OpenMigrated();
  auto r = store.Query(
      "SELECT 1::int2 AS a, 2::int4 AS b, 3::int8 AS c, 1.5::float4 AS d, 2.5::float8 AS e, "
      "12.25::numeric AS f, true AS g, false AS h, 'x'::text AS i, '{\"a\":1}'::jsonb AS j, "
      "NULL::int8 AS k, sum(x) AS l FROM (VALUES (1::bigint), (2::bigint)) v(x)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& row = r->rows[0];
  EXPECT_EQ(std::get<int64_t>(row[0]), 1);
  EXPECT_EQ(std::get<int64_t>(row[1]), 2);
  EXPECT_EQ(std::get<int64_t>(row[2]), 3);
  EXPECT_EQ(std::get<double>(row[3]), 1.5);
  EXPECT_EQ(std::get<double>(row[4]), 2.5);
  EXPECT_EQ(std::get<double>(row[5]), 12.25);
  EXPECT_EQ(std::get<int64_t>(row[6]), 1);
  EXPECT_EQ(std::get<int64_t>(row[7]), 0);
  EXPECT_EQ(std::get<std::string>(row[8]), "x");
  EXPECT_EQ(std::get<std::string>(row[9]), "{\"a\": 1}");
  EXPECT_TRUE(IsNull(row[10]));
  EXPECT_EQ(r->Int(0, "l"), 3);
  // Readers are read-only.
  auto w = store.Query("INSERT INTO kv (k, i) VALUES ('nope', 1)");
  EXPECT_FALSE(w.ok());
}

}  // namespace
}  // namespace centinela::store
