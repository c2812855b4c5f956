#include "geo/area_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "real_data.h"

namespace centinela::geo {
namespace {

using Codes = std::vector<std::string>;

const char* kUnitSquare = R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})";
const char* kFarSquare = R"({"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,6],[5,5]]]})";

class RealComunasIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    comunas_ = centinela::testing::SouthPrecinctComunas();
    for (const auto& c : comunas_) ASSERT_TRUE(index_.Put(c.cut, c.geometry).ok()) << c.name;
  }
  std::vector<centinela::testing::Comuna> comunas_;
  AreaIndex index_;
};

TEST_F(RealComunasIndex, HoldsSevenAreas) { EXPECT_EQ(index_.size(), 7u); }

// The approximate centres published with the precinct table all fall inside their own
// comuna's real boundary (checked: none of the seven is off), and inside no other.
TEST_F(RealComunasIndex, EachApproximateCentroidIsInItsOwnComuna) {
  auto rows = centinela::testing::SouthPrecinctTable();
  ASSERT_EQ(rows.size(), 7u);
  for (const auto& row : rows) {
    SCOPED_TRACE(row.comuna);
    std::string cut = centinela::testing::CutCode(row.comuna);
    ASSERT_FALSE(cut.empty());
    EXPECT_EQ(index_.At(row.lat, row.lon), Codes{cut});
  }
}

TEST_F(RealComunasIndex, PacificOceanIsInNoArea) {
  EXPECT_TRUE(index_.At(-33.45, -75.0).empty());
  EXPECT_TRUE(index_.At(0, 0).empty());
}

// A vertex of a comuna's boundary belongs to that comuna (covered_by, not within).
TEST_F(RealComunasIndex, BoundaryVerticesCount) {
  for (const auto& c : comunas_) {
    SCOPED_TRACE(c.name);
    // First position of the exterior ring: "coordinates":[[[lon,lat],...
    size_t start = c.geometry.find("[[[") + 3;
    size_t comma = c.geometry.find(',', start);
    size_t end = c.geometry.find(']', comma);
    double lon = std::stod(c.geometry.substr(start, comma - start));
    double lat = std::stod(c.geometry.substr(comma + 1, end - comma - 1));
    Codes at = index_.At(lat, lon);
    EXPECT_NE(std::find(at.begin(), at.end(), c.cut), at.end()) << lat << ", " << lon;
  }
}

TEST(AreaIndex, BoundaryOfASquareIsInside) {
  AreaIndex index;
  ASSERT_TRUE(index.Put("sq", kUnitSquare).ok());
  EXPECT_EQ(index.At(0.5, 0.5), Codes{"sq"});
  EXPECT_EQ(index.At(0, 0.5), Codes{"sq"});   // on the bottom edge (lat 0)
  EXPECT_EQ(index.At(0.5, 1), Codes{"sq"});   // on the right edge (lon 1)
  EXPECT_EQ(index.At(1, 1), Codes{"sq"});     // corner
  EXPECT_TRUE(index.At(1.0000001, 0.5).empty());
  EXPECT_TRUE(index.At(0.5, -0.0000001).empty());
}

TEST(AreaIndex, NestedAndOverlappingAreasAreAllReturnedSorted) {
  AreaIndex index;
  ASSERT_TRUE(index.Put("z-outer", R"({"type":"Polygon","coordinates":[[[-1,-1],[2,-1],[2,2],[-1,2],[-1,-1]]]})").ok());
  ASSERT_TRUE(index.Put("a-inner", kUnitSquare).ok());
  EXPECT_EQ(index.At(0.5, 0.5), (Codes{"a-inner", "z-outer"}));
  EXPECT_EQ(index.At(1.5, 1.5), Codes{"z-outer"});
}

TEST(AreaIndex, HoleIsNotInside) {
  AreaIndex index;
  ASSERT_TRUE(index
                  .Put("donut", R"({"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],
                     [[1,1],[3,1],[3,3],[1,3],[1,1]]]})")
                  .ok());
  EXPECT_TRUE(index.At(2, 2).empty());
  EXPECT_EQ(index.At(0.5, 0.5), Codes{"donut"});
  EXPECT_EQ(index.At(1, 2), Codes{"donut"});  // on the hole's edge: still the boundary
}

