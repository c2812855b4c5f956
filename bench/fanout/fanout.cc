// fanout: live-stream fan-out load generator (docs/benchmarks.md, "Live stream fan-out").
//
// Three systems, one harness, one set of numbers:
//
//   centinela  N neighbours verified through the real API (register, login, proof upload,
//              membership request, approval by an admin) with homes spread over the demo
//              comunas by population, plus K operators of the precinct; each holds one
//              WebSocket on GET /api/v1/stream. Alerts are POST /api/v1/reports of a public
//              category from population-weighted random points. A delivery is a
//              report.created message; it is matched to its alert by report id and timed
//              from the moment the POST was written to the moment the message was read.
//              Expected receivers of an alert: the neighbours whose comuna contains the
//              point, plus every operator.
//   nats       the same N + K subscribers on a nats-server: neighbour i subscribes to
//              "area.<its comuna>", operators to "area.*"; an alert is one PUB to the
//              alert's comuna, with a payload of --size bytes carrying its index and send
//              time.
//   mqtt       the same on mosquitto (MQTT 3.1.1, QoS 0): topics "area/<comuna>", "area/+".
//
// The comunas, their populations and (for Centinela) their boundaries come from the server
// (GET /api/v1/areas) or, for the brokers, from demo/south-precinct.csv: the same weights,
// so each alert reaches the same share of subscribers in all three.
//
// Two phases on the same connected subscribers, each --duration seconds, then --drain
// seconds for late deliveries, and an account of every expected delivery (delivered, lost,
// duplicated, unexpected):
//   rate (--rate R, default 100; 0 skips it): alerts sent open-loop at R per second;
//   peak (--peak W, default off): W alerts in flight, an alert leaving the window when the
//        first operator (who receives every alert) has read it — the same pacing on every
//        system; besides, closed loop on the POST answer for
//        Centinela, on a PING/PONG (NATS) or PINGREQ/PINGRESP (MQTT) round trip after every
//        W publishes for the brokers.
//
// Output: a human summary on stderr and, with --json, one JSON line on stdout.
//
// usage: fanout --system centinela|nats|mqtt --port P [--host 127.0.0.1] [--clients N]
//               [--operators K] [--rate R] [--peak W] [--duration S] [--drain S]
//               [--size BYTES] [--threads T] [--setup-concurrency C] [--seed N]
//               [--demo-dir DIR] [--admin LOGIN --admin-password PW] [--json]

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "geo/area_index.h"
#include "geo/geometry.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace geo = centinela::geo;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// ---------------------------------------------------------------------------------------
// Options

enum class System { kCentinela, kNats, kMqtt };

struct Options {
  System system = System::kCentinela;
  std::string host = "127.0.0.1";
  int port = 0;
  int clients = 1000;
  int operators = 10;
  double rate = 100;  // alerts per second (rate mode)
  int peak = 0;       // alerts in flight (peak mode) when > 0
  double duration = 20;
  double drain = 5;
  int size = 0;  // anchor payload bytes; 0 = 400
  int threads = 1;
  int setup_concurrency = 32;
  uint64_t seed = 42;
  std::string demo_dir = "demo";
  std::string admin = "admin@centinela.demo";
  std::string admin_password = "demo-admin-2026";
  bool json_out = false;
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "fanout: " << why << "\n"
            << "usage: fanout --system centinela|nats|mqtt --port P [--host H] [--clients N]\n"
               "              [--operators K] [--rate R] [--peak W] [--duration S] [--drain S]\n"
               "              [--size BYTES] [--threads T] [--setup-concurrency C] [--seed N]\n"
               "              [--demo-dir DIR] [--admin LOGIN --admin-password PW] [--json]\n";
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + a);
      return argv[++i];
    };
    try {
      if (a == "--system") {
        const std::string s = next();
        o.system = s == "centinela" ? System::kCentinela
                   : s == "nats"    ? System::kNats
                   : s == "mqtt"    ? System::kMqtt
                                    : (Usage("unknown system " + s), System::kNats);
      } else if (a == "--host") {
        o.host = next();
      } else if (a == "--port") {
        o.port = std::stoi(next());
      } else if (a == "--clients") {
        o.clients = std::stoi(next());
      } else if (a == "--operators") {
        o.operators = std::stoi(next());
      } else if (a == "--rate") {
        o.rate = std::stod(next());
      } else if (a == "--peak") {
        o.peak = std::stoi(next());
      } else if (a == "--duration") {
        o.duration = std::stod(next());
      } else if (a == "--drain") {
        o.drain = std::stod(next());
      } else if (a == "--size") {
        o.size = std::stoi(next());
      } else if (a == "--threads") {
        o.threads = std::max(1, std::stoi(next()));
      } else if (a == "--setup-concurrency") {
        o.setup_concurrency = std::max(1, std::stoi(next()));
      } else if (a == "--seed") {
        o.seed = std::stoull(next());
      } else if (a == "--demo-dir") {
        o.demo_dir = next();
      } else if (a == "--admin") {
        o.admin = next();
      } else if (a == "--admin-password") {
        o.admin_password = next();
      } else if (a == "--json") {
        o.json_out = true;
      } else {
        Usage("unknown option " + a);
      }
    } catch (const std::invalid_argument&) {
      Usage("bad value for " + a);
    }
  }
  if (o.port <= 0) Usage("--port is required");
  if (o.clients < 1 || o.operators < 0) Usage("--clients must be >= 1 and --operators >= 0");
  if (o.peak <= 0 && o.rate <= 0) Usage("give --rate R > 0 and/or --peak W > 0");
  if (o.size <= 0) o.size = 400;
  o.size = std::max(o.size, 48);
  return o;
}

// ---------------------------------------------------------------------------------------
// Areas and the population-weighted draw shared by every system

struct World {
  std::vector<std::string> codes;  // comuna codes
  std::vector<double> weights;     // populations
  std::vector<geo::BBox> boxes;    // centinela only
  geo::AreaIndex index;            // centinela only
  std::string category;            // centinela: a public category code
  std::string precinct;            // centinela: area code of the operators' grant

  size_t Draw(std::mt19937_64& rng) const {
    std::discrete_distribution<size_t> d(weights.begin(), weights.end());
    return d(rng);
  }
  //! A point inside comuna `k` (uniform over its boundary).
  std::pair<double, double> PointIn(size_t k, std::mt19937_64& rng) const {
    const geo::BBox& b = boxes[k];
    for (int attempt = 0; attempt < 10'000; ++attempt) {
      const double lat = std::uniform_real_distribution<double>(b.min_lat, b.max_lat)(rng);
      const double lon = std::uniform_real_distribution<double>(b.min_lon, b.max_lon)(rng);
      const auto in = index.At(lat, lon);
      if (std::find(in.begin(), in.end(), codes[k]) != in.end()) return {lat, lon};
    }
    return {(b.min_lat + b.max_lat) / 2, (b.min_lon + b.max_lon) / 2};
  }
};

