// tracking_bench: unit positions at city scale through Centinela's real ingest paths, beside
// Redis GEO on the same data in the same run (docs/benchmarks.md, "Tracking").
//
// A fleet of --units units (25,000: Buenos Aires scale) is created through the API (unit,
// device key, OsmAnd id; a --unavailable share moved to out_of_service) inside the bounding
// box of the City of Buenos Aires. Then, per system:
//
//   steady     every unit sends one fix every 5 s (half of them through the JSON batch API,
//              one fix per POST /api/v1/positions, half through OsmAnd GET on its own port),
//              open loop on a fixed schedule; every --burst-every seconds --burst-units units
//              upload a backlog of --burst-fixes fixes in one batch (a tunnel, a dead zone);
//              meanwhile "5 nearest available units to a point" queries run at --query-rate
//              per second (GET /api/v1/units/nearest?lat&lon&k=5). Latency of a scheduled
//              request is measured from its scheduled time (queueing behind a slow answer
//              counts), so the percentiles are not flattered by a slow server.
//   saturate   --sat-conns connections each POST 1,000-fix batches (backlogs of distinct
//              units) back to back for --duration seconds after --warmup: sustained durable
//              positions/s and the batch latency. Then OsmAnd the same way, one fix per
//              request, for --osmand-duration seconds.
//
// Redis (--redis-port) gets the same fleet, schedule and fixes: a fix is GEOADD fleet:all
// (and GEOADD fleet:available when the unit is available), pipelined --batch fixes per round
// trip in the saturate phase; the query is GEOSEARCH fleet:available FROMLONLAT lon lat
// BYRADIUS --redis-radius-m m ASC COUNT 5 WITHDIST. Redis keeps the latest position only (no
// trail, no event log); Centinela stores every fix in the trail, one unit.moved event per
// batch and unit, and the latest-position index, and answers only after the commit is
// durable.
//
// Every fix of a unit has its own time (steady: the scheduled time; backlogs: distinct
// times in the past, within the retention), so a stored trail row per acknowledged fix is
// expected; the program prints the number of fixes Centinela acknowledged as stored
// ("acknowledged_positions") for the caller to compare with the store (bench/tracking/run.sh).
//
// The project's HTTP client (src/http/client.h) and a minimal RESP client on blocking
// loopback sockets, one thread per connection (they sleep between scheduled sends).
//
// usage: tracking_bench --port P --osmand-port P --login EMAIL --password PW [--redis-port P]
//                       [--units 25000] [--duration 20] [--warmup 3] [--steady 30] ...
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "http/client.h"

namespace {

namespace json = boost::json;
namespace http = centinela::http;
using Clock = std::chrono::steady_clock;

// City of Buenos Aires, bounding box.
constexpr double kMinLat = -34.705, kMaxLat = -34.527, kMinLon = -58.531, kMaxLon = -58.335;
constexpr double kMetresPerDegLat = 111'195.0;
constexpr int64_t kDayMs = 86'400'000;
constexpr double kPi = 3.14159265358979323846;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0, osmand_port = 0, redis_port = 0;
  std::string login, password;
  int units = 25'000;
  double unavailable = 0.2;
  double steady_s = 30, steady_warmup_s = 5;
  double period_s = 5;
  int steady_conns = 48;
  double burst_every_s = 10;
  int burst_units = 250, burst_fixes = 60;
  double query_rate = 200;
  int query_conns = 4;
  double duration_s = 20, warmup_s = 3, osmand_duration_s = 10;
  int sat_conns = 8, osmand_conns = 32, batch = 1000;
  double redis_radius_m = 1000;
  int setup_conns = 32;
  uint64_t seed = 1;
  int server_pid = 0, redis_pid = 0;  // for CPU seconds per position (same machine)
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr
      << "tracking_bench: " << why << "\n"
      << "usage: tracking_bench --port P --osmand-port P --login EMAIL --password PW\n"
         "         [--redis-port P] [--units 25000] [--unavailable 0.2] [--steady 30]\n"
         "         [--steady-warmup 5] [--period 5] [--steady-conns 48] [--burst-every 10]\n"
         "         [--burst-units 250] [--burst-fixes 60] [--query-rate 200] [--query-conns 4]\n"
         "         [--duration 20] [--warmup 3] [--osmand-duration 10] [--sat-conns 8]\n"
         "         [--osmand-conns 32] [--batch 1000] [--redis-radius-m 1000]\n"
         "         [--setup-conns 32] [--seed 1] [--server-pid PID] [--redis-pid PID]\n";
  std::exit(2);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
Clock::time_point After(Clock::time_point t, double seconds) {
  return t + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

// User + system CPU seconds of a process so far (/proc/PID/stat), or -1.
double CpuSeconds(int pid) {
  if (pid <= 0) return -1;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return -1;
  char buf[2048];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces
  if (!p) return -1;
  unsigned long long utime = 0, stime = 0;
  // Fields after ")": state(3) ... utime(14) stime(15).
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
      2)
    return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Runs worker(0..n-1) on n threads and waits for them.
void Parallel(int n, const std::function<void(int)>& worker) {
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads.emplace_back(worker, i);
  for (std::thread& t : threads) t.join();
}

// ---- latency samples ---------------------------------------------------------------------

struct Samples {
  std::vector<double> ms;
  int64_t errors = 0;
  int64_t positions = 0;  // fixes acknowledged in the measured window
  std::string first_error;
  std::mutex mu;
  Samples() = default;
  Samples(const Samples& o)
      : ms(o.ms), errors(o.errors), positions(o.positions), first_error(o.first_error) {}
  void Error(const std::string& what) {
    std::lock_guard lock(mu);
    if (errors++ == 0) first_error = what;
  }
  void Add(double v, int64_t fixes) {
    std::lock_guard lock(mu);
    ms.push_back(v);
    positions += fixes;
  }
  double Pct(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(ms.size())));
    return ms[std::min(i == 0 ? 0 : i - 1, ms.size() - 1)];
  }
};

