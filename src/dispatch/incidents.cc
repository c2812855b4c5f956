#include "dispatch/incidents.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <memory>
#include <set>
#include <unordered_map>

#include "common/hash.h"
#include "common/text.h"
#include "community/json_list.h"
#include "community/membership.h"
#include "community/report_rows.h"
#include "community/reports.h"
#include "dispatch/recommend.h"
#include "events/types.h"
#include "geo/geometry.h"
#include "media/media_rows.h"
#include "store/row_map.h"
#include "store/sql.h"
#include "tracking/coords.h"

namespace centinela::dispatch {

namespace {

namespace json = boost::json;
using community::JsonStringList;
using community::ParseJsonStringList;

const store::RowMap<Incident> kRow(
    "id, category, family, sensitivity, priority, status, outcome, source, lat, lon, "
    "address, description, areas, agencies, caller_name, caller_phone, created_by, "
    "merged_into, received_ms, acknowledged_ms, dispatched_ms, on_scene_ms, closed_ms, "
    "created_ms, updated_ms",
    {&Incident::id,           &Incident::category,        &Incident::family,
     store::kParsedByOwner,   &Incident::priority,        store::kParsedByOwner,
     &Incident::outcome,      &Incident::source,          &Incident::lat,
     &Incident::lon,          &Incident::address,         &Incident::description,
     store::kParsedByOwner,   store::kParsedByOwner,      &Incident::caller_name,
     &Incident::caller_phone, &Incident::created_by,      &Incident::merged_into,
     &Incident::received_ms,  &Incident::acknowledged_ms, &Incident::dispatched_ms,
     &Incident::on_scene_ms,  &Incident::closed_ms,       &Incident::created_ms,
     &Incident::updated_ms});

Incident FromRow(const store::Rows& rows, size_t i) {
  Incident n = kRow.Read(rows, i);
  n.sensitivity = community::ParseSensitivity(rows.Text(i, "sensitivity"))
                      .value_or(community::Sensitivity::kRestricted);
  n.status = ParseStatus(rows.Text(i, "status")).value_or(IncidentStatus::kNew);
  n.areas = ParseJsonStringList(rows.Text(i, "areas"));
  n.agencies = ParseJsonStringList(rows.Text(i, "agencies"));
  return n;
}

const store::RowMap<Step> kStepRow(
    "id, kind, visibility, status, note, media_id, actor_id, created_ms",
    {&Step::id, &Step::kind, store::kParsedByOwner, &Step::status, &Step::note, &Step::media_id,
     &Step::actor_id, &Step::created_ms});

//! The steps of one incident, oldest first; `public_only` leaves the internal ones out.
Result<std::vector<Step>> LoadSteps(store::Store& store, const std::string& incident_id,
                                    bool public_only) {
  auto rows = store.Query(
      "SELECT " + kStepRow.Select() + " FROM incident_steps WHERE incident_id = $1" +
          (public_only ? " AND visibility = 'public'" : "") + " ORDER BY created_ms, id",
      {incident_id});
  return store::MapRows<Step>(rows, [](const store::Rows& r, size_t i) {
    Step s = kStepRow.Read(r, i);
    s.is_public = r.Text(i, "visibility") == "public";
    return s;
  });
}

Result<std::optional<Incident>> LoadInTx(store::Tx& tx, const std::string& id) {
  auto rows = tx.Exec("SELECT " + kRow.Select() + " FROM incidents WHERE id = $1", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Incident>();
  Incident n = FromRow(*rows, 0);
  auto reports =
      tx.Exec("SELECT report_id FROM incident_reports WHERE incident_id = $1 ORDER BY report_id",
              {id});
  if (!reports.ok()) return reports.status();
  for (size_t i = 0; i < reports->size(); ++i) n.report_ids.push_back(reports->Text(i, "report_id"));
  return std::optional<Incident>(std::move(n));
}

json::object IncidentPayload(const Incident& n) {
  return json::object{{"id", n.id},
                      {"category", n.category},
                      {"family", n.family},
                      {"priority", n.priority},
                      {"status", StatusName(n.status)},
                      {"source", n.source},
                      {"areas", json::value_from(n.areas)},
                      {"agencies", json::value_from(n.agencies)}};
}

// Steps of one transaction share its time; their ids sort in the order they were written
// (time, then a process-wide counter, then randomness for uniqueness across nodes), and
// timelines are read ORDER BY created_ms, id.
std::string StepId(int64_t now_ms) {
  static std::atomic<uint32_t> counter{0};
  return fmt::format("{:012x}{:08x}{}", now_ms, counter.fetch_add(1), NewId().substr(0, 12));
}

// A step may show only media of its own incident: a photo of one of the incident's reports
// (every report using it must be one of them), one already on another step of this incident,
// or a fresh upload of the step's actor that nothing else uses yet (a responder's on-scene
// photo). Another report's or incident's photo, a proof of residence, someone else's upload:
// 422. So a step never carries a photo to people who may not see where it came from (the
// media's readers are also limited to the most restrictive of its uses: app/media_access.h).
Status CheckStepMedia(store::Tx& tx, const Incident& n, const std::string& media_id,
                      const std::string& actor) {
  if (media_id.empty()) return Status::Ok();
  auto owner = media::MediaOwner(tx, media_id);
  if (!owner.ok()) return owner.status();
  if (!*owner) return Unprocessable("unknown media '" + media_id + "'");
  Status foreign = Unprocessable(
      "media '" + media_id +
      "' is not of this incident: a step shows a photo of one of the incident's own reports, "
      "or one you uploaded for it");
  auto reports = community::ReportsListingMedia(tx, media_id);
  if (!reports.ok()) return reports.status();
  for (const std::string& r : *reports) {
    if (std::find(n.report_ids.begin(), n.report_ids.end(), r) == n.report_ids.end())
      return foreign;
  }
  auto steps = tx.Exec("SELECT incident_id FROM incident_steps WHERE media_id = $1", {media_id});
  if (!steps.ok()) return steps.status();
  for (size_t i = 0; i < steps->size(); ++i)
    if (steps->Text(i, "incident_id") != n.id) return foreign;
  if (!reports->empty() || !steps->empty()) return Status::Ok();
  // Fresh: the actor's own upload, not a proof of residence.
  if (**owner != actor) return foreign;
  auto proof = community::ProofMediaAreas(tx, media_id);
  if (!proof.ok()) return proof.status();
  return proof->empty() ? Status::Ok() : foreign;
}

// Writes one step of `n` (whose status is already the status after the step) with its
// events; public steps also move the linked reports' status (for status steps) and reach
// their readers as report.step.
Status WriteStep(store::Tx& tx, const Incident& n, const std::string& kind,
                 const StepInput& in, const std::string& actor, bool status_step) {
  Status media = CheckStepMedia(tx, n, in.media_id, actor);
  if (!media.ok()) return media;
  const bool is_public = in.is_public.value_or(DefaultPublic(kind));
  const int64_t now = tx.NowMs();
  Step s;
  s.id = StepId(now);
  const std::string status(StatusName(n.status));
  auto ins = tx.Exec(
      "INSERT INTO incident_steps (id, incident_id, kind, visibility, status, note, media_id, "
      "actor_id, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {s.id, n.id, kind, std::string(is_public ? "public" : "internal"), status,
       store::TextOrNull(in.note), store::TextOrNull(in.media_id), actor, now});
  if (!ins.ok()) return ins.status();
  StepLabel label = LabelFor(kind);
  json::object step{{"incident_id", n.id},
                    {"step_id", s.id},
                    {"kind", kind},
                    {"public", is_public},
                    {"status", status},
                    {"label", json::object{{"es", label.es}, {"en", label.en}}},
                    {"note", in.note.empty() ? json::value(nullptr) : json::value(in.note)},
                    {"media_id", in.media_id.empty() ? json::value(nullptr)
                                                     : json::value(in.media_id)},
                    {"at", FormatIsoTime(now)}};
  if (!n.outcome.empty()) step["outcome"] = n.outcome;
  auto e = tx.Append({events::type::kIncidentStep, actor, "incident:" + n.id, StaffScope(n.areas),
                      json::serialize(step)});
  if (!e.ok()) return e.status();
  if (!is_public) return Status::Ok();
  for (const std::string& report_id : n.report_ids) {
    if (status_step) {
      Status up = community::SetReportStatus(tx, report_id, status, now);
      if (!up.ok()) return up;
    }
    json::object pub = step;
    pub.erase("public");
    pub["report_id"] = report_id;
    auto re = tx.Append({events::type::kReportStep, actor, "report:" + report_id,
                         "report:" + report_id, json::serialize(pub)});
    if (!re.ok()) return re.status();
  }
  return Status::Ok();
}

Status InsertIncident(store::Tx& tx, const Incident& n) {
  auto r = tx.Exec(
      "INSERT INTO incidents (id, category, family, sensitivity, priority, status, source, lat, "
      "lon, address, description, areas, agencies, caller_name, caller_phone, created_by, "
      "received_ms, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11, $12, $13, $14, $15, $16, $17, $18, $19)",
      {n.id, n.category, n.family, std::string(community::SensitivityName(n.sensitivity)),
       int64_t{n.priority}, std::string(StatusName(n.status)), n.source, n.lat, n.lon,
       store::TextOrNull(n.address), store::TextOrNull(n.description), JsonStringList(n.areas),
       JsonStringList(n.agencies), store::TextOrNull(n.caller_name),
       store::TextOrNull(n.caller_phone), n.created_by, n.received_ms, n.created_ms, n.updated_ms});
  if (!r.ok()) return r.status();
  for (const std::string& area : n.areas) {
    auto a = tx.Exec(
        "INSERT INTO incident_areas (area_code, created_ms, incident_id) VALUES ($1, $2, $3)",
        {area, n.created_ms, n.id});
    if (!a.ok()) return a.status();
  }
  auto e =
      tx.Append({events::type::kIncidentCreated, n.created_by, "incident:" + n.id,
                 StaffScope(n.areas), tracking::WithPlainCoords(IncidentPayload(n), n.lat, n.lon)});
  if (!e.ok()) return e.status();
  return Status::Ok();
}

// Links a report to an incident; 409 when it belongs to one already.
Status LinkReport(store::Tx& tx, const std::string& incident_id, const std::string& report_id) {
  auto prev = tx.Exec("SELECT incident_id FROM incident_reports WHERE report_id = $1",
                      {report_id});
  if (!prev.ok()) return prev.status();
  if (!prev->empty())
    return Conflict("report '" + report_id + "' already belongs to incident '" +
                    prev->Text(0, "incident_id") + "'");
  auto ins = tx.Exec(
      "INSERT INTO incident_reports (report_id, incident_id, linked_ms) VALUES ($1, $2, $3)",
      {report_id, incident_id, tx.NowMs()});
  if (!ins.ok()) return ins.status();
  return Status::Ok();
}

bool PhoneChars(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == ' ' || c == '(' || c == ')';
  });
}

}  // namespace

