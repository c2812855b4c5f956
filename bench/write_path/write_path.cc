// write_path: authenticated durable writes through Centinela's real HTTP API.
//
// Registers --clients fresh neighbour accounts, logs each in, then runs one keep-alive
// connection per client, each looping one write as fast as the server answers (closed
// loop: one request in flight per client). Two workloads (--workload):
//
//   patch-me  `PATCH /api/v1/me {"display_name": <unique>}`; success is 200.
//   reports   `POST /api/v1/reports`: a category drawn from GET /api/v1/categories (active
//             ones), a point drawn inside the sector areas of GET /api/v1/areas (the demo's
//             seven South Precinct comunas; a comuna with probability proportional to its
//             population, then uniformly inside its real boundary), a description, an
//             address on half of them, --anonymous of them anonymous, and a unique
//             Idempotency-Key on every request; success is 201 without Idempotent-Replay.
//
// The server answers only after the group commit holding the write is durable, so every
// success is one durable write. Latency is measured per request with steady_clock after
// the warm-up; every sample is kept, so the percentiles are exact. Any other answer and
// any transport error is an error. The run id printed in --json names the accounts
// (`<prefix>-<run id>-NNN@bench.centinela.example`), so a caller can count in the store
// what the run created (bench/run.sh does, for the reports workload).
//
// The client shares the machine with the server, so it is kept cheap: one io thread by
// default, requests built into a reused buffer (patch-me: pre-built once, only the counter
// digits rewritten in place; reports: points drawn from a pool sampled once at start-up),
// and a response body that keeps nothing but its first bytes.
//
// usage: write_path --host 127.0.0.1 --port P [--workload patch-me|reports] [--clients 64]
//                   [--duration 20] [--warmup 3] [--threads 1] [--anonymous 0.2] [--seed N]
//                   [--label NAME] [--server-pid PID] [--json]
// With --server-pid (same machine) it also reports the server's CPU use (cores) over the
// measured window, read from /proc/PID/stat.

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
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <random>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/json.hpp>

#include "geo/area_index.h"
#include "geo/geometry.h"

namespace {

namespace asio = boost::asio;
namespace geo = centinela::geo;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr int kCounterDigits = 10;  //!< unique display_name suffix, rewritten in place
constexpr size_t kErrorHeadBytes = 200;
constexpr size_t kPointPool = 32768;  //!< report locations sampled once, drawn at random

enum class Workload { kPatchMe, kReports };

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int clients = 64;
  double duration_s = 20;
  double warmup_s = 3;
  int threads = 1;
  int setup_concurrency = 8;
  double setup_timeout_s = 600;
  Workload workload = Workload::kPatchMe;
  double anonymous = 0.2;  //!< reports: share sent with "anonymous": true
  uint64_t seed = 1;       //!< reports: points, categories, texts (per client: seed + index)
  std::string label = "server";
  int server_pid = 0;  //!< if set, the server's CPU use in the measured window is reported
  bool json = false;
};

[[noreturn]] void Usage(const char* why) {
  if (why != nullptr) std::cerr << "write_path: " << why << "\n";
  std::cerr << "usage: write_path --host HOST --port PORT [--workload patch-me|reports] [--clients 64]\n"
               "                  [--duration 20] [--warmup 3] [--threads 1] [--setup-concurrency 8]\n"
               "                  [--setup-timeout 600] [--anonymous 0.2] [--seed 1]\n"
               "                  [--label NAME] [--server-pid PID] [--json]\n"
               "Registers CLIENTS neighbours, logs them in, then each loops one write (PATCH /api/v1/me,\n"
               "or POST /api/v1/reports with --workload reports: the server needs the demo areas and\n"
               "report rate limits of 0) on one keep-alive connection for DURATION seconds after\n"
               "WARMUP seconds; prints requests/s and latency percentiles. Exit status 1 if any\n"
               "request failed.\n";
  std::exit(why == nullptr ? 0 : 2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) Usage((std::string(argv[i]) + " needs a value").c_str());
    return argv[++i];
  };
  try {
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a == "--host") o.host = value(i);
      else if (a == "--port") o.port = static_cast<uint16_t>(std::stoi(value(i)));
      else if (a == "--clients") o.clients = std::stoi(value(i));
      else if (a == "--duration") o.duration_s = std::stod(value(i));
      else if (a == "--warmup") o.warmup_s = std::stod(value(i));
      else if (a == "--threads") o.threads = std::stoi(value(i));
      else if (a == "--setup-concurrency") o.setup_concurrency = std::stoi(value(i));
      else if (a == "--setup-timeout") o.setup_timeout_s = std::stod(value(i));
      else if (a == "--workload") {
        const std::string w = value(i);
        if (w == "patch-me") o.workload = Workload::kPatchMe;
        else if (w == "reports") o.workload = Workload::kReports;
        else Usage("--workload must be patch-me or reports");
      }
      else if (a == "--anonymous") o.anonymous = std::stod(value(i));
      else if (a == "--seed") o.seed = std::stoull(value(i));
      else if (a == "--label") o.label = value(i);
      else if (a == "--server-pid") o.server_pid = std::stoi(value(i));
      else if (a == "--json") o.json = true;
      else if (a == "-h" || a == "--help") Usage(nullptr);
      else Usage(("unknown argument " + std::string(a)).c_str());
    }
  } catch (const std::exception&) {
    Usage("bad numeric value");
  }
  if (o.port == 0) Usage("--port is required");
  if (o.clients < 1 || o.clients > 10000) Usage("--clients must be 1..10000");
  if (o.duration_s <= 0 || o.warmup_s < 0) Usage("--duration must be > 0 and --warmup >= 0");
  if (o.threads < 1 || o.threads > 64) Usage("--threads must be 1..64");
  if (o.setup_concurrency < 1) Usage("--setup-concurrency must be >= 1");
  if (!(o.anonymous >= 0 && o.anonymous <= 1)) Usage("--anonymous must be 0..1");
  for (char c : o.label)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) Usage("--label must be plain text");
  return o;
}

