#include "community/membership.h"

#include <algorithm>
#include <boost/json.hpp>
#include <memory>

#include "auth/identity.h"
#include "common/hash.h"
#include "events/types.h"
#include "media/media_rows.h"
#include "store/row_map.h"
#include "store/sql.h"

namespace centinela::community {

namespace {

namespace json = boost::json;

const store::RowMap<Membership> kRow(
    "id, user_id, area_code, address, home_lat, home_lon, id_type, id_number, "
    "proof_media_id, status, reason, decided_by, created_ms, decided_ms",
    {&Membership::id, &Membership::user_id, &Membership::area_code, &Membership::address,
     &Membership::lat, &Membership::lon, &Membership::id_type, &Membership::id_number,
     &Membership::proof_media_id, &Membership::status, &Membership::reason, &Membership::decided_by,
     &Membership::created_ms, &Membership::decided_ms});

Membership FromRow(const store::Rows& rows, size_t i) { return kRow.Read(rows, i); }

// The event payload never carries the id number: the log is read more widely than the
// memberships table.
std::string Payload(const Membership& m) {
  json::object o{{"membership", m.id}, {"user", m.user_id}, {"area", m.area_code},
                 {"status", m.status}};
  if (!m.reason.empty()) o["reason"] = m.reason;
  return json::serialize(o);
}

store::EventDraft EventFor(const std::string& type, const std::string& actor,
                           const Membership& m) {
  return store::EventDraft{type, actor, "membership:" + m.id, events::scope::StaffArea(m.area_code),
                           Payload(m)};
}

}  // namespace

std::optional<std::string> HomeArea(const areas::AreaService& areas, double lat, double lon) {
  std::vector<areas::Area> found = areas.At(lat, lon);  // outermost first
  if (found.empty()) return std::nullopt;
  for (auto it = found.rbegin(); it != found.rend(); ++it)
    if (it->kind == areas::Kind::kNeighbourhood) return it->code;
  return found.back().code;
}

MembershipService::MembershipService(store::Store& store, const areas::AreaService& areas,
                                     MembershipOptions options)
    : store_(store),
      areas_(areas),
      options_(options),
      clock_(options_.clock ? *options_.clock : system_clock_),
      requests_per_day_(0, options_.max_per_day, clock_) {}

std::optional<int> MembershipService::Reserve(const std::string& user_id) {
  if (options_.max_per_day <= 0) return std::nullopt;
  return requests_per_day_.Reserve(user_id);
}

void MembershipService::Request(const MembershipRequest& req,
                                std::function<void(Result<Membership>)> done) {
  auto m = std::make_shared<Membership>();
  if (req.address.empty() || req.address.size() > kMaxMembershipAddressBytes)
    return done(Unprocessable("address is required (at most 300 bytes)"));
  if (!(req.lat >= -90 && req.lat <= 90 && req.lon >= -180 && req.lon <= 180))
    return done(Unprocessable("lat must be -90..90 and lon -180..180"));
  std::optional<auth::IdType> type = auth::ParseIdType(req.id_type);
  if (!type) return done(Unprocessable("id_type must be 'rut', 'dni' or 'other'"));
  Result<std::string> number = auth::NormalizeNationalId(*type, req.id_number);
  if (!number.ok()) return done(Unprocessable(number.status().message()));
  std::optional<std::string> area = HomeArea(areas_, req.lat, req.lon);
  if (!area) return done(Unprocessable("the home point lies outside every area"));
  if (req.proof_media_id.empty())
    return done(Unprocessable("proof_media_id (an uploaded proof of residence) is required"));
  auto media = media::MediaOwner(store_, req.proof_media_id);
  if (!media.ok()) return done(media.status());
  if (!*media || **media != req.user_id)
    return done(Unprocessable("proof_media_id is not a media item you uploaded"));

  m->id = NewId();
  m->user_id = req.user_id;
  m->area_code = *area;
  m->address = req.address;
  m->lat = req.lat;
  m->lon = req.lon;
  m->id_type = std::string(auth::IdTypeName(*type));
  m->id_number = *number;
  m->proof_media_id = req.proof_media_id;
  m->status = "pending";
  store_.Write(
      [m](store::Tx& tx) -> Status {
        m->created_ms = tx.NowMs();
        // The partial unique index answers a second active membership with kConflict; the
        // savepoint around this WriteFn rolls the failed INSERT back on PostgreSQL too.
        auto ins = tx.Exec(
            "INSERT INTO memberships (id, user_id, area_code, address, home_lat, home_lon, "
            "id_type, id_number, proof_media_id, status, created_ms) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10)",
            {m->id, m->user_id, m->area_code, m->address, m->lat, m->lon, m->id_type,
             m->id_number, m->proof_media_id, m->created_ms});
        if (!ins.ok()) {
          if (ins.status().code() == Code::kConflict)
            return Conflict("you already have a pending or approved membership; leave it first");
          return ins.status();
        }
        auto ev = tx.Append(EventFor(events::type::kMembershipRequested, m->user_id, *m));
        return ev.ok() ? Status::Ok() : ev.status();
      },
      [m, done = std::move(done)](Status s, std::vector<store::Event>) {
        if (!s.ok()) return done(s);
        done(*m);
      });
}

Result<std::vector<Membership>> MembershipService::Mine(const std::string& user_id) {
  auto rows = store_.Query("SELECT " + kRow.Select() +
                               " FROM memberships WHERE user_id = $1 ORDER BY created_ms DESC, id",
                           {user_id});
  return store::MapRows<Membership>(rows, FromRow);
}

Result<std::vector<Membership>> MembershipService::List(const std::string& area,
                                                        const std::string& status) {
  std::string sql = "SELECT " + kRow.Select() + " FROM memberships WHERE area_code = $1";
  store::Params p{area};
  if (!status.empty()) {
    sql += " AND status = $2";
    p.emplace_back(status);
  }
  sql += " ORDER BY created_ms DESC, id LIMIT " + std::to_string(kMaxMembershipsListed);
  auto rows = store_.Query(sql, p);
  return store::MapRows<Membership>(rows, FromRow);
}

Result<std::optional<Membership>> MembershipService::Get(const std::string& id) {
  auto rows = store_.Query("SELECT " + kRow.Select() + " FROM memberships WHERE id = $1", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Membership>();
  return std::optional<Membership>(FromRow(*rows, 0));
}

void MembershipService::Decide(const std::string& id, const std::string& actor, bool approve,
                               const std::string& reason,
                               std::function<void(Result<Membership>)> done) {
  auto m = std::make_shared<Membership>();
  store_.Write(
      [m, id, actor, approve, reason](store::Tx& tx) -> Status {
        auto rows = tx.Exec("SELECT " + kRow.Select() + " FROM memberships WHERE id = $1", {id});
        if (!rows.ok()) return rows.status();
        if (rows->empty()) return NotFound("no membership '" + id + "'");
        *m = FromRow(*rows, 0);
        if (m->status != "pending")
          return Conflict("membership is " + m->status + ", not pending");
        m->status = approve ? "approved" : "rejected";
        m->reason = reason;
        m->decided_by = actor;
        m->decided_ms = tx.NowMs();
        auto up = tx.Exec(
            "UPDATE memberships SET status = $1, reason = $2, decided_by = $3, decided_ms = $4 "
            "WHERE id = $5 AND status = 'pending'",
            {m->status, reason.empty() ? store::Value() : store::Value(reason), actor,
             m->decided_ms, id});
        if (!up.ok()) return up.status();
        if (up->affected != 1) return Conflict("membership is no longer pending");
        auto ev = tx.Append(EventFor(
            approve ? events::type::kMembershipApproved : events::type::kMembershipRejected, actor,
            *m));
        return ev.ok() ? Status::Ok() : ev.status();
      },
      [m, done = std::move(done)](Status s, std::vector<store::Event>) {
        if (!s.ok()) return done(s);
        done(*m);
      });
}

void MembershipService::Leave(const std::string& id, const std::string& user_id,
                              std::function<void(Result<Membership>)> done) {
  auto m = std::make_shared<Membership>();
  store_.Write(
      [m, id, user_id](store::Tx& tx) -> Status {
        auto rows = tx.Exec("SELECT " + kRow.Select() + " FROM memberships WHERE id = $1", {id});
        if (!rows.ok()) return rows.status();
        if (rows->empty() || rows->Text(0, "user_id") != user_id)
          return NotFound("no membership '" + id + "' of yours");
        *m = FromRow(*rows, 0);
        if (m->status != "pending" && m->status != "approved")
          return Conflict("membership is " + m->status + ", not active");
        m->status = "left";
        m->decided_ms = tx.NowMs();
        auto up = tx.Exec(
            "UPDATE memberships SET status = 'left', decided_ms = $1 WHERE id = $2 AND status IN "
            "('pending', 'approved')",
            {m->decided_ms, id});
        if (!up.ok()) return up.status();
        if (up->affected != 1) return Conflict("membership is no longer active");
        auto ev = tx.Append(EventFor(events::type::kMembershipLeft, user_id, *m));
        return ev.ok() ? Status::Ok() : ev.status();
      },
      [m, done = std::move(done)](Status s, std::vector<store::Event>) {
        if (!s.ok()) return done(s);
        done(*m);
      });
}

Result<std::unordered_map<std::string, int64_t>> MembershipService::ApprovedCounts() {
  auto rows = store_.Query(
      "SELECT area_code, COUNT(*) AS n FROM memberships WHERE status = 'approved' GROUP BY "
      "area_code");
  if (!rows.ok()) return rows.status();
  std::unordered_map<std::string, int64_t> out;
  for (size_t i = 0; i < rows->size(); ++i) out[rows->Text(i, "area_code")] = rows->Int(i, "n");
  return out;
}

namespace {

Result<std::vector<std::string>> AreaCodes(const Result<store::Rows>& rows) {
  return store::TextColumn(rows, "area_code");
}

constexpr const char* kProofSql = "SELECT area_code FROM memberships WHERE proof_media_id = $1";

}  // namespace

Result<std::vector<std::string>> ProofMediaAreas(store::Tx& tx, const std::string& media_id) {
  return AreaCodes(tx.Exec(kProofSql, {media_id}));
}

Result<std::vector<std::string>> ProofMediaAreas(store::Store& store, const std::string& media_id) {
  return AreaCodes(store.Query(kProofSql, {media_id}));
}

Result<std::vector<std::string>> ApprovedNeighbourhoods(store::Store& store,
                                                        const std::string& user_id) {
  return AreaCodes(store.Query(
      "SELECT area_code FROM memberships WHERE user_id = $1 AND status = 'approved'", {user_id}));
}

}  // namespace centinela::community