//! The brokers' weights: demo/south-precinct.csv (comuna, population, ...).
void WorldFromCsv(const std::string& demo_dir, World& w) {
  std::ifstream in(demo_dir + "/south-precinct.csv");
  if (!in) {
    std::cerr << "fanout: cannot read " << demo_dir << "/south-precinct.csv (use --demo-dir)\n";
    std::exit(1);
  }
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const size_t c1 = line.find(',');
    if (c1 == std::string::npos) continue;
    const size_t c2 = line.find(',', c1 + 1);
    std::string name = line.substr(0, c1);
    for (char& ch : name)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    w.codes.push_back(std::to_string(w.codes.size()) + "_" + name.substr(0, 8));
    w.weights.push_back(std::stod(line.substr(c1 + 1, c2 - c1 - 1)));
  }
  if (w.codes.empty()) {
    std::cerr << "fanout: no comunas in " << demo_dir << "/south-precinct.csv\n";
    std::exit(1);
  }
}

// ---------------------------------------------------------------------------------------
// Accounting

//! One alert as the sender knows it.
struct Alert {
  Clock::time_point sent{};
  std::vector<size_t> areas;  // comuna indexes containing the point
  int expected = 0;
  uint64_t id_hash = 0;  // centinela: hash of the report id (0 until the POST answered)
  bool failed = false;   // the POST / PUB failed: nothing is expected
};

//! What one receiver thread saw. Merged after the run.
struct Receipts {
  struct Raw {  // centinela: matched to alerts after the run, by report id hash
    uint64_t id_hash;
    uint32_t client;
    Clock::time_point at;
  };
  std::vector<Raw> raw;
  struct Known {  // brokers: the alert index travels in the payload
    uint32_t alert;
    uint32_t client;
    Clock::time_point at;
  };
  std::vector<Known> known;
  uint64_t bytes = 0;
  uint64_t messages = 0;
  uint64_t out_of_order = 0;
  uint64_t errors = 0;
  std::string first_error;
  void Error(const std::string& e) {
    if (errors++ == 0) first_error = e;
  }
};

//! Receipts of one receiver thread, one slot per phase (rate, then peak). Receivers write to
//! the slot of the current phase; phases are separated by the drain.
using Sink = std::array<Receipts, 2>;
std::atomic<int> g_phase{0};

// Peak pacing: an alert is in flight from its send until the first operator — who receives
// every alert, on every system — has read it. Posters wait while W alerts are in flight.
std::atomic<uint32_t> g_first_operator{UINT32_MAX};
std::atomic<uint64_t> g_sent{0}, g_seen_by_first_operator{0};

void SeenBy(uint32_t index) {
  if (index == g_first_operator.load(std::memory_order_relaxed))
    g_seen_by_first_operator.fetch_add(1, std::memory_order_release);
}

//! Waits (polling every 100 µs) until fewer than `window` alerts are in flight, then counts
//! one more as sent. A window that does not move for 2 s is passed (a cut session must not
//! stall the phase; its losses are counted).
asio::awaitable<void> Pace(asio::steady_timer& timer, uint64_t window) {
  const auto give_up = Clock::now() + std::chrono::seconds(2);
  while (g_sent.load(std::memory_order_acquire) - g_seen_by_first_operator.load(std::memory_order_acquire) >=
             window &&
         Clock::now() < give_up) {
    timer.expires_after(std::chrono::microseconds(100));
    co_await timer.async_wait(kNoThrow);
  }
  g_sent.fetch_add(1, std::memory_order_acq_rel);
}

//! A subscriber: its comuna (or all of them for an operator).
struct Subscriber {
  int area = -1;  // -1: operator (every comuna)
  std::string token;
  bool ready = false;
  int64_t last_seq = 0;
};

struct Summary {
  uint64_t alerts = 0, failed_alerts = 0, expected = 0, delivered = 0, lost = 0,
           duplicates = 0, unexpected = 0;
  double seconds = 0, p50 = 0, p99 = 0, max = 0, mean_matched = 0;
  double deliveries_per_s = 0;
};

double Percentile(std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * v.size())) - (p > 0 ? 1 : 0));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

