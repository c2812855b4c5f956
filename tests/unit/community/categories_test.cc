#include "community/categories.h"

#include <gtest/gtest.h>

#include <set>

namespace centinela::community {
namespace {

Category Valid() {
  Category c;
  c.code = "robo";
  c.family = "crime";
  c.label_es = "Robo";
  c.label_en = "Robbery";
  c.agencies = {"police"};
  c.priority = 1;
  return c;
}

TEST(Categories, SeedSetIsValidUniqueAndHasTheRestrictedOnes) {
  std::set<std::string> codes;
  for (const Category& c : SeedCategories()) {
    EXPECT_TRUE(ValidateCategory(c).ok()) << c.code << ": " << ValidateCategory(c).message();
    EXPECT_TRUE(codes.insert(c.code).second) << c.code << " twice";
  }
  EXPECT_GE(codes.size(), 20u);
  for (const char* must : {"robo", "hurto", "robo_vehiculo", "persona_sospechosa", "balacera",
                           "rina", "incendio", "emergencia_medica", "accidente_transito",
                           "luminaria_apagada", "microbasural", "ruidos_molestos", "animal_suelto",
                           "vehiculo_abandonado", "consumo_via_publica", "amenaza"})
    EXPECT_TRUE(codes.count(must)) << must;
  for (const Category& c : SeedCategories()) {
    bool restricted = c.code == "violencia_intrafamiliar" || c.code == "abuso_sexual" ||
                      c.code == "panico" || c.code == "acoso_callejero";
    EXPECT_EQ(c.sensitivity == Sensitivity::kRestricted, restricted) << c.code;
  }
}

TEST(Categories, ValidationNamesEachBrokenRule) {
  struct Bad {
    const char* what;
    void (*mutate)(Category&);
  };
  const Bad bad[] = {
      {"empty code", [](Category& c) { c.code = ""; }},
      {"upper-case code", [](Category& c) { c.code = "Robo"; }},
      {"code with space", [](Category& c) { c.code = "robo x"; }},
      {"long code", [](Category& c) { c.code = std::string(65, 'a'); }},
      {"unknown family", [](Category& c) { c.family = "weather"; }},
      {"empty label", [](Category& c) { c.label_es = ""; }},
      {"long label", [](Category& c) { c.label_en = std::string(101, 'x'); }},
      {"control char", [](Category& c) { c.label_en = "a\nb"; }},
      {"no agency", [](Category& c) { c.agencies.clear(); }},
      {"unknown agency", [](Category& c) { c.agencies = {"army"}; }},
      {"duplicate agency",
       [](Category& c) {
         c.agencies = {"police", "police"};
       }},
      {"armed forces on a crime category", [](Category& c) { c.agencies = {"police", "armed_forces"}; }},
      {"armed forces on a violence category",
       [](Category& c) {
         c.family = "violence";
         c.agencies = {"armed_forces"};
       }},
      {"priority 0", [](Category& c) { c.priority = 0; }},
      {"priority 5", [](Category& c) { c.priority = 5; }},
  };
  EXPECT_TRUE(ValidateCategory(Valid()).ok());
  for (const Bad& b : bad) {
    Category c = Valid();
    b.mutate(c);
    Status s = ValidateCategory(c);
    EXPECT_EQ(s.code(), Code::kUnprocessable) << b.what;
  }
}

// The armed forces may be given support tasks only (logistics, disaster, border).
TEST(Categories, ArmedForcesOnlyOnSupportFamilies) {
  for (const char* family : {"logistics", "disaster", "border"}) {
    Category c = Valid();
    c.family = family;
    c.agencies = {"civil_protection", "armed_forces"};
    EXPECT_TRUE(ValidateCategory(c).ok()) << family << ": " << ValidateCategory(c).message();
  }
  Category c = Valid();
  c.family = "emergency";
  c.agencies = {"armed_forces"};
  Status s = ValidateCategory(c);
  EXPECT_EQ(s.code(), Code::kUnprocessable);
  EXPECT_NE(s.message().find("support tasks only"), std::string::npos) << s.message();
}

TEST(Categories, SensitivityNames) {
  EXPECT_EQ(ParseSensitivity("public"), Sensitivity::kPublic);
  EXPECT_EQ(ParseSensitivity("restricted"), Sensitivity::kRestricted);
  EXPECT_FALSE(ParseSensitivity("secret"));
  EXPECT_EQ(SensitivityName(Sensitivity::kRestricted), "restricted");
}

}  // namespace
}  // namespace centinela::community
