// When the disk refuses an fsync, nothing is acknowledged: the SQLite store opened with an
// Env that fails the WAL's syncs answers the write with an error, the row and the event are
// not there (not to readers, not after reopening), the commit listener never hears of them,
// and once the disk heals the next write continues the chain with no gap. PostgreSQL's
// fsyncs happen in the server, out of reach of an Env; its commit path is the same
// GroupCommitter (store/group_commit.h), covered by the conformance suite.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "common/hash.h"
#include "store/store.h"
#include "support/faulty_env.h"

namespace centinela::store {
namespace {

class FsyncFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    char tmpl[] = "/tmp/centinela-fsync-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    url_ = "sqlite:" + dir_ + "/centinela.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> Open(Env* env) {
    StoreOptions options;
    options.env = env;
    auto store = OpenStore(url_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    EXPECT_TRUE((*store)->Migrate().ok());
    return std::move(*store);
  }

  //! One probe row and one event, in one write.
  static Status WriteProbe(Store& store, const std::string& name) {
    return store.WriteSync([name](Tx& tx) -> Status {
      Result<Rows> r = tx.Exec("INSERT INTO probe (name) VALUES ($1)", {name});
      if (!r.ok()) return r.status();
      Result<Event> e = tx.Append({"probe.written", "test", name, "public", "{}"});
      return e.ok() ? Status::Ok() : e.status();
    });
  }

  static int64_t Count(Store& store, const std::string& name) {
    Result<Rows> r = store.Query("SELECT count(*) AS n FROM probe WHERE name = $1", {name});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->Int(0, "n") : -1;
  }

  std::string dir_;
  std::string url_;
};

TEST_F(FsyncFailureTest, AWriteWhoseWalSyncFailsIsAnsweredWithAnErrorAndNeverAcknowledged) {
  test::FaultyEnv env;
  auto store = Open(&env);
  ASSERT_NE(store, nullptr);
  std::atomic<int> published{0};
  store->SetCommitListener([&](const std::vector<Event>& events) { published += static_cast<int>(events.size()); });
  ASSERT_TRUE(store
                  ->WriteSync([](Tx& tx) -> Status {
                    Result<Rows> r = tx.Exec(
                        "CREATE TABLE probe (name TEXT NOT NULL)", {});
                    return r.ok() ? Status::Ok() : r.status();
                  })
                  .ok());
  const int syncs_before = env.syncs();
  ASSERT_TRUE(WriteProbe(*store, "before").ok());
  EXPECT_GT(env.syncs(), syncs_before) << "the store's commits do not reach the Env seam";
  Result<int64_t> seq_before = store->LastSeq();
  ASSERT_TRUE(seq_before.ok());
  const int published_before = published.load();

  env.FailSyncsOf("-wal");
  std::vector<Event> events;
  Status failed = store->WriteSync(
      [](Tx& tx) -> Status {
        Result<Rows> r = tx.Exec("INSERT INTO probe (name) VALUES ('lost')", {});
        if (!r.ok()) return r.status();
        Result<Event> e = tx.Append({"probe.written", "test", "lost", "public", "{}"});
        return e.ok() ? Status::Ok() : e.status();
      },
      &events);
  EXPECT_FALSE(failed.ok()) << "a write whose fsync failed was acknowledged";
  EXPECT_GT(env.failed(), 0);
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(Count(*store, "lost"), 0);
  EXPECT_EQ(*store->LastSeq(), *seq_before);
  EXPECT_EQ(published.load(), published_before) << "the failed commit was published";

  env.FailSyncsOf("");
  ASSERT_TRUE(WriteProbe(*store, "after").ok());
  EXPECT_EQ(*store->LastSeq(), *seq_before + 1) << "the chain has a gap after the failure";
  store->Close();
  store.reset();

  // Reopened on the real disk: the acknowledged writes are there, the refused one is not,
  // and the chain verifies.
  auto reopened = Open(nullptr);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Count(*reopened, "before"), 1);
  EXPECT_EQ(Count(*reopened, "after"), 1);
  EXPECT_EQ(Count(*reopened, "lost"), 0);
  Result<std::vector<Event>> log = reopened->ReadEvents(0, 1000);
  ASSERT_TRUE(log.ok());
  ASSERT_FALSE(log->empty());
  std::string prev(64, '0');  // the genesis hash
  for (const Event& e : *log) {
    EXPECT_EQ(e.prev_hash, prev) << "seq " << e.seq;
    EXPECT_EQ(ComputeEventHash(e), e.hash) << "seq " << e.seq;
    EXPECT_NE(e.subject, "lost");
    prev = e.hash;
  }
}

TEST_F(FsyncFailureTest, TheDefaultEnvRunsTheRealSync) {
  int ran = 0;
  Status s = Env::Default()->Sync("/nowhere", [&] {
    ++ran;
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace centinela::store
