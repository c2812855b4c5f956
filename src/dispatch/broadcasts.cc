#include "dispatch/broadcasts.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <ctime>
#include <memory>

#include "common/clock.h"
#include "common/hash.h"
#include "common/text.h"
#include "community/json_list.h"
#include "events/types.h"
#include "store/row_map.h"
#include "store/sql.h"

namespace centinela::dispatch {

namespace {

namespace json = boost::json;

bool In(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string PolygonText(const std::vector<std::pair<double, double>>& ring) {
  std::string out;
  for (const auto& [lat, lon] : ring) {
    if (!out.empty()) out.push_back(' ');
    out += fmt::format("{},{}", lat, lon);
  }
  return out;
}

std::string PolygonJson(const std::vector<std::pair<double, double>>& ring) {
  if (ring.empty()) return "";
  std::string out = "[";
  for (size_t i = 0; i < ring.size(); ++i)
    out += fmt::format("{}[{},{}]", i ? "," : "", ring[i].second, ring[i].first);
  return out + "]";
}

std::vector<std::pair<double, double>> ParsePolygon(const std::string& text) {
  std::vector<std::pair<double, double>> out;
  if (text.empty()) return out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const json::value& p : v.as_array())
    if (p.is_array() && p.as_array().size() == 2)
      out.emplace_back(p.as_array()[1].to_number<double>(), p.as_array()[0].to_number<double>());
  return out;
}

const store::RowMap<Broadcast> kRow(
    "id, sender_id, headline, body, instruction, severity, urgency, certainty, category, "
    "areas, polygon, expires_ms, created_ms, headline_en, body_en, instruction_en",
    {&Broadcast::id, &Broadcast::sender_id, &Broadcast::headline, &Broadcast::body,
     &Broadcast::instruction, &Broadcast::severity, &Broadcast::urgency, &Broadcast::certainty,
     &Broadcast::category, store::kParsedByOwner, store::kParsedByOwner, &Broadcast::expires_ms,
     &Broadcast::created_ms, &Broadcast::headline_en, &Broadcast::body_en,
     &Broadcast::instruction_en});

Broadcast FromRow(const store::Rows& rows, size_t i) {
  Broadcast b = kRow.Read(rows, i);
  b.areas = community::ParseJsonStringList(rows.Text(i, "areas"));
  b.polygon = ParsePolygon(rows.Text(i, "polygon"));
  return b;
}

}  // namespace

const std::vector<std::string>& CapSeverities() {
  static const std::vector<std::string> kValues = {"Extreme", "Severe", "Moderate", "Minor",
                                                   "Unknown"};
  return kValues;
}
const std::vector<std::string>& CapUrgencies() {
  static const std::vector<std::string> kValues = {"Immediate", "Expected", "Future", "Past",
                                                   "Unknown"};
  return kValues;
}
const std::vector<std::string>& CapCertainties() {
  static const std::vector<std::string> kValues = {"Observed", "Likely", "Possible", "Unlikely",
                                                   "Unknown"};
  return kValues;
}
const std::vector<std::string>& CapCategories() {
  static const std::vector<std::string> kValues = {"Geo",       "Met",   "Safety", "Security",
                                                   "Rescue",    "Fire",  "Health", "Env",
                                                   "Transport", "Infra", "CBRNE",  "Other"};
  return kValues;
}

Status ValidateBroadcast(const Broadcast& b, int64_t now_ms) {
  if (b.headline.empty() || b.headline.size() > kMaxHeadlineBytes || !Utf8CodePoints(b.headline))
    return Unprocessable("'headline' must be 1 to 160 bytes of UTF-8");
  if (b.body.empty() || b.body.size() > kMaxBroadcastBodyBytes || !Utf8CodePoints(b.body))
    return Unprocessable("'body' must be 1 to 4000 bytes of UTF-8");
  if (b.instruction.size() > kMaxBroadcastBodyBytes || !Utf8CodePoints(b.instruction))
    return Unprocessable("'instruction' must be at most 4000 bytes of UTF-8");
  if (b.headline_en.empty() != b.body_en.empty())
    return Unprocessable("the English version needs both 'headline_en' and 'body_en'");
  if (b.headline_en.size() > kMaxHeadlineBytes || !Utf8CodePoints(b.headline_en))
    return Unprocessable("'headline_en' must be at most 160 bytes of UTF-8");
  if (b.body_en.size() > kMaxBroadcastBodyBytes || !Utf8CodePoints(b.body_en) ||
      b.instruction_en.size() > kMaxBroadcastBodyBytes || !Utf8CodePoints(b.instruction_en))
    return Unprocessable("'body_en' and 'instruction_en' must be at most 4000 bytes of UTF-8");
  if (b.body_en.empty() && !b.instruction_en.empty())
    return Unprocessable("'instruction_en' goes with 'headline_en' and 'body_en'");
  if (!In(CapSeverities(), b.severity))
    return Unprocessable("'severity' must be Extreme, Severe, Moderate, Minor or Unknown");
  if (!In(CapUrgencies(), b.urgency))
    return Unprocessable("'urgency' must be Immediate, Expected, Future, Past or Unknown");
  if (!In(CapCertainties(), b.certainty))
    return Unprocessable("'certainty' must be Observed, Likely, Possible, Unlikely or Unknown");
  if (!In(CapCategories(), b.category)) return Unprocessable("'category' is not a CAP category");
  if (b.expires_ms <= now_ms || b.expires_ms > now_ms + kMaxBroadcastLifetimeMs)
    return Unprocessable("'expires' must be in the future and at most 7 days ahead");
  if (b.areas.empty() && b.polygon.empty())
    return Unprocessable("name 'areas' or draw a 'polygon'");
  if (!b.polygon.empty()) {
    if (b.polygon.size() < 4 || b.polygon.size() > kMaxPolygonPoints)
      return Unprocessable("a polygon has 4 to 1000 points");
    if (b.polygon.front() != b.polygon.back())
      return Unprocessable("a polygon's first and last points are the same");
    for (const auto& [lat, lon] : b.polygon)
      if (!std::isfinite(lat) || !std::isfinite(lon) || std::fabs(lat) > 90 || std::fabs(lon) > 180)
        return Unprocessable("polygon coordinates out of range");
  }
  return Status::Ok();
}

std::string CapTime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string RenderCap(const Broadcast& b, const std::string& sender) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n";
  x += "  <identifier>centinela-" + EscapeMarkup(b.id) + "</identifier>\n";
  x += "  <sender>" + EscapeMarkup(sender) + "</sender>\n";
  x += "  <sent>" + CapTime(b.created_ms) + "</sent>\n";
  x += "  <status>Actual</status>\n  <msgType>Alert</msgType>\n  <scope>Public</scope>\n";
  std::string desc;
  for (size_t i = 0; i < b.areas.size(); ++i) {
    if (i) desc += ", ";
    desc += i < b.area_names.size() && !b.area_names[i].empty() ? b.area_names[i] : b.areas[i];
  }
  if (desc.empty()) desc = "Polígono dibujado / drawn polygon";
  std::string area = "    <area>\n      <areaDesc>" + EscapeMarkup(desc) + "</areaDesc>\n";
  if (!b.polygon.empty()) area += "      <polygon>" + PolygonText(b.polygon) + "</polygon>\n";
  for (const std::string& code : b.areas)
    area += "      <geocode>\n        <valueName>centinela-area</valueName>\n        <value>" +
            EscapeMarkup(code) + "</value>\n      </geocode>\n";
  area += "    </area>\n";
  // One <info> per language: Spanish, then English when the sender wrote it.
  auto info = [&](const char* language, const std::string& headline, const std::string& body,
                  const std::string& instruction) {
    x += std::string("  <info>\n    <language>") + language + "</language>\n";
    x += "    <category>" + EscapeMarkup(b.category) + "</category>\n";
    x += "    <event>" + EscapeMarkup(headline) + "</event>\n";
    x += "    <urgency>" + EscapeMarkup(b.urgency) + "</urgency>\n";
    x += "    <severity>" + EscapeMarkup(b.severity) + "</severity>\n";
    x += "    <certainty>" + EscapeMarkup(b.certainty) + "</certainty>\n";
    x += "    <expires>" + CapTime(b.expires_ms) + "</expires>\n";
    x += "    <senderName>Centinela</senderName>\n";
    x += "    <headline>" + EscapeMarkup(headline) + "</headline>\n";
    x += "    <description>" + EscapeMarkup(body) + "</description>\n";
    if (!instruction.empty()) x += "    <instruction>" + EscapeMarkup(instruction) + "</instruction>\n";
    x += area + "  </info>\n";
  };
  info("es-CL", b.headline, b.body, b.instruction);
  if (!b.headline_en.empty()) info("en-US", b.headline_en, b.body_en, b.instruction_en);
  x += "</alert>\n";
  return x;
}

