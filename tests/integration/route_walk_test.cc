// The router-walk test: every route of the table (`centinela routes --format json`, built
// from api::ApiRoutes(), the same table the server installs) is called against the real
// binary. It holds the literal list of public routes, so making a route public means
// editing that list here; every other route answers 401 without credentials and with a
// forged token; every staff route answers 403 or 404 to a neighbour; device routes refuse a
// person's token. The guard runs before any handler, so placeholder path values suffice.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api_client.h"

namespace centinela::testing {
namespace {

// Making a route public means adding it here (and `security: []` in docs/openapi.yaml).
const std::set<std::string>& PublicRoutes() {
  static const std::set<std::string> kRoutes = {
      "GET /healthz",
      "GET /readyz",
      "GET /metrics",
      "GET /api/v1/config/client",
      "POST /api/v1/auth/register",
      "POST /api/v1/auth/login",
      "GET /api/v1/broadcasts.atom",
  };
  return kRoutes;
}

// User routes with a public variant the router cannot tell apart by pattern: requests whose
// path parameter ends in a suffix (the CAP document of a broadcast). Listed here too.
const std::set<std::string>& PublicVariants() {
  static const std::set<std::string> kVariants = {
      "GET /api/v1/broadcasts/{id} when {id} ends in .cap",
  };
  return kVariants;
}

struct Route {
  std::string method, pattern, caller, upgrade;
  std::string public_param, public_suffix;  // a public variant (PublicVariants())
  std::vector<std::string> roles;
  // A WebSocket route is called with the handshake (without it the answer is 426).
  test::HeaderList Headers() const {
    if (upgrade != "websocket") return {};
    return {{"Connection", "Upgrade"},
            {"Upgrade", "websocket"},
            {"Sec-WebSocket-Version", "13"},
            {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  }
  std::string Key() const { return method + " " + pattern; }
  bool Staff() const {
    if (caller != "user" || roles.empty()) return false;
    for (const std::string& r : roles)
      if (r == "neighbour") return false;
    return true;
  }
};

std::vector<Route> RouteTable() {
  CommandResult r = RunCentinela({"routes", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<Route> out;
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(r.output, ec);
  if (ec || !v.is_array()) {
    ADD_FAILURE() << "centinela routes --format json: " << r.output;
    return out;
  }
  for (const boost::json::value& e : v.as_array()) {
    const boost::json::object& o = e.as_object();
    Route route;
    route.method = o.at("method").as_string();
    route.pattern = o.at("pattern").as_string();
    route.caller = o.at("caller").as_string();
    if (const boost::json::value* u = o.if_contains("upgrade")) route.upgrade = u->as_string();
    if (const boost::json::value* w = o.if_contains("public_when")) {
      route.public_param = w->at("param").as_string();
      route.public_suffix = w->at("suffix").as_string();
    }
    for (const boost::json::value& role : o.at("roles").as_array())
      route.roles.emplace_back(role.as_string());
    out.push_back(std::move(route));
  }
  return out;
}

// The pattern with each {name} / {name...} segment replaced by a value no resource has.
std::string Target(const std::string& pattern) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      size_t end = pattern.find('}', i);
      out += "walk-0";
      i = end + 1;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

std::string BodyFor(const std::string& method) {
  return method == "GET" || method == "DELETE" || method == "HEAD" ? "" : "{}";
}

struct WalkDeployment : Deployment {
  std::string neighbour;
};

class RouteWalkTest : public DeployedTest<WalkDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-walk"; }
  void Populate(WalkDeployment& d) override {
    d.neighbour = api().Neighbour("walk.vecina@test.cl").second;
    ASSERT_FALSE(d.neighbour.empty());
  }
};

TEST_P(RouteWalkTest, PublicRoutesAreExactlyTheListedOnes) {
  std::set<std::string> served;
  for (const Route& r : RouteTable())
    if (r.caller == "public") served.insert(r.Key());
  EXPECT_EQ(served, PublicRoutes()) << "a route became public (or stopped being): edit the "
                                       "list in this test and docs/openapi.yaml deliberately";
  std::set<std::string> variants;
  for (const Route& r : RouteTable()) {
    if (r.public_suffix.empty()) continue;
    variants.insert(r.Key() + " when {" + r.public_param + "} ends in " + r.public_suffix);
    // The variant answers without credentials (404 for an unknown id, not 401) ...
    Reply open = api().Call(r.method, Target(r.pattern) + r.public_suffix, BodyFor(r.method));
    EXPECT_NE(open.status, 401) << r.Key() << " + " << r.public_suffix << ": " << open.body;
    // ... and the route itself still does not.
    EXPECT_EQ(api().Call(r.method, Target(r.pattern), BodyFor(r.method)).status, 401) << r.Key();
  }
  EXPECT_EQ(variants, PublicVariants());
  for (const Route& r : RouteTable()) {
    if (r.caller != "public") continue;
    Reply reply = api().Call(r.method, Target(r.pattern), BodyFor(r.method), "", r.Headers());
    EXPECT_NE(reply.status, 401) << r.Key() << " is declared public";
    EXPECT_NE(reply.status, 403) << r.Key() << " is declared public";
  }
}

TEST_P(RouteWalkTest, EveryOtherRouteAnswers401WithoutCredentials) {
  const std::vector<Route> routes = RouteTable();
  int walked = 0;
  for (const Route& r : routes) {
    if (r.caller == "public") continue;
    const std::string target = Target(r.pattern), body = BodyFor(r.method);
    Reply none = api().Call(r.method, target, body, "", r.Headers());
    EXPECT_EQ(none.status, 401) << r.Key() << ": " << none.body;
    EXPECT_EQ(none.ErrorCode(), "unauthenticated") << r.Key();
    Reply forged = api().Call(r.method, target, body, "forged-token-value", r.Headers());
    EXPECT_EQ(forged.status, 401) << r.Key() << " with a forged token: " << forged.body;
    if (r.caller == "user") {
      EXPECT_FALSE(none.Header("www-authenticate").empty()) << r.Key();
    } else {
      // A device route does not take a person's token in place of its key.
      Reply person = api().Call(r.method, target, body, dep_->neighbour, r.Headers());
      EXPECT_EQ(person.status, 401) << r.Key() << " with a neighbour's token: " << person.body;
    }
    ++walked;
  }
  EXPECT_GT(walked, 0);
}

TEST_P(RouteWalkTest, EveryStaffRouteRefusesANeighbour) {
  for (const Route& r : RouteTable()) {
    if (!r.Staff()) continue;
    Reply reply = api().Call(r.method, Target(r.pattern), BodyFor(r.method), dep_->neighbour, r.Headers());
    EXPECT_TRUE(reply.status == 403 || reply.status == 404)
        << r.Key() << " answered a neighbour " << reply.status << ": " << reply.body;
  }
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RouteWalkTest, ::testing::Values("sqlite"), BackendName);

}  // namespace
}  // namespace centinela::testing
