#include "api/static_api.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "api/route.h"

namespace centinela::api {

namespace fs = std::filesystem;

namespace {

// Largest file the server reads into memory for one answer; the built app's biggest
// chunk (MapLibre) is about 1 MB.
constexpr int64_t kMaxFileBytes = 32 * 1024 * 1024;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kNoCache = "no-cache";

std::string_view TypeFor(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".mp3", "audio/mpeg"},
      {".wav", "audio/wav"},
  }};
  for (const auto& [ext, type] : kTypes)
    if (name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext) return type;
  return "application/octet-stream";
}

std::string HttpDate(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 64> buf{};
  size_t n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf.data(), n);
}

// -1 when the value is not an IMF-fixdate.
time_t ParseHttpDate(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return -1;
  return timegm(&tm);
}

// Splits the decoded path into segments; false when one is unsafe (".", "..", a hidden
// name, a backslash or a NUL).
bool SafeSegments(const std::string& path, std::vector<std::string>* out) {
  std::stringstream ss(path);
  std::string seg;
  while (std::getline(ss, seg, '/')) {
    if (seg.empty()) continue;
    if (seg[0] == '.' || seg.find('\\') != std::string::npos ||
        seg.find('\0') != std::string::npos)
      return false;
    out->push_back(seg);
  }
  return true;
}

bool Within(const std::string& root, const std::string& path) {
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

// True when an If-None-Match list names `etag` (or is "*"); weak comparison.
bool NoneMatch(std::string_view header, const std::string& etag) {
  size_t i = 0;
  while (i < header.size()) {
    size_t j = header.find(',', i);
    if (j == std::string_view::npos) j = header.size();
    std::string_view item = header.substr(i, j - i);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.size() > 2 && item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    i = j + 1;
  }
  return false;
}

}  // namespace

WebFiles::WebFiles(std::string dir) {
  std::error_code ec;
  fs::path canonical = fs::canonical(dir.empty() ? fs::path(".") : fs::path(dir), ec);
  if (!dir.empty() && !ec && fs::is_directory(canonical, ec)) root_ = canonical.string();
}

http::Response WebFiles::Serve(const http::Request& req) const {
  const std::string& path = req.path;
  if (path == "/api" || path.rfind("/api/", 0) == 0)
    return http::Response::Error(Code::kNotFound, "no such resource");
  std::vector<std::string> segments;
  if (!SafeSegments(path, &segments))
    return http::Response::Error(Code::kNotFound, "no such resource");
  if (root_.empty() || !fs::is_regular_file(root_ + "/index.html"))
    return http::Response::Error(
        Code::kNotFound, "the web app is not built: run `make web` (npm ci and vite build in web/)");
  std::string relative;
  for (const std::string& s : segments) relative += (relative.empty() ? "" : "/") + s;
  if (relative.empty()) relative = "index.html";

  std::error_code ec;
  const std::string full = root_ + "/" + relative;
  if (fs::is_regular_file(full, ec)) {
    fs::path real = fs::canonical(full, ec);
    if (ec || !Within(root_, real.string()))
      return http::Response::Error(Code::kNotFound, "no such resource");
    return File(real.string(), relative, req);
  }
  // A missing name with an extension is a missing file, not a page of the app: answering
  // index.html would hand a browser HTML where it expects a script.
  if (segments.empty() || segments.back().find('.') == std::string::npos)
    return File(root_ + "/index.html", "index.html", req);
  return http::Response::Error(Code::kNotFound, "no such resource");
}

http::Response WebFiles::File(const std::string& full, const std::string& relative,
                              const http::Request& req) const {
  struct stat st {};
  if (::stat(full.c_str(), &st) != 0 || st.st_size > kMaxFileBytes)
    return http::Response::Error(Code::kNotFound, "no such resource");
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  const std::string etag = fmt::format("\"{:x}-{:x}\"", static_cast<int64_t>(st.st_size), mtime_ns);
  const std::string last_modified = HttpDate(st.st_mtim.tv_sec);
  const bool immutable = relative.rfind("assets/", 0) == 0;

  http::Response resp;
  resp.content_type = std::string(TypeFor(relative));
  resp.headers = {{"ETag", etag},
                  {"Last-Modified", last_modified},
                  {"Cache-Control", std::string(immutable ? kImmutable : kNoCache)},
                  {"X-Content-Type-Options", "nosniff"}};

  std::string_view inm = req.Header("if-none-match");
  bool not_modified = false;
  if (!inm.empty()) {
    not_modified = NoneMatch(inm, etag);
  } else if (std::string_view ims = req.Header("if-modified-since"); !ims.empty()) {
    time_t since = ParseHttpDate(ims);
    not_modified = since >= 0 && st.st_mtim.tv_sec <= since;
  }
  if (not_modified) {
    resp.status = 304;
    return resp;
  }
  std::ifstream in(full, std::ios::binary);
  if (!in) return http::Response::Error(Code::kNotFound, "no such resource");
  std::string body(static_cast<size_t>(st.st_size), '\0');
  in.read(body.data(), st.st_size);
  if (in.gcount() != st.st_size) return http::Response::Error(Code::kInternal, "short read");
  resp.status = 200;
  resp.body = std::move(body);
  return resp;
}

std::string ResolveWebDir(const std::string& configured, const std::string& source_dir) {
  if (!configured.empty()) return configured;
  std::error_code ec;
  if (fs::is_regular_file("web/dist/index.html", ec)) return "web/dist";
  return source_dir + "/web/dist";
}

std::string ClientConfigBody(const WebOptions& options, const std::string& version) {
  json::object client{{"tile_url", options.tile_url},
                      {"tile_attribution", options.tile_attribution},
                      {"languages", json::array{"es", "en"}},
                      {"version", version}};
  return json::serialize(client);
}

void AddWebConfigRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return !ctx.client_config.empty(); });
  t.Add("GET", "/api/v1/config/client", Public(),
        [](ApiContext& ctx, http::Request&, const Caller&, Respond respond) {
          http::Response resp = http::Response::Json(200, ctx.client_config);
          resp.headers.emplace_back("Cache-Control", "no-cache");
          respond(std::move(resp));
        });
}

void AddWebRoutes(http::Router& r, const WebOptions& options) {
  auto files = std::make_shared<const WebFiles>(options.dir);
  r.SetFallback([files](http::Request& req, http::Reply reply) { reply(files->Serve(req)); });
}

}  // namespace centinela::api
