#include "common/clock.h"

#include <gtest/gtest.h>

namespace centinela {
namespace {

TEST(ClockTest, FormatIsoTime) {
  EXPECT_EQ(FormatIsoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoTime(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatIsoTime(951'782'400'000), "2000-02-29T00:00:00.000Z");  // leap day
  EXPECT_EQ(FormatIsoTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIsoTime(5), "1970-01-01T00:00:00.005Z");
}

TEST(ClockTest, FakeClockMovesByHand) {
  FakeClock c(1000);
  EXPECT_EQ(c.NowMs(), 1000);
  c.Advance(250);
  EXPECT_EQ(c.NowMs(), 1250);
  c.Set(5);
  EXPECT_EQ(c.NowMs(), 5);
}

TEST(ClockTest, SystemClockIsRecent) {
  SystemClock c;
  EXPECT_GT(c.NowMs(), 1'600'000'000'000);  // after 2020
}

}  // namespace
}  // namespace centinela
