// The one Beast translation unit of src/realtime: WebSocket and Server-Sent Events sessions.
//
// A session is a Connection (a Sink of the Hub) with three coroutines on the connection's
// strand: the reader (client frames: near-me, ping, close), the writer (drains the queue:
// every queued message's shared, pre-framed bytes are gathered into ONE socket write), and
// the ticker (pings, idle timeout, stuck writes, the close linger). Beast does the HTTP side
// and the WebSocket handshake; after it, frames are written and parsed here (message.h,
// frame_parser.h) so that many messages can share one write and one buffer per variant.

#include "realtime/stream_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <deque>
#include <mutex>
#include <set>

#include <sys/socket.h>
#include <sys/uio.h>

#include "http/upgrade.h"
#include "realtime/frame_parser.h"

namespace centinela::realtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace json = boost::json;
using error_code = boost::system::error_code;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr char kProtocol[] = "centinela.v1";
constexpr char kClosed[] = "centinela_stream_closed_total";
constexpr char kFanout[] = "centinela_stream_fanout_seconds";
constexpr milliseconds kTick{1000};
constexpr milliseconds kCloseLinger{2000};
constexpr size_t kMaxMessagesPerWrite = 512;

std::optional<int64_t> ParseSeq(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::optional<double> ParseNumber(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Sec-WebSocket-Protocol: "centinela.v1, <token>". Returns whether centinela.v1 was offered
// and the other value (the token), if any.
std::pair<bool, std::string> ParseProtocols(std::string_view header) {
  bool ours = false;
  std::string token;
  size_t i = 0;
  while (i <= header.size()) {
    size_t j = header.find(',', i);
    if (j == std::string_view::npos) j = header.size();
    std::string item = Trim(header.substr(i, j - i));
    if (item == kProtocol)
      ours = true;
    else if (!item.empty() && token.empty())
      token = std::move(item);
    i = j + 1;
  }
  return {ours, token};
}

std::string ErrorJson(std::string_view code, std::string_view message) {
  return json::serialize(json::object{{"type", "error"}, {"code", code}, {"message", message}});
}

}  // namespace

//! One stream session. Send/Close/Depth/Closed are called from the hub's threads; the rest
//! runs on the connection's strand.
class Connection : public Sink, public std::enable_shared_from_this<Connection> {
 public:
  enum class Mode { kWebSocket, kSse };

  Connection(StreamServer::Impl& server, Mode mode, asio::any_io_executor ex, size_t max_queue)
      : server_(server), mode_(mode), ex_(ex), max_queue_(max_queue), wake_(ex), done_(ex) {
    wake_.expires_at(steady_clock::time_point::max());
    done_.expires_at(steady_clock::time_point::max());
  }

  bool Send(MessagePtr m) override {
    std::unique_lock lock(mu_);
    if (!PushLocked(lock, std::move(m))) return false;
    WakeLocked();
    return true;
  }
  bool Enqueue(MessagePtr m) override {
    std::unique_lock lock(mu_);
    return PushLocked(lock, std::move(m));
  }
  // The fan-out thread writes straight to the socket when the strand's writer is idle (no
  // post, no coroutine switch, one sendmsg for everything queued); whatever the socket does
  // not take goes to the writer, which owns the socket until the queue is empty again.
  void Flush() override {
    std::lock_guard lock(mu_);
    if (closing_ || queue_.empty()) return;
    if (writer_active_ || fd_ < 0 || !control_.empty() || !partial_.empty()) {
      WakeLocked();
      return;
    }
    WriteNowLocked();
  }
  size_t Depth() const override {
    std::lock_guard lock(mu_);
    return queue_.size();
  }
  void Close(uint16_t code, const std::string& reason) override {
    std::lock_guard lock(mu_);
    if (closing_) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = reason;
    queue_.clear();  // unsent messages are dropped: the client resumes with since
    WakeLocked();
  }
  bool Closed() const override {
    std::lock_guard lock(mu_);
    return closing_;
  }

  //! Text or raw bytes written before any queued message (HTTP header, pong, replies).
  void Control(std::string bytes) {
    std::lock_guard lock(mu_);
    if (closing_) return;
    control_.push_back(std::move(bytes));
    WakeLocked();
  }

  asio::awaitable<void> Run(beast::tcp_stream stream, std::string leftover, Hub::SessionId id);

  Hub::SessionId id() const { return id_; }

 private:
  bool PushLocked(std::unique_lock<std::mutex>& lock, MessagePtr m) {
    if (closing_) return false;
    if (queue_.size() >= max_queue_) {
      lock.unlock();
      Close(kCloseTooSlow, "too slow: resume with since");
      return false;
    }
    queue_.push_back(std::move(m));
    return true;
  }
  void WriteNowLocked();
  void WakeLocked() {
    if (wake_posted_) return;
    wake_posted_ = true;
    asio::post(ex_, [self = shared_from_this()] { self->wake_.cancel(); });
  }
  asio::awaitable<void> ReadLoop(std::string leftover);
  asio::awaitable<void> WriteLoop();
  asio::awaitable<void> TickLoop();
  void HandleText(const std::string& text);
  void Shutdown();

  StreamServer::Impl& server_;
  const Mode mode_;
  asio::any_io_executor ex_;
  const size_t max_queue_;
  std::optional<beast::tcp_stream> stream_;
  Hub::SessionId id_ = 0;

  mutable std::mutex mu_;
  std::deque<MessagePtr> queue_;      // guarded by mu_
  std::deque<std::string> control_;   // guarded by mu_
  bool wake_posted_ = false;          // guarded by mu_
  bool closing_ = false;              // guarded by mu_
  uint16_t close_code_ = 0;           // guarded by mu_
  std::string close_reason_;          // guarded by mu_
  // The socket for Flush's direct writes (-1 until Run starts, and once shut down).
  int fd_ = -1;                       // guarded by mu_
  // True while the strand's writer owns the socket (from the start until it first finds
  // nothing to write); Flush writes directly only when it is false.
  bool writer_active_ = true;         // guarded by mu_
  std::string partial_;               // guarded by mu_: unsent tail of a direct write
  uint64_t direct_writes_ = 0;        // guarded by mu_

  // Strand only.
  asio::steady_timer wake_;
  asio::steady_timer done_;  // cancelled when the writer ends
  bool writer_done_ = false;
  bool reader_done_ = false;
  bool peer_gone_ = false;   // nothing more can be written
  bool eof_ = false;         // the client's side ended without a close frame
  bool close_sent_ = false;
  steady_clock::time_point last_read_ = steady_clock::now();
  steady_clock::time_point last_write_ = steady_clock::now();
  steady_clock::time_point write_started_{};
  bool writing_ = false;
  uint64_t writes_ = 0;
  steady_clock::time_point closing_since_{};
};

struct StreamServer::Impl {
  class Endpoint : public http::Upgrader {
   public:
    Endpoint(Impl& impl, Connection::Mode mode) : impl_(impl), mode_(mode) {}
    asio::awaitable<int> Serve(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                               bhttp::request<bhttp::string_body> msg, http::Request req) override {
      return impl_.Serve(mode_, stream, buffer, std::move(msg), std::move(req));
    }
    void Drain() override { impl_.Drain(); }

   private:
    Impl& impl_;
    Connection::Mode mode_;
  };

  Impl(Hub& h, StreamOptions o, Authenticator a, Metrics& m)
      : hub(h), options(o), authenticate(std::move(a)), metrics(m) {
    metrics.Describe(kClosed, "counter", "Stream sessions ended, by close code.");
  }

  asio::awaitable<int> Serve(Connection::Mode mode, beast::tcp_stream& stream,
                             beast::flat_buffer& buffer, bhttp::request<bhttp::string_body> msg,
                             http::Request req);
  static asio::awaitable<int> Answer(beast::tcp_stream& stream, unsigned version,
                                     http::Response r);
  void Drain() {
    draining = true;
    hub.CloseAll(kCloseGoingAway, "server shutting down");
  }
  void Closed(uint16_t code) { metrics.Inc(kClosed, {{"code", std::to_string(code)}}); }

  Hub& hub;
  const StreamOptions options;
  const Authenticator authenticate;
  Metrics& metrics;
  std::atomic<bool> draining{false};
  Endpoint ws_endpoint{*this, Connection::Mode::kWebSocket};
  Endpoint sse_endpoint{*this, Connection::Mode::kSse};
};

asio::awaitable<int> StreamServer::Impl::Answer(beast::tcp_stream& stream, unsigned version,
                                                http::Response r) {
  bhttp::response<bhttp::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(r.status));
  res.set(bhttp::field::server, "centinela");
  res.set(bhttp::field::content_type, r.content_type);
  res.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : r.headers) res.insert(name, value);
  res.body() = std::move(r.body);
  res.prepare_payload();
  res.keep_alive(false);
  stream.expires_after(std::chrono::seconds(10));
  co_await bhttp::async_write(stream, res, kTuple);
  error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  co_return r.status;
}

