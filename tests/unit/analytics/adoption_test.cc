#include "analytics/adoption.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "support/test_data.h"

namespace centinela::analytics {
namespace {

TEST(Adoption, TargetMissingAndComplianceByHand) {
  EXPECT_EQ(AdoptionTarget(1234), 124);  // 123.4 rounded up
  EXPECT_EQ(AdoptionTarget(1230), 123);  // exact
  EXPECT_EQ(AdoptionTarget(11), 2);
  EXPECT_EQ(AdoptionTarget(0), 0);
  EXPECT_EQ(MissingToTarget(124, 30), 94);
  EXPECT_EQ(MissingToTarget(10, 20), 0);  // never negative
  EXPECT_EQ(ComplianceTenths(1, 3), 333);   // 33.33 %
  EXPECT_EQ(ComplianceTenths(2, 3), 667);   // 66.67 % rounds up
  EXPECT_EQ(ComplianceTenths(1, 16), 63);   // 6.25 % -> 62.5 tenths, a half: up to 6.3
  EXPECT_EQ(ComplianceTenths(20, 10), 2000);  // 200.0 %, not capped
  EXPECT_FALSE(ComplianceTenths(5, 0).has_value());
  EXPECT_EQ(FormatTenths(716), "71.6");
  EXPECT_EQ(FormatTenths(130), "13.0");
  EXPECT_EQ(FormatTenths(5), "0.5");
  EXPECT_EQ(FormatTenths(std::nullopt), "");
}

// Parent P with children A (population 100, 20 registered: target 10, missing 0, 200.0 %)
// and B (1,000, 10 registered: target 100, missing 90, 10.0 %). P sums them: population
// 1,100, registered 30, target 110 (the sum of targets), missing 90 (the sum of missing, not
// 110 - 30 = 80), reports 7 + 5 = 12, compliance 30 / 110 = 27.27 -> 27.3 %. P's own
// population (999) is ignored. Children come ordered by compliance, highest first.
TEST(Adoption, ParentIsTheSumOfItsChildren) {
  std::vector<AdoptionInput> in = {
      {"P", "Parent", "", 999, 50, 50},
      {"B", "Bee", "P", 1000, 10, 5},
      {"A", "Ay", "P", 100, 20, 7},
      {"X", "Elsewhere", "", 500, 5, 1},
  };
  auto t = AdoptionTable(in, "P");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->size(), 3u);
  const AdoptionRow& p = (*t)[0];
  EXPECT_EQ(p.code, "P");
  EXPECT_FALSE(p.leaf);
  EXPECT_EQ(p.depth, 0);
  EXPECT_EQ(p.population, 1100);
  EXPECT_EQ(p.registered, 30);
  EXPECT_EQ(p.target, 110);
  EXPECT_EQ(p.missing, 90);
  EXPECT_EQ(p.reports, 12);
  EXPECT_EQ(p.compliance_tenths, 273);
  EXPECT_EQ((*t)[1].code, "A");
  EXPECT_EQ((*t)[1].compliance_tenths, 2000);
  EXPECT_EQ((*t)[1].missing, 0);
  EXPECT_EQ((*t)[1].depth, 1);
  EXPECT_EQ((*t)[2].code, "B");
  EXPECT_EQ((*t)[2].target, 100);
  // A leaf asked for alone is its own table.
  auto leaf = AdoptionTable(in, "B");
  ASSERT_TRUE(leaf.ok());
  ASSERT_EQ(leaf->size(), 1u);
  EXPECT_TRUE(leaf->front().leaf);
  EXPECT_EQ(AdoptionTable(in, "nope").status().code(), Code::kNotFound);
  in.push_back({"A", "dup", "", 1, 1, 1});
  EXPECT_EQ(AdoptionTable(in, "P").status().code(), Code::kInvalidArgument);
}

TEST(Adoption, ThreeLevelsSumRecursively) {
  std::vector<AdoptionInput> in = {
      {"R", "Region", "", 0, 0, 0},
      {"S1", "Sector 1", "R", 0, 0, 0},
      {"N1", "n1", "S1", 15, 1, 1},  // target 2
      {"N2", "n2", "S1", 21, 0, 2},  // target 3
      {"S2", "Sector 2", "R", 40, 4, 3},  // leaf: target 4
  };
  auto t = AdoptionTable(in, "R");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 5u);
  EXPECT_EQ((*t)[0].target, 2 + 3 + 4);
  EXPECT_EQ((*t)[0].population, 76);
  EXPECT_EQ((*t)[0].registered, 5);
  EXPECT_EQ((*t)[0].reports, 6);
  // S2 (100 %) before S1 (1 / 5 = 20 %); S1's children follow S1.
  EXPECT_EQ((*t)[1].code, "S2");
  EXPECT_EQ((*t)[2].code, "S1");
  EXPECT_EQ((*t)[2].target, 5);
  EXPECT_EQ((*t)[3].depth, 2);
}

// Splits one CSV line (the file has no quoted fields).
std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  return out;
}

// The published South Precinct table: from population and registered addresses alone we
// must reproduce target_population, missing_to_goal and goal_compliance_pct of every comuna
// to the digit, and the precinct total (tests/testdata/README.md: 831,876 people, 18,029 addresses,
// 83,191 target, 65,162 missing, 21.7 %, 3,568 reports).
TEST(Adoption, ReproducesTheSouthPrecinctTable) {
  const std::string path = centinela::test::TestDataPath("south-precinct.csv");
  std::ifstream f(path);
  ASSERT_TRUE(f) << "cannot read " << path;
  std::string line;
  ASSERT_TRUE(std::getline(f, line));
  const std::vector<std::string> header = Split(line);
  auto col = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return size_t{0};
  };
  const size_t c_name = col("comuna"), c_pop = col("population"),
               c_reg = col("registered_addresses"), c_rep = col("reports_first_month"),
               c_target = col("target_population"), c_missing = col("missing_to_goal"),
               c_pct = col("goal_compliance_pct");
  std::vector<AdoptionInput> in = {{"PSS", "Prefectura Santiago Sur", "", 0, 0, 0}};
  std::vector<std::vector<std::string>> rows;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    rows.push_back(Split(line));
    const auto& r = rows.back();
    in.push_back({r[c_name], r[c_name], "PSS", std::stoll(r[c_pop]), std::stoll(r[c_reg]),
                  std::stoll(r[c_rep])});
  }
  ASSERT_EQ(rows.size(), 7u);
  auto t = AdoptionTable(in, "PSS");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->size(), 8u);
  for (const auto& r : rows) {
    const AdoptionRow* got = nullptr;
    for (const AdoptionRow& a : *t)
      if (a.code == r[c_name]) got = &a;
    ASSERT_NE(got, nullptr) << r[c_name];
    EXPECT_EQ(got->target, std::stoll(r[c_target])) << r[c_name];
    EXPECT_EQ(got->missing, std::stoll(r[c_missing])) << r[c_name];
    EXPECT_EQ(FormatTenths(got->compliance_tenths), r[c_pct]) << r[c_name];
  }
  // The published order is by compliance, highest first, which is the table's order too.
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ((*t)[i + 1].code, rows[i][c_name]);
  const AdoptionRow& total = t->front();
  EXPECT_EQ(total.population, 831'876);
  EXPECT_EQ(total.registered, 18'029);
  EXPECT_EQ(total.target, 83'191);
  EXPECT_EQ(total.missing, 65'162);
  EXPECT_EQ(FormatTenths(total.compliance_tenths), "21.7");
  EXPECT_EQ(total.reports, 3'568);
}

}  // namespace
}  // namespace centinela::analytics
