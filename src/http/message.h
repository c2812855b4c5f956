#pragma once
// Plain HTTP request/response values that api/ handlers see. No Beast or Asio here, so
// handler files compile fast; src/http/server.cc converts to and from Beast messages.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace centinela::http {

struct Request {
  std::string method;   //!< "GET", "POST", ... (upper case)
  std::string target;   //!< raw request target, "/api/v1/areas?kind=precinct"
  std::string path;     //!< decoded path without the query, "/api/v1/areas"
  std::map<std::string, std::string> query;        //!< decoded query parameters
  std::map<std::string, std::string> path_params;  //!< filled by the router: {code} -> "13130"
  std::vector<std::pair<std::string, std::string>> headers;  //!< names in lower case
  std::string body;
  std::string remote_ip;
  std::string route;    //!< the matched route pattern, for metrics and logs
  std::string request_id;  //!< set by the server; sent back as X-Request-Id and logged

  //! Header value by case-insensitive name, or empty.
  std::string_view Header(std::string_view name) const;
  //! Query parameter or fallback.
  std::string Query(const std::string& name, const std::string& fallback = {}) const;
  //! Path parameter or empty.
  std::string Param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  //!< extra headers
  //! Never sent: what a 5xx answer hides from the client (store or system error text). The
  //! server logs it with the request id and puts the id in the envelope instead.
  std::string log_detail;

  //! 2xx JSON response with an already serialised body.
  static Response Json(int status, std::string body);
  //! The one error envelope: {"error":{"code":"<CodeName>","message":"..."}} with the
  //! HTTP status of the code. kRateLimited callers add Retry-After themselves. For 5xx codes
  //! the message is fixed ("internal error", "service unavailable; retry shortly") and the
  //! status's own message goes to log_detail: internal text never reaches a client.
  static Response Error(const Status& status);
  static Response Error(Code code, std::string message) { return Error(Status(code, std::move(message))); }
  static Response Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
};

//! Completes a request. May be called from any thread, exactly once.
using Reply = std::function<void(Response)>;
//! A route's handler. It must call `reply` exactly once, now or later (e.g. after a
//! durable commit). Exceptions escaping a handler become a 500 envelope in one place.
using Handler = std::function<void(Request&, Reply)>;

//! JSON string literal for s (quotes included, escaped).
std::string JsonQuote(std::string_view s);

}  // namespace centinela::http
