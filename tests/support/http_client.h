#pragma once
// A small blocking HTTP/1.1 client for tests (unit and integration): keep-alive reuse,
// a timeout on every exchange, and raw bytes for malformed or hand-framed requests.
// Not thread-safe: use one client per thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace centinela::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

//! One response, or the transport error that prevented it.
struct HttpResult {
  int status = 0;      //!< 0 when no complete response arrived (see error)
  std::string error;   //!< empty on success
  HeaderList headers;  //!< names in lower case, in arrival order
  std::string body;
  bool keep_alive = false;  //!< the server left the connection open

  //! Header value by case-insensitive name, or empty.
  std::string Header(std::string_view name) const;
  bool ok() const { return status != 0; }
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  //! Sends one request on the open connection (connecting first if needed) and reads the
  //! response. Adds Host, and Content-Type: application/json when there is a body and the
  //! caller gave none. If a reused keep-alive connection turns out closed before any
  //! response byte, reconnects and retries once.
  HttpResult Request(std::string_view method, std::string_view target, std::string_view body = {},
                     const HeaderList& headers = {});
  //! Writes `bytes` as they are and reads one response (written and read concurrently,
  //! so a server that answers before reading everything is seen).
  HttpResult SendRaw(std::string_view bytes);
  //! Reads one more response on the current connection (after pipelined SendRaw).
  HttpResult ReadResponse();
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

}  // namespace centinela::test
