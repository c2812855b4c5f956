#include "app/access_review.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "common/clock.h"
#include "common/text.h"

namespace centinela::app {

namespace json = boost::json;

namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Login(const auth::GrantReview& g) { return g.email.empty() ? g.phone : g.email; }

std::string Iso(const std::optional<int64_t>& ms) { return ms ? FormatIsoTime(*ms) : ""; }

// The day (UTC) for the table, "never" when there is none.
std::string Day(const std::optional<int64_t>& ms) {
  return ms ? FormatIsoTime(*ms).substr(0, 10) : "never";
}

size_t Width(const std::string& s) { return Utf8CodePoints(s).value_or(s.size()); }

}  // namespace

Result<std::string> RenderAccessReview(const std::vector<auth::GrantReview>& rows,
                                       const AccessReviewFlags& flags, int64_t now_ms) {
  const int64_t cutoff_ms = now_ms - int64_t{flags.days} * 24 * 3600 * 1000;
  if (flags.format == "json") {
    json::array grants;
    for (const auth::GrantReview& g : rows) {
      json::object o;
      o["user_id"] = g.user_id;
      o["email"] = g.email.empty() ? json::value(nullptr) : json::value(g.email);
      o["phone"] = g.phone.empty() ? json::value(nullptr) : json::value(g.phone);
      o["display_name"] = g.display_name;
      o["role"] = auth::RoleName(g.grant.role);
      o["area"] = g.grant.area_code;
      o["granted_at"] = FormatIsoTime(g.granted_ms);
      o["last_used_at"] = g.last_used_ms ? json::value(FormatIsoTime(*g.last_used_ms)) : nullptr;
      o["last_login_at"] = g.last_login_ms ? json::value(FormatIsoTime(*g.last_login_ms)) : nullptr;
      o["disabled"] = g.disabled;
      grants.push_back(std::move(o));
    }
    json::object out{{"days", flags.days},
                     {"unused_since", FormatIsoTime(cutoff_ms)},
                     {"grants", std::move(grants)}};
    return json::serialize(out) + "\n";
  }
  if (flags.format == "csv") {
    std::string out =
        "user_id,email,phone,display_name,role,area,granted_at,last_used_at,last_login_at,"
        "disabled\n";
    for (const auth::GrantReview& g : rows) {
      out += CsvField(g.user_id) + "," + CsvField(g.email) + "," + CsvField(g.phone) + "," +
             CsvField(g.display_name) + "," + std::string(auth::RoleName(g.grant.role)) + "," +
             CsvField(g.grant.area_code) + "," + FormatIsoTime(g.granted_ms) + "," +
             Iso(g.last_used_ms) + "," + Iso(g.last_login_ms) + "," +
             (g.disabled ? "true" : "false") + "\n";
    }
    return out;
  }
  if (flags.format != "table")
    return InvalidArgument("--format must be table, csv or json, got '" + flags.format + "'");

  std::vector<std::vector<std::string>> table = {
      {"user", "login", "role", "area", "granted", "last used", "last login"}};
  for (const auth::GrantReview& g : rows) {
    table.push_back({g.user_id, Login(g) + (g.disabled ? " (disabled)" : ""),
                     std::string(auth::RoleName(g.grant.role)), g.grant.area_code,
                     Day(g.granted_ms), Day(g.last_used_ms), Day(g.last_login_ms)});
  }
  std::vector<size_t> widths(table[0].size(), 0);
  for (const auto& row : table)
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Width(row[c]));
  std::string out = "Staff grants not used since " + FormatIsoTime(cutoff_ms).substr(0, 10) + " (" +
                    std::to_string(flags.days) + " days): " + std::to_string(rows.size()) + "\n\n";
  for (const auto& row : table) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - Width(row[c]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace centinela::app
