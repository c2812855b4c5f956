#include "common/redact.h"

#include <gtest/gtest.h>

namespace centinela {
namespace {

TEST(RedactUrlTest, HidesPasswordsInEveryForm) {
  EXPECT_EQ(RedactUrl("postgresql://bob:hunter2@db.example:5432/app?sslmode=require"),
            "postgresql://bob:***@db.example:5432/app?sslmode=require");
  EXPECT_EQ(RedactUrl("postgres://bob@db/app?password=hunter2&sslmode=disable"),
            "postgres://bob@db/app?password=***&sslmode=disable");
  EXPECT_EQ(RedactUrl("postgresql://centinela@127.0.0.1:5432/centinela_test"),
            "postgresql://centinela@127.0.0.1:5432/centinela_test");
  EXPECT_EQ(RedactUrl("postgresql://u:p%40ss@h/d?options=-csearch_path%3Dx&password=z"),
            "postgresql://u:***@h/d?options=-csearch_path%3Dx&password=***");
  EXPECT_EQ(RedactUrl("host=h user=u password=hunter2 dbname=d"),
            "host=h user=u password=*** dbname=d");
  EXPECT_EQ(RedactUrl("host=h password = 'a b\\' c' dbname=d"), "host=h password = *** dbname=d");
  EXPECT_EQ(RedactUrl("host=h passwordless=1"), "host=h passwordless=1");
}

// The weaker redaction `config show` used before let these through.
TEST(RedactUrlTest, PasswordsWithAtSignsAndInTheQueryNeverLeak) {
  EXPECT_EQ(RedactUrl("postgresql://u:p@ss@h/db"), "postgresql://u:***@h/db");
  EXPECT_EQ(RedactUrl("postgresql://u@h/db?password=hunter2"), "postgresql://u@h/db?password=***");
  EXPECT_EQ(RedactUrl("host=h password=hunter2"), "host=h password=***");
  EXPECT_EQ(RedactUrl("sqlite:./data/x.db"), "sqlite:./data/x.db");
}

}  // namespace
}  // namespace centinela