std::string RenderAtom(const std::vector<Broadcast>& items, const std::string& base_url,
                       int64_t updated_ms) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  x += "  <id>" + EscapeMarkup(base_url) + "/api/v1/broadcasts.atom</id>\n";
  x += "  <title>Centinela: avisos a la comunidad / community alerts</title>\n";
  x += "  <updated>" + CapTime(updated_ms) + "</updated>\n";
  x += "  <link rel=\"self\" href=\"" + EscapeMarkup(base_url) + "/api/v1/broadcasts.atom\"/>\n";
  x += "  <author><name>Centinela</name></author>\n";
  for (const Broadcast& b : items) {
    const std::string cap = base_url + "/api/v1/broadcasts/" + b.id + ".cap";
    x += "  <entry>\n";
    x += "    <id>urn:centinela:broadcast:" + EscapeMarkup(b.id) + "</id>\n";
    x += "    <title>" + EscapeMarkup(b.headline) + "</title>\n";
    x += "    <updated>" + CapTime(b.created_ms) + "</updated>\n";
    x += "    <summary>" + EscapeMarkup(b.severity + " / " + b.urgency + " / " + b.certainty + ": " + b.body) +
         "</summary>\n";
    x += "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"" + EscapeMarkup(cap) + "\"/>\n";
    x += "  </entry>\n";
  }
  x += "</feed>\n";
  return x;
}