Summary Account(std::vector<Alert>& alerts, const std::vector<Subscriber>& subs,
                std::vector<Receipts>& receipts, Clock::time_point first_send) {
  Summary s;
  std::unordered_map<uint64_t, uint32_t> by_hash;
  for (uint32_t i = 0; i < alerts.size(); ++i)
    if (alerts[i].id_hash) by_hash.emplace(alerts[i].id_hash, i);
  // Per alert, which clients received it (to find duplicates and unexpected receivers).
  std::vector<std::vector<uint32_t>> got(alerts.size());
  std::vector<float> lat_ms;
  Clock::time_point last_receipt = first_send;
  auto one = [&](uint32_t a, uint32_t client, Clock::time_point at) {
    if (a >= alerts.size()) return;
    got[a].push_back(client);
    lat_ms.push_back(std::chrono::duration<float, std::milli>(at - alerts[a].sent).count());
    last_receipt = std::max(last_receipt, at);
  };
  for (Receipts& r : receipts) {
    for (const auto& k : r.known) one(k.alert, k.client, k.at);
    for (const auto& raw : r.raw) {
      auto it = by_hash.find(raw.id_hash);
      if (it != by_hash.end()) one(it->second, raw.client, raw.at);
    }
  }
  uint64_t matched_sum = 0;
  for (uint32_t a = 0; a < alerts.size(); ++a) {
    Alert& al = alerts[a];
    ++s.alerts;
    if (al.failed) {
      ++s.failed_alerts;
      continue;
    }
    s.expected += static_cast<uint64_t>(al.expected);
    matched_sum += static_cast<uint64_t>(al.expected);
    auto& g = got[a];
    std::sort(g.begin(), g.end());
    uint64_t ok = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      if (i > 0 && g[i] == g[i - 1]) {
        ++s.duplicates;
        continue;
      }
      const Subscriber& sub = subs[g[i]];
      const bool expected =
          sub.area < 0 ||
          std::find(al.areas.begin(), al.areas.end(), static_cast<size_t>(sub.area)) != al.areas.end();
      if (expected) {
        ++ok;
      } else {
        ++s.unexpected;
      }
    }
    s.delivered += ok;
    s.lost += static_cast<uint64_t>(al.expected) > ok ? static_cast<uint64_t>(al.expected) - ok : 0;
  }
  s.seconds = std::chrono::duration<double>(last_receipt - first_send).count();
  s.deliveries_per_s = s.seconds > 0 ? static_cast<double>(lat_ms.size()) / s.seconds : 0;
  s.mean_matched = s.alerts > s.failed_alerts
                       ? static_cast<double>(matched_sum) / static_cast<double>(s.alerts - s.failed_alerts)
                       : 0;
  if (!lat_ms.empty()) {
    s.max = *std::max_element(lat_ms.begin(), lat_ms.end());
    s.p99 = Percentile(lat_ms, 0.99);
    s.p50 = Percentile(lat_ms, 0.50);
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// Small HTTP/1.1 client over one keep-alive connection (setup and alerts)

struct HttpConn {
  explicit HttpConn(asio::any_io_executor ex) : socket(ex) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
};

struct Answer {
  int status = 0;  // 0: transport error (body says which)
  std::string body;
};

asio::awaitable<Answer> Call(HttpConn& c, const tcp::endpoint& ep, const Options& o, http::verb verb,
                             const std::string& target, std::string body, const std::string& token,
                             const char* content_type = "application/json",
                             Clock::time_point* written = nullptr) {
  if (!c.socket.is_open()) {
    auto [ec] = co_await c.socket.async_connect(ep, kNoThrow);
    if (ec) {
      beast::error_code ignored;
      c.socket.close(ignored);
      co_return Answer{0, "connect: " + ec.message()};
    }
    c.socket.set_option(tcp::no_delay(true));
  }
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, o.host + ":" + std::to_string(o.port));
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (verb != http::verb::get) {
    req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
  }
  req.keep_alive(true);
  req.prepare_payload();
  if (written) *written = Clock::now();
  auto [wec, wn] = co_await http::async_write(c.socket, req, kNoThrow);
  if (wec) {
    beast::error_code ignored;
    c.socket.close(ignored);
    co_return Answer{0, "write: " + wec.message()};
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(32 << 20);  // areas with their boundaries
  auto [rec, rn] = co_await http::async_read(c.socket, c.buffer, parser, kNoThrow);
  if (rec) {
    beast::error_code ignored;
    c.socket.close(ignored);
    co_return Answer{0, "read: " + rec.message()};
  }
  Answer a{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
  if (!parser.keep_alive()) {
    beast::error_code ignored;
    c.socket.close(ignored);
  }
  co_return a;
}

std::string JsonString(const std::string& body, const char* key) {
  try {
    const json::value v = json::parse(body);
    if (const json::value* f = v.as_object().if_contains(key); f && f->is_string())
      return std::string(f->as_string());
  } catch (...) {
  }
  return {};
}

std::string Quote(const std::string& s) { return json::serialize(json::value(s)); }

// ---------------------------------------------------------------------------------------
// Centinela: setup through the API

struct CentinelaSetup {
  CentinelaSetup(const Options& opts, tcp::endpoint endpoint, World& w, std::vector<Subscriber>& s)
      : o(opts), ep(endpoint), world(w), subs(s) {}
  const Options& o;
  tcp::endpoint ep;
  World& world;
  std::vector<Subscriber>& subs;
  std::string admin_token;
  std::string proof_jpeg;
  std::string run_id;
  std::vector<std::string> poster_tokens;
  std::string error;
  size_t next = 0;
  uint64_t requests = 0;

  void Fail(const std::string& e) {
    if (error.empty()) error = e;
  }

  asio::awaitable<void> LoadWorld(HttpConn& c) {
    Answer cats = co_await Call(c, ep, o, http::verb::get, "/api/v1/categories", {}, admin_token);
    Answer areas =
        co_await Call(c, ep, o, http::verb::get, "/api/v1/areas?geometry=true", {}, admin_token);
    if (cats.status != 200 || areas.status != 200) {
      Fail("GET categories " + std::to_string(cats.status) + ", GET areas " +
           std::to_string(areas.status) + ": " + cats.body.substr(0, 200) + areas.body.substr(0, 200));
      co_return;
    }
    try {
      // Keep the parsed documents alive for the loops (a temporary's member would dangle).
      const json::value cat_doc = json::parse(cats.body);
      const json::value area_doc = json::parse(areas.body);
      for (const json::value& cat : cat_doc.at("categories").as_array()) {
        const json::object& co = cat.as_object();
        if (!co.at("active").as_bool()) continue;
        const json::value* sens = co.if_contains("sensitivity");
        if (sens && sens->is_string() && sens->as_string() != "public") continue;
        world.category = std::string(co.at("code").as_string());
        break;
      }
      for (const json::value& a : area_doc.at("areas").as_array()) {
        const json::object& ao = a.as_object();
        const std::string code(ao.at("code").as_string());
        const std::string kind(ao.at("kind").as_string());
        if (kind == "precinct") world.precinct = code;
        if (kind != "sector") continue;
        const std::string geometry = json::serialize(ao.at("geometry"));
        auto valid = geo::ValidateGeometry(geometry);
        if (!valid.ok() || !world.index.Put(code, geometry).ok()) {
          Fail("area " + code + " has a geometry this client cannot use");
          co_return;
        }
        world.codes.push_back(code);
        world.boxes.push_back(valid->bbox);
        world.weights.push_back(static_cast<double>(ao.at("population").to_number<int64_t>()));
      }
    } catch (const std::exception& e) {
      Fail(std::string("cannot read categories or areas: ") + e.what());
      co_return;
    }
    if (world.category.empty() || world.codes.empty() || world.precinct.empty())
      Fail("the server needs --demo: no public category, no sector areas or no precinct");
  }

  //! Registers and logs in one account; returns its token (empty on failure).
  asio::awaitable<std::string> Account(HttpConn& c, const std::string& email) {
    const std::string password = "bench-password-" + run_id;
    Answer reg = co_await Call(c, ep, o, http::verb::post, "/api/v1/auth/register",
                               "{\"email\":" + Quote(email) + ",\"password\":" + Quote(password) + "}",
                               {});
    if (reg.status != 201) {
      Fail("register " + email + ": " + std::to_string(reg.status) + " " + reg.body);
      co_return std::string();
    }
    Answer login = co_await Call(c, ep, o, http::verb::post, "/api/v1/auth/login",
                                 "{\"login\":" + Quote(email) + ",\"password\":" + Quote(password) + "}",
                                 {});
    requests += 2;
    const std::string token = login.status == 200 ? JsonString(login.body, "token") : std::string();
    if (token.empty()) Fail("login " + email + ": " + std::to_string(login.status) + " " + login.body);
    co_return token;
  }

  //! One neighbour: account, proof of residence, membership request, approval.
  asio::awaitable<void> Neighbour(HttpConn& c, size_t i, std::mt19937_64& rng) {
    Subscriber& s = subs[i];
    const size_t k = world.Draw(rng);
    s.area = static_cast<int>(k);
    auto [lat, lon] = world.PointIn(k, rng);
    char email[96];
    std::snprintf(email, sizeof email, "fan-%s-%06zu@bench.centinela.example", run_id.c_str(), i);
    s.token = co_await Account(c, email);
    if (s.token.empty()) co_return;
    Answer media = co_await Call(c, ep, o, http::verb::put, "/api/v1/media", proof_jpeg, s.token,
                                 "image/jpeg");
    const std::string media_id = media.status == 201 ? JsonString(media.body, "id") : std::string();
    if (media_id.empty()) {
      Fail("upload proof: " + std::to_string(media.status) + " " + media.body);
      co_return;
    }
    char body[512];
    std::snprintf(body, sizeof body,
                  "{\"address\":\"Calle Bench %zu\",\"lat\":%.6f,\"lon\":%.6f,\"id_type\":\"other\","
                  "\"id_number\":\"BENCH%zu\",\"proof_media_id\":\"%s\"}",
                  i, lat, lon, i, media_id.c_str());
    Answer m = co_await Call(c, ep, o, http::verb::post, "/api/v1/memberships", body, s.token);
    const std::string mid = m.status == 201 ? JsonString(m.body, "id") : std::string();
    if (mid.empty()) {
      Fail("membership request: " + std::to_string(m.status) + " " + m.body);
      co_return;
    }
    // HomeArea may pick another comuna for a point on a shared boundary: use what the server
    // decided.
    const std::string area = JsonString(m.body, "area");
    for (size_t j = 0; j < world.codes.size(); ++j)
      if (world.codes[j] == area) s.area = static_cast<int>(j);
    Answer ap = co_await Call(c, ep, o, http::verb::post, "/api/v1/memberships/" + mid + "/approve",
                              "{}", admin_token);
    requests += 3;
    if (ap.status != 200) Fail("approve: " + std::to_string(ap.status) + " " + ap.body);
  }

  asio::awaitable<void> Operator(HttpConn& c, size_t i) {
    char email[96];
    std::snprintf(email, sizeof email, "fan-op-%s-%03zu@bench.centinela.example", run_id.c_str(), i);
    const std::string password = "bench-password-" + run_id;
    Answer u = co_await Call(c, ep, o, http::verb::post, "/api/v1/users",
                             "{\"email\":" + Quote(email) + ",\"password\":" + Quote(password) +
                                 ",\"roles\":[{\"role\":\"operator\",\"area\":" + Quote(world.precinct) +
                                 "}]}",
                             admin_token);
    if (u.status != 201) {
      Fail("create operator: " + std::to_string(u.status) + " " + u.body);
      co_return;
    }
    Answer login = co_await Call(c, ep, o, http::verb::post, "/api/v1/auth/login",
                                 "{\"login\":" + Quote(email) + ",\"password\":" + Quote(password) + "}",
                                 {});
    subs[static_cast<size_t>(o.clients) + i].token = JsonString(login.body, "token");
    if (subs[static_cast<size_t>(o.clients) + i].token.empty()) Fail("operator login: " + login.body);
  }

  asio::awaitable<void> Worker(uint64_t seed) {
    HttpConn c(co_await asio::this_coro::executor);
    std::mt19937_64 rng(seed);
    while (error.empty() && next < subs.size()) {
      const size_t i = next++;
      if (i < static_cast<size_t>(o.clients)) {
        co_await Neighbour(c, i, rng);
      } else {
        co_await Operator(c, i - static_cast<size_t>(o.clients));
      }
      if (i % 1000 == 999) std::cerr << "fanout: " << (i + 1) << " accounts ready\n";
    }
  }
};

// ---------------------------------------------------------------------------------------
// Centinela: WebSocket subscribers

uint64_t HashId(std::string_view id) { return std::hash<std::string_view>{}(id) | 1; }

//! Finds the report id in {"seq":N,"type":"report.created",...,"data":{"id":"..."...}}.
bool ParseDelivery(std::string_view m, int64_t* seq, std::string_view* id) {
  if (m.find("\"type\":\"report.created\"") == std::string_view::npos) return false;
  const size_t s = m.find("\"seq\":");
  if (s != std::string_view::npos) *seq = std::strtoll(m.data() + s + 6, nullptr, 10);
  const size_t d = m.find("\"data\":");
  if (d == std::string_view::npos) return false;
  const size_t k = m.find("\"id\":\"", d);
  if (k == std::string_view::npos) return false;
  const size_t b = k + 6;
  const size_t e = m.find('"', b);
  if (e == std::string_view::npos) return false;
  *id = m.substr(b, e - b);
  return true;
}

// The subscriber side reads WebSocket frames itself, like the NATS and MQTT subscribers
// below read their protocols: the upgrade request written by hand, then every read takes
// whatever the socket holds (often several frames) into one buffer that is parsed in place.
// Server frames are unmasked; pings are answered with a masked pong (the server closes a
// silent client after stream.idle_timeout_ms).
asio::awaitable<void> StreamClient(const Options& o, tcp::endpoint ep, Subscriber& sub, uint32_t index,
                                   Sink& sink, std::atomic<int>& ready) {
  Receipts& r0 = sink[0];
  auto ex = co_await asio::this_coro::executor;
  tcp::socket sock(ex);
  auto fail = [&](const std::string& what) {
    r0.Error(what);
    ready.fetch_add(1);
  };
  auto [cec] = co_await sock.async_connect(ep, kNoThrow);
  if (cec) {
    fail("ws connect: " + cec.message());
    co_return;
  }
  sock.set_option(tcp::no_delay(true));
  const std::string upgrade = "GET /api/v1/stream HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: Y2VudGluZWxhLWJlbmNoLQ==\r\nSec-WebSocket-Version: 13\r\n"
                              "Authorization: Bearer " + sub.token + "\r\n\r\n";
  auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(upgrade), kNoThrow);
  if (wec) {
    fail("ws upgrade write: " + wec.message());
    co_return;
  }
  std::string buf;
  buf.resize(64 * 1024);
  size_t have = 0;
  // The 101 response, up to its blank line; what follows it is already frames.
  size_t head_end = std::string::npos;
  while (head_end == std::string::npos) {
    if (have == buf.size()) {
      fail("ws upgrade: response header too large");
      co_return;
    }
    auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf.data() + have, buf.size() - have), kNoThrow);
    if (ec) {
      fail("ws upgrade read: " + ec.message());
      co_return;
    }
    have += n;
    head_end = std::string_view(buf.data(), have).find("\r\n\r\n");
  }
  if (std::string_view(buf.data(), have).substr(0, 12) != "HTTP/1.1 101") {
    fail("ws upgrade: " + std::string(buf.data(), std::min<size_t>(have, 120)));
    co_return;
  }
  size_t pos = head_end + 4;
  bool hello = false;
  for (;;) {
    // Every whole frame in buf[pos, have).
    const auto at = Clock::now();
    Receipts& r = sink[static_cast<size_t>(g_phase.load(std::memory_order_acquire))];
    for (;;) {
      if (have - pos < 2) break;
      const auto* b = reinterpret_cast<const unsigned char*>(buf.data() + pos);
      const int opcode = b[0] & 0x0f;
      uint64_t len = b[1] & 0x7f;
      size_t header = 2;
      if (len == 126) {
        if (have - pos < 4) break;
        len = (uint64_t{b[2]} << 8) | b[3];
        header = 4;
      } else if (len == 127) {
        if (have - pos < 10) break;
        len = 0;
        for (int k = 0; k < 8; ++k) len = (len << 8) | b[2 + k];
        header = 10;
      }
      if (have - pos < header + len) {
        if (header + len > buf.size()) buf.resize(header + len + 4096);
        break;
      }
      const std::string_view payload(buf.data() + pos + header, len);
      pos += header + len;
      if (opcode == 8) {  // close
        if (!hello) ready.fetch_add(1);
        co_return;
      }
      if (opcode == 9) {  // ping: a masked pong with the same payload (zero mask key)
        std::string pong = {static_cast<char>(0x8a), static_cast<char>(0x80 | payload.size()), 0, 0, 0, 0};
        pong.append(payload);
        co_await asio::async_write(sock, asio::buffer(pong), kNoThrow);
        continue;
      }
      if (opcode != 1) continue;
      ++r.messages;
      r.bytes += payload.size();
      if (!hello) {
        hello = true;
        sub.ready = true;
        ready.fetch_add(1);
      }
      int64_t seq = 0;
      std::string_view id;
      if (ParseDelivery(payload, &seq, &id)) {
        if (seq <= sub.last_seq) ++r.out_of_order;
        sub.last_seq = seq;
        r.raw.push_back({HashId(id), index, at});
        SeenBy(index);
      }
    }
    if (pos > 0) {  // keep a partial frame at the front
      std::memmove(buf.data(), buf.data() + pos, have - pos);
      have -= pos;
      pos = 0;
    }
    if (have == buf.size()) buf.resize(buf.size() * 2);
    auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf.data() + have, buf.size() - have), kNoThrow);
    if (ec) {
      if (ec != asio::error::eof && ec != asio::error::operation_aborted && ec != asio::error::connection_reset)
        sink[static_cast<size_t>(g_phase.load(std::memory_order_acquire))].Error("ws read: " + ec.message());
      if (!hello) ready.fetch_add(1);
      co_return;
    }
    have += n;
  }
}