std::string StaffScope(const std::vector<std::string>& areas) {
  return areas.empty() ? std::string(events::scope::kAdmin)
                       : events::scope::StaffArea(areas.back());
}

Status ValidateNewCall(const NewCall& c, const community::CategoryService& categories) {
  auto cat = categories.Get(c.category);
  if (!cat || !cat->active) return Unprocessable("unknown or inactive category '" + c.category + "'");
  if (!std::isfinite(c.lat) || std::fabs(c.lat) > 90) return Unprocessable("'lat' must be in [-90, 90]");
  if (!std::isfinite(c.lon) || std::fabs(c.lon) > 180)
    return Unprocessable("'lon' must be in [-180, 180]");
  if (c.caller_name.size() > kMaxCallerNameBytes || !Utf8CodePoints(c.caller_name))
    return Unprocessable("'caller_name' must be valid UTF-8 of at most 100 bytes");
  if (c.caller_phone.size() > kMaxCallerPhoneBytes || !PhoneChars(c.caller_phone))
    return Unprocessable("'caller_phone' holds digits, spaces, + - ( ) only, at most 32");
  if (c.priority && (*c.priority < 1 || *c.priority > 4))
    return Unprocessable("'priority' must be 1 (P1, most urgent) to 4");
  if (c.notes.size() > kMaxNoteBytes || !Utf8CodePoints(c.notes))
    return Unprocessable("'notes' must be valid UTF-8 of at most 2000 bytes");
  if (c.address.size() > community::kMaxAddressBytes || !Utf8CodePoints(c.address))
    return Unprocessable("'address' must be valid UTF-8 of at most 300 bytes");
  return Status::Ok();
}

