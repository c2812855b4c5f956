#include "community/render.h"
#include "events/types.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <optional>

namespace centinela::community {

namespace json = boost::json;

namespace {

constexpr FieldRule kC = FieldRule::kCopy;
constexpr FieldRule kO = FieldRule::kOmit;
constexpr std::array<FieldRule, 4> kAll = {kC, kC, kC, kC};
// Named only where the variant names the reporter.
constexpr std::array<FieldRule, 4> kReporterOnly = {kC, kO, kC, kO};
constexpr std::array<FieldRule, 4> kLat = {kC, kC, FieldRule::kCoarseLat, FieldRule::kCoarseLat};
constexpr std::array<FieldRule, 4> kLon = {kC, kC, FieldRule::kCoarseLon, FieldRule::kCoarseLon};

// The allow-lists. Adding a field here shows it to the variants its rules name; the
// literal lists in tests/unit/community/render_test.cc must then be edited too.
const std::vector<AllowedField> kReportCreated = {
    {"id", kAll},        {"category", kAll},  {"sensitivity", kAll},
    {"priority", kAll},  {"lat", kLat},       {"lon", kLon},
    {"anonymous", kAll}, {"share_with_family", kAll}, {"reporter_id", kReporterOnly},
    {"areas", kAll},     {"agencies", kAll}};
const std::vector<AllowedField> kCommentAdded = {{"comment_id", kAll}, {"report_id", kAll}};
const std::vector<AllowedField> kReportConfirmed = {{"report_id", kAll}};
// A public timeline step as a report's readers see it (never its actor; internal steps
// never reach a report's scope).
const std::vector<AllowedField> kReportStep = {
    {"incident_id", kAll}, {"step_id", kAll}, {"kind", kAll},     {"status", kAll},
    {"label", kAll},       {"note", kAll},    {"media_id", kAll}, {"at", kAll},
    {"outcome", kAll},     {"report_id", kAll}};
const std::vector<AllowedField> kBroadcast = {
    {"id", kAll},          {"headline", kAll},    {"body", kAll},           {"severity", kAll},
    {"urgency", kAll},     {"certainty", kAll},   {"category", kAll},       {"areas", kAll},
    {"expires_at", kAll},  {"instruction", kAll}, {"headline_en", kAll},    {"body_en", kAll},
    {"instruction_en", kAll}, {"polygon", kAll}};
constexpr FieldRule kN = FieldRule::kNull;
constexpr std::array<FieldRule, 4> kExactOrNull = {kC, kC, kN, kN};
constexpr std::array<FieldRule, 4> kNamedOrNull = {kC, kN, kC, kN};
const std::vector<AllowedField> kReport = {
    {"id", kAll},         {"category", kAll},      {"family", kAll},
    {"sensitivity", kAll}, {"priority", kAll},     {"lat", kLat},
    {"lon", kLon},        {"location", kAll},      {"anonymous", kAll},
    {"share_with_family", kAll}, {"areas", kAll},  {"agencies", kAll},
    {"status", kAll},     {"confirmations", kAll}, {"comments", kAll},
    {"media", kAll},      {"created_at", kAll},    {"updated_at", kAll},
    {"accuracy", kExactOrNull}, {"address", kExactOrNull}, {"description", kAll},
    {"reporter", kNamedOrNull}};
const std::vector<AllowedField> kNothing;

const AllowedField* Find(const std::vector<AllowedField>& list, std::string_view name) {
  for (const AllowedField& f : list)
    if (f.name == name) return &f;
  return nullptr;
}

void Quote(std::string& out, std::string_view s) {
  out += json::serialize(json::string_view(s.data(), s.size()));
}

// JSON text of v with every double in plain decimal (Boost.JSON 1.81 would write exponents).
void Write(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      out += fmt::format("{}", v.get_double());
      return;
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        Quote(out, kv.key());
        out.push_back(':');
        Write(out, kv.value());
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const json::value& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        Write(out, e);
      }
      out.push_back(']');
      return;
    }
    default:
      out += json::serialize(v);
  }
}

std::optional<double> Num(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_number()) return std::nullopt;
  return it->value().to_number<double>();
}

}  // namespace

ReportVariant VariantOf(const View& view, bool reporter_named) {
  if (view.location == Location::kExact)
    return reporter_named ? ReportVariant::kExactShown : ReportVariant::kExactHidden;
  return reporter_named ? ReportVariant::kCoarseShown : ReportVariant::kCoarseHidden;
}

const std::vector<AllowedField>& ReportEventFields(std::string_view type) {
  if (type == events::type::kReportCreated) return kReportCreated;
  if (type == events::type::kCommentAdded) return kCommentAdded;
  if (type == events::type::kReportConfirmed) return kReportConfirmed;
  if (type == events::type::kReportStep) return kReportStep;
  return kNothing;
}

const std::vector<AllowedField>& BroadcastFields() { return kBroadcast; }
const std::vector<AllowedField>& ReportFields() { return kReport; }

std::vector<std::string> FieldsOf(std::string_view type, ReportVariant variant) {
  const std::vector<AllowedField>& list = type == events::type::kBroadcastSent ? kBroadcast
                                          : type == "report"                   ? kReport
                                                             : ReportEventFields(type);
  std::vector<std::string> out;
  bool located = false;
  for (const AllowedField& f : list) {
    if (f.rules[static_cast<size_t>(variant)] == FieldRule::kOmit) continue;
    out.emplace_back(f.name);
    if (f.name == "lat") located = true;
  }
  if (located && type != events::type::kBroadcastSent && type != "report")
    out.emplace_back("location");
  return out;
}

std::string RenderReportEvent(std::string_view type, const json::object& o,
                              std::string_view reporter_id, ReportVariant variant) {
  const std::vector<AllowedField>& allowed = ReportEventFields(type);
  const bool shown = NamesReporter(variant);
  const auto lat = Num(o, "lat");
  const auto lon = Num(o, "lon");
  std::string text = "{";
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) text.push_back(',');
    first = false;
    Quote(text, k);
    text.push_back(':');
  };
  for (const auto& kv : o) {
    const AllowedField* f = Find(allowed, kv.key());
    if (!f) continue;
    const FieldRule rule = f->rules[static_cast<size_t>(variant)];
    if (rule == FieldRule::kOmit || rule == FieldRule::kNull) continue;  // events omit
    // A hidden variant withholds the reporter under whatever key names them (an author, an
    // actor): NamePerson hides the anonymous reporter from this variant's viewers.
    if (!shown && !reporter_id.empty() && kv.value().is_string() &&
        kv.value().get_string() == reporter_id)
      continue;
    if (rule == FieldRule::kCoarseLat || rule == FieldRule::kCoarseLon) {
      if (!lat || !lon) continue;  // a lone coordinate: left out
      key(kv.key());
      text += fmt::format("{}", rule == FieldRule::kCoarseLat ? CoarsenLat(*lat)
                                                              : CoarsenLon(*lat, *lon));
      continue;
    }
    key(kv.key());
    Write(text, kv.value());
  }
  if (lat && lon && Find(allowed, "lat") && Find(allowed, "lon")) {
    key("location");
    text += IsExact(variant) ? "\"exact\"" : "\"coarse\"";
  }
  text.push_back('}');
  return text;
}

std::string RenderBroadcast(const json::object& o) {
  json::object allowed;  // in payload order; broadcasts are few, the copy is cheap
  for (const auto& kv : o)
    if (Find(kBroadcast, kv.key())) allowed.emplace(kv.key(), kv.value());
  std::string text;
  Write(text, allowed);
  return text;
}

}  // namespace centinela::community
