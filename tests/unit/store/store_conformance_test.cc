// One behavioural suite for every Store backend (STYLE.md, habit 4). Each case runs on
// "sqlite" (a fresh file under a fresh temp directory) and on "postgresql" (a fresh schema in
// the database named by CENTINELA_TEST_PG_URL; skipped when that variable is unset).
//
// Cases only use the Store interface and portable SQL; the fixture's RawExec is the one
// backdoor, used to tamper with the log the way an attacker with file/database access would.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/hash.h"
#include "common/metrics.h"
#include "events/audit.h"
#include "events/bus.h"
#include "store/event.h"
#include "store/migrations.h"
#include "store/store.h"

namespace centinela::store {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPgUrlEnv = "CENTINELA_TEST_PG_URL";
constexpr const char* kSqlite = "sqlite";
constexpr const char* kPostgres = "postgresql";

// Appends a libpq option to a postgresql:// URL so every connection the store opens uses
// `schema` first on its search_path.
std::string WithSearchPath(const std::string& url, const std::string& schema) {
  const char sep = url.find('?') == std::string::npos ? '?' : '&';
  return url + sep + "options=-csearch_path%3D" + schema;
}

EventDraft Draft(const std::string& type, const std::string& subject,
                 const std::string& payload = "{}") {
  return EventDraft{type, "test", subject, "admin", payload};
}

//! A WriteFn that inserts kv(k, i) and appends one event naming k.
WriteFn InsertKv(const std::string& k, int64_t i) {
  return [k, i](Tx& tx) -> Status {
    Result<Rows> r = tx.Exec("INSERT INTO kv (k, i) VALUES ($1, $2)", {k, i});
    if (!r.ok()) return r.status();
    Result<Event> e = tx.Append(Draft("kv.inserted", "kv:" + k, "{\"k\":\"" + k + "\"}"));
    return e.ok() ? Status::Ok() : e.status();
  };
}

//! Completion of an asynchronous Write, for waiting on it in a test.
struct Outcome {
  std::promise<std::pair<Status, std::vector<Event>>> promise;
  std::future<std::pair<Status, std::vector<Event>>> future = promise.get_future();
  WriteDone Done() {
    return [this](Status s, std::vector<Event> evs) {
      promise.set_value({std::move(s), std::move(evs)});
    };
  }
  std::pair<Status, std::vector<Event>> Get() {
    if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "write did not complete within 60 s";
      return {Internal("timeout"), {}};
    }
    return future.get();
  }
};

//! Holds the writer busy inside a WriteFn until Release(), so that writes queued meanwhile
//! are group-committed together in the next batch.
class WriterBlocker {
 public:
  void Start(Store& store) {
    store.Write(
        [this](Tx&) {
          started_.set_value();
          release_future_.wait();
          return Status::Ok();
        },
        done_.Done());
    started_future_.wait();
  }
  void Release() {
    release_.set_value();
    EXPECT_TRUE(done_.Get().first.ok());
  }

 private:
  std::promise<void> started_;
  std::future<void> started_future_ = started_.get_future();
  std::promise<void> release_;
  std::shared_future<void> release_future_ = release_.get_future().share();
  Outcome done_;
};

class StoreConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    InitCrypto();
    backend_ = GetParam();
    if (backend_ == kSqlite) {
      dir_ = fs::temp_directory_path() / ("centinela-store-test-" + NewId());
      // A directory that does not exist yet: opening must create it.
      db_path_ = (dir_ / "data" / "centinela.db").string();
      url_ = "sqlite:" + db_path_;
      return;
    }
    const char* pg = std::getenv(kPgUrlEnv);
    if (pg == nullptr || *pg == '\0') {
      GTEST_SKIP() << kPgUrlEnv
                   << " is not set: skipping the PostgreSQL backend (make test sets it)";
    }
    schema_ = "t_" + NewId().substr(0, 20);
    pg_ = PQconnectdb(pg);
    ASSERT_EQ(PQstatus(pg_), CONNECTION_OK) << PQerrorMessage(pg_);
    PQsetNoticeProcessor(pg_, [](void*, const char*) {}, nullptr);  // "drop cascades to ..."
    RawExec("CREATE SCHEMA " + schema_);
    RawExec("SET search_path TO " + schema_);
    url_ = WithSearchPath(pg, schema_);
  }

  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    if (pg_) {
      if (!schema_.empty()) {
        PGresult* r = PQexec(pg_, ("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").c_str());
        PQclear(r);
      }
      PQfinish(pg_);
      pg_ = nullptr;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  StoreOptions Options() {
    StoreOptions o;
    o.clock = &clock_;
    return o;
  }

  //! Opens (not migrates) the store under test into store_.
  void Open(StoreOptions options) {
    Result<std::unique_ptr<Store>> s = OpenStore(url_, options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_EQ(store_->Backend(), backend_);
  }

  //! Opens, migrates and creates the scratch table kv used by most cases.
  void OpenMigrated(StoreOptions options) {
    ASSERT_NO_FATAL_FAILURE(Open(options));
    Result<int> v = store_->Migrate();
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    Status s = store_->WriteSync([](Tx& tx) -> Status {
      Result<Rows> r = tx.Exec(
          "CREATE TABLE kv (k TEXT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT)");
      return r.ok() ? Status::Ok() : r.status();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void OpenMigrated() { OpenMigrated(Options()); }

  int LatestVersion() const {
    const auto& list = backend_ == kSqlite ? SqliteMigrations() : PostgresMigrations();
    return list.back().version;
  }

  //! Runs SQL directly against the database, bypassing the store (to tamper with it).
  void RawExec(const std::string& sql) {
    if (backend_ == kSqlite) {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open_v2(db_path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
      sqlite3_busy_timeout(db, 5000);
      char* err = nullptr;
      int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
      std::string msg = err ? err : "";
      sqlite3_free(err);
      sqlite3_close(db);
      ASSERT_EQ(rc, SQLITE_OK) << msg;
      return;
    }
    PGresult* r = PQexec(pg_, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    ASSERT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) << msg;
  }

  int64_t CountKv(const std::string& where = "", const Params& params = {}) {
    Result<Rows> r = store_->Query("SELECT count(*) AS n FROM kv" + where, params);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->Int(0, "n") : -1;
  }

  std::vector<Event> AllEvents() {
    std::vector<Event> out;
    int64_t after = 0;
    for (;;) {
      Result<std::vector<Event>> page = store_->ReadEvents(after, 1000);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok() || page->empty()) return out;
      after = page->back().seq;
      out.insert(out.end(), page->begin(), page->end());
    }
  }

  void ExpectGapFree(const std::vector<Event>& events, int64_t n) {
    ASSERT_EQ(static_cast<int64_t>(events.size()), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(events[static_cast<size_t>(i)].seq, i + 1);
  }

  //! n writes of one kv row + one event each, committed one by one.
  void WriteN(int n, const std::string& prefix = "k") {
    for (int i = 0; i < n; ++i) {
      Status s = store_->WriteSync(InsertKv(prefix + std::to_string(i), i));
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  std::string backend_;
  std::string url_;
  fs::path dir_;
  std::string db_path_;
  std::string schema_;
  PGconn* pg_ = nullptr;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

// ---------------------------------------------------------------------------------------
// Schema

TEST_P(StoreConformanceTest, MigrateFromEmptyReachesLatestAndIsIdempotent) {
  ASSERT_NO_FATAL_FAILURE(Open(Options()));
  Result<int> before = store_->SchemaVersion();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(*before, 0);

  Result<int> v = store_->Migrate();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, LatestVersion());
  Result<int> again = store_->Migrate();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, LatestVersion());
  Result<int> after = store_->SchemaVersion();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, LatestVersion());

  Result<Rows> applied = store_->Query("SELECT count(*) AS n FROM schema_migrations");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->Int(0, "n"), LatestVersion());
  Result<int64_t> last = store_->LastSeq();
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(*last, 0);
  EXPECT_TRUE(store_->Ping().ok());
}

TEST_P(StoreConformanceTest, MigrateWhileServingWrites) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  std::vector<std::unique_ptr<Outcome>> outs;
  for (int i = 0; i < 20; ++i) {
    outs.push_back(std::make_unique<Outcome>());
    store_->Write(InsertKv("m" + std::to_string(i), i), outs.back()->Done());
    if (i == 10) {
      Result<int> v = store_->Migrate();
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      EXPECT_EQ(*v, LatestVersion());
    }
  }
  for (auto& o : outs) EXPECT_TRUE(o->Get().first.ok());
  EXPECT_EQ(CountKv(), 20);
}

// ---------------------------------------------------------------------------------------
// Exec and Query

TEST_P(StoreConformanceTest, ExecRoundTripsEveryValueKindAndNull) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  const int64_t big = 9'007'199'254'740'993;  // 2^53 + 1: not representable as a double
  const std::string text = "Ñuñoa \"quoted\" 'single' \\ back; 🚨";
  Status s = store_->WriteSync([&](Tx& tx) -> Status {
    Result<Rows> a = tx.Exec("INSERT INTO kv (k, i, r, s) VALUES ($1, $2, $3, $4)",
                             {std::string("full"), big, 3.25, text});
    if (!a.ok()) return a.status();
    EXPECT_EQ(a->affected, 1);
    Result<Rows> b = tx.Exec("INSERT INTO kv (k, i, r, s) VALUES ($1, $2, $3, $4)",
                             {std::string("nulls"), Value{}, Value{}, Value{}});
    if (!b.ok()) return b.status();
    Result<Rows> c = tx.Exec("INSERT INTO kv (k, i, r, s) VALUES ($1, $2, $3, $4)",
                             {std::string("edge"), int64_t{-42}, -0.5, std::string()});
    if (!c.ok()) return c.status();
    // Reads inside the transaction see its own writes.
    Result<Rows> in_tx = tx.Exec("SELECT i FROM kv WHERE k = $1", {std::string("full")});
    if (!in_tx.ok()) return in_tx.status();
    EXPECT_EQ(in_tx->Int(0, "i"), big);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();

  Result<Rows> r = store_->Query("SELECT k, i, r, s FROM kv ORDER BY k");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->columns, (std::vector<std::string>{"k", "i", "r", "s"}));
  ASSERT_EQ(r->size(), 3u);
  // Rows ordered by k: edge, full, nulls.
  const auto& edge = r->rows[0];
  const auto& full = r->rows[1];
  const auto& nulls = r->rows[2];
  ASSERT_TRUE(std::holds_alternative<std::string>(full[0]));
  EXPECT_EQ(std::get<std::string>(full[0]), "full");
  ASSERT_TRUE(std::holds_alternative<int64_t>(full[1]));
  EXPECT_EQ(std::get<int64_t>(full[1]), big);
  ASSERT_TRUE(std::holds_alternative<double>(full[2]));
  EXPECT_EQ(std::get<double>(full[2]), 3.25);
  ASSERT_TRUE(std::holds_alternative<std::string>(full[3]));
  EXPECT_EQ(std::get<std::string>(full[3]), text);

  EXPECT_TRUE(IsNull(nulls[1]));
  EXPECT_TRUE(IsNull(nulls[2]));
  EXPECT_TRUE(IsNull(nulls[3]));

  ASSERT_TRUE(std::holds_alternative<int64_t>(edge[1]));
  EXPECT_EQ(std::get<int64_t>(edge[1]), -42);
  ASSERT_TRUE(std::holds_alternative<double>(edge[2]));
  EXPECT_EQ(std::get<double>(edge[2]), -0.5);
  // The empty string is a value, not NULL.
  ASSERT_TRUE(std::holds_alternative<std::string>(edge[3]));
  EXPECT_EQ(std::get<std::string>(edge[3]), "");

  Result<Rows> filtered = store_->Query("SELECT k FROM kv WHERE s IS NULL");
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ(filtered->Text(0, "k"), "nulls");

  // affected counts every changed row.
  Status u = store_->WriteSync([](Tx& tx) -> Status {
    Result<Rows> r = tx.Exec("UPDATE kv SET s = $1 WHERE k <> $2", {std::string("x"), std::string("full")});
    if (!r.ok()) return r.status();
    EXPECT_EQ(r->affected, 2);
    // Statements that change no rows report 0, even right after one that did.
    Result<Rows> ddl = tx.Exec("CREATE TABLE other (x BIGINT)");
    if (!ddl.ok()) return ddl.status();
    EXPECT_EQ(ddl->affected, 0);
    Result<Rows> none = tx.Exec("DELETE FROM kv WHERE k = $1", {std::string("absent")});
    if (!none.ok()) return none.status();
    EXPECT_EQ(none->affected, 0);
    return Status::Ok();
  });
  EXPECT_TRUE(u.ok()) << u.ToString();
}

TEST_P(StoreConformanceTest, DollarPlaceholdersBindByNumberRepeatedAndOutOfOrder) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  Status s = store_->WriteSync([](Tx& tx) -> Status {
    // $2 used twice, numbers out of order.
    Result<Rows> r = tx.Exec("INSERT INTO kv (k, s, i) VALUES ($2, $2, $1)",
                             {int64_t{7}, std::string("dup")});
    if (!r.ok()) return r.status();
    // $10 and $11 must not be read as $1 followed by a digit.
    r = tx.Exec(
        "CREATE TABLE wide (c1 BIGINT, c2 BIGINT, c3 BIGINT, c4 BIGINT, c5 BIGINT, c6 BIGINT, "
        "c7 BIGINT, c8 BIGINT, c9 BIGINT, c10 BIGINT, c11 BIGINT)");
    if (!r.ok()) return r.status();
    Params p;
    for (int64_t i = 1; i <= 11; ++i) p.emplace_back(i * 100);
    r = tx.Exec(
        "INSERT INTO wide (c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11) "
        "VALUES ($11, $10, $9, $8, $7, $6, $5, $4, $3, $2, $1)",
        p);
    return r.ok() ? Status::Ok() : r.status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();

  Result<Rows> r = store_->Query("SELECT k, s, i FROM kv WHERE i = $2 AND k = $1",
                                 {std::string("dup"), int64_t{7}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->Text(0, "k"), "dup");
  EXPECT_EQ(r->Text(0, "s"), "dup");
  EXPECT_EQ(r->Int(0, "i"), 7);

  Result<Rows> w = store_->Query("SELECT c1, c2, c10, c11 FROM wide");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_EQ(w->size(), 1u);
  EXPECT_EQ(w->Int(0, "c1"), 1100);
  EXPECT_EQ(w->Int(0, "c2"), 1000);
  EXPECT_EQ(w->Int(0, "c10"), 200);
  EXPECT_EQ(w->Int(0, "c11"), 100);

  // Too few parameters is an error, not a silent NULL.
  Result<Rows> missing = store_->Query("SELECT k FROM kv WHERE k = $1 AND i = $2",
                                       {std::string("dup")});
  EXPECT_FALSE(missing.ok());
}

TEST_P(StoreConformanceTest, SqlErrorsAreInternalNotConflict) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  Status s = store_->WriteSync([](Tx& tx) -> Status {
    Result<Rows> r = tx.Exec("INSERT INTO no_such_table (x) VALUES ($1)", {int64_t{1}});
    return r.ok() ? Status::Ok() : r.status();
  });
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
  Result<Rows> q = store_->Query("SELECT nope FROM kv");
  EXPECT_FALSE(q.ok());
}

// ---------------------------------------------------------------------------------------
// Group commit: per-write rollback inside a shared transaction

TEST_P(StoreConformanceTest, ConstraintViolationIsConflictAndBatchmatesCommit) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  std::mutex mu;
  std::vector<std::vector<Event>> commits;
  store_->SetCommitListener([&](const std::vector<Event>& evs) {
    std::lock_guard lock(mu);
    commits.push_back(evs);
  });

  const std::string secret = "secret-value-4815162342";
  WriterBlocker blocker;
  blocker.Start(*store_);
  Outcome a, b, c;
  store_->Write(InsertKv(secret, 1), a.Done());
  store_->Write(InsertKv(secret, 2), b.Done());  // duplicate primary key
  store_->Write(InsertKv("other", 3), c.Done());
  blocker.Release();

  auto [sa, ea] = a.Get();
  auto [sb, eb] = b.Get();
  auto [sc, ec] = c.Get();
  ASSERT_TRUE(sa.ok()) << sa.ToString();
  EXPECT_EQ(sb.code(), Code::kConflict) << sb.ToString();
  EXPECT_EQ(sb.message().find(secret), std::string::npos)
      << "conflict message leaks a parameter value: " << sb.message();
  EXPECT_TRUE(eb.empty());
  ASSERT_TRUE(sc.ok()) << sc.ToString();
  ASSERT_EQ(ea.size(), 1u);
  ASSERT_EQ(ec.size(), 1u);
  EXPECT_EQ(ec[0].seq, ea[0].seq + 1);
  EXPECT_EQ(ec[0].prev_hash, ea[0].hash);

  EXPECT_EQ(CountKv(), 2);
  Result<Rows> r = store_->Query("SELECT i FROM kv WHERE k = $1", {secret});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Int(0, "i"), 1);

  // a and c were group-committed: one commit carried both events.
  std::lock_guard lock(mu);
  ASSERT_EQ(commits.size(), 1u);
  ASSERT_EQ(commits[0].size(), 2u);
  EXPECT_EQ(commits[0][0].seq, ea[0].seq);
  EXPECT_EQ(commits[0][1].seq, ec[0].seq);
}

TEST_P(StoreConformanceTest, FailedWriteRollsBackItsRowsAndEventsOnly) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  ASSERT_NO_FATAL_FAILURE(WriteN(2, "before"));
  std::mutex mu;
  std::vector<std::vector<Event>> commits;
  store_->SetCommitListener([&](const std::vector<Event>& evs) {
    std::lock_guard lock(mu);
    commits.push_back(evs);
  });

  WriterBlocker blocker;
  blocker.Start(*store_);
  Outcome a, b, c, d, e;
  store_->Write(InsertKv("a", 1), a.Done());
  store_->Write(
      [](Tx& tx) -> Status {
        Result<Rows> r = tx.Exec("INSERT INTO kv (k, i) VALUES ($1, $2)", {std::string("b"), int64_t{2}});
        if (!r.ok()) return r.status();
        if (!tx.Append(Draft("kv.inserted", "kv:b")).ok()) return Internal("append 1");
        if (!tx.Append(Draft("kv.inserted", "kv:b")).ok()) return Internal("append 2");
        return Unprocessable("business rule says no");
      },
      b.Done());
  store_->Write(InsertKv("c", 3), c.Done());
  store_->Write(
      [](Tx& tx) -> Status {
        Result<Rows> r = tx.Exec("INSERT INTO kv (k, i) VALUES ($1, $2)", {std::string("d"), int64_t{4}});
        if (!r.ok()) return r.status();
        (void)tx.Append(Draft("kv.inserted", "kv:d"));
        throw std::runtime_error("boom");
      },
      d.Done());
  store_->Write(InsertKv("e", 5), e.Done());
  blocker.Release();

  auto [sa, ea] = a.Get();
  auto [sb, eb] = b.Get();
  auto [sc, ec] = c.Get();
  auto [sd, ed] = d.Get();
  auto [se, ee] = e.Get();
  ASSERT_TRUE(sa.ok()) << sa.ToString();
  EXPECT_EQ(sb.code(), Code::kUnprocessable);
  EXPECT_EQ(sb.message(), "business rule says no");
  EXPECT_TRUE(eb.empty());
  ASSERT_TRUE(sc.ok()) << sc.ToString();
  EXPECT_EQ(sd.code(), Code::kInternal);
  EXPECT_TRUE(ed.empty());
  ASSERT_TRUE(se.ok()) << se.ToString();

  ASSERT_EQ(ea.size(), 1u);
  ASSERT_EQ(ec.size(), 1u);
  ASSERT_EQ(ee.size(), 1u);
  EXPECT_EQ(ea[0].seq, 3);
  EXPECT_EQ(ec[0].seq, 4);
  EXPECT_EQ(ee[0].seq, 5);
  EXPECT_EQ(ec[0].prev_hash, ea[0].hash);
  EXPECT_EQ(ee[0].prev_hash, ec[0].hash);

  EXPECT_EQ(CountKv(" WHERE k IN ('b', 'd')"), 0);
  EXPECT_EQ(CountKv(" WHERE k IN ('a', 'c', 'e')"), 3);
  std::vector<Event> all = AllEvents();
  ASSERT_NO_FATAL_FAILURE(ExpectGapFree(all, 5));
  for (const Event& ev : all) EXPECT_NE(ev.subject, "kv:b");
  Result<int64_t> last = store_->LastSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 5);

  std::lock_guard lock(mu);
  ASSERT_EQ(commits.size(), 1u);
  ASSERT_EQ(commits[0].size(), 3u);

  Result<events::AuditReport> audit = events::VerifyChain(*store_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  EXPECT_EQ(audit->first_broken_seq, 0) << audit->reason;
}

// The first write of a batch to touch the log fails after appending: the next write must
// still chain from the real head (genesis on an empty log, then the last committed event).
TEST_P(StoreConformanceTest, FirstAppenderOfABatchFailingKeepsTheChainIntact) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  auto failing = [](Tx& tx) -> Status {
    if (!tx.Append(Draft("doomed", "x")).ok()) return Internal("append");
    return Unprocessable("no");
  };
  for (int round = 0; round < 2; ++round) {
    WriterBlocker blocker;
    blocker.Start(*store_);
    Outcome bad, good;
    store_->Write(failing, bad.Done());
    store_->Write(InsertKv("good" + std::to_string(round), round), good.Done());
    blocker.Release();
    EXPECT_EQ(bad.Get().first.code(), Code::kUnprocessable);
    auto [s, evs] = good.Get();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].seq, round + 1);
    if (round == 0) {
      EXPECT_EQ(evs[0].prev_hash, kGenesisHash);
    }
  }
  Result<events::AuditReport> audit = events::VerifyChain(*store_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  EXPECT_EQ(audit->checked, 2);
  EXPECT_EQ(audit->first_broken_seq, 0) << audit->reason;
}

