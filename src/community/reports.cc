#include "community/reports.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <unordered_set>

#include "common/hash.h"
#include "common/text.h"
#include "community/family.h"
#include "community/json_list.h"
#include "community/membership.h"
#include "community/report_rows.h"
#include "events/types.h"
#include "media/media_rows.h"
#include "store/row_map.h"
#include "store/sql.h"

namespace centinela::community {

namespace {

namespace json = boost::json;
using store::Bind;
using store::InList;

constexpr const char* kRoute = "POST /api/v1/reports";
constexpr int kBatchRows = 200;

const store::RowMap<Report> kRow(
    "r.id, r.reporter_id, r.category, r.family, r.sensitivity, r.priority, r.lat, r.lon, "
    "r.accuracy_m, r.address, r.description, r.anonymous, r.share_with_family, r.areas, "
    "r.agencies, r.status, r.confirmations, r.comments, r.created_ms, r.updated_ms, "
    "u.display_name AS reporter_name",
    {&Report::id,
     &Report::reporter_id,
     &Report::category,
     &Report::family,
     store::kParsedByOwner,
     &Report::priority,
     &Report::lat,
     &Report::lon,
     &Report::accuracy_m,
     &Report::address,
     &Report::description,
     &Report::anonymous,
     &Report::share_with_family,
     store::kParsedByOwner,
     store::kParsedByOwner,
     &Report::status,
     &Report::confirmations,
     &Report::comments,
     &Report::created_ms,
     &Report::updated_ms,
     &Report::reporter_name});

Report FromRow(const store::Rows& rows, size_t i) {
  Report r = kRow.Read(rows, i);
  r.sensitivity = ParseSensitivity(rows.Text(i, "sensitivity")).value_or(Sensitivity::kRestricted);
  r.areas = ParseJsonStringList(rows.Text(i, "areas"));
  r.agencies = ParseJsonStringList(rows.Text(i, "agencies"));
  return r;
}

// A report id: 12 hex digits of the creation time in ms, then 20 random hex digits (80
// bits). Same shape as NewId() (32 lower-case hex characters), but ids of one period sort
// together, so the primary-key index of `reports` grows at its right edge instead of
// dirtying a random page per report (the creation time is public anyway: created_at).
std::string NewReportId(int64_t now_ms) {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%012llx",
                static_cast<unsigned long long>(now_ms) & 0xffffffffffffULL);
  std::string id(prefix);  // appended, not `prefix + ...`: GCC 12's -Wrestrict at -O3
  id += ToHex(RandomBytes(10));
  return id;
}

// "INSERT INTO report_areas ... VALUES ($1, $2, $3), ($4, $5, $6), ..." for n rows.
std::string BuildInsertReportAreas(size_t n) {
  return "INSERT INTO report_areas (area_code, created_ms, report_id) VALUES " +
         store::ValueRows(n, 3);
}

// The texts for the usual area counts are built once (the store caches one prepared
// statement per text); a longer list is built per call.
std::string InsertReportAreasSql(size_t n) {
  static const std::array<std::string, 9> kCached = [] {
    std::array<std::string, 9> out;
    for (size_t k = 1; k < out.size(); ++k) out[k] = BuildInsertReportAreas(k);
    return out;
  }();
  return n < kCached.size() ? kCached[n] : BuildInsertReportAreas(n);
}

std::string CreatedPayload(const Report& r) {
  json::object o{{"id", r.id},
                 {"category", r.category},
                 {"sensitivity", SensitivityName(r.sensitivity)},
                 {"priority", r.priority},
                 {"lat", r.lat},
                 {"lon", r.lon},
                 {"anonymous", r.anonymous},
                 {"share_with_family", r.share_with_family},
                 {"reporter_id", r.reporter_id}};
  json::array areas, agencies;
  for (const auto& a : r.areas) areas.emplace_back(a);
  for (const auto& a : r.agencies) agencies.emplace_back(a);
  o["areas"] = std::move(areas);
  o["agencies"] = std::move(agencies);
  return json::serialize(o);
}

}  // namespace