asio::awaitable<int> StreamServer::Impl::Serve(Connection::Mode mode, beast::tcp_stream& stream,
                                               beast::flat_buffer& buffer,
                                               bhttp::request<bhttp::string_body> msg,
                                               http::Request req) {
  const unsigned version = msg.version();
  if (draining)
    co_return co_await Answer(stream, version,
                              http::Response::Error(Code::kUnavailable, "the server is shutting down"));
  const bool ws = mode == Connection::Mode::kWebSocket;
  if (ws && !websocket::is_upgrade(msg)) {
    http::Response r = http::Response::Error(
        Code::kInvalidArgument, "this route needs a WebSocket upgrade (or use /api/v1/stream/sse)");
    r.status = 426;
    r.headers.emplace_back("Upgrade", "websocket");
    co_return co_await Answer(stream, version, std::move(r));
  }
  bool offered_protocol = false;
  std::string protocol_token;
  if (ws) std::tie(offered_protocol, protocol_token) = ParseProtocols(req.Header("sec-websocket-protocol"));
  Result<SubscriberInfo> who = authenticate(req, protocol_token);
  if (!who.ok()) {
    http::Response r = http::Response::Error(who.status());
    if (who.status().code() == Code::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    co_return co_await Answer(stream, version, std::move(r));
  }

  // Resume point: since= (both), or Last-Event-ID (SSE reconnects).
  std::optional<int64_t> since;
  std::string since_text = req.Query("since");
  if (!ws && since_text.empty()) since_text = std::string(req.Header("last-event-id"));
  if (!since_text.empty()) {
    since = ParseSeq(since_text);
    if (!since)
      co_return co_await Answer(stream, version,
                                http::Response::Error(Code::kInvalidArgument,
                                                      "'since' must be a non-negative event seq"));
  }
  // SSE cannot send messages: its near-me circle comes with the request.
  std::optional<Circle> near;
  if (!ws && !req.Query("lat").empty()) {
    auto lat = ParseNumber(req.Query("lat"));
    auto lon = ParseNumber(req.Query("lon"));
    auto radius = ParseNumber(req.Query("radius_m", "1000"));
    if (!lat || !lon || !radius) {
      co_return co_await Answer(stream, version,
                                http::Response::Error(Code::kInvalidArgument,
                                                      "'lat', 'lon' and 'radius_m' must be numbers"));
    }
    near = Circle{*lat, *lon, *radius};
  }

  auto executor = co_await asio::this_coro::executor;
  auto conn = std::make_shared<Connection>(*this, mode, executor, options.max_queue);
  if (!ws)
    conn->Control(
        "HTTP/1.1 200 OK\r\nServer: centinela\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n"
        "retry: 2000\n\n");
  Result<Hub::SessionId> id = hub.Open(std::move(*who), conn, since);
  if (!id.ok()) {
    http::Response r = http::Response::Error(id.status());
    if (id.status().code() == Code::kRateLimited) r.headers.emplace_back("Retry-After", "5");
    co_return co_await Answer(stream, version, std::move(r));
  }
  if (near) {
    Status s = hub.SetNear(*id, near);
    if (!s.ok()) {
      hub.Close(*id);
      co_return co_await Answer(stream, version, http::Response::Error(s));
    }
  }

  std::string leftover(static_cast<const char*>(buffer.data().data()), buffer.size());
  buffer.consume(buffer.size());
  int status = 200;
  if (ws) {
    websocket::stream<beast::tcp_stream> wss(std::move(stream));
    if (offered_protocol)
      wss.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(bhttp::field::sec_websocket_protocol, kProtocol);
        res.set(bhttp::field::server, "centinela");
      }));
    beast::get_lowest_layer(wss).expires_after(milliseconds(options.write_timeout_ms));
    auto [ec] = co_await wss.async_accept(msg, kTuple);
    if (ec) {
      hub.Close(*id);
      co_return 400;
    }
    status = 101;
    beast::tcp_stream raw(std::move(wss.next_layer()));
    co_await conn->Run(std::move(raw), std::move(leftover), *id);
  } else {
    co_await conn->Run(std::move(stream), std::move(leftover), *id);
  }
  co_return status;
}

