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
// Own minimal HTTP/1.1 and RESP clients over Asio coroutines; one io thread.
//
// usage: tracking_bench --port P --osmand-port P --login EMAIL --password PW [--redis-port P]
//                       [--units 25000] [--duration 20] [--warmup 3] [--steady 30] ...
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

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
         "         [--setup-conns 32] [--seed 1]\n";
  std::exit(2);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- latency samples ---------------------------------------------------------------------

struct Samples {
  std::vector<double> ms;
  int64_t errors = 0;
  int64_t positions = 0;  // fixes acknowledged in the measured window
  std::string first_error;
  void Error(const std::string& what) {
    if (errors++ == 0) first_error = what;
  }
  double Pct(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(ms.size()))) - 1;
    return ms[std::min(i, ms.size() - 1)];
  }
};

// ---- minimal HTTP/1.1 client (one keep-alive connection) -----------------------------------

class HttpConn {
 public:
  explicit HttpConn(asio::io_context& io) : sock_(io) {}
  asio::awaitable<bool> Connect(const tcp::endpoint& ep) {
    auto [ec] = co_await sock_.async_connect(ep, kNoThrow);
    if (ec) co_return false;
    sock_.set_option(tcp::no_delay(true));
    co_return true;
  }
  // Sends a whole request; returns the status (0: transport error) and fills *body.
  asio::awaitable<int> Send(const std::string& request, std::string* body) {
    auto [wec, n] = co_await asio::async_write(sock_, asio::buffer(request), kNoThrow);
    if (wec) co_return 0;
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!co_await Fill()) co_return 0;
    }
    // "HTTP/1.1 200 OK"
    if (buf_.size() < 12 || buf_.compare(0, 5, "HTTP/") != 0) co_return 0;
    const int status = std::atoi(buf_.c_str() + 9);
    size_t length = 0;
    for (size_t pos = buf_.find("\r\n"); pos < header_end;) {
      const size_t next = buf_.find("\r\n", pos + 2);
      std::string_view line(buf_.data() + pos + 2, next - pos - 2);
      constexpr std::string_view kLen = "content-length:";
      if (line.size() > kLen.size()) {
        bool match = true;
        for (size_t i = 0; i < kLen.size() && match; ++i)
          match = std::tolower(static_cast<unsigned char>(line[i])) == kLen[i];
        if (match)
          length = std::strtoull(std::string(line.substr(kLen.size())).c_str(), nullptr, 10);
      }
      pos = next;
    }
    const size_t total = header_end + 4 + length;
    while (buf_.size() < total) {
      if (!co_await Fill()) co_return 0;
    }
    if (body) body->assign(buf_, header_end + 4, length);
    buf_.erase(0, total);
    co_return status;
  }

 private:
  asio::awaitable<bool> Fill() {
    char chunk[65536];
    auto [ec, n] = co_await sock_.async_read_some(asio::buffer(chunk), kNoThrow);
    if (ec || n == 0) co_return false;
    buf_.append(chunk, n);
    co_return true;
  }
  tcp::socket sock_;
  std::string buf_;
};

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

class RedisConn {
 public:
  explicit RedisConn(asio::io_context& io) : sock_(io) {}
  asio::awaitable<bool> Connect(const tcp::endpoint& ep) {
    auto [ec] = co_await sock_.async_connect(ep, kNoThrow);
    if (ec) co_return false;
    sock_.set_option(tcp::no_delay(true));
    co_return true;
  }
  // Writes `commands` (n of them) and reads n replies; false on a transport error. Error
  // replies are counted in *errors (first one kept in *first_error).
  asio::awaitable<bool> Pipeline(const std::string& commands, int n, std::vector<Resp>* replies,
                                 int64_t* errors, std::string* first_error) {
    auto [wec, w] = co_await asio::async_write(sock_, asio::buffer(commands), kNoThrow);
    if (wec) co_return false;
    if (replies) replies->clear();
    size_t pos = 0;
    for (int i = 0; i < n; ++i) {
      Resp r;
      size_t p = pos;
      while (!ParseResp(buf_, &p, &r)) {
        p = pos;
        char chunk[65536];
        auto [ec, got] = co_await sock_.async_read_some(asio::buffer(chunk), kNoThrow);
        if (ec || got == 0) co_return false;
        buf_.append(chunk, got);
      }
      pos = p;
      if (r.type == '-') {
        if ((*errors)++ == 0) *first_error = r.text;
      }
      if (replies) replies->push_back(std::move(r));
    }
    buf_.erase(0, pos);
    co_return true;
  }