TEST_P(StoreConformanceTest, ConcurrentWritesAreAllAcknowledgedGapFreeAndVisible) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  constexpr int kThreads = 16;
  constexpr int kPerThread = 125;
  std::atomic<int> failures{0};
  std::atomic<int> invisible{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string k = "t" + std::to_string(t) + "-" + std::to_string(i);
        std::vector<Event> evs;
        Status s = store_->WriteSync(InsertKv(k, t * kPerThread + i), &evs);
        if (!s.ok() || evs.size() != 1) {
          ++failures;
          continue;
        }
        // Acknowledged means visible to every later Query.
        Result<Rows> r = store_->Query("SELECT i FROM kv WHERE k = $1", {k});
        if (!r.ok() || r->size() != 1) ++invisible;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(invisible.load(), 0);

  constexpr int64_t kTotal = kThreads * kPerThread;
  EXPECT_EQ(CountKv(), kTotal);
  Result<int64_t> last = store_->LastSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, kTotal);
  std::vector<Event> all = AllEvents();
  ASSERT_NO_FATAL_FAILURE(ExpectGapFree(all, kTotal));
  std::set<std::string> subjects;
  for (const Event& e : all) subjects.insert(e.subject);
  EXPECT_EQ(static_cast<int64_t>(subjects.size()), kTotal);
}

