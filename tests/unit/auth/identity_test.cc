// National identity numbers: table-driven, with real RUT check digits.
//
// The RUT check digit (modulo 11): multiply the body's digits from the right by
// 2,3,4,5,6,7,2,3,... and sum; r = 11 - sum % 11; r = 11 -> '0', r = 10 -> 'K'.
// Worked example, 12.345.678: 8*2 + 7*3 + 6*4 + 5*5 + 4*6 + 3*7 + 2*2 + 1*3 = 138;
// 138 % 11 = 6; 11 - 6 = 5 -> 12.345.678-5. The others below were computed the same way
// (10.000.013: sum 12, 12 % 11 = 1, r = 10 -> K; 14.000.000: sum 11, 11 % 11 = 0,
// r = 11 -> 0).
#include "auth/identity.h"

#include <gtest/gtest.h>

#include <string>

namespace centinela::auth {
namespace {

TEST(RutCheckDigit, ModuloElevenOnRealNumbers) {
  struct Case {
    const char* body;
    char digit;
  };
  const Case cases[] = {
      {"12345678", '5'}, {"11111111", '1'}, {"22222222", '2'}, {"5126663", '3'},
      {"15372493", '8'}, {"30686957", '4'}, {"24965885", '5'}, {"9999999", '3'},
      {"10000013", 'K'}, {"1000005", 'K'},  {"76354771", 'K'}, {"6000000", 'K'},
      {"14000000", '0'}, {"8000017", '0'},  {"20000000", '5'}, {"17654321", '3'},
  };
  for (const Case& c : cases) EXPECT_EQ(RutCheckDigit(c.body), c.digit) << c.body;
  EXPECT_EQ(RutCheckDigit(""), '\0');
  EXPECT_EQ(RutCheckDigit("12a45"), '\0');
}

TEST(NormalizeRut, AcceptsTheUsualWritingsAndNormalises) {
  struct Case {
    const char* raw;
    const char* normal;
  };
  const Case cases[] = {
      {"12.345.678-5", "12345678-5"}, {"12345678-5", "12345678-5"},
      {"123456785", "12345678-5"},    {"  12.345.678-5 ", "12345678-5"},
      {"10.000.013-K", "10000013-K"}, {"10.000.013-k", "10000013-K"},
      {"10000013k", "10000013-K"},    {"76.354.771-K", "76354771-K"},
      {"1.000.005-K", "1000005-K"},   {"6000000-k", "6000000-K"},
      {"14.000.000-0", "14000000-0"}, {"8.000.017-0", "8000017-0"},
      {"5.126.663-3", "5126663-3"},   {"9999999-3", "9999999-3"},
      {"11.111.111-1", "11111111-1"},
  };
  for (const Case& c : cases) {
    Result<std::string> r = NormalizeRut(c.raw);
    ASSERT_TRUE(r.ok()) << c.raw << ": " << r.status().message();
    EXPECT_EQ(*r, c.normal) << c.raw;
  }
}

TEST(NormalizeRut, RejectsWrongCheckDigitsAndBadShapes) {
  const char* bad[] = {
      "12.345.678-4",   // wrong check digit (5 is right)
      "12345678-K",     // wrong check digit
      "10.000.013-0",   // K expected
      "14.000.000-K",   // 0 expected
      "123456786",      // wrong check digit without separators
      "1.234-3",        // too short (4-digit body)
      "12345-6",        // too short
      "123.456.789-2",  // too long (9-digit body)
      "012.345.678-5",  // leading zero
      "12.345.67A-5",   // letter in the body
      "AB.CDE.FGH-5",   // letters
      "12.345.678-X",   // check digit not 0-9/K
      "1234.5678-5",    // dots not grouping thousands
      "12..345.678-5",  // empty group
      "12.345.678--5",  // two hyphens
      "12.345.678-",    // no check digit
      "-5",             // no body
      "",               // empty
      "12 345 678-5",   // spaces inside
  };
  for (const char* raw : bad) {
    Result<std::string> r = NormalizeRut(raw);
    EXPECT_FALSE(r.ok()) << "accepted '" << raw << "' as " << (r.ok() ? *r : "");
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kUnprocessable) << raw;
    }
  }
}

TEST(NormalizeDni, SevenOrEightDigitsWithOptionalDots) {
  struct Case {
    const char* raw;
    const char* normal;  // nullptr = rejected
  };
  const Case cases[] = {
      {"30123456", "30123456"},
      {"30.123.456", "30123456"},
      {"7123456", "7123456"},
      {"7.123.456", "7123456"},
      {" 25.000.111 ", "25000111"},
      {"95123456", "95123456"},
      {"712345", nullptr},      // 6 digits
      {"301234567", nullptr},   // 9 digits
      {"30.12.3456", nullptr},  // dots not grouping thousands
      {"3012345A", nullptr},    // letter
      {"30-123-456", nullptr},  // hyphens
      {"01234567", nullptr},    // leading zero
      {"", nullptr},
      {"30.123.456.", nullptr},
  };
  for (const Case& c : cases) {
    Result<std::string> r = NormalizeDni(c.raw);
    if (c.normal == nullptr) {
      EXPECT_FALSE(r.ok()) << "accepted '" << c.raw << "'";
    } else {
      ASSERT_TRUE(r.ok()) << c.raw << ": " << r.status().message();
      EXPECT_EQ(*r, c.normal);
    }
  }
}

TEST(NormalizeOtherId, FiveToTwentyAlphanumerics) {
  EXPECT_EQ(*NormalizeOtherId("p1234567"), "P1234567");
  EXPECT_EQ(*NormalizeOtherId("AB123"), "AB123");
  EXPECT_EQ(*NormalizeOtherId("A1234567890123456789"), "A1234567890123456789");
  EXPECT_FALSE(NormalizeOtherId("AB12").ok());                   // 4
  EXPECT_FALSE(NormalizeOtherId("A12345678901234567890").ok());  // 21
  EXPECT_FALSE(NormalizeOtherId("AB-1234").ok());
  EXPECT_FALSE(NormalizeOtherId("ÑANDÚ1").ok());  // non-ASCII
}

TEST(NormalizeNationalId, DispatchesOnTheType) {
  EXPECT_EQ(*NormalizeNationalId(IdType::kChileRut, "12.345.678-5"), "12345678-5");
  EXPECT_EQ(*NormalizeNationalId(IdType::kArgentinaDni, "30.123.456"), "30123456");
  EXPECT_EQ(*NormalizeNationalId(IdType::kOther, "x12345"), "X12345");
  EXPECT_FALSE(NormalizeNationalId(IdType::kChileRut, "30.123.456").ok());
  EXPECT_EQ(ParseIdType("RUT"), IdType::kChileRut);
  EXPECT_EQ(ParseIdType("dni"), IdType::kArgentinaDni);
  EXPECT_EQ(ParseIdType("other"), IdType::kOther);
  EXPECT_FALSE(ParseIdType("ssn").has_value());
  EXPECT_EQ(IdTypeName(IdType::kChileRut), "rut");
}

}  // namespace
}  // namespace centinela::auth
