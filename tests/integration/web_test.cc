// The web app through the real binary: files from web.dir (CENTINELA_WEB_DIR) with their
// caching headers and validators, the single-page-app fallback for GET/HEAD only, API
// routes and unknown /api paths untouched, raw request targets that try to leave the
// directory, and the client configuration endpoint.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "server_process.h"
#include "support/http_client.h"

namespace centinela::testing {
namespace {

namespace fs = std::filesystem;
using test::HttpClient;
using test::HttpResult;

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class WebServingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = MakeTempDir("centinela-web-it");
    web_ = dir_ + "/site/dist";
    Write(fs::path(web_) / "index.html", "<!doctype html><title>Centinela</title>");
    Write(fs::path(web_) / "assets/index-Zz9.js", "console.log(1)");
    Write(fs::path(web_) / "sw.js", "// sw");
    Write(fs::path(dir_) / "site/secret.txt", "TOP SECRET");
    server_ = new ServerProcess(dir_ + "/data", "", {},
                                {"CENTINELA_WEB_DIR=" + web_,
                                 "CENTINELA_WEB_TILE_URL=https://tiles.example/{z}/{x}/{y}.png"});
    ASSERT_TRUE(server_->Start()) << server_->output();
  }
  static void TearDownTestSuite() {
    if (server_) server_->Stop();
    delete server_;
    server_ = nullptr;
    fs::remove_all(dir_);
  }
  HttpResult Get(const std::string& target, const test::HeaderList& headers = {}) {
    HttpClient c("127.0.0.1", static_cast<uint16_t>(server_->port()));
    return c.Request("GET", target, {}, headers);
  }
  // Sends the target byte for byte (no client-side normalisation of "..").
  HttpResult Raw(const std::string& target) {
    HttpClient c("127.0.0.1", static_cast<uint16_t>(server_->port()));
    return c.SendRaw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  }

  static inline std::string dir_, web_;
  static inline ServerProcess* server_ = nullptr;
};

TEST_F(WebServingTest, ServesTheAppWithItsCachingRules) {
  HttpResult index = Get("/");
  ASSERT_EQ(index.status, 200) << index.error;
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.Header("cache-control"), "no-cache");
  EXPECT_EQ(index.body, "<!doctype html><title>Centinela</title>");
  const std::string etag = index.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_FALSE(index.Header("last-modified").empty());

  HttpResult again = Get("/", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  HttpResult js = Get("/assets/index-Zz9.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/sw.js").Header("cache-control"), "no-cache");

  HttpClient c("127.0.0.1", static_cast<uint16_t>(server_->port()));
  HttpResult head = c.Request("HEAD", "/assets/index-Zz9.js");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(WebServingTest, ClientRoutesGetIndexOnlyForGetAndHead) {
  HttpResult page = Get("/console?x=1");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(Get("/mine/abc").status, 200);
  EXPECT_EQ(Get("/assets/missing-1.js").status, 404);

  HttpClient c("127.0.0.1", static_cast<uint16_t>(server_->port()));
  HttpResult post = c.Request("POST", "/console", "{}");
  EXPECT_EQ(post.status, 404);
}

TEST_F(WebServingTest, ApiRoutesAreUntouched) {
  HttpResult health = Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Header("content-type"), "application/json");
  HttpResult unknown = Get("/api/v1/no-such-thing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Header("content-type"), "application/json");
  EXPECT_NE(unknown.body.find("\"not_found\""), std::string::npos);
  EXPECT_EQ(Get("/api/v1/me").status, 401);  // a real route still wants its token

  HttpResult cfg = Get("/api/v1/config/client");
  EXPECT_EQ(cfg.status, 200);
  EXPECT_NE(cfg.body.find("\"tile_url\":\"https://tiles.example/{z}/{x}/{y}.png\""), std::string::npos)
      << cfg.body;
}

TEST_F(WebServingTest, RawTargetsCannotLeaveTheDirectory) {
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt",
                             "/%2e%2e%5csecret.txt", "//../secret.txt"}) {
    HttpResult r = Raw(target);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << target << " -> " << r.status;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << target;
  }
}

}  // namespace
}  // namespace centinela::testing