// ---------------------------------------------------------------------------------------
// Broker payloads: "<alert index>;" then padding to --size bytes

std::string Payload(uint32_t alert, int size) {
  std::string p = std::to_string(alert) + ";";
  p.resize(static_cast<size_t>(size), 'x');
  return p;
}

uint32_t PayloadAlert(std::string_view p) {
  uint32_t v = 0;
  std::from_chars(p.data(), p.data() + p.size(), v);
  return v;
}

// ---------------------------------------------------------------------------------------
// NATS (text protocol: INFO, CONNECT, SUB, PUB, MSG, PING/PONG)

asio::awaitable<void> NatsSubscriber(tcp::endpoint ep, std::string subject, uint32_t index, Sink& sink,
                                     std::atomic<int>& ready) {
  tcp::socket s(co_await asio::this_coro::executor);
  Receipts& r0 = sink[0];
  auto [cec] = co_await s.async_connect(ep, kNoThrow);
  if (cec) {
    r0.Error("nats connect: " + cec.message());
    ready.fetch_add(1);
    co_return;
  }
  const std::string hello = "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false}\r\nSUB " +
                            subject + " 1\r\nPING\r\n";
  co_await asio::async_write(s, asio::buffer(hello), kNoThrow);
  std::string buf;
  buf.reserve(1 << 16);
  bool is_ready = false;
  char chunk[1 << 16];
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(chunk), kNoThrow);
    if (ec) {
      if (!is_ready) ready.fetch_add(1);
      co_return;
    }
    const auto at = Clock::now();
    Receipts& r = sink[static_cast<size_t>(g_phase.load(std::memory_order_acquire))];
    buf.append(chunk, n);
    size_t pos = 0;
    std::string pong;
    for (;;) {
      const size_t eol = buf.find("\r\n", pos);
      if (eol == std::string::npos) break;
      const std::string_view line(buf.data() + pos, eol - pos);
      if (line.rfind("MSG ", 0) == 0) {
        const size_t sp = line.rfind(' ');
        size_t bytes = 0;
        std::from_chars(line.data() + sp + 1, line.data() + line.size(), bytes);
        if (buf.size() < eol + 2 + bytes + 2) break;  // payload not complete yet
        const std::string_view payload(buf.data() + eol + 2, bytes);
        r.known.push_back({PayloadAlert(payload), index, at});
        SeenBy(index);
        ++r.messages;
        r.bytes += bytes;
        pos = eol + 2 + bytes + 2;
        continue;
      }
      if (line == "PING") pong += "PONG\r\n";
      if (line == "PONG" && !is_ready) {
        is_ready = true;
        ready.fetch_add(1);
      }
      if (line.rfind("-ERR", 0) == 0) r.Error(std::string(line));
      pos = eol + 2;
    }
    buf.erase(0, pos);
    if (!pong.empty()) co_await asio::async_write(s, asio::buffer(pong), kNoThrow);
  }
}

