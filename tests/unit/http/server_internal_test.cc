#include "http/server_internal.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace centinela::http::internal {
namespace {

TEST(ParseTargetTest, DecodesPathAndQuery) {
  Request req;
  ASSERT_TRUE(
      ParseTarget("/api/v1/areas/San%20Miguel?kind=precinct&q=a+b%26c&kind=other&flag", &req).ok());
  EXPECT_EQ(req.path, "/api/v1/areas/San Miguel");
  EXPECT_EQ(req.Query("kind"), "precinct");  // first occurrence wins
  EXPECT_EQ(req.Query("q"), "a b&c");
  EXPECT_TRUE(req.query.count("flag"));
  EXPECT_EQ(req.Query("flag", "x"), "");
}

TEST(ParseTargetTest, AbsoluteFormAndEmptyPath) {
  Request req;
  ASSERT_TRUE(ParseTarget("http://example.org/a/b?x=1", &req).ok());
  EXPECT_EQ(req.path, "/a/b");
  EXPECT_EQ(req.Query("x"), "1");
  ASSERT_TRUE(ParseTarget("http://example.org", &req).ok());
  EXPECT_EQ(req.path, "/");
  EXPECT_TRUE(req.query.empty());
}

TEST(ParseTargetTest, RejectsMalformedTargets) {
  for (const char* bad : {"", "*", "a/b", "/a b", "/%zz", "/%00", "ftp://x/y", "/a?b=%"}) {
    Request req;
    Status s = ParseTarget(bad, &req);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
  }
}

TEST(MethodLabelTest, BoundsTheLabelSet) {
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("PATCH"), "PATCH");
  EXPECT_EQ(MethodLabel("BREW"), "OTHER");
  EXPECT_EQ(MethodLabel(""), "OTHER");
}

TEST(IsSafeHeaderTest, RejectsResponseSplitting) {
  EXPECT_TRUE(IsSafeHeader("Retry-After", "30"));
  EXPECT_TRUE(IsSafeHeader("X-Request-Id", "abc def"));
  EXPECT_FALSE(IsSafeHeader("X-A", "1\r\nSet-Cookie: x=1"));
  EXPECT_FALSE(IsSafeHeader("X-A", std::string("a\0b", 3)));
  EXPECT_FALSE(IsSafeHeader("Bad Name", "1"));
  EXPECT_FALSE(IsSafeHeader("", "1"));
}

TEST(WithRequestIdTest, AddsTheIdToAnErrorEnvelopeOnly) {
  const std::string env = centinela::http::Response::Error(centinela::Internal("secret detail")).body;
  boost::json::object o = boost::json::parse(WithRequestId(env, "ab12-7")).as_object();
  EXPECT_EQ(o.at("error").at("request_id").as_string(), "ab12-7");
  EXPECT_EQ(o.at("error").at("message").as_string(), "internal error");
  EXPECT_EQ(WithRequestId("{\"ok\":true}", "ab12-7"), "{\"ok\":true}");
  EXPECT_EQ(WithRequestId(env, ""), env);
}

TEST(AccessLogLineTest, IsOneJsonObjectWithTheDocumentedFields) {
  AccessEntry e;
  e.time_ms = 1'700'000'000'123;
  e.method = "POST";
  e.path = "/api/v1/reports/\"x\"";
  e.route = "/api/v1/reports/{id}";
  e.status = 201;
  e.bytes = 17;
  e.duration_ms = 1.5;
  e.ip = "127.0.0.1";
  const std::string line = AccessLogLine(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  boost::json::object o = boost::json::parse(line).as_object();
  EXPECT_EQ(o.at("time").as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(o.at("method").as_string(), "POST");
  EXPECT_EQ(o.at("path").as_string(), "/api/v1/reports/\"x\"");
  EXPECT_EQ(o.at("route").as_string(), "/api/v1/reports/{id}");
  EXPECT_EQ(o.at("status").as_int64(), 201);
  EXPECT_EQ(o.at("bytes").as_int64(), 17);
  EXPECT_DOUBLE_EQ(o.at("duration_ms").as_double(), 1.5);
  EXPECT_EQ(o.at("ip").as_string(), "127.0.0.1");
  EXPECT_EQ(o.size(), 8u);
}

}  // namespace
}  // namespace centinela::http::internal