Status ValidateStepInput(const StepInput& s) {
  if (s.note.size() > kMaxNoteBytes || !Utf8CodePoints(s.note))
    return Unprocessable("'note' must be valid UTF-8 of at most 2000 bytes");
  if (s.media_id.size() > 64) return Unprocessable("unknown media id");
  return Status::Ok();
}

IncidentService::IncidentService(store::Store& store, const areas::AreaService& areas,
                                 const community::CategoryService& categories,
                                 IncidentOptions options)
    : store_(store),
      areas_(areas),
      categories_(categories),
      options_(std::move(options)),
      writes_(store) {}

IncidentService::~IncidentService() { writes_.Drain(); }

void IncidentService::Finish(std::shared_ptr<Incident> incident, store::WriteFn fn, Done done) {
  writes_.Submit(std::move(fn),
                 [incident, done = std::move(done)](Status s, std::vector<store::Event>) {
                   if (!s.ok()) return done(s);
                   done(*incident);
                 });
}

void IncidentService::CreateFromCall(NewCall call, std::string actor, Done done) {
  Status v = ValidateNewCall(call, categories_);
  if (!v.ok()) return done(v);
  community::Category cat = *categories_.Get(call.category);
  auto n = std::make_shared<Incident>();
  n->id = NewId();
  n->category = cat.code;
  n->family = cat.family;
  n->sensitivity = cat.sensitivity;
  n->priority = call.priority.value_or(cat.priority);
  n->source = "call";
  n->lat = call.lat;
  n->lon = call.lon;
  n->address = call.address;
  n->description = call.notes;
  n->caller_name = call.caller_name;
  n->caller_phone = call.caller_phone;
  n->created_by = actor;
  std::tie(n->areas, n->agencies) =
      community::RouteReport(areas_, options_.default_area, n->lat, n->lon, cat.agencies);
  Finish(
      n,
      [n, actor](store::Tx& tx) -> Status {
        n->received_ms = n->created_ms = n->updated_ms = tx.NowMs();
        Status s = InsertIncident(tx, *n);
        if (!s.ok()) return s;
        return WriteStep(tx, *n, "received", StepInput{}, actor, false);
      },
      std::move(done));
}