// A response body that keeps only its length and its first bytes: the benchmark needs the
// status, and the start of an error answer to show, nothing else (no allocation).
struct DiscardBody {
  struct value_type {
    uint64_t size = 0;
    std::array<char, kErrorHeadBytes> head{};
    size_t head_len = 0;
    std::string_view Head() const { return {head.data(), head_len}; }
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<uint64_t>&, beast::error_code& ec) {
      body_.size = 0;
      body_.head_len = 0;
      ec = {};
    }

    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      size_t n = 0;
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
        asio::const_buffer b = *it;
        const size_t take = std::min(body_.head.size() - body_.head_len, b.size());
        if (take > 0) std::memcpy(body_.head.data() + body_.head_len, b.data(), take);
        body_.head_len += take;
        n += b.size();
      }
      body_.size += n;
      ec = {};
      return n;
    }

    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

// The moments every client shares. Requests are counted and timed when they complete
// inside [measure_start, end); clients stop issuing new requests at `end`.
struct Plan {
  Clock::time_point start;          //!< all clients begin (warm-up starts)
  Clock::time_point measure_start;  //!< start + warmup
  Clock::time_point end;            //!< measure_start + duration
};

// One simulated user: an account, a token, one keep-alive connection, and its own results.
// A client is touched by one coroutine at a time, so it needs no lock even with --threads.
struct Client {
  explicit Client(asio::io_context& ioc) : socket(ioc) {}

  int index = 0;
  std::string name;  //!< account name, also the display name's prefix
  std::string email;
  std::string token;
  tcp::socket socket;
  beast::flat_buffer buffer;
  std::string request;  //!< patch-me: the whole request, counter digits at counter_pos
  size_t counter_pos = 0;
  std::string head;     //!< reports: request line and fixed headers, up to the Idempotency-Key
  std::string body;     //!< reports: the JSON body, rebuilt per request
  std::mt19937_64 rng;

  std::string setup_error;
  uint64_t ok = 0;            //!< successes completed inside the measured window
  uint64_t ok_total = 0;      //!< successes over the whole run, warm-up included
  uint64_t errors = 0;        //!< other answers and transport errors, whole run
  uint64_t reconnects = 0;
  std::map<std::string, uint64_t> error_kinds;  //!< "status 503", "read: eof", ... (errors only)
  std::string first_error_body;
  std::vector<uint32_t> latency_us;   //!< one per measured request
  std::vector<uint32_t> per_second;   //!< successes per second since plan.start

  void SetCounter(uint64_t n) {
    char* p = request.data() + counter_pos + kCounterDigits;
    for (int i = 0; i < kCounterDigits; ++i) {
      *--p = static_cast<char>('0' + n % 10);
      n /= 10;
    }
  }

  void Error(const std::string& kind, std::string_view body = {}) {
    ++errors;
    ++error_kinds[kind];
    if (first_error_body.empty() && !body.empty()) first_error_body = std::string(body);
  }
};

// What the reports workload draws from, read from the server once before the run.
struct World {
  std::vector<std::string> categories;  //!< active category codes
  struct Point {
    double lat, lon;
  };
  std::vector<Point> points;          //!< kPointPool points, population-weighted
  std::map<std::string, size_t> points_per_area;
};