asio::awaitable<void> Connection::Run(beast::tcp_stream stream, std::string leftover,
                                      Hub::SessionId id) {
  stream.expires_never();
  stream_.emplace(std::move(stream));
  id_ = id;
  {
    std::lock_guard lock(mu_);
    fd_ = stream_->socket().native_handle();
  }
  error_code ignored;
  stream_->socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (server_.options.send_buffer_bytes > 0)
    stream_->socket().set_option(asio::socket_base::send_buffer_size(server_.options.send_buffer_bytes),
                                 ignored);
  auto self = shared_from_this();
  asio::co_spawn(ex_, [self]() { return self->WriteLoop(); }, asio::detached);
  asio::co_spawn(ex_, [self]() { return self->TickLoop(); }, asio::detached);
  co_await ReadLoop(std::move(leftover));
  reader_done_ = true;
  server_.hub.Close(id_);
  {
    std::lock_guard lock(mu_);
    if (!closing_) {  // the client went away (or closed first): nothing more to send
      closing_ = true;
      close_code_ = 1000;
    }
    queue_.clear();
  }
  wake_.cancel();
  if (!writer_done_) {
    done_.expires_after(kCloseLinger);
    co_await done_.async_wait(kTuple);
  }
  Shutdown();
  uint16_t code;
  {
    std::lock_guard lock(mu_);
    code = close_code_;
  }
  server_.Closed(code);
}

