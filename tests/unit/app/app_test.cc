// The server started in-process (App), as `centinela serve` starts it: on a fresh SQLite
// data directory and an ephemeral port, it answers health, refuses a protected route
// without a token, lets a neighbour register, and stops cleanly (a second Stop is a no-op).
#include "app/app.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>

#include "common/hash.h"
#include "support/http_client.h"

namespace centinela::app {
namespace {

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/centinela-app-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Config TestConfig() const {
    char* env[] = {nullptr};
    Result<Config> c = Config::Load("", env);
    EXPECT_TRUE(c.ok());
    for (auto [key, value] : {std::pair{keys::kDataDir.name, dir_.c_str()},
                              std::pair{keys::kServerListen.name, "127.0.0.1:0"},
                              std::pair{keys::kTrackingOsmandListen.name, ""},
                              std::pair{keys::kAuthBenchFastPasswordHash.name, "true"},
                              std::pair{keys::kLogAccess.name, "false"}})
      EXPECT_TRUE(c->Set(key, value).ok()) << key;
    return *c;
  }

  std::string dir_;
};

TEST_F(AppTest, StartsServesAndStopsInProcess) {
  InitCrypto();
  Result<std::unique_ptr<App>> app = App::Start(TestConfig());
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  ASSERT_NE((*app)->port(), 0);
  EXPECT_EQ((*app)->backend(), "sqlite");
  EXPECT_EQ((*app)->osmand_port(), 0);  // tracking.osmand_listen empty: off
  test::HttpClient http("127.0.0.1", (*app)->port());
  test::HttpResult health = http.Request("GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(http.Request("GET", "/api/v1/me").status, 401);
  test::HttpResult reg = http.Request(
      "POST", "/api/v1/auth/register",
      R"({"email":"vecina@test.cl","password":"una-clave-larga","display_name":"Vecina"})");
  EXPECT_EQ(reg.status, 201) << reg.body;
  (*app)->Stop();
  (*app)->Stop();
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/centinela.db"));
}

TEST_F(AppTest, ABadListenAddressIsAnErrorNamingTheKey) {
  Config c = TestConfig();
  ASSERT_TRUE(c.Set(keys::kServerListen.name, "no-port-here").ok());
  Result<std::unique_ptr<App>> app = App::Start(c);
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().message().find("server.listen"), std::string::npos) << app.status().ToString();
}

}  // namespace
}  // namespace centinela::app
