#pragma once
// Login throttling: failed attempts per key (account, IP) within a window; past the limit
// the key is locked out for an exponentially growing time. Pure over a Clock; thread-safe.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace centinela::auth {

struct ThrottleOptions {
  int max_failures_per_account = 5;   //!< within window_ms
  int max_failures_per_ip = 20;       //!< within window_ms
  int64_t window_ms = 15 * 60 * 1000;
  int64_t base_lockout_ms = 60 * 1000;  //!< doubles each further lockout, capped at 1 h
  size_t max_keys = 100'000;            //!< bound on memory; oldest keys evicted
};

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, ThrottleOptions options);
  //! Seconds the caller must wait (0 = may try now) for this account and IP.
  int64_t RetryAfterSeconds(const std::string& account, const std::string& ip);
  void RecordFailure(const std::string& account, const std::string& ip);
  void RecordSuccess(const std::string& account, const std::string& ip);

 private:
  struct Entry {
    int failures = 0;
    int64_t window_start_ms = 0;
    int64_t locked_until_ms = 0;
    int lockouts = 0;
  };
  int64_t Wait(const std::string& key, int64_t now);
  void Fail(const std::string& key, int limit, int64_t now);

  const Clock& clock_;
  ThrottleOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace centinela::auth
