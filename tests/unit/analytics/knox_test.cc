#include "analytics/knox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace centinela::analytics {
namespace {

// Five events, d = 200 m, t = 2 days:
//   A (0, 0) day 0     B (100, 0) day 1    C (0, 150) day 10
//   D (5000, 0) day 0.5                    E (5100, 0) day 30
// Pairs (10): AB 100 m, 1 d -> both; AC 150 m, 10 d -> space; AD 5 km, 0.5 d -> time;
//   AE far, 30 d; BC 180.3 m, 9 d -> space; BD 4.9 km, 0.5 d -> time; BE, CD, CE far and
//   slow; DE 100 m, 29.5 d -> space.
// close in space = 4 (AB AC BC DE), close in time = 3 (AB AD BD), both = 1 (AB),
// expected = 4 * 3 / 10 = 1.2, ratio = 1 / 1.2 = 0.8333.
const std::vector<SpaceTimeEvent> kFive = {
    {0, 0, 0}, {100, 0, 1}, {0, 150, 10}, {5000, 0, 0.5}, {5100, 0, 30}};

TEST(Knox, CountsByHand) {
  KnoxOptions o{.distance_m = 200, .days = 2, .permutations = 0};
  auto r = KnoxTest(kFive, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->events, 5);
  EXPECT_EQ(r->pairs, 10);
  EXPECT_EQ(r->close_space, 4);
  EXPECT_EQ(r->close_time, 3);
  EXPECT_EQ(r->observed, 1);
  EXPECT_DOUBLE_EQ(r->expected, 1.2);
  EXPECT_NEAR(r->ratio, 1 / 1.2, 1e-12);
  EXPECT_EQ(r->p_value, 1.0);
  // The boundaries are inclusive: 100 m and exactly 1 day still count.
  o.distance_m = 100;
  o.days = 1;
  r = KnoxTest(kFive, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->close_space, 2);  // AB, DE
  EXPECT_EQ(r->close_time, 3);   // AB (1), AD (0.5), BD (0.5)
  EXPECT_EQ(r->observed, 1);
}

// The Monte Carlo p-value against the exact permutation distribution, computed here by
// enumerating all 5! = 120 assignments of the times: p_exact = P(count >= 1).
TEST(Knox, MonteCarloApproachesTheExactPermutationP) {
  std::vector<double> t;
  for (const auto& e : kFive) t.push_back(e.t_days);
  std::vector<int> perm = {0, 1, 2, 3, 4};
  int at_least = 0, total = 0;
  do {
    std::vector<SpaceTimeEvent> ev = kFive;
    for (size_t i = 0; i < ev.size(); ++i) ev[i].t_days = t[static_cast<size_t>(perm[i])];
    auto r = KnoxTest(ev, KnoxOptions{.distance_m = 200, .days = 2, .permutations = 0});
    ASSERT_TRUE(r.ok());
    at_least += r->observed >= 1;
    ++total;
  } while (std::next_permutation(perm.begin(), perm.end()));
  const double exact = static_cast<double>(at_least) / total;
  auto mc = KnoxTest(kFive, KnoxOptions{.distance_m = 200, .days = 2, .permutations = 9999, .seed = 3});
  ASSERT_TRUE(mc.ok());
  EXPECT_NEAR(mc->p_value, exact, 0.02) << "exact " << exact;
  // Reproducible for a seed.
  auto again = KnoxTest(kFive, KnoxOptions{.distance_m = 200, .days = 2, .permutations = 9999, .seed = 3});
  EXPECT_EQ(again->at_least_observed, mc->at_least_observed);
}

// Planted near repeats: 200 pairs, each pair 30 m and 1 day apart, the pairs scattered
// over 10 km and 365 days. Observed far exceeds expected and no shuffle reaches it:
// p = 1 / (1 + 99) = 0.01.
TEST(Knox, PlantedNearRepeatsAreSignificant) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> pos(0, 10'000), day(0, 365);
  std::vector<SpaceTimeEvent> ev;
  for (int i = 0; i < 200; ++i) {
    const double x = pos(rng), y = pos(rng), t = day(rng);
    ev.push_back({x, y, t});
    ev.push_back({x + 30, y, t + 1});
  }
  auto r = KnoxTest(ev, KnoxOptions{.distance_m = 100, .days = 3, .permutations = 99, .seed = 9});
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->observed, 200);
  EXPECT_GT(r->ratio, 5);
  EXPECT_DOUBLE_EQ(r->p_value, 0.01);
  EXPECT_LT(r->permuted_mean, r->observed);
}

// No interaction: random places and times. Observed stays near expected, and the
// permutation mean estimates the expected count (both margins are kept by shuffling).
// 100,000 events also shows the bucketed pair search is fast enough.
TEST(Knox, RandomEventsOfAHundredThousand) {
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> pos(0, 20'000), day(0, 365);
  std::vector<SpaceTimeEvent> ev(100'000);
  for (auto& e : ev) e = {pos(rng), pos(rng), day(rng)};
  const auto start = std::chrono::steady_clock::now();
  auto r = KnoxTest(ev, KnoxOptions{.distance_m = 100, .days = 7, .permutations = 19, .seed = 1});
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok());
  // About n^2/2 * pi 100^2 / 20,000^2 = 392,700 pairs close in space.
  EXPECT_NEAR(static_cast<double>(r->close_space), 392'700, 392'700 * 0.03);
  EXPECT_NEAR(r->ratio, 1.0, 0.05);
  EXPECT_NEAR(r->permuted_mean, r->expected, r->expected * 0.05);
  EXPECT_LT(secs, 20.0);  // a generous bound for a loaded 2-core machine
}

TEST(Knox, RejectsBadParameters) {
  EXPECT_FALSE(KnoxTest(kFive, KnoxOptions{.distance_m = 0}).ok());
  EXPECT_FALSE(KnoxTest(kFive, KnoxOptions{.days = -1}).ok());
  EXPECT_FALSE(KnoxTest(kFive, KnoxOptions{.permutations = 10'000}).ok());
  EXPECT_FALSE(KnoxTest({{NAN, 0, 0}}, KnoxOptions{}).ok());
  auto empty = KnoxTest({}, KnoxOptions{});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->pairs, 0);
  EXPECT_EQ(empty->expected, 0.0);
}

}  // namespace
}  // namespace centinela::analytics
