// The one Beast translation unit of src/http. Shape:
//   AcceptLoop ─ per connection ─> Session (a coroutine on its own strand)
//     Session: wait for the next request (idle timeout) → ServeOne → loop while keep-alive
//     ServeOne: read header + body (read timeout, limits) → Request → Router → handler →
//               wait for its Reply (handler deadline) → write (write timeout) → metrics, log
// A Reply may run on any thread: it stores the Response in a shared ReplyState and posts
// a wake-up onto the connection's strand, guarded by a Gate that closes before the
// io_context is destroyed, so a late Reply never touches a dead executor.

#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/hash.h"
#include "http/security_headers.h"
#include "http/server_internal.h"
#include "http/upgrade.h"

namespace centinela::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

constexpr char kRequestsTotal[] = "centinela_http_requests_total";
constexpr char kRequestDuration[] = "centinela_http_request_duration_seconds";
constexpr char kConnections[] = "centinela_http_connections";
constexpr char kRejected[] = "centinela_http_connections_rejected_total";
constexpr char kUnmatched[] = "unmatched";

//! Bytes asked for when waiting for the first bytes of a request.
constexpr size_t kFirstReadBytes = 4096;
//! After an error response we stop sending and discard what the client still sends for
//! this long (bounded in bytes), so the kernel does not reset the connection before the
//! client has read our answer ("lingering close").
constexpr milliseconds kLingerTime{1000};
constexpr size_t kLingerMaxBytes = 8u << 20;
//! Pause after a failed accept (e.g. out of file descriptors) so the loop does not spin.
constexpr milliseconds kAcceptBackoff{50};

//! Closed (exclusively) before the io_context is destroyed; a Reply posts to a
//! connection's strand only while holding it open (shared).
struct Gate {
  std::shared_mutex mu;
  bool open = true;  // guarded by mu
};

//! One request's rendezvous between the handler's Reply (any thread) and the connection's
//! coroutine (its strand). It holds the strand executor only while the coroutine waits:
//! a Reply copy may outlive the server, and a strand must not outlive its io_context.
struct ReplyState {
  ReplyState(std::shared_ptr<Gate> g, std::string r) : gate(std::move(g)), route(std::move(r)) {}

  const std::shared_ptr<Gate> gate;
  const std::string route;  // for log lines

  std::mutex mu;
  bool settled = false;                  // guarded by mu: a response is decided
  std::optional<Response> response;      // guarded by mu
  asio::steady_timer* waiter = nullptr;  // guarded by mu; the timer the coroutine awaits,
                                         // cancelled (on the strand) to wake it
  asio::any_io_executor executor;        // guarded by mu; set exactly while waiter is
};

void Deliver(const std::shared_ptr<ReplyState>& s, Response r) {
  // Lock order: gate, then state. The gate keeps the io_context alive while we post.
  std::shared_lock gate_lock(s->gate->mu);
  std::lock_guard lock(s->mu);
  if (s->settled) {
    spdlog::warn(
        "http: a reply for route {} was ignored: the request was already answered "
        "(replied twice, or after its deadline)",
        s->route);
    return;
  }
  s->settled = true;
  s->response = std::move(r);
  // Not waiting yet: the coroutine looks at `response` before it starts to wait.
  if (s->waiter == nullptr || !s->gate->open) return;
  asio::post(s->executor, [s] {
    std::lock_guard inner(s->mu);
    if (s->waiter != nullptr) s->waiter->cancel();
  });
}

//! Completion for detached coroutines: log what escaped instead of terminating.
struct LogEscapes {
  const char* what;
  void operator()(const std::exception_ptr& e) const {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("http: {} ended with an exception: {}", what, x.what());
    } catch (...) {
      spdlog::error("http: {} ended with an unknown exception", what);
    }
  }
};

std::shared_ptr<spdlog::logger> AccessLogger() {
  static std::mutex mu;
  std::lock_guard lock(mu);
  auto logger = spdlog::get("access");
  if (!logger) {
    logger = spdlog::stdout_logger_mt("access");
    logger->set_pattern("%v");  // the line is already JSON with its own time
  }
  return logger;
}

