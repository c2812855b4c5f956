#include "auth/principal_cache.h"

#include <gtest/gtest.h>

namespace centinela::auth {
namespace {

Principal User(const std::string& id, const std::string& name = "Ana") {
  Principal p;
  p.user_id = id;
  p.display_name = name;
  p.locale = "es";
  p.grants = {{Role::kNeighbour, ""}};
  return p;
}

TEST(PrincipalCacheTest, HitUntilValidUntil) {
  PrincipalCache c(10);
  c.Put("k1", User("u1"), 1000, c.Epoch(), 0);
  Principal p;
  ASSERT_TRUE(c.Get("k1", 999, &p));
  EXPECT_EQ(p.user_id, "u1");
  EXPECT_FALSE(c.Get("k1", 1000, &p));
  EXPECT_FALSE(c.Get("k2", 0, &p));
}

TEST(PrincipalCacheTest, EraseInvalidateAndUpdate) {
  PrincipalCache c(10);
  c.Put("k1", User("u1"), 1000, c.Epoch(), 0);
  c.Put("k2", User("u1"), 1000, c.Epoch(), 0);
  c.Put("k3", User("u2"), 1000, c.Epoch(), 0);
  Principal p;
  c.UpdateProfile("u1", std::string("Ana María"), std::nullopt);
  ASSERT_TRUE(c.Get("k2", 1, &p));
  EXPECT_EQ(p.display_name, "Ana María");
  EXPECT_EQ(p.locale, "es");
  c.EraseKey("k1");
  EXPECT_FALSE(c.Get("k1", 1, &p));
  EXPECT_TRUE(c.Get("k2", 1, &p));
  c.InvalidateUser("u1");
  EXPECT_FALSE(c.Get("k2", 1, &p));
  EXPECT_TRUE(c.Get("k3", 1, &p));
  EXPECT_EQ(c.size(), 1u);
}

TEST(PrincipalCacheTest, StaleMissIsNotCached) {
  PrincipalCache c(10);
  const uint64_t before = c.Epoch();
  c.InvalidateUser("u1");                     // a change lands while a miss reads the store
  c.Put("k1", User("u1"), 1000, before, 0);   // the miss offers what it read
  Principal p;
  EXPECT_FALSE(c.Get("k1", 1, &p));
  c.Put("k2", User("u2"), 1000, before, 0);   // another user's miss is unaffected
  EXPECT_TRUE(c.Get("k2", 1, &p));
  const uint64_t before_logout = c.Epoch();
  c.EraseKey("k3");
  c.Put("k3", User("u3"), 1000, before_logout, 0);
  EXPECT_FALSE(c.Get("k3", 1, &p));
}

TEST(PrincipalCacheTest, MissOlderThanTheChangeLogIsNotCached) {
  PrincipalCache c(10);
  const uint64_t before = c.Epoch();
  for (size_t i = 0; i < PrincipalCache::kChangeLog + 1; ++i) c.InvalidateUser("other");
  c.Put("k1", User("u1"), 1000, before, 0);
  Principal p;
  EXPECT_FALSE(c.Get("k1", 1, &p));
}

TEST(PrincipalCacheTest, Bounded) {
  PrincipalCache c(100);
  for (int i = 0; i < 1000; ++i) c.Put("k" + std::to_string(i), User("u" + std::to_string(i)), 1000, c.Epoch(), 0);
  EXPECT_LE(c.size(), 100u);
  Principal p;
  EXPECT_TRUE(c.Get("k999", 1, &p));
  // Expired entries go first.
  PrincipalCache d(3);
  d.Put("old", User("a"), 10, d.Epoch(), 0);
  d.Put("live1", User("b"), 1000, d.Epoch(), 0);
  d.Put("live2", User("c"), 1000, d.Epoch(), 0);
  d.Put("new", User("d"), 1000, d.Epoch(), 20);
  EXPECT_TRUE(d.Get("live1", 21, &p));
  EXPECT_TRUE(d.Get("live2", 21, &p));
  EXPECT_TRUE(d.Get("new", 21, &p));
  EXPECT_EQ(d.size(), 3u);
}

}  // namespace
}  // namespace centinela::auth