// Another process (the CLI, a second node) writing the same database: each batch must chain
// from the head as it is on disk, not from a cached copy.
TEST_P(StoreConformanceTest, TwoStoresOnOneDatabaseShareOneGapFreeChain) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  Result<std::unique_ptr<Store>> second = OpenStore(url_, Options());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Store* stores[2] = {store_.get(), second->get()};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        Store* s = stores[(t + i) % 2];
        if (!s->WriteSync(InsertKv("two" + std::to_string(t) + "-" + std::to_string(i), i)).ok())
          ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  (*second)->Close();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_NO_FATAL_FAILURE(ExpectGapFree(AllEvents(), 160));
  Result<events::AuditReport> audit = events::VerifyChain(*store_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  EXPECT_EQ(audit->checked, 160);
  EXPECT_EQ(audit->first_broken_seq, 0) << audit->reason;
}

// ---------------------------------------------------------------------------------------
// The event log

TEST_P(StoreConformanceTest, EventsCarryTheHashChain) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  std::vector<Event> acknowledged;
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(1000);
    std::vector<Event> evs;
    Status s = store_->WriteSync(
        [i](Tx& tx) -> Status {
          for (int j = 0; j < 2; ++j) {
            Result<Event> e = tx.Append(EventDraft{"thing.happened", "user:" + std::to_string(i),
                                                   "thing:" + std::to_string(j), "staff:area:1",
                                                   "{\"i\":" + std::to_string(i) + "}"});
            if (!e.ok()) return e.status();
            EXPECT_EQ(e->time_ms, tx.NowMs());
          }
          return Status::Ok();
        },
        &evs);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(evs.size(), 2u);
    EXPECT_EQ(evs[0].time_ms, clock_.NowMs());
    acknowledged.insert(acknowledged.end(), evs.begin(), evs.end());
  }

  std::vector<Event> stored = AllEvents();
  ASSERT_NO_FATAL_FAILURE(ExpectGapFree(stored, 8));
  std::string prev = kGenesisHash;
  for (size_t i = 0; i < stored.size(); ++i) {
    const Event& e = stored[i];
    const Event& a = acknowledged[i];
    EXPECT_EQ(e.seq, a.seq);
    EXPECT_EQ(e.time_ms, a.time_ms);
    EXPECT_EQ(e.type, "thing.happened");
    EXPECT_EQ(e.actor, a.actor);
    EXPECT_EQ(e.subject, a.subject);
    EXPECT_EQ(e.scope, "staff:area:1");
    EXPECT_EQ(e.payload, a.payload);
    EXPECT_EQ(e.prev_hash, prev) << "seq " << e.seq;
    EXPECT_EQ(e.hash, ComputeEventHash(e)) << "seq " << e.seq;
    EXPECT_EQ(e.hash, a.hash);
    EXPECT_EQ(e.hash.size(), 64u);
    prev = e.hash;
  }
  Result<Rows> head = store_->Query("SELECT seq, hash FROM event_head WHERE id = 1");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->Int(0, "seq"), 8);
  EXPECT_EQ(head->Text(0, "hash"), prev);
}

