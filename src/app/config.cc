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
      {keys::kDataDir, "./data", "Directory for the SQLite file and media; created if missing."},
      {keys::kServerListen, "127.0.0.1:8080", "HOST:PORT the HTTP server binds (0.0.0.0:8080 for all interfaces)."},
      {keys::kServerThreads, "0", "io_context threads; 0 = one per core."},
      {keys::kServerMaxBodyBytes, "1048576", "Largest accepted request body; larger ones get 413."},
      {keys::kServerReadTimeoutMs, "30000", "A request must arrive completely within this time."},
      {keys::kServerIdleTimeoutMs, "60000", "Idle keep-alive connections are closed after this time."},
      {keys::kServerDrainTimeoutMs, "10000", "On SIGTERM/SIGINT, in-flight requests get this long to finish."},
      {keys::kServerMaxConnections, "10000", "Connections beyond this are answered 503 and closed."},
      {keys::kServerTrustedProxies, "", "Reverse proxies whose X-Forwarded-For is believed, as a comma-separated CIDR list (e.g. 127.0.0.1/32, 10.0.0.0/8, ::1). Empty: the header is ignored and the connecting peer is the client."},
      {keys::kStoreUrl, "", "Database URL: sqlite:PATH or postgresql://user:pass@host:port/db; empty = sqlite:<data_dir>/centinela.db."},
      {keys::kStoreReaderConnections, "4", "Read-only connections in the pool."},
      {keys::kStoreMaxBatch, "256", "Most writes group-committed in one transaction."},
      {keys::kStoreMaxQueue, "100000", "Pending writes before new ones are refused with 503."},
      {keys::kStoreSynchronousFull, "true", "SQLite: fsync every commit (false risks losing acknowledged writes on power loss)."},
      {keys::kAuthTokenTtlHours, "720", "Lifetime of a login token (30 days)."},
      {keys::kAuthHashThreads, "2", "Threads that compute Argon2id password hashes off the request threads."},
      {keys::kAuthMinPasswordLength, "10", "Shortest accepted password."},
      {keys::kAuthBenchFastPasswordHash, "false", "Benchmarks only (bench/fanout creates 10,000 accounts): Argon2id at its minimum cost. Never set it in production."},
      {keys::kAuthLoginMaxFailuresPerAccount, "5", "Failed logins for one account from one address within the window before that address is slowed for that account (429); the owner from another address is not affected."},
      {keys::kAuthLoginMaxFailuresPerIp, "20", "Failed logins from one client address (any accounts) within the window before the address is slowed (429)."},
      {keys::kAuthLoginWindowS, "900", "Window in seconds over which failed logins are counted."},
      {keys::kAuthLoginLockoutS, "60", "First back-off in seconds; doubles with each further one, at most 15 min."},
      {keys::kAuthRegisterMaxPerMinutePerIp, "10", "Registrations from one client address per minute (429 with Retry-After beyond); 0 = no limit."},
      {keys::kAuthRegisterMaxPerDayPerIp, "200", "Registrations from one client address per 24 h (429 with Retry-After beyond; carrier-grade NAT puts many phones behind one address); 0 = no limit."},
      {keys::kAuthRequireTotpForStaff, "false", "Staff (any operator, responder, analyst, admin or deanonymise grant) must sign in with a TOTP code; one not yet enrolled gets a 15-minute token that may only enrol."},
      {keys::kMediaMaxImageBytes, "10485760", "Largest accepted photo (JPEG, PNG, WebP) upload; larger ones get 413."},
      {keys::kMediaMaxVideoBytes, "52428800", "Largest accepted video (MP4) upload; larger ones get 413."},
      {keys::kMediaMaxAudioBytes, "10485760", "Largest accepted audio (MP3, AAC) upload; larger ones get 413."},
      {keys::kReportsDefaultArea, "", "Area code for reports whose point lies outside every area (empty: such reports carry no area and only all-areas staff and the reporter see them)."},
      {keys::kReportsMaxPerMinute, "10", "Reports one user may create per minute (429 with Retry-After beyond); 0 = no limit."},
      {keys::kReportsMaxPerDay, "100", "Reports one user may create per 24 h (429 with Retry-After beyond); 0 = no limit."},
      {keys::kMembershipsMaxPerDay, "5", "Neighbourhood membership requests one user may make per 24 h (429 with Retry-After beyond); 0 = no limit."},
      {keys::kCommunityCommentsPerMinute, "5", "Comments one user may post per minute (429 with Retry-After beyond); 0 = no limit."},
      {keys::kCommunityCommentsPerDay, "100", "Comments one user may post per 24 h (429 with Retry-After beyond); 0 = no limit."},
      {keys::kIncidentsDuplicateRadiusM, "300", "Reports and open incidents of the same category family within this distance (metres) of an incident are suggested as duplicates."},
      {keys::kIncidentsDuplicateWindowS, "3600", "... and within this many seconds of it (before or after)."},
      {keys::kTrackingStaleAfterS, "300", "A unit whose last position arrived longer ago than this is flagged stale."},
      {keys::kTrackingRetentionDays, "30", "Position trail rows older than this many days are deleted (swept every 500th position write); 0 = keep forever."},
      {keys::kTrackingOsmandListen, "127.0.0.1:5055", "HOST:PORT of the OsmAnd (Traccar Client) listener; empty = off. A port already in use is logged and the API keeps serving."},
      {keys::kWebDir, "", "The built web app (index.html, assets/) served at /; empty = ./web/dist when it exists, else web/dist in the source tree."},
      {keys::kWebTileUrl, "", "Basemap raster tile URL template ({z}/{x}/{y}) the web app uses: a path on this server, or an http(s) URL whose origin is added to the Content-Security-Policy; empty = no basemap, only the area outlines (works offline)."},
      {keys::kWebTileAttribution, "", "Attribution text shown on the map for web.tile_url's tiles."},
      {keys::kStreamMaxQueue, "1024", "Messages queued to one live-stream session; past it the session is closed with 4008 (too slow) and the client resumes with since."},
      {keys::kStreamMaxSessionsPerUser, "8", "Open live-stream sessions (WebSocket + SSE) per user; more are answered 429."},
      {keys::kStreamReplayMaxEvents, "10000", "A resume (since=) missing more events than this gets {\"type\":\"refetch\"} instead of a replay."},
      {keys::kStreamReplayMaxAgeMs, "86400000", "... or missing events older than this (24 h)."},
      {keys::kStreamPingIntervalMs, "20000", "Heartbeat: a WebSocket ping (or an SSE comment) every this many ms."},
      {keys::kStreamIdleTimeoutMs, "60000", "A WebSocket from which nothing (not even a pong) arrives for this long is closed with 4001."},
      {keys::kStreamWriteTimeoutMs, "10000", "A stream write stuck this long (the client stopped reading) ends the session."},
      {keys::kStreamSendBufferBytes, "0", "SO_SNDBUF of stream sockets; 0 = the kernel's default (tests set it small to provoke slow consumers)."},
      {keys::kLogLevel, "info", "trace, debug, info, warn, error or off."},
      {keys::kLogAccess, "true", "Write one JSON access-log line per HTTP request."},
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