// Neighbours' descriptions: short, plain, Spanish as the users of the pilot wrote them
// (no characters that need JSON escaping).
constexpr std::string_view kDescriptions[] = {
    "Dos sujetos en moto rondando la cuadra, miran las casas",
    "Auto estacionado hace horas con personas adentro, no son del barrio",
    "Robo de celular en el paradero, el sujeto huyó hacia la avenida",
    "Luminaria apagada en toda la cuadra, muy oscuro de noche",
    "Ruidos fuertes y gritos en la casa de la esquina",
    "Intentaron abrir la reja del vecino, se escaparon corriendo",
    "Microbasural en la vereda, lleva varios días",
    "Grupo bebiendo alcohol en la plaza frente a los juegos infantiles",
    "Choque leve en el cruce, no hay heridos pero bloquea el tránsito",
    "Perro suelto agresivo mordió a un niño en el pasaje",
    "Humo saliendo de un sitio eriazo, parece basura quemándose",
    "Se escucharon disparos cerca de la cancha, no se ve a nadie",
    "Portonazo: le quitaron el auto a una vecina al llegar a su casa",
    "Semáforo sin funcionar en la intersección, peligro para peatones",
    "Venta de droga en el pasaje a cualquier hora, entran y salen autos",
    "",
};
constexpr std::string_view kStreets[] = {
    "Gran Avenida José Miguel Carrera", "Avenida Santa Rosa", "Avenida La Florida",
    "Avenida Lo Ovalle",                "Avenida Departamental", "Pasaje Los Aromos",
    "Calle El Parrón",                  "Avenida Padre Hurtado",
};

template <size_t N>
std::string_view Pick(std::mt19937_64& rng, const std::string_view (&list)[N]) {
  return list[rng() % N];
}

// The report request of one client for sequence number `seq`, into the client's buffers.
void BuildReport(Client& c, const World& w, const Options& o, const std::string& run_id, uint64_t seq) {
  std::mt19937_64& rng = c.rng;
  const World::Point& pt = w.points[rng() % w.points.size()];
  const std::string& category = w.categories[rng() % w.categories.size()];
  const bool anonymous = std::uniform_real_distribution<double>(0, 1)(rng) < o.anonymous;
  char num[96];
  c.body.clear();
  c.body += "{\"category\":\"";
  c.body += category;
  std::snprintf(num, sizeof num, "\",\"lat\":%.6f,\"lon\":%.6f,\"accuracy\":%d", pt.lat, pt.lon,
                static_cast<int>(5 + rng() % 60));
  c.body += num;
  if (std::string_view d = Pick(rng, kDescriptions); !d.empty()) {
    c.body += ",\"description\":\"";
    c.body += d;
    c.body += '"';
  }
  if (rng() % 2 == 0) {
    c.body += ",\"address\":\"";
    c.body += Pick(rng, kStreets);
    std::snprintf(num, sizeof num, " %d\"", static_cast<int>(100 + rng() % 9900));
    c.body += num;
  }
  c.body += anonymous ? ",\"anonymous\":true}" : ",\"anonymous\":false}";
  c.request.clear();
  c.request += c.head;
  std::snprintf(num, sizeof num, "%s-%03d-%llu\r\nContent-Length: %zu\r\n\r\n", run_id.c_str(), c.index,
                static_cast<unsigned long long>(seq), c.body.size());
  c.request += num;
  c.request += c.body;
}

std::string RunId() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx%04x", static_cast<unsigned long long>(us) & 0xffffffffffULL,
                static_cast<unsigned>(getpid()) & 0xffffU);
  return buf;
}

std::string JsonStringField(std::string_view body, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":\"";
  size_t p = body.find(needle);
  if (p == std::string_view::npos) return {};
  p += needle.size();
  size_t q = body.find('"', p);
  if (q == std::string_view::npos) return {};
  return std::string(body.substr(p, q - p));
}

struct Answer {
  int status = 0;  //!< 0 = transport error (message in body)
  std::string body;
  std::string retry_after;
};

asio::awaitable<beast::error_code> Connect(tcp::socket& socket, const tcp::endpoint& ep) {
  beast::error_code ignored;
  if (socket.is_open()) socket.close(ignored);
  auto [ec] = co_await socket.async_connect(ep, kNoThrow);
  if (!ec) socket.set_option(tcp::no_delay(true), ignored);
  co_return ec;
}

