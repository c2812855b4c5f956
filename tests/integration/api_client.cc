#include "api_client.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace centinela::testing {

namespace {

bool SameName(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool Names(const test::HeaderList& headers, const std::string& name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return SameName(h.first, name); });
}

constexpr const char* kLoginThrottle = "CENTINELA_AUTH_LOGIN_MAX_FAILURES_PER_IP";

// When CENTINELA_API_TRANSCRIPT_DIR names a directory (CTest sets it for the integration
// suites), every reply is appended to <dir>/<pid>.jsonl as one JSON line, for the check of
// answers against docs/openapi.yaml (web/scripts/openapi-answers.mjs). One file per
// process, so suites running in parallel never interleave their lines.
void RecordReply(const std::string& method, const std::string& target, const Reply& r) {
  static const char* dir = std::getenv("CENTINELA_API_TRANSCRIPT_DIR");
  if (dir == nullptr || *dir == '\0' || r.status == 0) return;
  const std::string type = r.Header("content-type");
  json::object line{{"method", method}, {"target", target}, {"status", r.status},
                    {"content_type", type}, {"bytes", r.body.size()}};
  if (type.find("json") != std::string::npos) line["body"] = r.body;  // not media bytes
  const std::string text = json::serialize(line) + "\n";
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  static const std::string path = std::string(dir) + "/" + std::to_string(::getpid()) + ".jsonl";
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

}  // namespace

json::value Reply::Json() const {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  return ec ? json::value() : v;
}

std::string Reply::Header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (SameName(k, name)) return v;
  return {};
}

std::string Reply::ErrorCode() const {
  json::value v = Json();
  if (!v.is_object() || v.as_object().size() != 1 || !v.as_object().contains("error"))
    return "<not an envelope>";
  const json::value& e = v.at("error");
  if (!e.is_object() || e.as_object().size() != 2 || !e.at("code").is_string() ||
      !e.at("message").is_string())
    return "<bad envelope>";
  return std::string(e.at("code").as_string());
}

std::string Obj(const json::object& o) { return json::serialize(o); }

json::value Box(double min_lon, double min_lat, double max_lon, double max_lat) {
  return json::value{
      {"type", "Polygon"},
      {"coordinates",
       json::array{json::array{json::array{min_lon, min_lat}, json::array{max_lon, min_lat},
                               json::array{max_lon, max_lat}, json::array{min_lon, max_lat},
                               json::array{min_lon, min_lat}}}}};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json::value ComunaGeometry(const std::string& name) {
  static const json::value doc = json::parse(ReadFile(
      std::string(CENTINELA_SOURCE_DIR) + "/demo/santiago_south_precinct_7_comunas.geojson"));
  for (const json::value& f : doc.at("features").as_array())
    if (f.at("properties").at("NOM_COM").as_string() == name) return f.at("geometry");
  ADD_FAILURE() << "no comuna " << name;
  return {};
}

void ApproveMember(TestDatabase& db, const std::string& user_id, const std::string& area) {
  db.Exec(
      "INSERT INTO memberships (id, user_id, area_code, address, home_lat, home_lon, id_type, "
      "id_number, status, created_ms) VALUES ('m-" +
      user_id + "', '" + user_id + "', '" + area +
      "', 'Calle 1', -33.5, -70.65, 'rut', '11111111-1', 'approved', 0)");
}

Reply Api::Call(const std::string& method, const std::string& target, const std::string& body,
                const std::string& token, const test::HeaderList& extra) const {
  test::HttpClient client("127.0.0.1", static_cast<uint16_t>(port_));
  test::HeaderList headers = extra;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  if (!body.empty() && !Names(extra, "Content-Type"))
    headers.emplace_back("Content-Type", "application/json");
  test::HttpResult r = client.Request(method, target, body, headers);
  Reply reply{r.status, r.body, r.headers};
  RecordReply(method, target, reply);
  return reply;
}

std::string Api::Login(const std::string& login, const std::string& password) const {
  Reply r = Call("POST", "/api/v1/auth/login", Obj({{"login", login}, {"password", password}}));
  if (r.status != 200) return "";
  return std::string(r.Json().at("token").as_string());
}

Account Api::Neighbour(const std::string& email, const std::string& name) const {
  Reply r = Call("POST", "/api/v1/auth/register",
                 Obj({{"email", email}, {"password", kPassword}, {"display_name", name}}));
  if (r.status != 201) return {};
  return {std::string(r.Json().at("id").as_string()), Login(email, kPassword)};
}

Account Api::Staff(const std::string& root, const std::string& email, json::array roles) const {
  Reply r =
      Call("POST", "/api/v1/users",
           Obj({{"email", email}, {"password", kPassword}, {"roles", std::move(roles)}}), root);
  if (r.status != 201) {
    ADD_FAILURE() << "creating " << email << ": " << r.status << " " << r.body;
    return {};
  }
  return {std::string(r.Json().at("id").as_string()), Login(email, kPassword)};
}

Account Api::Staff(const std::string& root, const std::string& email, const std::string& role,
                   const std::string& area) const {
  return Staff(root, email, json::array{json::object{{"role", role}, {"area", area}}});
}

void Api::AddArea(const std::string& root, json::object area) const {
  const std::string code = area.contains("code") ? json::serialize(area.at("code")) : "?";
  Reply r = Call("POST", "/api/v1/areas", Obj(area), root);
  EXPECT_EQ(r.status, 201) << "area " << code << ": " << r.body;
}

void Api::AddBoxAreas(const std::string& root, bool la_cisterna) const {
  AddArea(root, {{"code", "RM"},
                 {"name", "Región Metropolitana (test box)"},
                 {"kind", "region"},
                 {"geometry", Box(-70.80, -33.70, -70.50, -33.40)}});
  auto sector = [&](const char* code, const char* name, json::value box) {
    AddArea(root, {{"code", code},
                   {"name", name},
                   {"kind", "sector"},
                   {"parent", "RM"},
                   {"geometry", std::move(box)}});
  };
  sector("SM", "San Miguel (test box)", Box(-70.66, -33.51, -70.64, -33.48));
  if (la_cisterna) sector("LC", "La Cisterna (test box)", Box(-70.68, -33.55, -70.64, -33.52));
}

void Api::AddSouthSantiagoAreas(const std::string& root) const {
  AddArea(root, {{"code", "RM"},
                 {"name", "Región Metropolitana (test box)"},
                 {"kind", "region"},
                 {"agencies", json::array{"police", "fire", "medical", "municipal"}},
                 {"geometry", Box(-70.80, -33.70, -70.50, -33.40)}});
  for (auto [code, name] : {std::pair{"13130", "San Miguel"}, std::pair{"13109", "La Cisterna"}})
    AddArea(root, {{"code", code},
                   {"name", name},
                   {"kind", "sector"},
                   {"parent", "RM"},
                   {"agencies", json::array{"police", "medical"}},
                   {"geometry", ComunaGeometry(name)}});
}

std::vector<std::string> BurstThenKill(ServerProcess& server, int clients, int writes,
                                       const BurstWrite& write) {
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      try {
        test::HttpClient http("127.0.0.1", static_cast<uint16_t>(server.port()));
        for (int i = 0; !stop; ++i) {
          std::string key = write(c, i, http);
          ++sent;
          if (!key.empty()) {
            std::lock_guard lock(mu);
            acknowledged.push_back(std::move(key));
          }
        }
      } catch (...) {
        // the connection dies with the server: writes in flight were never acknowledged
      }
    });
  while (sent < writes) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server.Kill();
  stop = true;
  for (auto& t : threads) t.join();
  return acknowledged;
}