void IncidentService::Escalate(std::string report_id, std::optional<int> priority,
                               std::string note, std::string actor, Done done) {
  if (priority && (*priority < 1 || *priority > 4))
    return done(Unprocessable("'priority' must be 1 (P1, most urgent) to 4"));
  if (note.size() > kMaxNoteBytes || !Utf8CodePoints(note))
    return done(Unprocessable("'note' must be valid UTF-8 of at most 2000 bytes"));
  auto n = std::make_shared<Incident>();
  n->id = NewId();
  n->source = "report";
  n->created_by = actor;
  Finish(
      n,
      [n, report_id, priority, note, actor](store::Tx& tx) -> Status {
        auto loaded = community::LoadReportRow(tx, report_id);
        if (!loaded.ok()) return loaded.status();
        if (!*loaded) return NotFound("no report '" + report_id + "'");
        const community::Report& r = **loaded;
        n->category = r.category;
        n->family = r.family;
        n->sensitivity = r.sensitivity;
        n->priority = priority.value_or(r.priority);
        n->lat = r.lat;
        n->lon = r.lon;
        n->address = r.address;
        n->description = r.description;
        n->areas = r.areas;
        n->agencies = r.agencies;
        // Response times count from when the neighbour sent the alert.
        n->received_ms = r.created_ms;
        n->created_ms = n->updated_ms = tx.NowMs();
        Status s = InsertIncident(tx, *n);
        if (!s.ok()) return s;
        s = LinkReport(tx, n->id, report_id);
        if (!s.ok()) return s;
        n->report_ids = {report_id};
        StepInput step;
        step.note = note;
        return WriteStep(tx, *n, "received", step, actor, false);
      },
      std::move(done));
}

