#pragma once
// The one blocking HTTP/1.1 client of the project (plain TCP, no TLS), shared by
// `centinela simulate`, the unit and integration tests and the benches: one keep-alive
// connection reused across requests, a timeout on every exchange, and raw bytes for
// malformed or hand-framed requests. Library `centinela_http_client`, apart from the server
// (`centinela_http`) so callers link it alone; Beast and Asio stay in client.cc.
// Not thread-safe: one client per thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace centinela::http {

//! Header fields as (name, value) pairs, in order.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

//! One response, or the transport error that prevented it.
struct ClientResult {
  int status = 0;      //!< 0 when no complete response arrived (see error)
  std::string error;   //!< empty on success
  HeaderList headers;  //!< names in lower case, in arrival order
  std::string body;
  bool keep_alive = false;  //!< the server left the connection open

  //! Header value by case-insensitive name, or empty.
  std::string Header(std::string_view name) const;
  //! A complete response arrived (any status).
  bool ok() const { return status != 0; }
};

//! A synchronous client of one host and port.
class Client {
 public:
  //! `timeout` bounds connecting and each exchange (write and read of one response).
  Client(std::string host, uint16_t port,
         std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  //! Sends one request on the open connection (connecting first if needed) and reads the
  //! response. Adds Host, and Content-Type: application/json when there is a body and the
  //! caller gave none; Content-Length when there is a body or the method is POST, PUT or
  //! PATCH. If a reused keep-alive connection turns out closed before any response byte,
  //! reconnects and retries once (nothing reached the server, so no write is repeated).
  ClientResult Request(std::string_view method, std::string_view target,
                       std::string_view body = {}, const HeaderList& headers = {});
  //! Writes `bytes` as they are and reads one response (written and read concurrently,
  //! so a server that answers before reading everything is seen).
  ClientResult SendRaw(std::string_view bytes);
  //! Reads one more response on the current connection (after pipelined SendRaw).
  ClientResult ReadResponse();
  //! True if the server closes the connection (EOF or reset) within `wait`.
  bool WaitForClose(std::chrono::milliseconds wait);

  //! Opens the connection now; false (with *error) if it cannot.
  bool Connect(std::string* error = nullptr);
  void Close();
  bool connected() const;
  //! TCP connections opened so far; keep-alive reuse keeps it at 1.
  int connects() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::http
