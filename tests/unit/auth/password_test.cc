#include "auth/password.h"

#include <gtest/gtest.h>

namespace centinela::auth {
namespace {

TEST(PasswordTest, HashThenVerify) {
  Result<std::string> h = HashPassword("correct horse battery", /*fast=*/true);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
  EXPECT_EQ(h->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(*h, ""));
}

TEST(PasswordTest, SaltedSoSamePasswordHashesDiffer) {
  Result<std::string> a = HashPassword("same password", true);
  Result<std::string> b = HashPassword("same password", true);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*b, "same password"));
}

TEST(PasswordTest, InteractiveCostIsArgon2idWith64MiB) {
  Result<std::string> h = HashPassword("interactive password", /*fast=*/false);
  ASSERT_TRUE(h.ok());
  EXPECT_NE(h->find("$argon2id$v=19$m=65536,t=2,p=1$"), std::string::npos) << *h;
  EXPECT_TRUE(VerifyPassword(*h, "interactive password"));
}

TEST(PasswordTest, MalformedHashNeverMatches) {
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("plaintext", "plaintext"));
  EXPECT_FALSE(VerifyPassword(std::string(500, 'a'), "a"));
}

TEST(PasswordTest, DummyVerifyIsAlwaysFalse) {
  EXPECT_FALSE(DummyVerify("anything", true));
  EXPECT_FALSE(DummyVerify("", true));
}

}  // namespace
}  // namespace centinela::auth