TEST(AreaIndex, MultiPolygonPartsAreEachFound) {
  AreaIndex index;
  ASSERT_TRUE(index
                  .Put("islands", R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],
                       [[[5,5],[6,5],[6,6],[5,6],[5,5]]]]})")
                  .ok());
  EXPECT_EQ(index.At(0.5, 0.5), Codes{"islands"});
  EXPECT_EQ(index.At(5.5, 5.5), Codes{"islands"});
  EXPECT_TRUE(index.At(3, 3).empty());  // between the parts, inside their joint bbox
  EXPECT_EQ(index.size(), 1u);
}

TEST(AreaIndex, PutReplacesAndRemoveForgets) {
  AreaIndex index;
  ASSERT_TRUE(index.Put("x", kUnitSquare).ok());
  ASSERT_TRUE(index.Put("x", kFarSquare).ok());
  EXPECT_EQ(index.size(), 1u);
  EXPECT_TRUE(index.At(0.5, 0.5).empty());
  EXPECT_EQ(index.At(5.5, 5.5), Codes{"x"});

  index.Remove("x");
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.At(5.5, 5.5).empty());
  index.Remove("x");        // absent: no-op
  index.Remove("never");    // absent: no-op

  // Freed slots are reused without confusing codes.
  ASSERT_TRUE(index.Put("y", kUnitSquare).ok());
  ASSERT_TRUE(index.Put("z", kFarSquare).ok());
  EXPECT_EQ(index.At(0.5, 0.5), Codes{"y"});
  EXPECT_EQ(index.At(5.5, 5.5), Codes{"z"});
}

TEST(AreaIndex, InvalidPutKeepsThePreviousShape) {
  AreaIndex index;
  ASSERT_TRUE(index.Put("x", kUnitSquare).ok());
  Status s = index.Put("x", R"({"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]})");
  EXPECT_EQ(s.code(), Code::kUnprocessable);
  EXPECT_EQ(index.At(0.25, 0.5), Codes{"x"});
}

TEST(AreaIndex, ReadersRunWhileAWriterReplaces) {
  AreaIndex index;
  ASSERT_TRUE(index.Put("fixed", R"({"type":"Polygon","coordinates":[[[-1,-1],[7,-1],[7,7],[-1,7],[-1,-1]]]})").ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) (void)index.Put("moving", i % 2 ? kUnitSquare : kFarSquare);
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        Codes at = index.At(0.5, 0.5);
        // Always "fixed"; "moving" may or may not be there, nothing else ever.
        if (at.empty() || at.front() != "fixed" || at.size() > 2) ++bad;
      }
    });
  }
  writer.join();
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0);
}

// A drawn broadcast polygon (lat, lon ring) meets the areas it overlaps or touches, not the
// ones it only approaches; either winding order; an open ring meets nothing.
TEST(AreaIndex, MeetingListsTheAreasARingOverlaps) {
  AreaIndex index;
  ASSERT_TRUE(index.Put("west", kUnitSquare).ok());
  ASSERT_TRUE(index.Put("east", R"({"type":"Polygon","coordinates":[[[3,0],[4,0],[4,1],[3,1],[3,0]]]})").ok());
  using Ring = std::vector<std::pair<double, double>>;
  // Straddles "west" only (x 0.5..2.5, y 0.2..0.8).
  Ring west_only = {{0.2, 0.5}, {0.2, 2.5}, {0.8, 2.5}, {0.8, 0.5}, {0.2, 0.5}};
  EXPECT_EQ(index.Meeting(west_only), Codes{"west"});
  Ring reversed(west_only.rbegin(), west_only.rend());
  EXPECT_EQ(index.Meeting(reversed), Codes{"west"});
  // Spans both, containing neither's centre.
  Ring both = {{0.4, 0.9}, {0.4, 3.1}, {0.6, 3.1}, {0.6, 0.9}, {0.4, 0.9}};
  EXPECT_EQ(index.Meeting(both), (Codes{"east", "west"}));
  // Between them, touching neither.
  Ring gap = {{0.2, 1.5}, {0.2, 2.5}, {0.8, 2.5}, {0.8, 1.5}, {0.2, 1.5}};
  EXPECT_TRUE(index.Meeting(gap).empty());
  Ring open = {{0.2, 0.5}, {0.2, 2.5}, {0.8, 2.5}, {0.8, 0.5}};
  EXPECT_TRUE(index.Meeting(open).empty());
}

}  // namespace
}  // namespace centinela::geo
