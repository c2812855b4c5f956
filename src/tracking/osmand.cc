#include "tracking/osmand.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "common/clock.h"

namespace centinela::tracking {

namespace {

namespace json = boost::json;

constexpr double kKnotToMps = 1852.0 / 3600.0;

std::optional<double> Number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

const json::value* Path(const json::value& v, std::initializer_list<std::string_view> keys) {
  const json::value* cur = &v;
  for (std::string_view k : keys) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(k);
    if (!cur) return nullptr;
  }
  return cur;
}

std::optional<double> JsonNumber(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> ParseOsmAndTime(std::string_view s) {
  // yyyy-MM-dd[T ]HH:mm:ss[.fff][Z|±hh:mm]
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) {
      ++pos;
    } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
      int oh, om;
      if (!Digits(s, pos + 1, 2, &oh) || !Digits(s, pos + 4, 2, &om)) return std::nullopt;
      offset_min = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
      pos = s.size();
    } else {
      return std::nullopt;
    }
  }
  const int64_t seconds = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
  return (seconds - offset_min * 60) * 1000 + ms;
}

Result<OsmAndMessage> ParseOsmAndQuery(const std::map<std::string, std::string>& params) {
  auto get = [&params](const char* k) -> const std::string* {
    auto it = params.find(k);
    return it == params.end() ? nullptr : &it->second;
  };
  OsmAndMessage m;
  const std::string* id = get("id");
  if (!id) id = get("deviceid");
  if (!id || id->empty()) return InvalidArgument("missing device 'id'");
  m.device_id = *id;
  auto number = [&](const char* k, std::optional<double>* out) -> Status {
    const std::string* v = get(k);
    if (!v) return Status::Ok();
    *out = Number(*v);
    if (!*out) return InvalidArgument(std::string("'") + k + "' is not a number");
    return Status::Ok();
  };
  for (auto [k, out] : {std::pair{"lat", &m.lat}, std::pair{"lon", &m.lon}}) {
    Status s = number(k, out);
    if (!s.ok()) return s;
  }
  if (const std::string* loc = get("location")) {
    size_t comma = loc->find(',');
    if (comma == std::string::npos) return InvalidArgument("'location' is LAT,LON");
    m.lat = Number(std::string_view(*loc).substr(0, comma));
    m.lon = Number(std::string_view(*loc).substr(comma + 1));
    if (!m.lat || !m.lon) return InvalidArgument("'location' is LAT,LON");
  }
  if (m.lat.has_value() != m.lon.has_value()) return InvalidArgument("'lat' and 'lon' go together");
  std::optional<double> speed_kn, bearing, heading, accuracy;
  for (auto [k, out] : {std::pair{"speed", &speed_kn}, std::pair{"bearing", &bearing},
                        std::pair{"heading", &heading}, std::pair{"accuracy", &accuracy}}) {
    Status s = number(k, out);
    if (!s.ok()) return s;
  }
  if (speed_kn) m.speed_mps = *speed_kn * kKnotToMps;
  m.heading = bearing ? bearing : heading;
  m.accuracy_m = accuracy;
  if (const std::string* ts = get("timestamp")) {
    if (ts->find_first_not_of("0123456789") == std::string::npos && !ts->empty() &&
        ts->size() <= 15) {
      int64_t v = std::stoll(*ts);
      m.time_ms = v < 2'147'483'647 ? v * 1000 : v;
    } else {
      m.time_ms = ParseOsmAndTime(*ts);
      if (!m.time_ms) return InvalidArgument("'timestamp' does not parse");
    }
  }
  return m;
}

Result<OsmAndMessage> ParseOsmAndJson(std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return InvalidArgument("malformed JSON");
  OsmAndMessage m;
  const json::value* id = Path(doc, {"device_id"});
  if (!id || !id->is_string() || id->get_string().empty())
    return InvalidArgument("missing 'device_id'");
  m.device_id = std::string(id->get_string());
  m.lat = JsonNumber(Path(doc, {"location", "coords", "latitude"}));
  m.lon = JsonNumber(Path(doc, {"location", "coords", "longitude"}));
  if (m.lat.has_value() != m.lon.has_value())
    return InvalidArgument("'latitude' and 'longitude' go together");
  if (auto speed = JsonNumber(Path(doc, {"location", "coords", "speed"})); speed && *speed >= 0)
    m.speed_mps = speed;
  if (auto h = JsonNumber(Path(doc, {"location", "coords", "heading"})); h && *h >= 0)
    m.heading = h;
  if (auto a = JsonNumber(Path(doc, {"location", "coords", "accuracy"})); a && *a >= 0)
    m.accuracy_m = a;
  if (const json::value* ts = Path(doc, {"location", "timestamp"})) {
    if (!ts->is_string()) return InvalidArgument("'timestamp' must be ISO-8601 text");
    m.time_ms = ParseOsmAndTime(ts->get_string());
    if (!m.time_ms) return InvalidArgument("'timestamp' does not parse");
  }
  return m;
}

}  // namespace centinela::tracking