// ---------------------------------------------------------------------------------------
// MQTT 3.1.1, QoS 0 only

void PutLength(std::string& out, size_t n) {
  do {
    uint8_t b = n % 128;
    n /= 128;
    if (n) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (n);
}

void PutString(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>(s.size() >> 8));
  out.push_back(static_cast<char>(s.size() & 0xFF));
  out.append(s);
}

std::string MqttConnect(const std::string& client_id) {
  std::string body;
  PutString(body, "MQTT");
  body.push_back(4);     // protocol level 3.1.1
  body.push_back(0x02);  // clean session
  body.push_back(0);     // keep alive: off
  body.push_back(0);
  PutString(body, client_id);
  std::string p(1, '\x10');
  PutLength(p, body.size());
  return p + body;
}

std::string MqttSubscribe(const std::string& filter) {
  std::string body;
  body.push_back(0);
  body.push_back(1);  // packet id 1
  PutString(body, filter);
  body.push_back(0);  // QoS 0
  std::string p(1, '\x82');
  PutLength(p, body.size());
  return p + body;
}

std::string MqttPublish(const std::string& topic, std::string_view payload) {
  std::string body;
  PutString(body, topic);
  body.append(payload);
  std::string p(1, '\x30');
  PutLength(p, body.size());
  return p + body;
}

//! Parses complete packets at the front of `buf`; calls fn(type, body) for each.
template <typename Fn>
size_t MqttPackets(std::string_view buf, Fn fn) {
  size_t pos = 0;
  while (pos + 2 <= buf.size()) {
    size_t len = 0, mul = 1, i = pos + 1;
    bool done = false;
    while (i < buf.size() && i < pos + 5) {
      const uint8_t b = static_cast<uint8_t>(buf[i++]);
      len += (b & 0x7F) * mul;
      mul *= 128;
      if (!(b & 0x80)) {
        done = true;
        break;
      }
    }
    if (!done || i + len > buf.size()) break;
    fn(static_cast<uint8_t>(buf[pos]) >> 4, buf.substr(i, len));
    pos = i + len;
  }
  return pos;
}

asio::awaitable<void> MqttSubscriber(tcp::endpoint ep, std::string filter, uint32_t index, Sink& sink,
                                     std::atomic<int>& ready) {
  tcp::socket s(co_await asio::this_coro::executor);
  Receipts& r0 = sink[0];
  auto [cec] = co_await s.async_connect(ep, kNoThrow);
  if (cec) {
    r0.Error("mqtt connect: " + cec.message());
    ready.fetch_add(1);
    co_return;
  }
  const std::string hello = MqttConnect("fan-" + std::to_string(index)) + MqttSubscribe(filter);
  co_await asio::async_write(s, asio::buffer(hello), kNoThrow);
  std::string buf;
  bool is_ready = false;
  char chunk[1 << 16];
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(chunk), kNoThrow);
    if (ec) {
      if (!is_ready) ready.fetch_add(1);
      co_return;
    }
    const auto at = Clock::now();
    Receipts& r = sink[static_cast<size_t>(g_phase.load(std::memory_order_acquire))];
    buf.append(chunk, n);
    const size_t used = MqttPackets(buf, [&](uint8_t type, std::string_view body) {
      if (type == 3 && body.size() >= 2) {  // PUBLISH, QoS 0: topic then payload
        const size_t tl = (static_cast<uint8_t>(body[0]) << 8) | static_cast<uint8_t>(body[1]);
        const std::string_view payload = body.substr(2 + tl);
        r.known.push_back({PayloadAlert(payload), index, at});
        SeenBy(index);
        ++r.messages;
        r.bytes += payload.size();
      } else if (type == 9 && !is_ready) {  // SUBACK
        is_ready = true;
        ready.fetch_add(1);
      }
    });
    buf.erase(0, used);
  }
}

