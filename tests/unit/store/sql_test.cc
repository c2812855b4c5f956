// The statement helpers: placeholders numbered in step with the params they bind, and the
// owners' column tables (RowMap).

#include "store/sql.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/row_map.h"

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

struct Row {
  std::string id;
  std::string name;
  int64_t count = 0;
  int small = 0;
  double lat = 0;
  bool flag = false;
  std::optional<double> accuracy;
  std::string parsed;
};

TEST(RowMapTest, SelectsTheListAndReadsEachColumnIntoItsMember) {
  const RowMap<Row> map(
      "r.id, u.display_name AS name, r.count, r.small, r.lat, r.flag, "
      "r.accuracy, r.parsed",
      {&Row::id, &Row::name, &Row::count, &Row::small, &Row::lat, &Row::flag, &Row::accuracy,
       kParsedByOwner});
  EXPECT_EQ(map.Select(),
            "r.id, u.display_name AS name, r.count, r.small, r.lat, r.flag, r.accuracy, r.parsed");
  Rows rows;
  rows.columns = {"id", "name", "count", "small", "lat", "flag", "accuracy", "parsed"};
  rows.rows.push_back({std::string("a1"), std::string("Rosa"), int64_t{7}, int64_t{3}, -33.5,
                       int64_t{1}, 12.5, std::string("[1]")});
  rows.rows.push_back(
      {std::string("a2"), Value(), int64_t{0}, int64_t{0}, 0.0, int64_t{0}, Value(), Value()});
  Row a = map.Read(rows, 0);
  EXPECT_EQ(a.id, "a1");
  EXPECT_EQ(a.name, "Rosa");
  EXPECT_EQ(a.count, 7);
  EXPECT_EQ(a.small, 3);
  EXPECT_DOUBLE_EQ(a.lat, -33.5);
  EXPECT_TRUE(a.flag);
  ASSERT_TRUE(a.accuracy.has_value());
  EXPECT_DOUBLE_EQ(*a.accuracy, 12.5);
  EXPECT_EQ(a.parsed, "");  // the owner parses it
  Row b = map.Read(rows, 1);
  EXPECT_EQ(b.name, "");
  EXPECT_FALSE(b.flag);
  EXPECT_FALSE(b.accuracy.has_value());  // NULL stays absent, not 0
}

TEST(RowMapTest, ColumnsAndMembersThatDoNotPairUpAreAnError) {
  EXPECT_THROW(RowMap<Row>("id, name", {&Row::id}), std::logic_error);
  EXPECT_THROW(RowMap<Row>("id", {&Row::id, &Row::name}), std::logic_error);
  EXPECT_NO_THROW(RowMap<Row>("id, name", {&Row::id, &Row::name}));
}

TEST(RowMapTest, ResultColumnNameIsTheAliasOrTheBareName) {
  EXPECT_EQ(ResultColumnName("u.display_name AS author_name"), "author_name");
  EXPECT_EQ(ResultColumnName("r.id"), "id");
  EXPECT_EQ(ResultColumnName("home_lat"), "home_lat");
}

TEST(SqlTest, TextOrNullMakesAnEmptyStringNull) {
  EXPECT_TRUE(IsNull(TextOrNull("")));
  EXPECT_EQ(std::get<std::string>(TextOrNull("x")), "x");
}

}  // namespace
}  // namespace centinela::store