TEST_P(StoreConformanceTest, ReadEventsPagesAndLastSeq) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  Result<std::vector<Event>> empty = store_->ReadEvents(0, 10);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());

  for (int w = 0; w < 5; ++w) {
    Status s = store_->WriteSync([w](Tx& tx) -> Status {
      for (int j = 0; j < 5; ++j) {
        Result<Event> e = tx.Append(Draft("page.test", "n:" + std::to_string(w * 5 + j)));
        if (!e.ok()) return e.status();
      }
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    Result<int64_t> last = store_->LastSeq();
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(*last, (w + 1) * 5);
  }

  std::vector<size_t> sizes;
  int64_t after = 0;
  for (;;) {
    Result<std::vector<Event>> page = store_->ReadEvents(after, 10);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    sizes.push_back(page->size());
    if (page->empty()) break;
    for (size_t i = 0; i < page->size(); ++i) {
      EXPECT_EQ((*page)[i].seq, after + 1 + static_cast<int64_t>(i));
      EXPECT_EQ((*page)[i].subject, "n:" + std::to_string(after + static_cast<int64_t>(i)));
    }
    after = page->back().seq;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 5, 0}));

  Result<std::vector<Event>> middle = store_->ReadEvents(17, 3);
  ASSERT_TRUE(middle.ok());
  ASSERT_EQ(middle->size(), 3u);
  EXPECT_EQ((*middle)[0].seq, 18);
  EXPECT_EQ((*middle)[2].seq, 20);
  Result<std::vector<Event>> past_end = store_->ReadEvents(25, 10);
  ASSERT_TRUE(past_end.ok());
  EXPECT_TRUE(past_end->empty());
}

