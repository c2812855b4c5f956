#pragma once
// Errors as values across subsystem boundaries (see STYLE.md, habit 5).

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace centinela {

//! The kinds of failure a caller can act on; each maps to one HTTP status.
enum class Code {
  kOk = 0,
  kInvalidArgument,    // 400 bad_request: malformed input (bad JSON, bad parameter)
  kUnauthenticated,    // 401 unauthenticated
  kPermissionDenied,   // 403 forbidden
  kNotFound,           // 404 not_found
  kMethodNotAllowed,   // 405 method_not_allowed
  kConflict,           // 409 conflict
  kPayloadTooLarge,    // 413 payload_too_large
  kUnsupportedMedia,   // 415 unsupported_media_type
  kUnprocessable,      // 422 unprocessable: well-formed but semantically invalid
  kRateLimited,        // 429 rate_limited
  kInternal,           // 500 internal
  kUnavailable,        // 503 unavailable
};

//! HTTP status for a code (200 for kOk).
int HttpStatus(Code code);
//! Stable snake_case name used in the JSON error envelope ("not_found").
std::string_view CodeName(Code code);

//! A success or a failure with a human-readable message. Cheap to copy when ok.
class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
inline Status Unprocessable(std::string m) { return {Code::kUnprocessable, std::move(m)}; }
inline Status RateLimited(std::string m) { return {Code::kRateLimited, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }

//! A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Internal("Result built from an ok Status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace centinela
