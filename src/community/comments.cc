#include "community/comments.h"

#include <algorithm>
#include <boost/json.hpp>
#include <memory>

#include "auth/roles.h"
#include "common/hash.h"
#include "common/text.h"
#include "community/report_rows.h"
#include "events/types.h"
#include "store/row_map.h"

namespace centinela::community {

namespace {

namespace json = boost::json;

const store::RowMap<Comment> kCommentRow(
    "c.id, c.report_id, c.author_id, c.body, c.hidden, c.hidden_by, c.hidden_reason, "
    "c.created_ms, u.display_name AS author_name",
    {&Comment::id, &Comment::report_id, &Comment::author_id, &Comment::body, &Comment::hidden,
     &Comment::hidden_by, &Comment::hidden_reason, &Comment::created_ms, &Comment::author_name});

Comment CommentFrom(const store::Rows& rows, size_t i) { return kCommentRow.Read(rows, i); }

// Scope of moderation events: the staff of the report's innermost area (areas are
// stored outermost first); "admin" for a report outside every area.
std::string StaffScope(const Report& r) {
  return r.areas.empty() ? std::string(events::scope::kAdmin)
                         : events::scope::StaffArea(r.areas.back());
}

}  // namespace

std::optional<FlagTarget> ParseFlagTarget(const std::string& text) {
  FlagTarget t;
  std::string id;
  if (text.rfind("comment:", 0) == 0) {
    t.kind = FlagTarget::Kind::kComment;
    id = text.substr(8);
  } else if (text.rfind("report:", 0) == 0) {
    t.kind = FlagTarget::Kind::kReport;
    id = text.substr(7);
  } else {
    return std::nullopt;
  }
  if (id.empty() || id.size() > 64 || !std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c));
      }))
    return std::nullopt;
  t.id = std::move(id);
  return t;
}

Status ValidateCommentBody(const std::string& body) {
  auto chars = Utf8CodePoints(body);
  if (!chars) return Unprocessable("comment body must be UTF-8 text");
  if (*chars == 0 || std::all_of(body.begin(), body.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
      }))
    return Unprocessable("comment body must not be empty");
  if (*chars > kMaxCommentChars)
    return Unprocessable("comment body is longer than " + std::to_string(kMaxCommentChars) +
                         " characters");
  return Status::Ok();
}

bool Moderates(const Viewer& viewer, const Report& report) {
  auth::Principal p;
  p.user_id = viewer.user_id;
  p.grants = viewer.grants;
  if (report.areas.empty()) {
    for (const auth::Grant& g : viewer.grants) {
      if ((g.role == auth::Role::kOperator || g.role == auth::Role::kAdmin) &&
          g.area_code == auth::kAllAreas) {
        return true;
      }
    }
    return false;
  }
  return auth::Authorize(p, {auth::Role::kOperator, auth::Role::kAdmin}, report.areas);
}

CommentView DecideComment(const Comment& c, const Report& report, const View& report_view,
                          bool moderator) {
  CommentView v;
  v.visible = report_view.visible && (!c.hidden || moderator);
  v.by_reporter = c.author_id == report.reporter_id;
  return v;
}

CommentService::CommentService(store::Store& store, CommentServiceOptions options)
    : store_(store),
      options_(options),
      clock_(options_.clock ? *options_.clock : system_clock_),
      limiter_(options_.max_per_minute, options_.max_per_day, clock_) {}

CommentService::~CommentService() = default;

void CommentService::Submit(store::WriteFn fn, std::function<void(Status)> done) {
  writes_.Submit(std::move(fn),
                 [done = std::move(done)](Status s, std::vector<store::Event>) { done(s); });
}

void CommentService::Add(const std::string& author_id, const std::string& author_name,
                         const Report& report, std::string body,
                         std::function<void(Result<Comment>)> done) {
  Status v = ValidateCommentBody(body);
  if (!v.ok()) return done(v);
  auto c = std::make_shared<Comment>();
  c->id = NewId();
  c->report_id = report.id;
  c->author_id = author_id;
  c->author_name = author_name;
  c->body = std::move(body);
  Submit(
      [c](store::Tx& tx) -> Status {
        c->created_ms = tx.NowMs();
        auto ins = tx.Exec(
            "INSERT INTO comments (id, report_id, author_id, body, hidden, created_ms) "
            "VALUES ($1, $2, $3, $4, 0, $5)",
            {c->id, c->report_id, c->author_id, c->body, c->created_ms});
        if (!ins.ok()) return ins.status();
        auto up = BumpReportCounter(tx, c->report_id, ReportCounter::kComments, c->created_ms);
        if (!up.ok()) return up.status();
        if (*up == 0) return NotFound("no report '" + c->report_id + "'");
        json::object o{{"comment_id", c->id}, {"report_id", c->report_id}};
        auto e = tx.Append({events::type::kCommentAdded, c->author_id, "comment:" + c->id,
                            "report:" + c->report_id, json::serialize(o)});
        return e.ok() ? Status::Ok() : e.status();
      },
      [c, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s);
        done(*c);
      });
}

