#include "crime/incident_feed.h"

#include <boost/json.hpp>

#include "community/categories.h"
#include "community/report_rows.h"
#include "events/types.h"
#include "store/sql.h"

namespace centinela::crime {

namespace json = boost::json;

namespace {
constexpr int kPage = 50'000;
constexpr int kEventPage = 1'000;
}  // namespace

IncidentFeed::IncidentFeed(store::Store& store, const areas::AreaService& areas,
                           IncidentIndex& index)
    : store_(store), areas_(areas), index_(index) {}

int64_t IncidentFeed::applied_seq() const {
  MutexLock lock(mu_);
  return applied_seq_;
}

Status IncidentFeed::LoadCategories() {
  auto rows = community::LoadCategories(store_);
  if (!rows.ok()) return rows.status();
  restricted_.clear();
  for (const community::Category& c : *rows)
    restricted_[c.code] = c.sensitivity == community::Sensitivity::kRestricted;
  return Status::Ok();
}

std::vector<std::string> IncidentFeed::AreasOf(double lat, double lon, bool located,
                                               const std::string& area_code) const {
  std::vector<std::string> out;
  if (located) {
    for (const std::string& code : areas_.CodesAt(lat, lon)) {
      for (std::string& c : areas_.Path(code)) out.push_back(std::move(c));
    }
  }
  if (!area_code.empty()) {
    std::vector<std::string> path = areas_.Path(area_code);
    if (path.empty()) path.push_back(area_code);  // an area not (yet) defined keeps its code
    for (std::string& code : path) out.push_back(std::move(code));
  }
  return out;
}

Status IncidentFeed::LoadReports(const std::string& id) {
  auto rows = community::LoadReportPoints(store_, id);
  if (!rows.ok()) return rows.status();
  std::vector<IncidentInput> batch;
  for (community::ReportPoint& r : *rows) {
    if (!report_ids_.insert(r.id).second) continue;
    IncidentInput in;
    in.time_ms = r.created_ms;
    in.located = true;
    in.lat = r.lat;
    in.lon = r.lon;
    in.category = std::move(r.category);
    in.family = std::move(r.family);
    in.informal = true;
    in.restricted = r.sensitivity == "restricted";
    for (const std::string& a : r.areas) {
      for (std::string& code : areas_.Path(a)) in.areas.push_back(std::move(code));
      in.areas.push_back(a);
    }
    batch.push_back(std::move(in));
  }
  index_.Add(batch);
  return Status::Ok();
}

Status IncidentFeed::LoadComplaints(const std::string& condition, const store::Params& params) {
  // Keyset pages over the primary key, so no page holds more than kPage rows in memory.
  std::string last_source, last_id;
  bool first = true;
  while (true) {
    store::Params p = params;
    std::string sql =
        "SELECT source, source_id, occurred_ms, date_known, category, family, lat, lon, area_code "
        "FROM complaints WHERE " +
        condition;
    if (!first) {
      const std::string source = store::Bind(p, last_source);
      sql += " AND (source > " + source + " OR (source = " + source +
             " AND source_id > " + store::Bind(p, last_id) + "))";
    }
    sql += " ORDER BY source, source_id LIMIT " + std::to_string(kPage);
    auto rows = store_.Query(sql, p);
    if (!rows.ok()) return rows.status();
    std::vector<IncidentInput> batch;
    batch.reserve(rows->size());
    for (size_t i = 0; i < rows->size(); ++i) {
      IncidentInput in;
      in.time_ms = rows->Int(i, "occurred_ms");
      in.date_known = rows->Int(i, "date_known") != 0;
      in.located = !rows->Null(i, "lat") && !rows->Null(i, "lon");
      in.lat = rows->Real(i, "lat");
      in.lon = rows->Real(i, "lon");
      in.category = rows->Text(i, "category");
      in.family = rows->Text(i, "family");
      in.informal = false;
      auto r = restricted_.find(in.category);
      in.restricted = r != restricted_.end() && r->second;
      in.areas = AreasOf(in.lat, in.lon, in.located, rows->Text(i, "area_code"));
      batch.push_back(std::move(in));
    }
    index_.Add(batch);
    if (rows->size() < static_cast<size_t>(kPage)) break;
    last_source = rows->Text(rows->size() - 1, "source");
    last_id = rows->Text(rows->size() - 1, "source_id");
    first = false;
  }
  return Status::Ok();
}

Status IncidentFeed::LoadAll() {
  MutexLock lock(mu_);
  auto head = store_.LastSeq();
  if (!head.ok()) return head.status();
  Status s = LoadCategories();
  if (!s.ok()) return s;
  // Rows written after `head` are also read here when they commit meanwhile; report ids
  // dedupe reports, and complaints are bounded by import_seq <= head.
  s = LoadReports("");
  if (!s.ok()) return s;
  s = LoadComplaints("import_seq <= $1", {*head});
  if (!s.ok()) return s;
  applied_seq_ = *head;
  return Status::Ok();
}

Status IncidentFeed::Refresh() {
  MutexLock lock(mu_);
  while (true) {
    auto events = store_.ReadEvents(applied_seq_, kEventPage);
    if (!events.ok()) return events.status();
    if (events->empty()) return Status::Ok();
    for (const store::Event& e : *events) {
      Status s;
      if (e.type == events::type::kReportCreated && e.subject.rfind("report:", 0) == 0) {
        s = LoadReports(e.subject.substr(7));
      } else if (e.type == events::type::kComplaintsImported) {
        s = LoadComplaints("import_seq = $1", {e.seq});
      } else if (e.type.rfind("category.", 0) == 0) {
        s = LoadCategories();
      }
      if (!s.ok()) return s;
      applied_seq_ = e.seq;
    }
    if (events->size() < static_cast<size_t>(kEventPage)) return Status::Ok();
  }
}

}  // namespace centinela::crime
