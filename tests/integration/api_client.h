#pragma once
// What every integration suite needs to talk to the real binary: one reply type, a small
// API client (call, log in, register a neighbour, create staff), JSON helpers, the shared
// passwords, and one server per store backend shared by a suite's cases
// (DeployedTest<D>: fresh data directory and database, the first admin from the CLI, the
// server started with the suite's environment, torn down after the suite).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db_access.h"
#include "server_process.h"
#include "support/http_client.h"

namespace centinela::testing {

namespace json = boost::json;

constexpr const char* kRootLogin = "root@test.cl";
constexpr const char* kRootPassword = "root-password-1234";
//! Password of every account the suites create.
constexpr const char* kPassword = "a-long-password-99";

//! One HTTP answer (status 0 when no response arrived).
struct Reply {
  int status = 0;
  std::string body;
  test::HeaderList headers;  //!< names in lower case

  //! The body parsed as JSON, or null when it is not JSON.
  json::value Json() const;
  //! Header value by case-insensitive name, or empty.
  std::string Header(const std::string& name) const;
  //! The code of the one error envelope {"error":{"code","message"}} and nothing else;
  //! "<not an envelope>" / "<bad envelope>" otherwise.
  std::string ErrorCode() const;
};

//! Serialises a JSON object.
std::string Obj(const json::object& o);
//! A GeoJSON rectangle.
json::value Box(double min_lon, double min_lat, double max_lon, double max_lat);
//! Real comuna boundary by name (NOM_COM) from demo/santiago_south_precinct_7_comunas.geojson.
json::value ComunaGeometry(const std::string& name);
//! A whole file as bytes ("" when it cannot be read).
std::string ReadFile(const std::string& path);
//! An approved membership of `user_id` in `area`, written behind the server's back (the
//! request/approval path has its own tests).
void ApproveMember(TestDatabase& db, const std::string& user_id, const std::string& area);

//! {id, token} of an account.
using Account = std::pair<std::string, std::string>;

class Api {
 public:
  explicit Api(int port) : port_(port) {}
  //! One request on a fresh connection. Adds Authorization when `token` is set and
  //! Content-Type: application/json when there is a body and `extra` names no Content-Type.
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& token = "", const test::HeaderList& extra = {}) const;
  //! Token, or "" when the login fails.
  std::string Login(const std::string& login, const std::string& password = kPassword) const;
  //! Registers a neighbour with kPassword and logs in; {} on failure.
  Account Neighbour(const std::string& email, const std::string& name = "Vecina") const;
  //! Creates staff (by the admin `root`) with roles [{role, area}] and logs in; adds a test
  //! failure and returns {} when the creation is refused.
  Account Staff(const std::string& root, const std::string& email, json::array roles) const;
  //! Staff holding one grant.
  Account Staff(const std::string& root, const std::string& email, const std::string& role,
                const std::string& area) const;
  //! Creates an area (by the admin `root`); adds a test failure unless 201.
  void AddArea(const std::string& root, json::object area) const;
  //! The areas several suites share: region "RM" (a box over southern Santiago) with the
  //! sectors 13130 San Miguel and 13109 La Cisterna (real comuna boundaries), created by `root`.
  void AddSouthSantiagoAreas(const std::string& root) const;
  //! The sectors 13130 San Miguel and 13109 La Cisterna (real boundaries) under "RM", each
  //! with the fields of `extra` added (agencies, population ...).
  void AddComunaSectors(const std::string& root, const json::object& extra = {}) const;
  //! Region "RM" and sector "SM" (San Miguel) as boxes, plus the box sector "LC" (La
  //! Cisterna, south of SM) when `la_cisterna`; no agencies.
  void AddBoxAreas(const std::string& root, bool la_cisterna = false) const;
  static std::string Obj(const json::object& o) { return testing::Obj(o); }

 private:
  int port_;
};

//! One write of a kill -9 burst: client `c` sends its `i`-th write on `http` and returns
//! what identifies it when the server acknowledged it, "" otherwise.
using BurstWrite = std::function<std::string(int c, int i, test::HttpClient& http)>;
//! `clients` threads write in a loop until `writes` were sent in all, then the server is
//! killed with SIGKILL. Returns what the acknowledged writes returned (writes in flight when
//! the connection died were never acknowledged).
std::vector<std::string> BurstThenKill(ServerProcess& server, int clients, int writes,
                                       const BurstWrite& write);

//! What every suite's shared server holds; suites derive and add their accounts.
struct Deployment {
  std::string dir;
  std::unique_ptr<TestDatabase> db;
  std::unique_ptr<ServerProcess> server;
  std::string root;  //!< token of the first admin (kRootLogin)
};

//! Starts a deployment for `backend`: temp dir `prefix-backend-XXXXXX`, database, root
//! admin through `centinela user add`, server with `env` (login throttling relaxed), root's
//! token. Skips (GTEST_SKIP) when the backend is not available; fatal failures otherwise.
void StartDeployment(Deployment& d, const std::string& prefix, const std::string& backend,
                     std::vector<std::string> env);
//! Stops the server and removes the data directory and the database.
void StopDeployment(Deployment& d);

//! A suite parameterised by backend with one deployment of type D per backend, started on
//! the first case and stopped after the last. Subclasses give Prefix(), may give Env(), and
//! fill their accounts and areas in Populate() (dep_ is already set there).
template <typename D>
class DeployedTest : public ::testing::TestWithParam<std::string> {
 protected:
  virtual std::string Prefix() const = 0;
  virtual std::vector<std::string> Env() const { return {}; }
  virtual void Populate(D&) {}

  void SetUp() override {
    auto& slot = Deployments()[GetParam()];
    if (!slot) {
      auto d = std::make_unique<D>();
      ASSERT_NO_FATAL_FAILURE(StartDeployment(*d, Prefix(), GetParam(), Env()));
      if (IsSkipped()) {
        StopDeployment(*d);
        return;
      }
      dep_ = d.get();
      ASSERT_NO_FATAL_FAILURE(Populate(*d));
      slot = std::move(d);
    }
    dep_ = slot.get();
  }

  static void TearDownTestSuite() {
    for (auto& [backend, d] : Deployments())
      if (d) StopDeployment(*d);
    Deployments().clear();
  }

  Api api() const { return Api(dep_->server->port()); }

  static std::map<std::string, std::unique_ptr<D>>& Deployments() {
    static std::map<std::string, std::unique_ptr<D>> d;
    return d;
  }

  D* dep_ = nullptr;
};

//! A case that starts its own servers: a fresh data directory and database per case
//! (skipped when the backend is not available), removed afterwards.
class OwnDatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::string dir_;
  std::unique_ptr<TestDatabase> db_;
};

//! A case with its own `serve --demo` on a fresh database, the report, membership and
//! login limits lifted (a case files many from one address); stopped after the case.
class OwnDemoServerTest : public OwnDatabaseTest {
 protected:
  void SetUp() override;
  void TearDown() override;
  Api api() const { return Api(server_->port()); }
  //! A session token for a demo account (a failed login fails the case).
  std::string Login(const std::string& login, const std::string& password);
  std::unique_ptr<ServerProcess> server_;
};

//! "YYYY-MM-DD" (UTC) of a time in ms since the epoch.
std::string Date(int64_t ms);
//! The system clock in ms since the epoch.
int64_t NowMs();
//! An hour from now, or an hour ago when an hour from now is next month (UTC): a time in
//! this month near the reports a case posts now.
int64_t HourFromNowThisMonth();

//! Test-name generator for INSTANTIATE_TEST_SUITE_P over backends ("sqlite", "postgresql").
inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace centinela::testing