TEST_P(StoreConformanceTest, CommitListenerSeesEveryEventOnceInOrderBeforeCompletions) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  std::mutex mu;
  std::vector<int64_t> seen;  // seqs in listener order
  std::atomic<int> calls{0};
  store_->SetCommitListener([&](const std::vector<Event>& evs) {
    ++calls;
    EXPECT_FALSE(evs.empty());
    std::lock_guard lock(mu);
    for (const Event& e : evs) seen.push_back(e.seq);
  });

  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> late{0};
  std::atomic<int> not_ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::unique_ptr<Outcome>> outs;
      for (int i = 0; i < kPerThread; ++i) {
        auto out = std::make_unique<Outcome>();
        Outcome* raw = out.get();
        store_->Write(InsertKv("l" + std::to_string(t) + "-" + std::to_string(i), i),
                      [&, raw](Status s, std::vector<Event> evs) {
                        {
                          std::lock_guard lock(mu);
                          for (const Event& e : evs)
                            if (std::find(seen.begin(), seen.end(), e.seq) == seen.end()) ++late;
                        }
                        raw->Done()(std::move(s), std::move(evs));
                      });
        outs.push_back(std::move(out));
      }
      for (auto& o : outs)
        if (!o->Get().first.ok()) ++not_ok;
    });
  }
  for (auto& th : threads) th.join();
  // A write with no events is not announced.
  ASSERT_TRUE(store_->WriteSync([](Tx&) { return Status::Ok(); }).ok());

  EXPECT_EQ(not_ok.load(), 0);
  EXPECT_EQ(late.load(), 0) << "a completion ran before the listener saw its events";
  std::lock_guard lock(mu);
  constexpr int64_t kTotal = kThreads * kPerThread;
  ASSERT_EQ(static_cast<int64_t>(seen.size()), kTotal);
  for (int64_t i = 0; i < kTotal; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i + 1);
  EXPECT_LE(calls.load(), kTotal);
}

