// `centinela access review` rendering: the three formats over fixed rows.
#include "app/access_review.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace centinela::app {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kDayMs = 24LL * 3600 * 1000;

std::vector<auth::GrantReview> Rows() {
  auth::GrantReview never;
  never.user_id = "u1";
  never.email = "ana@example.org";
  never.display_name = "Ana, jefa";
  never.grant = {auth::Role::kOperator, "13130"};
  never.granted_ms = kNow - 200 * kDayMs;
  auth::GrantReview old;
  old.user_id = "u2";
  old.phone = "+56912345678";
  old.grant = {auth::Role::kDeanonymise, "13"};
  old.granted_ms = kNow - 300 * kDayMs;
  old.last_used_ms = kNow - 120 * kDayMs;
  old.last_login_ms = kNow - 95 * kDayMs;
  old.disabled = true;
  return {never, old};
}

TEST(AccessReviewRenderTest, Table) {
  Result<std::string> t = RenderAccessReview(Rows(), AccessReviewFlags{}, kNow);
  ASSERT_TRUE(t.ok());
  EXPECT_NE(t->find("not used since 2023-08-16 (90 days): 2"), std::string::npos) << *t;
  EXPECT_NE(t->find("u1    ana@example.org"), std::string::npos) << *t;
  EXPECT_NE(t->find("+56912345678 (disabled)"), std::string::npos) << *t;
  EXPECT_NE(t->find("never"), std::string::npos) << *t;
  EXPECT_NE(t->find("2023-07-17"), std::string::npos) << *t;  // u2's last use
}

TEST(AccessReviewRenderTest, CsvAndJson) {
  AccessReviewFlags f;
  f.format = "csv";
  Result<std::string> csv = RenderAccessReview(Rows(), f, kNow);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->substr(0, csv->find('\n')),
            "user_id,email,phone,display_name,role,area,granted_at,last_used_at,last_login_at,disabled");
  EXPECT_NE(csv->find("u1,ana@example.org,,\"Ana, jefa\",operator,13130,2023-04-28T22:13:20.000Z,,,false"),
            std::string::npos)
      << *csv;
  f.format = "json";
  f.days = 30;
  Result<std::string> js = RenderAccessReview(Rows(), f, kNow);
  ASSERT_TRUE(js.ok());
  boost::json::value v = boost::json::parse(*js);
  EXPECT_EQ(v.at("days").as_int64(), 30);
  ASSERT_EQ(v.at("grants").as_array().size(), 2u);
  EXPECT_TRUE(v.at("grants").at(0).at("last_used_at").is_null());
  EXPECT_EQ(v.at("grants").at(1).at("role").as_string(), "deanonymise");
  EXPECT_EQ(v.at("grants").at(1).at("disabled").as_bool(), true);
  f.format = "xml";
  EXPECT_EQ(RenderAccessReview(Rows(), f, kNow).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace centinela::app