Status IncidentService::TransitionInTx(store::Tx& tx, const std::string& id,
                                       const TransitionRequest& req, const StepInput& step,
                                       const std::string& actor, Incident* out) {
  auto loaded = LoadInTx(tx, id);
  if (!loaded.ok()) return loaded.status();
  if (!*loaded) return NotFound("no incident '" + id + "'");
  Incident n = std::move(**loaded);
  if (!n.merged_into.empty())
    return Conflict("incident was merged into '" + n.merged_into + "'");
  Status check = CheckTransition(n.status, req);
  if (!check.ok()) return check;
  const IncidentStatus from = n.status;
  const int64_t now = tx.NowMs();
  n.status = req.to;
  n.updated_ms = now;
  if (req.to == IncidentStatus::kClosed) n.outcome = req.outcome;
  if (IsReopen(from, req.to)) n.outcome.clear();
  std::string sql = "UPDATE incidents SET status = $1, outcome = $2, updated_ms = $3";
  std::string_view mark = MarkColumnFor(req.to);
  // A mark keeps the first time the status was reached (a reopen does not reset it).
  if (!mark.empty()) sql += fmt::format(", {0} = COALESCE({0}, $3)", mark);
  sql += " WHERE id = $4";
  auto up =
      tx.Exec(sql, {std::string(StatusName(n.status)), store::TextOrNull(n.outcome), now, n.id});
  if (!up.ok()) return up.status();
  if (mark == "acknowledged_ms" && n.acknowledged_ms == 0) n.acknowledged_ms = now;
  if (mark == "dispatched_ms" && n.dispatched_ms == 0) n.dispatched_ms = now;
  if (mark == "on_scene_ms" && n.on_scene_ms == 0) n.on_scene_ms = now;
  if (mark == "closed_ms" && n.closed_ms == 0) n.closed_ms = now;
  StepInput in = step;
  if (IsReopen(from, req.to)) in.note = req.reason + (step.note.empty() ? "" : " — " + step.note);
  Status s = WriteStep(tx, n, StepKindFor(from, req.to), in, actor, true);
  if (!s.ok()) return s;
  if (out) *out = std::move(n);
  return Status::Ok();
}

void IncidentService::Transition(std::string id, TransitionRequest req, StepInput step,
                                 std::string actor, Done done) {
  Status v = ValidateStepInput(step);
  if (!v.ok()) return done(v);
  if (req.reason.size() > kMaxNoteBytes || !Utf8CodePoints(req.reason))
    return done(Unprocessable("'reason' must be valid UTF-8 of at most 2000 bytes"));
  auto n = std::make_shared<Incident>();
  Finish(
      n,
      [n, id, req, step, actor](store::Tx& tx) -> Status {
        return TransitionInTx(tx, id, req, step, actor, n.get());
      },
      std::move(done));
}

void IncidentService::AddStep(std::string id, std::string kind, StepInput step, std::string actor,
                              Done done) {
  if (!IsManualStepKind(kind))
    return done(Unprocessable("'kind' must be 'contacted' or 'note' (status steps go through "
                              "/transitions)"));
  Status v = ValidateStepInput(step);
  if (!v.ok()) return done(v);
  auto n = std::make_shared<Incident>();
  Finish(
      n,
      [n, id, kind, step, actor](store::Tx& tx) -> Status {
        return StepInTx(tx, id, kind, step, actor, n.get());
      },
      std::move(done));
}

Status IncidentService::StepInTx(store::Tx& tx, const std::string& id, const std::string& kind,
                                 const StepInput& step, const std::string& actor, Incident* out) {
  auto loaded = LoadInTx(tx, id);
  if (!loaded.ok()) return loaded.status();
  if (!*loaded) return NotFound("no incident '" + id + "'");
  Incident n = std::move(**loaded);
  if (!n.merged_into.empty()) return Conflict("incident was merged into '" + n.merged_into + "'");
  n.updated_ms = tx.NowMs();
  auto up = tx.Exec("UPDATE incidents SET updated_ms = $1 WHERE id = $2", {n.updated_ms, id});
  if (!up.ok()) return up.status();
  Status s = WriteStep(tx, n, kind, step, actor, false);
  if (!s.ok()) return s;
  if (out) *out = std::move(n);
  return Status::Ok();
}