// One setup request (register, login, a read of what the workload needs) on the client's
// connection, reconnecting first if the server closed it. A GET sends no body; a token
// goes out as a bearer token.
asio::awaitable<Answer> Call(Client& c, const Options& o, const tcp::endpoint& ep, http::verb verb,
                             const std::string& target, const std::string& body, const std::string& token = {}) {
  if (!c.socket.is_open()) {
    beast::error_code ec = co_await Connect(c.socket, ep);
    if (ec) co_return Answer{0, "connect: " + ec.message(), {}};
  }
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, o.host + ":" + std::to_string(o.port));
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (verb != http::verb::get) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(c.socket, req, kNoThrow);
  if (wec) co_return Answer{0, "write: " + wec.message(), {}};
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 << 20);  // areas with their boundaries
  auto [rec, rn] = co_await http::async_read(c.socket, c.buffer, parser, kNoThrow);
  if (rec) {
    beast::error_code ignored;
    c.socket.close(ignored);
    co_return Answer{0, "read: " + rec.message(), {}};
  }
  Answer a{static_cast<int>(parser.get().result_int()), parser.get().body(), {}};
  if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end())
    a.retry_after = std::string(it->value());
  if (!parser.keep_alive()) {
    beast::error_code ignored;
    c.socket.close(ignored);
  }
  co_return a;
}

asio::awaitable<void> SetupClient(Client& c, const Options& o, const tcp::endpoint& ep, const std::string& run_id) {
  auto ex = co_await asio::this_coro::executor;
  char name[64];
  std::snprintf(name, sizeof name, "%s-%s-%03d", o.workload == Workload::kReports ? "rp" : "wp", run_id.c_str(),
                c.index);
  c.name = name;
  c.email = std::string(name) + "@bench.centinela.example";
  c.rng.seed(o.seed * 1'000'003 + static_cast<uint64_t>(c.index));
  const std::string password = "bench-password-" + run_id;

  Answer reg = co_await Call(c, o, ep, http::verb::post, "/api/v1/auth/register",
                             "{\"email\":\"" + c.email + "\",\"password\":\"" + password +
                                 "\",\"display_name\":\"" + name + "\"}");
  if (reg.status != 201) {
    c.setup_error = "register " + c.email + ": " +
                    (reg.status ? "status " + std::to_string(reg.status) + " " : std::string()) + reg.body;
    co_return;
  }
  // Login is throttled per IP on failures only; still, honour a 429 a few times.
  for (int attempt = 0;; ++attempt) {
    Answer login = co_await Call(c, o, ep, http::verb::post, "/api/v1/auth/login",
                                 "{\"login\":\"" + c.email + "\",\"password\":\"" + password + "\"}");
    if (login.status == 200) {
      c.token = JsonStringField(login.body, "token");
      if (c.token.empty()) c.setup_error = "login " + c.email + ": no token in " + login.body;
      break;
    }
    if (login.status == 429 && attempt < 3) {
      int wait_s = 1;
      try {
        wait_s = std::clamp(std::stoi(login.retry_after), 1, 120);
      } catch (...) {
      }
      std::cerr << "write_path: login throttled (429), retrying in " << wait_s << " s\n";
      asio::steady_timer t(ex, std::chrono::seconds(wait_s));
      co_await t.async_wait(kNoThrow);
      continue;
    }
    c.setup_error = "login " + c.email + ": " +
                    (login.status ? "status " + std::to_string(login.status) + " " : std::string()) + login.body;
    break;
  }
  if (c.setup_error.empty() && o.workload == Workload::kReports) {
    c.head = "POST /api/v1/reports HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
             "\r\nAuthorization: Bearer " + c.token + "\r\nContent-Type: application/json\r\nIdempotency-Key: ";
  } else if (c.setup_error.empty()) {
    const std::string host = o.host + ":" + std::to_string(o.port);
    const std::string prefix = "{\"display_name\":\"" + std::string(name) + "-";
    const std::string json = prefix + std::string(kCounterDigits, '0') + "\"}";
    c.request = "PATCH /api/v1/me HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + c.token +
                "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
                "\r\n\r\n" + json;
    c.counter_pos = c.request.size() - json.size() + prefix.size();
  }
  beast::error_code ignored;
  c.socket.close(ignored);  // the run opens fresh connections at the same moment for all
  c.buffer.clear();
}

asio::awaitable<void> SetupWorker(std::vector<std::unique_ptr<Client>>& clients, size_t& next, const Options& o,
                                  const tcp::endpoint& ep, const std::string& run_id) {
  while (next < clients.size()) {
    Client& c = *clients[next++];
    co_await SetupClient(c, o, ep, run_id);
  }
}

