// Comments, "I saw it too" confirmations, flags and comment moderation. Every route first
// finds the report through ReportService::Get (community::Decide for the caller): a report
// the caller may not see answers 404, exactly like an unknown one.
#include <algorithm>
#include <memory>

#include "api/attribution.h"
#include "api/comments_json.h"
#include "api/context.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"
#include "community/comments.h"
#include "community/reports.h"

namespace centinela::api {

namespace {

using community::Comment;
using community::CommentService;
using community::VisibleReport;

struct Seen {
  community::Viewer viewer;
  VisibleReport report;
};

// The report `id` as the caller sees it; otherwise answers 404 (invisible or unknown) or
// the error, and returns nullopt.
std::optional<Seen> SeeReport(ApiContext& ctx, const auth::Principal& p, const std::string& id,
                              const Respond& respond) {
  auto viewer = ctx.reports->ViewerFor(p);
  if (!viewer.ok()) {
    respond(viewer.status());
    return std::nullopt;
  }
  auto found = ctx.reports->Get(*viewer, id);
  if (!found.ok()) {
    respond(found.status());
    return std::nullopt;
  }
  if (!*found) {
    respond(NotFound("no report '" + id + "'"));
    return std::nullopt;
  }
  return Seen{std::move(*viewer), std::move(**found)};
}

// A comment on `about` as `v` shows it; the people it names as `who` decides.
json::object CommentJsonFor(const Comment& c, const community::CommentView& v, bool moderator,
                            const VisibleReport& about, Attribution& who) {
  json::object o{{"id", c.id},
                 {"report_id", c.report_id},
                 {"body", c.body},
                 {"by_reporter", v.by_reporter},
                 {"created_ms", c.created_ms}};
  o["author"] = who.Person(c.author_id, c.author_name, about);
  if (moderator) {
    o["hidden"] = c.hidden;
    if (c.hidden) {
      o["hidden_reason"] = c.hidden_reason;
      o["hidden_by"] = who.PersonId(c.hidden_by, about);
    }
  }
  return o;
}

void AddComment(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto seen = SeeReport(ctx, p, req.Param("id"), respond);
  if (!seen) return;
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string text = RequiredString(*body, "body", &err, 8 * community::kMaxCommentChars);
  if (!err.ok()) return respond(err);
  if (Status v = community::ValidateCommentBody(text); !v.ok())
    return respond(v);
  CommentService& comments = *ctx.comments;
  const std::string user = p.user_id;
  if (auto wait = comments.Reserve(user)) {
    return respond(
        TooManyRequests("too many comments; retry in " + std::to_string(*wait) + " s", *wait));
  }
  const bool moderator = community::Moderates(seen->viewer, seen->report.report);
  auto report = std::make_shared<VisibleReport>(seen->report);
  comments.Add(user, p.display_name, report->report, std::move(text),
               [&ctx, &comments, user, report, moderator, respond](Result<Comment> c) {
                 if (!c.ok()) {
                   comments.Release(user);
                   return respond(c.status());
                 }
                 auto v = community::DecideComment(*c, report->report, report->view, moderator);
                 Attribution who;
                 http::Response ok =
                     JsonResponse(201, CommentJsonFor(*c, v, moderator, *report, who));
                 AnswerLogged(ctx, user, who, std::move(ok), respond);
               });
}

void ListComments(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto seen = SeeReport(ctx, p, req.Param("id"), respond);
  if (!seen) return;
  auto limit = QueryInt(req, "limit", 1, community::kMaxCommentPage);
  if (!limit.ok()) return respond(limit.status());
  const std::string cursor = QueryText(req, "cursor").value_or("");
  Attribution who;
  auto thread = CommentThreadJson(ctx, seen->viewer, seen->report, cursor,
                                  static_cast<int>(limit->value_or(community::kDefaultCommentPage)),
                                  who);
  if (!thread.ok()) return respond(thread.status());
  AnswerLogged(ctx, p.user_id, who, JsonResponse(200, *thread), std::move(respond));
}

void Confirm(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto seen = SeeReport(ctx, p, req.Param("id"), respond);
  if (!seen) return;
  const std::string id = seen->report.report.id;
  const int64_t before = seen->report.report.confirmations;
  ctx.comments->Confirm(p.user_id, seen->report.report, [id, before, respond](Result<bool> r) {
    if (!r.ok()) return respond(r.status());
    // A repeated confirmation is not an error: the phone retried, the answer is the same.
    respond(JsonResponse(*r ? 200 : 201, json::object{{"report_id", id},
                                                    {"confirmed", true},
                                                    {"already", *r},
                                                    {"confirmations", *r ? before : before + 1}}));
  });
}

void RaiseFlag(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string target_text = RequiredString(*body, "target", &err, 100);
  std::string reason = RequiredString(*body, "reason", &err, 8 * community::kMaxFlagReasonChars);
  if (!err.ok()) return respond(err);
  auto target = community::ParseFlagTarget(target_text);
  if (!target)
    return respond(
        http::Response::Error(Unprocessable("target must be \"comment:<id>\" or \"report:<id>\"")));
  std::string report_id = target->id;
  if (target->kind == community::FlagTarget::Kind::kComment) {
    auto c = ctx.comments->Get(target->id);
    if (!c.ok()) return respond(c.status());
    if (!*c) return respond(NotFound("no comment '" + target->id + "'"));
    report_id = (*c)->report_id;
    auto seen = SeeReport(ctx, p, report_id, respond);
    if (!seen) return;
    if ((*c)->hidden && !community::Moderates(seen->viewer, seen->report.report))
      return respond(NotFound("no comment '" + target->id + "'"));
    return ctx.comments->Flag(
        p.user_id, target_text, std::move(reason), seen->report.report,
        [target_text, respond](Result<bool> r) {
          if (!r.ok()) return respond(r.status());
          respond(
              JsonResponse(*r ? 200 : 201, json::object{{"target", target_text}, {"already", *r}}));
        });
  }
  auto seen = SeeReport(ctx, p, report_id, respond);
  if (!seen) return;
  ctx.comments->Flag(
      p.user_id, target_text, std::move(reason), seen->report.report,
      [target_text, respond](Result<bool> r) {
        if (!r.ok()) return respond(r.status());
        respond(JsonResponse(*r ? 200 : 201, json::object{{"target", target_text}, {"already", *r}}));
      });
}

void Moderate(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond, bool hide) {
  const std::string id = req.Param("id");
  auto c = ctx.comments->Get(id);
  if (!c.ok()) return respond(c.status());
  if (!*c) return respond(NotFound("no comment '" + id + "'"));
  auto seen = SeeReport(ctx, p, (*c)->report_id, respond);
  if (!seen) return;
  if (!community::Moderates(seen->viewer, seen->report.report))
    return respond(
        PermissionDenied("hiding comments needs an operator or admin grant over the report"));
  std::string reason;
  if (hide) {
    Result<json::object> body = ParseBody(req);
    if (!body.ok()) return respond(body.status());
    Status err;
    reason = RequiredString(*body, "reason", &err, 8 * community::kMaxHideReasonChars);
    if (!err.ok()) return respond(err);
  }
  auto report = std::make_shared<VisibleReport>(seen->report);
  const std::string reader = p.user_id;
  ctx.comments->SetHidden(
      p.user_id, **c, report->report, hide, std::move(reason),
      [&ctx, reader, report, respond](Result<Comment> r) {
        if (!r.ok()) return respond(r.status());
        auto v = community::DecideComment(*r, report->report, report->view, true);
        Attribution who;
        http::Response ok = JsonResponse(200, CommentJsonFor(*r, v, true, *report, who));
        AnswerLogged(ctx, reader, who, std::move(ok), respond);
      });
}

const std::vector<auth::Role> kModerators = {auth::Role::kOperator, auth::Role::kAdmin};

// A flag queue entry; the moderator who resolved it as `who` names them against the
// flagged report (`about`, the caller's view of it).
json::object FlagJson(const community::FlagSummary& f, const VisibleReport& about,
                      Attribution& who) {
  auto target = community::ParseFlagTarget(f.target);
  const bool comment = target && target->kind == community::FlagTarget::Kind::kComment;
  json::object o{{"target", f.target},
                 {"kind", comment ? "comment" : "report"},
                 {"target_id", target ? target->id : std::string()},
                 {"report_id", f.report_id},
                 {"count", f.count},
                 {"reason", f.reason},
                 {"first_ms", f.first_ms},
                 {"last_ms", f.last_ms},
                 {"status", f.resolution.empty() ? "open" : "resolved"}};
  o["resolution"] = f.resolution.empty() ? json::value(nullptr) : json::value(f.resolution);
  o["resolved_by"] = who.PersonId(f.resolved_by, about);
  o["resolved_ms"] = f.resolved_ms ? json::value(f.resolved_ms) : json::value(nullptr);
  return o;
}

// GET /api/v1/flags?status=open|resolved&area=CODE&cursor=&limit=: the flagged targets of
// the reports in an area the caller moderates, latest flag first, with the flagged comment.
// The people an entry names (the comment's author, who resolved it) are decided against the
// flagged report as the caller sees it: the anonymous reporter's comment stays anonymous.
void ListFlags(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto required = QueryRequired(req, "area");
  if (!required.ok()) return respond(required.status());
  const std::string& area = *required;
  auto status = QueryChoice(req, "status", {"open", "resolved"}, "open");
  if (!status.ok()) return respond(status.status());
  if (Status s = CoverArea(ctx, p, kModerators, area); !s.ok()) return respond(s);
  auto limit = QueryInt(req, "limit", 1, community::kMaxFlagPage);
  if (!limit.ok()) return respond(limit.status());
  auto page = ctx.comments->ListFlags(
      area, *status == "resolved", QueryText(req, "cursor").value_or(""),
      static_cast<int>(limit->value_or(community::kDefaultFlagPage)));
  if (!page.ok()) return respond(page.status());
  auto viewer = ctx.reports->ViewerFor(p);
  if (!viewer.ok()) return respond(viewer.status());
  std::vector<std::string> report_ids;
  for (const community::FlagSummary& f : page->items) report_ids.push_back(f.report_id);
  auto reports = ctx.reports->Decided(*viewer, report_ids);
  if (!reports.ok()) return respond(reports.status());
  Attribution who;
  json::array out;
  for (const community::FlagSummary& f : page->items) {
    auto about = std::find_if(reports->begin(), reports->end(),
                              [&f](const VisibleReport& r) { return r.report.id == f.report_id; });
    // Reports are never deleted, so every flag's report is found; were one missing, its
    // entry would be left out rather than name anyone undecided.
    if (about == reports->end()) continue;
    json::object o = FlagJson(f, *about, who);
    auto target = community::ParseFlagTarget(f.target);
    if (target && target->kind == community::FlagTarget::Kind::kComment) {
      auto c = ctx.comments->Get(target->id);
      if (!c.ok()) return respond(c.status());
      if (*c) {
        o["comment"] = json::object{{"body", (*c)->body},
                                    {"author_id", who.PersonId((*c)->author_id, *about)},
                                    {"by_reporter", (*c)->author_id == about->report.reporter_id},
                                    {"hidden", (*c)->hidden},
                                    {"created_ms", (*c)->created_ms}};
      }
    }
    out.push_back(std::move(o));
  }
  json::object body{{"flags", std::move(out)}};
  body["next_cursor"] =
      page->next_cursor.empty() ? json::value(nullptr) : json::value(page->next_cursor);
  AnswerLogged(ctx, p.user_id, who, JsonResponse(200, std::move(body)), std::move(respond));
}

// POST /api/v1/flags/resolve {target, action: "dismiss"|"hide", reason?}: a moderator of the
// target's report closes its open flags; "hide" (comments only, needs a reason) hides the
// comment first, as POST /api/v1/comments/{id}/hide does.
void ResolveFlags(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  const std::string target_text = RequiredString(*body, "target", &err, 200);
  const std::string action = RequiredString(*body, "action", &err, 16);
  std::string reason =
      StringField(*body, "reason", &err, 8 * community::kMaxHideReasonChars).value_or("");
  if (!err.ok()) return respond(err);
  auto target = community::ParseFlagTarget(target_text);
  if (!target) return respond(Unprocessable("unknown flag target"));
  if (action != "dismiss" && action != "hide")
    return respond(Unprocessable("'action' must be dismiss or hide"));
  const bool comment = target->kind == community::FlagTarget::Kind::kComment;
  if (action == "hide" && !comment)
    return respond(Unprocessable("only comments can be hidden"));
  std::optional<Comment> c;
  std::string report_id = target->id;
  if (comment) {
    auto found = ctx.comments->Get(target->id);
    if (!found.ok()) return respond(found.status());
    if (!*found) return respond(NotFound("no comment '" + target->id + "'"));
    c = **found;
    report_id = c->report_id;
  }
  auto seen = SeeReport(ctx, p, report_id, respond);
  if (!seen) return;
  if (!community::Moderates(seen->viewer, seen->report.report))
    return respond(
        PermissionDenied("resolving flags needs an operator or admin grant over the report"));
  auto report = std::make_shared<VisibleReport>(seen->report);
  const std::string actor = p.user_id;
  CommentService* comments = ctx.comments;
  auto resolve = [comments, actor, target_text, report, respond](const std::string& resolution) {
    comments->ResolveFlags(actor, target_text, report->report, resolution,
                           [target_text, resolution, respond](Result<int64_t> n) {
                             if (!n.ok()) return respond(n.status());
                             respond(JsonResponse(200, json::object{{"target", target_text},
                                                                  {"resolution", resolution},
                                                                  {"flags", *n}}));
                           });
  };
  if (action == "dismiss") return resolve("dismissed");
  ctx.comments->SetHidden(actor, *c, report->report, true, std::move(reason),
                          [resolve, respond](Result<Comment> r) {
                            if (!r.ok()) return respond(r.status());
                            resolve("hidden");
                          });
}

}  // namespace

Result<json::object> CommentThreadJson(ApiContext& ctx, const community::Viewer& viewer,
                                       const community::VisibleReport& report,
                                       const std::string& cursor, int limit, Attribution& who) {
  const bool moderator = community::Moderates(viewer, report.report);
  auto page = ctx.comments->List(report.report.id, moderator, cursor, limit);
  if (!page.ok()) return page.status();
  json::array out;
  for (const Comment& c : page->items) {
    auto v = community::DecideComment(c, report.report, report.view, moderator);
    if (v.visible) out.push_back(CommentJsonFor(c, v, moderator, report, who));
  }
  json::object o{{"comments", std::move(out)}};
  o["next_cursor"] =
      page->next_cursor.empty() ? json::value(nullptr) : json::value(page->next_cursor);
  return o;
}

void AddCommentRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.reports != nullptr && ctx.comments != nullptr; });
  // Any signed-in user, on the reports community::Decide lets them see (404 otherwise).
  t.Add("POST", "/api/v1/reports/{id}/comments", AnyUser(), AddComment);
  t.Add("GET", "/api/v1/reports/{id}/comments", AnyUser(), ListComments);
  t.Add("POST", "/api/v1/reports/{id}/confirmations", AnyUser(), Confirm);
  t.Add("POST", "/api/v1/flags", AnyUser(), RaiseFlag);
  // Moderators; the area (query) and the target's report are checked by the handlers,
  // after the request's own validation.
  t.Add("GET", "/api/v1/flags", Roles(kModerators), ListFlags);
  t.Add("POST", "/api/v1/flags/resolve", Roles(kModerators), ResolveFlags);
  // Any user: an unknown or invisible comment answers 404 before moderation rights are
  // looked at (community::Moderates on the comment's report).
  t.Add("POST", "/api/v1/comments/{id}/hide", AnyUser(), WithFlag(Moderate, true));
  t.Add("POST", "/api/v1/comments/{id}/unhide", AnyUser(), WithFlag(Moderate, false));
}

}  // namespace centinela::api
