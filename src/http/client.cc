#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <cctype>
#include <optional>

namespace centinela::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

std::string ClientResult::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return v;
  return {};
}

struct Client::Impl {
  std::string host;
  uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int connects = 0;

  bool Connect(std::string* error) {
    Close();
    error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) {
      if (error) *error = "resolve: " + ec.message();
      return false;
    }
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->async_connect(results, [&ec](const error_code& e, const tcp::endpoint&) { ec = e; });
    ioc.restart();
    ioc.run();
    if (ec) {
      if (error) *error = "connect: " + ec.message();
      stream.reset();
      return false;
    }
    ++connects;
    return true;
  }

  void Close() {
    if (stream) {
      error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream->close();
      stream.reset();
    }
    buffer.clear();
  }

  // Writes `bytes` (unless empty) while reading one response. Returns the result and
  // whether anything at all was received (for the retry decision).
  ClientResult Exchange(std::string_view bytes, bool head, bool* received_any) {
    ClientResult out;
    if (!stream) {
      std::string err;
      if (!Connect(&err)) {
        out.error = err;
        return out;
      }
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256u << 20);
    parser.header_limit(1u << 20);
    if (head) parser.skip(true);
    const size_t buffered_before = buffer.size();

    bool write_done = bytes.empty();
    bool read_done = false;
    error_code write_ec, read_ec;
    ioc.restart();
    stream->expires_after(timeout);
    if (!bytes.empty()) {
      asio::async_write(*stream, asio::buffer(bytes.data(), bytes.size()),
                        [&](const error_code& ec, size_t) {
                          write_ec = ec;
                          write_done = true;
                        });
    }
    bhttp::async_read(*stream, buffer, parser, [&](const error_code& ec, size_t) {
      read_ec = ec;
      read_done = true;
      // The server answered before taking all we sent (e.g. 413): stop writing.
      if (!write_done) stream->socket().cancel();
    });
    ioc.run();
    if (received_any) *received_any = parser.got_some() || buffer.size() > buffered_before;

    if (read_ec) {
      out.error = "read: " + read_ec.message();
      Close();
      return out;
    }
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
      out.headers.emplace_back(Lower(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    out.keep_alive = res.keep_alive() && !write_ec;
    if (!out.keep_alive) Close();
    (void)read_done;
    return out;
  }
};

Client::Client(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

Client::~Client() {
  if (impl_) impl_->Close();
}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

ClientResult Client::Request(std::string_view method, std::string_view target,
                               std::string_view body, const HeaderList& headers) {
  bool has_type = false, has_host = false;
  std::string req;
  req.reserve(256 + body.size());
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, "content-type")) has_type = true;
    if (beast::iequals(k, "host")) has_host = true;
    req.append(k).append(": ").append(v).append("\r\n");
  }
  if (!has_host) req.append("Host: ").append(impl_->host).append("\r\n");
  if (!body.empty() && !has_type) req.append("Content-Type: application/json\r\n");
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  req.append("\r\n").append(body);

  const bool head = method == "HEAD";
  const bool reused = impl_->stream.has_value();
  bool received_any = false;
  ClientResult r = impl_->Exchange(req, head, &received_any);
  if (r.status == 0 && reused && !received_any) {
    impl_->Close();
    r = impl_->Exchange(req, head, nullptr);
  }
  return r;
}

ClientResult Client::SendRaw(std::string_view bytes) {
  return impl_->Exchange(bytes, false, nullptr);
}

ClientResult Client::ReadResponse() {
  if (!impl_->stream) {
    ClientResult r;
    r.error = "not connected";
    return r;
  }
  return impl_->Exchange({}, false, nullptr);
}

bool Client::WaitForClose(std::chrono::milliseconds wait) {
  if (!impl_->stream) return true;
  if (impl_->buffer.size() > 0) return false;  // unread response bytes
  error_code ec;
  std::array<char, 4096> scratch;
  impl_->ioc.restart();
  impl_->stream->expires_after(wait);
  bool got_data = false;
  impl_->stream->async_read_some(asio::buffer(scratch), [&](const error_code& e, size_t n) {
    ec = e;
    got_data = n > 0;
  });
  impl_->ioc.run();
  if (got_data) return false;
  const bool closed = ec == asio::error::eof || ec == asio::error::connection_reset;
  impl_->Close();
  return closed;
}

bool Client::Connect(std::string* error) { return impl_->Connect(error); }
void Client::Close() { impl_->Close(); }
bool Client::connected() const { return impl_->stream.has_value(); }
int Client::connects() const { return impl_->connects; }

}  // namespace centinela::http