TEST_P(StoreConformanceTest, BusDeliversCommitsToSubscribers) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  events::Bus bus;
  bus.Attach(*store_);
  std::mutex mu;
  std::vector<int64_t> first, second;
  auto id1 = bus.Subscribe([&](const std::vector<Event>& evs) {
    std::lock_guard lock(mu);
    for (const Event& e : evs) first.push_back(e.seq);
  });
  bus.Subscribe([&](const std::vector<Event>& evs) {
    std::lock_guard lock(mu);
    for (const Event& e : evs) second.push_back(e.seq);
  });
  ASSERT_NO_FATAL_FAILURE(WriteN(3));
  bus.Unsubscribe(id1);
  ASSERT_NO_FATAL_FAILURE(WriteN(2, "more"));
  events::Bus::Detach(*store_);
  ASSERT_NO_FATAL_FAILURE(WriteN(1, "detached"));

  std::lock_guard lock(mu);
  EXPECT_EQ(first, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(second, (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

// ---------------------------------------------------------------------------------------
// Lifecycle

TEST_P(StoreConformanceTest, WriteAfterCloseIsUnavailable) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  ASSERT_NO_FATAL_FAILURE(WriteN(1));
  store_->Close();
  bool called = false;
  Status got;
  store_->Write(InsertKv("late", 1), [&](Status s, std::vector<Event> evs) {
    called = true;
    got = std::move(s);
    EXPECT_TRUE(evs.empty());
  });
  EXPECT_TRUE(called) << "done must run at once when the store is closed";
  EXPECT_EQ(got.code(), Code::kUnavailable);
  EXPECT_EQ(store_->WriteSync(InsertKv("late2", 2)).code(), Code::kUnavailable);
  store_->Close();  // idempotent
}

TEST_P(StoreConformanceTest, CloseFinishesQueuedWrites) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  WriterBlocker blocker;
  blocker.Start(*store_);
  std::vector<std::unique_ptr<Outcome>> outs;
  for (int i = 0; i < 10; ++i) {
    outs.push_back(std::make_unique<Outcome>());
    store_->Write(InsertKv("q" + std::to_string(i), i), outs.back()->Done());
  }
  std::thread closer([&] { store_->Close(); });
  blocker.Release();
  closer.join();
  for (auto& o : outs) EXPECT_TRUE(o->Get().first.ok());
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(Open(Options()));
  EXPECT_EQ(CountKv(), 10);
}

TEST_P(StoreConformanceTest, CloseFromSeveralThreadsWhileBusyIsSafe) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, unavailable{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        Status s = store_->WriteSync(InsertKv("c" + std::to_string(t) + "-" + std::to_string(i), i));
        (s.ok() ? ok : s.code() == Code::kUnavailable ? unavailable : other)++;
        Result<Rows> r = store_->Query("SELECT count(*) AS n FROM kv");
        if (!r.ok() && r.status().code() != Code::kUnavailable) other++;
        if (s.code() == Code::kUnavailable) return;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::vector<std::thread> closers;
  for (int t = 0; t < 3; ++t) closers.emplace_back([&] { store_->Close(); });
  for (auto& th : closers) th.join();
  stop = true;
  for (auto& th : clients) th.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(store_->WriteSync(InsertKv("after", 0)).code(), Code::kUnavailable);

  // Everything acknowledged before the close is there after reopening.
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(Open(Options()));
  EXPECT_EQ(CountKv(), ok.load());
}

TEST_P(StoreConformanceTest, WritesSurviveCloseAndReopen) {
  ASSERT_NO_FATAL_FAILURE(OpenMigrated());
  ASSERT_NO_FATAL_FAILURE(WriteN(3));
  std::vector<Event> before = AllEvents();
  ASSERT_EQ(before.size(), 3u);
  store_->Close();
  store_.reset();

  ASSERT_NO_FATAL_FAILURE(Open(Options()));
  Result<int> v = store_->SchemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, LatestVersion());
  EXPECT_EQ(CountKv(), 3);
  Result<int64_t> last = store_->LastSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 3);
  std::vector<Event> after = AllEvents();
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after.back().hash, before.back().hash);

  // The chain continues where it stopped.
  std::vector<Event> evs;
  ASSERT_TRUE(store_->WriteSync(InsertKv("again", 9), &evs).ok());
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].seq, 4);
  EXPECT_EQ(evs[0].prev_hash, before.back().hash);
}