// ---- a blocking loopback connection -------------------------------------------------------

class Conn {
 public:
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool Connect(const std::string& host, uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) return false;
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }
  bool WriteAll(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool Fill() {
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
    return true;
  }
  std::string buf;

 private:
  int fd_ = -1;
};

// ---- HTTP: the project's one client (src/http/client.h), one keep-alive connection ------

// Answers longer than this are a failed request (a 1,000-fix batch takes well under it).
constexpr std::chrono::seconds kHttpTimeout{60};

http::Client ApiClient(const std::string& host, uint16_t port) {
  return http::Client(host, port, kHttpTimeout);
}

// Sends a whole request; returns the status (0: transport error) and fills *body.
int HttpSend(http::Client& c, const std::string& request, std::string* body) {
  http::ClientResult r = c.SendRaw(request);
  if (body) *body = std::move(r.body);
  return r.status;
}

std::string HttpRequest(std::string_view method, std::string_view target, std::string_view body,
                        std::string_view token = {}, std::string_view device_key = {}) {
  std::string r;
  r.reserve(body.size() + 256);
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  if (!token.empty()) r.append("Authorization: Bearer ").append(token).append("\r\n");
  if (!device_key.empty()) r.append("X-Device-Key: ").append(device_key).append("\r\n");
  if (!body.empty() || method == "POST") {
    r.append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n");
  }
  r.append("\r\n").append(body);
  return r;
}

// ---- minimal RESP client ------------------------------------------------------------------

struct Resp {
  char type = 0;  // + - : $ *
  int64_t integer = 0;
  std::string text;
  std::vector<Resp> items;
};

// Parses one RESP value from buf at *pos; false when incomplete.
bool ParseResp(const std::string& buf, size_t* pos, Resp* out) {
  if (*pos >= buf.size()) return false;
  const size_t eol = buf.find("\r\n", *pos);
  if (eol == std::string::npos) return false;
  out->type = buf[*pos];
  std::string head = buf.substr(*pos + 1, eol - *pos - 1);
  size_t p = eol + 2;
  switch (out->type) {
    case '+':
    case '-':
      out->text = std::move(head);
      break;
    case ':':
      out->integer = std::strtoll(head.c_str(), nullptr, 10);
      break;
    case '$': {
      const long n = std::strtol(head.c_str(), nullptr, 10);
      if (n >= 0) {
        if (buf.size() < p + static_cast<size_t>(n) + 2) return false;
        out->text = buf.substr(p, static_cast<size_t>(n));
        p += static_cast<size_t>(n) + 2;
      }
      break;
    }
    case '*': {
      const long n = std::strtol(head.c_str(), nullptr, 10);
      out->items.clear();
      for (long i = 0; i < n; ++i) {
        Resp item;
        if (!ParseResp(buf, &p, &item)) return false;
        out->items.push_back(std::move(item));
      }
      break;
    }
    default:
      return false;
  }
  *pos = p;
  return true;
}

void AppendCommand(std::string& out, std::initializer_list<std::string_view> args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (std::string_view a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out.append(a);
    out += "\r\n";
  }
}

// Writes `commands` (n of them) and reads n replies; false on a transport error or an error
// reply (the first one in *error).
bool RedisPipeline(Conn& c, const std::string& commands, int n, std::vector<Resp>* replies,
                   std::string* error) {
  if (!c.WriteAll(commands)) {
    *error = "write failed";
    return false;
  }
  if (replies) replies->clear();
  size_t pos = 0;
  bool ok = true;
  for (int i = 0; i < n; ++i) {
    Resp r;
    size_t p = pos;
    while (!ParseResp(c.buf, &p, &r)) {
      p = pos;
      if (!c.Fill()) {
        *error = "connection lost";
        return false;
      }
    }
    pos = p;
    if (r.type == '-' && ok) {
      ok = false;
      *error = r.text;
    }
    if (replies) replies->push_back(std::move(r));
  }
  c.buf.erase(0, pos);
  return ok;
}

// ---- the fleet ----------------------------------------------------------------------------

struct Unit {
  std::string id, key, external;
  bool available = true;
  double lat = 0, lon = 0, heading = 0, speed = 0;
  int backlogs = 0;  // backlog batches sent so far (distinct fix times per batch)
};