bool IsHttpParseError(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

bool BodyForbidden(int status) { return status < 200 || status == 204 || status == 304; }

//! `security` (SecurityHeaders) is set after the handler's headers, replacing any of the
//! same name, so every answer carries the same policy whatever the route.
bhttp::response<bhttp::string_body> ToBeast(
    Response resp, unsigned version, bool keep_alive, bool head,
    const std::vector<std::pair<std::string, std::string>>& security) {
  if (resp.status < 100 || resp.status > 599) {
    spdlog::error("http: handler answered invalid status {}; sending 500", resp.status);
    resp = Response::Error(Code::kInternal, "internal error");
  }
  bhttp::response<bhttp::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(resp.status));
  res.set(bhttp::field::server, "centinela");
  if (!resp.content_type.empty()) res.set(bhttp::field::content_type, resp.content_type);
  bool has_cache_control = false;
  for (const auto& [name, value] : resp.headers) {
    if (!internal::IsSafeHeader(name, value)) {
      spdlog::warn("http: dropped an unsafe response header '{}'", name);
      continue;
    }
    // Framing is ours to decide.
    if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
        beast::iequals(name, "connection"))
      continue;
    if (beast::iequals(name, "cache-control")) has_cache_control = true;
    res.insert(name, value);
  }
  if (!has_cache_control && resp.content_type.starts_with("application/json"))
    res.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : security) res.set(name, value);
  if (!BodyForbidden(resp.status)) {
    res.content_length(resp.body.size());
    if (!head) res.body() = std::move(resp.body);
  }
  res.keep_alive(keep_alive);
  return res;
}

}  // namespace

struct Server::Impl {
  //! A live connection as Stop() sees it. `stream` and `idle` are touched only on the
  //! connection's strand; the registry holds it by shared_ptr so posted work stays valid.
  struct Connection {
    explicit Connection(asio::any_io_executor ex) : executor(std::move(ex)) {}
    const asio::any_io_executor executor;
    beast::tcp_stream* stream = nullptr;  // null once the session is over
    bool idle = false;                    // waiting for the next request
  };

  //! Registration of a Connection for the life of its Session coroutine frame (a
  //! parameter, so it is released even if the coroutine never ran).
  class Lease {
   public:
    Lease(Impl* impl, std::shared_ptr<Connection> c) : impl_(impl), conn_(std::move(c)) {}
    Lease(Lease&& o) noexcept : impl_(std::exchange(o.impl_, nullptr)), conn_(std::move(o.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (impl_ != nullptr) impl_->Unregister(conn_);
    }
    Connection& conn() const { return *conn_; }

   private:
    Impl* impl_;
    std::shared_ptr<Connection> conn_;
  };

  Impl(ServerOptions o, const Router& r, Metrics& m)
      : options(std::move(o)),
        router(r),
        metrics(m),
        access_log(AccessLogger()),
        security_headers(SecurityHeaders(options.csp_extra_origins)) {
    metrics.Describe(kRequestsTotal, "counter",
                     "HTTP requests answered, by route pattern, method and status.");
    metrics.Describe(kRequestDuration, "histogram",
                     "Time from the first byte of a request to its response being written, "
                     "by route pattern and method.");
    metrics.Describe(kConnections, "gauge", "Open HTTP connections.");
    metrics.Describe(kRejected, "counter",
                     "Connections answered 503 and closed because max_connections was reached.");
  }

  Status Start();
  void Stop();
  void WaitForSignal();

  std::optional<Lease> TryRegister(asio::any_io_executor ex);
  void Unregister(const std::shared_ptr<Connection>& c);

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Reject(tcp::socket socket);
  asio::awaitable<void> Session(tcp::socket socket, Lease lease);
  asio::awaitable<bool> ServeOne(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                 const std::string& ip, steady_clock::time_point start);
  asio::awaitable<Response> CallHandler(const Handler& handler, Request& req);
  asio::awaitable<error_code> Write(beast::tcp_stream& stream, Response resp, unsigned version,
                                    bool keep_alive, bool head);
  asio::awaitable<void> ErrorAndClose(beast::tcp_stream& stream, Response resp, const Request* req,
                                      const std::string& ip, steady_clock::time_point start);
  static asio::awaitable<void> LingeringClose(beast::tcp_stream& stream);
  void Record(std::string_view route, std::string_view method, std::string_view path, int status,
              size_t bytes, steady_clock::time_point start, std::string_view ip,
              std::string_view request_id = {});
  //! A new request id: this server's random prefix and a counter.
  std::string NextRequestId();
  //! Tags `resp` with the request id (X-Request-Id; in a 5xx envelope too) and logs what a
  //! 5xx answer hides from the client.
  void Finish(Response& resp, const Request& req);