// ---------------------------------------------------------------------------------------
// Threads: receivers are spread over --threads io_contexts; the sender has its own.

struct Pool {
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  explicit Pool(int n) {
    for (int i = 0; i < n; ++i) {
      ios.push_back(std::make_unique<asio::io_context>(1));
      guards.push_back(asio::make_work_guard(*ios.back()));
    }
    for (auto& io : ios) threads.emplace_back([&io] { io->run(); });
  }
  void Stop() {
    for (auto& io : ios) io->stop();
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~Pool() {
    if (!threads.empty()) Stop();
  }
};

void WaitReady(std::atomic<int>& ready, int want, const char* what) {
  const auto start = Clock::now();
  int last_print = 0;
  while (ready.load() < want) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int secs = static_cast<int>(std::chrono::duration<double>(Clock::now() - start).count());
    if (secs >= last_print + 10) {
      last_print = secs;
      std::cerr << "fanout: " << ready.load() << "/" << want << " " << what << " connected\n";
    }
    if (secs > 300) {
      std::cerr << "fanout: timed out waiting for " << what << "\n";
      std::exit(1);
    }
  }
}

// ---------------------------------------------------------------------------------------
// The sender: rate or peak, for each system

struct SendPlan {
  Clock::time_point start, end;
};

//! Draws the alerts' comunas (and for Centinela their points) up front, with a fixed seed.
struct AlertSource {
  const World& world;
  std::mt19937_64 rng;
  AlertSource(const World& w, uint64_t seed) : world(w), rng(seed) {}
  Alert Next(double* lat, double* lon, const std::vector<int>& members) {
    Alert a;
    const size_t k = world.Draw(rng);
    if (lat) {
      auto p = world.PointIn(k, rng);
      // The POST carries 6 decimals (%.6f): decide the expected receivers on the point the
      // server will see, or a point within 0.1 m of a boundary is counted in the wrong comuna.
      *lat = std::round(p.first * 1e6) / 1e6;
      *lon = std::round(p.second * 1e6) / 1e6;
      for (const std::string& code : world.index.At(*lat, *lon))
        for (size_t j = 0; j < world.codes.size(); ++j)
          if (world.codes[j] == code) a.areas.push_back(j);
    } else {
      a.areas.push_back(k);
    }
    for (size_t j : a.areas) a.expected += members[j];
    return a;
  }
};

asio::awaitable<void> CentinelaPoster(const Options& o, tcp::endpoint ep, const World& world,
                                      const std::vector<std::string>& tokens, size_t worker,
                                      std::vector<Alert>& alerts, std::mutex& mu, AlertSource& src,
                                      const std::vector<int>& members, SendPlan plan, double interval_s,
                                      uint64_t& key) {
  auto ex = co_await asio::this_coro::executor;
  HttpConn c(ex);
  asio::steady_timer timer(ex);
  const std::string& token = tokens[worker % tokens.size()];
  for (uint64_t n = 0;; ++n) {
    Clock::time_point due = plan.start;
    if (interval_s > 0) {
      // Open loop: worker w sends alerts w, w+W, w+2W, ... at their scheduled times.
      const double t = interval_s * static_cast<double>(n * tokens.size() + worker);
      due = plan.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t));
      if (due >= plan.end) break;
      if (due > Clock::now()) {
        timer.expires_at(due);
        co_await timer.async_wait(kNoThrow);
      }
    } else if (Clock::now() >= plan.end) {
      break;
    } else {
      co_await Pace(timer, static_cast<uint64_t>(tokens.size()));
      if (Clock::now() >= plan.end) break;
    }
    double lat = 0, lon = 0;
    size_t idx;
    {
      std::lock_guard lock(mu);
      idx = alerts.size();
      alerts.push_back(src.Next(&lat, &lon, members));
    }
    char body[256];
    std::snprintf(body, sizeof body,
                  "{\"category\":\"%s\",\"lat\":%.6f,\"lon\":%.6f,\"description\":\"bench alert %zu\"}",
                  world.category.c_str(), lat, lon, idx);
    Clock::time_point written;
    Answer a = co_await Call(c, ep, o, http::verb::post, "/api/v1/reports", body, token,
                             "application/json", &written);
    (void)key;
    std::lock_guard lock(mu);
    alerts[idx].sent = written;
    const std::string id = a.status == 201 ? JsonString(a.body, "id") : std::string();
    if (id.empty()) {
      alerts[idx].failed = true;
      static int shown = 0;
      if (shown++ < 5) std::cerr << "fanout: POST /reports: " << a.status << " " << a.body.substr(0, 200) << "\n";
    } else {
      alerts[idx].id_hash = HashId(id);
    }
  }
}

//! Phases: rate (open loop at --rate) and peak (--peak alerts in flight).
struct Phase {
  bool peak = false;
  double rate = 0;
  int in_flight = 0;
  std::string Name() const {
    return peak ? "peak" + std::to_string(in_flight) : "rate" + std::to_string(static_cast<int>(rate));
  }
};

std::vector<Phase> Phases(const Options& o) {
  std::vector<Phase> out;
  if (o.rate > 0) out.push_back({false, o.rate, 0});
  if (o.peak > 0) out.push_back({true, 0, o.peak});
  return out;
}

//! Takes the receipts of phase `k` out of every sink (after the drain: no writer left).
std::vector<Receipts> TakeReceipts(std::vector<Sink>& sinks, size_t k) {
  std::vector<Receipts> out;
  for (Sink& s : sinks) out.push_back(std::move(s[k]));
  return out;
}

