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