  const ServerOptions options;
  const Router& router;
  Metrics& metrics;
  const std::shared_ptr<spdlog::logger> access_log;
  //! On every answer written through Write (route upgrades write their own).
  const std::vector<std::pair<std::string, std::string>> security_headers;
  const std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  std::atomic<bool> stopping{false};
  const std::string request_id_prefix = ToHex(RandomBytes(4));
  std::atomic<uint64_t> request_counter{0};

  // Set up by Start, torn down by Stop (under mu_ for the flags; the objects themselves
  // are only touched by the thread running Start/Stop and, while running, by io threads).
  std::optional<asio::io_context> ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<uint16_t> bound_port{0};

  std::mutex mu;
  std::condition_variable drained;
  bool started = false;                                   // guarded by mu
  bool stopped = false;                                   // guarded by mu
  std::unordered_set<std::shared_ptr<Connection>> conns;  // guarded by mu
  asio::io_context* signal_ioc = nullptr;                 // guarded by mu
  // SIGINT/SIGTERM are caught from Start() on, so a signal that arrives before
  // WaitForSignal() runs is queued by Asio instead of killing the process.
  asio::io_context sig_ioc{1};
  std::optional<asio::signal_set> signals;
};

Status Server::Impl::Start() {
  std::lock_guard lock(mu);
  if (started) return Status(Code::kInternal, "http server already started");
  if (stopped) return Status(Code::kInternal, "http server was stopped; create a new one");

  signals.emplace(sig_ioc, SIGINT, SIGTERM);
  const int n = options.threads > 0
                    ? options.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  ioc.emplace(n);
  auto fail = [&](std::string message) {
    acceptor.reset();
    ioc.reset();
    return Status(Code::kUnavailable, std::move(message));
  };

  error_code ec;
  tcp::endpoint endpoint;
  const asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    bool resolved = false;
    {  // the resolver must be gone before fail() destroys the io_context
      tcp::resolver resolver(*ioc);
      auto results =
          resolver.resolve(options.host, std::to_string(options.port), tcp::resolver::passive, ec);
      if (!ec && !results.empty()) {
        endpoint = results.begin()->endpoint();
        resolved = true;
      }
    }
    if (!resolved)
      return fail(fmt::format("cannot resolve listen host '{}': {}", options.host,
                              ec ? ec.message() : "no addresses"));
  }

  acceptor.emplace(asio::make_strand(*ioc));
  const std::string where = fmt::format("{}:{}", options.host, options.port);
  if (acceptor->open(endpoint.protocol(), ec); ec)
    return fail(fmt::format("cannot open a socket for {}: {}", where, ec.message()));
  if (acceptor->set_option(asio::socket_base::reuse_address(true), ec); ec)
    return fail(fmt::format("cannot set SO_REUSEADDR for {}: {}", where, ec.message()));
  if (acceptor->bind(endpoint, ec); ec)
    return fail(fmt::format("cannot listen on {}: {}", where, ec.message()));
  if (acceptor->listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail(fmt::format("cannot listen on {}: {}", where, ec.message()));
  bound_port = acceptor->local_endpoint(ec).port();

  asio::co_spawn(acceptor->get_executor(), AcceptLoop(), LogEscapes{"accept loop"});
  work.emplace(ioc->get_executor());
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([this] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: io thread caught an exception: {}", e.what());
        }
      }
    });
  }
  started = true;
  spdlog::info("http: listening on {}:{} with {} threads", endpoint.address().to_string(),
               bound_port.load(), n);
  return Status::Ok();
}

