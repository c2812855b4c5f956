#pragma once
// Beast-free pieces of the HTTP server, kept apart so they are unit-tested without a
// socket: request-target parsing, bounded metric labels, the access-log line.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/message.h"

namespace centinela::http::internal {

//! Fills req->path (percent-decoded, no query; "/" when empty) and req->query (decoded,
//! '+' as space, first occurrence of a key wins) from an origin-form ("/a?b=c") or
//! absolute-form ("http://host/a?b=c") target. InvalidArgument if it does not parse or
//! the decoded path holds a NUL.
Status ParseTarget(std::string_view target, Request* req);

//! The method as a metric label: the standard methods as they are, anything else
//! "OTHER", so a client cannot grow the series without bound.
std::string_view MethodLabel(std::string_view method);

//! ASCII case conversion.
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

//! True if a response header name/value is safe to send (a token name, no CR, LF or NUL
//! in the value), so a handler cannot split the response.
bool IsSafeHeader(std::string_view name, std::string_view value);

//! `body` (an error envelope from Response::Error) with "request_id" added to its error
//! object; any other body unchanged.
std::string WithRequestId(std::string body, std::string_view request_id);

//! One access-log record. The path never includes the query (it may carry secrets).
struct AccessEntry {
  int64_t time_ms = 0;
  std::string_view method;
  std::string_view path;
  std::string_view route;
  int status = 0;
  size_t bytes = 0;
  double duration_ms = 0;
  std::string_view ip;
  std::string_view request_id;
};
//! The record as one JSON line (no trailing newline).
std::string AccessLogLine(const AccessEntry& e);

}  // namespace centinela::http::internal
