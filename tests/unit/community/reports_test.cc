#include "community/reports.h"

#include <gtest/gtest.h>

namespace centinela::community {
namespace {

TEST(Cursor, RoundTripsAndIsOpaque) {
  for (auto [ms, id] : {std::pair<int64_t, std::string>{1700000000123, "0123456789abcdef0123456789abcdef"},
                        {0, "a"}, {9223372036854775807, "ff"}}) {
    std::string c = EncodeCursor(ms, id);
    EXPECT_EQ(c.find(':'), std::string::npos);
    auto back = DecodeCursor(c);
    ASSERT_TRUE(back) << c;
    EXPECT_EQ(back->first, ms);
    EXPECT_EQ(back->second, id);
  }
}

TEST(Cursor, RejectsGarbage) {
  for (const char* bad : {"", "!!!!", "a", "MTIz", /* "123" no colon */ "OjEyMw" /* ":123" */,
                          "eDo5OQ" /* "x:99" */})
    EXPECT_FALSE(DecodeCursor(bad)) << bad;
  EXPECT_FALSE(DecodeCursor(std::string(400, 'A')));
  // An id with SQL in it never comes back.
  EXPECT_FALSE(DecodeCursor(EncodeCursor(1, "x' OR 1=1 --")));
}

}  // namespace
}  // namespace centinela::community