std::string ConfigKeysTable() {
  std::string out = "| key | environment | type | default | meaning |\n|---|---|---|---|---|\n";
  for (const KeySpec& k : ConfigKeys()) {
    const char* type = k.type == KeyType::kInt ? "integer" : k.type == KeyType::kBool ? "boolean" : "string";
    out += fmt::format("| `{}` | `{}` | {} | `{}` | {} |\n", k.key, EnvName(k.key), type, k.default_value, k.help);
  }
  return out;
}

std::string Config::Value(const char* key) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

std::string Config::Str(StrKey key) const { return Value(key.name); }
int64_t Config::Int(IntKey key) const { return std::stoll(Value(key.name)); }
bool Config::Bool(BoolKey key) const { return Value(key.name) == "true"; }

std::string Config::StoreUrl() const {
  std::string url = Str(keys::kStoreUrl);
  if (!url.empty()) return url;
  std::string dir = Str(keys::kDataDir);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return "sqlite:" + dir + "/centinela.db";
}

std::string Config::Dump() const {
  std::string out;
  for (const KeySpec& k : ConfigKeys()) {
    std::string v = Value(k.key);
    if (std::string_view(k.key) == keys::kStoreUrl.name) v = RedactUrl(v);
    out += fmt::format("{} = {}\n", k.key, v);
  }
  return out;
}


}  // namespace centinela::app