// Moves a unit one period ahead (random walk, bounced at the box edges).
struct Fleet {
  std::vector<Unit> units;
  static void Step(std::mt19937_64& rng, Unit& u, double seconds) {
    std::uniform_real_distribution<double> turn(-30, 30);
    u.heading = std::fmod(u.heading + turn(rng) + 360, 360);
    const double d = u.speed * seconds;
    double lat = u.lat + d * std::cos(u.heading * kPi / 180) / kMetresPerDegLat;
    double lon = u.lon + d * std::sin(u.heading * kPi / 180) /
                             (kMetresPerDegLat * std::cos(u.lat * kPi / 180));
    if (lat < kMinLat || lat > kMaxLat || lon < kMinLon || lon > kMaxLon) {
      u.heading = std::fmod(u.heading + 180, 360);
      return;
    }
    u.lat = lat;
    u.lon = lon;
  }
  static std::pair<double, double> RandomPoint(std::mt19937_64& rng) {
    std::uniform_real_distribution<double> la(kMinLat, kMaxLat), lo(kMinLon, kMaxLon);
    return {la(rng), lo(rng)};
  }
};

void AppendFix(std::string& out, int64_t t, const Unit& u) {
  char buf[160];
  const int n = std::snprintf(buf, sizeof buf,
                              R"({"time":%lld,"lat":%.7f,"lon":%.7f,"speed":%.1f,"heading":%.0f})",
                              static_cast<long long>(t), u.lat, u.lon, u.speed, u.heading);
  out.append(buf, static_cast<size_t>(n));
}

std::string BatchBody(std::mt19937_64& rng, Unit& u, int64_t first_ms, int64_t step_ms, int fixes) {
  std::string body = "{\"fixes\":[";
  body.reserve(static_cast<size_t>(fixes) * 90 + 16);
  for (int j = 0; j < fixes; ++j) {
    if (j) body += ',';
    Fleet::Step(rng, u, static_cast<double>(step_ms) / 1000);
    AppendFix(body, first_ms + j * step_ms, u);
  }
  body += "]}";
  return body;
}

std::string OsmAndTarget(const Unit& u, int64_t t) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "/?id=%s&lat=%.7f&lon=%.7f&timestamp=%lld&speed=%.1f&bearing=%.0f",
                u.external.c_str(), u.lat, u.lon, static_cast<long long>(t), u.speed / 0.514444,
                u.heading);
  return buf;
}

std::string Fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.7f", v);
  return buf;
}

// Stored count from a 200 answer of POST /api/v1/positions, or -1.
int64_t StoredOf(const std::string& body) {
  const size_t p = body.find("\"stored\":");
  if (p == std::string::npos) return -1;
  return std::strtoll(body.c_str() + p + 9, nullptr, 10);
}

// ---- the run ------------------------------------------------------------------------------

