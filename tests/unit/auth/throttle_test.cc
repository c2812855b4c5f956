#include "auth/throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace centinela::auth {
namespace {

constexpr int64_t kMinute = 60'000;

class ThrottleTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  ThrottleOptions options_;  // defaults: 5 per account, 20 per IP, 15 min, 60 s lockout
};

TEST_F(ThrottleTest, SlowsAnAccountFromTheFailingAddressOnly) {
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 4; ++i) {
    t.RecordFailure("ana@example.org", "10.0.0.1");
    EXPECT_EQ(t.RetryAfterSeconds("ana@example.org", "10.0.0.1"), 0) << "after " << i + 1;
  }
  t.RecordFailure("ana@example.org", "10.0.0.1");
  EXPECT_EQ(t.RetryAfterSeconds("ana@example.org", "10.0.0.1"), 60);
  // Lock-out as a weapon: the owner, from an address with no recent failures, gets in.
  EXPECT_EQ(t.RetryAfterSeconds("ana@example.org", "192.0.2.7"), 0);
  EXPECT_EQ(t.RetryAfterSeconds("bob@example.org", "10.0.0.1"), 0);
}

TEST_F(ThrottleTest, OwnerFromACleanAddressIsNeverLockedOut) {
  LoginThrottle t(clock_, options_);
  // An attacker hammers the operator's account from one address for a whole shift.
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 5; ++i) t.RecordFailure("operadora@centinela.cl", "203.0.113.66");
    clock_.Advance(15 * kMinute);
  }
  EXPECT_EQ(t.RetryAfterSeconds("operadora@centinela.cl", "198.51.100.20"), 0);
}

TEST_F(ThrottleTest, DistributedGuessingSlowsOnlyAddressesThatFailed) {
  LoginThrottle t(clock_, options_);
  // 20 addresses, one guess each at one account: the account-wide count is reached.
  for (int i = 0; i < 20; ++i) t.RecordFailure("victima", "10.1.0." + std::to_string(i));
  // An address that has failed recently (here: on another account) is slowed for it...
  t.RecordFailure("otra", "10.2.0.1");
  EXPECT_GT(t.RetryAfterSeconds("victima", "10.2.0.1"), 0);
  EXPECT_GT(t.RetryAfterSeconds("victima", "10.1.0.3"), 0);
  // ...the owner from a clean address is not.
  EXPECT_EQ(t.RetryAfterSeconds("victima", "192.0.2.1"), 0);
}

TEST_F(ThrottleTest, RetryAfterCountsDownInWholeSeconds) {
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 5; ++i) t.RecordFailure("a", "");
  clock_.Advance(20'500);
  EXPECT_EQ(t.RetryAfterSeconds("a", ""), 40);  // 39.5 s rounds up
  clock_.Advance(39'499);
  EXPECT_EQ(t.RetryAfterSeconds("a", ""), 1);
  clock_.Advance(1);
  EXPECT_EQ(t.RetryAfterSeconds("a", ""), 0);
}

TEST_F(ThrottleTest, BackoffDoublesAndIsCappedAtFifteenMinutes) {
  LoginThrottle t(clock_, options_);
  int64_t want = 60;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 5; ++i) t.RecordFailure("a", "");
    EXPECT_EQ(t.RetryAfterSeconds("a", ""), std::min<int64_t>(want, 900)) << "round " << round;
    clock_.Advance(std::min<int64_t>(want, 900) * 1000);
    EXPECT_EQ(t.RetryAfterSeconds("a", ""), 0);
    want *= 2;
  }
}

TEST_F(ThrottleTest, FailingAddressBacksOffExponentiallyUpToFifteenMinutes) {
  LoginThrottle t(clock_, options_);
  int64_t want = 60;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 20; ++i) t.RecordFailure("u" + std::to_string(i), "203.0.113.9");
    EXPECT_EQ(t.RetryAfterSeconds("anyone", "203.0.113.9"), std::min<int64_t>(want, 900))
        << "round " << round;
    clock_.Advance(std::min<int64_t>(want, 900) * 1000);
    want *= 2;
  }
}