void Connection::Shutdown() {
  if (!stream_) return;
  peer_gone_ = true;
  {
    std::lock_guard lock(mu_);
    fd_ = -1;  // no direct write may reach a closed (and perhaps reused) descriptor
  }
  error_code ec;
  stream_->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_->socket().close(ec);
  wake_.cancel();
}

asio::awaitable<void> Connection::ReadLoop(std::string leftover) {
  FrameParser parser(server_.options.max_client_message_bytes);
  parser.Feed(leftover);
  std::array<char, 4096> buf;
  for (;;) {
    if (mode_ == Mode::kWebSocket) {
      while (auto f = parser.Next()) {
        switch (f->opcode) {
          case Opcode::kText:
            HandleText(f->payload);
            break;
          case Opcode::kBinary:
            Close(1003, "binary messages are not accepted");
            break;
          case Opcode::kPing:
            Control(Frame(Opcode::kPong, f->payload));
            break;
          case Opcode::kPong:
            break;
          case Opcode::kClose: {
            uint16_t code = 1000;
            if (f->payload.size() >= 2)
              code = static_cast<uint16_t>((static_cast<uint8_t>(f->payload[0]) << 8) |
                                           static_cast<uint8_t>(f->payload[1]));
            {
              std::lock_guard lock(mu_);
              if (closing_) co_return;  // the client answered our close
            }
            Close(code == 1005 ? 1000 : code, "closed by the client");
            co_return;
          }
          default:
            break;
        }
      }
      if (parser.error() != 0) {
        Close(parser.error(), parser.error_reason());
        co_return;
      }
    }
    auto [ec, n] = co_await stream_->socket().async_read_some(asio::buffer(buf), kTuple);
    if (ec) {
      eof_ = true;
      co_return;
    }
    last_read_ = steady_clock::now();
    if (mode_ == Mode::kWebSocket) parser.Feed(std::string_view(buf.data(), n));
  }
}

