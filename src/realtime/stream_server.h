#pragma once
// The live-stream endpoints over the Hub: GET /api/v1/stream (WebSocket) and
// GET /api/v1/stream/sse (Server-Sent Events). Beast-free header; the sessions live in
// stream_server.cc. docs/stream.md describes the protocol.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/metrics.h"
#include "common/status.h"
#include "http/message.h"
#include "realtime/audience.h"
#include "realtime/hub.h"

namespace centinela::http {
class Upgrader;
}  // namespace centinela::http

namespace centinela::realtime {

struct StreamOptions {
  size_t max_queue = 1024;            //!< stream.max_queue: messages queued per session
  int ping_interval_ms = 20'000;      //!< stream.ping_interval_ms: WebSocket ping / SSE comment
  int idle_timeout_ms = 60'000;       //!< stream.idle_timeout_ms: WebSocket closed (4001) when
                                      //!< nothing (not even a pong) arrives for this long
  int write_timeout_ms = 10'000;      //!< stream.write_timeout_ms: a write stuck this long ends
                                      //!< the session (the client resumes with since)
  int send_buffer_bytes = 0;          //!< stream.send_buffer_bytes: SO_SNDBUF, 0 = kernel's
  size_t max_client_message_bytes = 4096;
  size_t max_write_bytes = 256 * 1024;  //!< most bytes coalesced into one socket write
};

//! Resolves the caller of a stream request to a subscriber: the bearer token of the
//! Authorization header or, when that is absent, `protocol_token` (the token a browser sent
//! as a Sec-WebSocket-Protocol value; empty for SSE). kUnauthenticated (401) when missing or
//! invalid.
using Authenticator =
    std::function<Result<SubscriberInfo>(const http::Request& req, const std::string& protocol_token)>;

//! Owns the two upgraders the routes point to. Thread-safe. Must outlive the http server.
class StreamServer {
 public:
  StreamServer(Hub& hub, StreamOptions options, Authenticator authenticate, Metrics& metrics);
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  http::Upgrader* websocket();
  http::Upgrader* sse();
  Hub& hub();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::realtime
