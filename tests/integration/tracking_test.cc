// Tracking over loopback against the real binary, on SQLite and PostgreSQL:
// GET /api/v1/units/nearest (the k nearest units to a point by great-circle distance,
// available ones by default, within the caller's area scope, following moving units,
// bad parameters 400, roles 401/403) and GET /api/v1/incidents?assigned=mine (a
// responder's incidents: those its units are assigned to now).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "api_client.h"

namespace centinela::testing {
namespace {

// San Miguel (13130), Santiago.
constexpr double kLat = -33.4960, kLon = -70.6510;
constexpr double kMetresPerDegLat = 111'195.0;

struct TrackingDeployment : Deployment {
  Account op_in, op_out, responder, other_responder, neighbour;
};

class TrackingTest : public DeployedTest<TrackingDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-tracking"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_TRACKING_OSMAND_LISTEN="};  // the JSON API is enough here
  }
  void Populate(TrackingDeployment& d) override {
    const Api api = this->api();
    api.AddSouthSantiagoAreas(d.root);
    d.op_in = api.Staff(d.root, "op.sm@track.cl", "operator", "13130");
    d.op_out = api.Staff(d.root, "op.lc@track.cl", "operator", "13109");
    d.responder = api.Staff(d.root, "movil@track.cl", "responder", "13130");
    d.other_responder = api.Staff(d.root, "otro@track.cl", "responder", "13130");
    d.neighbour = api.Neighbour("vecino@track.cl");
  }

  static std::string Id(const Reply& r) {
    json::value v = r.Json();
    if (!v.is_object() || !v.as_object().contains("id")) return "";
    return std::string(v.at("id").as_string());
  }
  // A unit of `area` created by `op`, with a device key; returns {id, key}.
  std::pair<std::string, std::string> AddUnit(const Account& op, const std::string& callsign,
                                              const std::string& area, json::array crew = {}) {
    Reply u = api().Call("POST", "/api/v1/units",
                         Api::Obj({{"callsign", callsign},
                                   {"agency", "police"},
                                   {"kind", "patrol_car"},
                                   {"home_area", area},
                                   {"crew", std::move(crew)}}),
                         op.second);
    EXPECT_EQ(u.status, 201) << u.body;
    const std::string id = Id(u);
    Reply dev = api().Call("POST", "/api/v1/units/" + id + "/devices", "", op.second);
    EXPECT_EQ(dev.status, 201) << dev.body;
    return {id, dev.status == 201 ? std::string(dev.Json().at("key").as_string()) : ""};
  }
  // One fix `north_m` north of the reference point at `time_ms`.
  void Fix(const std::string& key, double north_m, int64_t time_ms) {
    Reply r = api().Call(
        "POST", "/api/v1/positions",
        Api::Obj({{"fixes", json::array{json::object{{"lat", kLat + north_m / kMetresPerDegLat},
                                                     {"lon", kLon},
                                                     {"time", time_ms}}}}}),
        "", {{"X-Device-Key", key}});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  Reply Nearest(const Account& who, const std::string& query) {
    return api().Call("GET", "/api/v1/units/nearest?" + query, "", who.second);
  }
  static std::vector<std::string> Ids(const Reply& r) {
    std::vector<std::string> out;
    const json::value doc = r.Json();
    for (const json::value& u : doc.at("units").as_array())
      out.emplace_back(u.at("unit_id").as_string());
    return out;
  }
};