void Connection::HandleText(const std::string& text) {
  error_code ec;
  json::value v = json::parse(text, ec);
  const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  const json::value* type = o ? o->if_contains("type") : nullptr;
  if (!type || !type->is_string()) {
    Control(Frame(Opcode::kText, ErrorJson("bad_request", "messages are JSON objects with a 'type'")));
    return;
  }
  if (type->get_string() == "ping") {
    Control(Frame(Opcode::kText, R"({"type":"pong"})"));
    return;
  }
  if (type->get_string() == "near") {
    std::optional<Circle> circle;
    const json::value* clear = o->if_contains("clear");
    if (!(clear && clear->is_bool() && clear->get_bool())) {
      const json::value* lat = o->if_contains("lat");
      const json::value* lon = o->if_contains("lon");
      const json::value* r = o->if_contains("radius_m");
      if (!lat || !lon || !r || !lat->is_number() || !lon->is_number() || !r->is_number()) {
        Control(Frame(Opcode::kText, ErrorJson("unprocessable",
                                               "near needs numbers 'lat', 'lon' and 'radius_m', "
                                               "or \"clear\": true")));
        return;
      }
      circle = Circle{lat->to_number<double>(), lon->to_number<double>(), r->to_number<double>()};
    }
    Status s = server_.hub.SetNear(id_, circle);
    if (!s.ok()) {
      Control(Frame(Opcode::kText, ErrorJson("unprocessable", s.message())));
      return;
    }
    Control(Frame(Opcode::kText, circle ? R"({"type":"near","ok":true})"
                                        : R"({"type":"near","ok":true,"cleared":true})"));
    return;
  }
  Control(Frame(Opcode::kText, ErrorJson("bad_request", "unknown message type")));
}

