// PositionService on SQLite: a batch with one bad fix stores nothing, a repeated fix is
// kept once, the index follows the newest fix, the retention sweep, and stale flags.
#include "tracking/positions.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <string>

#include <unistd.h>

#include "common/clock.h"
#include "common/hash.h"
#include "store/store.h"

namespace centinela::tracking {
namespace {

constexpr int64_t kStart = 1'790'000'000'000;

class PositionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    // ctest runs each case in its own process, in parallel: one file per case and process.
    path_ = ::testing::TempDir() + "/positions_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
            std::to_string(::getpid()) + ".db";
    std::remove(path_.c_str());
    store::StoreOptions so;
    so.clock = &clock_;
    auto s = store::OpenStore("sqlite:" + path_, so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate().ok());
    PositionOptions o;
    o.clock = &clock_;
    o.retention_ms = 24 * 3600'000;
    o.scope_for = [](const std::string& unit) { return "staff:area:test-" + unit; };
    service_ = std::make_unique<PositionService>(*store_, index_, o);
    ASSERT_TRUE(service_->Load().ok());
  }
  void TearDown() override {
    service_.reset();
    store_->Close();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  Result<int> Ingest(std::vector<Fix> fixes) {
    std::promise<Result<int>> p;
    service_->Ingest(std::move(fixes), [&p](Result<int> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  int64_t Count(const std::string& sql) {
    auto r = store_->Query(sql);
    return r.ok() && !r->empty() ? std::get<int64_t>(r->rows[0][0]) : -1;
  }
  static Fix At(const std::string& unit, int64_t t, double lat, double lon) {
    Fix f;
    f.unit_id = unit;
    f.time_ms = t;
    f.lat = lat;
    f.lon = lon;
    return f;
  }

  FakeClock clock_{kStart};
  std::string path_;
  std::unique_ptr<store::Store> store_;
  PositionIndex index_;
  std::unique_ptr<PositionService> service_;
};

TEST_F(PositionServiceTest, BadFixRefusesTheBatchAndRepeatsAreKeptOnce) {
  auto bad = Ingest({At("u1", kStart - 1000, -33.4, -70.6), At("u1", kStart, -33.4, 181)});
  EXPECT_EQ(bad.status().code(), Code::kUnprocessable);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM positions"), 0);
  EXPECT_FALSE(index_.Get("u1"));
  auto future = Ingest({At("u1", kStart + 2 * 24 * 3600'000LL, -33.4, -70.6)});
  EXPECT_EQ(future.status().code(), Code::kUnprocessable);  // more than a day ahead
  auto ok = Ingest({At("u1", kStart - 2000, -33.40, -70.60), At("u1", kStart - 1000, -33.41, -70.61),
                    At("u2", kStart - 1000, -33.50, -70.70)});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, 3);
  auto again = Ingest({At("u1", kStart - 1000, -33.41, -70.61)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM positions"), 3);
  EXPECT_DOUBLE_EQ(index_.Get("u1")->lat, -33.41);
  // One unit.moved per unit per batch, scoped by scope_for.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'unit.moved'"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'unit.moved' AND scope = "
                  "'staff:area:test-u2'"),
            1);
  // Coordinates in plain decimal, not Boost.JSON's exponent form.
  auto moved = store_->Query(
      "SELECT payload FROM events WHERE type = 'unit.moved' AND subject = 'unit:u2'");
  ASSERT_TRUE(moved.ok() && moved->size() == 1);
  EXPECT_NE(moved->Text(0, "payload").find("\"lat\":-33.5,\"lon\":-70.7"), std::string::npos)
      << moved->Text(0, "payload");
  EXPECT_EQ(moved->Text(0, "payload").find("E1"), std::string::npos);
  auto trail = service_->Trail("u1", kStart - 5000, kStart);
  ASSERT_TRUE(trail.ok());
  ASSERT_EQ(trail->size(), 2u);
  EXPECT_LT((*trail)[0].time_ms, (*trail)[1].time_ms);
}

TEST_F(PositionServiceTest, StaleFlagsOnceUntilTheNextFix) {
  ASSERT_TRUE(Ingest({At("u1", kStart, -33.4, -70.6), At("u2", kStart, -33.5, -70.7)}).ok());
  EXPECT_EQ(*service_->SweepStale(60'000), 0);
  clock_.Advance(30'000);
  ASSERT_TRUE(Ingest({At("u2", kStart + 30'000, -33.5, -70.7)}).ok());
  clock_.Advance(40'000);  // u1 silent 70 s, u2 40 s
  EXPECT_EQ(*service_->SweepStale(60'000), 1);
  EXPECT_EQ(*service_->SweepStale(60'000), 0);  // flagged once
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'unit.stale' AND subject = 'unit:u1' "
                  "AND scope = 'staff:area:test-u1'"),
            1);
  ASSERT_TRUE(Ingest({At("u1", kStart + 70'000, -33.4, -70.6)}).ok());
  clock_.Advance(61'000);
  EXPECT_EQ(*service_->SweepStale(60'000), 2);  // u1 again after its fresh fix, and u2
}

TEST_F(PositionServiceTest, DevicesAndRetention) {
  // A device needs a unit row.
  ASSERT_TRUE(store_->WriteSync([](store::Tx& tx) -> Status {
                      auto r = tx.Exec(
                          "INSERT INTO units (id, callsign, agency, kind, home_area, status, "
                          "created_ms, updated_ms) VALUES ('u1', 'M-1', 'police', 'patrol_car', "
                          "'13130', 'available', 0, 0)");
                      return r.ok() ? Status::Ok() : r.status();
                    }).ok());
  std::promise<Result<NewDevice>> p;
  service_->AddDevice("u1", "902064", "", "op", [&p](Result<NewDevice> r) { p.set_value(r); });
  auto dev = p.get_future().get();
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  EXPECT_EQ(service_->UnitForKey(dev->key), "u1");
  EXPECT_FALSE(service_->UnitForKey(dev->key + "x"));
  EXPECT_EQ(service_->UnitForExternalId("902064"), "u1");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM devices WHERE key_hash = '" + Sha256Hex(dev->key) + "'"), 1);
  auto rows = store_->Query("SELECT payload FROM events WHERE type = 'device.registered'");
  ASSERT_TRUE(rows.ok() && rows->size() == 1);
  EXPECT_EQ(rows->Text(0, "payload").find(dev->key), std::string::npos);  // never the key
  // Retention: the first write of a fresh service sweeps rows older than a day.
  ASSERT_TRUE(Ingest({At("u1", kStart - 3 * 3600'000, -33.4, -70.6)}).ok());
  clock_.Advance(24 * 3600'000);
  PositionOptions o;
  o.clock = &clock_;
  o.retention_ms = 24 * 3600'000;
  PositionIndex fresh_index;
  PositionService fresh(*store_, fresh_index, o);
  ASSERT_TRUE(fresh.Load().ok());
  EXPECT_EQ(fresh_index.Get("u1")->time_ms, kStart - 3 * 3600'000);  // Load rebuilt the index
  std::promise<Result<int>> done;
  fresh.Ingest({At("u1", clock_.NowMs(), -33.4, -70.6)}, [&done](Result<int> r) { done.set_value(r); });
  ASSERT_TRUE(done.get_future().get().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM positions"), 1);
}

}  // namespace
}  // namespace centinela::tracking
