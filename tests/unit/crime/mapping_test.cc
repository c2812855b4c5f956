#include "crime/mapping.h"

#include <gtest/gtest.h>

#include "support/crime_columns.h"

namespace centinela::crime {
namespace {

const std::map<std::string, std::string> kFamilies = {{"robo", "crime"},
                                                      {"hurto", "crime"},
                                                      {"amenaza", "violence"},
                                                      {"violencia_intrafamiliar", "violence"}};

TEST(GlobTest, StarsAndCase) {
  EXPECT_TRUE(GlobMatch("ROBO*", "robo a negocio"));
  EXPECT_TRUE(GlobMatch("ROBO*CON VIOLENCIA*", "ROBO A TRANSEUNTE CON VIOLENCIA"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
  EXPECT_FALSE(GlobMatch("ROBO", "ROBO A NEGOCIO"));
  EXPECT_FALSE(GlobMatch("ROBO*SIN", "ROBO CON VIOLENCIA"));
}

TEST(DateTest, PatternsAndCalendar) {
  // 2020-02-29 is day 18321 since 1970-01-01 (50 years = 18262 days incl. 12 leap days, + 59).
  EXPECT_EQ(ParseDate("YYYY-MM-DD", "2020-02-29"), 18321);
  EXPECT_EQ(ParseDate("DD-MM-YYYY", "29-02-2020"), 18321);
  EXPECT_EQ(ParseDate("DD/MM/YYYY", "1/3/2020"), 18322);
  EXPECT_EQ(ParseDate("YYYY-MM", "1970-01"), 0);
  EXPECT_FALSE(ParseDate("YYYY-MM-DD", "2021-02-29"));
  EXPECT_FALSE(ParseDate("YYYY-MM-DD", "2021-13-01"));
  EXPECT_FALSE(ParseDate("YYYY-MM-DD", "2021-01-01 12:00"));  // trailing text without `consumed`
  size_t used = 0;
  EXPECT_EQ(ParseDate("YYYY-MM-DD", "1970-01-02 12:00", &used), 1);
  EXPECT_EQ(used, 10u);
}

TEST(DateTest, CivilDateRoundTrips) {
  EXPECT_EQ(CivilDate(0), "1970-01-01");
  EXPECT_EQ(CivilDate(18321), "2020-02-29");
  EXPECT_EQ(CivilDate(-1), "1969-12-31");
  for (int64_t d = -800; d < 30000; d += 37)
    EXPECT_EQ(ParseDate("YYYY-MM-DD", CivilDate(d)),
              d < -25567 ? std::nullopt : std::optional<int64_t>(d));
}

TEST(TimeTest, StrictAndLenient) {
  EXPECT_EQ(ParseTimeMs("HH:MM", "21:30:00", false), (21 * 60 + 30) * 60000);
  EXPECT_EQ(ParseTimeMs("HH:MM", "4:05", false), (4 * 60 + 5) * 60000);
  EXPECT_EQ(ParseTimeMs("HH", "18", false), 18 * 3600000);
  EXPECT_FALSE(ParseTimeMs("HH:MM", "12:00:00:00", false));
  EXPECT_EQ(ParseTimeMs("HH:MM", "12:00:00:00", true), 12 * 3600000);
  EXPECT_FALSE(ParseTimeMs("HH:MM", "12:00:00:30", true));  // only zero groups are tolerated
  EXPECT_FALSE(ParseTimeMs("HH:MM", "24:00", false));
  EXPECT_FALSE(ParseTimeMs("HH", "7pm", false));
}

TEST(MappingTest, RejectsUnknownKeysAndCodes) {
  EXPECT_FALSE(ParseMapping("source = \"x\"\nkindd = \"complaints\"\n[columns]\n", kFamilies).ok());
  auto bad_code = ParseMapping(
      "source = \"x\"\n[columns]\ncategory = \"c\"\n[categories]\nrules = [{match = \"A\", code = "
      "\"nope\"}]\n",
      kFamilies);
  ASSERT_FALSE(bad_code.ok());
  EXPECT_NE(bad_code.status().message().find("nope"), std::string::npos);
  EXPECT_FALSE(ParseMapping("source = \"Bad Name\"\n[columns]\n", kFamilies).ok());
  EXPECT_FALSE(ParseMapping("source = \"x\"\ndelimiter = \";;\"\n[columns]\n", kFamilies).ok());
}

Result<RowConverter> Converter(const std::string& toml, std::vector<std::string_view> header) {
  auto m = ParseMapping(toml, kFamilies);
  if (!m.ok()) return m.status();
  return RowConverter::Make(*m, header, kFamilies);
}

const std::string kToml = test::ComplaintMapping("test", "-04:00", false,
                                                 std::string(R"([dates]
date_format = "DD-MM-YYYY"
)") + test::kSantiagoBounds +
                                                     R"([categories]
unmapped = "error"
rules = [{ match = "ROBO*VIOLEN*", code = "robo" }, { match = "ROBO*", code = "hurto" }]
)");

TEST(RowConverterTest, ConvertsToUtcAndMapsCategoriesInRuleOrder) {
  auto c = Converter(kToml, {"id", "fecha", "hora", "delito", "lat", "lon"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto r = c->Complaint({"7", "02-01-1970", "20:30", "Robo con violencia", "-33.5", "-70.6"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // 1970-01-02 20:30 at -04:00 is 1970-01-03 00:30 UTC.
  EXPECT_EQ(r->occurred_ms, (2 * 24 * 60 + 30) * 60000LL);
  EXPECT_EQ(r->category, "robo");
  EXPECT_EQ(r->family, "crime");
  EXPECT_EQ(r->source_id, "7");
  ASSERT_TRUE(r->lat.has_value());
  EXPECT_DOUBLE_EQ(*r->lat, -33.5);
  auto theft = c->Complaint({"8", "02-01-1970", "20:30", "ROBO DE OBJETOS", "-33.5", "-70.6"});
  ASSERT_TRUE(theft.ok());
  EXPECT_EQ(theft->category, "hurto");
}

TEST(RowConverterTest, EachBadRowHasAReason) {
  auto c = Converter(kToml, {"id", "fecha", "hora", "delito", "lat", "lon"});
  ASSERT_TRUE(c.ok());
  struct Bad {
    std::vector<std::string_view> row;
    const char* reason;
  } cases[] = {
      {{"1", "31-02-2020", "10:00", "ROBO", "-33.5", "-70.6"}, "bad date"},
      {{"1", "01-02-2020", "25:00", "ROBO", "-33.5", "-70.6"}, "bad time"},
      {{"1", "01-02-2020", "", "ROBO", "-33.5", "-70.6"}, "empty time"},
      {{"1", "01-02-2020", "10:00", "FRAUDE", "-33.5", "-70.6"}, "unmapped category"},
      {{"1", "01-02-2020", "10:00", "ROBO", "19.4", "-99.1"}, "outside the mapping's bounds"},
      {{"1", "01-02-2020", "10:00", "ROBO", "abc", "-70.6"}, "bad coordinates"},
      {{"1", "01-02-2020", "10:00", "ROBO", "", ""}, "no location"},
      {{"", "01-02-2020", "10:00", "ROBO", "-33.5", "-70.6"}, "empty id"},
      {{"1", "01-02-2020", "10:00", "ROBO", "-33.5"}, "expected 6 fields, found 5"},
      {{"1", "01-02-2020", "10:00", "RO\xff", "-33.5", "-70.6"}, "not valid UTF-8"},
  };
  for (const Bad& b : cases) {
    auto r = c->Complaint(b.row);
    ASSERT_FALSE(r.ok()) << b.reason;
    EXPECT_NE(r.status().message().find(b.reason), std::string::npos) << r.status().message();
  }
}

TEST(RowConverterTest, HeaderMustHoldTheMappedColumns) {
  auto c = Converter(kToml, {"id", "fecha", "delito", "lat", "lon"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("hora"), std::string::npos);
}

TEST(RowConverterTest, RowHashIdsAreStableAndKeepIdenticalRowsApart) {
  const char* toml = R"(
source = "t"
[columns]
date = "d"
category = "c"
area = "a"
[categories]
unmapped = "other"
other_family = "crime"
)";
  auto c1 = Converter(toml, {"d", "c", "a"});
  auto c2 = Converter(toml, {"d", "c", "a"});
  ASSERT_TRUE(c1.ok() && c2.ok());
  auto a = c1->Complaint({"2020-01-01", "X", "13105"});
  auto b = c1->Complaint({"2020-01-01", "X", "13105"});
  auto again = c2->Complaint({"2020-01-01", "X", "13105"});
  ASSERT_TRUE(a.ok() && b.ok() && again.ok());
  EXPECT_NE(a->source_id, b->source_id);      // a second identical case is its own row
  EXPECT_EQ(a->source_id, again->source_id);  // the same file gives the same ids
  EXPECT_EQ(a->category, "other");
  EXPECT_EQ(a->area_code, "13105");
  EXPECT_FALSE(a->lat.has_value());
}

TEST(RowConverterTest, MonthlyCounts) {
  const char* toml = R"(
source = "cead"
kind = "monthly_counts"
[columns]
area = "cut"
date = "mes"
category = "delito"
count = "n"
[dates]
date_format = "YYYY-MM"
[categories]
rules = [{ match = "Amenazas", code = "amenaza" }]
)";
  auto c = Converter(toml, {"cut", "mes", "delito", "n"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto r = c->MonthlyCount({"13105", "2010-01", "Amenazas", "139"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->month, "2010-01");
  EXPECT_EQ(r->category, "amenaza");
  EXPECT_EQ(r->family, "violence");
  EXPECT_EQ(r->count, 139);
  EXPECT_FALSE(c->MonthlyCount({"13105", "2010-13", "Amenazas", "1"}).ok());
  EXPECT_FALSE(c->MonthlyCount({"13105", "2010-01", "Amenazas", "-1"}).ok());
}

}  // namespace
}  // namespace centinela::crime