void IncidentService::Merge(std::string id, std::vector<std::string> incident_ids,
                            std::vector<std::string> report_ids, std::string actor, Done done) {
  if (incident_ids.empty() && report_ids.empty())
    return done(Unprocessable("name 'incidents' and/or 'reports' to merge"));
  if (incident_ids.size() + report_ids.size() > kMaxMergeItems)
    return done(Unprocessable("at most 50 items per merge"));
  if (std::find(incident_ids.begin(), incident_ids.end(), id) != incident_ids.end())
    return done(Unprocessable("an incident cannot be merged into itself"));
  auto n = std::make_shared<Incident>();
  Finish(
      n,
      [n, id, incident_ids, report_ids, actor](store::Tx& tx) -> Status {
        auto loaded = LoadInTx(tx, id);
        if (!loaded.ok()) return loaded.status();
        if (!*loaded) return NotFound("no incident '" + id + "'");
        *n = std::move(**loaded);
        if (!n->merged_into.empty() || n->status == IncidentStatus::kClosed)
          return Conflict("merge into an open incident");
        const int64_t now = tx.NowMs();
        json::array merged_incidents, merged_reports;
        for (const std::string& other_id : incident_ids) {
          auto other = LoadInTx(tx, other_id);
          if (!other.ok()) return other.status();
          if (!*other) return NotFound("no incident '" + other_id + "'");
          const Incident& o = **other;
          if (!o.merged_into.empty() || o.status == IncidentStatus::kClosed)
            return Conflict("incident '" + other_id + "' is already closed or merged");
          if (o.family != n->family)
            return Unprocessable("incident '" + other_id + "' is of another category family");
          auto move = tx.Exec("UPDATE incident_reports SET incident_id = $1 WHERE incident_id = $2",
                              {id, other_id});
          if (!move.ok()) return move.status();
          auto close = tx.Exec(
              "UPDATE incidents SET status = 'closed', outcome = 'duplicate', merged_into = $1, "
              "closed_ms = COALESCE(closed_ms, $2), updated_ms = $2 WHERE id = $3",
              {id, now, other_id});
          if (!close.ok()) return close.status();
          for (const std::string& r : o.report_ids) n->report_ids.push_back(r);
          // The earliest receipt of the merged cases is when the incident was first known.
          if (o.received_ms < n->received_ms) {
            n->received_ms = o.received_ms;
            auto rec = tx.Exec("UPDATE incidents SET received_ms = $1 WHERE id = $2",
                               {o.received_ms, id});
            if (!rec.ok()) return rec.status();
          }
          json::object ev{{"incident_id", other_id}, {"merged_into", id}};
          auto e = tx.Append({events::type::kIncidentMerged, actor, "incident:" + other_id,
                              StaffScope(o.areas), json::serialize(ev)});
          if (!e.ok()) return e.status();
          merged_incidents.emplace_back(other_id);
        }
        for (const std::string& report_id : report_ids) {
          auto r = community::LoadReportRow(tx, report_id);
          if (!r.ok()) return r.status();
          if (!*r) return NotFound("no report '" + report_id + "'");
          if ((*r)->family != n->family)
            return Unprocessable("report '" + report_id + "' is of another category family");
          Status s = LinkReport(tx, id, report_id);
          if (!s.ok()) return s;
          n->report_ids.push_back(report_id);
          merged_reports.emplace_back(report_id);
          // A report joining late catches up with the incident's status.
          Status up =
              community::SetReportStatus(tx, report_id, std::string(StatusName(n->status)), now);
          if (!up.ok()) return up;
        }
        std::sort(n->report_ids.begin(), n->report_ids.end());
        auto touch = tx.Exec("UPDATE incidents SET updated_ms = $1 WHERE id = $2", {now, id});
        if (!touch.ok()) return touch.status();
        StepInput step;
        step.note = fmt::format("{} incident(s), {} report(s)", merged_incidents.size(),
                                merged_reports.size());
        return WriteStep(tx, *n, "merged", step, actor, false);
      },
      std::move(done));
}

