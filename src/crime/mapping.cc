#include "crime/mapping.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/hash.h"
#include "common/text.h"

namespace centinela::crime {

namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int64_t m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool ReadDigits(std::string_view text, size_t& pos, size_t min_n, size_t max_n, int64_t& out) {
  size_t start = pos;
  out = 0;
  while (pos < text.size() && pos - start < max_n &&
         std::isdigit(static_cast<unsigned char>(text[pos]))) {
    out = out * 10 + (text[pos] - '0');
    ++pos;
  }
  return pos - start >= min_n;
}

std::optional<double> ParseDouble(std::string_view s) {
  std::string t = Trim(s);
  if (t.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string Latin1ToUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

Result<int> ParseOffset(std::string_view s) {
  // "+HH:MM" / "-HH:MM" / "Z"
  if (s == "Z" || s == "+00:00" || s == "00:00") return 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
    return InvalidArgument("utc_offset must look like -06:00 or +01:00");
  size_t pos = 1;
  int64_t h = 0, m = 0;
  if (!ReadDigits(s, pos, 2, 2, h)) return InvalidArgument("utc_offset: bad hours");
  pos = 4;
  if (!ReadDigits(s, pos, 2, 2, m) || h > 14 || m > 59)
    return InvalidArgument("utc_offset: bad minutes");
  int v = static_cast<int>(h * 60 + m);
  return s[0] == '-' ? -v : v;
}

}  // namespace

Result<int> ParseUtcOffset(std::string_view s) { return ParseOffset(s); }

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point for the last '*'.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && eq(pattern[p], text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<int64_t> ParseDate(std::string_view format, std::string_view text, size_t* consumed) {
  size_t pos = 0;
  int64_t y = -1, m = -1, d = 1;
  for (size_t i = 0; i < format.size();) {
    std::string_view rest = format.substr(i);
    if (rest.substr(0, 4) == "YYYY") {
      if (!ReadDigits(text, pos, 4, 4, y)) return std::nullopt;
      i += 4;
    } else if (rest.substr(0, 2) == "MM") {
      if (!ReadDigits(text, pos, 1, 2, m)) return std::nullopt;
      i += 2;
    } else if (rest.substr(0, 2) == "DD") {
      if (!ReadDigits(text, pos, 1, 2, d)) return std::nullopt;
      i += 2;
    } else {
      if (pos >= text.size() || text[pos] != format[i]) return std::nullopt;
      ++pos;
      ++i;
    }
  }
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m))
    return std::nullopt;
  if (consumed != nullptr) {
    *consumed = pos;
  } else if (pos != text.size()) {
    return std::nullopt;
  }
  return DaysFromCivil(y, m, d);
}

std::optional<int64_t> ParseTimeMs(std::string_view format, std::string_view text, bool lenient) {
  size_t pos = 0;
  int64_t h = 0, mi = 0, s = 0;
  if (!ReadDigits(text, pos, 1, 2, h) || h > 23) return std::nullopt;
  if (format == "HH:MM") {
    if (pos >= text.size() || text[pos] != ':') return std::nullopt;
    ++pos;
    if (!ReadDigits(text, pos, 2, 2, mi) || mi > 59) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadDigits(text, pos, 2, 2, s) || s > 59) return std::nullopt;
    }
  }
  if (lenient) {
    // Some exports append ":00" groups ("12:00:00:00"): zeros only, nothing else.
    while (pos + 3 <= text.size() && text.substr(pos, 3) == ":00") pos += 3;
  }
  if (pos != text.size()) return std::nullopt;
  return ((h * 60 + mi) * 60 + s) * 1000;
}