// Reads the active categories and the sector areas (with boundaries and populations) as
// client `c`, and samples the point pool: a sector with probability proportional to its
// population, then uniform points in its bounding box until one falls inside it.
asio::awaitable<void> LoadWorld(Client& c, const Options& o, const tcp::endpoint& ep, World* w,
                                std::string* error) {
  namespace json = boost::json;
  Answer cats = co_await Call(c, o, ep, http::verb::get, "/api/v1/categories", {}, c.token);
  Answer areas = co_await Call(c, o, ep, http::verb::get, "/api/v1/areas?kind=sector&geometry=true", {}, c.token);
  beast::error_code ignored;
  c.socket.close(ignored);
  c.buffer.clear();
  if (cats.status != 200 || areas.status != 200) {
    *error = "GET categories: " + std::to_string(cats.status) + ", GET areas: " + std::to_string(areas.status) +
             " " + (cats.status != 200 ? cats.body : areas.body);
    co_return;
  }
  try {
    const json::value cat_doc = json::parse(cats.body);
    const json::value area_doc = json::parse(areas.body);
    for (const json::value& cat : cat_doc.at("categories").as_array())
      if (cat.at("active").as_bool()) w->categories.emplace_back(cat.at("code").as_string());
    struct Sector {
      std::string code;
      geo::BBox box;
    };
    std::vector<Sector> sectors;
    std::vector<double> weights;
    geo::AreaIndex index;
    for (const json::value& a : area_doc.at("areas").as_array()) {
      const std::string code(a.at("code").as_string());
      const std::string geometry = json::serialize(a.at("geometry"));
      auto valid = geo::ValidateGeometry(geometry);
      if (!valid.ok() || !index.Put(code, geometry).ok()) {
        *error = "area " + code + " has a geometry this client cannot use";
        co_return;
      }
      sectors.push_back({code, valid->bbox});
      weights.push_back(static_cast<double>(a.at("population").to_number<int64_t>()));
    }
    if (w->categories.empty() || sectors.empty()) {
      *error = "the server has no active categories or no sector areas (start it with --demo)";
      co_return;
    }
    std::mt19937_64 rng(o.seed);
    std::discrete_distribution<size_t> which(weights.begin(), weights.end());
    while (w->points.size() < kPointPool) {
      const Sector& s = sectors[which(rng)];
      for (int attempt = 0; attempt < 1000; ++attempt) {
        const double lat = std::uniform_real_distribution<double>(s.box.min_lat, s.box.max_lat)(rng);
        const double lon = std::uniform_real_distribution<double>(s.box.min_lon, s.box.max_lon)(rng);
        const std::vector<std::string> in = index.At(lat, lon);
        if (std::find(in.begin(), in.end(), s.code) == in.end()) continue;
        w->points.push_back({lat, lon});
        ++w->points_per_area[s.code];
        break;
      }
    }
  } catch (const std::exception& e) {
    *error = std::string("cannot read categories or areas: ") + e.what();
  }
}

// The closed loop of one client: one PATCH in flight at a time on one connection.
asio::awaitable<void> RunClient(Client& c, const Plan& plan, const tcp::endpoint& ep, const Options& o,
                                const World& world, const std::string& run_id) {
  auto ex = co_await asio::this_coro::executor;
  if (beast::error_code ec = co_await Connect(c.socket, ep)) c.Error("connect: " + ec.message());
  asio::steady_timer timer(ex, plan.start);
  co_await timer.async_wait(kNoThrow);

  for (uint64_t seq = 1;; ++seq) {
    const Clock::time_point begin = Clock::now();
    if (begin >= plan.end) break;
    if (!c.socket.is_open()) {
      ++c.reconnects;
      if (beast::error_code ec = co_await Connect(c.socket, ep)) {
        c.Error("connect: " + ec.message());
        timer.expires_after(std::chrono::milliseconds(50));
        co_await timer.async_wait(kNoThrow);
        continue;
      }
    }
    if (o.workload == Workload::kReports) BuildReport(c, world, o, run_id, seq);
    else c.SetCounter(seq);
    auto [wec, wn] = co_await asio::async_write(c.socket, asio::buffer(c.request), kNoThrow);
    if (wec) {
      c.Error("write: " + wec.message());
      beast::error_code ignored;
      c.socket.close(ignored);
      continue;
    }
    http::response_parser<DiscardBody> parser;
    auto [rec, rn] = co_await http::async_read(c.socket, c.buffer, parser, kNoThrow);
    const Clock::time_point done = Clock::now();
    if (rec) {
      c.Error("read: " + rec.message());
      beast::error_code ignored;
      c.socket.close(ignored);
      c.buffer.clear();
      continue;
    }
    const unsigned status = parser.get().result_int();
    const unsigned expected = o.workload == Workload::kReports ? 201 : 200;
    if (status != expected) {
      c.Error("status " + std::to_string(status), parser.get().body().Head());
    } else if (parser.get().find("Idempotent-Replay") != parser.get().end()) {
      c.Error("idempotent replay of a fresh key", parser.get().body().Head());
    } else {
      ++c.ok_total;
      const auto since_start = done - plan.start;
      const size_t second = static_cast<size_t>(std::chrono::duration_cast<std::chrono::seconds>(since_start).count());
      if (second < c.per_second.size()) ++c.per_second[second];
      if (done >= plan.measure_start && done < plan.end) {
        ++c.ok;
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(done - begin).count();
        c.latency_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
      }
    }
    if (!parser.keep_alive()) {
      beast::error_code ignored;
      c.socket.close(ignored);
    }
  }
  beast::error_code ignored;
  c.socket.shutdown(tcp::socket::shutdown_both, ignored);
  c.socket.close(ignored);
}

