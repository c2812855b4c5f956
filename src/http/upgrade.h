#pragma once
// Routes that take over their connection after the request (WebSocket upgrade, Server-Sent
// Events). This header carries Beast types: only src/http and src/realtime include it;
// route registration elsewhere sees just the forward declaration in router.h.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/message.h"

namespace centinela::http {

//! Serves whole connections. Thread-safe: Serve runs on many connections' strands at once.
class Upgrader {
 public:
  virtual ~Upgrader() = default;
  //! Owns the connection from the parsed request until it ends, on the connection's strand
  //! (the server closes the socket afterwards and does not read another request). `buffer`
  //! holds bytes that arrived after the request. The stream's timer may still be armed with
  //! the read timeout: reset it. Returns the HTTP status answered (101, 200, or an error
  //! status), for the access log and metrics.
  virtual boost::asio::awaitable<int> Serve(
      boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
      boost::beast::http::request<boost::beast::http::string_body> msg, Request req) = 0;
  //! The server is stopping: end every connection promptly (WebSocket close 1001) and
  //! refuse new ones. Called once per Server::Stop, from the stopping thread.
  virtual void Drain() = 0;
};

}  // namespace centinela::http