void Server::Impl::Stop() {
  {
    std::lock_guard lock(mu);
    if (signal_ioc != nullptr) signal_ioc->stop();
    if (!started || stopped) return;
    stopped = true;
    stopping = true;
  }
  // 1. No new connections: the acceptor is closed on its own strand.
  asio::post(acceptor->get_executor(), [this] {
    error_code ec;
    acceptor->close(ec);
  });
  // 2. Idle keep-alive connections end now; busy ones end after their response (each
  //    session checks `stopping` before waiting for another request).
  {
    // Scoped: the snapshot holds strand executors, which must not outlive the io_context.
    std::vector<std::shared_ptr<Connection>> snapshot;
    {
      std::lock_guard lock(mu);
      snapshot.assign(conns.begin(), conns.end());
    }
    for (const auto& c : snapshot) {
      asio::post(c->executor, [c] {
        if (c->idle && c->stream != nullptr) c->stream->cancel();
      });
    }
  }
  // 2b. Long-lived streams (WebSocket, SSE) are told to close (1001) and refuse new ones.
  for (Upgrader* u : router.Upgraders()) u->Drain();
  // 3. Wait for in-flight requests, up to the drain timeout.
  {
    std::unique_lock lock(mu);
    if (!drained.wait_for(lock, milliseconds(options.drain_timeout_ms),
                          [this] { return conns.empty(); }))
      spdlog::warn("http: {} connection(s) still busy after the {} ms drain; closing them",
                   conns.size(), options.drain_timeout_ms);
  }
  // 4. Stop the threads; destroying the io_context destroys what is left (lingering
  //    closes, connections past the drain), closing their sockets.
  work.reset();
  ioc->stop();
  for (auto& t : threads) t.join();
  threads.clear();
  {
    std::unique_lock gate_lock(gate->mu);
    gate->open = false;
  }
  acceptor.reset();
  ioc.reset();
  spdlog::info("http: stopped");
}

void Server::Impl::WaitForSignal() {
  if (!signals) signals.emplace(sig_ioc, SIGINT, SIGTERM);  // WaitForSignal without Start
  int received = 0;
  signals->async_wait([&received](const error_code& ec, int signo) {
    if (!ec) received = signo;
  });
  {
    std::lock_guard lock(mu);
    if (stopped) return;
    signal_ioc = &sig_ioc;
  }
  sig_ioc.restart();
  sig_ioc.run();
  {
    std::lock_guard lock(mu);
    signal_ioc = nullptr;
  }
  if (received != 0) spdlog::info("http: received signal {}", received);
}

std::optional<Server::Impl::Lease> Server::Impl::TryRegister(asio::any_io_executor ex) {
  std::lock_guard lock(mu);
  if (conns.size() >= static_cast<size_t>(std::max(0, options.max_connections)))
    return std::nullopt;
  auto c = std::make_shared<Connection>(std::move(ex));
  conns.insert(c);
  metrics.Set(kConnections, {}, static_cast<double>(conns.size()));
  return Lease(this, std::move(c));
}

void Server::Impl::Unregister(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu);
  conns.erase(c);
  metrics.Set(kConnections, {}, static_cast<double>(conns.size()));
  if (conns.empty()) drained.notify_all();
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  for (;;) {
    // Each connection gets its own strand, so its coroutine and the Reply wake-ups
    // posted to it never run concurrently.
    asio::any_io_executor strand = asio::make_strand(*ioc);
    auto [ec, socket] = co_await acceptor->async_accept(strand, kTuple);
    if (stopping || !acceptor->is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer backoff(co_await asio::this_coro::executor, kAcceptBackoff);
      co_await backoff.async_wait(kTuple);
      continue;
    }
    std::optional<Lease> lease = TryRegister(strand);
    if (!lease) {
      metrics.Inc(kRejected);
      asio::co_spawn(strand, Reject(std::move(socket)), LogEscapes{"reject"});
      continue;
    }
    asio::co_spawn(strand, Session(std::move(socket), std::move(*lease)), LogEscapes{"connection"});
  }
}

asio::awaitable<void> Server::Impl::Reject(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  co_await Write(stream, Response::Error(Code::kUnavailable, "too many connections; retry later"),
                 11,
                 /*keep_alive=*/false, /*head=*/false);
  co_await LingeringClose(stream);
}

