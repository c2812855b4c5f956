#include "api/params.h"

#include <gtest/gtest.h>

#include <limits>

namespace centinela::api {
namespace {

http::Request With(std::map<std::string, std::string> query) {
  http::Request r;
  r.query = std::move(query);
  return r;
}

TEST(QueryInt, AbsentAndEmptyAreNotGiven) {
  auto absent = QueryInt(With({}), "limit", 1, 200);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(*absent);
  auto empty = QueryInt(With({{"limit", ""}}), "limit", 1, 200);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(*empty);
}

TEST(QueryInt, TakesWholeNumbersInRange) {
  struct Case {
    std::string text;
    bool ok;
    int64_t value;
    std::string message;
  };
  const Case cases[] = {
      {"1", true, 1, ""},
      {"200", true, 200, ""},
      {"-3", false, 0, "'limit' must be 1 to 200"},
      {"0", false, 0, "'limit' must be 1 to 200"},
      {"201", false, 0, "'limit' must be 1 to 200"},
      {"12abc", false, 0, "'limit' must be an integer"},
      {"1.5", false, 0, "'limit' must be an integer"},
      {" 5", false, 0, "'limit' must be an integer"},
      {"+5", false, 0, "'limit' must be an integer"},
      {"99999999999999999999", false, 0, "'limit' must be an integer"},
  };
  for (const Case& c : cases) {
    auto v = QueryInt(With({{"limit", c.text}}), "limit", 1, 200);
    EXPECT_EQ(v.ok(), c.ok) << c.text;
    if (c.ok && v.ok()) {
      EXPECT_EQ(v->value_or(-1), c.value) << c.text;
    } else if (!v.ok()) {
      EXPECT_EQ(v.status().code(), Code::kInvalidArgument) << c.text;
      EXPECT_EQ(v.status().message(), c.message) << c.text;
    }
  }
}

TEST(QueryNumber, FiniteDecimalsOnly) {
  auto v = QueryNumber(With({{"lat", "-33.45"}}), "lat");
  ASSERT_TRUE(v.ok());
  EXPECT_DOUBLE_EQ(v->value_or(0), -33.45);
  EXPECT_DOUBLE_EQ(QueryNumber(With({{"x", "3e2"}}), "x")->value_or(0), 300);
  for (const char* bad : {"abc", "1,5", "inf", "nan", "1.5x", "--1"}) {
    auto b = QueryNumber(With({{"lat", bad}}), "lat");
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.status().message(), "'lat' must be a number") << bad;
  }
  EXPECT_FALSE(*QueryNumber(With({}), "lat"));
}

TEST(QueryBool, TrueFalseOneZero) {
  EXPECT_TRUE(*QueryBool(With({{"fdr", "true"}}), "fdr", false));
  EXPECT_TRUE(*QueryBool(With({{"fdr", "1"}}), "fdr", false));
  EXPECT_FALSE(*QueryBool(With({{"fdr", "false"}}), "fdr", true));
  EXPECT_FALSE(*QueryBool(With({{"fdr", "0"}}), "fdr", true));
  EXPECT_TRUE(*QueryBool(With({}), "fdr", true));
  auto bad = QueryBool(With({{"fdr", "yes"}}), "fdr", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "'fdr' must be true or false");
}

TEST(QueryChoice, OneOfTheListOrTheFallback) {
  EXPECT_EQ(*QueryChoice(With({}), "source", {"formal", "informal", "both"}, "both"), "both");
  EXPECT_EQ(*QueryChoice(With({{"source", "formal"}}), "source", {"formal", "informal", "both"},
                         "both"),
            "formal");
  auto bad = QueryChoice(With({{"source", "x"}}), "source", {"formal", "informal", "both"}, "both");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "'source' must be formal, informal or both");
  auto two = QueryChoice(With({{"cells", "x"}}), "cells", {"significant", "all"}, "significant");
  EXPECT_EQ(two.status().message(), "'cells' must be significant or all");
}

TEST(QueryList, SplitsOnCommasDroppingEmptyItems) {
  auto v = QueryList(With({{"category", "robo,,hurto,"}}), "category", 50);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (std::vector<std::string>{"robo", "hurto"}));
  EXPECT_TRUE(QueryList(With({}), "category", 50)->empty());
  auto many = QueryList(With({{"capabilities", "a,b,c"}}), "capabilities", 2);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.status().message(), "at most 2 values in 'capabilities'");
}

TEST(QueryTime, DatesAtTheOffsetOrMilliseconds) {
  EXPECT_EQ(QueryTime(With({{"from", "1700000000000"}}), "from")->value_or(0), 1700000000000);
  // 2024-03-01 is day 19783 since the epoch.
  EXPECT_EQ(QueryTime(With({{"from", "2024-03-01"}}), "from")->value_or(0), 19783LL * 86'400'000);
  // Local midnight four hours west of UTC is 04:00 UTC.
  EXPECT_EQ(QueryTime(With({{"from", "2024-03-01"}}), "from", -240)->value_or(0),
            19783LL * 86'400'000 + 4 * 3'600'000);
  EXPECT_FALSE(*QueryTime(With({}), "from"));
  for (const char* bad : {"2024-02-30", "yesterday", "2024-3-1"}) {
    auto b = QueryTime(With({{"from", bad}}), "from");
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.status().message(), "'from' must be YYYY-MM-DD or epoch milliseconds") << bad;
  }
}

TEST(QueryRequired, NamesTheMissingParameter) {
  EXPECT_EQ(*QueryRequired(With({{"area", "13130"}}), "area"), "13130");
  auto missing = QueryRequired(With({{"area", ""}}), "area");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "'area' is required");
}

}  // namespace
}  // namespace centinela::api
