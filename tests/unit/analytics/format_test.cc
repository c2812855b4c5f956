#include <gtest/gtest.h>

#include "analytics/adoption_format.h"
#include "analytics/period.h"

namespace centinela::analytics {
namespace {

TEST(Period, DatesAndMilliseconds) {
  EXPECT_EQ(*ParseTimeBound("1970-01-02", "from"), 86'400'000);
  EXPECT_EQ(*ParseTimeBound("2000-01-01", "from"), 946'684'800'000);  // 10,957 days
  EXPECT_EQ(*ParseTimeBound("2024-02-29", "from") - *ParseTimeBound("2024-02-28", "from"),
            86'400'000);
  EXPECT_EQ(*ParseTimeBound("1700000000000", "to"), 1'700'000'000'000);
  for (const char* bad : {"2026-02-30", "2026-13-01", "2026-1-01", "abc", "", "12x", "2026-0a-01"}) {
    auto r = ParseTimeBound(bad, "from");
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseTimeBound("x", "from").status().message().find("'from'"), std::string::npos);
}

std::vector<AdoptionRow> TwoRows() {
  AdoptionRow p{"P", "Parent, \"the\"", "", 0, false, 1100, 30, 110, 90, 12, 273};
  AdoptionRow c{"A", "Añil", "P", 1, true, 100, 0, 0, 0, 7, std::nullopt};
  return {p, c};
}

TEST(AdoptionFormat, JsonCsvAndText) {
  EXPECT_EQ(AdoptionJson(TwoRows(), "P", 5, std::nullopt),
            R"({"area":"P","from_ms":5,"to_ms":null,"rows":[)"
            R"({"code":"P","name":"Parent, \"the\"","parent":null,"depth":0,"leaf":false,)"
            R"("population":1100,"registered_addresses":30,"target":110,"missing":90,)"
            R"("compliance_pct":27.3,"reports":12},)"
            R"({"code":"A","name":"Añil","parent":"P","depth":1,"leaf":true,"population":100,)"
            R"("registered_addresses":0,"target":0,"missing":0,"compliance_pct":null,"reports":7}]})");
  EXPECT_EQ(AdoptionCsv(TwoRows()),
            "code,name,parent,depth,population,registered_addresses,target,missing,compliance_pct,"
            "reports\n"
            "P,\"Parent, \"\"the\"\"\",,0,1100,30,110,90,27.3,12\n"
            "A,Añil,P,1,100,0,0,0,,7\n");
  // Columns line up by code points ("Añil" is 4 wide, 5 bytes).
  const std::string text = AdoptionText(TwoRows());
  EXPECT_NE(text.find("27.3 %"), std::string::npos) << text;
  EXPECT_NE(text.find("  Añil (A)"), std::string::npos) << text;
}

}  // namespace
}  // namespace centinela::analytics