void Api::AddComunaSectors(const std::string& root, const json::object& extra) const {
  for (const auto& [code, name] :
       {std::pair{"13130", "San Miguel"}, std::pair{"13109", "La Cisterna"}}) {
    json::object area{{"code", code},
                      {"name", name},
                      {"kind", "sector"},
                      {"parent", "RM"},
                      {"geometry", ComunaGeometry(name)}};
    for (const auto& field : extra) area[field.key()] = field.value();
    AddArea(root, std::move(area));
  }
}

void StartDeployment(Deployment& d, const std::string& prefix, const std::string& backend,
                     std::vector<std::string> env) {
  d.dir = MakeTempDir(prefix + "-" + backend);
  d.db = std::make_unique<TestDatabase>(backend, d.dir);
  if (!d.db->available()) GTEST_SKIP() << d.db->reason();
  CommandResult add =
      RunCentinela({"user", "add", "--email", kRootLogin, "--password", kRootPassword, "--role",
                    "admin", "--db", d.db->url(), "--data-dir", d.dir});
  ASSERT_EQ(add.exit_code, 0) << add.output;
  const bool throttle_set = std::any_of(env.begin(), env.end(), [](const std::string& e) {
    return e.rfind(std::string(kLoginThrottle) + "=", 0) == 0;
  });
  if (!throttle_set) env.push_back(std::string(kLoginThrottle) + "=100000");
  d.server = std::make_unique<ServerProcess>(d.dir, d.db->url(), std::vector<std::string>{},
                                             std::move(env));
  ASSERT_TRUE(d.server->Start()) << d.server->output();
  d.root = Api(d.server->port()).Login(kRootLogin, kRootPassword);
  ASSERT_FALSE(d.root.empty());
}

void StopDeployment(Deployment& d) {
  if (d.server) d.server->Stop();
  d.server.reset();
  d.db.reset();
  if (!d.dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(d.dir, ec);
  }
}

void OwnDatabaseTest::SetUp() {
  dir_ = MakeTempDir("centinela-own-" + GetParam());
  db_ = std::make_unique<TestDatabase>(GetParam(), dir_);
  if (!db_->available()) GTEST_SKIP() << db_->reason();
}

void OwnDatabaseTest::TearDown() {
  db_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string Date(int64_t ms) {
  const auto days = std::chrono::sys_days(std::chrono::days(ms / 86'400'000));
  const std::chrono::year_month_day ymd(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t HourFromNowThisMonth() {
  const int64_t now = NowMs();
  const int64_t later = now + 3'600'000;
  return Date(later).substr(0, 7) == Date(now).substr(0, 7) ? later : now - 3'600'000;
}

void OwnDemoServerTest::SetUp() {
  OwnDatabaseTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  server_ = std::make_unique<ServerProcess>(
      dir_, db_->url(), std::vector<std::string>{"--demo"},
      std::vector<std::string>{"CENTINELA_REPORTS_MAX_PER_MINUTE=1000",
                               "CENTINELA_REPORTS_MAX_PER_DAY=1000",
                               "CENTINELA_MEMBERSHIPS_MAX_PER_DAY=1000",
                               "CENTINELA_AUTH_LOGIN_MAX_FAILURES_PER_IP=100000"});
  ASSERT_TRUE(server_->Start(60000)) << server_->output();
}

std::string OwnDemoServerTest::Login(const std::string& login, const std::string& password) {
  std::string token = api().Login(login, password);
  EXPECT_FALSE(token.empty()) << login;
  return token;
}

void OwnDemoServerTest::TearDown() {
  if (server_) server_->Stop();
  server_.reset();
  OwnDatabaseTest::TearDown();
}

}  // namespace centinela::testing
