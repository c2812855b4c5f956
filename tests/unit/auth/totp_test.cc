// TOTP against the RFCs' own vectors: SHA-1 (FIPS 180-4 examples), HMAC-SHA-1 (RFC 2202),
// HOTP (RFC 4226 Appendix D), TOTP (RFC 6238 Appendix B, all three hashes with their own
// seeds) and base32 (RFC 4648 section 10).
#include "auth/totp.h"

#include <gtest/gtest.h>

#include <string>

#include "common/hash.h"

namespace centinela::auth {
namespace {

TEST(Sha1Test, FipsExamples) {
  EXPECT_EQ(ToHex(Sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(ToHex(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(ToHex(Sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(ToHex(Sha1(std::string(1'000'000, 'a'))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Lengths around the padding boundary (55, 56, 64 bytes) each hash differently.
  EXPECT_NE(Sha1(std::string(55, 'a')), Sha1(std::string(56, 'a')));
  EXPECT_EQ(ToHex(Sha1(std::string(64, 'a'))), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

TEST(HmacTest, Rfc2202Sha1) {
  EXPECT_EQ(ToHex(Hmac(TotpHash::kSha1, std::string(20, '\x0b'), "Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(ToHex(Hmac(TotpHash::kSha1, "Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(ToHex(Hmac(TotpHash::kSha1, std::string(20, '\xaa'), std::string(50, '\xdd'))),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  // A key longer than the block is hashed first.
  EXPECT_EQ(ToHex(Hmac(TotpHash::kSha1, std::string(80, '\xaa'),
                       "Test Using Larger Than Block-Size Key - Hash Key First")),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST(HmacTest, Rfc4231Sha256AndSha512) {
  // RFC 4231 test case 2.
  EXPECT_EQ(ToHex(Hmac(TotpHash::kSha256, "Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(ToHex(Hmac(TotpHash::kSha512, "Jefe", "what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d03"
            "4f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(HotpTest, Rfc4226AppendixD) {
  const std::string secret = "12345678901234567890";
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(HotpCode(secret, i), expected[i]) << "counter " << i;
}

TEST(TotpTest, Rfc6238AppendixB) {
  const std::string sha1_seed = "12345678901234567890";
  const std::string sha256_seed = "12345678901234567890123456789012";
  const std::string sha512_seed = "1234567890123456789012345678901234567890123456789012345678901234";
  struct Vector {
    int64_t unix_s;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Vector vectors[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const Vector& v : vectors) {
    const int64_t ms = v.unix_s * 1000;
    EXPECT_EQ(TotpCode(sha1_seed, ms, 8, TotpHash::kSha1), v.sha1) << v.unix_s;
    EXPECT_EQ(TotpCode(sha256_seed, ms, 8, TotpHash::kSha256), v.sha256) << v.unix_s;
    EXPECT_EQ(TotpCode(sha512_seed, ms, 8, TotpHash::kSha512), v.sha512) << v.unix_s;
  }
  EXPECT_EQ(TotpStep(59'999), 1);
  EXPECT_EQ(TotpStep(60'000), 2);
  EXPECT_EQ(TotpStep(1'111'111'109'000), 37037036);
  // Six digits are the last six of the eight (the same truncated value, mod 10^6).
  EXPECT_EQ(TotpCode(sha1_seed, 59'000), "287082");
}

TEST(TotpTest, MatchAcceptsOneStepEitherSideOnceAndRejectsTheRest) {
  const std::string secret = "12345678901234567890";
  const int64_t now = 1'234'567'890'000;
  const int64_t step = TotpStep(now);
  const std::string current = TotpCode(secret, now);
  EXPECT_EQ(MatchTotp(secret, current, now, 0), step);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, now - kTotpStepMs), now, 0), step - 1);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, now + kTotpStepMs), now, 0), step + 1);
  EXPECT_FALSE(MatchTotp(secret, TotpCode(secret, now - 2 * kTotpStepMs), now, 0));
  EXPECT_FALSE(MatchTotp(secret, TotpCode(secret, now + 2 * kTotpStepMs), now, 0));
  // Replay: a step already accepted (or an earlier one) is refused.
  EXPECT_FALSE(MatchTotp(secret, current, now, step));
  EXPECT_FALSE(MatchTotp(secret, TotpCode(secret, now - kTotpStepMs), now, step - 1));
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, now + kTotpStepMs), now, step), step + 1);
  // Malformed codes.
  EXPECT_FALSE(MatchTotp(secret, "", now, 0));
  EXPECT_FALSE(MatchTotp(secret, current.substr(0, 5), now, 0));
  EXPECT_FALSE(MatchTotp(secret, current + "0", now, 0));
  EXPECT_FALSE(MatchTotp(secret, "12a456", now, 0));
  // Another secret's code.
  EXPECT_FALSE(MatchTotp("another secret 12345", current, now, 0));
}

TEST(Base32Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "MY======"},       {"fo", "MZXQ===="},
      {"foo", "MZXW6==="}, {"foob", "MZXW6YQ="},    {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI======"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base32Encode(plain), encoded) << plain;
    std::optional<std::string> back = Base32Decode(encoded);
    ASSERT_TRUE(back) << encoded;
    EXPECT_EQ(*back, plain);
  }
  EXPECT_EQ(Base32Encode("foobar", false), "MZXW6YTBOI");
  EXPECT_EQ(Base32Decode("mzxw6ytboi"), std::optional<std::string>("foobar"));
  EXPECT_EQ(Base32Decode("MZXW 6YTB-OI"), std::optional<std::string>("foobar"));
  EXPECT_FALSE(Base32Decode("MZXW1"));   // '1' is not in the alphabet
  EXPECT_FALSE(Base32Decode("M"));       // one symbol cannot be a byte
  EXPECT_FALSE(Base32Decode("MZXW6YTBO"));
  // The RFC 6238 SHA-1 seed as apps receive it.
  EXPECT_EQ(Base32Encode("12345678901234567890", false), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(OtpauthTest, UriCarriesIssuerAccountAndParameters) {
  EXPECT_EQ(OtpauthUri("Centinela", "ana@example.org", "GEZDGNBV"),
            "otpauth://totp/Centinela:ana@example.org?secret=GEZDGNBV&issuer=Centinela"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(OtpauthUri("Centinela Sur", "+56 9", "MY======"),
            "otpauth://totp/Centinela%20Sur:%2B56%209?secret=MY&issuer=Centinela%20Sur"
            "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace centinela::auth
