// /api/v1/media: upload a photo, video or audio clip as the raw request body, fetch it
// back. Who gets which copy is the MediaService's decision (see media/media.h).
#include "api/context.h"
#include "api/json.h"
#include "api/route.h"
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

void Upload(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  ctx.media->Upload(p.user_id, std::string(req.Header("content-type")), std::move(req.body),
                    [respond](Result<media::MediaInfo> m) {
                      if (!m.ok()) return respond(m.status());
                      http::Response r = JsonResponse(201, MediaJson(*m));
                      r.headers.emplace_back("Location", "/api/v1/media/" + m->id);
                      respond(std::move(r));
                    });
}

void Fetch(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<media::MediaContent> c = ctx.media->Fetch(p, req.Param("id"));
  if (!c.ok()) return respond(c.status());
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
  respond(std::move(r));
}

}  // namespace

void AddMediaRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.media != nullptr; });
  // A body limit makes the guard check the token from the header, before up to
  // MaxUploadBytes of body are read.
  t.Add("PUT", "/api/v1/media", AnyUser(), Upload).options = [](ApiContext& ctx) {
    http::RouteOptions o;
    o.max_body_bytes = ctx.media->MaxUploadBytes();
    return o;
  };
  t.Add("GET", "/api/v1/media/{id}", AnyUser(), Fetch);
}

}  // namespace centinela::api
