#include "analytics/adoption_format.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/text.h"

namespace centinela::analytics {

namespace {

// A JSON string literal (Boost.JSON escapes it).
std::string Quote(const std::string& s) { return boost::json::serialize(boost::json::string(s)); }

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Display width of UTF-8 text: code points (bytes when the text is not valid UTF-8).
size_t Width(const std::string& s) { return Utf8CodePoints(s).value_or(s.size()); }

std::string Pad(const std::string& s, size_t width, bool right) {
  const size_t w = Width(s);
  const std::string fill(w < width ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

}  // namespace

std::string AdoptionJson(const std::vector<AdoptionRow>& rows, const std::string& area,
                         int64_t from_ms, std::optional<int64_t> to_ms) {
  std::string out = "{\"area\":" + Quote(area) + ",\"from_ms\":" + std::to_string(from_ms) +
                    ",\"to_ms\":" + (to_ms ? std::to_string(*to_ms) : "null") + ",\"rows\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const AdoptionRow& r = rows[i];
    if (i) out += ",";
    out += "{\"code\":" + Quote(r.code) + ",\"name\":" + Quote(r.name) +
           ",\"parent\":" + (i == 0 || r.parent.empty() ? "null" : Quote(r.parent)) +
           ",\"depth\":" + std::to_string(r.depth) + ",\"leaf\":" + (r.leaf ? "true" : "false") +
           ",\"population\":" + std::to_string(r.population) +
           ",\"registered_addresses\":" + std::to_string(r.registered) +
           ",\"target\":" + std::to_string(r.target) + ",\"missing\":" + std::to_string(r.missing) +
           ",\"compliance_pct\":" +
           (r.compliance_tenths ? FormatTenths(r.compliance_tenths) : "null") +
           ",\"reports\":" + std::to_string(r.reports) + "}";
  }
  return out + "]}";
}

std::string AdoptionCsv(const std::vector<AdoptionRow>& rows) {
  std::string out =
      "code,name,parent,depth,population,registered_addresses,target,missing,compliance_pct,"
      "reports\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const AdoptionRow& r = rows[i];
    out += CsvField(r.code) + "," + CsvField(r.name) + "," + (i == 0 ? "" : CsvField(r.parent)) +
           "," + std::to_string(r.depth) + "," + std::to_string(r.population) + "," +
           std::to_string(r.registered) + "," + std::to_string(r.target) + "," +
           std::to_string(r.missing) + "," + FormatTenths(r.compliance_tenths) + "," +
           std::to_string(r.reports) + "\n";
  }
  return out;
}

std::string AdoptionText(const std::vector<AdoptionRow>& rows) {
  const std::vector<std::string> head = {"area",    "population", "registered", "target",
                                         "missing", "compliance", "reports"};
  std::vector<std::vector<std::string>> cells;
  for (const AdoptionRow& r : rows) {
    std::string label = std::string(static_cast<size_t>(2 * r.depth), ' ') + r.name;
    if (r.name != r.code) label += " (" + r.code + ")";
    const std::string pct = r.compliance_tenths ? FormatTenths(r.compliance_tenths) + " %" : "-";
    cells.push_back({label, std::to_string(r.population), std::to_string(r.registered),
                     std::to_string(r.target), std::to_string(r.missing), pct,
                     std::to_string(r.reports)});
  }
  std::vector<size_t> width(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    width[c] = Width(head[c]);
    for (const auto& row : cells) width[c] = std::max(width[c], Width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out += "  ";
      out += Pad(row[c], width[c], c > 0);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(head);
  for (const auto& row : cells) out += line(row);
  return out;
}

}  // namespace centinela::analytics