Status ValidateNewReport(const NewReport& r, const CategoryService& categories) {
  auto c = categories.Get(r.category);
  if (!c || !c->active) return Unprocessable("unknown or inactive category '" + r.category + "'");
  if (!std::isfinite(r.lat) || std::fabs(r.lat) > 90)
    return Unprocessable("'lat' must be in [-90, 90]");
  if (!std::isfinite(r.lon) || std::fabs(r.lon) > 180)
    return Unprocessable("'lon' must be in [-180, 180]");
  if (r.accuracy_m &&
      (!std::isfinite(*r.accuracy_m) || *r.accuracy_m < 0 || *r.accuracy_m > 100'000))
    return Unprocessable("'accuracy' must be 0 to 100000 metres");
  auto desc = Utf8CodePoints(r.description);
  if (!desc) return Unprocessable("'description' is not valid UTF-8");
  if (*desc > kMaxDescriptionChars)
    return Unprocessable("'description' has more than 2000 characters");
  if (!Utf8CodePoints(r.address) || r.address.size() > kMaxAddressBytes)
    return Unprocessable("'address' must be valid UTF-8 of at most 300 bytes");
  if (r.media.size() > kMaxMediaPerReport) return Unprocessable("at most 10 media per report");
  for (size_t i = 0; i < r.media.size(); ++i) {
    if (r.media[i].empty() || r.media[i].size() > 64) return Unprocessable("unknown media id");
    for (size_t j = 0; j < i; ++j)
      if (r.media[i] == r.media[j])
        return Unprocessable("media '" + r.media[i] + "' is listed twice");
  }
  return Status::Ok();
}

std::pair<std::vector<std::string>, std::vector<std::string>> RouteReport(
    const areas::AreaService& areas, const std::string& default_area, double lat, double lon,
    const std::vector<std::string>& category_agencies) {
  // Codes and agencies only: copying areas would copy their geometries on every report.
  std::vector<std::string> at = areas.CodesAt(lat, lon);
  std::vector<std::string> codes;
  auto add = [&codes](const std::string& c) {
    if (std::find(codes.begin(), codes.end(), c) == codes.end()) codes.push_back(c);
  };
  std::string innermost;
  if (!at.empty()) {
    innermost = at.back();
  } else if (!default_area.empty() && areas.Has(default_area)) {
    innermost = default_area;
  }
  std::vector<std::string> path =
      innermost.empty() ? std::vector<std::string>{} : areas.Path(innermost);
  for (auto it = path.rbegin(); it != path.rend(); ++it) add(*it);  // root first
  for (const std::string& a : at) add(a);
  // Agencies serving the innermost area that names any (walking up to the root).
  std::vector<std::string> serving;
  for (const std::string& code : path) {
    serving = areas.AgenciesOf(code);
    if (!serving.empty()) break;
  }
  std::vector<std::string> agencies;
  for (const std::string& ag : category_agencies)
    if (std::find(serving.begin(), serving.end(), ag) != serving.end()) agencies.push_back(ag);
  if (agencies.empty()) agencies = category_agencies;
  return {codes, agencies};
}

std::string EncodeCursor(int64_t created_ms, const std::string& id) {
  return Base64Url(std::to_string(created_ms) + ":" + id);
}

std::optional<std::pair<int64_t, std::string>> DecodeCursor(const std::string& cursor) {
  if (cursor.size() > 200) return std::nullopt;
  auto text = Base64UrlDecode(cursor);
  if (!text) return std::nullopt;
  size_t colon = text->find(':');
  if (colon == std::string::npos || colon == 0 || colon > 19 || colon + 1 >= text->size())
    return std::nullopt;
  int64_t ms = 0;
  for (size_t i = 0; i < colon; ++i) {
    char c = (*text)[i];
    if (c < '0' || c > '9') return std::nullopt;
    ms = ms * 10 + (c - '0');
  }
  std::string id = text->substr(colon + 1);
  if (!std::all_of(id.begin(), id.end(),
                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  return std::make_pair(ms, id);
}

ReportService::ReportService(store::Store& store, const areas::AreaService& areas,
                             const CategoryService& categories, ReportServiceOptions options)
    : store_(store),
      areas_(areas),
      categories_(categories),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : system_clock_),
      limiter_(options_.max_per_minute, options_.max_per_day, clock_) {}

ReportService::~ReportService() = default;

void ReportService::Submit(store::WriteFn fn, std::function<void(Status)> done) {
  writes_.Submit(std::move(fn),
                 [done = std::move(done)](Status s, std::vector<store::Event>) { done(s); });
}

std::optional<int> ReportService::Reserve(const std::string& user_id) {
  return limiter_.Reserve(user_id);
}

void ReportService::Release(const std::string& user_id) { limiter_.Release(user_id); }

Result<std::optional<StoredAnswer>> ReportService::FindIdempotent(const std::string& user_id,
                                                                  const std::string& key,
                                                                  const std::string& fingerprint) {
  auto rows = store_.Query(
      "SELECT route, status, response FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 "
      "AND created_ms > $3 "
      "AND status > 0",
      {user_id, key, clock_.NowMs() - kIdempotencyTtlMs});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<StoredAnswer>();
  if (rows->Text(0, "route") != std::string(kRoute) + " " + fingerprint)
    return Unprocessable("Idempotency-Key was already used with a different request");
  return std::optional<StoredAnswer>(
      StoredAnswer{static_cast<int>(rows->Int(0, "status")), rows->Text(0, "response")});
}

void ReportService::Create(CreateRequest req, RenderFn render,
                           std::function<void(Result<CreateOutcome>)> done) {
  Status v = ValidateNewReport(req.report, categories_);
  if (!v.ok()) {
    // A retry of a request answered before (its category since deactivated, say) still
    // gets the stored answer.
    if (!req.idempotency_key.empty()) {
      auto stored = FindIdempotent(req.user_id, req.idempotency_key, req.fingerprint);
      if (!stored.ok()) return done(stored.status());
      if (*stored) return done(CreateOutcome{(*stored)->status, (*stored)->body, true});
    }
    return done(v);
  }
  Category cat = *categories_.Get(req.report.category);
  auto report = std::make_shared<Report>();
  report->id = NewReportId(clock_.NowMs());
  report->reporter_id = req.user_id;
  report->reporter_name = req.display_name;
  report->category = cat.code;
  report->family = cat.family;
  report->sensitivity = cat.sensitivity;
  report->priority = cat.priority;
  report->lat = req.report.lat;
  report->lon = req.report.lon;
  report->accuracy_m = req.report.accuracy_m;
  report->address = req.report.address;
  report->description = req.report.description;
  report->anonymous = req.report.anonymous;
  report->share_with_family = req.report.share_with_family;
  report->media = req.report.media;
  std::tie(report->areas, report->agencies) =
      RouteReport(areas_, options_.default_area, report->lat, report->lon, cat.agencies);
  if (report->areas.empty())
    spdlog::warn("report {} is outside every area and reports.default_area is not a known area",
                 report->id);

  auto outcome = std::make_shared<CreateOutcome>();
  const std::string key = req.idempotency_key;
  const std::string user = req.user_id;
  const std::string route = std::string(kRoute) + " " + req.fingerprint;
  // Expired keys are replaced when reused; the others are swept now and then so the table
  // holds about one day of keys (idempotency_created index).
  const bool purge = !key.empty() && keyed_writes_.fetch_add(1) % 1000 == 0;
  Submit(
      [report, outcome, key, user, route, purge,
       render = std::move(render)](store::Tx& tx) -> Status {
        const int64_t now = tx.NowMs();
        report->created_ms = report->updated_ms = now;
        if (purge) {
          auto swept = tx.Exec("DELETE FROM idempotency_keys WHERE created_ms <= $1",
                               {now - kIdempotencyTtlMs});
          if (!swept.ok()) return swept.status();
        }
        // The answer is known before anything is written (every field of the report is
        // decided here), so the idempotency row is written once, with it.
        outcome->status = 201;
        outcome->body = render(*report);
        if (!key.empty()) {
          // The primary key (user_id, idem_key) decides which of several concurrent requests
          // with one key creates the report; the others read its stored answer. An expired
          // row is taken over; a live one is left alone (nothing changes, affected = 0). If
          // a later statement of this write fails, the savepoint takes the row back too.
          auto ins = tx.Exec(
              "INSERT INTO idempotency_keys (user_id, idem_key, route, status, response, "
              "created_ms) VALUES ($1, $2, $3, $4, $5, $6) "
              "ON CONFLICT (user_id, idem_key) DO UPDATE SET route = excluded.route, "
              "status = excluded.status, response = excluded.response, "
              "created_ms = excluded.created_ms WHERE idempotency_keys.created_ms <= $7",
              {user, key, route, int64_t{outcome->status}, outcome->body, now,
               now - kIdempotencyTtlMs});
          if (!ins.ok()) return ins.status();
          if (ins->affected == 0) {
            auto prev = tx.Exec(
                "SELECT route, status, response FROM idempotency_keys WHERE user_id = $1 AND "
                "idem_key = $2",
                {user, key});
            if (!prev.ok()) return prev.status();
            if (prev->empty()) return Unavailable("idempotency key vanished; retry");
            if (prev->Text(0, "route") != route)
              return Unprocessable("Idempotency-Key was already used with a different request");
            outcome->status = static_cast<int>(prev->Int(0, "status"));
            outcome->body = prev->Text(0, "response");
            outcome->replay = true;
            return Status::Ok();
          }
        }
        if (!report->media.empty()) {
          auto found = media::CountOwnedMedia(tx, report->reporter_id, report->media);
          if (!found.ok()) return found.status();
          if (*found != report->media.size())
            return Unprocessable("every media id must name media you uploaded");
        }
        auto r = tx.Exec(
            "INSERT INTO reports (id, reporter_id, category, family, sensitivity, priority, lat, "
            "lon, accuracy_m, "
            "address, description, anonymous, share_with_family, areas, agencies, status, "
            "created_ms, updated_ms) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
            "$18)",
            {report->id, report->reporter_id, report->category, report->family,
             std::string(SensitivityName(report->sensitivity)), int64_t{report->priority},
             report->lat, report->lon,
             report->accuracy_m ? store::Value(*report->accuracy_m) : store::Value(),
             report->address.empty() ? store::Value() : store::Value(report->address),
             report->description.empty() ? store::Value() : store::Value(report->description),
             int64_t{report->anonymous ? 1 : 0}, int64_t{report->share_with_family ? 1 : 0},
             JsonStringList(report->areas), JsonStringList(report->agencies), report->status, now, now});
        if (!r.ok()) return r.status();
        if (!report->areas.empty()) {
          // One statement for every area (one round trip on PostgreSQL).
          store::Params p;
          p.reserve(report->areas.size() * 3);
          for (const std::string& area : report->areas) {
            p.emplace_back(area);
            p.emplace_back(now);
            p.emplace_back(report->id);
          }
          auto ra = tx.Exec(InsertReportAreasSql(report->areas.size()), p);
          if (!ra.ok()) return ra.status();
        }
        for (const std::string& m : report->media) {
          auto rm = tx.Exec("INSERT INTO report_media (report_id, media_id) VALUES ($1, $2)",
                            {report->id, m});
          if (!rm.ok()) return rm.status();
        }
        auto e =
            tx.Append({events::type::kReportCreated, report->reporter_id, "report:" + report->id,
                       "report:" + report->id, CreatedPayload(*report)});
        if (!e.ok()) return e.status();
        return Status::Ok();
      },
      [outcome, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s);
        done(*outcome);
      });
}

Result<Viewer> ReportService::ViewerFor(const auth::Principal& p) {
  Viewer v;
  v.user_id = p.user_id;
  v.grants = p.grants;
  auto areas = ApprovedNeighbourhoods(store_, p.user_id);
  if (!areas.ok()) return areas.status();
  v.neighbourhoods = std::move(*areas);
  return v;
}

// Users in whose family circle `user_id` is (accepted links, either direction).
Result<std::vector<std::string>> ReportService::FamilyOf(const std::string& user_id) {
  return FamilyCircleOf(store_, user_id);
}

Status ReportService::AttachMedia(std::vector<VisibleReport>& items) {
  if (items.empty()) return Status::Ok();
  store::Params p;
  std::vector<std::string> ids;
  ids.reserve(items.size());
  for (const auto& it : items) ids.push_back(it.report.id);
  std::string sql = "SELECT report_id, media_id FROM report_media WHERE report_id IN " +
                    InList(p, ids) + " ORDER BY media_id";
  auto rows = store_.Query(sql, p);
  if (!rows.ok()) return rows.status();
  for (size_t i = 0; i < rows->size(); ++i) {
    std::string rid = rows->Text(i, "report_id");
    for (auto& it : items)
      if (it.report.id == rid) it.report.media.push_back(rows->Text(i, "media_id"));
  }
  return Status::Ok();
}

ReportFacts FactsOf(const Report& r) {
  ReportFacts f;
  f.reporter_id = r.reporter_id;
  f.sensitivity = r.sensitivity;
  f.anonymous = r.anonymous;
  f.share_with_family = r.share_with_family;
  f.areas = r.areas;
  return f;
}

namespace {

ReportFacts FactsFor(const Report& r, const Viewer& v,
                     const std::unordered_set<std::string>& family_of_viewer) {
  ReportFacts f = FactsOf(r);
  if (family_of_viewer.count(r.reporter_id)) f.family_member_ids.push_back(v.user_id);
  return f;
}

}  // namespace

Result<std::optional<VisibleReport>> ReportService::Get(const Viewer& viewer,
                                                        const std::string& id) {
  auto rows =
      store_.Query("SELECT " + kRow.Select() +
                       " FROM reports r LEFT JOIN users u ON u.id = r.reporter_id WHERE r.id = $1",
                   {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<VisibleReport>();
  Report r = FromRow(*rows, 0);
  auto family = FamilyOf(viewer.user_id);
  if (!family.ok()) return family.status();
  std::unordered_set<std::string> fam(family->begin(), family->end());
  View view = Decide(viewer, FactsFor(r, viewer, fam));
  if (!view.visible) return std::optional<VisibleReport>();
  std::vector<VisibleReport> items{{std::move(r), view}};
  Status s = AttachMedia(items);
  if (!s.ok()) return s;
  return std::optional<VisibleReport>(std::move(items[0]));
}

Result<std::vector<VisibleReport>> ReportService::Decided(const Viewer& viewer,
                                                          const std::vector<std::string>& ids) {
  std::vector<VisibleReport> out;
  if (ids.empty()) return out;
  auto family = FamilyOf(viewer.user_id);
  if (!family.ok()) return family.status();
  std::unordered_set<std::string> fam(family->begin(), family->end());
  store::Params p;
  auto rows = store_.Query("SELECT " + kRow.Select() +
                               " FROM reports r LEFT JOIN users u ON u.id = r.reporter_id "
                               "WHERE r.id IN " +
                               InList(p, ids) + " ORDER BY r.id",
                           p);
  if (!rows.ok()) return rows.status();
  for (size_t i = 0; i < rows->size(); ++i) {
    Report r = FromRow(*rows, i);
    View view = Decide(viewer, FactsFor(r, viewer, fam));
    out.push_back({std::move(r), view});
  }
  return out;
}

Result<Page> ReportService::List(const Viewer& viewer, const ListQuery& q) {
  auto family = FamilyOf(viewer.user_id);
  if (!family.ok()) return family.status();
  std::unordered_set<std::string> fam(family->begin(), family->end());
  const int limit = std::clamp(q.limit, 1, kMaxPageSize);

  // Candidate rows: narrowed in SQL to what the viewer could possibly see, then decided
  // row by row.
  bool all_areas = false;
  std::vector<std::string> scope_areas = viewer.neighbourhoods;
  for (const auth::Grant& g : viewer.grants) {
    if (!auth::IsStaffRole(g.role) || g.area_code.empty()) continue;
    if (g.area_code == auth::kAllAreas) all_areas = true;
    scope_areas.push_back(g.area_code);
  }
  store::Params base;
  std::string where = " WHERE 1 = 1";
  if (q.mine) {
    where += " AND r.reporter_id = " + Bind(base, viewer.user_id);
  } else if (!all_areas) {
    where += " AND (r.reporter_id = " + Bind(base, viewer.user_id);
    if (!family->empty()) where += " OR r.reporter_id IN " + InList(base, *family);
    if (!scope_areas.empty())
      where += " OR r.id IN (SELECT report_id FROM report_areas WHERE area_code IN " +
               InList(base, scope_areas) + ")";
    where += ")";
  }
  if (!q.area.empty()) {
    where +=
        " AND r.id IN (SELECT report_id FROM report_areas WHERE area_code = " + Bind(base, q.area) +
        ")";
  }
  if (q.from_ms) where += " AND r.created_ms >= " + Bind(base, *q.from_ms);
  if (q.to_ms) where += " AND r.created_ms < " + Bind(base, *q.to_ms);
  if (!q.categories.empty()) where += " AND r.category IN " + InList(base, q.categories);
  if (!q.status.empty()) where += " AND r.status = " + Bind(base, q.status);
  if (q.bbox) {
    // Widened by a coarse cell: the exact filter runs on the location the viewer gets.
    const auto& b = *q.bbox;
    where +=
        " AND r.lon >= " + Bind(base, b[0] - 0.02) + " AND r.lat >= " + Bind(base, b[1] - 0.02) +
        " AND r.lon <= " + Bind(base, b[2] + 0.02) + " AND r.lat <= " + Bind(base, b[3] + 0.02);
  }

  Page page;
  std::optional<std::pair<int64_t, std::string>> after = q.cursor;
  int scanned = 0;
  while (true) {
    store::Params params = base;
    std::string sql = "SELECT " + kRow.Select() +
                      " FROM reports r LEFT JOIN users u ON u.id = r.reporter_id" + where;
    if (after) {
      std::string c = Bind(params, after->first);
      sql += " AND (r.created_ms < " + c + " OR (r.created_ms = " + c + " AND r.id < " +
             Bind(params, after->second) + "))";
    }
    sql += " ORDER BY r.created_ms DESC, r.id DESC LIMIT " + std::to_string(kBatchRows);
    auto rows = store_.Query(sql, params);
    if (!rows.ok()) return rows.status();
    for (size_t i = 0; i < rows->size(); ++i) {
      Report r = FromRow(*rows, i);
      ++scanned;
      after = std::make_pair(r.created_ms, r.id);
      View view = Decide(viewer, FactsFor(r, viewer, fam));
      if (!view.visible) continue;
      if (q.bbox) {
        double lat = view.location == Location::kExact ? r.lat : CoarsenLat(r.lat);
        double lon = view.location == Location::kExact ? r.lon : CoarsenLon(r.lat, r.lon);
        const auto& b = *q.bbox;
        if (lon < b[0] || lat < b[1] || lon > b[2] || lat > b[3]) continue;
      }
      page.items.push_back({std::move(r), view});
      if (static_cast<int>(page.items.size()) == limit) {
        page.next_cursor = EncodeCursor(after->first, after->second);
        break;
      }
    }
    if (!page.next_cursor.empty()) break;
    if (static_cast<int>(rows->size()) < kBatchRows) break;  // the end
    if (scanned >= kMaxRowsScanned) {
      page.next_cursor = EncodeCursor(after->first, after->second);
      break;
    }
  }
  Status s = AttachMedia(page.items);
  if (!s.ok()) return s;
  return page;
}

void ReportService::LogDeanonymisedReads(const std::string& actor,
                                         std::vector<std::string> report_ids,
                                         std::function<void(Status)> done) {
  if (report_ids.empty()) return done(Status::Ok());
  Submit(
      [actor, ids = std::move(report_ids)](store::Tx& tx) -> Status {
        for (const std::string& id : ids) {
          json::object o{{"report_id", id}, {"reader", actor}};
          auto e = tx.Append({events::type::kReportDeanonymisedRead, actor, "report:" + id,
                              events::scope::kAdmin, json::serialize(o)});
          if (!e.ok()) return e.status();
        }
        return Status::Ok();
      },
      std::move(done));
}

// --- Row access for other modules (report_rows.h) ---

namespace {

constexpr const char* kRowById =
    " FROM reports r LEFT JOIN users u ON u.id = r.reporter_id WHERE r.id = $1";
constexpr const char* kListingMedia = "SELECT report_id FROM report_media WHERE media_id = $1";
constexpr const char* kPointColumns =
    "SELECT id, category, family, sensitivity, lat, lon, created_ms, areas FROM reports";

std::optional<Report> FirstReport(const store::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return FromRow(rows, 0);
}

// The columns a statement selected of id, category, family, sensitivity, lat, lon,
// created_ms and areas (those it did not select stay empty).
Result<std::vector<ReportPoint>> Points(const Result<store::Rows>& rows) {
  return store::MapRows<ReportPoint>(rows, [](const store::Rows& r, size_t i) {
    return ReportPoint{r.Text(i, "id"), r.Text(i, "category"), r.Text(i, "family"),
                       r.Text(i, "sensitivity"), r.Real(i, "lat"), r.Real(i, "lon"),
                       r.Int(i, "created_ms"),
                       r.Column("areas") >= 0 ? ParseJsonStringList(r.Text(i, "areas"))
                                              : std::vector<std::string>{}};
  });
}

}  // namespace

Result<int64_t> BumpReportCounter(store::Tx& tx, const std::string& report_id,
                                  ReportCounter counter, int64_t now_ms) {
  auto up = tx.Exec(counter == ReportCounter::kComments
                        ? "UPDATE reports SET comments = comments + 1, updated_ms = $2 WHERE id = $1"
                        : "UPDATE reports SET confirmations = confirmations + 1, updated_ms = $2 "
                          "WHERE id = $1",
                    {report_id, now_ms});
  if (!up.ok()) return up.status();
  return up->affected;
}

Status SetReportStatus(store::Tx& tx, const std::string& report_id, const std::string& status,
                       int64_t now_ms) {
  auto up = tx.Exec("UPDATE reports SET status = $1, updated_ms = $2 WHERE id = $3",
                    {status, now_ms, report_id});
  return up.ok() ? Status::Ok() : up.status();
}

Result<std::optional<Report>> LoadReportRow(store::Tx& tx, const std::string& id) {
  auto rows = tx.Exec("SELECT " + kRow.Select() + kRowById, {id});
  if (!rows.ok()) return rows.status();
  return FirstReport(*rows);
}

Result<std::optional<Report>> LoadReportRow(store::Store& store, const std::string& id) {
  auto rows = store.Query("SELECT " + kRow.Select() + kRowById, {id});
  if (!rows.ok()) return rows.status();
  return FirstReport(*rows);
}

Result<std::vector<std::string>> ReportsListingMedia(store::Tx& tx, const std::string& media_id) {
  return store::TextColumn(tx.Exec(kListingMedia, {media_id}), "report_id");
}

Result<std::vector<std::string>> ReportsListingMedia(store::Store& store,
                                                     const std::string& media_id) {
  return store::TextColumn(store.Query(kListingMedia, {media_id}), "report_id");
}

Result<std::vector<ReportPoint>> LoadReportPoints(store::Store& store, const std::string& id) {
  return Points(id.empty() ? store.Query(kPointColumns)
                           : store.Query(std::string(kPointColumns) + " WHERE id = $1", {id}));
}

Result<std::vector<ReportPoint>> ReportsNear(store::Store& store, const NearbyQuery& q) {
  return Points(store.Query(
      "SELECT id, category, family, sensitivity, lat, lon, created_ms FROM reports WHERE "
      "family = $1 AND created_ms >= $2 AND created_ms <= $3 AND lat BETWEEN $4 AND $5 AND "
      "lon BETWEEN $6 AND $7",
      {q.family, q.from_ms, q.to_ms, q.min_lat, q.max_lat, q.min_lon, q.max_lon}));
}

Result<std::map<std::string, int64_t>> ReportCountsByArea(store::Store& store, int64_t from_ms,
                                                          int64_t to_ms) {
  auto rows = store.Query(
      "SELECT area_code, COUNT(*) AS n FROM report_areas WHERE created_ms >= $1 AND "
      "created_ms < $2 GROUP BY area_code",
      {from_ms, to_ms});
  if (!rows.ok()) return rows.status();
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i < rows->size(); ++i) out[rows->Text(i, "area_code")] = rows->Int(i, "n");
  return out;
}

Result<std::vector<ReportPoint>> ReportPointsInArea(store::Store& store, const std::string& area,
                                                    int64_t from_ms, int64_t to_ms,
                                                    int64_t limit) {
  return Points(store.Query(
      "SELECT r.family AS family, r.lat AS lat, r.lon AS lon, r.created_ms AS created_ms FROM "
      "reports r JOIN report_areas ra ON ra.report_id = r.id WHERE ra.area_code = $1 AND "
      "ra.created_ms >= $2 AND ra.created_ms < $3 LIMIT " +
          std::to_string(limit),
      {area, from_ms, to_ms}));
}

}  // namespace centinela::community
