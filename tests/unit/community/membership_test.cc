// Membership rules that need no server: which area a home point joins (innermost
// neighbourhood, else innermost area), the per-user daily request budget, and validation
// answered before any write (422 for ids, points and proofs).
#include "community/membership.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <future>

#include "common/clock.h"
#include "store/store.h"

namespace centinela::community {
namespace {

std::string Box(double min_lon, double min_lat, double max_lon, double max_lat) {
  auto p = [](double lon, double lat) {
    return "[" + std::to_string(lon) + "," + std::to_string(lat) + "]";
  };
  return R"({"type":"Polygon","coordinates":[[)" + p(min_lon, min_lat) + "," +
         p(max_lon, min_lat) + "," + p(max_lon, max_lat) + "," + p(min_lon, max_lat) + "," +
         p(min_lon, min_lat) + "]]}";
}

class MembershipUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // ctest runs each case in its own process, in parallel: one file per case.
    path_ = ::testing::TempDir() + "/membership_unit_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(path_.c_str());
    auto s = store::OpenStore("sqlite:" + path_, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate().ok());
    areas_ = std::make_unique<areas::AreaService>(*store_);
    ASSERT_TRUE(areas_->Load().ok());
    Add("R", areas::Kind::kRegion, "", Box(0, 0, 10, 10));
    Add("S", areas::Kind::kSector, "R", Box(0, 0, 5, 5));
    Add("N", areas::Kind::kNeighbourhood, "S", Box(1, 1, 2, 2));
  }
  void TearDown() override {
    areas_.reset();
    if (store_) store_->Close();
    std::remove(path_.c_str());
  }
  void Add(const std::string& code, areas::Kind kind, const std::string& parent,
           const std::string& geometry) {
    areas::Area a;
    a.code = code;
    a.name = code;
    a.kind = kind;
    a.parent_code = parent;
    a.geometry = geometry;
    std::promise<Status> done;
    areas_->Create(a, "test", [&done](Result<areas::Area> r) { done.set_value(r.status()); });
    Status s = done.get_future().get();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::string path_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<areas::AreaService> areas_;
};

TEST_F(MembershipUnitTest, HomeJoinsTheInnermostNeighbourhoodElseTheInnermostArea) {
  EXPECT_EQ(HomeArea(*areas_, 1.5, 1.5), "N");
  EXPECT_EQ(HomeArea(*areas_, 4.0, 4.0), "S");
  EXPECT_EQ(HomeArea(*areas_, 8.0, 8.0), "R");
  EXPECT_EQ(HomeArea(*areas_, 20.0, 20.0), std::nullopt);
}

TEST_F(MembershipUnitTest, RequestsAreValidatedBeforeAnyWrite) {
  MembershipService service(*store_, *areas_, {});
  MembershipRequest ok{"u1", "Calle 1", 1.5, 1.5, "rut", "12.345.678-5", "media-1"};
  struct Case {
    const char* what;
    MembershipRequest req;
  };
  std::vector<Case> cases;
  auto with = [&](const char* what, auto change) {
    MembershipRequest r = ok;
    change(r);
    cases.push_back({what, r});
  };
  with("wrong RUT check digit", [](MembershipRequest& r) { r.id_number = "12.345.678-9"; });
  with("short DNI", [](MembershipRequest& r) {
    r.id_type = "dni";
    r.id_number = "123";
  });
  with("unknown id type", [](MembershipRequest& r) { r.id_type = "passport"; });
  with("no address", [](MembershipRequest& r) { r.address.clear(); });
  with("outside every area", [](MembershipRequest& r) { r.lat = r.lon = 20; });
  with("latitude out of range", [](MembershipRequest& r) { r.lat = 91; });
  with("unknown proof", [](MembershipRequest& r) { r.proof_media_id = "nope"; });
  for (const Case& c : cases) {
    std::promise<Status> done;
    service.Request(c.req, [&done](Result<Membership> r) { done.set_value(r.status()); });
    EXPECT_EQ(done.get_future().get().code(), Code::kUnprocessable) << c.what;
  }
}

TEST_F(MembershipUnitTest, DailyBudgetPerUserWithRetryAfter) {
  FakeClock clock;
  MembershipOptions o;
  o.max_per_day = 2;
  o.clock = &clock;
  MembershipService service(*store_, *areas_, o);
  EXPECT_FALSE(service.Reserve("ana"));
  clock.Advance(3600'000);
  EXPECT_FALSE(service.Reserve("ana"));
  auto wait = service.Reserve("ana");
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 23 * 3600);  // until the first request leaves the 24 h window
  EXPECT_FALSE(service.Reserve("bea"));
  clock.Advance(23 * 3600'000);
  EXPECT_FALSE(service.Reserve("ana"));
}

}  // namespace
}  // namespace centinela::community
