// The web app through the real binary: files from web.dir (CENTINELA_WEB_DIR) with their
// caching headers and validators, the single-page-app fallback for GET/HEAD only, API
// routes and unknown /api paths untouched, raw request targets that try to leave the
// directory, the client configuration endpoint, and the security headers on every kind of
// answer (no CORS headers, whatever the request's Origin).
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

// The policy the browser enforces (web/e2e fails on any violation it reports); here: that
// every kind of answer carries it, with the tile server of web.tile_url allowed.
constexpr char kPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob: https://tiles.example; media-src 'self' blob:; "
    "font-src 'self'; connect-src 'self' https://tiles.example; worker-src 'self' blob:; "
    "child-src 'self' blob:; frame-src 'none'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void ExpectSecurityHeaders(const HttpResult& r, const std::string& what) {
  EXPECT_EQ(r.Header("content-security-policy"), kPolicy) << what;
  EXPECT_EQ(r.Header("x-frame-options"), "DENY") << what;
  EXPECT_EQ(r.Header("referrer-policy"), "no-referrer") << what;
  EXPECT_EQ(r.Header("x-content-type-options"), "nosniff") << what;
  const std::string permissions = r.Header("permissions-policy");
  EXPECT_NE(permissions.find("geolocation=(self)"), std::string::npos)
      << what << ": " << permissions;
  EXPECT_NE(permissions.find("camera=(self)"), std::string::npos) << what << ": " << permissions;
  EXPECT_NE(permissions.find("usb=()"), std::string::npos) << what << ": " << permissions;
  EXPECT_EQ(r.Header("access-control-allow-origin"), "") << what;
  EXPECT_EQ(r.Header("access-control-allow-credentials"), "") << what;
}

TEST_F(WebServingTest, EveryAnswerCarriesTheSecurityHeaders) {
  const test::HeaderList cross = {{"Origin", "https://evil.example"}};
  struct Case {
    const char* target;
    int status;
  };
  for (const Case& c : {Case{"/", 200},                       // static file (index.html)
                        Case{"/assets/index-Zz9.js", 200},    // hashed asset
                        Case{"/console", 200},                // single-page-app fallback
                        Case{"/assets/missing-1.js", 404},    // static miss
                        Case{"/api/v1/config/client", 200},   // API JSON
                        Case{"/api/v1/no-such-thing", 404},   // error envelope
                        Case{"/api/v1/me", 401},              // authentication error
                        Case{"/healthz", 200},
                        Case{"/metrics", 200}}) {
    HttpResult r = Get(c.target, cross);
    EXPECT_EQ(r.status, c.status) << c.target << " " << r.error;
    ExpectSecurityHeaders(r, c.target);
  }

  HttpResult index = Get("/");
  HttpResult not_modified = Get("/", {{"If-None-Match", index.Header("etag")}});
  EXPECT_EQ(not_modified.status, 304);
  ExpectSecurityHeaders(not_modified, "304");

  // A CORS preflight gets no Access-Control-* answer: cross-origin callers are not served.
  HttpClient c("127.0.0.1", static_cast<uint16_t>(server_->port()));
  HttpResult preflight = c.Request("OPTIONS", "/api/v1/reports", {},
                                   {{"Origin", "https://evil.example"},
                                    {"Access-Control-Request-Method", "POST"}});
  EXPECT_GE(preflight.status, 400);
  ExpectSecurityHeaders(preflight, "preflight");
  EXPECT_EQ(preflight.Header("access-control-allow-methods"), "");

  // Answers the server writes before any route runs (a request it cannot parse).
  HttpResult malformed = Raw("/%zz");
  EXPECT_EQ(malformed.status, 400);
  ExpectSecurityHeaders(malformed, "malformed target");
  HttpClient big("127.0.0.1", static_cast<uint16_t>(server_->port()));
  HttpResult too_large = big.SendRaw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " +
                                     std::string(64 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(too_large.status, 431);
  ExpectSecurityHeaders(too_large, "header too large");
}

// The policy can only name an origin: a tile URL that is not one is refused at startup
// rather than leaving a blank map behind a CSP error in each browser.
TEST(WebTileUrlTest, ATileUrlWithoutAPlainOriginIsRefusedAtStartup) {
  const std::string dir = MakeTempDir("centinela-web-tiles");
  CommandResult r = RunCentinela(
      {"serve", "--data-dir", dir, "--listen", "127.0.0.1:" + std::to_string(FreePort())},
      {"CENTINELA_WEB_TILE_URL=https://{s}.tiles.example/{z}/{x}/{y}.png"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("web.tile_url must be a path on this server or an http(s) URL"),
            std::string::npos)
      << r.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace centinela::testing