asio::awaitable<void> Server::Impl::Session(tcp::socket socket, Lease lease) {
  beast::tcp_stream stream(std::move(socket));
  Connection& conn = lease.conn();
  conn.stream = &stream;
  struct Detach {  // runs before `stream` is destroyed
    Connection& c;
    ~Detach() { c.stream = nullptr; }
  } detach{conn};

  std::string ip;
  {
    error_code ec;
    auto remote = stream.socket().remote_endpoint(ec);
    if (!ec) ip = remote.address().to_string();
  }
  error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);

  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (buffer.size() == 0) {
      // Idle: no request has begun. Stop() cancels this wait.
      conn.idle = true;
      if (stopping) co_return;
      stream.expires_after(milliseconds(first ? options.read_timeout_ms : options.idle_timeout_ms));
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), kTuple);
      conn.idle = false;
      if (ec) co_return;  // closed by the client, idle timeout, or drain
      buffer.commit(n);
    }
    first = false;
    if (!co_await ServeOne(stream, buffer, ip, steady_clock::now())) co_return;
  }
}

asio::awaitable<bool> Server::Impl::ServeOne(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                             const std::string& ip,
                                             steady_clock::time_point start) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(
      std::min<size_t>(options.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  // The route, and so its body limit, is known only once the header is parsed, but Beast
  // checks a Content-Length against body_limit as the header completes: admit the largest
  // limit of any route here, then apply the route's own before reading any body byte.
  const size_t admitted = std::max(options.max_body_bytes, router.MaxRouteBodyBytes());
  parser.body_limit(static_cast<uint64_t>(admitted));

  // The whole request (header, optional 100-continue, body) must arrive in read_timeout.
  stream.expires_after(milliseconds(options.read_timeout_ms));
  auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);

  Request req;
  req.request_id = NextRequestId();
  Status target_status;
  std::optional<Router::Match> match;
  size_t body_limit = admitted;  // what a 413 names when the route is unknown
  if (parser.is_header_done()) {
    const auto& h = parser.get();
    req.method = internal::ToUpper(h.method_string());
    req.target = std::string(h.target());
    target_status = internal::ParseTarget(req.target, &req);
    if (!target_status.ok()) {
      req.path.clear();
      body_limit = options.max_body_bytes;
    } else {
      match = router.Resolve(req);
      body_limit = match->outcome == Router::Outcome::kFound && match->options.max_body_bytes > 0
                       ? match->options.max_body_bytes
                       : options.max_body_bytes;
    }
  }
  if (!ec && match && match->outcome == Router::Outcome::kFound && match->options.check_header) {
    // The route decides from the header alone (e.g. authentication) before any body byte.
    Request probe = req;
    for (const auto& field : parser.get())
      probe.headers.emplace_back(internal::ToLower(field.name_string()), std::string(field.value()));
    probe.remote_ip = ClientAddress(options.trusted_proxies, ip, probe.Header("x-forwarded-for"));
    Status verdict = match->options.check_header(probe);
    if (!verdict.ok()) {
      Response r = Response::Error(verdict);
      if (verdict.code() == Code::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
      co_await ErrorAndClose(stream, std::move(r), &req, ip, start);
      co_return false;
    }
  }
  if (!ec && !parser.is_done()) {
    // A declared length over the route's limit is refused before any body byte is read
    // (and without a 100 Continue); a chunked body is counted against it as it arrives.
    const boost::optional<uint64_t> length = parser.content_length();
    if (length && *length > body_limit) {
      ec = bhttp::error::body_limit;
    } else {
      parser.body_limit(static_cast<uint64_t>(body_limit));
      const auto expect = parser.get()[bhttp::field::expect];
      if (beast::iequals(expect, "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(kContinue), kTuple);
      }
      if (!ec) std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
    }
  }

  if (ec) {
    const Request* known = parser.is_header_done() ? &req : nullptr;
    if (ec == bhttp::error::body_limit) {
      co_await ErrorAndClose(
          stream,
          Response::Error(Code::kPayloadTooLarge,
                          fmt::format("request body exceeds {} bytes", body_limit)),
          known, ip, start);
    } else if (ec == bhttp::error::header_limit) {
      Response r = Response::Error(Code::kInvalidArgument, "request header too large");
      r.status = 431;
      co_await ErrorAndClose(stream, std::move(r), known, ip, start);
    } else if (IsHttpParseError(ec)) {
      co_await ErrorAndClose(stream,
                             Response::Error(Code::kInvalidArgument, "malformed HTTP request"),
                             known, ip, start);
    }
    // Otherwise: timeout, reset, or the client went away mid-request; nothing to answer.
    co_return false;
  }

  bhttp::request<bhttp::string_body> msg = parser.release();
  const unsigned version = msg.version();
  const bool head = req.method == "HEAD";
  const bool client_keep_alive = msg.keep_alive();
  req.headers.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));
  for (const auto& field : msg)
    req.headers.emplace_back(internal::ToLower(field.name_string()), std::string(field.value()));
  req.remote_ip = ClientAddress(options.trusted_proxies, ip, req.Header("x-forwarded-for"));
  if (target_status.ok() && match->outcome == Router::Outcome::kFound &&
      match->options.upgrader != nullptr && !stopping) {
    // The route takes the connection over (WebSocket, Server-Sent Events) until it ends.
    const std::string route_pattern = match->pattern, method = req.method, path = req.path;
    const int status = co_await match->options.upgrader->Serve(stream, buffer, std::move(msg),
                                                               std::move(req));
    Record(route_pattern, internal::MethodLabel(method), path, status, 0, start, ip);
    co_return false;
  }
  req.body = std::move(msg.body());

  Response resp;
  std::string route = kUnmatched;
  if (!target_status.ok()) {
    resp = Response::Error(target_status);
  } else {
    switch (match->outcome) {
      case Router::Outcome::kNotFound:
        resp = Response::Error(Code::kNotFound, "no such resource");
        break;
      case Router::Outcome::kMethodNotAllowed: {
        route = match->pattern;
        std::string allow;
        for (const auto& m : match->allowed) allow += (allow.empty() ? "" : ", ") + m;
        resp = Response::Error(Code::kMethodNotAllowed,
                               fmt::format("method {} is not allowed here; allowed: {}",
                                           internal::MethodLabel(req.method), allow));
        resp.headers.emplace_back("Allow", std::move(allow));
        break;
      }
      case Router::Outcome::kFound:
        route = match->pattern;
        resp = co_await CallHandler(*match->handler, req);
        break;
    }
  }

  const bool keep_alive = client_keep_alive && !stopping;
  Finish(resp, req);
  const int status = resp.status;
  const size_t bytes = head || BodyForbidden(status) ? 0 : resp.body.size();
  error_code wec = co_await Write(stream, std::move(resp), version, keep_alive, head);
  Record(route, internal::MethodLabel(req.method), req.path, status, bytes, start, ip,
         req.request_id);
  if (wec) co_return false;
  if (!keep_alive) {
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return false;
  }
  co_return true;
}

