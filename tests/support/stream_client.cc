#include "support/stream_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace centinela::test {

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

std::string Target(const std::string& path, const StreamConnectOptions& o) {
  std::string t = path;
  std::string q;
  if (o.since) q += "since=" + std::to_string(*o.since);
  if (!o.extra_query.empty()) q += (q.empty() ? "" : "&") + o.extra_query;
  if (!q.empty()) t += "?" + q;
  return t;
}

// A queue of messages filled by a reader thread.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<StreamMessage> messages;
  bool closed = false;
  int code = 0;

  void Push(StreamMessage m) {
    {
      std::lock_guard lock(mu);
      messages.push_back(std::move(m));
    }
    cv.notify_all();
  }
  void SetClosed(int c) {
    {
      std::lock_guard lock(mu);
      if (!closed) code = c;
      closed = true;
    }
    cv.notify_all();
  }
  std::optional<StreamMessage> Pop(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, wait, [&] { return !messages.empty() || closed; });
    if (messages.empty()) return std::nullopt;
    StreamMessage m = std::move(messages.front());
    messages.pop_front();
    return m;
  }
};

}  // namespace

struct WsStreamClient::Impl {
  explicit Impl(uint16_t p) : port(p) {}
  uint16_t port;
  asio::io_context ioc;
  std::optional<websocket::stream<tcp::socket>> ws;
  beast::flat_buffer buffer;
  std::thread thread;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  Inbox inbox;
  bool paused = false;   // io thread only
  bool reading = false;  // io thread only
  std::string protocol;

  void StartRead() {
    if (paused || reading || !ws) return;
    reading = true;
    ws->async_read(buffer, [this](error_code ec, size_t) {
      reading = false;
      if (ec) {
        // The server's close code, also when answering its close frame failed (the server
        // had already shut the socket down): reason() holds what the frame said.
        inbox.SetClosed(static_cast<int>(ws->reason().code));
        work.reset();
        return;
      }
      inbox.Push({beast::buffers_to_string(buffer.data()), std::chrono::steady_clock::now(), 0});
      buffer.consume(buffer.size());
      StartRead();
    });
  }
};

WsStreamClient::WsStreamClient(uint16_t port) : impl_(std::make_unique<Impl>(port)) {}

WsStreamClient::~WsStreamClient() { Close(); }

bool WsStreamClient::Connect(const StreamConnectOptions& o, std::string* error, int* http_status) {
  Impl& m = *impl_;
  error_code ec;
  tcp::socket socket(m.ioc);
  socket.open(tcp::v4(), ec);
  if (!ec && o.receive_buffer_bytes > 0)
    socket.set_option(asio::socket_base::receive_buffer_size(o.receive_buffer_bytes), ec);
  if (!ec) socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), m.port), ec);
  if (ec) {
    if (error) *error = ec.message();
    return false;
  }
  m.ws.emplace(std::move(socket));
  const std::string token = o.token;
  const bool in_protocol = o.token_in_protocol;
  m.ws->set_option(websocket::stream_base::decorator([token, in_protocol](websocket::request_type& req) {
    if (token.empty()) return;
    if (in_protocol)
      req.set(bhttp::field::sec_websocket_protocol, "centinela.v1, " + token);
    else
      req.set(bhttp::field::authorization, "Bearer " + token);
  }));
  websocket::response_type res;
  m.ws->handshake(res, "127.0.0.1:" + std::to_string(m.port), Target("/api/v1/stream", o), ec);
  if (ec) {
    if (http_status) *http_status = static_cast<int>(res.result_int());
    if (error) *error = ec.message();
    m.ws.reset();
    return false;
  }
  m.protocol = std::string(res[bhttp::field::sec_websocket_protocol]);
  m.ws->read_message_max(16 << 20);
  m.work.emplace(m.ioc.get_executor());
  asio::post(m.ioc, [&m] { m.StartRead(); });
  m.thread = std::thread([&m] { m.ioc.run(); });
  return true;
}

std::string WsStreamClient::protocol() const { return impl_->protocol; }

std::optional<StreamMessage> WsStreamClient::Next(std::chrono::milliseconds wait) {
  return impl_->inbox.Pop(wait);
}

void WsStreamClient::Send(const std::string& text) {
  Impl& m = *impl_;
  auto copy = std::make_shared<std::string>(text);
  asio::post(m.ioc, [&m, copy] {
    if (!m.ws) return;
    m.ws->text(true);
    m.ws->async_write(asio::buffer(*copy), [copy](error_code, size_t) {});
  });
}

void WsStreamClient::PauseReading() {
  Impl& m = *impl_;
  asio::post(m.ioc, [&m] { m.paused = true; });
}

void WsStreamClient::ResumeReading() {
  Impl& m = *impl_;
  asio::post(m.ioc, [&m] {
    m.paused = false;
    m.StartRead();
  });
}

