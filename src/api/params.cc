#include "api/params.h"

#include <charconv>
#include <cmath>

#include "analytics/period.h"

namespace centinela::api {

namespace {

// "'name' " + rest, built step by step (GCC 12's -Wrestrict false positive on `"'" + s`).
std::string Message(std::string_view name, std::string_view rest) {
  std::string m = "'";
  m += name;
  m += "' ";
  m += rest;
  return m;
}

}  // namespace

std::optional<std::string> QueryText(const http::Request& req, std::string_view name) {
  auto it = req.query.find(std::string(name));
  if (it == req.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Result<std::string> QueryRequired(const http::Request& req, std::string_view name) {
  auto text = QueryText(req, name);
  if (!text) return InvalidArgument(Message(name, "is required"));
  return *std::move(text);
}

Result<int64_t> ParseInt(std::string_view text, std::string_view name) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end)
    return InvalidArgument(Message(name, "must be an integer"));
  return v;
}

Result<double> ParseNumber(std::string_view text, std::string_view name) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(v))
    return InvalidArgument(Message(name, "must be a number"));
  return v;
}

Result<std::optional<int64_t>> QueryInt(const http::Request& req, std::string_view name,
                                        int64_t min, int64_t max) {
  auto text = QueryText(req, name);
  if (!text) return std::optional<int64_t>();
  auto v = ParseInt(*text, name);
  if (!v.ok()) return v.status();
  if (*v < min || *v > max)
    return InvalidArgument(
        Message(name, "must be " + std::to_string(min) + " to " + std::to_string(max)));
  return std::optional<int64_t>(*v);
}

Result<std::optional<double>> QueryNumber(const http::Request& req, std::string_view name) {
  auto text = QueryText(req, name);
  if (!text) return std::optional<double>();
  auto v = ParseNumber(*text, name);
  if (!v.ok()) return v.status();
  return std::optional<double>(*v);
}

Result<bool> QueryBool(const http::Request& req, std::string_view name, bool fallback) {
  auto text = QueryText(req, name);
  if (!text) return fallback;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  return InvalidArgument(Message(name, "must be true or false"));
}

Result<std::string> QueryChoice(const http::Request& req, std::string_view name,
                                std::initializer_list<std::string_view> choices,
                                std::string_view fallback) {
  auto text = QueryText(req, name);
  if (!text) return std::string(fallback);
  std::string listed;
  size_t i = 0;
  for (std::string_view c : choices) {
    if (*text == c) return *std::move(text);
    if (i > 0) listed += i + 1 == choices.size() ? " or " : ", ";
    listed += c;
    ++i;
  }
  return InvalidArgument(Message(name, "must be " + listed));
}

Result<std::vector<std::string>> QueryList(const http::Request& req, std::string_view name,
                                           size_t max_items) {
  std::vector<std::string> out;
  auto text = QueryText(req, name);
  if (!text) return out;
  std::string_view s = *text;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  if (out.size() > max_items) {
    std::string m = "at most " + std::to_string(max_items) + " values in '";
    m += name;
    m += "'";
    return InvalidArgument(std::move(m));
  }
  return out;
}

Result<std::optional<int64_t>> QueryTime(const http::Request& req, std::string_view name,
                                         int utc_offset_min) {
  auto text = QueryText(req, name);
  if (!text) return std::optional<int64_t>();
  auto v = analytics::ParseTimeBound(*text, name);
  if (!v.ok()) return v.status();
  const bool date = text->size() == 10 && (*text)[4] == '-' && (*text)[7] == '-';
  return std::optional<int64_t>(date ? *v - int64_t{utc_offset_min} * 60'000 : *v);
}

}  // namespace centinela::api
