#include "common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

namespace centinela {
namespace {

TEST(StatusTest, EveryCodeMapsToItsHttpStatusAndName) {
  struct Row {
    Code code;
    int http;
    const char* name;
  };
  const Row rows[] = {
      {Code::kOk, 200, "ok"},
      {Code::kInvalidArgument, 400, "bad_request"},
      {Code::kUnauthenticated, 401, "unauthenticated"},
      {Code::kPermissionDenied, 403, "forbidden"},
      {Code::kNotFound, 404, "not_found"},
      {Code::kMethodNotAllowed, 405, "method_not_allowed"},
      {Code::kConflict, 409, "conflict"},
      {Code::kPayloadTooLarge, 413, "payload_too_large"},
      {Code::kUnsupportedMedia, 415, "unsupported_media_type"},
      {Code::kUnprocessable, 422, "unprocessable"},
      {Code::kRateLimited, 429, "rate_limited"},
      {Code::kInternal, 500, "internal"},
      {Code::kUnavailable, 503, "unavailable"},
  };
  std::set<std::string> names;
  for (const Row& r : rows) {
    EXPECT_EQ(HttpStatus(r.code), r.http) << r.name;
    EXPECT_EQ(CodeName(r.code), r.name);
    names.insert(std::string(CodeName(r.code)));
  }
  EXPECT_EQ(names.size(), std::size(rows)) << "names must be distinct";
}

TEST(StatusTest, OkAndErrors) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "ok");
  EXPECT_TRUE(Status::Ok().ok());

  Status nf = NotFound("no such area");
  EXPECT_FALSE(nf.ok());
  EXPECT_EQ(nf.code(), Code::kNotFound);
  EXPECT_EQ(nf.message(), "no such area");
  EXPECT_EQ(nf.ToString(), "not_found: no such area");

  EXPECT_EQ(InvalidArgument("x").code(), Code::kInvalidArgument);
  EXPECT_EQ(Unauthenticated("x").code(), Code::kUnauthenticated);
  EXPECT_EQ(PermissionDenied("x").code(), Code::kPermissionDenied);
  EXPECT_EQ(Conflict("x").code(), Code::kConflict);
  EXPECT_EQ(Unprocessable("x").code(), Code::kUnprocessable);
  EXPECT_EQ(RateLimited("x").code(), Code::kRateLimited);
  EXPECT_EQ(Internal("x").code(), Code::kInternal);
  EXPECT_EQ(Unavailable("x").code(), Code::kUnavailable);
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> v = 42;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 42);
  EXPECT_EQ(v.value(), 42);
  EXPECT_TRUE(v.status().ok());

  Result<int> e = Conflict("taken");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kConflict);
  EXPECT_EQ(e.status().message(), "taken");
}

TEST(ResultTest, OkStatusWithoutValueBecomesInternal) {
  Result<int> r = Status::Ok();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

TEST(ResultTest, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);

  Result<std::string> s = std::string("abc");
  EXPECT_EQ(s->size(), 3u);
}

}  // namespace
}  // namespace centinela
