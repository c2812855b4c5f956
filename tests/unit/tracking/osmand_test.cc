// The OsmAnd decoder fed with Traccar's own test messages (tests/testdata/gps/
// osmand_vectors.txt, Apache-2.0): every vector must decode; positions must carry the
// device, coordinates, time and speed the vector's derived values give.
#include "tracking/osmand.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "http/server_internal.h"
#include "support/test_data.h"

namespace centinela::tracking {
namespace {

namespace json = boost::json;

struct Vector {
  std::string line;    // "[L41]"
  std::string check;   // verifyPosition / verifyNotNull / ...
  std::string method;  // GET / POST
  std::string target;  // "/?id=..."
  std::string body;    // JSON form body
  json::value derived;
};

std::vector<Vector> LoadVectors() {
  std::ifstream in(centinela::test::TestDataPath("gps/osmand_vectors.txt"));
  std::vector<Vector> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("[L", 0) == 0) {
      Vector v;
      std::istringstream ls(line);
      ls >> v.line >> v.check;
      out.push_back(v);
    } else if (!out.empty() && line.rfind("  HTTP ", 0) == 0) {
      std::istringstream ls(line.substr(7));
      ls >> out.back().method >> out.back().target;
      const std::string marker = "body(text)=";
      if (size_t b = line.find(marker); b != std::string::npos)
        out.back().body = line.substr(b + marker.size());
    } else if (!out.empty() && line.find("DERIVED") != std::string::npos) {
      size_t brace = line.find('{');
      if (brace != std::string::npos) out.back().derived = json::parse(line.substr(brace));
    }
  }
  return out;
}

Result<OsmAndMessage> Decode(const Vector& v) {
  if (!v.body.empty()) return ParseOsmAndJson(v.body);
  http::Request req;
  Status s = http::internal::ParseTarget(v.target, &req);
  if (!s.ok()) return s;
  return ParseOsmAndQuery(req.query);
}

TEST(OsmAndVectors, EveryTraccarVectorDecodes) {
  std::vector<Vector> vectors = LoadVectors();
  ASSERT_EQ(vectors.size(), 8u) << "osmand_vectors.txt missing or changed";
  int positions = 0;
  for (const Vector& v : vectors) {
    SCOPED_TRACE(v.line + " " + v.check);
    auto m = Decode(v);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    const json::object& d = v.derived.as_object();
    EXPECT_EQ(m->device_id, std::string(d.at("device").as_string()));
    if (v.check == "verifyPosition") {
      ++positions;
      ASSERT_TRUE(m->lat && m->lon);
      EXPECT_NEAR(*m->lat, d.at("lat").to_number<double>(), 1e-5);
      EXPECT_NEAR(*m->lon, d.at("lon").to_number<double>(), 1e-5);
      EXPECT_LE(std::fabs(*m->lat), 90);
      EXPECT_LE(std::fabs(*m->lon), 180);
      if (m->heading) {
        EXPECT_TRUE(*m->heading >= 0 && *m->heading <= 360);
      }
      if (const json::value* kn = d.if_contains("speed_kn")) {
        ASSERT_TRUE(m->speed_mps);
        EXPECT_NEAR(*m->speed_mps / (1852.0 / 3600.0), kn->to_number<double>(), 1e-6);
      }
      if (const json::value* c = d.if_contains("course")) {
        EXPECT_NEAR(*m->heading, c->to_number<double>(), 1e-9);
      }
    }
    // Fix times stated in UTC ("...Z", or "yyyy-MM-dd HH:mm:ss.fff" derived from unix time).
    if (const json::value* t = d.if_contains("fixTimeUTC")) {
      std::string text(t->as_string());
      auto expected = ParseOsmAndTime(text.substr(0, text.find(' ', 11) == std::string::npos
                                                         ? text.size()
                                                         : text.find(' ', 11)));
      ASSERT_TRUE(expected) << text;
      ASSERT_TRUE(m->time_ms);
      EXPECT_EQ(*m->time_ms, *expected) << text;
    }
  }
  EXPECT_EQ(positions, 7);
}

TEST(OsmAnd, TimeForms) {
  EXPECT_EQ(ParseOsmAndTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseOsmAndTime("2016-01-27T18:55:47Z"), 1453920947000);
  EXPECT_EQ(ParseOsmAndTime("2025-06-15T13:45:12.862Z"), 1749995112862);
  EXPECT_EQ(ParseOsmAndTime("2016-01-27T20:55:47+02:00"), 1453920947000);
  EXPECT_EQ(ParseOsmAndTime("2014-06-04 09:10:11"), 1401873011000);
  for (const char* bad : {"", "2016-13-01T00:00:00Z", "2016-01-27", "2016-01-27T18:55:47X",
                          "yesterday", "2016-01-27T18:55:47."})
    EXPECT_FALSE(ParseOsmAndTime(bad)) << bad;
  // Unix seconds below 2^31-1, milliseconds above.
  auto s = ParseOsmAndQuery({{"id", "1"}, {"timestamp", "1377177267"}, {"lat", "1"}, {"lon", "2"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s->time_ms, 1377177267000);
  auto ms = ParseOsmAndQuery({{"id", "1"}, {"timestamp", "1377177267123"}});
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(*ms->time_ms, 1377177267123);
}

TEST(OsmAnd, BadInputIsRefused) {
  const std::map<std::string, std::string> bad[] = {
      {{"lat", "1"}, {"lon", "2"}},                           // no id
      {{"id", ""}, {"lat", "1"}, {"lon", "2"}},               // empty id
      {{"id", "7"}, {"lat", "north"}, {"lon", "2"}},          // not a number
      {{"id", "7"}, {"lat", "1"}},                            // half a coordinate
      {{"id", "7"}, {"location", "1;2"}},                     // bad location
      {{"id", "7"}, {"lat", "1"}, {"lon", "2"}, {"timestamp", "soon"}},
      {{"id", "7"}, {"lat", "1"}, {"lon", "2"}, {"speed", "fast"}},
  };
  for (const auto& q : bad) EXPECT_EQ(ParseOsmAndQuery(q).status().code(), Code::kInvalidArgument);
  for (const char* body : {"", "{", "[]", "{\"location\":{}}", "{\"device_id\":5}",
                           "{\"device_id\":\"x\",\"location\":{\"timestamp\":\"never\"}}"})
    EXPECT_EQ(ParseOsmAndJson(body).status().code(), Code::kInvalidArgument) << body;
  auto loc = ParseOsmAndQuery({{"id", "7"}, {"location", "-33.45,-70.66"}});
  ASSERT_TRUE(loc.ok());
  EXPECT_DOUBLE_EQ(*loc->lat, -33.45);
  EXPECT_DOUBLE_EQ(*loc->lon, -70.66);
}

}  // namespace
}  // namespace centinela::tracking