 private:
  tcp::socket sock_;
  std::string buf_;
};

// ---- the fleet ----------------------------------------------------------------------------

struct Unit {
  std::string id, key, external;
  bool available = true;
  double lat = 0, lon = 0, heading = 0, speed = 0;
  int backlogs = 0;  // backlog batches sent so far (distinct fix times per batch)
};

struct Fleet {
  std::vector<Unit> units;
  std::mt19937_64 rng;
  // Moves a unit one period ahead (random walk, bounced at the box edges).
  void Step(Unit& u, double seconds) {
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
  std::pair<double, double> RandomPoint() {
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

std::string BatchBody(Fleet& fleet, Unit& u, int64_t first_ms, int64_t step_ms, int fixes) {
  std::string body = "{\"fixes\":[";
  body.reserve(static_cast<size_t>(fixes) * 90 + 16);
  for (int j = 0; j < fixes; ++j) {
    if (j) body += ',';
    fleet.Step(u, static_cast<double>(step_ms) / 1000);
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
};

class Bench {
 public:
  Bench(asio::io_context& io, Options o) : io_(io), o_(std::move(o)) {
    fleet_.rng.seed(o_.seed);
    api_ = tcp::endpoint(asio::ip::make_address(o_.host), o_.port);
    osmand_ = tcp::endpoint(asio::ip::make_address(o_.host), o_.osmand_port);
    redis_ = tcp::endpoint(asio::ip::make_address(o_.host), o_.redis_port);
  }

  asio::awaitable<int> Run() {
    start_wall_ = WallMs();
    if (!co_await Setup()) co_return 1;
    co_await Steady(false);
    co_await SaturateJson();
    co_await SaturateOsmAnd();
    if (o_.redis_port) {
      if (!co_await RedisSetup()) co_return 1;
      co_await Steady(true);
      co_await RedisSaturate();
      co_await RedisCheck();
    }
    Print();
    co_return failed_ ? 1 : 0;
  }

 private:
  // Runs `n` copies of `worker(i)` and waits for all of them.
  asio::awaitable<void> Parallel(int n, std::function<asio::awaitable<void>(int)> worker) {
    auto left = std::make_shared<int>(n);
    asio::steady_timer done(io_, asio::steady_timer::time_point::max());
    for (int i = 0; i < n; ++i) {
      asio::co_spawn(
          io_,
          [worker, i, left, &done]() -> asio::awaitable<void> {
            co_await worker(i);
            if (--*left == 0) done.cancel();
          },
          asio::detached);
    }
    while (*left > 0) co_await done.async_wait(kNoThrow);
  }

  asio::awaitable<void> SleepUntil(Clock::time_point t) {
    asio::steady_timer timer(io_, t);
    co_await timer.async_wait(kNoThrow);
  }

  // -- setup through the API --
  asio::awaitable<bool> Setup() {
    HttpConn c(io_);
    if (!co_await c.Connect(api_)) co_return Fail("cannot connect to the API");
    std::string body;
    json::object login{{"login", o_.login}, {"password", o_.password}};
    int st =
        co_await c.Send(HttpRequest("POST", "/api/v1/auth/login", json::serialize(login)), &body);
    if (st != 200) co_return Fail("login: " + std::to_string(st) + " " + body);
    token_ = json::parse(body).at("token").as_string().c_str();
    json::object area{
        {"code", "BA-BENCH"},
        {"name", "Ciudad de Buenos Aires (bench box)"},
        {"kind", "region"},
        {"agencies", json::array{"police"}},
        {"geometry", json::parse(R"({"type":"Polygon","coordinates":[[[-58.531,-34.705],)"
                                 R"([-58.335,-34.705],[-58.335,-34.527],[-58.531,-34.527],)"
                                 R"([-58.531,-34.705]]]})")}};
    st =
        co_await c.Send(HttpRequest("POST", "/api/v1/areas", json::serialize(area), token_), &body);
    if (st != 201 && st != 409) co_return Fail("create area: " + std::to_string(st) + " " + body);

    fleet_.units.resize(static_cast<size_t>(o_.units));
    std::uniform_real_distribution<double> speed(2, 14), heading(0, 360), coin(0, 1);
    for (Unit& u : fleet_.units) {
      std::tie(u.lat, u.lon) = fleet_.RandomPoint();
      u.speed = speed(fleet_.rng);
      u.heading = heading(fleet_.rng);
      u.available = coin(fleet_.rng) >= o_.unavailable;
    }
    std::cerr << "tracking_bench: creating " << o_.units
              << " units with devices through the API...\n";
    const auto t0 = Clock::now();
    size_t next = 0;
    co_await Parallel(o_.setup_conns, [&](int) -> asio::awaitable<void> {
      HttpConn h(io_);
      if (!co_await h.Connect(api_)) {
        Fail("setup: connect");
        co_return;
      }
      std::string b;
      while (next < fleet_.units.size() && !failed_) {
        const size_t i = next++;
        Unit& u = fleet_.units[i];
        char callsign[32];
        std::snprintf(callsign, sizeof callsign, "BA-%05zu", i);
        json::object unit{{"callsign", callsign},
                          {"agency", "police"},
                          {"kind", "patrol_car"},
                          {"home_area", "BA-BENCH"}};
        int s = co_await h.Send(HttpRequest("POST", "/api/v1/units", json::serialize(unit), token_),
                                &b);
        if (s != 201) {
          Fail("create unit: " + std::to_string(s) + " " + b);
          co_return;
        }
        u.id = json::parse(b).at("id").as_string().c_str();
        u.external = "ba" + std::to_string(o_.seed) + "-" + std::to_string(i);
        json::object dev{{"external_id", u.external}};
        s = co_await h.Send(
            HttpRequest("POST", "/api/v1/units/" + u.id + "/devices", json::serialize(dev), token_),
            &b);
        if (s != 201) {
          Fail("register device: " + std::to_string(s) + " " + b);
          co_return;
        }
        u.key = json::parse(b).at("key").as_string().c_str();
        if (!u.available) {
          s = co_await h.Send(HttpRequest("POST", "/api/v1/units/" + u.id + "/status",
                                          R"({"status":"out_of_service"})", token_),
                              &b);
          if (s != 200) {
            Fail("out_of_service: " + std::to_string(s) + " " + b);
            co_return;
          }
        }
        // First fix, a day ago: every unit is in the index before the measured phases.
        std::string fix = "{\"fixes\":[";
        AppendFix(fix, start_wall_ - kDayMs, u);
        fix += "]}";
        s = co_await h.Send(HttpRequest("POST", "/api/v1/positions", fix, {}, u.key), &b);
        if (s != 200 || StoredOf(b) != 1) {
          Fail("first fix: " + std::to_string(s) + " " + b);
          co_return;
        }
        ++acknowledged_;
      }
    });
    if (failed_) co_return false;
    std::cerr << "tracking_bench: setup took " << Seconds(Clock::now() - t0) << " s\n";
    co_return true;
  }

  // -- steady: the fleet on its 5 s schedule, bursts and queries --
  asio::awaitable<void> Steady(bool redis) {
    const std::string sys = redis ? "Redis" : "Centinela";
    std::cerr << "tracking_bench: " << sys << " steady phase, " << o_.steady_s << " s...\n";
    const int n = o_.units;
    const double period_ms = o_.period_s * 1000;
    const auto t0 = Clock::now() + std::chrono::milliseconds(200);
    const int64_t wall0 = WallMs() + 200;
    const auto measure_from =
        t0 + std::chrono::milliseconds(static_cast<int64_t>(o_.steady_warmup_s * 1000));
    const auto end = t0 + std::chrono::milliseconds(static_cast<int64_t>(o_.steady_s * 1000));
    Samples json_s, osm_s, burst_s, query_s;
    int64_t fixes_in_window = 0;
    // Fix i of the whole fleet: unit i % n at t0 + i * period / n (ms).
    const double gap_ms = period_ms / n;
    int64_t next_fix = 0;
    auto at = [&](int64_t i) {
      return t0 + std::chrono::microseconds(
                      static_cast<int64_t>(static_cast<double>(i) * gap_ms * 1000));
    };
    auto fix_worker = [&](int) -> asio::awaitable<void> {
      HttpConn api(io_), osm(io_);
      RedisConn r(io_);
      if (redis) {
        if (!co_await r.Connect(redis_)) {
          Fail("steady: redis connect");
          co_return;
        }
      } else if (!co_await api.Connect(api_) || !co_await osm.Connect(osmand_)) {
        {
          Fail("steady: connect");
          co_return;
        }
      }
      std::string body;
      while (!failed_) {
        const int64_t i = next_fix++;
        const auto when = at(i);
        if (when >= end) break;
        co_await SleepUntil(when);
        Unit& u = fleet_.units[static_cast<size_t>(i % n)];
        fleet_.Step(u, o_.period_s);
        const int64_t t = wall0 + static_cast<int64_t>(static_cast<double>(i) * gap_ms);
        const bool via_osmand = (i % n) % 2 == 1;
        Samples& s = via_osmand ? osm_s : json_s;
        bool ok = false;
        if (redis) {
          std::string cmds;
          AppendGeoAdds(cmds, u);
          std::string err;
          int64_t errs = 0;
          ok = co_await r.Pipeline(cmds, u.available ? 2 : 1, nullptr, &errs, &err) && errs == 0;
          if (!ok) s.Error("redis: " + err);
        } else if (via_osmand) {
          int st = co_await osm.Send(HttpRequest("GET", OsmAndTarget(u, t), {}), &body);
          ok = st == 200;
          if (!ok) s.Error("osmand " + std::to_string(st) + " " + body);
          if (ok) ++acknowledged_;
        } else {
          std::string fix = "{\"fixes\":[";
          AppendFix(fix, t, u);
          fix += "]}";
          int st =
              co_await api.Send(HttpRequest("POST", "/api/v1/positions", fix, {}, u.key), &body);
          const int64_t stored = st == 200 ? StoredOf(body) : -1;
          ok = stored == 1;
          if (!ok) s.Error("json " + std::to_string(st) + " " + body.substr(0, 200));
          if (stored > 0) acknowledged_ += stored;
        }
        if (ok && when >= measure_from) {
          s.ms.push_back(Ms(Clock::now() - when));
          ++fixes_in_window;
        }
      }
    };
    // Bursts: every burst_every_s, burst_units units upload burst_fixes old fixes each.
    auto burst_worker = [&](int) -> asio::awaitable<void> {
      HttpConn api(io_);
      RedisConn r(io_);
      if (redis ? !co_await r.Connect(redis_) : !co_await api.Connect(api_)) {
        Fail("burst: connect");
        co_return;
      }
      std::uniform_int_distribution<int> pick(0, n - 1);
      std::string body;
      for (int b = 1;; ++b) {
        const auto when =
            t0 + std::chrono::milliseconds(static_cast<int64_t>(b * o_.burst_every_s * 1000));
        if (when >= end || failed_) break;
        co_await SleepUntil(when);
        for (int k = 0; k < o_.burst_units && !failed_; ++k) {
          Unit& u = fleet_.units[static_cast<size_t>(pick(fleet_.rng))];
          const auto sent = Clock::now();
          bool ok;
          if (redis) {
            ok = co_await RedisBatch(r, u, o_.burst_fixes, &burst_s);
          } else {
            const int64_t first = start_wall_ - 2 * kDayMs + int64_t{u.backlogs++} * 3'600'000;
            const std::string fixes = BatchBody(fleet_, u, first, 5000, o_.burst_fixes);
            int st = co_await api.Send(HttpRequest("POST", "/api/v1/positions", fixes, {}, u.key),
                                       &body);
            const int64_t stored = st == 200 ? StoredOf(body) : -1;
            ok = stored == o_.burst_fixes;
            if (!ok) burst_s.Error("burst " + std::to_string(st) + " " + body.substr(0, 200));
            if (stored > 0) acknowledged_ += stored;
          }
          if (ok) {
            burst_s.ms.push_back(Ms(Clock::now() - sent));
            burst_s.positions += o_.burst_fixes;
          }
        }
      }
    };
    // Queries at query_rate per second on query_conns connections.
    int64_t next_query = 0;
    const double query_gap_us = 1e6 / o_.query_rate;
    auto query_worker = [&](int) -> asio::awaitable<void> {
      HttpConn api(io_);
      RedisConn r(io_);
      if (redis ? !co_await r.Connect(redis_) : !co_await api.Connect(api_)) {
        Fail("query: connect");
        co_return;
      }
      std::string body;
      std::vector<Resp> replies;
      while (!failed_) {
        const int64_t q = next_query++;
        const auto when = t0 + std::chrono::microseconds(
                                   static_cast<int64_t>(static_cast<double>(q) * query_gap_us));
        if (when >= end) break;
        co_await SleepUntil(when);
        auto [lat, lon] = fleet_.RandomPoint();
        bool ok;
        if (redis) {
          std::string cmd;
          AppendCommand(
              cmd, {"GEOSEARCH", "fleet:available", "FROMLONLAT", Fmt(lon), Fmt(lat), "BYRADIUS",
                    std::to_string(o_.redis_radius_m), "m", "ASC", "COUNT", "5", "WITHDIST"});
          std::string err;
          int64_t errs = 0;
          ok = co_await r.Pipeline(cmd, 1, &replies, &errs, &err) && errs == 0 &&
               replies.size() == 1 && replies[0].items.size() == 5;
          if (!ok)
            query_s.Error("GEOSEARCH: " +
                          (err.empty() ? "fewer than 5 units within the radius" : err));
        } else {
          const std::string target =
              "/api/v1/units/nearest?lat=" + Fmt(lat) + "&lon=" + Fmt(lon) + "&k=5";
          int st = co_await api.Send(HttpRequest("GET", target, {}, token_), &body);
          ok = st == 200 && CountUnits(body) == 5;
          if (!ok) query_s.Error("nearest " + std::to_string(st) + " " + body.substr(0, 200));
        }
        if (ok && when >= measure_from) query_s.ms.push_back(Ms(Clock::now() - when));
      }
    };
    co_await Parallel(o_.steady_conns + 1 + o_.query_conns, [&](int i) -> asio::awaitable<void> {
      if (i < o_.steady_conns) return fix_worker(i);
      if (i == o_.steady_conns) return burst_worker(i);
      return query_worker(i);
    });
    const double window = Seconds(end - measure_from);
    json_s.positions = static_cast<int64_t>(json_s.ms.size());
    osm_s.positions = static_cast<int64_t>(osm_s.ms.size());
    const std::string every = "1 fix / " + Num(o_.period_s) + " s / unit";
    if (redis) {
      Samples all = json_s;
      all.ms.insert(all.ms.end(), osm_s.ms.begin(), osm_s.ms.end());
      all.errors += osm_s.errors;
      all.positions += osm_s.positions;
      Add(sys, "steady, " + every + ": GEOADD per fix", all.positions / window, all);
      Add(sys, "steady: burst backlog, " + std::to_string(o_.burst_fixes) + " GEOADD pipelined", 0,
          burst_s, "batches");
      Add(sys, "steady: GEOSEARCH ... COUNT 5 (radius " + Num(o_.redis_radius_m) + " m)",
          static_cast<double>(query_s.ms.size()) / window, query_s, "queries/s");
    } else {
      Add(sys, "steady, " + every + ": JSON batch of 1", json_s.positions / window, json_s);
      Add(sys, "steady, " + every + ": OsmAnd GET", osm_s.positions / window, osm_s);
      Add(sys, "steady: burst backlog, " + std::to_string(o_.burst_fixes) + "-fix JSON batch", 0,
          burst_s, "batches");
      Add(sys, "steady: GET /units/nearest k=5 available",
          static_cast<double>(query_s.ms.size()) / window, query_s, "queries/s");
    }
    (void)fixes_in_window;
  }

  // -- saturate: 1,000-fix backlog batches back to back --
  asio::awaitable<void> SaturateJson() {
    std::cerr << "tracking_bench: Centinela JSON batch saturation, " << o_.duration_s << " s...\n";
    Samples s;
    const auto t0 = Clock::now();
    const auto from = t0 + std::chrono::milliseconds(static_cast<int64_t>(o_.warmup_s * 1000));
    const auto end = from + std::chrono::milliseconds(static_cast<int64_t>(o_.duration_s * 1000));
    size_t next = 0;
    co_await Parallel(o_.sat_conns, [&](int) -> asio::awaitable<void> {
      HttpConn h(io_);
      if (!co_await h.Connect(api_)) {
        Fail("saturate: connect");
        co_return;
      }
      std::string body;
      while (Clock::now() < end && !failed_) {
        Unit& u = fleet_.units[next++ % fleet_.units.size()];
        const int64_t first = start_wall_ - 10 * kDayMs + int64_t{u.backlogs++} * 3'600'000;
        const std::string req = HttpRequest("POST", "/api/v1/positions",
                                            BatchBody(fleet_, u, first, 1000, o_.batch), {}, u.key);
        const auto sent = Clock::now();
        int st = co_await h.Send(req, &body);
        const auto got = Clock::now();
        const int64_t stored = st == 200 ? StoredOf(body) : -1;
        if (stored > 0) acknowledged_ += stored;
        if (stored != o_.batch) {
          s.Error("batch " + std::to_string(st) + " " + body.substr(0, 200));
          if (st == 0) co_return;
          continue;
        }
        if (sent >= from && got <= end) {
          s.ms.push_back(Ms(got - sent));
          s.positions += stored;
        }
      }
    });
    Add("Centinela",
        "saturate: JSON batches of " + std::to_string(o_.batch) + ", " +
            std::to_string(o_.sat_conns) + " conns",
        static_cast<double>(s.positions) / o_.duration_s, s);
    sat_json_rate_ = static_cast<double>(s.positions) / o_.duration_s;
  }

  asio::awaitable<void> SaturateOsmAnd() {
    if (o_.osmand_duration_s <= 0) co_return;
    std::cerr << "tracking_bench: Centinela OsmAnd saturation, " << o_.osmand_duration_s
              << " s...\n";
    Samples s;
    const auto t0 = Clock::now();
    const auto from = t0 + std::chrono::milliseconds(static_cast<int64_t>(o_.warmup_s * 1000));
    const auto end =
        from + std::chrono::milliseconds(static_cast<int64_t>(o_.osmand_duration_s * 1000));
    size_t next = 0;
    co_await Parallel(o_.osmand_conns, [&](int) -> asio::awaitable<void> {
      HttpConn h(io_);
      if (!co_await h.Connect(osmand_)) {
        Fail("osmand: connect");
        co_return;
      }
      std::string body;
      while (Clock::now() < end && !failed_) {
        Unit& u = fleet_.units[next++ % fleet_.units.size()];
        fleet_.Step(u, 1);
        const int64_t t = start_wall_ - 5 * kDayMs + int64_t{u.backlogs++} * 1000;
        const auto sent = Clock::now();
        int st = co_await h.Send(HttpRequest("GET", OsmAndTarget(u, t), {}), &body);
        const auto got = Clock::now();
        if (st == 200) ++acknowledged_;
        if (st != 200) {
          s.Error("osmand " + std::to_string(st) + " " + body.substr(0, 200));
          if (st == 0) co_return;
          continue;
        }
        if (sent >= from && got <= end) {
          s.ms.push_back(Ms(got - sent));
          ++s.positions;
        }
      }
    });
    Add("Centinela",
        "saturate: OsmAnd GET, 1 fix each, " + std::to_string(o_.osmand_conns) + " conns",
        static_cast<double>(s.positions) / o_.osmand_duration_s, s);
  }

  // -- Redis --
  void AppendGeoAdds(std::string& cmds, const Unit& u) {
    const std::string lon = Fmt(u.lon), lat = Fmt(u.lat);
    AppendCommand(cmds, {"GEOADD", "fleet:all", lon, lat, u.id});
    if (u.available) AppendCommand(cmds, {"GEOADD", "fleet:available", lon, lat, u.id});
  }

  // One backlog of `fixes` fixes of `u`, pipelined in one round trip.
  asio::awaitable<bool> RedisBatch(RedisConn& r, Unit& u, int fixes, Samples* s) {
    std::string cmds;
    int n = 0;
    for (int j = 0; j < fixes; ++j) {
      fleet_.Step(u, 1);
      AppendGeoAdds(cmds, u);
      n += u.available ? 2 : 1;
    }
    std::string err;
    int64_t errs = 0;
    const bool ok = co_await r.Pipeline(cmds, n, nullptr, &errs, &err) && errs == 0;
    if (!ok) s->Error("redis: " + err);
    co_return ok;
  }

  asio::awaitable<bool> RedisSetup() {
    std::cerr << "tracking_bench: loading the fleet into Redis...\n";
    RedisConn r(io_);
    if (!co_await r.Connect(redis_)) co_return Fail("cannot connect to Redis");
    std::string cmds, err;
    int64_t errs = 0;
    AppendCommand(cmds, {"DEL", "fleet:all", "fleet:available"});
    if (!co_await r.Pipeline(cmds, 1, nullptr, &errs, &err)) co_return Fail("redis DEL");
    for (size_t i = 0; i < fleet_.units.size(); i += 1000) {
      cmds.clear();
      int n = 0;
      for (size_t k = i; k < std::min(i + 1000, fleet_.units.size()); ++k) {
        AppendGeoAdds(cmds, fleet_.units[k]);
        n += fleet_.units[k].available ? 2 : 1;
      }
      if (!co_await r.Pipeline(cmds, n, nullptr, &errs, &err) || errs)
        co_return Fail("redis load: " + err);
    }
    co_return true;
  }

  asio::awaitable<void> RedisSaturate() {
    std::cerr << "tracking_bench: Redis pipelined GEOADD saturation, " << o_.duration_s
              << " s...\n";
    Samples s;
    const auto t0 = Clock::now();
    const auto from = t0 + std::chrono::milliseconds(static_cast<int64_t>(o_.warmup_s * 1000));
    const auto end = from + std::chrono::milliseconds(static_cast<int64_t>(o_.duration_s * 1000));
    size_t next = 0;
    co_await Parallel(o_.sat_conns, [&](int) -> asio::awaitable<void> {
      RedisConn r(io_);
      if (!co_await r.Connect(redis_)) {
        Fail("redis saturate: connect");
        co_return;
      }
      while (Clock::now() < end && !failed_) {
        Unit& u = fleet_.units[next++ % fleet_.units.size()];
        const auto sent = Clock::now();
        if (!co_await RedisBatch(r, u, o_.batch, &s)) co_return;
        const auto got = Clock::now();
        if (sent >= from && got <= end) {
          s.ms.push_back(Ms(got - sent));
          s.positions += o_.batch;
        }
      }
    });
    Add("Redis",
        "saturate: pipelined GEOADD, " + std::to_string(o_.batch) + " fixes per round trip, " +
            std::to_string(o_.sat_conns) + " conns",
        static_cast<double>(s.positions) / o_.duration_s, s);
    sat_redis_rate_ = static_cast<double>(s.positions) / o_.duration_s;
  }

  asio::awaitable<void> RedisCheck() {
    RedisConn r(io_);
    if (!co_await r.Connect(redis_)) co_return;
    std::string cmds, err;
    int64_t errs = 0;
    std::vector<Resp> replies;
    AppendCommand(cmds, {"ZCARD", "fleet:all"});
    AppendCommand(cmds, {"ZCARD", "fleet:available"});
    if (co_await r.Pipeline(cmds, 2, &replies, &errs, &err) && replies.size() == 2) {
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

  void Add(const std::string& system, const std::string& workload, double rate, Samples s,
           const std::string& unit = "positions/s") {
    if (s.errors) {
      failed_ = true;
      std::cerr << "tracking_bench: " << system << " " << workload << ": " << s.errors
                << " errors, first: " << s.first_error << "\n";
    }
    results_.push_back({system, workload, rate, std::move(s), unit});
  }

  bool Fail(const std::string& why) {
    if (!failed_) std::cerr << "tracking_bench: " << why << "\n";
    failed_ = true;
    return false;
  }

  void Print() {
    int available = 0;
    for (const Unit& u : fleet_.units) available += u.available;
    std::cout << "\n| system | workload | rate | p50 ms | p99 ms | max ms | samples | errors |\n"
                 "|---|---|---:|---:|---:|---:|---:|---:|\n";
    for (Result& r : results_) {
      char line[512];
      std::snprintf(line, sizeof line, "| %s | %s | %s | %.2f | %.2f | %.2f | %zu | %lld |\n",
                    r.system.c_str(), r.workload.c_str(),
                    r.rate > 0 ? (Int(r.rate) + " " + r.unit).c_str() : "-", r.s.Pct(0.5),
                    r.s.Pct(0.99), r.s.ms.empty() ? 0.0 : r.s.ms.back(), r.s.ms.size(),
                    static_cast<long long>(r.s.errors));
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
      std::printf("ratio nearest-5 query p99: Centinela / Redis = %.2f (p50 %.2f)\n",
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
    std::printf("acknowledged_positions %lld\n", static_cast<long long>(acknowledged_));
    std::fflush(stdout);
  }

  static std::string Int(double v) {
    std::string s = std::to_string(static_cast<long long>(std::llround(v)));
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
      s.insert(static_cast<size_t>(i), ",");
    return s;
  }

  asio::io_context& io_;
  Options o_;
  Fleet fleet_;
  tcp::endpoint api_, osmand_, redis_;
  std::string token_;
  int64_t start_wall_ = 0;
  int64_t acknowledged_ = 0;
  double sat_json_rate_ = 0, sat_redis_rate_ = 0;
  int64_t redis_units_ = 0, redis_available_ = 0;
  std::vector<Result> results_;
  bool failed_ = false;
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
    else
      Usage("unknown option " + a);
  }
  if (!o.port || !o.osmand_port || o.login.empty() || o.password.empty())
    Usage("--port, --osmand-port, --login and --password are required");
  if (o.units < 10 || o.batch < 1 || o.batch > 1000 || o.query_rate <= 0 || o.steady_conns < 1 ||
      o.sat_conns < 1 || o.query_conns < 1 || o.burst_fixes < 1 || o.burst_fixes > 1000)
    Usage("bad option values");
  asio::io_context io(1);
  Bench bench(io, o);
  int rc = 1;
  asio::co_spawn(io, bench.Run(), [&rc](std::exception_ptr e, int r) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::cerr << "tracking_bench: " << x.what() << "\n";
      }
      rc = 1;
    } else {
      rc = r;
    }
  });
  io.run();
  return rc;
}