bool WsStreamClient::WaitClosed(std::chrono::milliseconds wait) {
  std::unique_lock lock(impl_->inbox.mu);
  return impl_->inbox.cv.wait_for(lock, wait, [&] { return impl_->inbox.closed; });
}

int WsStreamClient::close_code() const {
  std::lock_guard lock(impl_->inbox.mu);
  return impl_->inbox.code;
}

void WsStreamClient::Close() {
  Impl& m = *impl_;
  if (!m.thread.joinable()) return;
  asio::post(m.ioc, [&m] {
    // A server that never answers the close: give up after a moment.
    auto guard = std::make_shared<asio::steady_timer>(m.ioc, std::chrono::seconds(3));
    guard->async_wait([&m, guard](error_code ec) {
      if (!ec) m.ioc.stop();
    });
    m.work.reset();
    if (m.ws && m.ws->is_open()) {
      m.ws->async_close(websocket::close_code::normal, [&m, guard](error_code) {
        error_code ignored;
        beast::get_lowest_layer(*m.ws).close(ignored);
        guard->cancel();
      });
    } else {
      guard->cancel();
    }
  });
  m.thread.join();
}

struct SseStreamClient::Impl {
  explicit Impl(uint16_t p) : port(p), socket(ioc) {}
  uint16_t port;
  asio::io_context ioc;
  tcp::socket socket;
  std::thread thread;
  Inbox inbox;
  std::atomic<bool> stop{false};
};

SseStreamClient::SseStreamClient(uint16_t port) : impl_(std::make_unique<Impl>(port)) {}

SseStreamClient::~SseStreamClient() { Close(); }

bool SseStreamClient::Connect(const StreamConnectOptions& o, std::string* error, int* http_status) {
  Impl& m = *impl_;
  error_code ec;
  m.socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), m.port), ec);
  if (ec) {
    if (error) *error = ec.message();
    return false;
  }
  std::string req = "GET " + Target("/api/v1/stream/sse", o) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                    "Accept: text/event-stream\r\n";
  if (!o.token.empty()) req += "Authorization: Bearer " + o.token + "\r\n";
  if (!o.last_event_id.empty()) req += "Last-Event-ID: " + o.last_event_id + "\r\n";
  req += "\r\n";
  asio::write(m.socket, asio::buffer(req), ec);
  // Read the response header.
  std::string data;
  char buf[4096];
  size_t header_end = std::string::npos;
  timeval tv{10, 0};
  setsockopt(m.socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (!ec && (header_end = data.find("\r\n\r\n")) == std::string::npos) {
    size_t n = m.socket.read_some(asio::buffer(buf), ec);
    data.append(buf, n);
  }
  if (header_end == std::string::npos) {
    if (error) *error = "no response header: " + ec.message();
    return false;
  }
  const int status = std::atoi(data.c_str() + data.find(' ') + 1);
  if (http_status) *http_status = status;
  if (status != 200) {
    if (error) *error = data;
    return false;
  }
  std::string rest = data.substr(header_end + 4);
  m.thread = std::thread([&m, rest]() mutable {
    std::string pending = std::move(rest);
    char b[8192];
    for (;;) {
      // Complete events are separated by a blank line.
      size_t end;
      while ((end = pending.find("\n\n")) != std::string::npos) {
        std::string block = pending.substr(0, end);
        pending.erase(0, end + 2);
        StreamMessage msg;
        msg.at = std::chrono::steady_clock::now();
        bool has_data = false;
        size_t i = 0;
        while (i <= block.size()) {
          size_t j = block.find('\n', i);
          if (j == std::string::npos) j = block.size();
          std::string line = block.substr(i, j - i);
          if (line.rfind("id: ", 0) == 0) msg.sse_id = std::atoll(line.c_str() + 4);
          if (line.rfind("data: ", 0) == 0) {
            msg.text += line.substr(6);
            has_data = true;
          }
          i = j + 1;
        }
        if (has_data) m.inbox.Push(std::move(msg));
      }
      if (m.stop) break;
      error_code rec;
      size_t n = m.socket.read_some(asio::buffer(b), rec);
      if (rec) break;
      pending.append(b, n);
    }
    m.inbox.SetClosed(0);
  });
  return true;
}

std::optional<StreamMessage> SseStreamClient::Next(std::chrono::milliseconds wait) {
  return impl_->inbox.Pop(wait);
}

void SseStreamClient::Close() {
  Impl& m = *impl_;
  m.stop = true;
  // Asio's blocking read polls past SO_RCVTIMEO: shut the socket down to wake the reader.
  if (m.thread.joinable()) {
    ::shutdown(m.socket.native_handle(), SHUT_RDWR);
    m.thread.join();
  }
  error_code ec;
  m.socket.close(ec);
}

}  // namespace centinela::test
