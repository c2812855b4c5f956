#include "realtime/audience.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string_view>

#include "common/clock.h"
#include "community/render.h"
#include "events/types.h"

namespace centinela::realtime {

namespace json = boost::json;

namespace {

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

void Quote(std::string& out, std::string_view s) { out += json::serialize(json::string_view(s.data(), s.size())); }

std::optional<std::string> Str(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

std::optional<double> Num(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_number()) return std::nullopt;
  return it->value().to_number<double>();
}

bool Bool(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_bool() && it->value().get_bool();
}

community::ReportVariant ReportVariantOf(Variant v) {
  switch (v) {
    case Variant::kExactHidden:
      return community::ReportVariant::kExactHidden;
    case Variant::kCoarseShown:
      return community::ReportVariant::kCoarseShown;
    case Variant::kCoarseHidden:
      return community::ReportVariant::kCoarseHidden;
    default:
      return community::ReportVariant::kExactShown;
  }
}

}  // namespace

struct PreparedEvent::Parsed {
  json::value doc;  // the payload; null when it is not a JSON object
};

PreparedEvent::PreparedEvent(const store::Event& e, const ReportLookup& lookup)
    : event_(e), parsed_(std::make_unique<Parsed>()) {
  using ScopeKind = events::scope::Parsed::Kind;
  events::scope::Parsed scope = events::scope::Parse(e.scope);
  audience_.target = std::move(scope.target);
  if (scope.kind == ScopeKind::kReport) {
    audience_.kind = Audience::Kind::kReport;
  } else if (scope.kind == ScopeKind::kUser) {
    audience_.kind = Audience::Kind::kUser;
  } else if (scope.kind == ScopeKind::kStaffArea) {
    audience_.kind = Audience::Kind::kStaffArea;
  } else if (scope.kind == ScopeKind::kAdmin) {
    audience_.kind = Audience::Kind::kAdmin;
  } else if (scope.kind == ScopeKind::kPublic) {
    audience_.kind = Audience::Kind::kPublic;
  } else if (scope.kind == ScopeKind::kBroadcast) {
    audience_.kind = Audience::Kind::kBroadcast;
    boost::system::error_code ec;
    json::value doc = json::parse(e.payload, ec);
    if (ec || !doc.is_object()) {
      audience_.kind = Audience::Kind::kNone;
      return;
    }
    parsed_->doc = doc;
    const json::object& o = doc.get_object();
    if (const json::value* a = o.if_contains("areas"); a && a->is_array()) {
      for (const json::value& code : a->get_array()) {
        if (code.is_string()) audience_.areas.emplace_back(code.get_string());
      }
    }
    if (const json::value* p = o.if_contains("polygon"); p && p->is_array()) {
      for (const json::value& pt : p->get_array()) {
        if (pt.is_array() && pt.get_array().size() == 2 && pt.get_array()[0].is_number() &&
            pt.get_array()[1].is_number()) {
          audience_.polygon.emplace_back(pt.get_array()[1].to_number<double>(),
                                         pt.get_array()[0].to_number<double>());
        }
      }
    }
    return;  // rendered from the broadcast allow-list
  }
  if (audience_.kind != Audience::Kind::kReport) return;  // payload used verbatim
  boost::system::error_code ec;
  json::value doc = json::parse(e.payload, ec);
  if (!ec && doc.is_object()) parsed_->doc = std::move(doc);
  if (e.type == events::type::kReportCreated && parsed_->doc.is_object()) {
    const json::object& o = parsed_->doc.get_object();
    auto reporter = Str(o, "reporter_id");
    auto lat = Num(o, "lat");
    auto lon = Num(o, "lon");
    auto sensitivity = community::ParseSensitivity(Str(o, "sensitivity").value_or(""));
    if (reporter && lat && lon && sensitivity) {
      ReportInfo info;
      info.facts.reporter_id = *reporter;
      info.facts.sensitivity = *sensitivity;
      info.facts.anonymous = Bool(o, "anonymous");
      info.facts.share_with_family = Bool(o, "share_with_family");
      if (auto it = o.find("areas"); it != o.end() && it->value().is_array())
        for (const json::value& a : it->value().get_array())
          if (a.is_string()) info.facts.areas.emplace_back(a.get_string());
      info.lat = *lat;
      info.lon = *lon;
      audience_.report = std::move(info);
      return;
    }
  }
  if (lookup) audience_.report = lookup(audience_.target);
}

PreparedEvent::~PreparedEvent() = default;

std::optional<ReportInfo> PreparedEvent::CreatedReport() const {
  if (event_.type != events::type::kReportCreated) return std::nullopt;
  return audience_.report;
}

MessagePtr PreparedEvent::For(Variant v) {
  MessagePtr& slot = cache_[static_cast<size_t>(v)];
  if (slot) return slot;
  std::string text;
  text.reserve(event_.payload.size() + 128);
  text += "{\"seq\":";
  text += std::to_string(event_.seq);
  text += ",\"type\":";
  Quote(text, event_.type);
  text += ",\"time\":\"";
  text += FormatIsoTime(event_.time_ms);
  text += "\",\"data\":";
  if (v == Variant::kAsIs && audience_.kind == Audience::Kind::kBroadcast) {
    // Broadcasts reach neighbours: only their allow-list (community/render.h).
    text += parsed_->doc.is_object() ? community::RenderBroadcast(parsed_->doc.get_object())
                                     : std::string("{}");
  } else if (v == Variant::kAsIs) {
    text += event_.payload.empty() ? std::string("{}") : event_.payload;
  } else if (!parsed_->doc.is_object()) {
    text += "{}";
  } else {
    // Every variant of a report event is built from its allow-list (community/render.h),
    // never by taking fields out of the payload.
    const std::string reporter = audience_.report ? audience_.report->facts.reporter_id : "";
    text += community::RenderReportEvent(event_.type, parsed_->doc.get_object(), reporter,
                                         ReportVariantOf(v));
  }
  text.push_back('}');
  slot = MakeMessage(event_.seq, std::move(text));
  return slot;
}

std::optional<Variant> Match(const SubscriberInfo& s, const Audience& a,
                             const std::vector<std::string>& area_path) {
  const community::Viewer& v = s.viewer;
  switch (a.kind) {
    case Audience::Kind::kNone:
      return std::nullopt;
    case Audience::Kind::kPublic:
      return Variant::kAsIs;
    case Audience::Kind::kUser:
      if (!v.user_id.empty() && v.user_id == a.target) return Variant::kAsIs;
      return std::nullopt;
    case Audience::Kind::kAdmin:
      for (const auth::Grant& g : v.grants)
        if (g.role == auth::Role::kAdmin && g.area_code == auth::kAllAreas) return Variant::kAsIs;
      return std::nullopt;
    case Audience::Kind::kStaffArea:
      for (const auth::Grant& g : v.grants) {
        if (!auth::IsStaffRole(g.role) || g.area_code.empty()) continue;
        if (g.area_code == auth::kAllAreas || Contains(area_path, g.area_code))
          return Variant::kAsIs;
      }
      return std::nullopt;
    case Audience::Kind::kBroadcast:
      for (const auth::Grant& g : v.grants) {
        if (!auth::IsStaffRole(g.role) || g.area_code.empty()) continue;
        if (g.area_code == auth::kAllAreas || Contains(area_path, g.area_code))
          return Variant::kAsIs;
      }
      for (const std::string& n : v.neighbourhoods)
        if (Contains(a.reach, n)) return Variant::kAsIs;
      return std::nullopt;
    case Audience::Kind::kReport:
      break;
  }
  if (!a.report) return std::nullopt;
  const community::ReportFacts& facts = a.report->facts;
  community::View view;
  if (!v.user_id.empty() && Contains(s.family_of, facts.reporter_id)) {
    community::ReportFacts with_family = facts;
    with_family.family_member_ids = {v.user_id};
    view = community::Decide(v, with_family);
  } else {
    view = community::Decide(v, facts);
  }
  if (!view.visible) return std::nullopt;
  // The one naming rule (community::NamePerson); a read it would have to log is withheld
  // here, as the stream cannot log before it sends.
  const bool shown =
      community::NamePerson(facts.reporter_id, facts, view) == community::Naming::kShown;
  if (view.location == community::Location::kExact)
    return shown ? Variant::kExactShown : Variant::kExactHidden;
  return shown ? Variant::kCoarseShown : Variant::kCoarseHidden;
}

MessagePtr HelloMessage(int64_t seq, const std::string& session) {
  std::string t = "{\"type\":\"hello\",\"seq\":" + std::to_string(seq) + ",\"session\":";
  Quote(t, session);
  t += "}";
  return MakeMessage(0, std::move(t));
}

MessagePtr RefetchMessage(int64_t seq, const std::string& reason) {
  std::string t = "{\"type\":\"refetch\",\"seq\":" + std::to_string(seq) + ",\"reason\":";
  Quote(t, reason);
  t += "}";
  return MakeMessage(0, std::move(t));
}

}  // namespace centinela::realtime
