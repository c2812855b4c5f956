#include "app/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <toml++/toml.h>

#include "common/redact.h"

namespace centinela::app {

const std::vector<KeySpec>& ConfigKeys() {
  static const std::vector<KeySpec> kKeys = {
      {"data_dir", KeyType::kString, "./data", "Directory for the SQLite file and media; created if missing."},
      {"server.listen", KeyType::kString, "127.0.0.1:8080", "HOST:PORT the HTTP server binds (0.0.0.0:8080 for all interfaces)."},
      {"server.threads", KeyType::kInt, "0", "io_context threads; 0 = one per core."},
      {"server.max_body_bytes", KeyType::kInt, "1048576", "Largest accepted request body; larger ones get 413."},
      {"server.read_timeout_ms", KeyType::kInt, "30000", "A request must arrive completely within this time."},
      {"server.idle_timeout_ms", KeyType::kInt, "60000", "Idle keep-alive connections are closed after this time."},
      {"server.drain_timeout_ms", KeyType::kInt, "10000", "On SIGTERM/SIGINT, in-flight requests get this long to finish."},
      {"server.max_connections", KeyType::kInt, "10000", "Connections beyond this are answered 503 and closed."},
      {"server.trusted_proxies", KeyType::kString, "", "Reverse proxies whose X-Forwarded-For is believed, as a comma-separated CIDR list (e.g. 127.0.0.1/32, 10.0.0.0/8, ::1). Empty: the header is ignored and the connecting peer is the client."},
      {"store.url", KeyType::kString, "", "Database URL: sqlite:PATH or postgresql://user:pass@host:port/db; empty = sqlite:<data_dir>/centinela.db."},
      {"store.reader_connections", KeyType::kInt, "4", "Read-only connections in the pool."},
      {"store.max_batch", KeyType::kInt, "256", "Most writes group-committed in one transaction."},
      {"store.max_queue", KeyType::kInt, "100000", "Pending writes before new ones are refused with 503."},
      {"store.synchronous_full", KeyType::kBool, "true", "SQLite: fsync every commit (false risks losing acknowledged writes on power loss)."},
      {"auth.token_ttl_hours", KeyType::kInt, "720", "Lifetime of a login token (30 days)."},
      {"auth.hash_threads", KeyType::kInt, "2", "Threads that compute Argon2id password hashes off the request threads."},
      {"auth.min_password_length", KeyType::kInt, "10", "Shortest accepted password."},
      {"auth.bench_fast_password_hash", KeyType::kBool, "false", "Benchmarks only (bench/fanout creates 10,000 accounts): Argon2id at its minimum cost. Never set it in production."},
      {"auth.login_max_failures_per_account", KeyType::kInt, "5", "Failed logins for one account from one address within the window before that address is slowed for that account (429); the owner from another address is not affected."},
      {"auth.login_max_failures_per_ip", KeyType::kInt, "20", "Failed logins from one client address (any accounts) within the window before the address is slowed (429)."},
      {"auth.login_window_s", KeyType::kInt, "900", "Window in seconds over which failed logins are counted."},
      {"auth.login_lockout_s", KeyType::kInt, "60", "First back-off in seconds; doubles with each further one, at most 15 min."},
      {"auth.register_max_per_minute_per_ip", KeyType::kInt, "10", "Registrations from one client address per minute (429 with Retry-After beyond); 0 = no limit."},
      {"auth.register_max_per_day_per_ip", KeyType::kInt, "200", "Registrations from one client address per 24 h (429 with Retry-After beyond; carrier-grade NAT puts many phones behind one address); 0 = no limit."},
      {"auth.require_totp_for_staff", KeyType::kBool, "false", "Staff (any operator, responder, analyst, admin or deanonymise grant) must sign in with a TOTP code; one not yet enrolled gets a 15-minute token that may only enrol."},
      {"media.max_image_bytes", KeyType::kInt, "10485760", "Largest accepted photo (JPEG, PNG, WebP) upload; larger ones get 413."},
      {"media.max_video_bytes", KeyType::kInt, "52428800", "Largest accepted video (MP4) upload; larger ones get 413."},
      {"media.max_audio_bytes", KeyType::kInt, "10485760", "Largest accepted audio (MP3, AAC) upload; larger ones get 413."},
      {"reports.default_area", KeyType::kString, "", "Area code for reports whose point lies outside every area (empty: such reports carry no area and only all-areas staff and the reporter see them)."},
      {"reports.max_per_minute", KeyType::kInt, "10", "Reports one user may create per minute (429 with Retry-After beyond); 0 = no limit."},
      {"reports.max_per_day", KeyType::kInt, "100", "Reports one user may create per 24 h (429 with Retry-After beyond); 0 = no limit."},
      {"memberships.max_per_day", KeyType::kInt, "5", "Neighbourhood membership requests one user may make per 24 h (429 with Retry-After beyond); 0 = no limit."},
      {"community.comments_per_minute", KeyType::kInt, "5", "Comments one user may post per minute (429 with Retry-After beyond); 0 = no limit."},
      {"community.comments_per_day", KeyType::kInt, "100", "Comments one user may post per 24 h (429 with Retry-After beyond); 0 = no limit."},
      {"incidents.duplicate_radius_m", KeyType::kInt, "300", "Reports and open incidents of the same category family within this distance (metres) of an incident are suggested as duplicates."},
      {"incidents.duplicate_window_s", KeyType::kInt, "3600", "... and within this many seconds of it (before or after)."},
      {"tracking.stale_after_s", KeyType::kInt, "300", "A unit whose last position arrived longer ago than this is flagged stale."},
      {"tracking.retention_days", KeyType::kInt, "30", "Position trail rows older than this many days are deleted (swept every 500th position write); 0 = keep forever."},
      {"tracking.osmand_listen", KeyType::kString, "127.0.0.1:5055", "HOST:PORT of the OsmAnd (Traccar Client) listener; empty = off. A port already in use is logged and the API keeps serving."},
      {"web.dir", KeyType::kString, "", "The built web app (index.html, assets/) served at /; empty = ./web/dist when it exists, else web/dist in the source tree."},
      {"web.tile_url", KeyType::kString, "", "Basemap raster tile URL template ({z}/{x}/{y}) the web app uses: a path on this server, or an http(s) URL whose origin is added to the Content-Security-Policy; empty = no basemap, only the area outlines (works offline)."},
      {"web.tile_attribution", KeyType::kString, "", "Attribution text shown on the map for web.tile_url's tiles."},
      {"stream.max_queue", KeyType::kInt, "1024", "Messages queued to one live-stream session; past it the session is closed with 4008 (too slow) and the client resumes with since."},
      {"stream.max_sessions_per_user", KeyType::kInt, "8", "Open live-stream sessions (WebSocket + SSE) per user; more are answered 429."},
      {"stream.replay_max_events", KeyType::kInt, "10000", "A resume (since=) missing more events than this gets {\"type\":\"refetch\"} instead of a replay."},
      {"stream.replay_max_age_ms", KeyType::kInt, "86400000", "... or missing events older than this (24 h)."},
      {"stream.ping_interval_ms", KeyType::kInt, "20000", "Heartbeat: a WebSocket ping (or an SSE comment) every this many ms."},
      {"stream.idle_timeout_ms", KeyType::kInt, "60000", "A WebSocket from which nothing (not even a pong) arrives for this long is closed with 4001."},
      {"stream.write_timeout_ms", KeyType::kInt, "10000", "A stream write stuck this long (the client stopped reading) ends the session."},
      {"stream.send_buffer_bytes", KeyType::kInt, "0", "SO_SNDBUF of stream sockets; 0 = the kernel's default (tests set it small to provoke slow consumers)."},
      {"log.level", KeyType::kString, "info", "trace, debug, info, warn, error or off."},
      {"log.access", KeyType::kBool, "true", "Write one JSON access-log line per HTTP request."},
  };
  return kKeys;
}

std::string EnvName(const std::string& key) {
  std::string out = "CENTINELA_";
  for (char c : key) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

namespace {

const KeySpec* Find(const std::string& key) {
  for (const KeySpec& k : ConfigKeys())
    if (key == k.key) return &k;
  return nullptr;
}

Status Check(const KeySpec& spec, const std::string& value) {
  if (spec.type == KeyType::kInt) {
    if (value.empty()) return InvalidArgument(fmt::format("{}: expected an integer", spec.key));
    size_t i = value[0] == '-' ? 1 : 0;
    if (i == value.size() || !std::all_of(value.begin() + static_cast<long>(i), value.end(),
                                          [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return InvalidArgument(fmt::format("{}: expected an integer, got '{}'", spec.key, value));
  }
  if (spec.type == KeyType::kBool && value != "true" && value != "false")
    return InvalidArgument(fmt::format("{}: expected true or false, got '{}'", spec.key, value));
  return Status::Ok();
}

Status LoadToml(const std::string& path, std::map<std::string, std::string>& values) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(fmt::format("{}:{}:{}: {}", path, e.source().begin.line,
                                       e.source().begin.column, e.description()));
  }
  Status status;
  std::function<void(const toml::table&, const std::string&)> walk =
      [&](const toml::table& t, const std::string& prefix) {
        for (const auto& [k, node] : t) {
          std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
          if (const toml::table* sub = node.as_table()) {
            walk(*sub, key);
            continue;
          }
          const KeySpec* spec = Find(key);
          if (!spec) {
            if (status.ok()) status = InvalidArgument(fmt::format("{}: unknown key '{}'", path, key));
            continue;
          }
          std::string text;
          if (auto s = node.value<std::string>(); s && spec->type == KeyType::kString) text = *s;
          else if (auto i = node.value<int64_t>(); i && spec->type == KeyType::kInt && node.is_integer()) text = std::to_string(*i);
          else if (auto b = node.value<bool>(); b && spec->type == KeyType::kBool && node.is_boolean()) text = *b ? "true" : "false";
          else {
            if (status.ok())
              status = InvalidArgument(fmt::format("{}: key '{}' has the wrong type (want {})", path, key,
                                                   spec->type == KeyType::kInt ? "integer"
                                                   : spec->type == KeyType::kBool ? "boolean" : "string"));
            continue;
          }
          values[key] = text;
        }
      };
  walk(table, "");
  return status;
}

}  // namespace

Result<Config> Config::Load(const std::string& path, char** envp) {
  Config c;
  for (const KeySpec& k : ConfigKeys()) c.values_[k.key] = k.default_value;
  if (!path.empty()) {
    Status s = LoadToml(path, c.values_);
    if (!s.ok()) return s;
  }
  for (char** e = envp; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (!eq) continue;
    std::string name(*e, static_cast<size_t>(eq - *e));
    if (name.rfind("CENTINELA_", 0) != 0) continue;
    bool known = false;
    for (const KeySpec& k : ConfigKeys()) {
      if (EnvName(k.key) == name) {
        Status s = c.Set(k.key, eq + 1);
        if (!s.ok()) return InvalidArgument("environment " + name + ": " + s.message());
        known = true;
      }
    }
    (void)known;  // other CENTINELA_* variables (e.g. test settings) are not config keys
  }
  for (const KeySpec& k : ConfigKeys()) {
    Status s = Check(k, c.values_[k.key]);
    if (!s.ok()) return s;
  }
  return c;
}

Status Config::Set(const std::string& key, const std::string& value) {
  const KeySpec* spec = Find(key);
  if (!spec) return InvalidArgument("unknown configuration key '" + key + "'");
  Status s = Check(*spec, value);
  if (!s.ok()) return s;
  values_[key] = value;
  return Status::Ok();
}

std::string Config::Str(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

int64_t Config::Int(const std::string& key) const { return std::stoll(Str(key)); }
bool Config::Bool(const std::string& key) const { return Str(key) == "true"; }

std::string Config::StoreUrl() const {
  std::string url = Str("store.url");
  if (!url.empty()) return url;
  std::string dir = Str("data_dir");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return "sqlite:" + dir + "/centinela.db";
}

std::string Config::Dump() const {
  std::string out;
  for (const KeySpec& k : ConfigKeys()) {
    std::string v = Str(k.key);
    if (std::string(k.key) == "store.url") v = RedactUrl(v);
    out += fmt::format("{} = {}\n", k.key, v);
  }
  return out;
}


}  // namespace centinela::app
