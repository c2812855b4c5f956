// The server started in-process (App), as `centinela serve` starts it: on a fresh SQLite
// data directory and an ephemeral port, it answers health, refuses a protected route
// without a token, lets a neighbour register, and stops cleanly (a second Stop is a no-op).
#include "app/app.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>

#include "common/hash.h"
#include "support/faulty_env.h"
#include "support/http_client.h"
#include "support/jpeg_fixture.h"

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

// The disk refuses an fsync: the server answers the write with an error envelope that
// carries no internal text, and nothing of it is there afterwards. For the store (a
// registration whose commit's WAL sync fails) and for media (an upload whose file sync
// fails).
TEST_F(AppTest, AWriteWhoseFsyncFailsIsAnsweredWithAnErrorAndNotAcknowledged) {
  InitCrypto();
  test::FaultyEnv env;
  AppOptions options;
  options.env = &env;
  Result<std::unique_ptr<App>> app = App::Start(TestConfig(), options);
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  test::HttpClient http("127.0.0.1", (*app)->port());
  const std::string body =
      R"({"email":"perdida@test.cl","password":"una-clave-larga","display_name":"Perdida"})";
  const std::string login = R"({"email":"perdida@test.cl","password":"una-clave-larga"})";

  env.FailSyncsOf("-wal");
  test::HttpResult refused = http.Request("POST", "/api/v1/auth/register", body);
  EXPECT_GE(refused.status, 500) << refused.body;
  EXPECT_NE(refused.body.find("\"error\""), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("fsync"), std::string::npos) << "internal text reached the client";
  EXPECT_EQ(refused.body.find("sqlite"), std::string::npos) << "internal text reached the client";
  EXPECT_GT(env.failed(), 0);
  env.FailSyncsOf("");
  EXPECT_EQ(http.Request("POST", "/api/v1/auth/login", login).status, 401)
      << "the refused registration exists";
  test::HttpResult reg = http.Request("POST", "/api/v1/auth/register", body);
  ASSERT_EQ(reg.status, 201) << reg.body;
  test::HttpResult signed_in = http.Request("POST", "/api/v1/auth/login", login);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string token =
      std::string(boost::json::parse(signed_in.body).as_object().at("token").as_string());
  const test::HeaderList auth = {{"Authorization", "Bearer " + token},
                                 {"Content-Type", "image/jpeg"}};
  const std::string jpeg = test::ReadTestJpeg();
  ASSERT_FALSE(jpeg.empty());

  env.FailSyncsOf("/media/");
  test::HttpResult upload = http.Request("PUT", "/api/v1/media", jpeg, auth);
  EXPECT_GE(upload.status, 500) << upload.body;
  EXPECT_EQ(upload.body.find("fsync"), std::string::npos) << "internal text reached the client";
  env.FailSyncsOf("");
  // Nothing of the refused upload is left in the media directory but empty folders.
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ + "/media"))
    if (e.is_regular_file()) ++files;
  EXPECT_EQ(files, 0) << "the refused upload left a file";
  test::HttpResult again = http.Request("PUT", "/api/v1/media", jpeg, auth);
  EXPECT_EQ(again.status, 201) << again.body;
  (*app)->Stop();
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