Result<CommentPage> CommentService::List(const std::string& report_id, bool include_hidden,
                                         const std::string& cursor, int limit) {
  limit = std::clamp(limit, 1, kMaxCommentPage);
  store::Params p{report_id};
  std::string sql = "SELECT " + kCommentRow.Select() +
                    " FROM comments c JOIN users u ON u.id = c.author_id WHERE c.report_id = $1";
  if (!include_hidden) sql += " AND c.hidden = 0";
  if (!cursor.empty()) {
    auto at = DecodeCursor(cursor);
    if (!at) return InvalidArgument("'cursor' is not a cursor this server gave");
    p.push_back(at->first);
    p.push_back(at->second);
    sql += " AND (c.created_ms > $2 OR (c.created_ms = $2 AND c.id > $3))";
  }
  sql += " ORDER BY c.created_ms, c.id LIMIT " + std::to_string(limit + 1);
  auto rows = store_.Query(sql, p);
  if (!rows.ok()) return rows.status();
  CommentPage page;
  for (size_t i = 0; i < rows->size() && static_cast<int>(i) < limit; ++i)
    page.items.push_back(CommentFrom(*rows, i));
  if (static_cast<int>(rows->size()) > limit && !page.items.empty())
    page.next_cursor = EncodeCursor(page.items.back().created_ms, page.items.back().id);
  return page;
}