asio::awaitable<Response> Server::Impl::CallHandler(const Handler& handler, Request& req) {
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<ReplyState>(gate, req.route);
  try {
    handler(req, [state](Response r) { Deliver(state, std::move(r)); });
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", req.method, req.route, e.what());
    std::lock_guard lock(state->mu);
    if (!state->settled) {
      state->settled = true;
      state->response = Response::Error(Code::kInternal, "internal error");
    }
  } catch (...) {
    spdlog::error("http: handler for {} {} threw a non-exception", req.method, req.route);
    std::lock_guard lock(state->mu);
    if (!state->settled) {
      state->settled = true;
      state->response = Response::Error(Code::kInternal, "internal error");
    }
  }

  asio::steady_timer deadline(executor, milliseconds(options.handler_timeout_ms));
  struct ClearWaiter {  // also runs if this frame is destroyed at shutdown
    ReplyState& s;
    ~ClearWaiter() {
      std::lock_guard lock(s.mu);
      s.waiter = nullptr;
      s.executor = {};
    }
  } clear{*state};
  bool wait = false;
  {
    std::lock_guard lock(state->mu);
    if (!state->response) {
      state->waiter = &deadline;
      state->executor = executor;
      wait = true;
    }
  }
  if (wait) co_await deadline.async_wait(kTuple);  // cancelled by Deliver, or expires

  std::lock_guard lock(state->mu);
  state->waiter = nullptr;
  state->executor = {};
  if (state->response) co_return std::move(*state->response);
  state->settled = true;  // a reply after this is ignored with a warning
  spdlog::error("http: handler for {} {} did not reply within {} ms", req.method, req.route,
                options.handler_timeout_ms);
  co_return Response::Error(Code::kUnavailable, "the request took too long; try again");
}

