// /api/v1/categories and /api/v1/reports: neighbours' alerts. Every report leaving the
// server passes through community::Decide for the caller (coarse location, hidden
// reporter, invisible rows dropped, 404 for what the caller may not see).
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>

#include "api/attribution.h"
#include "api/comments_json.h"
#include "api/context.h"
#include "api/dispatch_json.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"
#include "common/hash.h"
#include "community/comments.h"
#include "community/render.h"
#include "community/reports.h"
#include "community/visibility.h"

namespace centinela::api {

namespace {

using community::Category;
using community::Location;
using community::Report;
using community::View;

const std::vector<auth::Role> kAdmin = {auth::Role::kAdmin};

std::optional<bool> BoolField(const json::object& o, std::string_view name, Status* error) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_bool()) {
    *error = Unprocessable("field '" + std::string(name) + "' must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

json::array StringArray(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

// ---- categories -------------------------------------------------------------------------

json::object CategoryJson(const Category& c) {
  return json::object{{"code", c.code},
                      {"family", c.family},
                      {"sensitivity", community::SensitivityName(c.sensitivity)},
                      {"priority", c.priority},
                      {"agencies", StringArray(c.agencies)},
                      {"labels", json::object{{"es", c.label_es}, {"en", c.label_en}}},
                      {"active", c.active}};
}

Result<community::CategoryPatch> ParseCategoryPatch(const json::object& o) {
  Status err;
  community::CategoryPatch p;
  p.family = StringField(o, "family", &err, 32);
  if (const json::value* labels = o.if_contains("labels")) {
    if (!labels->is_object()) return Unprocessable("field 'labels' must be an object {es, en}");
    p.label_es = StringField(labels->as_object(), "es", &err, 100);
    p.label_en = StringField(labels->as_object(), "en", &err, 100);
  }
  p.agencies = StringListField(o, "agencies", &err);
  if (!err.ok()) return err;
  if (auto pr = IntField(o, "priority", &err)) {
    if (*pr < 1 || *pr > 4) return Unprocessable("priority must be 1 (most urgent) to 4");
    p.priority = static_cast<int>(*pr);
  }
  if (auto s = StringField(o, "sensitivity", &err, 32)) {
    p.sensitivity = community::ParseSensitivity(*s);
    if (!p.sensitivity) return Unprocessable("sensitivity must be 'public' or 'restricted'");
  }
  p.active = BoolField(o, "active", &err);
  if (!err.ok()) return err;
  return p;
}

void ListCategories(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  json::array out;
  for (const Category& c : ctx.categories->List()) out.push_back(CategoryJson(c));
  respond(JsonResponse(200, json::object{{"categories", std::move(out)}}));
}

void CreateCategory(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string code = RequiredString(*body, "code", &err, 64);
  if (!err.ok()) return respond(err);
  auto patch = ParseCategoryPatch(*body);
  if (!patch.ok()) return respond(patch.status());
  Category c;
  c.code = code;
  c.family = patch->family.value_or("");
  c.label_es = patch->label_es.value_or("");
  c.label_en = patch->label_en.value_or("");
  c.agencies = patch->agencies.value_or(std::vector<std::string>{});
  if (!patch->priority)
    return respond(Unprocessable("field 'priority' is required"));
  if (!patch->sensitivity)
    return respond(Unprocessable("field 'sensitivity' is required"));
  c.priority = *patch->priority;
  c.sensitivity = *patch->sensitivity;
  c.active = patch->active.value_or(true);
  ctx.categories->Create(std::move(c), p.user_id, [respond](Result<Category> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(201, CategoryJson(*r)));
  });
}

void UpdateCategory(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  auto patch = ParseCategoryPatch(*body);
  if (!patch.ok()) return respond(patch.status());
  ctx.categories->Update(req.Param("code"), std::move(*patch), p.user_id,
                         [respond](Result<Category> r) {
                           if (!r.ok()) return respond(r.status());
                           respond(JsonResponse(200, CategoryJson(*r)));
                         });
}

// ---- reports ----------------------------------------------------------------------------

// A coordinate in plain decimal (shortest round-trip form): Boost.JSON 1.81 would write
// -33.496 as -3.3496E1.
json::value Number(RawJson& raw, double v) { return raw.Add(fmt::format("{}", v)); }

// The report as its variant allows, from the allow-list community::ReportFields() (coarse
// location and no address or accuracy for neighbours; the reporter as `who` names them).
json::object ReportJson(const community::VisibleReport& it, RawJson& raw, Attribution& who) {
  const Report& r = it.report;
  json::value reporter = who.Person(r.reporter_id, r.reporter_name, it);
  const community::ReportVariant variant = community::VariantOf(it.view, !reporter.is_null());
  const bool exact = community::IsExact(variant);
  auto value = [&](std::string_view k) -> json::value {
    if (k == "id") return json::value(r.id);
    if (k == "category") return json::value(r.category);
    if (k == "family") return json::value(r.family);
    if (k == "sensitivity") return json::value(community::SensitivityName(r.sensitivity));
    if (k == "priority") return json::value(r.priority);
    if (k == "lat") return Number(raw, r.lat);
    if (k == "lon") return Number(raw, r.lon);
    if (k == "location") return json::value(exact ? "exact" : "coarse");
    if (k == "anonymous") return json::value(r.anonymous);
    if (k == "share_with_family") return json::value(r.share_with_family);
    if (k == "areas") return StringArray(r.areas);
    if (k == "agencies") return StringArray(r.agencies);
    if (k == "status") return json::value(r.status);
    if (k == "confirmations") return json::value(r.confirmations);
    if (k == "comments") return json::value(r.comments);
    if (k == "media") return StringArray(r.media);
    if (k == "created_at") return json::value(FormatIsoTime(r.created_ms));
    if (k == "updated_at") return json::value(FormatIsoTime(r.updated_ms));
    if (k == "accuracy") return r.accuracy_m ? Number(raw, *r.accuracy_m) : json::value(nullptr);
    if (k == "address") return r.address.empty() ? json::value(nullptr) : json::value(r.address);
    if (k == "description")
      return r.description.empty() ? json::value(nullptr) : json::value(r.description);
    if (k == "reporter") return reporter;
    return json::value(nullptr);  // an allowed field without a value here: null
  };
  json::object o;
  for (const community::AllowedField& f : community::ReportFields()) {
    switch (f.rules[static_cast<size_t>(variant)]) {
      case community::FieldRule::kOmit:
        break;
      case community::FieldRule::kCopy:
        o[f.name] = value(f.name);
        break;
      case community::FieldRule::kNull:
        o[f.name] = nullptr;
        break;
      case community::FieldRule::kCoarseLat:
        o[f.name] = Number(raw, community::CoarsenLat(r.lat));
        break;
      case community::FieldRule::kCoarseLon:
        o[f.name] = Number(raw, community::CoarsenLon(r.lat, r.lon));
        break;
    }
  }
  return o;
}

Result<community::NewReport> ParseNewReport(const json::object& o) {
  Status err;
  community::NewReport n;
  n.category = RequiredString(o, "category", &err, 64);
  auto lat = NumberField(o, "lat", &err);
  auto lon = NumberField(o, "lon", &err);
  n.accuracy_m = NumberField(o, "accuracy", &err);
  n.address = StringField(o, "address", &err, community::kMaxAddressBytes).value_or("");
  n.description =
      StringField(o, "description", &err, 4 * community::kMaxDescriptionChars).value_or("");
  n.anonymous = BoolField(o, "anonymous", &err).value_or(false);
  n.share_with_family = BoolField(o, "share_with_family", &err).value_or(false);
  if (!err.ok()) return err;
  if (!lat || !lon) return Unprocessable("fields 'lat' and 'lon' are required");
  n.lat = *lat;
  n.lon = *lon;
  if (const json::value* m = o.if_contains("media"); m && !m->is_null()) {
    if (!m->is_array()) return Unprocessable("field 'media' must be an array of media ids");
    for (const json::value& id : m->as_array()) {
      if (!id.is_string()) return Unprocessable("field 'media' must be an array of media ids");
      n.media.emplace_back(id.get_string());
    }
  }
  return n;
}

http::Response Replay(int status, std::string body) {
  http::Response r = http::Response::Json(status, std::move(body));
  r.headers.emplace_back("Idempotent-Replay", "true");
  return r;
}

void CreateReport(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  std::string key(req.Header("idempotency-key"));
  if (key.size() > community::kMaxIdempotencyKeyBytes)
    return respond(InvalidArgument("Idempotency-Key is longer than 128 characters"));
  if (std::any_of(key.begin(), key.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return respond(InvalidArgument("Idempotency-Key holds control characters"));
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  auto report = ParseNewReport(*body);
  if (!report.ok()) return respond(report.status());
  auto& reports = *ctx.reports;
  const std::string user = p.user_id;
  std::string fingerprint = Sha256Hex(req.body);
  // A retry of an answered request is answered with the stored answer. Within the rate
  // budget the write itself finds it (its idempotency insert meets the stored row) and gives
  // the reservation back, so the common case costs no extra read; past the budget the
  // stored answer is looked up here, so a retry is never refused with 429.
  if (auto wait = reports.Reserve(user)) {
    if (!key.empty()) {
      auto stored = reports.FindIdempotent(user, key, fingerprint);
      if (!stored.ok()) return respond(stored.status());
      if (*stored) return respond(Replay((*stored)->status, (*stored)->body));
    }
    return respond(
        TooManyRequests("too many reports; retry in " + std::to_string(*wait) + " s", *wait));
  }
  community::CreateRequest cr;
  cr.user_id = user;
  cr.display_name = p.display_name;
  cr.report = std::move(*report);
  cr.idempotency_key = key;
  cr.fingerprint = std::move(fingerprint);
  reports.Create(
      std::move(cr),
      [](const Report& r) {
        // The reporter's own report: Decide's answer for its reporter.
        const community::VisibleReport own{r, View{true, Location::kExact, true, false}};
        RawJson raw;
        Attribution who;
        return raw.Serialize(ReportJson(own, raw, who));
      },
      [&reports, user, respond](Result<community::CreateOutcome> r) {
        if (!r.ok() || r->replay) reports.Release(user);
        if (!r.ok()) return respond(r.status());
        if (r->replay) return respond(Replay(r->status, std::move(r->body)));
        respond(http::Response::Json(r->status, std::move(r->body)));
      });
}

Result<community::ListQuery> ParseListQuery(const http::Request& req) {
  community::ListQuery q;
  q.area = QueryText(req, "area").value_or("");
  auto parts = QueryList(req, "bbox", 4);
  if (!parts.ok() || (!parts->empty() && parts->size() != 4))
    return InvalidArgument("'bbox' is minLon,minLat,maxLon,maxLat");
  if (!parts->empty()) {
    std::array<double, 4> box{};
    for (size_t i = 0; i < 4; ++i) {
      auto v = ParseNumber((*parts)[i], "bbox");
      if (!v.ok()) return v.status();
      box[i] = *v;
    }
    if (box[0] > box[2] || box[1] > box[3])
      return InvalidArgument("'bbox' min must not exceed max");
    q.bbox = box;
  }
  // Epoch milliseconds, any integer.
  constexpr int64_t kAny = std::numeric_limits<int64_t>::max();
  auto from = QueryInt(req, "from", -kAny, kAny);
  if (!from.ok()) return from.status();
  if (*from) q.from_ms = **from;
  auto to = QueryInt(req, "to", -kAny, kAny);
  if (!to.ok()) return to.status();
  if (*to) q.to_ms = **to;
  auto categories = QueryList(req, "category", 50);
  if (!categories.ok()) return categories.status();
  q.categories = *std::move(categories);
  q.status = QueryText(req, "status").value_or("");
  auto limit = QueryInt(req, "limit", 1, community::kMaxPageSize);
  if (!limit.ok()) return limit.status();
  if (*limit) q.limit = static_cast<int>(**limit);
  if (auto c = QueryText(req, "cursor")) {
    q.cursor = community::DecodeCursor(*c);
    if (!q.cursor) return InvalidArgument("'cursor' is not a cursor this server gave");
  }
  return q;
}

void ListReports(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond,
                 bool mine) {
  auto q = ParseListQuery(req);
  if (!q.ok()) return respond(q.status());
  q->mine = mine;
  auto viewer = ctx.reports->ViewerFor(p);
  if (!viewer.ok()) return respond(viewer.status());
  auto page = ctx.reports->List(*viewer, *q);
  if (!page.ok()) return respond(page.status());
  RawJson raw;
  Attribution who;
  json::array out;
  for (const auto& it : page->items) out.push_back(ReportJson(it, raw, who));
  json::object o{{"reports", std::move(out)}};
  o["next_cursor"] =
      page->next_cursor.empty() ? json::value(nullptr) : json::value(page->next_cursor);
  AnswerLogged(ctx, p.user_id, who, JsonResponse(200, o, &raw), std::move(respond));
}

void GetReport(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto viewer = ctx.reports->ViewerFor(p);
  if (!viewer.ok()) return respond(viewer.status());
  const std::string id = req.Param("id");
  auto found = ctx.reports->Get(*viewer, id);
  if (!found.ok()) return respond(found.status());
  if (!*found) return respond(NotFound("no report '" + id + "'"));
  const community::VisibleReport& item = **found;
  RawJson raw;
  Attribution who;
  json::object doc = ReportJson(item, raw, who);
  if (ctx.comments) {  // the first page of comments, filtered for this viewer
    auto thread = CommentThreadJson(ctx, *viewer, item, "", community::kDefaultCommentPage, who);
    if (!thread.ok()) return respond(thread.status());
    doc["thread"] = std::move(*thread);
  }
  // The public steps of the incident the report belongs to (internal ones never leave
  // the control room); whoever may see the report sees them.
  auto timeline = PublicTimelineJson(ctx, id);
  if (!timeline.ok()) return respond(timeline.status());
  doc["incident"] = *timeline ? json::value(std::move(**timeline)) : json::value(nullptr);
  AnswerLogged(ctx, p.user_id, who, JsonResponse(200, doc, &raw), std::move(respond));
}

}  // namespace

void AddReportRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.categories != nullptr && ctx.reports != nullptr; });
  t.Add("GET", "/api/v1/categories", AnyUser(), ListCategories);
  // Categories are global: editing them needs the all-areas admin grant.
  t.Add("POST", "/api/v1/categories", Roles(kAdmin, Global()), CreateCategory);
  t.Add("PATCH", "/api/v1/categories/{code}", Roles(kAdmin, Global()), UpdateCategory);
  // Who sees which report is community::Decide's answer, in the service.
  t.Add("POST", "/api/v1/reports", AnyUser(), CreateReport);
  t.Add("GET", "/api/v1/reports", AnyUser(), WithFlag(ListReports, false));
  t.Add("GET", "/api/v1/reports/mine", AnyUser(), WithFlag(ListReports, true));
  t.Add("GET", "/api/v1/reports/{id}", AnyUser(), GetReport);
}

}  // namespace centinela::api
