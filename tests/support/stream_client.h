#pragma once
// Live-stream clients for integration tests and benchmarks: a WebSocket client (Beast) and
// a Server-Sent Events client, each reading on its own thread into a queue the test pops
// with a timeout. The WebSocket client can stop reading (a slow consumer) and resume.
// One Beast translation unit (stream_client.cc); this header is Beast-free.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace centinela::test {

struct StreamConnectOptions {
  std::string token;
  bool token_in_protocol = false;  //!< send "centinela.v1, <token>" as Sec-WebSocket-Protocol
  std::optional<int64_t> since;
  int receive_buffer_bytes = 0;  //!< SO_RCVBUF before connecting (0 = kernel default)
  std::string last_event_id;     //!< SSE: Last-Event-ID header
  std::string extra_query;       //!< appended to the target ("lat=..&lon=..")
};

//! One received message: the text, and when it arrived.
struct StreamMessage {
  std::string text;
  std::chrono::steady_clock::time_point at;
  int64_t sse_id = 0;  //!< SSE "id:" (0 when absent)
};

class WsStreamClient {
 public:
  explicit WsStreamClient(uint16_t port);
  ~WsStreamClient();
  WsStreamClient(const WsStreamClient&) = delete;
  WsStreamClient& operator=(const WsStreamClient&) = delete;

  //! Connects and upgrades; false with *error, and *http_status when the server answered
  //! the upgrade with an HTTP error (401, 429, ...).
  bool Connect(const StreamConnectOptions& o, std::string* error = nullptr, int* http_status = nullptr);
  //! The selected Sec-WebSocket-Protocol of the handshake answer.
  std::string protocol() const;
  //! Pops the next message, waiting up to `wait`.
  std::optional<StreamMessage> Next(std::chrono::milliseconds wait);
  //! Sends a text message.
  void Send(const std::string& text);
  //! Stops / resumes issuing reads (the kernel buffers fill, the server's queue grows).
  void PauseReading();
  void ResumeReading();
  //! True once the connection is closed; close_code() is the server's close frame code
  //! (0 when the connection ended without one).
  bool WaitClosed(std::chrono::milliseconds wait);
  int close_code() const;
  //! Normal close (1000) and join.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class SseStreamClient {
 public:
  explicit SseStreamClient(uint16_t port);
  ~SseStreamClient();
  SseStreamClient(const SseStreamClient&) = delete;
  SseStreamClient& operator=(const SseStreamClient&) = delete;

  //! GET /api/v1/stream/sse with Authorization; false with *http_status on an HTTP error.
  bool Connect(const StreamConnectOptions& o, std::string* error = nullptr, int* http_status = nullptr);
  //! The next event's data (with its id), waiting up to `wait`; comments are skipped.
  std::optional<StreamMessage> Next(std::chrono::milliseconds wait);
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::test