BroadcastService::BroadcastService(store::Store& store) : store_(store), writes_(store) {}
BroadcastService::~BroadcastService() { writes_.Drain(); }

void BroadcastService::Send(Broadcast b, std::function<void(Result<Broadcast>)> done) {
  auto shared = std::make_shared<Broadcast>(std::move(b));
  shared->id = NewId();
  writes_.Submit(
      [shared](store::Tx& tx) -> Status {
        Broadcast& b = *shared;
        b.created_ms = tx.NowMs();
        Status v = ValidateBroadcast(b, b.created_ms);
        if (!v.ok()) return v;
        const std::string polygon = PolygonJson(b.polygon);
        auto ins = tx.Exec(
            "INSERT INTO broadcasts (id, sender_id, headline, body, instruction, severity, "
            "urgency, "
            "certainty, category, areas, polygon, expires_ms, created_ms, headline_en, body_en, "
            "instruction_en) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
            "$15, $16)",
            {b.id, b.sender_id, b.headline, b.body,
             b.instruction.empty() ? store::Value() : store::Value(b.instruction), b.severity,
             b.urgency, b.certainty, b.category, community::JsonStringList(b.areas),
             polygon.empty() ? store::Value() : store::Value(polygon), b.expires_ms, b.created_ms,
             store::TextOrNull(b.headline_en), store::TextOrNull(b.body_en),
             store::TextOrNull(b.instruction_en)});
        if (!ins.ok()) return ins.status();
        for (const std::string& area : b.areas) {
          auto a = tx.Exec(
              "INSERT INTO broadcast_areas (area_code, created_ms, broadcast_id) VALUES ($1, $2, "
              "$3)",
              {area, b.created_ms, b.id});
          if (!a.ok()) return a.status();
        }
        // Written by hand so the polygon's coordinates stay in plain decimal.
        json::object o{{"id", b.id},         {"headline", b.headline}, {"body", b.body},
                       {"severity", b.severity}, {"urgency", b.urgency},
                       {"certainty", b.certainty}, {"category", b.category},
                       {"areas", json::value_from(b.areas)},
                       {"expires_at", FormatIsoTime(b.expires_ms)}};
        if (!b.instruction.empty()) o["instruction"] = b.instruction;
        if (!b.headline_en.empty()) {
          o["headline_en"] = b.headline_en;
          o["body_en"] = b.body_en;
          if (!b.instruction_en.empty()) o["instruction_en"] = b.instruction_en;
        }
        std::string payload = json::serialize(o);
        if (!polygon.empty()) {
          payload.pop_back();
          payload += ",\"polygon\":" + polygon + "}";
        }
        auto e = tx.Append({events::type::kBroadcastSent, b.sender_id, "broadcast:" + b.id,
                            events::scope::kBroadcast, payload});
        if (!e.ok()) return e.status();
        return Status::Ok();
      },
      [shared, done = std::move(done)](Status s, std::vector<store::Event>) {
        if (!s.ok()) return done(s);
        done(*shared);
      });
}

Result<std::optional<Broadcast>> BroadcastService::Get(const std::string& id) {
  auto rows = store_.Query("SELECT " + kRow.Select() + " FROM broadcasts WHERE id = $1", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Broadcast>();
  return std::optional<Broadcast>(FromRow(*rows, 0));
}

Result<std::vector<Broadcast>> BroadcastService::List(int limit, bool active_only,
                                                      int64_t now_ms) {
  std::string sql = "SELECT " + kRow.Select() + " FROM broadcasts";
  store::Params p;
  if (active_only) {
    sql += " WHERE expires_ms > $1";
    p.push_back(now_ms);
  }
  sql += " ORDER BY created_ms DESC, id DESC LIMIT " + std::to_string(std::clamp(limit, 1, 200));
  auto rows = store_.Query(sql, p);
  return store::MapRows<Broadcast>(rows, FromRow);
}

}  // namespace centinela::dispatch
