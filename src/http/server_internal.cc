#include "http/server_internal.h"

#include <fmt/format.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <array>
#include <cctype>

#include "common/clock.h"

namespace centinela::http::internal {

namespace {
void FillFrom(const boost::urls::url_view& u, Request* req) {
  std::string path = u.path();
  if (path.empty()) path.push_back('/');
  req->path = std::move(path);
  req->query.clear();
  if (!u.has_query()) return;
  boost::urls::encoding_opts opts(/*space_as_plus_=*/true);
  for (const auto& p : u.params(opts)) req->query.emplace(p.key, p.value);
}
}  // namespace

Status ParseTarget(std::string_view target, Request* req) {
  if (!target.empty() && target.front() == '/') {
    auto r = boost::urls::parse_origin_form(target);
    if (!r) return InvalidArgument("malformed request target");
    FillFrom(*r, req);
  } else {
    auto r = boost::urls::parse_absolute_uri(target);
    if (!r || (r->scheme() != "http" && r->scheme() != "https"))
      return InvalidArgument("malformed request target");
    FillFrom(*r, req);
  }
  if (req->path.find('\0') != std::string::npos) return InvalidArgument("malformed request target");
  return Status::Ok();
}

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kKnown = {
      "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view m : kKnown)
    if (m == method) return m;
  return "OTHER";
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    // RFC 9110 token characters.
    if (!(std::isalnum(c) ||
          std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos))
      return false;
  }
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

std::string AccessLogLine(const AccessEntry& e) {
  return fmt::format(
      "{{\"time\":\"{}\",\"method\":{},\"path\":{},\"route\":{},\"status\":{},\"bytes\":{},"
      "\"duration_ms\":{:.3f},\"ip\":{}{}}}",
      FormatIsoTime(e.time_ms), JsonQuote(e.method), JsonQuote(e.path), JsonQuote(e.route),
      e.status, e.bytes, e.duration_ms, JsonQuote(e.ip),
      e.request_id.empty() ? std::string() : ",\"request_id\":" + JsonQuote(e.request_id));
}

std::string WithRequestId(std::string body, std::string_view request_id) {
  // Response::Error writes exactly {"error":{"code":...,"message":...}}.
  constexpr std::string_view kHead = "{\"error\":{";
  if (request_id.empty() || !body.starts_with(kHead) || !body.ends_with("}}")) return body;
  body.insert(body.size() - 2, ",\"request_id\":" + JsonQuote(request_id));
  return body;
}

}  // namespace centinela::http::internal