Result<Mapping> ParseMapping(std::string_view toml_text,
                             const std::map<std::string, std::string>& families) {
  toml::table t;
  try {
    t = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "mapping: " << e.description() << " (line " << e.source().begin.line << ")";
    return InvalidArgument(msg.str());
  }
  static const std::vector<std::string> kTop = {"source",   "kind",       "delimiter",
                                                "encoding", "utc_offset", "columns",
                                                "dates",    "bounds",     "categories"};
  for (const auto& [k, v] : t) {
    if (std::find(kTop.begin(), kTop.end(), std::string(k.str())) == kTop.end())
      return InvalidArgument("mapping: unknown key '" + std::string(k.str()) + "'");
  }
  Mapping m;
  m.source = t["source"].value_or(std::string());
  if (m.source.empty() || m.source.size() > 64 ||
      m.source.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.-") != std::string::npos)
    return InvalidArgument("mapping: source must be 1-64 characters of [a-z0-9_.-]");
  std::string kind = t["kind"].value_or(std::string("complaints"));
  if (kind == "complaints") {
    m.kind = MappingKind::kComplaints;
  } else if (kind == "monthly_counts") {
    m.kind = MappingKind::kMonthlyCounts;
  } else {
    return InvalidArgument("mapping: kind must be complaints or monthly_counts");
  }
  std::string delim = t["delimiter"].value_or(std::string(","));
  if (delim == "\\t") delim = "\t";
  if (delim.size() != 1 || delim == "\"" || delim == "\n" || delim == "\r")
    return InvalidArgument("mapping: delimiter must be one character (not a quote or line end)");
  m.delimiter = delim[0];
  std::string enc = t["encoding"].value_or(std::string("utf-8"));
  if (enc == "utf-8" || enc == "utf8") {
    m.encoding = Encoding::kUtf8;
  } else if (enc == "latin1" || enc == "iso-8859-1") {
    m.encoding = Encoding::kLatin1;
  } else {
    return InvalidArgument("mapping: encoding must be utf-8 or latin1");
  }
  auto off = ParseOffset(t["utc_offset"].value_or(std::string("+00:00")));
  if (!off.ok()) return Status(off.status().code(), "mapping: " + off.status().message());
  m.utc_offset_minutes = *off;

  if (auto* cols = t["columns"].as_table()) {
    static const std::vector<std::pair<const char*, std::string Mapping::*>> kCols = {
        {"id", &Mapping::col_id},     {"date", &Mapping::col_date},
        {"time", &Mapping::col_time}, {"category", &Mapping::col_category},
        {"lat", &Mapping::col_lat},   {"lon", &Mapping::col_lon},
        {"area", &Mapping::col_area}, {"count", &Mapping::col_count}};
    for (const auto& [k, v] : *cols) {
      auto it = std::find_if(kCols.begin(), kCols.end(),
                             [&](const auto& c) { return k.str() == c.first; });
      if (it == kCols.end() || !v.is_string())
        return InvalidArgument("mapping: columns." + std::string(k.str()) +
                               " is not a known column key (id, date, time, category, lat, lon, "
                               "area, count) given as a string");
      m.*(it->second) = *v.value<std::string>();
    }
  } else {
    return InvalidArgument("mapping: [columns] is required");
  }
  if (auto* d = t["dates"].as_table()) {
    m.date_format = (*d)["date_format"].value_or(m.date_format);
    m.time_format = (*d)["time_format"].value_or(m.time_format);
    if (m.time_format != "HH:MM" && m.time_format != "HH")
      return InvalidArgument("mapping: dates.time_format must be HH:MM or HH");
    m.lenient_time = (*d)["lenient"].value_or(false);
    if (auto mt = (*d)["missing_time"].value<std::string>(); mt && *mt != "error") {
      auto ms = ParseTimeMs("HH:MM", *mt, false);
      if (!ms) return InvalidArgument("mapping: dates.missing_time must be error or HH:MM");
      m.missing_time_minutes = static_cast<int>(*ms / 60000);
    }
    if (auto fd = (*d)["fixed_date"].value<std::string>()) {
      if (!ParseDate("YYYY-MM-DD", *fd))
        return InvalidArgument("mapping: dates.fixed_date must be YYYY-MM-DD");
      m.fixed_date = *fd;
    }
  }
  if (auto* b = t["bounds"].as_table()) {
    m.min_lat = (*b)["min_lat"].value<double>();
    m.max_lat = (*b)["max_lat"].value<double>();
    m.min_lon = (*b)["min_lon"].value<double>();
    m.max_lon = (*b)["max_lon"].value<double>();
    if (!m.min_lat || !m.max_lat || !m.min_lon || !m.max_lon || *m.min_lat >= *m.max_lat ||
        *m.min_lon >= *m.max_lon)
      return InvalidArgument("mapping: [bounds] needs min_lat < max_lat and min_lon < max_lon");
  }
  if (auto* c = t["categories"].as_table()) {
    std::string unmapped = (*c)["unmapped"].value_or(std::string("other"));
    if (unmapped != "other" && unmapped != "error")
      return InvalidArgument("mapping: categories.unmapped must be other or error");
    m.unmapped_is_error = unmapped == "error";
    m.other_family = (*c)["other_family"].value_or(m.other_family);
    if (auto* rules = (*c)["rules"].as_array()) {
      for (size_t i = 0; i < rules->size(); ++i) {
        auto* r = (*rules)[i].as_table();
        std::string where = "mapping: categories.rules[" + std::to_string(i) + "]";
        if (r == nullptr) return InvalidArgument(where + " must be a table {match, code}");
        auto match = (*r)["match"].value<std::string>();
        auto code = (*r)["code"].value<std::string>();
        if (!match || match->empty() || !code)
          return InvalidArgument(where + " needs match and code");
        if (*code != kOtherCategory && !families.contains(*code))
          return InvalidArgument(where + ": unknown category code '" + *code + "'");
        m.rules.push_back({*match, *code});
      }
    }
  }
  return m;
}

Result<RowConverter> RowConverter::Make(const Mapping& m,
                                        const std::vector<std::string_view>& header,
                                        const std::map<std::string, std::string>& families) {
  RowConverter c(m, families);
  c.columns_ = header.size();
  auto find = [&](const std::string& name, int& out, const char* key) -> Status {
    if (name.empty()) return Status::Ok();
    for (size_t i = 0; i < header.size(); ++i) {
      if (Trim(header[i]) == name) {
        out = static_cast<int>(i);
        return Status::Ok();
      }
    }
    return InvalidArgument(std::string("mapping: columns.") + key + " = '" + name +
                           "' is not in the file's header");
  };
  for (auto [name, out, key] :
       {std::tuple{&m.col_id, &c.id_, "id"}, std::tuple{&m.col_date, &c.date_, "date"},
        std::tuple{&m.col_time, &c.time_, "time"},
        std::tuple{&m.col_category, &c.category_, "category"},
        std::tuple{&m.col_lat, &c.lat_, "lat"}, std::tuple{&m.col_lon, &c.lon_, "lon"},
        std::tuple{&m.col_area, &c.area_, "area"}, std::tuple{&m.col_count, &c.count_, "count"}}) {
    Status s = find(*name, *out, key);
    if (!s.ok()) return s;
  }
  if (c.category_ < 0) return InvalidArgument("mapping: columns.category is required");
  if (m.kind == MappingKind::kComplaints) {
    if (c.date_ < 0 && !m.fixed_date)
      return InvalidArgument("mapping: give columns.date or dates.fixed_date");
    if ((c.lat_ < 0) != (c.lon_ < 0))
      return InvalidArgument("mapping: give both columns.lat and columns.lon");
    if (c.lat_ < 0 && c.area_ < 0)
      return InvalidArgument("mapping: give columns.lat/lon or columns.area");
  } else {
    if (c.date_ < 0 || c.area_ < 0 || c.count_ < 0)
      return InvalidArgument(
          "mapping: monthly_counts needs columns.date (the month), area and count");
  }
  return c;
}

std::string RowConverter::Text(const std::vector<std::string_view>& f, int col) const {
  if (col < 0 || static_cast<size_t>(col) >= f.size()) return {};
  if (m_.encoding == Encoding::kLatin1) return Trim(Latin1ToUtf8(f[col]));
  return Trim(f[col]);
}

int OccurrenceCounter::Add(uint64_t key) {
  if ((size_ + 1) * 2 > keys_.size()) Grow();
  const size_t mask = keys_.size() - 1;
  // Fibonacci hashing spreads keys that differ only in their high bits.
  size_t i = static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
  while (counts_[i] != 0 && keys_[i] != key) i = (i + 1) & mask;
  if (counts_[i] == 0) {
    keys_[i] = key;
    ++size_;
  }
  return ++counts_[i];
}

void OccurrenceCounter::Grow() {
  std::vector<uint64_t> keys = std::move(keys_);
  std::vector<int32_t> counts = std::move(counts_);
  const size_t capacity = keys.empty() ? 1024 : keys.size() * 2;
  keys_.assign(capacity, 0);
  counts_.assign(capacity, 0);
  const size_t mask = capacity - 1;
  for (size_t j = 0; j < keys.size(); ++j) {
    if (counts[j] == 0) continue;
    size_t i = static_cast<size_t>((keys[j] * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
    while (counts_[i] != 0) i = (i + 1) & mask;
    keys_[i] = keys[j];
    counts_[i] = counts[j];
  }
}

std::string RowConverter::RowId(const std::vector<std::string_view>& fields) {
  // No id column: the hash of the row's fields, plus an occurrence number so that identical
  // rows stay distinct cases (and the same file re-imported gives the same ids). Occurrences
  // are counted by the hash's first 64 bits (cheap to keep for millions of rows).
  joined_.clear();
  for (const auto& f : fields) {
    joined_.append(f);
    joined_.push_back('\x1f');
  }
  const std::string raw = Sha256Raw(joined_);
  uint64_t key = 0;
  for (int i = 0; i < 8; ++i) key = (key << 8) | static_cast<unsigned char>(raw[i]);
  // "h" + hex of the first 12 bytes [+ "-n" from the second occurrence on].
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[48];
  buf[0] = 'h';
  for (int i = 0; i < 12; ++i) {
    const auto b = static_cast<unsigned char>(raw[i]);
    buf[1 + 2 * i] = kHex[b >> 4];
    buf[2 + 2 * i] = kHex[b & 15];
  }
  size_t len = 25;
  const int n = id_seen_.Add(key);
  if (n > 1) len += static_cast<size_t>(std::snprintf(buf + len, sizeof buf - len, "-%d", n));
  return std::string(buf, len);
}

Result<std::pair<std::string, std::string>> RowConverter::MapCategory(std::string_view raw) {
  auto it = category_cache_.find(raw);
  if (it == category_cache_.end()) {
    std::string key(raw);
    std::optional<std::string> code;
    for (const CategoryRule& r : m_.rules) {
      if (GlobMatch(r.match, raw)) {
        code = r.code;
        break;
      }
    }
    it = category_cache_.emplace(key, code).first;
  }
  if (!it->second) {
    if (m_.unmapped_is_error)
      return Unprocessable("unmapped category '" + std::string(raw) + "'");
    return std::pair{std::string(kOtherCategory), m_.other_family};
  }
  const std::string& code = *it->second;
  if (code == kOtherCategory) return std::pair{code, m_.other_family};
  return std::pair{code, families_.at(code)};
}

Status RowConverter::CheckShape(const std::vector<std::string_view>& fields) const {
  if (fields.size() != columns_)
    return Unprocessable("expected " + std::to_string(columns_) + " fields, found " +
                         std::to_string(fields.size()));
  if (m_.encoding == Encoding::kUtf8) {
    for (size_t i = 0; i < fields.size(); ++i)
      if (!Utf8CodePoints(fields[i]))
        return Unprocessable("field " + std::to_string(i + 1) + " is not valid UTF-8");
  }
  return Status::Ok();
}

Result<ComplaintRecord> RowConverter::Complaint(const std::vector<std::string_view>& fields) {
  if (Status shape = CheckShape(fields); !shape.ok()) return shape;
  ComplaintRecord r;
  if (id_ >= 0) {
    r.source_id = Text(fields, id_);
    if (r.source_id.empty()) return Unprocessable("empty id");
    if (r.source_id.size() > 128) return Unprocessable("id longer than 128 bytes");
  } else {
    r.source_id = RowId(fields);
  }
  r.raw_category = Text(fields, category_);
  if (r.raw_category.empty()) return Unprocessable("empty category");
  auto cat = MapCategory(r.raw_category);
  if (!cat.ok()) return cat.status();
  r.category = cat->first;
  r.family = cat->second;

  // When it happened, local time of the source -> UTC.
  int64_t days = 0;
  std::optional<int64_t> time_ms;
  std::string time_text = Text(fields, time_);
  if (date_ >= 0) {
    std::string date_text = Text(fields, date_);
    if (date_text.empty()) return Unprocessable("empty date");
    size_t used = 0;
    auto d = ParseDate(m_.date_format, date_text, &used);
    if (!d) return Unprocessable("bad date '" + date_text + "' (expected " + m_.date_format + ")");
    if (used != date_text.size()) {
      std::string rest = Trim(std::string_view(date_text).substr(used));
      if (!m_.lenient_time)
        return Unprocessable("bad date '" + date_text + "' (expected " + m_.date_format + ")");
      // A date with its time appended ("2020-01-01 12:00:00"): use it when the time cell is empty.
      auto t = ParseTimeMs("HH:MM", rest, true);
      if (!t) return Unprocessable("bad date '" + date_text + "'");
      if (time_text.empty()) time_ms = t;
    }
    days = *d;
  } else {
    days = *ParseDate("YYYY-MM-DD", *m_.fixed_date);
    r.date_known = false;
  }
  if (!time_ms) {
    if (time_ < 0 || time_text.empty()) {
      if (time_ >= 0 && !m_.missing_time_minutes) return Unprocessable("empty time");
      time_ms = int64_t{m_.missing_time_minutes.value_or(0)} * 60000;
    } else {
      time_ms = ParseTimeMs(m_.time_format, time_text, m_.lenient_time);
      if (!time_ms)
        return Unprocessable("bad time '" + time_text + "' (expected " + m_.time_format + ")");
    }
  }
  r.occurred_ms = days * 86'400'000 + *time_ms - int64_t{m_.utc_offset_minutes} * 60'000;

  // Where.
  if (lat_ >= 0) {
    std::string lat_text = Text(fields, lat_), lon_text = Text(fields, lon_);
    if (!lat_text.empty() || !lon_text.empty()) {
      auto lat = ParseDouble(lat_text), lon = ParseDouble(lon_text);
      if (!lat || !lon)
        return Unprocessable("bad coordinates '" + lat_text + "', '" + lon_text + "'");
      if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
        return Unprocessable("coordinates out of range " + lat_text + ", " + lon_text);
      if (m_.min_lat &&
          (*lat < *m_.min_lat || *lat > *m_.max_lat || *lon < *m_.min_lon || *lon > *m_.max_lon))
        return Unprocessable("coordinates outside the mapping's bounds " + lat_text + ", " +
                             lon_text);
      r.lat = lat;
      r.lon = lon;
    }
  }
  r.area_code = Text(fields, area_);
  if (r.area_code.size() > 64) return Unprocessable("area code longer than 64 bytes");
  if (!r.lat && r.area_code.empty())
    return Unprocessable("no location (no coordinates and no area)");
  return r;
}

Result<MonthlyCountRecord> RowConverter::MonthlyCount(const std::vector<std::string_view>& fields) {
  if (Status shape = CheckShape(fields); !shape.ok()) return shape;
  MonthlyCountRecord r;
  r.area_code = Text(fields, area_);
  if (r.area_code.empty() || r.area_code.size() > 64) return Unprocessable("bad area code");
  std::string month = Text(fields, date_);
  // The month column is a date pattern without DD (e.g. YYYY-MM); day 1 is implied.
  auto days = ParseDate(m_.date_format, month);
  if (!days) return Unprocessable("bad month '" + month + "' (expected " + m_.date_format + ")");
  const CivilDay c = CivilFromDays(*days);
  r.month = std::to_string(c.year) + (c.month < 10 ? "-0" : "-") + std::to_string(c.month);
  r.crime_group = Text(fields, category_);
  if (r.crime_group.empty()) return Unprocessable("empty category");
  auto cat = MapCategory(r.crime_group);
  if (!cat.ok()) return cat.status();
  r.category = cat->first;
  r.family = cat->second;
  std::string count = Text(fields, count_);
  int64_t n = -1;
  auto [p, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
  if (ec != std::errc() || p != count.data() + count.size() || n < 0)
    return Unprocessable("bad count '" + count + "'");
  r.count = n;
  return r;
}

}  // namespace centinela::crime
