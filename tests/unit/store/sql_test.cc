// The statement helpers: placeholders numbered in step with the params they bind.

#include "store/sql.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace centinela::store {
namespace {

TEST(SqlTest, PlaceholderIsDollarAndIndex) {
  EXPECT_EQ(Placeholder(1), "$1");
  EXPECT_EQ(Placeholder(12), "$12");
}

TEST(SqlTest, BindAppendsAndNumbersFromTheParamsAlreadyThere) {
  Params p{int64_t{7}};
  EXPECT_EQ(Bind(p, std::string("a")), "$2");
  EXPECT_EQ(Bind(p, 1.5), "$3");
  EXPECT_EQ(Bind(p, Value()), "$4");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(std::get<std::string>(p[1]), "a");
  EXPECT_EQ(std::get<double>(p[2]), 1.5);
  EXPECT_TRUE(IsNull(p[3]));
}

TEST(SqlTest, InListBindsEachValueInOrder) {
  Params p;
  std::string sql = "x = " + Bind(p, std::string("first"));
  sql += " AND y IN " + InList(p, std::vector<std::string>{"a", "b", "c"});
  EXPECT_EQ(sql, "x = $1 AND y IN ($2, $3, $4)");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(std::get<std::string>(p[3]), "c");
}

TEST(SqlTest, InListOfValuesKeepsTheirKinds) {
  Params p;
  EXPECT_EQ(InList(p, Params{int64_t{1}, std::string("two")}), "($1, $2)");
  EXPECT_EQ(std::get<int64_t>(p[0]), 1);
}

TEST(SqlTest, EmptyInListMatchesNothingAndBindsNothing) {
  Params p;
  EXPECT_EQ(InList(p, std::vector<std::string>{}), "(NULL)");
  EXPECT_TRUE(p.empty());
}

TEST(SqlTest, ValueRowsNumbersRowByRow) {
  EXPECT_EQ(ValueRows(1, 3), "($1, $2, $3)");
  EXPECT_EQ(ValueRows(2, 2), "($1, $2), ($3, $4)");
  EXPECT_EQ(ValueRows(2, 1, 5), "($5), ($6)");
  EXPECT_EQ(ValueRows(0, 3), "");
}

TEST(SqlTest, MapRowsMakesOneValuePerRow) {
  Rows rows;
  rows.columns = {"id", "n"};
  rows.rows = {{std::string("a"), int64_t{1}}, {std::string("b"), int64_t{2}}};
  auto sums = MapRows<int64_t>(Result<Rows>(rows), [](const Rows& r, size_t i) {
    return r.Int(i, "n") * 10;
  });
  ASSERT_TRUE(sums.ok());
  EXPECT_EQ(*sums, (std::vector<int64_t>{10, 20}));
  auto ids = TextColumn(Result<Rows>(rows), "id");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "b"}));
}

TEST(SqlTest, MapRowsPassesTheStatementsErrorOn) {
  auto ids = TextColumn(Result<Rows>(Status(Code::kUnavailable, "down")), "id");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace centinela::store