TEST_P(StoreConformanceTest, MetricsRecordCommitsAndResults) {
  Metrics metrics;
  StoreOptions o = Options();
  o.metrics = &metrics;
  ASSERT_NO_FATAL_FAILURE(OpenMigrated(o));
  ASSERT_NO_FATAL_FAILURE(WriteN(3));
  EXPECT_EQ(store_->WriteSync(InsertKv("k0", 0)).code(), Code::kConflict);

  const Labels backend = {{"backend", store_->Backend()}};
  EXPECT_GE(metrics.Count("centinela_store_commit_seconds", backend), 4u);
  EXPECT_GE(metrics.Count("centinela_store_batch_size", backend), 4u);
  EXPECT_EQ(metrics.Value("centinela_store_writes_total",
                          {{"backend", store_->Backend()}, {"result", "ok"}}),
            4.0);  // kv table + 3 rows
  EXPECT_EQ(metrics.Value("centinela_store_writes_total",
                          {{"backend", store_->Backend()}, {"result", "conflict"}}),
            1.0);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("# TYPE centinela_store_commit_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("centinela_store_batch_size_bucket{backend=\"" + store_->Backend() +
                      "\",le=\"256\"}"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Audit: VerifyChain

class ChainAudit : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(OpenMigrated());
    ASSERT_NO_FATAL_FAILURE(WriteN(10));
  }
  events::AuditReport Verify() {
    Result<events::AuditReport> r = events::VerifyChain(*store_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : events::AuditReport{};
  }
};

TEST_P(ChainAudit, IntactChainVerifies) {
  std::vector<int64_t> progress;
  Result<events::AuditReport> r =
      events::VerifyChain(*store_, [&](int64_t checked) { progress.push_back(checked); });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->checked, 10);
  EXPECT_EQ(r->first_broken_seq, 0);
  EXPECT_EQ(r->reason, "");
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), 10);
}

TEST_P(ChainAudit, TamperedPayloadIsReportedAtItsSeq) {
  ASSERT_NO_FATAL_FAILURE(RawExec("UPDATE events SET payload = '{\"k\":\"forged\"}' WHERE seq = 5"));
  events::AuditReport r = Verify();
  EXPECT_EQ(r.first_broken_seq, 5);
  EXPECT_EQ(r.reason, "hash mismatch");
}

TEST_P(ChainAudit, RehashedRowBreaksTheNextLink) {
  // An attacker who rewrites seq 5 and recomputes its hash still breaks seq 6's prev_hash.
  std::vector<Event> all = AllEvents();
  ASSERT_EQ(all.size(), 10u);
  Event forged = all[4];
  forged.payload = "{\"k\":\"forged\"}";
  forged.hash = ComputeEventHash(forged);
  ASSERT_NO_FATAL_FAILURE(RawExec("UPDATE events SET payload = '{\"k\":\"forged\"}', hash = '" +
                                  forged.hash + "' WHERE seq = 5"));
  events::AuditReport r = Verify();
  EXPECT_EQ(r.first_broken_seq, 6);
  EXPECT_EQ(r.reason, "prev_hash does not match seq 5");
}

TEST_P(ChainAudit, DeletedRowIsReportedAsGap) {
  ASSERT_NO_FATAL_FAILURE(RawExec("DELETE FROM events WHERE seq = 5"));
  events::AuditReport r = Verify();
  EXPECT_EQ(r.first_broken_seq, 5);
  EXPECT_EQ(r.reason, "gap: expected seq 5");
  EXPECT_EQ(r.checked, 4);
}

TEST_P(ChainAudit, TruncatedTailDisagreesWithHead) {
  ASSERT_NO_FATAL_FAILURE(RawExec("DELETE FROM events WHERE seq >= 9"));
  events::AuditReport r = Verify();
  EXPECT_EQ(r.first_broken_seq, 9);
  EXPECT_NE(r.reason.find("gap: expected seq 9"), std::string::npos) << r.reason;
}

std::string BackendName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest,
                         ::testing::Values(std::string(kSqlite), std::string(kPostgres)),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, ChainAudit,
                         ::testing::Values(std::string(kSqlite), std::string(kPostgres)),
                         BackendName);

}  // namespace
}  // namespace centinela::store