asio::awaitable<void> Connection::WriteLoop() {
  auto self = shared_from_this();  // keep alive while writing
  std::vector<MessagePtr> batch;
  std::vector<std::string> controls;
  std::vector<asio::const_buffer> buffers;
  std::string partial, close_frame;
  for (;;) {
    batch.clear();
    controls.clear();
    close_frame.clear();
    bool closing = false;
    uint16_t code = 0;
    std::string reason;
    {
      std::lock_guard lock(mu_);
      partial = std::move(partial_);  // a direct write's tail goes first, before anything
      partial_.clear();
      while (!control_.empty()) {
        controls.push_back(std::move(control_.front()));
        control_.pop_front();
      }
      size_t bytes = 0;
      while (!queue_.empty() && batch.size() < kMaxMessagesPerWrite &&
             bytes < server_.options.max_write_bytes) {
        bytes += queue_.front()->ws_frame.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      closing = closing_ && queue_.empty();
      code = close_code_;
      reason = close_reason_;
      if (batch.empty() && controls.empty() && partial.empty() && !closing) {
        wake_posted_ = false;
        writer_active_ = false;  // Flush may write directly until the next wake
      } else {
        writer_active_ = true;
      }
    }
    if (peer_gone_) break;
    if (closing && !close_sent_ && !eof_) {  // also echoes a client's close frame
      close_sent_ = true;
      closing_since_ = steady_clock::now();
      if (mode_ == Mode::kWebSocket) {
        close_frame = CloseFrame(code, reason);
      } else {
        close_frame = "event: close\ndata: " +
                      json::serialize(json::object{{"type", "close"}, {"code", code}, {"reason", reason}}) +
                      "\n\n";
      }
    } else if (closing && controls.empty() && batch.empty() && partial.empty()) {
      break;
    }
    if (batch.empty() && controls.empty() && partial.empty() && close_frame.empty()) {
      wake_.expires_at(steady_clock::time_point::max());
      co_await wake_.async_wait(kTuple);
      continue;
    }
    buffers.clear();
    if (!partial.empty()) buffers.emplace_back(asio::buffer(partial));
    for (const std::string& c : controls) buffers.emplace_back(asio::buffer(c));
    for (const MessagePtr& m : batch)
      buffers.emplace_back(mode_ == Mode::kWebSocket ? asio::buffer(m->ws_frame) : asio::buffer(m->sse));
    if (!close_frame.empty()) buffers.emplace_back(asio::buffer(close_frame));
    writing_ = true;
    write_started_ = steady_clock::now();
    auto [ec, n] = co_await asio::async_write(stream_->socket(), buffers, kTuple);
    writing_ = false;
    last_write_ = steady_clock::now();
    if (ec) {
      peer_gone_ = true;
      break;
    }
    // Sampled (one write in 8) so that the metrics lock stays off the hot path.
    if (!batch.empty() && writes_++ % 8 == 0)
      server_.metrics.Observe(kFanout, {{"stage", "enqueue_to_write"}},
                              std::chrono::duration<double>(last_write_ - batch.front()->made).count());
    if (close_sent_) {
      error_code ignored;
      stream_->socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      break;
    }
  }
  writer_done_ = true;
  done_.cancel();
}

void Connection::WriteNowLocked() {
  constexpr size_t kMaxIov = 256;
  std::array<iovec, kMaxIov> iov;
  size_t n = 0;
  for (auto it = queue_.begin(); it != queue_.end() && n < kMaxIov; ++it, ++n) {
    const std::string& b = mode_ == Mode::kWebSocket ? (*it)->ws_frame : (*it)->sse;
    iov[n].iov_base = const_cast<char*>(b.data());
    iov[n].iov_len = b.size();
  }
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = n;
  const ssize_t written = ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (written > 0) {
    if (direct_writes_++ % 64 == 0)
      server_.metrics.Observe(kFanout, {{"stage", "enqueue_to_write"}},
                              std::chrono::duration<double>(steady_clock::now() - queue_.front()->made).count());
    size_t left = static_cast<size_t>(written);
    while (left > 0) {
      const std::string& b = mode_ == Mode::kWebSocket ? queue_.front()->ws_frame : queue_.front()->sse;
      if (left < b.size()) partial_.assign(b, left, std::string::npos);
      left -= std::min(left, b.size());
      queue_.pop_front();
    }
  }
  // The socket is full, or failed (the writer finds out which), or more than kMaxIov
  // messages were queued: the strand's writer takes over.
  if (!queue_.empty() || !partial_.empty()) {
    writer_active_ = true;
    WakeLocked();
  }
}

asio::awaitable<void> Connection::TickLoop() {
  auto self = shared_from_this();
  asio::steady_timer t(ex_);
  const auto ping_every = milliseconds(server_.options.ping_interval_ms);
  const auto idle_limit = milliseconds(server_.options.idle_timeout_ms);
  const auto write_limit = milliseconds(server_.options.write_timeout_ms);
  auto last_ping = steady_clock::now();
  while (!(reader_done_ && writer_done_)) {
    t.expires_after(kTick);
    co_await t.async_wait(kTuple);
    if (!stream_ || peer_gone_) break;
    const auto now = steady_clock::now();
    if (writing_ && now - write_started_ > write_limit) {
      // The client stopped reading: end it; it resumes with since.
      {
        std::lock_guard lock(mu_);
        if (!closing_) {
          closing_ = true;
          close_code_ = kCloseTooSlow;
        }
      }
      Shutdown();
      break;
    }
    if (close_sent_ && now - closing_since_ > kCloseLinger) {
      Shutdown();
      break;
    }
    if (mode_ == Mode::kWebSocket && now - last_read_ > idle_limit) {
      Close(kCloseIdle, "idle timeout");
      continue;
    }
    if (now - last_ping >= ping_every) {
      last_ping = now;
      Control(mode_ == Mode::kWebSocket ? Frame(Opcode::kPing, "") : std::string(": ping\n\n"));
    }
  }
}

StreamServer::StreamServer(Hub& hub, StreamOptions options, Authenticator authenticate,
                           Metrics& metrics)
    : impl_(std::make_unique<Impl>(hub, options, std::move(authenticate), metrics)) {}

StreamServer::~StreamServer() = default;

http::Upgrader* StreamServer::websocket() { return &impl_->ws_endpoint; }
http::Upgrader* StreamServer::sse() { return &impl_->sse_endpoint; }
Hub& StreamServer::hub() { return impl_->hub; }

}  // namespace centinela::realtime
