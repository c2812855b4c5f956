#pragma once
// The HTTP/1.1 server (Boost.Beast + Asio, C++20 coroutines). Its .cc is the only place
// besides src/realtime that includes Beast; everything else sees message.h and router.h.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "http/proxy.h"
#include "http/router.h"

namespace centinela::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;            //!< 0 picks a free port (see Server::port())
  int threads = 0;                 //!< io_context threads; 0 = one per core
  size_t max_body_bytes = 1 << 20; //!< larger bodies answer 413
  size_t max_header_bytes = 16 << 10;
  int read_timeout_ms = 30'000;    //!< whole request must arrive within this
  int idle_timeout_ms = 60'000;    //!< keep-alive connection with no request is closed
  int write_timeout_ms = 30'000;
  int drain_timeout_ms = 10'000;   //!< on Stop, wait this long for in-flight requests
  int handler_timeout_ms = 60'000; //!< a handler that has not replied by then gets a 503
  int max_connections = 10'000;    //!< accepted beyond this are answered 503 and closed
  //! Peers whose X-Forwarded-For is believed (Request::remote_ip); empty = none.
  std::vector<Cidr> trusted_proxies;
  //! Origins besides our own the web app may load images and data from (the basemap's tile
  //! server), added to the Content-Security-Policy every answer carries (security_headers.h).
  std::vector<std::string> csp_extra_origins;
};

//! Serves a Router. Thread-safe Start/Stop; handlers run on io threads and may reply from
//! any thread. A handler that replies later must copy what it needs from the Request
//! before returning: the Request lives only until the reply (or the handler deadline).
//! Stop() must not be called from a handler (it joins the io threads). Records http_requests_total{route,method,status} and
//! http_request_duration_seconds{route,method} in Metrics, and one JSON access-log line per
//! request (method, path without query, status, bytes, duration, ip) — never headers or
//! bodies, so tokens and passwords stay out of logs.
class Server {
 public:
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  //! Binds and starts the io threads; returns once listening (error if bind fails).
  Status Start();
  //! Actual bound port (after Start).
  uint16_t port() const;
  //! Graceful drain: stop accepting, let in-flight requests finish (up to drain timeout),
  //! close idle keep-alive connections, join threads. Idempotent.
  void Stop();
  //! Blocks until SIGINT or SIGTERM arrives (or Stop() is called from another thread),
  //! then returns; the caller then calls Stop().
  void WaitForSignal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::http
