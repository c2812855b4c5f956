#include "auth/validate.h"

#include <gtest/gtest.h>

namespace centinela::auth {
namespace {

TEST(ValidateTest, Emails) {
  struct Case {
    const char* in;
    const char* want;  // nullptr = rejected
  };
  const Case cases[] = {
      {"ana@example.org", "ana@example.org"},
      {"  Ana.Perez+alerts@Example.ORG ", "ana.perez+alerts@example.org"},
      {"o'brien@sub.example.cl", "o'brien@sub.example.cl"},
      {"", nullptr},
      {"ana", nullptr},
      {"ana@", nullptr},
      {"@example.org", nullptr},
      {"ana@@example.org", nullptr},
      {"ana@b@example.org", nullptr},
      {"ana@example", nullptr},
      {"ana@example.o", nullptr},
      {"ana@1.2.3.4", nullptr},
      {"ana@-example.org", nullptr},
      {"ana@example..org", nullptr},
      {".ana@example.org", nullptr},
      {"an..a@example.org", nullptr},
      {"an a@example.org", nullptr},
      {"ana@exa mple.org", nullptr},
      {"ñandú@example.org", nullptr},
      {"ana\n@example.org", nullptr},
  };
  for (const Case& c : cases) {
    std::string out;
    Status s = NormalizeEmail(c.in, &out);
    if (c.want) {
      EXPECT_TRUE(s.ok()) << c.in << ": " << s.ToString();
      EXPECT_EQ(out, c.want);
    } else {
      EXPECT_EQ(s.code(), Code::kUnprocessable) << c.in;
    }
  }
  std::string out;
  EXPECT_FALSE(NormalizeEmail(std::string(250, 'a') + "@example.org", &out).ok());
}

TEST(ValidateTest, Phones) {
  std::string out;
  EXPECT_TRUE(NormalizePhone("+56912345678", &out).ok());
  EXPECT_EQ(out, "+56912345678");
  EXPECT_TRUE(NormalizePhone("+56 9 1234-5678", &out).ok());
  EXPECT_EQ(out, "+56912345678");
  EXPECT_TRUE(NormalizePhone("+12345678", &out).ok());          // 8 digits
  EXPECT_TRUE(NormalizePhone("+123456789012345", &out).ok());   // 15 digits
  EXPECT_FALSE(NormalizePhone("+1234567", &out).ok());          // 7 digits
  EXPECT_FALSE(NormalizePhone("+1234567890123456", &out).ok()); // 16 digits
  EXPECT_FALSE(NormalizePhone("56912345678", &out).ok());       // no +
  EXPECT_FALSE(NormalizePhone("+5691234567a", &out).ok());
  EXPECT_FALSE(NormalizePhone("", &out).ok());
}

TEST(ValidateTest, LoginNormalisation) {
  EXPECT_EQ(NormalizeLogin(" Ana@Example.org"), "ana@example.org");
  EXPECT_EQ(NormalizeLogin("+56 9 1234 5678"), "+56912345678");
  EXPECT_EQ(NormalizeLogin("NotAnEmail"), "notanemail");
}

TEST(ValidateTest, Passwords) {
  EXPECT_TRUE(CheckPassword("0123456789", 10).ok());
  EXPECT_EQ(CheckPassword("012345678", 10).code(), Code::kUnprocessable);
  EXPECT_EQ(CheckPassword("ñññññññññ", 10).code(), Code::kUnprocessable);  // 9 chars, 18 bytes
  EXPECT_TRUE(CheckPassword("ññññññññññ", 10).ok());
  EXPECT_TRUE(CheckPassword(std::string(1024, 'x'), 10).ok());
  EXPECT_EQ(CheckPassword(std::string(1025, 'x'), 10).code(), Code::kUnprocessable);
}

TEST(ValidateTest, DisplayNames) {
  EXPECT_TRUE(CheckDisplayName("").ok());
  EXPECT_TRUE(CheckDisplayName("José Núñez").ok());
  EXPECT_TRUE(CheckDisplayName(std::string(100, 'a')).ok());
  EXPECT_FALSE(CheckDisplayName(std::string(101, 'a')).ok());
  std::string hundred_enes;
  for (int i = 0; i < 100; ++i) hundred_enes += "ñ";
  EXPECT_TRUE(CheckDisplayName(hundred_enes).ok());  // 100 characters, 200 bytes
  EXPECT_FALSE(CheckDisplayName("bad\xff").ok());
  EXPECT_FALSE(CheckDisplayName("line\nbreak").ok());
}

TEST(ValidateTest, Utf8) {
  EXPECT_EQ(Utf8Length("abc"), 3);
  EXPECT_EQ(Utf8Length("ñ€𝄞"), 3);
  EXPECT_EQ(Utf8Length("\xc0\xaf"), -1);          // overlong '/'
  EXPECT_EQ(Utf8Length("\xed\xa0\x80"), -1);      // surrogate
  EXPECT_EQ(Utf8Length("\xf4\x90\x80\x80"), -1);  // > U+10FFFF
  EXPECT_EQ(Utf8Length("\xe2\x82"), -1);          // truncated
  EXPECT_EQ(Utf8Length("\x80"), -1);
}

TEST(ValidateTest, LocalesAndGrants) {
  std::string out;
  EXPECT_TRUE(NormalizeLocale("", &out).ok());
  EXPECT_EQ(out, "es");
  EXPECT_TRUE(NormalizeLocale("en", &out).ok());
  EXPECT_EQ(out, "en");
  EXPECT_FALSE(NormalizeLocale("fr", &out).ok());
  EXPECT_FALSE(NormalizeLocale("EN", &out).ok());

  Grant staff{Role::kOperator, ""};
  EXPECT_EQ(NormalizeGrant(&staff).code(), Code::kUnprocessable);
  Grant scoped{Role::kOperator, "13130"};
  EXPECT_TRUE(NormalizeGrant(&scoped).ok());
  Grant global{Role::kAdmin, std::string(kAllAreas)};
  EXPECT_TRUE(NormalizeGrant(&global).ok());
  Grant neighbour{Role::kNeighbour, "13130"};
  EXPECT_TRUE(NormalizeGrant(&neighbour).ok());
  EXPECT_EQ(neighbour.area_code, "");
  Grant spaced{Role::kAnalyst, "13 130"};
  EXPECT_FALSE(NormalizeGrant(&spaced).ok());
}

TEST(ValidateTest, Masking) {
  EXPECT_EQ(MaskEmail("juan@example.org"), "j***@example.org");
  EXPECT_EQ(MaskEmail(""), "");
  EXPECT_EQ(MaskPhone("+56912345678"), "+56*******78");
  EXPECT_EQ(MaskPhone(""), "");
}

}  // namespace
}  // namespace centinela::auth
