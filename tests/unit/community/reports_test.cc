#include "community/reports.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/clock.h"
#include "store/store.h"

namespace centinela::community {
namespace {

TEST(Cursor, RoundTripsAndIsOpaque) {
  for (auto [ms, id] :
       {std::pair<int64_t, std::string>{1700000000123, "0123456789abcdef0123456789abcdef"},
        {0, "a"},
        {9223372036854775807, "ff"}}) {
    std::string c = EncodeCursor(ms, id);
    EXPECT_EQ(c.find(':'), std::string::npos);
    auto back = DecodeCursor(c);
    ASSERT_TRUE(back) << c;
    EXPECT_EQ(back->first, ms);
    EXPECT_EQ(back->second, id);
  }
}

TEST(Cursor, IsUrlSafeBase64WithoutPadding) {
  // Cursors handed out before are still read: the text is fixed, not just round-tripping.
  EXPECT_EQ(EncodeCursor(1700000000123, "0123456789abcdef0123456789abcdef"),
            "MTcwMDAwMDAwMDEyMzowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg");
  EXPECT_EQ(EncodeCursor(1, "ab"), "MTphYg");
  auto back = DecodeCursor("MTphYg");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first, 1);
  EXPECT_EQ(back->second, "ab");
  EXPECT_FALSE(DecodeCursor("MTphYg=="));
}

TEST(Cursor, RejectsGarbage) {
  for (const char* bad :
       {"", "!!!!", "a", "MTIz", /* "123" no colon */ "OjEyMw" /* ":123" */, "eDo5OQ" /* "x:99" */})
    EXPECT_FALSE(DecodeCursor(bad)) << bad;
  EXPECT_FALSE(DecodeCursor(std::string(400, 'A')));
  // An id with SQL in it never comes back.
  EXPECT_FALSE(DecodeCursor(EncodeCursor(1, "x' OR 1=1 --")));
}

}  // namespace
}  // namespace centinela::community

namespace centinela::community {
namespace {

// The per-user budget: a minute window and a day window, Retry-After until the oldest
// reservation leaves the window, Release gives a reservation back.
TEST(RateLimit, MinuteAndDayWindowsWithRetryAfter) {
  std::string path = ::testing::TempDir() + "/rate_limit_test.db";
  std::remove(path.c_str());
  auto store = store::OpenStore("sqlite:" + path, {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  areas::AreaService areas(**store);
  CategoryService categories(**store);
  FakeClock clock;
  ReportServiceOptions o;
  o.max_per_minute = 3;
  o.max_per_day = 5;
  o.clock = &clock;
  {
    ReportService reports(**store, areas, categories, o);
    for (int i = 0; i < 3; ++i) {
      EXPECT_FALSE(reports.Reserve("ana")) << i;
      clock.Advance(1000);
    }
    auto wait = reports.Reserve("ana");
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, 57);                  // the first reservation leaves the minute in 57 s
    EXPECT_FALSE(reports.Reserve("bea"));  // budgets are per user
    reports.Release("ana");                // a replay or failure gives its slot back
    EXPECT_FALSE(reports.Reserve("ana"));
    clock.Advance(60'000);
    EXPECT_FALSE(reports.Reserve("ana"));
    EXPECT_FALSE(reports.Reserve("ana"));  // 5 in the day now
    clock.Advance(60'000);
    auto day = reports.Reserve("ana");
    ASSERT_TRUE(day);
    EXPECT_GT(*day, 23 * 3600);
    clock.Advance(24 * 3600'000);
    EXPECT_FALSE(reports.Reserve("ana"));
  }
  (*store)->Close();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace centinela::community
