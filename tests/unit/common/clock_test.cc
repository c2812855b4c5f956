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

TEST(CivilDateTest, KnownDays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2020, 2, 29), 18321);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1900, 1, 1), -25567);
  EXPECT_EQ(DaysFromCivil(9999, 12, 31), 2932896);
  EXPECT_EQ(CivilDate(0), "1970-01-01");
  EXPECT_EQ(CivilDate(18321), "2020-02-29");
  EXPECT_EQ(CivilDate(-1), "1969-12-31");
  EXPECT_EQ(CivilDate(2932896), "9999-12-31");
  CivilDay c = CivilFromDays(11017);
  EXPECT_EQ(c.year, 2000);
  EXPECT_EQ(c.month, 3);
  EXPECT_EQ(c.day, 1);
}

TEST(CivilDateTest, DaysAndMonthsPastTheEndCountOn) {
  // OsmAnd accepts day 31 of any month and the monthly report asks for month 12 + 1.
  EXPECT_EQ(DaysFromCivil(2021, 2, 31), DaysFromCivil(2021, 3, 3));
  EXPECT_EQ(DaysFromCivil(2021, 1, 0), DaysFromCivil(2020, 12, 31));
  EXPECT_EQ(DaysFromCivil(2021, 13, 1), DaysFromCivil(2022, 1, 1));
  EXPECT_EQ(DaysFromCivil(2021, 0, 1), DaysFromCivil(2020, 12, 1));
}

TEST(CivilDateTest, AgreesWithGmtimeOverEightCenturies) {
  // FormatIsoTime goes through gmtime_r, an independent calendar.
  for (int64_t d = DaysFromCivil(1600, 1, 1); d < DaysFromCivil(2401, 1, 1); ++d) {
    const std::string date = CivilDate(d);
    ASSERT_EQ(date, FormatIsoTime(d * 86'400'000).substr(0, 10)) << d;
    const CivilDay c = CivilFromDays(d);
    ASSERT_EQ(DaysFromCivil(c.year, c.month, c.day), d) << date;
  }
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
