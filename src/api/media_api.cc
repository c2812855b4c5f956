// /api/v1/media: upload a photo, video or audio clip as the raw request body, fetch it
// back. Who gets which copy is the MediaService's decision (see media/media.h).
#include "api/context.h"
#include "api/json.h"
#include "media/media.h"

namespace centinela::api {

namespace {

json::object MediaJson(const media::MediaInfo& m) {
  return json::object{{"id", m.id},
                      {"content_type", m.content_type},
                      {"bytes", m.bytes},
                      {"sha256", m.sha256},
                      {"created_at", FormatIsoTime(m.created_ms)}};
}

void Upload(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  ctx.media->Upload(p->user_id, std::string(req.Header("content-type")), std::move(req.body),
                    [reply](Result<media::MediaInfo> m) {
                      if (!m.ok()) return reply(http::Response::Error(m.status()));
                      http::Response r = JsonResponse(201, MediaJson(*m));
                      r.headers.emplace_back("Location", "/api/v1/media/" + m->id);
                      reply(std::move(r));
                    });
}

void Fetch(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  Result<media::MediaContent> c = ctx.media->Fetch(*p, req.Param("id"));
  if (!c.ok()) return reply(http::Response::Error(c.status()));
  const std::string etag = "\"" + c->sha256 + "\"";
  http::Response r;
  if (req.Header("if-none-match") == etag) {
    r.status = 304;
    r.content_type.clear();
  } else {
    r.status = 200;
    r.content_type = c->content_type;
    r.body = std::move(c->data);
  }
  // private: the answer depends on who asks (original or stripped copy).
  r.headers.emplace_back("Cache-Control", "private, max-age=3600");
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Vary", "Authorization");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply(std::move(r));
}

}  // namespace

void AddMediaRoutes(http::Router& r, ApiContext& ctx) {
  if (ctx.media == nullptr) return;
  // The token is checked from the header, before up to MaxUploadBytes of body are read.
  http::RouteOptions upload;
  upload.max_body_bytes = ctx.media->MaxUploadBytes();
  upload.check_header = [&ctx](const http::Request& q) -> Status {
    const std::string token = BearerToken(q);
    if (token.empty())
      return Unauthenticated("missing bearer token (Authorization: Bearer <token>)");
    Result<auth::Principal> p = ctx.accounts.Authenticate(token);
    return p.ok() ? Status::Ok() : p.status();
  };
  r.Add(
      "PUT", "/api/v1/media",
      [&ctx](http::Request& q, http::Reply y) { Upload(ctx, q, std::move(y)); }, upload);
  r.Add("GET", "/api/v1/media/{id}",
        [&ctx](http::Request& q, http::Reply y) { Fetch(ctx, q, std::move(y)); });
}

}  // namespace centinela::api
