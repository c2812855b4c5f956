#include "analytics/response_times.h"

#include <gtest/gtest.h>

#include <cmath>

namespace centinela::analytics {
namespace {

// Group A: 60, 120, 180, 240, 600 s (n = 5). Type 7: p50 at position 4 * 0.5 = 2 -> 180;
//   p90 at 4 * 0.9 = 3.6 -> 240 + 0.6 * (600 - 240) = 456. Within 300 s: 4 of 5 = 0.8.
// Group B: 30, 90 (n = 2): p50 at 0.5 -> 60; p90 at 0.9 -> 30 + 0.9 * 60 = 84; 2 of 2.
TEST(ResponseTimes, PercentilesAndShareByHand) {
  std::vector<DurationSample> s = {
      {{"13130", "police", "1", "2026-11"}, 600}, {{"13130", "police", "1", "2026-11"}, 60},
      {{"13130", "police", "1", "2026-11"}, 180}, {{"13105", "police", "1", "2026-11"}, 90},
      {{"13130", "police", "1", "2026-11"}, 240}, {{"13130", "police", "1", "2026-11"}, 120},
      {{"13105", "police", "1", "2026-11"}, 30},
  };
  auto r = SummariseDurations(s, 300);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const DurationSummary& b = (*r)[0];  // "13105" < "13130"
  EXPECT_EQ(b.key[0], "13105");
  EXPECT_EQ(b.count, 2);
  EXPECT_DOUBLE_EQ(b.p50, 60);
  EXPECT_DOUBLE_EQ(b.p90, 84);
  EXPECT_DOUBLE_EQ(b.within_target_share, 1.0);
  const DurationSummary& a = (*r)[1];
  EXPECT_EQ(a.count, 5);
  EXPECT_DOUBLE_EQ(a.p50, 180);
  EXPECT_DOUBLE_EQ(a.p90, 456);
  EXPECT_DOUBLE_EQ(a.within_target_share, 0.8);
  // The target is inclusive: exactly 240 s counts as within.
  r = SummariseDurations(s, 240);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ((*r)[1].within_target_share, 0.8);
}

TEST(ResponseTimes, EdgesAndBadInput) {
  EXPECT_DOUBLE_EQ(Quantile({42}, 0.9), 42);
  EXPECT_DOUBLE_EQ(Quantile({1, 2}, 0.0), 1);
  EXPECT_DOUBLE_EQ(Quantile({1, 2}, 1.0), 2);
  auto empty = SummariseDurations({}, 300);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(SummariseDurations({{{"a"}, -1}}, 300).ok());
  EXPECT_FALSE(SummariseDurations({{{"a"}, NAN}}, 300).ok());
  EXPECT_FALSE(SummariseDurations({{{"a"}, 1}}, 0).ok());
}

}  // namespace
}  // namespace centinela::analytics