void PrintSummary(const Options& o, const Phase& phase, const Summary& s,
                  const std::vector<Receipts>& receipts, const std::string& system, double setup_s) {
  uint64_t errors = 0, out_of_order = 0, bytes = 0, messages = 0;
  std::string first_error;
  for (const Receipts& r : receipts) {
    errors += r.errors;
    out_of_order += r.out_of_order;
    bytes += r.bytes;
    messages += r.messages;
    if (first_error.empty()) first_error = r.first_error;
  }
  const double mean_size = messages ? static_cast<double>(bytes) / static_cast<double>(messages) : 0;
  std::fprintf(stderr,
               "fanout %s: clients=%d operators=%d mode=%s alerts=%llu (failed %llu) matched/alert=%.0f "
               "(%.1f%%) expected=%llu delivered=%llu lost=%llu dup=%llu unexpected=%llu "
               "deliveries/s=%.0f p50=%.2fms p99=%.2fms max=%.2fms mean_msg=%.0fB setup=%.0fs\n",
               system.c_str(), o.clients, o.operators, phase.Name().c_str(),
               static_cast<unsigned long long>(s.alerts), static_cast<unsigned long long>(s.failed_alerts),
               s.mean_matched, 100.0 * s.mean_matched / (o.clients + o.operators),
               static_cast<unsigned long long>(s.expected), static_cast<unsigned long long>(s.delivered),
               static_cast<unsigned long long>(s.lost), static_cast<unsigned long long>(s.duplicates),
               static_cast<unsigned long long>(s.unexpected), s.deliveries_per_s, s.p50, s.p99, s.max,
               mean_size, setup_s);
  if (errors) std::fprintf(stderr, "fanout %s: %llu client errors, first: %s\n", system.c_str(),
                           static_cast<unsigned long long>(errors), first_error.c_str());
  if (out_of_order) std::fprintf(stderr, "fanout %s: %llu deliveries out of seq order\n", system.c_str(),
                                 static_cast<unsigned long long>(out_of_order));
  if (o.json_out) {
    json::object j{{"system", system},
                   {"clients", o.clients},
                   {"operators", o.operators},
                   {"mode", phase.peak ? "peak" : "rate"},
                   {"rate", phase.rate},
                   {"in_flight", phase.in_flight},
                   {"alerts", s.alerts},
                   {"failed_alerts", s.failed_alerts},
                   {"matched_per_alert", std::round(s.mean_matched)},
                   {"expected", s.expected},
                   {"delivered", s.delivered},
                   {"lost", s.lost},
                   {"duplicates", s.duplicates},
                   {"unexpected", s.unexpected},
                   {"out_of_order", out_of_order},
                   {"client_errors", errors},
                   {"deliveries_per_s", std::round(s.deliveries_per_s)},
                   {"p50_ms", std::round(s.p50 * 100) / 100},
                   {"p99_ms", std::round(s.p99 * 100) / 100},
                   {"max_ms", std::round(s.max * 100) / 100},
                   {"mean_message_bytes", std::round(mean_size)},
                   {"setup_s", std::round(setup_s)},
                   {"seconds", std::round(s.seconds * 100) / 100}};
    std::cout << json::serialize(j) << std::endl;
  }
}

std::vector<int> Members(const std::vector<Subscriber>& subs, size_t areas) {
  std::vector<int> members(areas, 0);
  int operators = 0;
  for (const Subscriber& s : subs) {
    if (s.area >= 0) {
      ++members[static_cast<size_t>(s.area)];
    } else {
      ++operators;
    }
  }
  for (int& m : members) m += operators;  // operators receive every alert
  return members;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "fanout: cannot read " << path << "\n";
    std::exit(1);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunCentinela(const Options& o) {
  const tcp::endpoint ep(asio::ip::make_address(o.host), static_cast<unsigned short>(o.port));
  World world;
  std::vector<Subscriber> subs(static_cast<size_t>(o.clients + o.operators));
  const auto setup_start = Clock::now();
  CentinelaSetup setup(o, ep, world, subs);
  setup.run_id = std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 100'000'000);
  setup.proof_jpeg = ReadFileOrDie(o.demo_dir + "/../tests/testdata/media/python_16x16.jpg");
  {
    asio::io_context io(1);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          HttpConn c(co_await asio::this_coro::executor);
          Answer login = co_await Call(c, ep, o, http::verb::post, "/api/v1/auth/login",
                                       "{\"login\":" + Quote(o.admin) + ",\"password\":" +
                                           Quote(o.admin_password) + "}",
                                       {});
          setup.admin_token = JsonString(login.body, "token");
          if (setup.admin_token.empty()) {
            setup.Fail("admin login: " + std::to_string(login.status) + " " + login.body);
            co_return;
          }
          co_await setup.LoadWorld(c);
          if (!setup.error.empty()) co_return;
          for (int w = 0; w < o.setup_concurrency; ++w)
            asio::co_spawn(co_await asio::this_coro::executor, setup.Worker(o.seed * 7919 + static_cast<uint64_t>(w)),
                           asio::detached);
          // Accounts that post the alerts: neighbours without a stream session.
          for (int p = 0; p < 16; ++p) {
            char email[96];
            std::snprintf(email, sizeof email, "fan-post-%s-%02d@bench.centinela.example",
                          setup.run_id.c_str(), p);
            std::string t = co_await setup.Account(c, email);
            if (t.empty()) co_return;
            setup.poster_tokens.push_back(t);
          }
        },
        asio::detached);
    io.run();
  }
  if (!setup.error.empty()) {
    std::cerr << "fanout: setup failed: " << setup.error << "\n";
    return 1;
  }
  for (size_t i = static_cast<size_t>(o.clients); i < subs.size(); ++i) subs[i].area = -1;
  const double setup_s = std::chrono::duration<double>(Clock::now() - setup_start).count();
  std::cerr << "fanout: " << subs.size() << " accounts and memberships ready in " << setup_s << " s ("
            << setup.requests << " requests)\n";

  std::vector<Sink> sinks(static_cast<size_t>(o.threads));
  std::atomic<int> ready{0};
  Pool pool(o.threads);
  for (size_t i = 0; i < subs.size(); ++i) {
    const size_t t = i % static_cast<size_t>(o.threads);
    asio::co_spawn(*pool.ios[t], StreamClient(o, ep, subs[i], static_cast<uint32_t>(i), sinks[t], ready),
                   asio::detached);
  }
  WaitReady(ready, static_cast<int>(subs.size()), "WebSocket sessions");
  size_t sessions = 0;
  for (const Subscriber& s : subs) sessions += s.ready ? 1 : 0;
  std::cerr << "fanout: " << sessions << " sessions open\n";
  if (sessions < subs.size()) {
    for (const Sink& sk : sinks)
      if (sk[0].errors) std::cerr << "fanout: first session error: " << sk[0].first_error << "\n";
    return 1;
  }

  const std::vector<int> members = Members(subs, world.codes.size());
  const std::vector<Phase> phases = Phases(o);
  for (size_t k = 0; k < phases.size(); ++k) {
    const Phase& ph = phases[k];
    g_phase.store(static_cast<int>(k), std::memory_order_release);
    g_first_operator.store(static_cast<uint32_t>(o.clients));  // operators follow the neighbours
    g_sent.store(0);
    g_seen_by_first_operator.store(0);
    std::vector<Alert> alerts;
    alerts.reserve(1 << 20);
    std::mutex mu;
    AlertSource src(world, o.seed + 1 + k);
    SendPlan plan;
    plan.start = Clock::now() + std::chrono::milliseconds(200);
    plan.end = plan.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
    {
      asio::io_context io(1);
      // Rate: enough connections that a slow answer does not delay the next alert.
      const int posters = ph.peak ? ph.in_flight : std::max(8, static_cast<int>(std::ceil(ph.rate / 20)));
      std::vector<std::string> tokens;
      for (int w = 0; w < posters; ++w)
        tokens.push_back(setup.poster_tokens[static_cast<size_t>(w) % setup.poster_tokens.size()]);
      uint64_t key = 0;
      const double interval = ph.peak ? 0 : 1.0 / ph.rate;
      for (int w = 0; w < posters; ++w)
        asio::co_spawn(io,
                       CentinelaPoster(o, ep, world, tokens, static_cast<size_t>(w), alerts, mu, src, members,
                                       plan, interval, key),
                       asio::detached);
      io.run();
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(o.drain));
    if (k + 1 == phases.size()) pool.Stop();
    std::vector<Receipts> receipts = TakeReceipts(sinks, k);
    Summary s = Account(alerts, subs, receipts, plan.start);
    PrintSummary(o, ph, s, receipts, "centinela", setup_s);
  }
  return 0;
}

