// WebFiles: the built web app served from a directory — types, caching rules, validators,
// the single-page-app fallback, and refusal of every way out of the directory.
#include "api/static_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace centinela::api {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string Header(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

class WebFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("centinela-web-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "dist";
    Write(root_ / "index.html", "<!doctype html><title>Centinela</title>");
    Write(root_ / "assets/index-AbC123.js", "console.log('app')");
    Write(root_ / "assets/index-AbC123.css", "body{}");
    Write(root_ / "sw.js", "self.addEventListener('fetch',()=>{})");
    Write(root_ / "manifest.webmanifest", "{\"name\":\"Centinela\"}");
    Write(root_ / "icon-192.png", "\x89PNG fake");
    Write(root_ / ".env", "SECRET=1");
    Write(base_ / "secret.txt", "TOP SECRET");
  }
  void TearDown() override { fs::remove_all(base_); }

  http::Response Get(const std::string& path,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request req;
    req.method = "GET";
    req.path = path;
    req.target = path;
    req.headers = std::move(headers);
    return WebFiles(root_.string()).Serve(req);
  }

  fs::path base_, root_;
};

TEST_F(WebFilesTest, IndexIsHtmlAndRevalidated) {
  http::Response r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, "<!doctype html><title>Centinela</title>");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
  EXPECT_FALSE(Header(r, "ETag").empty());
  EXPECT_NE(Header(r, "Last-Modified").find("GMT"), std::string::npos);
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Get("/index.html").body, r.body);
}

TEST_F(WebFilesTest, HashedAssetsAreImmutable) {
  http::Response js = Get("/assets/index-AbC123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  http::Response css = Get("/assets/index-AbC123.css");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Header(css, "Cache-Control"), "public, max-age=31536000, immutable");
}

TEST_F(WebFilesTest, ServiceWorkerManifestAndIconsAreNotImmutable) {
  http::Response sw = Get("/sw.js");
  EXPECT_EQ(sw.status, 200);
  EXPECT_EQ(Header(sw, "Cache-Control"), "no-cache");
  http::Response m = Get("/manifest.webmanifest");
  EXPECT_EQ(m.content_type, "application/manifest+json");
  EXPECT_EQ(Header(m, "Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/icon-192.png").content_type, "image/png");
}

TEST_F(WebFilesTest, ClientRoutesFallBackToIndex) {
  for (const char* path : {"/console", "/mine/3f2a", "/admin", "/login/"}) {
    http::Response r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache") << path;
  }
}

TEST_F(WebFilesTest, MissingFilesAndApiPathsAre404) {
  // A name with an extension is a file: HTML in its place would break the page.
  EXPECT_EQ(Get("/assets/index-Gone99.js").status, 404);
  EXPECT_EQ(Get("/favicon.ico").status, 404);
  http::Response api = Get("/api/v1/no-such-route");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.content_type, "application/json");
  EXPECT_NE(api.body.find("not_found"), std::string::npos);
  EXPECT_EQ(Get("/api").status, 404);
}

TEST_F(WebFilesTest, NoWayOutOfTheDirectory) {
  // Paths arrive percent-decoded, so "%2e%2e" is ".." here.
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/./index.html",
                           "/..", "/.env", "/assets/..\\..\\secret.txt", "/a/../../secret.txt"}) {
    http::Response r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << path;
  }
  // A symlink inside the directory that leads outside it.
  fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt");
  fs::create_directory_symlink(base_, root_ / "up");
  for (const char* path : {"/leak.txt", "/up/secret.txt"}) {
    http::Response r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << path;
  }
}

TEST_F(WebFilesTest, ConditionalRequestsAnswer304) {
  http::Response first = Get("/assets/index-AbC123.js");
  const std::string etag = Header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  http::Response again = Get("/assets/index-AbC123.js", {{"if-none-match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Header(again, "ETag"), etag);
  EXPECT_EQ(Header(again, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/assets/index-AbC123.js", {{"if-none-match", "\"other\", W/" + etag}}).status, 304);
  EXPECT_EQ(Get("/assets/index-AbC123.js", {{"if-none-match", "\"other\""}}).status, 200);

  const std::string modified = Header(first, "Last-Modified");
  EXPECT_EQ(Get("/assets/index-AbC123.js", {{"if-modified-since", modified}}).status, 304);
  EXPECT_EQ(Get("/assets/index-AbC123.js", {{"if-modified-since", "Thu, 01 Jan 1998 00:00:00 GMT"}}).status, 200);
  EXPECT_EQ(Get("/assets/index-AbC123.js", {{"if-modified-since", "yesterday"}}).status, 200);
  // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
  EXPECT_EQ(Get("/assets/index-AbC123.js", {{"if-none-match", "\"other\""}, {"if-modified-since", modified}}).status, 200);

  // A changed file gets a new validator.
  Write(root_ / "assets/index-AbC123.js", "console.log('changed, longer')");
  EXPECT_EQ(Get("/assets/index-AbC123.js", {{"if-none-match", etag}}).status, 200);
}

TEST_F(WebFilesTest, UnbuiltAppSaysHowToBuildIt) {
  http::Request req;
  req.method = "GET";
  req.path = "/";
  http::Response r = WebFiles((base_ / "nowhere").string()).Serve(req);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("make web"), std::string::npos);
}

TEST(ResolveWebDirTest, ConfiguredValueWinsThenSourceTree) {
  EXPECT_EQ(ResolveWebDir("/srv/web", "/src"), "/srv/web");
  const fs::path cwd = fs::current_path();
  const fs::path tmp = fs::temp_directory_path() / ("centinela-webdir-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  fs::current_path(tmp);
  EXPECT_EQ(ResolveWebDir("", "/src"), "/src/web/dist");
  Write(tmp / "web/dist/index.html", "x");
  EXPECT_EQ(ResolveWebDir("", "/src"), "web/dist");
  fs::current_path(cwd);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace centinela::api