asio::awaitable<error_code> Server::Impl::Write(beast::tcp_stream& stream, Response resp,
                                                unsigned version, bool keep_alive, bool head) {
  bhttp::response<bhttp::string_body> res =
      ToBeast(std::move(resp), version, keep_alive, head, security_headers);
  stream.expires_after(milliseconds(options.write_timeout_ms));
  bhttp::response_serializer<bhttp::string_body> sr{res};
  error_code ec;
  if (head)
    std::tie(ec, std::ignore) = co_await bhttp::async_write_header(stream, sr, kTuple);
  else
    std::tie(ec, std::ignore) = co_await bhttp::async_write(stream, sr, kTuple);
  co_return ec;
}

asio::awaitable<void> Server::Impl::ErrorAndClose(beast::tcp_stream& stream, Response resp,
                                                  const Request* req, const std::string& ip,
                                                  steady_clock::time_point start) {
  if (req != nullptr) Finish(resp, *req);
  const int status = resp.status;
  const size_t bytes = resp.body.size();
  error_code ec = co_await Write(stream, std::move(resp), 11, /*keep_alive=*/false, false);
  Record(kUnmatched, internal::MethodLabel(req ? req->method : ""), req ? req->path : "", status,
         bytes, start, ip);
  if (!ec) co_await LingeringClose(stream);
}

asio::awaitable<void> Server::Impl::LingeringClose(beast::tcp_stream& stream) {
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  stream.expires_after(kLingerTime);
  std::array<char, 16 * 1024> scratch;
  size_t total = 0;
  while (total < kLingerMaxBytes) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch), kTuple);
    if (rec) break;
    total += n;
  }
  stream.close();
}

std::string Server::Impl::NextRequestId() {
  return fmt::format("{}-{:x}", request_id_prefix, request_counter.fetch_add(1) + 1);
}

void Server::Impl::Finish(Response& resp, const Request& req) {
  resp.headers.emplace_back("X-Request-Id", req.request_id);
  if (resp.status < 500) return;
  resp.body = internal::WithRequestId(std::move(resp.body), req.request_id);
  if (!resp.log_detail.empty() && resp.log_detail != "internal error")
    spdlog::error("http: {} {} answered {} (request {}): {}", req.method,
                  req.route.empty() ? kUnmatched : req.route, resp.status, req.request_id,
                  resp.log_detail);
}

void Server::Impl::Record(std::string_view route, std::string_view method, std::string_view path,
                          int status, size_t bytes, steady_clock::time_point start,
                          std::string_view ip, std::string_view request_id) {
  const double seconds = std::chrono::duration<double>(steady_clock::now() - start).count();
  const std::string route_s(route), method_s(method);
  metrics.Inc(kRequestsTotal,
              {{"route", route_s}, {"method", method_s}, {"status", std::to_string(status)}});
  metrics.Observe(kRequestDuration, {{"route", route_s}, {"method", method_s}}, seconds);
  if (access_log->should_log(spdlog::level::info)) {
    internal::AccessEntry e;
    e.time_ms = SystemClock().NowMs();
    e.method = method;
    e.path = path;
    e.route = route;
    e.status = status;
    e.bytes = bytes;
    e.duration_ms = seconds * 1e3;
    e.ip = ip;
    e.request_id = request_id;
    access_log->info(internal::AccessLogLine(e));
  }
}

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() { Stop(); }

Status Server::Start() { return impl_->Start(); }

uint16_t Server::port() const { return impl_->bound_port.load(); }

void Server::Stop() { impl_->Stop(); }

void Server::WaitForSignal() { impl_->WaitForSignal(); }

}  // namespace centinela::http
