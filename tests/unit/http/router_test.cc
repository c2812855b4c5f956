#include "http/router.h"

#include <gtest/gtest.h>

#include <string>

namespace centinela::http {
namespace {

// A handler that names itself in the response body, so tests can see which route won.
Handler Named(std::string name) {
  return [name](Request&, Reply reply) { reply(Response::Text(200, name)); };
}

std::string Invoke(const Router::Match& m, Request& req) {
  std::string got;
  (*m.handler)(req, [&got](Response r) { got = r.body; });
  return got;
}

Request Req(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(RouterTest, FillsPathParameters) {
  Router router;
  router.Add("GET", "/api/v1/areas/{code}/units/{unit}", Named("unit"));
  Request req = Req("GET", "/api/v1/areas/13130/units/M-4");
  auto m = router.Resolve(req);
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(req.Param("code"), "13130");
  EXPECT_EQ(req.Param("unit"), "M-4");
  EXPECT_EQ(req.route, "/api/v1/areas/{code}/units/{unit}");
  EXPECT_EQ(m.pattern, req.route);
  EXPECT_EQ(Invoke(m, req), "unit");
}

TEST(RouterTest, EmptyAndRepeatedSlashesAreIgnored) {
  Router router;
  router.Add("GET", "/a/b", Named("ab"));
  for (const char* path : {"/a/b", "/a/b/", "//a//b"}) {
    Request req = Req("GET", path);
    EXPECT_EQ(router.Resolve(req).outcome, Router::Outcome::kFound) << path;
  }
  Request root = Req("GET", "/");
  EXPECT_EQ(router.Resolve(root).outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, RootRoute) {
  Router router;
  router.Add("GET", "/", Named("root"));
  Request req = Req("GET", "/");
  auto m = router.Resolve(req);
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Invoke(m, req), "root");
}

TEST(RouterTest, LiteralBeatsParameterWhateverTheOrder) {
  for (bool literal_first : {false, true}) {
    Router router;
    if (literal_first) router.Add("GET", "/reports/new", Named("literal"));
    router.Add("GET", "/reports/{id}", Named("param"));
    if (!literal_first) router.Add("GET", "/reports/new", Named("literal"));

    Request lit = Req("GET", "/reports/new");
    auto m = router.Resolve(lit);
    ASSERT_EQ(m.outcome, Router::Outcome::kFound);
    EXPECT_EQ(Invoke(m, lit), "literal");
    EXPECT_TRUE(lit.path_params.empty());

    Request param = Req("GET", "/reports/42");
    m = router.Resolve(param);
    ASSERT_EQ(m.outcome, Router::Outcome::kFound);
    EXPECT_EQ(Invoke(m, param), "param");
    EXPECT_EQ(param.Param("id"), "42");
  }
}

TEST(RouterTest, EarlierLiteralDepthDecides) {
  Router router;
  router.Add("GET", "/a/{x}/c", Named("later-literal"));
  router.Add("GET", "/a/b/{y}", Named("earlier-literal"));
  Request req = Req("GET", "/a/b/c");
  auto m = router.Resolve(req);
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Invoke(m, req), "earlier-literal");
  EXPECT_EQ(req.Param("y"), "c");
  EXPECT_EQ(req.Param("x"), "");
}

TEST(RouterTest, RestParameterTakesTheRemainder) {
  Router router;
  router.Add("GET", "/static/{path...}", Named("static"));
  Request req = Req("GET", "/static/js/app.js");
  auto m = router.Resolve(req);
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(req.Param("path"), "js/app.js");

  Request one = Req("GET", "/static/index.html");
  ASSERT_EQ(router.Resolve(one).outcome, Router::Outcome::kFound);
  EXPECT_EQ(one.Param("path"), "index.html");

  Request none = Req("GET", "/static");  // {rest...} needs at least one segment
  EXPECT_EQ(router.Resolve(none).outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, ParameterBeatsRestAtTheSameDepth) {
  Router router;
  router.Add("GET", "/files/{path...}", Named("rest"));
  router.Add("GET", "/files/{name}", Named("param"));
  router.Add("GET", "/files/readme", Named("literal"));
  Request a = Req("GET", "/files/x");
  EXPECT_EQ(Invoke(router.Resolve(a), a), "param");
  Request b = Req("GET", "/files/x/y");
  EXPECT_EQ(Invoke(router.Resolve(b), b), "rest");
  EXPECT_EQ(b.Param("path"), "x/y");
  Request c = Req("GET", "/files/readme");
  EXPECT_EQ(Invoke(router.Resolve(c), c), "literal");
}

TEST(RouterTest, NotFoundVersusMethodNotAllowed) {
  Router router;
  router.Add("GET", "/reports/{id}", Named("get"));
  router.Add("DELETE", "/reports/{id}", Named("delete"));
  router.Add("POST", "/reports", Named("create"));

  Request missing = Req("GET", "/nothing/here");
  auto m = router.Resolve(missing);
  EXPECT_EQ(m.outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.allowed.empty());

  Request wrong = Req("PUT", "/reports/7");
  m = router.Resolve(wrong);
  ASSERT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.pattern, "/reports/{id}");
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "DELETE", "HEAD"}));

  Request post = Req("GET", "/reports");
  m = router.Resolve(post);
  ASSERT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"POST"}));
}