TEST_P(TrackingTest, NearestUnitsByDistanceStatusAndScope) {
  const int64_t t0 = 1'767'000'000'000;  // 2025-12-29
  // A 100 m, B 200 m (out of service), C 400 m, D 800 m in San Miguel; X 50 m in La Cisterna.
  auto [a, ka] = AddUnit(dep_->op_in, "NR-A", "13130");
  auto [b, kb] = AddUnit(dep_->op_in, "NR-B", "13130");
  auto [c, kc] = AddUnit(dep_->op_in, "NR-C", "13130");
  auto [d, kd] = AddUnit(dep_->op_in, "NR-D", "13130");
  auto [x, kx] = AddUnit(dep_->op_out, "NR-X", "13109");
  Fix(ka, 100, t0);
  Fix(kb, 200, t0);
  Fix(kc, 400, t0);
  Fix(kd, 800, t0);
  Fix(kx, 50, t0);
  ASSERT_EQ(api()
                .Call("POST", "/api/v1/units/" + b + "/status",
                      Api::Obj({{"status", "out_of_service"}}), dep_->op_in.second)
                .status,
            200);
  const std::string here = "lat=" + std::to_string(kLat) + "&lon=" + std::to_string(kLon);

  Reply r = Nearest(dep_->op_in, here + "&k=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Ids(r), (std::vector<std::string>{a, c}));  // X out of scope, B not available
  const json::value doc = r.Json();
  const json::array& units = doc.at("units").as_array();
  EXPECT_NEAR(units[0].at("distance_m").to_number<double>(), 100, 1.5);
  EXPECT_NEAR(units[1].at("distance_m").to_number<double>(), 400, 1.5);
  EXPECT_EQ(units[0].at("callsign").as_string(), "NR-A");
  EXPECT_EQ(units[0].at("status").as_string(), "available");
  EXPECT_NEAR(units[1].at("position").at("lat").to_number<double>(), kLat + 400 / kMetresPerDegLat,
              1e-7);
  EXPECT_EQ(r.body.find("E-"), std::string::npos) << r.body;  // plain decimals

  // Default k is 5; there are only three available units in scope.
  EXPECT_EQ(Ids(Nearest(dep_->op_in, here)), (std::vector<std::string>{a, c, d}));
  // available=false takes every status.
  EXPECT_EQ(Ids(Nearest(dep_->op_in, here + "&k=2&available=false")),
            (std::vector<std::string>{a, b}));
  // The admin covers every area: X is nearest; the other operator sees only X.
  EXPECT_EQ(Ids(Nearest({"", dep_->root}, here + "&k=1")), (std::vector<std::string>{x}));
  EXPECT_EQ(Ids(Nearest(dep_->op_out, here + "&k=5")), (std::vector<std::string>{x}));
  // Another agency filters everything out.
  EXPECT_TRUE(Ids(Nearest(dep_->op_in, here + "&agency=fire")).empty());

  // D drives to 20 m: it is now the nearest; an older fix arriving late does not move it back.
  Fix(kd, 20, t0 + 5000);
  Fix(kd, 800, t0 + 1000);
  Reply moved = Nearest(dep_->op_in, here + "&k=3");
  EXPECT_EQ(Ids(moved), (std::vector<std::string>{d, a, c}));
  EXPECT_NEAR(moved.Json().at("units").as_array()[0].at("distance_m").to_number<double>(), 20, 1);

  // Bad parameters and roles.
  for (const char* q : {"lon=-70.65", "lat=-33.49", "lat=91&lon=0", "lat=0&lon=181", "lat=x&lon=0",
                        "lat=0&lon=0&k=0", "lat=0&lon=0&k=51", "lat=0&lon=0&k=two",
                        "lat=0&lon=0&available=maybe"}) {
    Reply bad = Nearest(dep_->op_in, q);
    EXPECT_EQ(bad.status, 400) << q << " " << bad.body;
    EXPECT_EQ(bad.ErrorCode(), "bad_request") << q;
  }
  EXPECT_EQ(api().Call("GET", "/api/v1/units/nearest?" + here).status, 401);
  EXPECT_EQ(Nearest(dep_->responder, here).status, 403);
  EXPECT_EQ(Nearest(dep_->neighbour, here).status, 403);
}

TEST_P(TrackingTest, ResponderSeesTheIncidentsAssignedToItsUnit) {
  auto [unit, key] = AddUnit(dep_->op_in, "MOVIL-7", "13130", json::array{dep_->responder.first});
  Fix(key, 300, 1'767'000'000'000);
  const std::string mine = "/api/v1/incidents?assigned=mine";
  Reply empty = api().Call("GET", mine, "", dep_->responder.second);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_TRUE(empty.Json().at("incidents").as_array().empty());

  json::object call{{"category", "robo"},
                    {"lat", kLat},
                    {"lon", kLon},
                    {"caller_name", "Ana Soto"},
                    {"caller_phone", "+56 9 8765 4321"},
                    {"priority", "P2"},
                    {"notes", "Robo en la esquina"}};
  Reply created = api().Call("POST", "/api/v1/incidents", Api::Obj(call), dep_->op_in.second);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string incident = Id(created);
  // Not assigned yet: still empty.
  EXPECT_TRUE(api()
                  .Call("GET", mine, "", dep_->responder.second)
                  .Json()
                  .at("incidents")
                  .as_array()
                  .empty());
  Reply dispatched = api().Call("POST", "/api/v1/incidents/" + incident + "/dispatch",
                                Api::Obj({{"unit_id", unit}}), dep_->op_in.second);
  ASSERT_EQ(dispatched.status, 200) << dispatched.body;

  Reply list = api().Call("GET", mine, "", dep_->responder.second);
  ASSERT_EQ(list.status, 200) << list.body;
  const json::value doc = list.Json();
  const json::array& got = doc.at("incidents").as_array();
  ASSERT_EQ(got.size(), 1u) << list.body;
  EXPECT_EQ(got[0].at("id").as_string(), incident);
  EXPECT_EQ(got[0].at("status").as_string(), "dispatched");
  EXPECT_EQ(got[0].at("unit").at("id").as_string(), unit);
  EXPECT_EQ(got[0].at("unit").at("callsign").as_string(), "MOVIL-7");
  EXPECT_TRUE(got[0].at("caller").is_null());  // the caller stays with the control room
  EXPECT_EQ(list.body.find("8765"), std::string::npos);
  // Someone not on the crew sees nothing; the plain list stays control-room only.
  EXPECT_TRUE(api()
                  .Call("GET", mine, "", dep_->other_responder.second)
                  .Json()
                  .at("incidents")
                  .as_array()
                  .empty());
  EXPECT_TRUE(api()
                  .Call("GET", mine, "", dep_->neighbour.second)
                  .Json()
                  .at("incidents")
                  .as_array()
                  .empty());
  EXPECT_EQ(api().Call("GET", "/api/v1/incidents", "", dep_->responder.second).status, 403);
  EXPECT_EQ(api().Call("GET", "/api/v1/incidents?assigned=all", "", dep_->responder.second).status,
            400);
  EXPECT_EQ(api().Call("GET", mine).status, 401);

  // The crew works it and frees the unit: no longer listed.
  ASSERT_EQ(
      api().Call("POST", "/api/v1/units/" + unit + "/accept", "", dep_->responder.second).status,
      200);
  for (const char* to : {"en_route", "on_scene", "available"}) {
    Reply m = api().Call("POST", "/api/v1/units/" + unit + "/status", Api::Obj({{"status", to}}),
                         dep_->responder.second);
    ASSERT_EQ(m.status, 200) << to << " " << m.body;
  }
  EXPECT_TRUE(api()
                  .Call("GET", mine, "", dep_->responder.second)
                  .Json()
                  .at("incidents")
                  .as_array()
                  .empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, TrackingTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