Result<std::optional<Comment>> CommentService::Get(const std::string& comment_id) {
  auto rows = store_.Query("SELECT " + kCommentRow.Select() +
                               " FROM comments c JOIN users u ON u.id = c.author_id "
                               "WHERE c.id = $1",
                           {comment_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Comment>();
  return std::optional<Comment>(CommentFrom(*rows, 0));
}

void CommentService::Confirm(const std::string& user_id, const Report& report,
                             std::function<void(Result<bool>)> done) {
  if (user_id == report.reporter_id)
    return done(Unprocessable("the reporter cannot confirm their own report"));
  auto already = std::make_shared<bool>(false);
  const std::string report_id = report.id;
  Submit(
      [already, user_id, report_id](store::Tx& tx) -> Status {
        const int64_t now = tx.NowMs();
        // The primary key (report_id, user_id) keeps one confirmation per user, also
        // between concurrent requests.
        auto ins = tx.Exec(
            "INSERT INTO confirmations (report_id, user_id, created_ms) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            {report_id, user_id, now});
        if (!ins.ok()) return ins.status();
        if (ins->affected == 0) {
          *already = true;
          return Status::Ok();
        }
        auto up = BumpReportCounter(tx, report_id, ReportCounter::kConfirmations, now);
        if (!up.ok()) return up.status();
        json::object o{{"report_id", report_id}};
        auto e = tx.Append({events::type::kReportConfirmed, user_id, "report:" + report_id,
                            "report:" + report_id, json::serialize(o)});
        return e.ok() ? Status::Ok() : e.status();
      },
      [already, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s);
        done(*already);
      });
}

void CommentService::Flag(const std::string& user_id, const std::string& target, std::string reason,
                          const Report& report, std::function<void(Result<bool>)> done) {
  auto chars = Utf8CodePoints(reason);
  if (!chars || *chars == 0 || *chars > kMaxFlagReasonChars)
    return done(Unprocessable("reason must be 1 to " + std::to_string(kMaxFlagReasonChars) +
                              " characters of text"));
  auto already = std::make_shared<bool>(false);
  const std::string scope = StaffScope(report);
  const std::string report_id = report.id;
  Submit(
      [already, user_id, target, reason = std::move(reason), scope,
       report_id](store::Tx& tx) -> Status {
        auto ins = tx.Exec(
            "INSERT INTO flags (target, user_id, reason, created_ms, report_id) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            {target, user_id, reason, tx.NowMs(), report_id});
        if (!ins.ok()) return ins.status();
        if (ins->affected == 0) {
          *already = true;
          return Status::Ok();
        }
        json::object o{{"target", target}, {"report_id", report_id}, {"reason", reason}};
        auto e = tx.Append({events::type::kFlagRaised, user_id, target, scope, json::serialize(o)});
        return e.ok() ? Status::Ok() : e.status();
      },
      [already, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s);
        done(*already);
      });
}

namespace {

// A flag target in a page cursor (whose id part is alphanumeric): "c<id>" or "r<id>".
std::string TargetKey(const std::string& target) {
  auto t = ParseFlagTarget(target);
  if (!t) return "x";
  return (t->kind == FlagTarget::Kind::kComment ? "c" : "r") + t->id;
}
std::optional<std::string> TargetFromKey(const std::string& key) {
  if (key.size() < 2 || (key[0] != 'c' && key[0] != 'r')) return std::nullopt;
  return (key[0] == 'c' ? "comment:" : "report:") + key.substr(1);
}

}  // namespace

Result<FlagPage> CommentService::ListFlags(const std::string& area, bool resolved,
                                           const std::string& cursor, int limit) {
  limit = std::clamp(limit, 1, kMaxFlagPage);
  store::Params p{area};
  std::string having;
  if (!cursor.empty()) {
    auto at = DecodeCursor(cursor);
    auto target = at ? TargetFromKey(at->second) : std::nullopt;
    if (!target) return InvalidArgument("'cursor' is not a cursor this server gave");
    p.push_back(at->first);
    p.push_back(*target);
    having = " HAVING MAX(f.created_ms) < $2 OR (MAX(f.created_ms) = $2 AND f.target < $3)";
  }
  // One row per target; a report's flags are found through the areas containing it.
  const std::string sql =
      std::string(
          "SELECT f.target, f.report_id, COUNT(*) AS n, MIN(f.created_ms) AS first_ms, "
          "MAX(f.created_ms) AS last_ms, MAX(f.resolution) AS resolution, "
          "MAX(f.resolved_by) AS resolved_by, MAX(f.resolved_ms) AS resolved_ms, "
          "(SELECT f2.reason FROM flags f2 WHERE f2.target = f.target "
          "ORDER BY f2.created_ms DESC LIMIT 1) AS reason "
          "FROM flags f WHERE f.report_id IN (SELECT ra.report_id FROM report_areas ra "
          "WHERE ra.area_code = $1) AND f.resolved_ms IS ") +
      (resolved ? "NOT NULL" : "NULL") + " GROUP BY f.target, f.report_id" + having +
      " ORDER BY last_ms DESC, f.target DESC LIMIT " + std::to_string(limit + 1);
  auto rows = store_.Query(sql, p);
  if (!rows.ok()) return rows.status();
  FlagPage page;
  for (size_t i = 0; i < rows->size() && static_cast<int>(i) < limit; ++i) {
    FlagSummary f;
    f.target = rows->Text(i, "target");
    f.report_id = rows->Text(i, "report_id");
    f.count = rows->Int(i, "n");
    f.reason = rows->Text(i, "reason");
    f.first_ms = rows->Int(i, "first_ms");
    f.last_ms = rows->Int(i, "last_ms");
    f.resolution = rows->Text(i, "resolution");
    f.resolved_by = rows->Text(i, "resolved_by");
    f.resolved_ms = rows->Int(i, "resolved_ms");
    page.items.push_back(std::move(f));
  }
  if (static_cast<int>(rows->size()) > limit && !page.items.empty())
    page.next_cursor = EncodeCursor(page.items.back().last_ms, TargetKey(page.items.back().target));
  return page;
}

void CommentService::ResolveFlags(const std::string& actor, const std::string& target,
                                  const Report& report, const std::string& resolution,
                                  std::function<void(Result<int64_t>)> done) {
  auto resolved = std::make_shared<int64_t>(0);
  const std::string scope = StaffScope(report);
  Submit(
      [resolved, actor, target, resolution, scope](store::Tx& tx) -> Status {
        auto up = tx.Exec(
            "UPDATE flags SET resolved_ms = $1, resolved_by = $2, resolution = $3 "
            "WHERE target = $4 AND resolved_ms IS NULL",
            {tx.NowMs(), actor, resolution, target});
        if (!up.ok()) return up.status();
        if (up->affected == 0) return Conflict("no open flags on '" + target + "'");
        *resolved = static_cast<int64_t>(up->affected);
        json::object o{{"target", target}, {"resolution", resolution}, {"flags", *resolved}};
        auto e = tx.Append({events::type::kFlagResolved, actor, target, scope, json::serialize(o)});
        return e.ok() ? Status::Ok() : e.status();
      },
      [resolved, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s);
        done(*resolved);
      });
}

void CommentService::SetHidden(const std::string& actor, const Comment& comment,
                               const Report& report, bool hide, std::string reason,
                               std::function<void(Result<Comment>)> done) {
  if (hide) {
    auto chars = Utf8CodePoints(reason);
    if (!chars || *chars == 0 || *chars > kMaxHideReasonChars)
      return done(Unprocessable("reason must be 1 to " + std::to_string(kMaxHideReasonChars) +
                                " characters of text"));
  }
  auto c = std::make_shared<Comment>(comment);
  c->hidden = hide;
  c->hidden_by = hide ? actor : std::string();
  c->hidden_reason = hide ? std::move(reason) : std::string();
  const std::string scope = StaffScope(report);
  Submit(
      [c, actor, scope](store::Tx& tx) -> Status {
        auto up = tx.Exec(
            "UPDATE comments SET hidden = $2, hidden_by = $3, hidden_reason = $4 WHERE id = $1",
            {c->id, int64_t{c->hidden ? 1 : 0},
             c->hidden ? store::Value(c->hidden_by) : store::Value(),
             c->hidden ? store::Value(c->hidden_reason) : store::Value()});
        if (!up.ok()) return up.status();
        if (up->affected == 0) return NotFound("no comment '" + c->id + "'");
        json::object o{{"comment_id", c->id}, {"report_id", c->report_id}};
        if (c->hidden) o["reason"] = c->hidden_reason;
        auto e =
            tx.Append({c->hidden ? events::type::kCommentHidden : events::type::kCommentUnhidden,
                       actor, "comment:" + c->id, scope, json::serialize(o)});
        return e.ok() ? Status::Ok() : e.status();
      },
      [c, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s);
        done(*c);
      });
}

}  // namespace centinela::community