TEST(RouterTest, AllowListsEveryRouteThatMatchesThePath) {
  Router router;
  router.Add("GET", "/units/{id}", Named("get"));
  router.Add("POST", "/units/positions", Named("batch"));
  Request req = Req("DELETE", "/units/positions");
  auto m = router.Resolve(req);
  ASSERT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.pattern, "/units/positions");  // the most specific pattern names the 405
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "POST", "HEAD"}));

  // GET on the literal path falls back to the parameter route rather than a 405.
  Request get = Req("GET", "/units/positions");
  m = router.Resolve(get);
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(get.Param("id"), "positions");
}

TEST(RouterTest, HeadUsesGetUnlessHeadIsRouted) {
  Router router;
  router.Add("GET", "/health", Named("get"));
  router.Add("GET", "/feed", Named("feed-get"));
  router.Add("HEAD", "/feed", Named("feed-head"));

  Request head = Req("HEAD", "/health");
  auto m = router.Resolve(head);
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Invoke(m, head), "get");
  EXPECT_EQ(head.route, "/health");

  Request feed = Req("HEAD", "/feed");
  m = router.Resolve(feed);
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Invoke(m, feed), "feed-head");

  Request post = Req("POST", "/health");
  m = router.Resolve(post);
  ASSERT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "HEAD"}));
}

TEST(RouterTest, ResolveReplacesStaleParameters) {
  Router router;
  router.Add("GET", "/a/{x}", Named("a"));
  router.Add("GET", "/b/{y}", Named("b"));
  Request req = Req("GET", "/a/1");
  ASSERT_EQ(router.Resolve(req).outcome, Router::Outcome::kFound);
  req.path = "/b/2";
  ASSERT_EQ(router.Resolve(req).outcome, Router::Outcome::kFound);
  EXPECT_EQ(req.path_params.size(), 1u);
  EXPECT_EQ(req.Param("y"), "2");
  EXPECT_EQ(req.route, "/b/{y}");
}

TEST(RouterTest, FallbackServesUnmatchedGetAndHeadOnly) {
  Router router;
  router.Add("GET", "/api/v1/areas", Named("areas"));
  router.Add("POST", "/api/v1/reports", Named("post"));
  router.SetFallback(Named("fallback"));
  for (const char* path : {"/", "/console", "/assets/app-1a2b.js", "/api/v1/nope"}) {
    Request get = Req("GET", path);
    auto m = router.Resolve(get);
    ASSERT_EQ(m.outcome, Router::Outcome::kFound) << path;
    EXPECT_EQ(m.pattern, "*");
    EXPECT_EQ(get.route, "*");
    EXPECT_EQ(Invoke(m, get), "fallback");
    Request head = Req("HEAD", path);
    EXPECT_EQ(router.Resolve(head).outcome, Router::Outcome::kFound) << path;
  }
  // Real routes still win, other methods on unknown paths stay 404, and a path that
  // exists with other methods stays 405.
  Request areas = Req("GET", "/api/v1/areas");
  EXPECT_EQ(Invoke(router.Resolve(areas), areas), "areas");
  Request post = Req("POST", "/console");
  EXPECT_EQ(router.Resolve(post).outcome, Router::Outcome::kNotFound);
  Request get_reports = Req("GET", "/api/v1/reports");
  EXPECT_EQ(router.Resolve(get_reports).outcome, Router::Outcome::kMethodNotAllowed);
}

}  // namespace
}  // namespace centinela::http