struct Result {
  std::string system, workload;
  double rate = 0;  // positions/s (ingest) or queries/s
  Samples s;
  std::string unit = "positions/s";
  double cpu_us = -1;  // server CPU microseconds per position over the whole phase
};

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {}

  int Run() {
    start_wall_ = WallMs();
    if (!Setup()) return 1;
    Steady(false);
    SaturateJson();
    SaturateOsmAnd();
    if (o_.redis_port) {
      if (!RedisSetup()) return 1;
      Steady(true);
      RedisSaturate();
      RedisCheck();
    }
    Print();
    return failed_ || errors_seen_ ? 1 : 0;
  }

 private:
  std::mt19937_64 Rng(uint64_t salt) { return std::mt19937_64(o_.seed * 1'000'003 + salt); }
  std::mutex& Lock(size_t unit) { return unit_mu_[unit]; }

  bool Fail(const std::string& why) {
    if (!failed_.exchange(true)) std::cerr << "tracking_bench: " << why << "\n";
    return false;
  }

  // -- setup through the API --
  bool Setup() {
    http::Client c = ApiClient(o_.host, o_.port);
    if (!c.Connect()) return Fail("cannot connect to the API");
    std::string body;
    json::object login{{"login", o_.login}, {"password", o_.password}};
    int st = HttpSend(c, HttpRequest("POST", "/api/v1/auth/login", json::serialize(login)), &body);
    if (st != 200) return Fail("login: " + std::to_string(st) + " " + body);
    token_ = json::parse(body).at("token").as_string().c_str();
    json::object area{
        {"code", "BA-BENCH"},
        {"name", "Ciudad de Buenos Aires (bench box)"},
        {"kind", "region"},
        {"agencies", json::array{"police"}},
        {"geometry", json::parse(R"({"type":"Polygon","coordinates":[[[-58.531,-34.705],)"
                                 R"([-58.335,-34.705],[-58.335,-34.527],[-58.531,-34.527],)"
                                 R"([-58.531,-34.705]]]})")}};
    st = HttpSend(c, HttpRequest("POST", "/api/v1/areas", json::serialize(area), token_), &body);
    if (st != 201 && st != 409) return Fail("create area: " + std::to_string(st) + " " + body);

    fleet_.units.resize(static_cast<size_t>(o_.units));
    unit_mu_ = std::make_unique<std::mutex[]>(fleet_.units.size());
    auto rng = Rng(0);
    std::uniform_real_distribution<double> speed(2, 14), heading(0, 360), coin(0, 1);
    for (Unit& u : fleet_.units) {
      std::tie(u.lat, u.lon) = Fleet::RandomPoint(rng);
      u.speed = speed(rng);
      u.heading = heading(rng);
      u.available = coin(rng) >= o_.unavailable;
    }
    std::cerr << "tracking_bench: creating " << o_.units
              << " units with devices through the API...\n";
    const auto t0 = Clock::now();
    std::atomic<size_t> next{0};
    Parallel(o_.setup_conns, [&](int) {
      http::Client h = ApiClient(o_.host, o_.port);
      if (!h.Connect()) {
        Fail("setup: connect");
        return;
      }
      std::string b;
      for (size_t i = next++; i < fleet_.units.size() && !failed_; i = next++) {
        Unit& u = fleet_.units[i];
        char callsign[32];
        std::snprintf(callsign, sizeof callsign, "BA-%05zu", i);
        json::object unit{{"callsign", callsign},
                          {"agency", "police"},
                          {"kind", "patrol_car"},
                          {"home_area", "BA-BENCH"}};
        int s =
            HttpSend(h, HttpRequest("POST", "/api/v1/units", json::serialize(unit), token_), &b);
        if (s != 201) {
          Fail("create unit: " + std::to_string(s) + " " + b);
          return;
        }
        u.id = json::parse(b).at("id").as_string().c_str();
        u.external = "ba" + std::to_string(o_.seed) + "-" + std::to_string(i);
        json::object dev{{"external_id", u.external}};
        s = HttpSend(
            h,
            HttpRequest("POST", "/api/v1/units/" + u.id + "/devices", json::serialize(dev), token_),
            &b);
        if (s != 201) {
          Fail("register device: " + std::to_string(s) + " " + b);
          return;
        }
        u.key = json::parse(b).at("key").as_string().c_str();
        if (!u.available) {
          s = HttpSend(h,
                       HttpRequest("POST", "/api/v1/units/" + u.id + "/status",
                                   R"({"status":"out_of_service"})", token_),
                       &b);
          if (s != 200) {
            Fail("out_of_service: " + std::to_string(s) + " " + b);
            return;
          }
        }
        // First fix, a day ago: every unit is in the index before the measured phases.
        std::string fix = "{\"fixes\":[";
        AppendFix(fix, start_wall_ - kDayMs, u);
        fix += "]}";
        s = HttpSend(h, HttpRequest("POST", "/api/v1/positions", fix, {}, u.key), &b);
        if (s != 200 || StoredOf(b) != 1) {
          Fail("first fix: " + std::to_string(s) + " " + b);
          return;
        }
        ++acknowledged_;
      }
    });
    if (failed_) return false;
    std::cerr << "tracking_bench: setup took " << Seconds(Clock::now() - t0) << " s\n";
    return true;
  }

  void AppendGeoAdds(std::string& cmds, const Unit& u, int* n) {
    const std::string lon = Fmt(u.lon), lat = Fmt(u.lat);
    AppendCommand(cmds, {"GEOADD", "fleet:all", lon, lat, u.id});
    ++*n;
    if (u.available) {
      AppendCommand(cmds, {"GEOADD", "fleet:available", lon, lat, u.id});
      ++*n;
    }
  }

  // -- steady: the fleet on its schedule, bursts and queries --
  void Steady(bool redis) {
    const std::string sys = redis ? "Redis" : "Centinela";
    std::cerr << "tracking_bench: " << sys << " steady phase, " << o_.steady_s << " s...\n";
    const int64_t n = o_.units;
    const auto t0 = Clock::now() + std::chrono::milliseconds(300);
    const int64_t wall0 = WallMs() + 300;
    const auto measure_from = After(t0, o_.steady_warmup_s);
    const auto end = After(t0, o_.steady_s);
    Samples json_s, osm_s, burst_s, query_s;
    // Fix i of the whole fleet: unit i % n at t0 + i * period / n.
    const double gap_s = o_.period_s / static_cast<double>(n);
    std::atomic<int64_t> next_fix{0}, next_query{0};
    auto fix_worker = [&](int w) {
      Conn r;
      http::Client api = ApiClient(o_.host, o_.port), osm = ApiClient(o_.host, o_.osmand_port);
      const bool connected =
          redis ? r.Connect(o_.host, o_.redis_port) : api.Connect() && osm.Connect();
      if (!connected) {
        Fail("steady: connect");
        return;
      }
      auto rng = Rng(100 + static_cast<uint64_t>(w));
      std::string body, err;
      while (!failed_) {
        const int64_t i = next_fix++;
        const auto when = After(t0, static_cast<double>(i) * gap_s);
        if (when >= end) break;
        std::this_thread::sleep_until(when);
        const size_t ui = static_cast<size_t>(i % n);
        Unit& u = fleet_.units[ui];
        const int64_t t = wall0 + static_cast<int64_t>(static_cast<double>(i) * gap_s * 1000);
        const bool via_osmand = ui % 2 == 1;
        Samples& s = via_osmand ? osm_s : json_s;
        std::string request;
        int commands = 0;
        {
          std::lock_guard lock(Lock(ui));
          Fleet::Step(rng, u, o_.period_s);
          if (redis) {
            AppendGeoAdds(request, u, &commands);
          } else if (via_osmand) {
            request = HttpRequest("GET", OsmAndTarget(u, t), {});
          } else {
            std::string fix = "{\"fixes\":[";
            AppendFix(fix, t, u);
            fix += "]}";
            request = HttpRequest("POST", "/api/v1/positions", fix, {}, u.key);
          }
        }
        bool ok = false;
        if (redis) {
          ok = RedisPipeline(r, request, commands, nullptr, &err);
          if (!ok) s.Error("redis: " + err);
        } else if (via_osmand) {
          const int st = HttpSend(osm, request, &body);
          ok = st == 200;
          if (ok)
            ++acknowledged_;
          else
            s.Error("osmand " + std::to_string(st) + " " + body.substr(0, 200));
        } else {
          const int st = HttpSend(api, request, &body);
          const int64_t stored = st == 200 ? StoredOf(body) : -1;
          ok = stored == 1;
          if (stored > 0) acknowledged_ += stored;
          if (!ok) s.Error("json " + std::to_string(st) + " " + body.substr(0, 200));
        }
        if (ok && when >= measure_from) s.Add(Ms(Clock::now() - when), 1);
      }
    };
    // Bursts: every burst_every_s, burst_units units upload burst_fixes old fixes each.
    auto burst_worker = [&] {
      Conn r;
      http::Client api = ApiClient(o_.host, o_.port);
      if (!(redis ? r.Connect(o_.host, o_.redis_port) : api.Connect())) {
        Fail("burst: connect");
        return;
      }
      auto rng = Rng(7);
      std::uniform_int_distribution<size_t> pick(0, fleet_.units.size() - 1);
      std::string body, err;
      for (int b = 1; !failed_; ++b) {
        const auto when = After(t0, b * o_.burst_every_s);
        if (when >= end) break;
        std::this_thread::sleep_until(when);
        for (int k = 0; k < o_.burst_units && !failed_; ++k) {
          const size_t ui = pick(rng);
          Unit& u = fleet_.units[ui];
          std::string request;
          int commands = 0;
          {
            std::lock_guard lock(Lock(ui));
            if (redis) {
              for (int j = 0; j < o_.burst_fixes; ++j) {
                Fleet::Step(rng, u, 5);
                AppendGeoAdds(request, u, &commands);
              }
            } else {
              const int64_t first = start_wall_ - 2 * kDayMs + int64_t{u.backlogs++} * 3'600'000;
              request = HttpRequest("POST", "/api/v1/positions",
                                    BatchBody(rng, u, first, 5000, o_.burst_fixes), {}, u.key);
            }
          }
          const auto sent = Clock::now();
          bool ok;
          if (redis) {
            ok = RedisPipeline(r, request, commands, nullptr, &err);
            if (!ok) burst_s.Error("redis: " + err);
          } else {
            const int st = HttpSend(api, request, &body);
            const int64_t stored = st == 200 ? StoredOf(body) : -1;
            ok = stored == o_.burst_fixes;
            if (stored > 0) acknowledged_ += stored;
            if (!ok) burst_s.Error("burst " + std::to_string(st) + " " + body.substr(0, 200));
          }
          if (ok) burst_s.Add(Ms(Clock::now() - sent), o_.burst_fixes);
        }
      }
    };
    // Queries at query_rate per second on query_conns connections.
    const double query_gap_s = 1 / o_.query_rate;
    auto query_worker = [&](int w) {
      Conn r;
      http::Client api = ApiClient(o_.host, o_.port);
      if (!(redis ? r.Connect(o_.host, o_.redis_port) : api.Connect())) {
        Fail("query: connect");
        return;
      }
      auto rng = Rng(1000 + static_cast<uint64_t>(w));
      std::string body, err;
      std::vector<Resp> replies;
      while (!failed_) {
        const int64_t q = next_query++;
        const auto when = After(t0, static_cast<double>(q) * query_gap_s);
        if (when >= end) break;
        std::this_thread::sleep_until(when);
        auto [lat, lon] = Fleet::RandomPoint(rng);
        bool ok;
        if (redis) {
          std::string cmd;
          AppendCommand(
              cmd, {"GEOSEARCH", "fleet:available", "FROMLONLAT", Fmt(lon), Fmt(lat), "BYRADIUS",
                    Num(o_.redis_radius_m), "m", "ASC", "COUNT", "5", "WITHDIST"});
          ok = RedisPipeline(r, cmd, 1, &replies, &err) && replies.size() == 1 &&
               replies[0].items.size() == 5;
          if (!ok)
            query_s.Error("GEOSEARCH: " +
                          (err.empty() ? "fewer than 5 units within the radius" : err));
        } else {
          const std::string target =
              "/api/v1/units/nearest?lat=" + Fmt(lat) + "&lon=" + Fmt(lon) + "&k=5";
          const int st = HttpSend(api, HttpRequest("GET", target, {}, token_), &body);
          ok = st == 200 && CountUnits(body) == 5;
          if (!ok) query_s.Error("nearest " + std::to_string(st) + " " + body.substr(0, 200));
        }
        if (ok && when >= measure_from) query_s.Add(Ms(Clock::now() - when), 0);
      }
    };
    Parallel(o_.steady_conns + 1 + o_.query_conns, [&](int i) {
      if (i < o_.steady_conns) return fix_worker(i);
      if (i == o_.steady_conns) return burst_worker();
      return query_worker(i);
    });
    const double window = Seconds(end - measure_from);
    const std::string every = "1 fix / " + Num(o_.period_s) + " s / unit";
    if (redis) {
      Samples all = json_s;
      all.ms.insert(all.ms.end(), osm_s.ms.begin(), osm_s.ms.end());
      all.errors += osm_s.errors;
      all.positions += osm_s.positions;
      Add(sys, "steady, " + every + ": GEOADD per fix", static_cast<double>(all.positions) / window,
          all);
      Add(sys, "steady: burst backlog, " + std::to_string(o_.burst_fixes) + " GEOADD pipelined", 0,
          burst_s, "batches");
      Add(sys, "steady: GEOSEARCH ... COUNT 5 (radius " + Num(o_.redis_radius_m) + " m)",
          static_cast<double>(query_s.ms.size()) / window, query_s, "queries/s");
    } else {
      Add(sys, "steady, " + every + ": JSON batch of 1",
          static_cast<double>(json_s.positions) / window, json_s);
      Add(sys, "steady, " + every + ": OsmAnd GET", static_cast<double>(osm_s.positions) / window,
          osm_s);
      Add(sys, "steady: burst backlog, " + std::to_string(o_.burst_fixes) + "-fix JSON batch", 0,
          burst_s, "batches");
      Add(sys, "steady: GET /units/nearest k=5 available",
          static_cast<double>(query_s.ms.size()) / window, query_s, "queries/s");
    }
  }

  // -- saturate: backlog batches back to back --
  void SaturateJson() {
    std::cerr << "tracking_bench: Centinela JSON batch saturation, " << o_.duration_s << " s...\n";
    Samples s;
    const int64_t acked_before = acknowledged_;
    const double cpu_before = CpuSeconds(o_.server_pid);
    const auto from = After(Clock::now(), o_.warmup_s);
    const auto end = After(from, o_.duration_s);
    std::atomic<size_t> next{0};
    Parallel(o_.sat_conns, [&](int w) {
      http::Client h = ApiClient(o_.host, o_.port);
      if (!h.Connect()) {
        Fail("saturate: connect");
        return;
      }
      auto rng = Rng(2000 + static_cast<uint64_t>(w));
      std::string body;
      while (Clock::now() < end && !failed_) {
        const size_t ui = next++ % fleet_.units.size();
        Unit& u = fleet_.units[ui];
        std::string req;
        {
          std::lock_guard lock(Lock(ui));
          const int64_t first = start_wall_ - 10 * kDayMs + int64_t{u.backlogs++} * 3'600'000;
          req = HttpRequest("POST", "/api/v1/positions", BatchBody(rng, u, first, 1000, o_.batch),
                            {}, u.key);
        }
        const auto sent = Clock::now();
        const int st = HttpSend(h, req, &body);
        const auto got = Clock::now();
        const int64_t stored = st == 200 ? StoredOf(body) : -1;
        if (stored > 0) acknowledged_ += stored;
        if (stored != o_.batch) {
          s.Error("batch " + std::to_string(st) + " " + body.substr(0, 200));
          if (st == 0) return;
          continue;
        }
        if (sent >= from && got <= end) s.Add(Ms(got - sent), stored);
      }
    });
    sat_json_rate_ = static_cast<double>(s.positions) / o_.duration_s;
    Add("Centinela",
        "saturate: JSON batches of " + std::to_string(o_.batch) + ", " +
            std::to_string(o_.sat_conns) + " conns",
        sat_json_rate_, s);
    results_.back().cpu_us = CpuPerFix(o_.server_pid, cpu_before, acknowledged_ - acked_before);
  }

  void SaturateOsmAnd() {
    if (o_.osmand_duration_s <= 0) return;
    std::cerr << "tracking_bench: Centinela OsmAnd saturation, " << o_.osmand_duration_s
              << " s...\n";
    Samples s;
    const int64_t acked_before = acknowledged_;
    const double cpu_before = CpuSeconds(o_.server_pid);
    const auto from = After(Clock::now(), o_.warmup_s);
    const auto end = After(from, o_.osmand_duration_s);
    std::atomic<size_t> next{0};
    Parallel(o_.osmand_conns, [&](int w) {
      http::Client h = ApiClient(o_.host, o_.osmand_port);
      if (!h.Connect()) {
        Fail("osmand: connect");
        return;
      }
      auto rng = Rng(3000 + static_cast<uint64_t>(w));
      std::string body;
      while (Clock::now() < end && !failed_) {
        const size_t ui = next++ % fleet_.units.size();
        Unit& u = fleet_.units[ui];
        std::string req;
        {
          std::lock_guard lock(Lock(ui));
          Fleet::Step(rng, u, 1);
          req = HttpRequest(
              "GET", OsmAndTarget(u, start_wall_ - 5 * kDayMs + int64_t{u.backlogs++} * 1000), {});
        }
        const auto sent = Clock::now();
        const int st = HttpSend(h, req, &body);
        const auto got = Clock::now();
        if (st != 200) {
          s.Error("osmand " + std::to_string(st) + " " + body.substr(0, 200));
          if (st == 0) return;
          continue;
        }
        ++acknowledged_;
        if (sent >= from && got <= end) s.Add(Ms(got - sent), 1);
      }
    });
    Add("Centinela",
        "saturate: OsmAnd GET, 1 fix each, " + std::to_string(o_.osmand_conns) + " conns",
        static_cast<double>(s.positions) / o_.osmand_duration_s, s);
    results_.back().cpu_us = CpuPerFix(o_.server_pid, cpu_before, acknowledged_ - acked_before);
  }

  // -- Redis --
  bool RedisSetup() {
    std::cerr << "tracking_bench: loading the fleet into Redis...\n";
    Conn r;
    if (!r.Connect(o_.host, o_.redis_port)) return Fail("cannot connect to Redis");
    std::string cmds, err;
    AppendCommand(cmds, {"DEL", "fleet:all", "fleet:available"});
    if (!RedisPipeline(r, cmds, 1, nullptr, &err)) return Fail("redis DEL: " + err);
    for (size_t i = 0; i < fleet_.units.size(); i += 1000) {
      cmds.clear();
      int n = 0;
      for (size_t k = i; k < std::min(i + 1000, fleet_.units.size()); ++k)
        AppendGeoAdds(cmds, fleet_.units[k], &n);
      if (!RedisPipeline(r, cmds, n, nullptr, &err)) return Fail("redis load: " + err);
    }
    return true;
  }

  void RedisSaturate() {
    std::cerr << "tracking_bench: Redis pipelined GEOADD saturation, " << o_.duration_s
              << " s...\n";
    Samples s;
    std::atomic<int64_t> sent_fixes{0};
    const double cpu_before = CpuSeconds(o_.redis_pid);
    const auto from = After(Clock::now(), o_.warmup_s);
    const auto end = After(from, o_.duration_s);
    std::atomic<size_t> next{0};
    Parallel(o_.sat_conns, [&](int w) {
      Conn r;
      if (!r.Connect(o_.host, o_.redis_port)) {
        Fail("redis saturate: connect");
        return;
      }
      auto rng = Rng(4000 + static_cast<uint64_t>(w));
      std::string err;
      while (Clock::now() < end && !failed_) {
        const size_t ui = next++ % fleet_.units.size();
        Unit& u = fleet_.units[ui];
        std::string cmds;
        int n = 0;
        {
          std::lock_guard lock(Lock(ui));
          for (int j = 0; j < o_.batch; ++j) {
            Fleet::Step(rng, u, 1);
            AppendGeoAdds(cmds, u, &n);
          }
        }
        const auto sent = Clock::now();
        if (!RedisPipeline(r, cmds, n, nullptr, &err)) {
          s.Error("redis: " + err);
          return;
        }
        const auto got = Clock::now();
        sent_fixes += o_.batch;
        if (sent >= from && got <= end) s.Add(Ms(got - sent), o_.batch);
      }
    });
    sat_redis_rate_ = static_cast<double>(s.positions) / o_.duration_s;
    Add("Redis",
        "saturate: pipelined GEOADD, " + std::to_string(o_.batch) + " fixes per round trip, " +
            std::to_string(o_.sat_conns) + " conns",
        sat_redis_rate_, s);
    results_.back().cpu_us = CpuPerFix(o_.redis_pid, cpu_before, sent_fixes);
  }

  static double CpuPerFix(int pid, double before, int64_t fixes) {
    const double after = CpuSeconds(pid);
    if (before < 0 || after < 0 || fixes <= 0) return -1;
    return (after - before) * 1e6 / static_cast<double>(fixes);
  }

  void RedisCheck() {
    Conn r;
    if (!r.Connect(o_.host, o_.redis_port)) return;
    std::string cmds, err;
    std::vector<Resp> replies;
    AppendCommand(cmds, {"ZCARD", "fleet:all"});
    AppendCommand(cmds, {"ZCARD", "fleet:available"});
    if (RedisPipeline(r, cmds, 2, &replies, &err) && replies.size() == 2) {
      redis_units_ = replies[0].integer;
      redis_available_ = replies[1].integer;
    }
  }

  static int CountUnits(const std::string& body) {
    int n = 0;
    for (size_t p = body.find("\"unit_id\""); p != std::string::npos;
         p = body.find("\"unit_id\"", p + 1))
      ++n;
    return n;
  }

  static std::string Num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }

  static std::string Int(double v) {
    // Thousands separators, appended left to right (GCC 12's -Wrestrict misfires on insert).
    const std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && digits[i - 1] != '-' && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  }

  void Add(const std::string& system, const std::string& workload, double rate, const Samples& s,
           const std::string& unit = "positions/s") {
    if (s.errors) {
      errors_seen_ = true;  // reported and fails the run, but the later phases still run
      std::cerr << "tracking_bench: " << system << " " << workload << ": " << s.errors
                << " errors, first: " << s.first_error << "\n";
    }
    results_.push_back({system, workload, rate, s, unit});
  }

  void Print() {
    int available = 0;
    for (const Unit& u : fleet_.units) available += u.available;
    std::cout << "\n| system | workload | rate | p50 ms | p99 ms | max ms | samples | errors | "
                 "server CPU µs/fix |\n"
                 "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (Result& r : results_) {
      const std::string rate = r.rate > 0 ? Int(r.rate) + " " + r.unit : "-";
      const double p50 = r.s.Pct(0.5), p99 = r.s.Pct(0.99);
      char cpu[32] = "-";
      if (r.cpu_us >= 0) std::snprintf(cpu, sizeof cpu, "%.2f", r.cpu_us);
      char line[512];
      std::snprintf(line, sizeof line, "| %s | %s | %s | %.2f | %.2f | %.2f | %zu | %lld | %s |\n",
                    r.system.c_str(), r.workload.c_str(), rate.c_str(), p50, p99,
                    r.s.ms.empty() ? 0.0 : r.s.ms.back(), r.s.ms.size(),
                    static_cast<long long>(r.s.errors), cpu);
      std::cout << line;
    }
    std::cout << "\n";
    auto find = [&](const std::string& system, const std::string& prefix) -> Result* {
      for (Result& r : results_)
        if (r.system == system && r.workload.rfind(prefix, 0) == 0) return &r;
      return nullptr;
    };
    Result* cq = find("Centinela", "steady: GET /units/nearest");
    Result* rq = find("Redis", "steady: GEOSEARCH");
    if (sat_redis_rate_ > 0)
      std::printf("ratio ingest (saturate): Centinela JSON / Redis GEOADD = %.2f\n",
                  sat_json_rate_ / sat_redis_rate_);
    if (cq && rq && rq->s.Pct(0.99) > 0)
      std::printf("ratio nearest-5 query: Centinela / Redis = %.2f at p99, %.2f at p50\n",
                  cq->s.Pct(0.99) / rq->s.Pct(0.99),
                  cq->s.Pct(0.5) / std::max(1e-9, rq->s.Pct(0.5)));
    std::printf("fleet: %d units (%d available), Buenos Aires box\n", o_.units, available);
    if (o_.redis_port)
      std::printf("redis: %lld units in fleet:all, %lld in fleet:available\n",
                  static_cast<long long>(redis_units_), static_cast<long long>(redis_available_));
    std::printf("bar ingest (>= 100,000 durable positions/s on SQLite): %s (%.0f positions/s)\n",
                sat_json_rate_ >= 100'000 ? "MET" : "NOT MET", sat_json_rate_);
    if (cq)
      std::printf("bar nearest query (p99 <= 2 ms at %d units): %s (p99 %.2f ms)\n", o_.units,
                  cq->s.Pct(0.99) <= 2.0 && cq->s.errors == 0 ? "MET" : "NOT MET", cq->s.Pct(0.99));
    for (Result& r : results_)
      if (r.cpu_us > 0)
        std::printf("%s %s: %.0f positions per server CPU-second\n", r.system.c_str(),
                    r.workload.c_str(), 1e6 / r.cpu_us);
    std::printf("acknowledged_positions %lld\n", static_cast<long long>(acknowledged_.load()));
    std::fflush(stdout);
  }

  Options o_;
  Fleet fleet_;
  std::unique_ptr<std::mutex[]> unit_mu_;
  std::string token_;
  int64_t start_wall_ = 0;
  std::atomic<int64_t> acknowledged_{0};
  double sat_json_rate_ = 0, sat_redis_rate_ = 0;
  int64_t redis_units_ = 0, redis_available_ = 0;
  std::vector<Result> results_;
  std::atomic<bool> failed_{false};  // setup or transport failure: stop
  bool errors_seen_ = false;         // some phase had error answers
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + a);
      return argv[++i];
    };
    auto num = [&]() { return std::stod(next()); };
    if (a == "--host")
      o.host = next();
    else if (a == "--port")
      o.port = static_cast<uint16_t>(num());
    else if (a == "--osmand-port")
      o.osmand_port = static_cast<uint16_t>(num());
    else if (a == "--redis-port")
      o.redis_port = static_cast<uint16_t>(num());
    else if (a == "--login")
      o.login = next();
    else if (a == "--password")
      o.password = next();
    else if (a == "--units")
      o.units = static_cast<int>(num());
    else if (a == "--unavailable")
      o.unavailable = num();
    else if (a == "--steady")
      o.steady_s = num();
    else if (a == "--steady-warmup")
      o.steady_warmup_s = num();
    else if (a == "--period")
      o.period_s = num();
    else if (a == "--steady-conns")
      o.steady_conns = static_cast<int>(num());
    else if (a == "--burst-every")
      o.burst_every_s = num();
    else if (a == "--burst-units")
      o.burst_units = static_cast<int>(num());
    else if (a == "--burst-fixes")
      o.burst_fixes = static_cast<int>(num());
    else if (a == "--query-rate")
      o.query_rate = num();
    else if (a == "--query-conns")
      o.query_conns = static_cast<int>(num());
    else if (a == "--duration")
      o.duration_s = num();
    else if (a == "--warmup")
      o.warmup_s = num();
    else if (a == "--osmand-duration")
      o.osmand_duration_s = num();
    else if (a == "--sat-conns")
      o.sat_conns = static_cast<int>(num());
    else if (a == "--osmand-conns")
      o.osmand_conns = static_cast<int>(num());
    else if (a == "--batch")
      o.batch = static_cast<int>(num());
    else if (a == "--redis-radius-m")
      o.redis_radius_m = num();
    else if (a == "--setup-conns")
      o.setup_conns = static_cast<int>(num());
    else if (a == "--seed")
      o.seed = static_cast<uint64_t>(num());
    else if (a == "--server-pid")
      o.server_pid = static_cast<int>(num());
    else if (a == "--redis-pid")
      o.redis_pid = static_cast<int>(num());
    else
      Usage("unknown option " + a);
  }
  if (!o.port || !o.osmand_port || o.login.empty() || o.password.empty())
    Usage("--port, --osmand-port, --login and --password are required");
  if (o.units < 10 || o.batch < 1 || o.batch > 1000 || o.query_rate <= 0 || o.steady_conns < 1 ||
      o.sat_conns < 1 || o.query_conns < 1 || o.burst_fixes < 1 || o.burst_fixes > 1000 ||
      o.setup_conns < 1)
    Usage("bad option values");
  Bench bench(o);
  return bench.Run();
}
