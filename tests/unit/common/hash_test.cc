#include "common/hash.h"

#include <gtest/gtest.h>

#include <set>

namespace centinela {
namespace {

class HashTest : public ::testing::Test {
 protected:
  void SetUp() override { InitCrypto(); }
};

TEST_F(HashTest, Sha256KnownDigests) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Raw("abc").size(), 32u);
  EXPECT_EQ(ToHex(Sha256Raw("abc")), Sha256Hex("abc"));
}

TEST_F(HashTest, HexAndBase64Url) {
  EXPECT_EQ(ToHex(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(ToHex(""), "");
  // RFC 4648 vectors, URL-safe alphabet, no padding.
  EXPECT_EQ(Base64Url("f"), "Zg");
  EXPECT_EQ(Base64Url("fo"), "Zm8");
  EXPECT_EQ(Base64Url("foo"), "Zm9v");
  EXPECT_EQ(Base64Url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Url(std::string("\xfb\xff", 2)), "-_8");
}

TEST_F(HashTest, Base64UrlDecodeIsTheInverse) {
  EXPECT_EQ(Base64UrlDecode(""), "");
  EXPECT_EQ(Base64UrlDecode("Zg"), "f");
  EXPECT_EQ(Base64UrlDecode("Zm8"), "fo");
  EXPECT_EQ(Base64UrlDecode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff", 2));
  for (size_t n = 0; n < 40; ++n) {
    std::string bytes = RandomBytes(n);
    EXPECT_EQ(Base64UrlDecode(Base64Url(bytes)), bytes) << n;
  }
}

TEST_F(HashTest, Base64UrlDecodeRejects) {
  // Padding, the standard alphabet, other characters, an impossible length.
  for (const char* bad : {"Zg==", "Zm8=", "+/8", "Zm 9v", "Zm9v\n", "Z", "Zm9vY", "!!!!"})
    EXPECT_FALSE(Base64UrlDecode(bad)) << bad;
  // Non-zero bits past the last byte: only the canonical text of a value decodes.
  EXPECT_FALSE(Base64UrlDecode("Zh"));
  EXPECT_FALSE(Base64UrlDecode("Zm9"));
}

TEST_F(HashTest, RandomnessAndIds) {
  EXPECT_EQ(RandomBytes(24).size(), 24u);
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewId();
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace centinela
