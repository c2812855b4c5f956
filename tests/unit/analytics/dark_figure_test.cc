#include "analytics/dark_figure.h"
#include "analytics/dark_figure_source.h"

#include <gtest/gtest.h>

#include <cmath>

namespace centinela::analytics {
namespace {

constexpr int64_t kHour = 3'600'000;

// Matching with D = 500 m, T = 48 h:
//   informal 0: robbery at (0, 0), hour 0     formal 0: robbery at (300, 0), hour 10
//   informal 1: robbery at (100, 0), hour 1   formal 1: robbery at (0, 400), hour 47
//   informal 2: burglary at (0, 0), hour 0    (no burglary complaint: another family)
//   informal 3: robbery at (0, 0), hour 100   (too late for either complaint)
// Candidate scores d/D + |dt|/T:
//   (0,0): 0.6 + 10/48 = 0.8083   (0,1): 0.8 + 47/48 = 1.7792
//   (1,0): 0.4 + 9/48  = 0.5875   (1,1): sqrt(100^2+400^2)=412.3 -> 0.8246 + 46/48 = 1.7829
// Greedy from the lowest: (1,0) first, then (0,0) is taken by 1 -> (0,1) for 0.
// matched = 2 of 4, unmatched share 0.5.
TEST(DarkFigure, OneToOneMatchingByHand) {
  std::vector<Incident> informal = {{"robbery", 0, 0, 0},
                                    {"robbery", 100, 0, 1 * kHour},
                                    {"burglary", 0, 0, 0},
                                    {"robbery", 0, 0, 100 * kHour}};
  std::vector<Incident> formal = {{"robbery", 300, 0, 10 * kHour}, {"robbery", 0, 400, 47 * kHour}};
  auto m = MatchReports(informal, formal, MatchOptions{.distance_m = 500, .hours = 48});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->formal_of, (std::vector<int64_t>{1, 0, -1, -1}));
  EXPECT_EQ(m->matched, 2);
  EXPECT_EQ(m->informal, 4);
  EXPECT_EQ(m->formal, 2);
  EXPECT_DOUBLE_EQ(m->unmatched_share, 0.5);
  // Narrower window: T = 40 h drops (0,1) (47 h) and (1,1) (46 h): only (1,0) remains.
  m = MatchReports(informal, formal, MatchOptions{.distance_m = 500, .hours = 40});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->matched, 1);
  EXPECT_DOUBLE_EQ(m->unmatched_share, 0.75);
  EXPECT_FALSE(MatchReports(informal, formal, MatchOptions{.distance_m = 0}).ok());
}

// Chapman with n1 = 60 informal, n2 = 40 formal, m = 20 matched:
//   N = 61 * 41 / 21 - 1 = 2501 / 21 - 1 = 118.095238
//   Var = 61 * 41 * 40 * 20 / (21^2 * 22) = 2,000,800 / 9,702 = 206.225521
//   95 %: 118.095238 +- 1.96 * 14.360554 = [89.948553, 146.241924]; the lower end stays
//   above the n1 + n2 - m = 80 incidents seen.
TEST(DarkFigure, ChapmanByHand) {
  auto c = Chapman(60, 40, 20);
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->estimate, 118.095238, 1e-6);
  EXPECT_NEAR(c->variance, 206.225521, 1e-6);
  EXPECT_NEAR(c->ci_low, 89.948553, 1e-5);
  EXPECT_NEAR(c->ci_high, 146.241924, 1e-5);
  // Every formal case matched and vice versa: N = (n+1)^2/(n+1) - 1 = n, no variance.
  c = Chapman(10, 10, 10);
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->estimate, 10);
  EXPECT_DOUBLE_EQ(c->variance, 0);
  // Small overlap: the lower end is clamped to the incidents actually seen (n1 + n2 - m).
  c = Chapman(5, 5, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->estimate, 35);  // 6 * 6 / 1 - 1
  EXPECT_GE(c->ci_low, 10);
  EXPECT_FALSE(Chapman(5, 3, 4).ok());
  EXPECT_FALSE(Chapman(-1, 3, 0).ok());
}

// Dark figure = 1 - formal / N = 1 - 40 / 118.095238 = 0.661290; reference 0.5, target 0.3:
// progress = (0.5 - 0.661290) / (0.5 - 0.3) = -0.806452 (worse than the survey), not met.
TEST(DarkFigure, TrackedAgainstReferenceAndTarget) {
  auto p = DarkFigure(60, 40, 20, 0.5, 0.3);
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(p->dark_figure, 0.661290, 1e-6);
  EXPECT_NEAR(p->progress, -0.806452, 1e-6);
  EXPECT_FALSE(p->target_met);
  EXPECT_NEAR(p->unmatched_share, 40.0 / 60.0, 1e-12);
  // 30 informal, 100 formal, 25 matched: N = 31 * 101 / 26 - 1 = 119.423077,
  // dark figure = 1 - 100 / 119.423077 = 0.162641 <= 0.3: met, progress 1.686795.
  p = DarkFigure(30, 100, 25, 0.5, 0.3);
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(p->dark_figure, 0.162641, 1e-6);
  EXPECT_TRUE(p->target_met);
  EXPECT_NEAR(p->progress, (0.5 - 0.162641) / 0.2, 1e-6);
  EXPECT_FALSE(DarkFigure(1, 1, 0, 0.3, 0.3).ok());
  EXPECT_FALSE(DarkFigure(1, 1, 0, 1.5, 0.3).ok());
}

TEST(DarkFigure, MonthOfIsUtc) {
  EXPECT_EQ(MonthOf(0), "1970-01");
  EXPECT_EQ(MonthOf(946'684'800'000 - 1), "1999-12");  // one ms before 2000-01-01T00:00Z
  EXPECT_EQ(MonthOf(946'684'800'000), "2000-01");
  EXPECT_EQ(MonthOf(-1), "1969-12");
}

}  // namespace
}  // namespace centinela::analytics
