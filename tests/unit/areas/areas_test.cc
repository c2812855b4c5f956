// AreaService over a real store: SQLite in a temporary directory, and PostgreSQL in a
// fresh schema of the database named by CENTINELA_TEST_PG_URL (skipped when it is unset).
// The hierarchy is real: the seven South Precinct comunas (BCN boundaries), their union as
// the precinct, under a region.
#include "areas/areas.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>

#include "../geo/real_data.h"
#include "common/hash.h"
#include "geo/geometry.h"
#include "geo/union.h"
#include "support/store_fixture.h"

namespace centinela::areas {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Codes = std::vector<std::string>;

constexpr const char* kRegion = "RM";
constexpr const char* kPrecinct = "SUR";
// An approximate box around the Santiago region (not its boundary): enough to hold the
// precinct for the hierarchy tests.
constexpr const char* kRegionBox =
    R"({"type":"Polygon","coordinates":[[[-71.8,-34.3],[-69.7,-34.3],[-69.7,-32.9],[-71.8,-32.9],[-71.8,-34.3]]]})";
const std::vector<std::string> kAllAgencies = {"police", "fire", "medical", "civil_protection", "municipal"};

Codes CodesOf(const std::vector<Area>& areas) {
  Codes out;
  for (const Area& a : areas) out.push_back(a.code);
  return out;
}

class AreaServiceTest : public test::StoreFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    if (IsSkipped()) return;
    service_ = std::make_unique<AreaService>(*store_);
    ASSERT_TRUE(service_->Load().ok());
  }

  void TearDown() override {
    service_.reset();
    StoreFixture::TearDown();
  }

  static Area Make(std::string code, std::string name, Kind kind, std::string parent, std::string geometry,
                   int64_t population = 0) {
    Area a;
    a.code = std::move(code);
    a.name = std::move(name);
    a.kind = kind;
    a.parent_code = std::move(parent);
    a.geometry = std::move(geometry);
    a.population = population;
    a.agencies = kAllAgencies;
    return a;
  }

  Result<Area> Create(Area a, AreaService* s = nullptr) {
    std::promise<Result<Area>> p;
    (s ? s : service_.get())->Create(std::move(a), "admin-1", [&p](Result<Area> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  Result<Area> Update(const std::string& code, AreaPatch patch) {
    std::promise<Result<Area>> p;
    service_->Update(code, std::move(patch), "admin-1", [&p](Result<Area> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  Status Remove(const std::string& code) {
    std::promise<Status> p;
    service_->Remove(code, "admin-1", [&p](Status s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }

  // Region > precinct (the union of the comunas) > the seven real comunas.
  void BuildSouthPrecinct() {
    comunas_ = centinela::testing::SouthPrecinctComunas();
    std::vector<std::string> shapes;
    for (const auto& c : comunas_) shapes.push_back(c.geometry);
    Result<std::string> outline = geo::UnionGeometries(shapes);
    ASSERT_TRUE(outline.ok()) << outline.status().ToString();
    auto r = Create(Make(kRegion, "Región Metropolitana de Santiago", Kind::kRegion, "", kRegionBox, 7'112'808));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    r = Create(Make(kPrecinct, "Prefectura Santiago Sur", Kind::kPrecinct, kRegion, *outline, 831'876));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::map<std::string, int64_t> population;
    for (const auto& row : centinela::testing::SouthPrecinctTable()) population[row.comuna] = row.population;
    for (const auto& c : comunas_) {
      r = Create(Make(c.cut, c.name, Kind::kSector, kPrecinct, c.geometry, population[c.name]));
      ASSERT_TRUE(r.ok()) << c.name << ": " << r.status().ToString();
    }
  }

  struct EventRow {
    std::string type, actor, subject, scope;
    json::object payload;
  };
  std::vector<EventRow> Events() {
    auto rows = store_->Query("SELECT type, actor, subject, scope, payload FROM events ORDER BY seq");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<EventRow> out;
    if (!rows.ok()) return out;
    for (size_t i = 0; i < rows->size(); ++i)
      out.push_back({rows->Text(i, "type"), rows->Text(i, "actor"), rows->Text(i, "subject"), rows->Text(i, "scope"),
                     json::parse(rows->Text(i, "payload")).as_object()});
    return out;
  }

  std::unique_ptr<AreaService> service_;
  std::vector<centinela::testing::Comuna> comunas_;
};

TEST_P(AreaServiceTest, AtGivesOutermostFirstForEveryComunaCentre) {
  BuildSouthPrecinct();
  for (const auto& row : centinela::testing::SouthPrecinctTable()) {
    SCOPED_TRACE(row.comuna);
    EXPECT_EQ(CodesOf(service_->At(row.lat, row.lon)),
              (Codes{kRegion, kPrecinct, centinela::testing::CutCode(row.comuna)}));
  }
  // The brief's case: a point in San Miguel.
  std::vector<Area> at = service_->At(-33.4966, -70.6516);
  ASSERT_EQ(at.size(), 3u);
  EXPECT_EQ(at[1].code, kPrecinct);
  EXPECT_EQ(at[2].code, "13130");
  EXPECT_EQ(at[2].name, "San Miguel");
  EXPECT_EQ(at[2].population, 107'954);
  // In the region box but outside the precinct; and the Pacific.
  EXPECT_EQ(CodesOf(service_->At(-33.40, -71.50)), Codes{kRegion});
  EXPECT_TRUE(service_->At(-33.45, -75.0).empty());
}

TEST_P(AreaServiceTest, PathChildrenListAndGet) {
  BuildSouthPrecinct();
  EXPECT_EQ(service_->Path("13130"), (Codes{"13130", kPrecinct, kRegion}));
  EXPECT_EQ(service_->Path(kRegion), Codes{kRegion});
  EXPECT_TRUE(service_->Path("nope").empty());
  EXPECT_EQ(service_->Children(kPrecinct), (Codes{"13105", "13109", "13111", "13112", "13129", "13130", "13131"}));
  EXPECT_EQ(service_->Children(kRegion), Codes{kPrecinct});
  EXPECT_TRUE(service_->Children("13130").empty());
  // Descendants: every level below, sorted, not the area itself.
  EXPECT_EQ(service_->Descendants(kRegion),
            (Codes{"13105", "13109", "13111", "13112", "13129", "13130", "13131", kPrecinct}));
  EXPECT_EQ(service_->Descendants(kPrecinct), service_->Children(kPrecinct));
  EXPECT_TRUE(service_->Descendants("13130").empty());
  EXPECT_TRUE(service_->Descendants("nope").empty());
  EXPECT_EQ(service_->List().size(), 9u);
  EXPECT_EQ(CodesOf(service_->List(Kind::kSector)).size(), 7u);
  EXPECT_EQ(CodesOf(service_->List(std::nullopt, std::string())), Codes{kRegion});  // roots
  EXPECT_EQ(CodesOf(service_->List(Kind::kPrecinct, std::string(kRegion))), Codes{kPrecinct});
  auto sm = service_->Get("13130");
  ASSERT_TRUE(sm);
  EXPECT_EQ(sm->agencies, kAllAgencies);
  EXPECT_GT(sm->created_ms, 0);
  EXPECT_EQ(sm->created_ms, sm->updated_ms);
  // The stored geometry is the compact, validated form.
  EXPECT_EQ(sm->geometry, geo::ValidateGeometry(comunas_[0].geometry)->geojson);
}

TEST_P(AreaServiceTest, DuplicateCodeIsAConflict) {
  BuildSouthPrecinct();
  auto r = Create(Make("13130", "Otra", Kind::kSector, kPrecinct, kRegionBox));
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_NE(r.status().message().find("already exists"), std::string::npos);
}

TEST_P(AreaServiceTest, UnknownParentIsUnprocessable) {
  auto r = Create(Make("X1", "Sin padre", Kind::kSector, "NOPE", kRegionBox));
  EXPECT_EQ(r.status().code(), Code::kUnprocessable);
  EXPECT_NE(r.status().message().find("parent area 'NOPE' does not exist"), std::string::npos) << r.status().message();
  AreaPatch p;
  p.parent_code = "NOPE";
  ASSERT_TRUE(Create(Make("X1", "Raíz", Kind::kRegion, "", kRegionBox)).ok());
  EXPECT_EQ(Update("X1", p).status().code(), Code::kUnprocessable);
}

TEST_P(AreaServiceTest, CyclesAreConflicts) {
  BuildSouthPrecinct();
  AreaPatch to_child;
  to_child.parent_code = "13130";
  auto r = Update(kRegion, to_child);
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_NE(r.status().message().find("cycle"), std::string::npos);
  AreaPatch to_self;
  to_self.parent_code = kPrecinct;
  EXPECT_EQ(Update(kPrecinct, to_self).status().code(), Code::kConflict);
  EXPECT_EQ(service_->Path("13130"), (Codes{"13130", kPrecinct, kRegion}));  // unchanged
}

TEST_P(AreaServiceTest, DeleteWithChildrenIsAConflictThenLeavesGo) {
  BuildSouthPrecinct();
  Status s = Remove(kPrecinct);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("child areas"), std::string::npos);
  EXPECT_TRUE(Remove("13130").ok());
  EXPECT_FALSE(service_->Get("13130"));
  EXPECT_EQ(CodesOf(service_->At(-33.4966, -70.6516)), (Codes{kRegion, kPrecinct}));
  EXPECT_EQ(Remove("13130").code(), Code::kNotFound);
  EXPECT_EQ(service_->Children(kPrecinct).size(), 6u);
}

TEST_P(AreaServiceTest, UpdatePopulationKeepsTheRest) {
  BuildSouthPrecinct();
  AreaPatch p;
  p.population = 110'000;
  auto r = Update("13130", p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->population, 110'000);
  EXPECT_EQ(r->name, "San Miguel");
  EXPECT_EQ(r->parent_code, kPrecinct);
  EXPECT_GE(r->updated_ms, r->created_ms);
  EXPECT_EQ(service_->Get("13130")->population, 110'000);
  EXPECT_EQ(Update("nope", p).status().code(), Code::kNotFound);
}

TEST_P(AreaServiceTest, UpdateGeometryMovesTheArea) {
  BuildSouthPrecinct();
  // Give San Miguel La Pintana's shape: the San Miguel centre now finds only the precinct.
  AreaPatch p;
  p.geometry = comunas_[3].geometry;  // La Pintana (file order)
  ASSERT_EQ(comunas_[3].name, "La Pintana");
  ASSERT_TRUE(Update("13130", p).ok());
  EXPECT_EQ(CodesOf(service_->At(-33.4966, -70.6516)), (Codes{kRegion, kPrecinct}));
  EXPECT_EQ(CodesOf(service_->At(-33.5833, -70.6333)), (Codes{kRegion, kPrecinct, "13112", "13130"}));
}

TEST_P(AreaServiceTest, MovingAnAreaChangesItsPath) {
  BuildSouthPrecinct();
  AreaPatch p;
  p.parent_code = kRegion;
  ASSERT_TRUE(Update("13130", p).ok());
  EXPECT_EQ(service_->Path("13130"), (Codes{"13130", kRegion}));
  p.parent_code = "";
  ASSERT_TRUE(Update("13130", p).ok());
  EXPECT_EQ(service_->Path("13130"), Codes{"13130"});
  // Depth now 1 for both roots: ordered by code.
  EXPECT_EQ(CodesOf(service_->At(-33.4966, -70.6516)), (Codes{"13130", kRegion, kPrecinct}));
}

struct Invalid {
  const char* name;
  std::function<void(Area&)> edit;
  const char* message_has;
};

TEST_P(AreaServiceTest, ValidationFailuresAreUnprocessableAndPrecise) {
  ASSERT_TRUE(Create(Make(kRegion, "Región", Kind::kRegion, "", kRegionBox)).ok());
  const Invalid kCases[] = {
      {"empty code", [](Area& a) { a.code = ""; }, "area code must be 1 to 64"},
      {"code with space", [](Area& a) { a.code = "a b"; }, "may only hold"},
      {"code too long", [](Area& a) { a.code = std::string(65, 'x'); }, "1 to 64"},
      {"empty name", [](Area& a) { a.name = ""; }, "area name is required"},
      {"blank name", [](Area& a) { a.name = "   "; }, "area name is required"},
      {"name 201 chars", [](Area& a) { a.name = std::string(201, 'n'); }, "201 characters; at most 200"},
      {"control char", [](Area& a) { a.name = "a\nb"; }, "control characters"},
      {"bad utf8", [](Area& a) { a.name = "\xC3"; }, "not valid UTF-8"},
      {"kind out of range", [](Area& a) { a.kind = static_cast<Kind>(42); }, "unknown area kind"},
      {"negative population", [](Area& a) { a.population = -1; }, "population must be 0 or more"},
      {"unknown agency", [](Area& a) { a.agencies = {"police", "army"}; }, "unknown agency 'army'"},
      {"duplicate agency", [](Area& a) { a.agencies = {"fire", "fire"}; }, "'fire' is listed twice"},
      {"bow tie", [](Area& a) { a.geometry = R"({"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]})"; },
       "intersects itself"},
      {"not a polygon", [](Area& a) { a.geometry = R"({"type":"Point","coordinates":[0,0]})"; }, "type is \"Point\""},
  };
  for (const Invalid& c : kCases) {
    SCOPED_TRACE(c.name);
    Area a = Make("X2", "Sector", Kind::kSector, kRegion, kRegionBox, 10);
    c.edit(a);
    auto r = Create(a);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kUnprocessable);
    EXPECT_NE(r.status().message().find(c.message_has), std::string::npos) << r.status().message();
  }
  // A 200-character name with multibyte letters is fine (characters, not bytes).
  std::string name;
  for (int i = 0; i < 200; ++i) name += "ñ";
  EXPECT_TRUE(Create(Make("X3", name, Kind::kSector, kRegion, kRegionBox)).ok());
  // The same checks guard Update.
  AreaPatch p;
  p.agencies = std::vector<std::string>{"army"};
  EXPECT_EQ(Update("X3", p).status().code(), Code::kUnprocessable);
  EXPECT_EQ(service_->List().size(), 2u);
  EXPECT_EQ(Events().size(), 2u);  // nothing was written for the failures
}

TEST_P(AreaServiceTest, EveryChangeWritesOnePublicEventWithoutTheGeometry) {
  BuildSouthPrecinct();
  AreaPatch p;
  p.population = 110'000;
  ASSERT_TRUE(Update("13130", p).ok());
  ASSERT_TRUE(Remove("13131").ok());

  std::vector<EventRow> events = Events();
  ASSERT_EQ(events.size(), 11u);  // 9 created, 1 updated, 1 deleted
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(events[i].type, "area.created");
  EXPECT_EQ(events[0].subject, "area:RM");
  EXPECT_TRUE(events[0].payload.at("parent").is_null());
  for (const EventRow& e : events) {
    EXPECT_EQ(e.actor, "admin-1");
    EXPECT_EQ(e.scope, "public");
    EXPECT_FALSE(e.payload.contains("geometry"));
    EXPECT_FALSE(e.payload.contains("coordinates"));
  }
  const EventRow& sm = events[2];  // first comuna in file order: San Miguel
  EXPECT_EQ(sm.subject, "area:13130");
  EXPECT_EQ(sm.payload.at("code"), "13130");
  EXPECT_EQ(sm.payload.at("name"), "San Miguel");
  EXPECT_EQ(sm.payload.at("kind"), "sector");
  EXPECT_EQ(sm.payload.at("parent"), kPrecinct);
  EXPECT_EQ(sm.payload.at("population").to_number<int64_t>(), 107'954);
  EXPECT_EQ(sm.payload.at("agencies").as_array().size(), 5u);

  EXPECT_EQ(events[9].type, "area.updated");
  EXPECT_EQ(events[9].subject, "area:13130");
  EXPECT_EQ(events[9].payload.at("population").to_number<int64_t>(), 110'000);
  EXPECT_EQ(json::serialize(events[9].payload.at("changed")), R"(["population"])");

  EXPECT_EQ(events[10].type, "area.deleted");
  EXPECT_EQ(events[10].subject, "area:13131");
  EXPECT_EQ(events[10].payload.at("name"), "San Ramón");
}

TEST_P(AreaServiceTest, LoadOnAFreshServiceRebuildsTheSameAnswers) {
  BuildSouthPrecinct();
  AreaPatch p;
  p.population = 1;
  ASSERT_TRUE(Update("13109", p).ok());
  ASSERT_TRUE(Remove("13131").ok());

  AreaService fresh(*store_);
  ASSERT_TRUE(fresh.Load().ok());
  std::vector<Area> before = service_->List(), after = fresh.List();
  ASSERT_EQ(CodesOf(after), CodesOf(before));
  for (size_t i = 0; i < before.size(); ++i) {
    SCOPED_TRACE(before[i].code);
    EXPECT_EQ(after[i].name, before[i].name);
    EXPECT_EQ(after[i].kind, before[i].kind);
    EXPECT_EQ(after[i].parent_code, before[i].parent_code);
    EXPECT_EQ(after[i].population, before[i].population);
    EXPECT_EQ(after[i].agencies, before[i].agencies);
    EXPECT_EQ(after[i].geometry, before[i].geometry);
    EXPECT_EQ(after[i].created_ms, before[i].created_ms);
    EXPECT_EQ(after[i].updated_ms, before[i].updated_ms);
  }
  for (const auto& row : centinela::testing::SouthPrecinctTable()) {
    SCOPED_TRACE(row.comuna);
    EXPECT_EQ(CodesOf(fresh.At(row.lat, row.lon)), CodesOf(service_->At(row.lat, row.lon)));
  }
  EXPECT_EQ(fresh.Path("13130"), service_->Path("13130"));
  EXPECT_EQ(fresh.Get("13109")->population, 1);
  EXPECT_FALSE(fresh.Get("13131"));
}

// Two services over one store (two nodes, or a stale memory): each passes its in-memory
// checks, and the store-side guard inside the write still refuses the second.
TEST_P(AreaServiceTest, StoreIsTheSourceOfTruthForDuplicatesParentsAndCycles) {
  ASSERT_TRUE(Create(Make("A", "A", Kind::kRegion, "", kRegionBox)).ok());
  ASSERT_TRUE(Create(Make("B", "B", Kind::kRegion, "", kRegionBox)).ok());
  AreaService other(*store_);
  ASSERT_TRUE(other.Load().ok());

  // Duplicate code created through the other service: it does not know about C.
  ASSERT_TRUE(Create(Make("C", "C", Kind::kSector, "A", kRegionBox)).ok());
  auto dup = Create(Make("C", "C again", Kind::kSector, "B", kRegionBox), &other);
  EXPECT_EQ(dup.status().code(), Code::kConflict);

  // Parent deleted behind the other service's back.
  ASSERT_TRUE(Remove("C").ok());
  ASSERT_TRUE(Remove("B").ok());
  auto orphan = Create(Make("D", "D", Kind::kSector, "B", kRegionBox), &other);
  EXPECT_EQ(orphan.status().code(), Code::kUnprocessable);

  // A cycle that neither memory sees alone: A under E here, E under A there.
  ASSERT_TRUE(Create(Make("E", "E", Kind::kRegion, "", kRegionBox)).ok());
  AreaService third(*store_);
  ASSERT_TRUE(third.Load().ok());
  AreaPatch a_under_e;
  a_under_e.parent_code = "E";
  ASSERT_TRUE(Update("A", a_under_e).ok());
  AreaPatch e_under_a;
  e_under_a.parent_code = "A";
  std::promise<Result<Area>> p;
  third.Update("E", e_under_a, "admin-2", [&p](Result<Area> r) { p.set_value(std::move(r)); });
  Result<Area> r = p.get_future().get();
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_NE(r.status().message().find("cycle"), std::string::npos);
}

TEST_P(AreaServiceTest, ConcurrentCreatesOfOneCodeLetExactlyOneWin) {
  ASSERT_TRUE(Create(Make(kRegion, "Región", Kind::kRegion, "", kRegionBox)).ok());
  constexpr int kWriters = 8;
  std::vector<std::promise<Result<Area>>> promises(kWriters);
  for (int i = 0; i < kWriters; ++i)
    service_->Create(Make("SAME", "Sector " + std::to_string(i), Kind::kSector, kRegion, kRegionBox), "admin-1",
                     [&promises, i](Result<Area> r) { promises[i].set_value(std::move(r)); });
  int ok = 0, conflict = 0;
  for (auto& p : promises) {
    Result<Area> r = p.get_future().get();
    if (r.ok()) ++ok;
    else if (r.status().code() == Code::kConflict) ++conflict;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(conflict, kWriters - 1);
  EXPECT_EQ(service_->Children(kRegion), Codes{"SAME"});
}

INSTANTIATE_TEST_SUITE_P(Backends, AreaServiceTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(Kinds, NamesRoundTrip) {
  for (Kind k : {Kind::kRegion, Kind::kPrecinct, Kind::kSector, Kind::kNeighbourhood})
    EXPECT_EQ(ParseKind(KindName(k)), k);
  EXPECT_FALSE(ParseKind("comuna"));
}

}  // namespace
}  // namespace centinela::areas