TEST_F(ThrottleTest, FailuresWhileLockedAreNotCounted) {
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 5; ++i) t.RecordFailure("a", "");
  for (int i = 0; i < 50; ++i) t.RecordFailure("a", "");
  EXPECT_EQ(t.RetryAfterSeconds("a", ""), 60);
}

TEST_F(ThrottleTest, FailuresOutsideTheWindowAreForgotten) {
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 4; ++i) t.RecordFailure("a", "");
  clock_.Advance(15 * kMinute);
  t.RecordFailure("a", "");
  EXPECT_EQ(t.RetryAfterSeconds("a", ""), 0);
}

TEST_F(ThrottleTest, LockoutHistoryFadesAfterAQuietWindow) {
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 5; ++i) t.RecordFailure("a", "");
  clock_.Advance(kMinute + 15 * kMinute);  // lockout over, then a whole quiet window
  for (int i = 0; i < 5; ++i) t.RecordFailure("a", "");
  EXPECT_EQ(t.RetryAfterSeconds("a", ""), 60);  // back to the base lockout
}

TEST_F(ThrottleTest, SuccessResetsTheAccountButNotTheIp) {
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 4; ++i) t.RecordFailure("a", "10.0.0.1");
  t.RecordSuccess("a", "10.0.0.1");
  for (int i = 0; i < 4; ++i) t.RecordFailure("a", "10.0.0.1");
  EXPECT_EQ(t.RetryAfterSeconds("a", "10.0.0.1"), 0);
  // 8 failures from this IP so far; 12 more on other accounts lock the IP (limit 20).
  for (int i = 0; i < 12; ++i) t.RecordFailure("other" + std::to_string(i), "10.0.0.1");
  EXPECT_EQ(t.RetryAfterSeconds("fresh", "10.0.0.1"), 60);
  t.RecordSuccess("fresh", "10.0.0.1");
  EXPECT_EQ(t.RetryAfterSeconds("fresh", "10.0.0.1"), 60);
}

TEST_F(ThrottleTest, PerIpLimitAcrossManyAccounts) {
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 19; ++i) t.RecordFailure("user" + std::to_string(i), "203.0.113.9");
  EXPECT_EQ(t.RetryAfterSeconds("someone", "203.0.113.9"), 0);
  t.RecordFailure("user19", "203.0.113.9");
  EXPECT_EQ(t.RetryAfterSeconds("someone", "203.0.113.9"), 60);
  EXPECT_EQ(t.RetryAfterSeconds("someone", "203.0.113.10"), 0);
  // Retry-after is the larger of the account-from-address and the address waits.
  for (int i = 0; i < 5; ++i) t.RecordFailure("victim", "198.51.100.1");
  clock_.Advance(30'000);
  EXPECT_EQ(t.RetryAfterSeconds("victim", "203.0.113.9"), 30);
  EXPECT_EQ(t.RetryAfterSeconds("victim", "198.51.100.1"), 30);
}

TEST_F(ThrottleTest, MemoryIsBounded) {
  options_.max_keys = 100;
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 5; ++i) t.RecordFailure("locked", "");
  for (int i = 0; i < 10'000; ++i) {
    clock_.Advance(1);
    t.RecordFailure("spray" + std::to_string(i), "");
  }
  // The newest keys are kept: the last spray still counts its failure...
  for (int i = 0; i < 4; ++i) t.RecordFailure("spray9999", "");
  EXPECT_EQ(t.RetryAfterSeconds("spray9999", ""), 60);
  // ...the oldest were evicted, so memory did not grow with the spray...
  for (int i = 0; i < 4; ++i) t.RecordFailure("spray0", "");
  EXPECT_EQ(t.RetryAfterSeconds("spray0", ""), 0);
  // ...and a spray of new names cannot flush a live lockout.
  EXPECT_GT(t.RetryAfterSeconds("locked", ""), 0);
}

TEST_F(ThrottleTest, AccountNamedLikeAnIpIsSeparate) {
  LoginThrottle t(clock_, options_);
  for (int i = 0; i < 5; ++i) t.RecordFailure("10.0.0.1", "");
  EXPECT_EQ(t.RetryAfterSeconds("someone", "10.0.0.1"), 0);
}

}  // namespace
}  // namespace centinela::auth