// CPU seconds (user + system) of another process, from /proc/PID/stat; -1 if unreadable.
double ProcessCpuSeconds(int pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return -1;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may contain spaces
  if (p == nullptr) return -1;
  // After ")": field 3 (state) is token 1, so utime (field 14) is token 12, stime token 13.
  unsigned long long utime = 0, stime = 0;
  int token = 0;
  for (const char* q = p + 1; *q != '\0';) {
    while (*q == ' ') ++q;
    if (*q == '\0') break;
    ++token;
    if (token == 12) utime = std::strtoull(q, nullptr, 10);
    if (token == 13) stime = std::strtoull(q, nullptr, 10);
    while (*q != ' ' && *q != '\0') ++q;
  }
  if (token < 13) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Bytes another process passed to write()-like calls (wchar: files, WAL, temp files and
// sockets) and bytes it caused to be sent to storage (write_bytes), from /proc/PID/io;
// {-1, -1} if unreadable (another user's process without privileges).
std::pair<double, double> ProcessWrites(int pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/io").c_str(), "r");
  if (f == nullptr) return {-1, -1};
  double wchar = -1, write_bytes = -1;
  char key[64];
  unsigned long long v = 0;
  while (std::fscanf(f, "%63[^:]: %llu\n", key, &v) == 2) {
    if (std::strcmp(key, "wchar") == 0) wchar = static_cast<double>(v);
    if (std::strcmp(key, "write_bytes") == 0) write_bytes = static_cast<double>(v);
  }
  std::fclose(f);
  return {wchar, write_bytes};
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Kills the process with a message if a phase outlives its deadline (a hung server must
// not hang `make bench`).
class Watchdog {
 public:
  Watchdog() : thread_([this] { Loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Arm(Clock::time_point deadline, std::string what) {
    {
      std::lock_guard<std::mutex> l(mu_);
      deadline_ = deadline;
      what_ = std::move(what);
    }
    cv_.notify_all();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> l(mu_);
    while (!stop_) {
      if (deadline_ && Clock::now() >= *deadline_) {
        std::cerr << "write_path: error: " << what_ << "\n";
        std::_Exit(3);
      }
      if (deadline_) cv_.wait_until(l, *deadline_);
      else cv_.wait(l);
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::optional<Clock::time_point> deadline_;
  std::string what_;
  std::thread thread_;
};

// CPU use of this process and of the server over exactly the measured window.
struct CpuWindow {
  double client_s = 0;
  double server_s = -1;
  double server_wchar = -1;        //!< bytes the server wrote (write() calls) in the window
  double server_write_bytes = -1;  //!< bytes the server sent to storage in the window
};

asio::awaitable<void> SampleCpu(const Plan& plan, int server_pid, CpuWindow* out) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, plan.measure_start);
  co_await timer.async_wait(kNoThrow);
  const double c0 = CpuSeconds();
  const double s0 = server_pid > 0 ? ProcessCpuSeconds(server_pid) : -1;
  const auto w0 = server_pid > 0 ? ProcessWrites(server_pid) : std::pair<double, double>{-1, -1};
  timer.expires_at(plan.end);
  co_await timer.async_wait(kNoThrow);
  out->client_s = CpuSeconds() - c0;
  const double s1 = server_pid > 0 ? ProcessCpuSeconds(server_pid) : -1;
  const auto w1 = server_pid > 0 ? ProcessWrites(server_pid) : std::pair<double, double>{-1, -1};
  if (s0 >= 0 && s1 >= 0) out->server_s = s1 - s0;
  if (w0.first >= 0 && w1.first >= 0) out->server_wchar = w1.first - w0.first;
  if (w0.second >= 0 && w1.second >= 0) out->server_write_bytes = w1.second - w0.second;
}

double Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  if (rank >= sorted.size()) rank = sorted.size() - 1;
  return sorted[rank] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  Watchdog watchdog;
  asio::io_context ioc(o.threads);

  beast::error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec) {
    std::cerr << "write_path: --host must be an IP address (" << ec.message() << ")\n";
    return 2;
  }
  const tcp::endpoint ep(address, o.port);
  const std::string run_id = RunId();

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < o.clients; ++i) {
    clients.push_back(std::make_unique<Client>(ioc));
    clients.back()->index = i;
  }

  // --- setup: register and log in every client (Argon2id on the server: ~0.2 s each) ---
  const auto setup_begin = Clock::now();
  watchdog.Arm(setup_begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.setup_timeout_s)),
               "setup (register + login of " + std::to_string(o.clients) + " clients) took longer than " +
                   std::to_string(static_cast<int>(o.setup_timeout_s)) + " s");
  size_t next = 0;
  for (int w = 0; w < std::min(o.setup_concurrency, o.clients); ++w)
    asio::co_spawn(ioc, SetupWorker(clients, next, o, ep, run_id), asio::detached);
  ioc.run();
  const double setup_s = std::chrono::duration<double>(Clock::now() - setup_begin).count();
  for (const auto& c : clients) {
    if (!c->setup_error.empty()) {
      std::cerr << "write_path: setup failed: " << c->setup_error << "\n";
      return 1;
    }
  }
  if (!o.json)
    std::cerr << "write_path: " << o.clients << " clients registered and logged in (" << setup_s << " s)\n";

  World world;
  if (o.workload == Workload::kReports) {
    std::string error;
    ioc.restart();
    asio::co_spawn(ioc, LoadWorld(*clients[0], o, ep, &world, &error), asio::detached);
    ioc.run();
    if (!error.empty()) {
      std::cerr << "write_path: setup failed: " << error << "\n";
      return 1;
    }
    if (!o.json) {
      std::cerr << "write_path: " << world.categories.size() << " categories; " << world.points.size()
                << " points by area:";
      for (const auto& [code, n] : world.points_per_area) std::cerr << " " << code << "=" << n;
      std::cerr << "\n";
    }
  }

  // --- run ---
  Plan plan;
  plan.start = Clock::now() + std::chrono::milliseconds(200);  // time for every client to connect
  plan.measure_start = plan.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s));
  plan.end = plan.measure_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  const size_t seconds = static_cast<size_t>(o.warmup_s + o.duration_s) + 2;
  for (auto& c : clients) {
    c->latency_us.reserve(static_cast<size_t>(o.duration_s * 2000) + 1024);
    c->per_second.assign(seconds, 0);
  }
  watchdog.Arm(plan.end + std::chrono::seconds(30), "the server did not answer every request within 30 s of the end");
  ioc.restart();
  CpuWindow cpu;
  asio::co_spawn(ioc, SampleCpu(plan, o.server_pid, &cpu), asio::detached);
  for (auto& c : clients) asio::co_spawn(ioc, RunClient(*c, plan, ep, o, world, run_id), asio::detached);
  std::vector<std::thread> extra;
  for (int t = 1; t < o.threads; ++t) extra.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : extra) t.join();
  watchdog.Arm(Clock::now() + std::chrono::hours(24), "");

  // --- results ---
  uint64_t ok = 0, ok_total = 0, errors = 0, reconnects = 0;
  std::map<std::string, uint64_t> kinds;
  std::string first_error_body;
  std::vector<uint32_t> all;
  std::vector<uint64_t> per_second(seconds, 0);
  for (const auto& c : clients) {
    ok += c->ok;
    ok_total += c->ok_total;
    errors += c->errors;
    reconnects += c->reconnects;
    for (const auto& [k, n] : c->error_kinds) kinds[k] += n;
    if (first_error_body.empty()) first_error_body = c->first_error_body;
    all.insert(all.end(), c->latency_us.begin(), c->latency_us.end());
    for (size_t s = 0; s < seconds; ++s) per_second[s] += c->per_second[s];
  }
  std::sort(all.begin(), all.end());
  double sum_us = 0;
  for (uint32_t v : all) sum_us += v;
  const double rps = static_cast<double>(ok) / o.duration_s;
  const double mean_ms = all.empty() ? 0 : sum_us / static_cast<double>(all.size()) / 1000.0;
  // Whole seconds inside the measured window only.
  const size_t first_s = static_cast<size_t>(std::ceil(o.warmup_s));
  const size_t last_s = static_cast<size_t>(o.warmup_s + o.duration_s);  // exclusive
  uint64_t min_1s = UINT64_MAX, max_1s = 0;
  for (size_t s = first_s; s < last_s && s < seconds; ++s) {
    min_1s = std::min(min_1s, per_second[s]);
    max_1s = std::max(max_1s, per_second[s]);
  }
  if (min_1s == UINT64_MAX) min_1s = 0;

  const double p50 = Percentile(all, 0.50), p90 = Percentile(all, 0.90), p99 = Percentile(all, 0.99),
               p999 = Percentile(all, 0.999), max_ms = all.empty() ? 0 : all.back() / 1000.0;
  const double client_cores = cpu.client_s / o.duration_s;
  const double server_cores = cpu.server_s < 0 ? -1 : cpu.server_s / o.duration_s;
  // Per success completed in the window (requests straddling its edges make this approximate).
  const double wchar_per_req = cpu.server_wchar < 0 || ok == 0 ? -1 : cpu.server_wchar / static_cast<double>(ok);
  const double disk_per_req =
      cpu.server_write_bytes < 0 || ok == 0 ? -1 : cpu.server_write_bytes / static_cast<double>(ok);
  const char* workload = o.workload == Workload::kReports ? "reports" : "patch-me";
  std::string error_list;
  for (const auto& [k, n] : kinds) error_list += (error_list.empty() ? "" : "; ") + k + " x" + std::to_string(n);

  if (o.json) {
    std::printf(
        "{\"label\":\"%s\",\"clients\":%d,\"threads\":%d,\"warmup_s\":%g,\"duration_s\":%g,\"ok\":%llu,"
        "\"ok_total\":%llu,\"errors\":%llu,\"reconnects\":%llu,\"rps\":%.1f,\"mean_ms\":%.3f,\"p50_ms\":%.3f,"
        "\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"min_1s_rps\":%llu,"
        "\"max_1s_rps\":%llu,\"client_cores\":%.2f,\"server_cores\":%.2f,\"setup_s\":%.1f,"
        "\"server_wchar_per_req\":%.0f,\"server_write_bytes_per_req\":%.0f,"
        "\"workload\":\"%s\",\"run_id\":\"%s\"}\n",
        o.label.c_str(), o.clients, o.threads, o.warmup_s, o.duration_s, static_cast<unsigned long long>(ok),
        static_cast<unsigned long long>(ok_total), static_cast<unsigned long long>(errors),
        static_cast<unsigned long long>(reconnects), rps, mean_ms, p50, p90, p99, p999, max_ms,
        static_cast<unsigned long long>(min_1s), static_cast<unsigned long long>(max_1s), client_cores, server_cores,
        setup_s, wchar_per_req, disk_per_req, workload, run_id.c_str());
  } else {
    std::printf("write_path %s (%s, run %s): %d clients, %d io thread(s), %g s warm-up + %g s measured\n",
                o.label.c_str(), workload, run_id.c_str(), o.clients, o.threads, o.warmup_s, o.duration_s);
    std::printf("  requests ok   %llu (whole run incl. warm-up: %llu)\n", static_cast<unsigned long long>(ok),
                static_cast<unsigned long long>(ok_total));
    std::printf("  errors        %llu%s%s\n", static_cast<unsigned long long>(errors), error_list.empty() ? "" : "  ",
                error_list.c_str());
    std::printf("  requests/s    %.1f  (per second: min %llu, max %llu)\n", rps,
                static_cast<unsigned long long>(min_1s), static_cast<unsigned long long>(max_1s));
    std::printf("  latency ms    mean %.2f  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", mean_ms, p50, p90,
                p99, p999, max_ms);
    std::printf("  cpu (cores)   client %.2f", client_cores);
    if (server_cores >= 0) std::printf("  server %.2f", server_cores);
    std::printf("  (measured window)\n");
    if (wchar_per_req >= 0)
      std::printf("  server writes %.0f B/request passed to write() (wchar), %.0f B/request to storage\n",
                  wchar_per_req, disk_per_req);
  }
  if (errors > 0) {
    std::cerr << "write_path: " << errors << " failed request(s): " << error_list << "\n";
    if (!first_error_body.empty()) std::cerr << "write_path: first error body: " << first_error_body << "\n";
  }
  return errors > 0 || ok == 0 ? 1 : 0;
}
