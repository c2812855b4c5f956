// LogFollower: every node sees every event of the shared log, in seq order, once.
//
// The postgresql cases (instantiated as "postgresql/...") open two Store instances on one
// schema of the database named by CENTINELA_TEST_PG_URL, as two nodes would, each with its
// own Bus and LogFollower; they skip when the variable is unset. The sqlite case checks the
// single-process path (no CommitFeed: local commits and the safety poll).

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/hash.h"
#include "common/metrics.h"
#include "events/bus.h"
#include "events/follower.h"
#include "store/store.h"

namespace centinela::events {
namespace {

using store::Event;
using store::Store;
using store::Tx;
using store::WriteFn;

//! Records every seq a bus delivers, and checks the order as it goes.
class Recorder {
 public:
  explicit Recorder(Bus& bus) {
    bus.Subscribe([this](const std::vector<Event>& events) {
      std::lock_guard lock(mu_);
      for (const Event& e : events) seqs_.push_back(e.seq);
    });
  }
  std::vector<int64_t> Seqs() const {
    std::lock_guard lock(mu_);
    return seqs_;
  }
  //! Waits until the last recorded seq is at least `seq` (or 20 s pass).
  bool WaitFor(int64_t seq) const {
    for (int i = 0; i < 2000; ++i) {
      {
        std::lock_guard lock(mu_);
        if (!seqs_.empty() && seqs_.back() >= seq) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<int64_t> seqs_;
};

//! Expects exactly first..last, each once, in order.
void ExpectConsecutive(const std::vector<int64_t>& seqs, int64_t first, int64_t last) {
  ASSERT_EQ(static_cast<int64_t>(seqs.size()), last - first + 1)
      << "first " << (seqs.empty() ? -1 : seqs.front()) << " last "
      << (seqs.empty() ? -1 : seqs.back());
  for (size_t i = 0; i < seqs.size(); ++i) {
    ASSERT_EQ(seqs[i], first + static_cast<int64_t>(i)) << "at index " << i;
  }
}

WriteFn AppendOne(const std::string& subject) {
  return [subject](Tx& tx) -> Status {
    auto e = tx.Append({"test.written", "test", subject, "admin", "{}"});
    return e.ok() ? Status::Ok() : e.status();
  };
}

//! One node: a store, its bus, its follower and a recorder of what the bus delivered.
struct Node {
  std::unique_ptr<Store> store;
  Bus bus;
  Metrics metrics;
  std::unique_ptr<LogFollower> follower;
  std::unique_ptr<Recorder> recorder;
};

class LogFollowerPgTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    InitCrypto();
    const char* pg = std::getenv("CENTINELA_TEST_PG_URL");
    if (pg == nullptr || *pg == '\0') GTEST_SKIP() << "CENTINELA_TEST_PG_URL is not set";
    schema_ = "f_" + NewId().substr(0, 20);
    admin_ = PQconnectdb(pg);
    ASSERT_EQ(PQstatus(admin_), CONNECTION_OK) << PQerrorMessage(admin_);
    Admin("SET client_min_messages = warning");
    Admin("CREATE SCHEMA " + schema_);
    const std::string base = pg;
    url_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_ + "&application_name=" + schema_;
  }
  void TearDown() override {
    for (auto& n : nodes_) {
      if (n->follower) n->follower->Stop();
      if (n->store) n->store->Close();
    }
    nodes_.clear();
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

  int AdminInt(const std::string& sql) {
    PGresult* r = PQexec(admin_, sql.c_str());
    const int n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
  }

  Node& StartNode(FollowerOptions o = {}) {
    auto node = std::make_unique<Node>();
    auto s = store::OpenStore(url_, {});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    node->store = std::move(s).value();
    auto v = node->store->Migrate();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    node->recorder = std::make_unique<Recorder>(node->bus);
    o.metrics = &node->metrics;
    node->follower = std::make_unique<LogFollower>(*node->store, node->bus, o);
    EXPECT_TRUE(node->follower->Start().ok());
    nodes_.push_back(std::move(node));
    return *nodes_.back();
  }

  //! Waits until the node's follower holds a LISTEN connection (its backend shows up).
  bool WaitListening(int expected) {
    for (int i = 0; i < 500; ++i) {
      if (AdminInt(ListenersSql("count(*)")) >= expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::string ListenersSql(const std::string& what) {
    return "SELECT " + what + " FROM pg_stat_activity WHERE application_name = '" + schema_ +
           "' AND query LIKE 'LISTEN%'";
  }

  std::string schema_, url_;
  PGconn* admin_ = nullptr;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_P(LogFollowerPgTest, WritesOnOneNodeArePublishedOnTheOtherInOrder) {
  FollowerOptions o;
  o.poll_ms = 60'000;  // notifications only: the safety poll would read A's own events too
  Node& a = StartNode(o);
  Node& b = StartNode(o);
  ASSERT_TRUE(WaitListening(2));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(a.store->WriteSync(AppendOne("a" + std::to_string(i))).ok());
  ASSERT_TRUE(b.recorder->WaitFor(50));
  // Delivered by notification, not by the 1 s safety poll: 50 writes and their delivery fit
  // well inside the time 50 polls would take.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ExpectConsecutive(b.recorder->Seqs(), 1, 50);
  ExpectConsecutive(a.recorder->Seqs(), 1, 50);
  EXPECT_GE(b.metrics.Value("centinela_follower_notifications_total"), 1);
  EXPECT_EQ(b.metrics.Value("centinela_follower_published_total", {{"source", "log"}}), 50);
  EXPECT_EQ(b.metrics.Value("centinela_follower_published_total", {{"source", "local"}}), 0);
  EXPECT_EQ(a.metrics.Value("centinela_follower_published_total", {{"source", "local"}}), 50);
  EXPECT_EQ(b.metrics.Count("centinela_follower_delay_seconds"), 50u);
}

TEST_P(LogFollowerPgTest, NotificationsArriveWithoutThePoll) {
  FollowerOptions slow;
  slow.poll_ms = 60'000;  // the safety poll never fires during this test
  Node& a = StartNode(slow);
  Node& b = StartNode(slow);
  ASSERT_TRUE(WaitListening(2));
  ASSERT_TRUE(a.store->WriteSync(AppendOne("x")).ok());
  ASSERT_TRUE(b.recorder->WaitFor(1));
  ExpectConsecutive(b.recorder->Seqs(), 1, 1);
}

TEST_P(LogFollowerPgTest, InterleavedBurstsFromBothNodesGiveOneGapFreeSequenceOnEach) {
  Node& a = StartNode();
  Node& b = StartNode();
  ASSERT_TRUE(WaitListening(2));
  constexpr int kPerThread = 150;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  std::atomic<int> pending{0};
  for (Node* n : {&a, &b}) {
    for (int t = 0; t < 2; ++t) {
      writers.emplace_back([n, t, &failures, &pending] {
        for (int i = 0; i < kPerThread; ++i) {
          // Asynchronous writes in flight together: group commits of several events from
          // both nodes interleave in the log.
          pending.fetch_add(1);
          n->store->Write(AppendOne(std::to_string(t) + ":" + std::to_string(i)),
                          [&failures, &pending](Status s, std::vector<Event>) {
                            if (!s.ok()) failures.fetch_add(1);
                            pending.fetch_sub(1);
                          });
          if (i % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      });
    }
  }
  for (auto& w : writers) w.join();
  for (int i = 0; i < 3000 && pending.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(pending.load(), 0);
  ASSERT_EQ(failures.load(), 0);
  const int64_t total = 4 * kPerThread;
  auto last = a.store->LastSeq();
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(*last, total);
  ASSERT_TRUE(a.recorder->WaitFor(total));
  ASSERT_TRUE(b.recorder->WaitFor(total));
  ExpectConsecutive(a.recorder->Seqs(), 1, total);
  ExpectConsecutive(b.recorder->Seqs(), 1, total);
  // Each node published some of its own commits directly and read the rest from the log.
  EXPECT_GT(a.metrics.Value("centinela_follower_published_total", {{"source", "local"}}), 0);
  EXPECT_GT(a.metrics.Value("centinela_follower_published_total", {{"source", "log"}}), 0);
}

TEST_P(LogFollowerPgTest, KilledListenConnectionRecoversWithoutLoss) {
  FollowerOptions o;
  o.poll_ms = 60'000;  // recovery must come from the reconnect and its catch-up, not the poll
  o.min_backoff_ms = 50;
  Node& a = StartNode(o);
  Node& b = StartNode(o);
  ASSERT_TRUE(WaitListening(2));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(a.store->WriteSync(AppendOne("before")).ok());
  ASSERT_TRUE(b.recorder->WaitFor(10));

  // Kill every LISTEN connection; write while the nodes are deaf.
  ASSERT_EQ(AdminInt(ListenersSql("count(pg_terminate_backend(pid))")), 2);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(a.store->WriteSync(AppendOne("during")).ok());
  for (int i = 0; i < 200 && b.follower->Reconnects() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(b.follower->Reconnects(), 1u);
  ASSERT_TRUE(WaitListening(2));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(a.store->WriteSync(AppendOne("after")).ok());
  ASSERT_TRUE(b.recorder->WaitFor(30));
  ExpectConsecutive(b.recorder->Seqs(), 1, 30);
  ExpectConsecutive(a.recorder->Seqs(), 1, 30);
  EXPECT_GE(b.metrics.Value("centinela_follower_reconnects_total"), 1);
}

TEST_P(LogFollowerPgTest, StartsAfterTheHeadAndStopsCleanlyUnderWrites) {
  Node& a = StartNode();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a.store->WriteSync(AppendOne("old")).ok());
  Node& b = StartNode();  // joins late: history before its start is not republished
  ASSERT_TRUE(WaitListening(2));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a.store->WriteSync(AppendOne("new")).ok());
  ASSERT_TRUE(b.recorder->WaitFor(10));
  ExpectConsecutive(b.recorder->Seqs(), 6, 10);
  // Stopping while the other node writes: nothing published after Stop returns.
  b.follower->Stop();
  const size_t seen = b.recorder->Seqs().size();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a.store->WriteSync(AppendOne("late")).ok());
  ASSERT_TRUE(b.store->WriteSync(AppendOne("b-late")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(b.recorder->Seqs().size(), seen);
}

std::string Name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }
INSTANTIATE_TEST_SUITE_P(postgresql, LogFollowerPgTest, ::testing::Values(std::string("pg")), Name);

TEST(LogFollowerSqliteTest, PublishesLocalCommitsInOrderWithoutAFeed) {
  InitCrypto();
  const auto dir = std::filesystem::temp_directory_path() / ("follower_" + NewId().substr(0, 12));
  std::filesystem::create_directories(dir);
  {
    auto s = store::OpenStore("sqlite:" + (dir / "f.db").string(), {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto& st = **s;
    ASSERT_TRUE(st.Migrate().ok());
    ASSERT_TRUE(st.WriteSync(AppendOne("old")).ok());
    auto feed = st.OpenCommitFeed();
    ASSERT_TRUE(feed.ok());
    EXPECT_EQ(feed->get(), nullptr);
    Bus bus;
    Recorder rec(bus);
    Metrics metrics;
    FollowerOptions o;
    o.metrics = &metrics;
    LogFollower follower(st, bus, o);
    ASSERT_TRUE(follower.Start().ok());
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(st.WriteSync(AppendOne("n")).ok());
    ASSERT_TRUE(rec.WaitFor(21));
    ExpectConsecutive(rec.Seqs(), 2, 21);
    // The counter is bumped just after the bus delivers: give the follower's thread a moment.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (metrics.Value("centinela_follower_published_total", {{"source", "local"}}) < 20 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(metrics.Value("centinela_follower_published_total", {{"source", "local"}}), 20);
    follower.Stop();
    st.Close();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace centinela::events