int RunBroker(const Options& o) {
  const tcp::endpoint ep(asio::ip::make_address(o.host), static_cast<unsigned short>(o.port));
  const bool nats = o.system == System::kNats;
  World world;
  WorldFromCsv(o.demo_dir, world);
  std::vector<Subscriber> subs(static_cast<size_t>(o.clients + o.operators));
  std::mt19937_64 rng(o.seed * 7919);
  for (int i = 0; i < o.clients; ++i) subs[static_cast<size_t>(i)].area = static_cast<int>(world.Draw(rng));
  std::vector<Sink> sinks(static_cast<size_t>(o.threads));
  std::atomic<int> ready{0};
  Pool pool(o.threads);
  const auto setup_start = Clock::now();
  for (size_t i = 0; i < subs.size(); ++i) {
    const size_t t = i % static_cast<size_t>(o.threads);
    const int area = subs[i].area;
    if (nats) {
      const std::string subject = area < 0 ? "area.*" : "area." + world.codes[static_cast<size_t>(area)];
      asio::co_spawn(*pool.ios[t], NatsSubscriber(ep, subject, static_cast<uint32_t>(i), sinks[t], ready),
                     asio::detached);
    } else {
      const std::string filter = area < 0 ? "area/+" : "area/" + world.codes[static_cast<size_t>(area)];
      asio::co_spawn(*pool.ios[t], MqttSubscriber(ep, filter, static_cast<uint32_t>(i), sinks[t], ready),
                     asio::detached);
    }
    if (i % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // listen backlog
  }
  WaitReady(ready, static_cast<int>(subs.size()), nats ? "NATS subscribers" : "MQTT subscribers");
  const double setup_s = std::chrono::duration<double>(Clock::now() - setup_start).count();

  const std::vector<int> members = Members(subs, world.codes.size());
  const std::vector<Phase> phases = Phases(o);
  int rc = 0;
  for (size_t k = 0; k < phases.size(); ++k) {
  const Phase& ph = phases[k];
  g_phase.store(static_cast<int>(k), std::memory_order_release);
  g_first_operator.store(static_cast<uint32_t>(o.clients));  // operators follow the neighbours
  g_sent.store(0);
  g_seen_by_first_operator.store(0);
  std::vector<Alert> alerts;
  alerts.reserve(1 << 22);
  AlertSource src(world, o.seed + 1 + k);
  SendPlan plan;
  plan.start = Clock::now() + std::chrono::milliseconds(200);
  plan.end = plan.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  std::string error;
  {
    asio::io_context io(1);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto ex = co_await asio::this_coro::executor;
          tcp::socket s(ex);
          auto [cec] = co_await s.async_connect(ep, kNoThrow);
          if (cec) {
            error = "publisher connect: " + cec.message();
            co_return;
          }
          s.set_option(tcp::no_delay(true));
          std::string out;
          char chunk[4096];
          if (nats) {
            out = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n";
            co_await asio::async_write(s, asio::buffer(out), kNoThrow);
            std::string in;
            while (in.find("PONG\r\n") == std::string::npos) {
              auto [ec, n] = co_await s.async_read_some(asio::buffer(chunk), kNoThrow);
              if (ec) {
                error = "publisher: " + ec.message();
                co_return;
              }
              in.append(chunk, n);
            }
          } else {
            out = MqttConnect("fan-publisher");
            co_await asio::async_write(s, asio::buffer(out), kNoThrow);
            auto [ec, n] = co_await asio::async_read(s, asio::buffer(chunk, 4), kNoThrow);
            if (ec || chunk[0] != 0x20) {
              error = "publisher: no CONNACK";
              co_return;
            }
          }
          asio::steady_timer timer(ex);
          const double interval = ph.peak ? 0 : 1.0 / ph.rate;
          const uint64_t window = static_cast<uint64_t>(std::max(1, ph.in_flight));
          std::string pending_in;
          for (uint64_t n = 0;; ++n) {
            if (interval > 0) {
              const auto due = plan.start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(interval * static_cast<double>(n)));
              if (due >= plan.end) break;
              if (due > Clock::now()) {
                timer.expires_at(due);
                co_await timer.async_wait(kNoThrow);
              }
            } else if (Clock::now() >= plan.end) {
              break;
            } else {
              co_await Pace(timer, window);
              if (Clock::now() >= plan.end) break;
            }
            const uint32_t idx = static_cast<uint32_t>(alerts.size());
            alerts.push_back(src.Next(nullptr, nullptr, members));
            const std::string& area = world.codes[alerts.back().areas[0]];
            const std::string payload = Payload(idx, o.size);
            if (nats) {
              out = "PUB area." + area + " " + std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
              // Peak: a PING every W messages, and wait for its PONG (flow control).
              if (ph.peak && n % window == window - 1) out += "PING\r\n";
            } else {
              out = MqttPublish("area/" + area, payload);
              // Peak: a PINGREQ every W messages, and wait for its PINGRESP (the broker
              // answers it after routing the publishes before it).
              if (ph.peak && n % window == window - 1) out += std::string("\xC0\x00", 2);
            }
            alerts.back().sent = Clock::now();
            auto [wec, wn] = co_await asio::async_write(s, asio::buffer(out), kNoThrow);
            if (wec) {
              error = "publish: " + wec.message();
              co_return;
            }
            if (!nats && ph.peak && n % window == window - 1) {
              auto [ec, rn] = co_await asio::async_read(s, asio::buffer(chunk, 2), kNoThrow);
              if (ec || static_cast<uint8_t>(chunk[0]) != 0xD0) {
                error = "publisher: no PINGRESP";
                co_return;
              }
            }
            if (nats && ph.peak && n % window == window - 1) {
              while (pending_in.find("PONG\r\n") == std::string::npos) {
                auto [ec, rn] = co_await s.async_read_some(asio::buffer(chunk), kNoThrow);
                if (ec) {
                  error = "publisher: " + ec.message();
                  co_return;
                }
                pending_in.append(chunk, rn);
              }
              pending_in.erase(0, pending_in.find("PONG\r\n") + 6);
            }
          }
          if (nats) {  // make sure everything reached the server before the drain
            out = "PING\r\n";
            co_await asio::async_write(s, asio::buffer(out), kNoThrow);
            while (pending_in.find("PONG\r\n") == std::string::npos) {
              auto [ec, rn] = co_await s.async_read_some(asio::buffer(chunk), kNoThrow);
              if (ec) break;
              pending_in.append(chunk, rn);
            }
          }
        },
        asio::detached);
    io.run();
  }
  if (!error.empty()) {
    std::cerr << "fanout: " << error << "\n";
    rc = 1;
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.drain));
  if (k + 1 == phases.size()) pool.Stop();
  std::vector<Receipts> receipts = TakeReceipts(sinks, k);
  Summary s = Account(alerts, subs, receipts, plan.start);
  PrintSummary(o, ph, s, receipts, nats ? "nats" : "mqtt", setup_s);
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < static_cast<rlim_t>(o.clients + o.operators + 256)) {
    std::cerr << "fanout: open-file limit " << rl.rlim_cur << " is below " << (o.clients + o.operators + 256)
              << "; raise it (ulimit -n)\n";
    return 1;
  }
  return o.system == System::kCentinela ? RunCentinela(o) : RunBroker(o);
}