Result<std::optional<Incident>> IncidentService::Get(const std::string& id) {
  auto rows = store_.Query("SELECT " + kRow.Select() + " FROM incidents WHERE id = $1", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Incident>();
  Incident n = FromRow(*rows, 0);
  auto reports = store_.Query(
      "SELECT report_id FROM incident_reports WHERE incident_id = $1 ORDER BY report_id", {id});
  if (!reports.ok()) return reports.status();
  for (size_t i = 0; i < reports->size(); ++i) n.report_ids.push_back(reports->Text(i, "report_id"));
  auto steps = LoadSteps(store_, id, false);
  if (!steps.ok()) return steps.status();
  n.steps = std::move(*steps);
  return std::optional<Incident>(std::move(n));
}

Result<std::vector<Incident>> IncidentService::List(const IncidentFilter& f) {
  std::vector<Incident> out;
  if (!f.all_areas && f.scope_areas.empty()) return out;
  store::Params p;
  std::string sql = "SELECT " + kRow.Select() + " FROM incidents WHERE 1 = 1";
  auto bind = [&p](store::Value v) { return store::Bind(p, std::move(v)); };
  if (!f.all_areas) {
    sql += " AND id IN (SELECT incident_id FROM incident_areas WHERE area_code IN " +
           store::InList(p, f.scope_areas) + ")";
  }
  if (!f.area.empty())
    sql += " AND id IN (SELECT incident_id FROM incident_areas WHERE area_code = " + bind(f.area) + ")";
  if (!f.status.empty()) sql += " AND status = " + bind(f.status);
  if (f.before) {
    std::string c = bind(f.before->first);
    sql += " AND (created_ms < " + c + " OR (created_ms = " + c + " AND id < " +
           bind(f.before->second) + "))";
  }
  sql += " ORDER BY created_ms DESC, id DESC LIMIT " +
         std::to_string(std::clamp(f.limit, 1, kMaxIncidentPage));
  auto rows = store_.Query(sql, p);
  if (!rows.ok()) return rows.status();
  for (size_t i = 0; i < rows->size(); ++i) out.push_back(FromRow(*rows, i));
  if (out.empty()) return out;
  // The reports each listed incident holds, in one query (the console hides them from its
  // queue of loose alerts).
  store::Params ids;
  std::vector<std::string> listed;
  listed.reserve(out.size());
  for (const Incident& n : out) listed.push_back(n.id);
  auto reports = store_.Query("SELECT incident_id, report_id FROM incident_reports WHERE "
                              "incident_id IN " +
                                  store::InList(ids, listed) + " ORDER BY report_id",
                              ids);
  if (!reports.ok()) return reports.status();
  std::unordered_map<std::string, Incident*> by_id;
  for (Incident& n : out) by_id[n.id] = &n;
  for (size_t i = 0; i < reports->size(); ++i) {
    auto it = by_id.find(reports->Text(i, "incident_id"));
    if (it != by_id.end()) it->second->report_ids.push_back(reports->Text(i, "report_id"));
  }
  return out;
}

Result<std::vector<Duplicate>> IncidentService::Duplicates(const Incident& n) {
  const double r = options_.duplicate_radius_m;
  const double dlat = r / 111'195.0;
  const double dlon = r / (111'195.0 * std::max(0.01, std::cos(n.lat * 3.14159265358979 / 180)));
  const int64_t from = n.created_ms - options_.duplicate_window_ms;
  const int64_t to = n.created_ms + options_.duplicate_window_ms;
  std::vector<Duplicate> out;
  auto incidents = store_.Query(
      "SELECT id, category, lat, lon, created_ms FROM incidents WHERE family = $1 AND id <> $2 "
      "AND merged_into IS NULL AND status <> 'closed' AND created_ms >= $3 AND created_ms <= $4 "
      "AND lat BETWEEN $5 AND $6 AND lon BETWEEN $7 AND $8",
      {n.family, n.id, from, to, n.lat - dlat, n.lat + dlat, n.lon - dlon, n.lon + dlon});
  if (!incidents.ok()) return incidents.status();
  for (size_t i = 0; i < incidents->size(); ++i) {
    double d =
        geo::HaversineMeters(n.lat, n.lon, incidents->Real(i, "lat"), incidents->Real(i, "lon"));
    if (d <= r)
      out.push_back({"incident", incidents->Text(i, "id"), incidents->Text(i, "category"), d,
                     incidents->Int(i, "created_ms")});
  }
  // Loose reports only: those already held by an incident are left out.
  auto reports = community::ReportsNear(
      store_, {n.family, from, to, n.lat - dlat, n.lat + dlat, n.lon - dlon, n.lon + dlon});
  if (!reports.ok()) return reports.status();
  std::vector<std::string> near;
  for (const community::ReportPoint& p : *reports) near.push_back(p.id);
  std::set<std::string> linked;
  if (!near.empty()) {
    store::Params ids;
    auto held = store::TextColumn(
        store_.Query("SELECT report_id FROM incident_reports WHERE report_id IN " +
                         store::InList(ids, near),
                     ids),
        "report_id");
    if (!held.ok()) return held.status();
    linked.insert(held->begin(), held->end());
  }
  for (const community::ReportPoint& p : *reports) {
    if (linked.count(p.id)) continue;
    double d = geo::HaversineMeters(n.lat, n.lon, p.lat, p.lon);
    if (d <= r) out.push_back({"report", p.id, p.category, d, p.created_ms});
  }
  std::sort(out.begin(), out.end(), [](const Duplicate& a, const Duplicate& b) {
    return a.distance_m != b.distance_m ? a.distance_m < b.distance_m : a.id < b.id;
  });
  return out;
}

Result<std::optional<PublicTimeline>> IncidentService::ForReport(const std::string& report_id) {
  auto link = store_.Query(
      "SELECT i.id, i.status FROM incident_reports l JOIN incidents i ON i.id = l.incident_id "
      "WHERE l.report_id = $1",
      {report_id});
  if (!link.ok()) return link.status();
  if (link->empty()) return std::optional<PublicTimeline>();
  PublicTimeline t;
  t.incident_id = link->Text(0, "id");
  t.status = link->Text(0, "status");
  auto steps = LoadSteps(store_, t.incident_id, true);
  if (!steps.ok()) return steps.status();
  t.steps = std::move(*steps);
  return std::optional<PublicTimeline>(std::move(t));
}

Result<std::vector<StepShowingMedia>> StepsShowingMedia(store::Store& store,
                                                        const std::string& media_id) {
  auto rows = store.Query(
      "SELECT s.visibility, s.incident_id, i.areas FROM incident_steps s JOIN incidents i ON "
      "i.id = s.incident_id WHERE s.media_id = $1",
      {media_id});
  return store::MapRows<StepShowingMedia>(rows, [](const store::Rows& r, size_t i) {
    return StepShowingMedia{r.Text(i, "incident_id"), r.Text(i, "visibility") == "public",
                            ParseJsonStringList(r.Text(i, "areas"))};
  });
}

Result<std::vector<std::string>> ReportsOfIncident(store::Store& store,
                                                   const std::string& incident_id) {
  return store::TextColumn(
      store.Query("SELECT report_id FROM incident_reports WHERE incident_id = $1", {incident_id}),
      "report_id");
}

Result<std::optional<Incident>> LoadIncidentRow(store::Tx& tx, const std::string& id) {
  auto rows = tx.Exec("SELECT " + kRow.Select() + " FROM incidents WHERE id = $1", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Incident>();
  return std::optional<Incident>(FromRow(*rows, 0));
}

Result<std::vector<ResponseRow>> ResponseRows(store::Store& store, const std::string& area,
                                              int64_t from_ms, int64_t to_ms, int64_t limit) {
  auto rows = store.Query(
      "SELECT i.priority AS priority, i.agencies AS agencies, i.received_ms AS received, "
      "i.on_scene_ms AS on_scene FROM incidents i JOIN incident_areas ia ON ia.incident_id = i.id "
      "WHERE ia.area_code = $1 AND i.received_ms >= $2 AND i.received_ms < $3 AND "
      "i.on_scene_ms IS NOT NULL AND i.merged_into IS NULL LIMIT " +
          std::to_string(limit),
      {area, from_ms, to_ms});
  return store::MapRows<ResponseRow>(rows, [](const store::Rows& r, size_t i) {
    return ResponseRow{static_cast<int>(r.Int(i, "priority")),
                       ParseJsonStringList(r.Text(i, "agencies")), r.Int(i, "received"),
                       r.Int(i, "on_scene")};
  });
}

}  // namespace centinela::dispatch
