#pragma once
// Login throttling that cannot be turned into a lock-out weapon. Failures are counted per
// (account, address) pair, per address and per account within a window; past a limit the
// key backs off for an exponentially growing time, capped at 15 minutes:
//  - a pair over its limit slows that account from that address only;
//  - an address over its limit (guessing at many accounts) is slowed for every account;
//  - an account over its limit across addresses (a distributed guesser) is slowed only
//    from addresses that have failed recently.
// So the owner's correct password from an address with no recent failures is never
// refused, whatever failures came from elsewhere. Pure over a Clock; thread-safe.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/mutex.h"

namespace centinela::auth {

struct ThrottleOptions {
  int max_failures_per_account = 5;   //!< one account from one address, within window_ms
  int max_failures_per_ip = 20;       //!< one address, any accounts, within window_ms
  //! One account from all addresses together, within window_ms (slows only failing ones).
  int max_failures_per_account_all_addresses = 20;
  int64_t window_ms = 15 * 60 * 1000;
  int64_t base_lockout_ms = 60 * 1000;  //!< doubles each further lockout, capped at 15 min
  size_t max_keys = 100'000;            //!< bound on memory; oldest keys evicted
};

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, ThrottleOptions options);
  //! Longest back-off ever imposed.
  static constexpr int64_t kMaxLockoutMs = 15LL * 60 * 1000;
  //! Seconds the caller must wait (0 = may try now) for this account from this address.
  int64_t RetryAfterSeconds(const std::string& account, const std::string& ip);
  void RecordFailure(const std::string& account, const std::string& ip);
  //! Forgives the (account, address) pair only: one good password must neither reopen an
  //! address that guesses at many accounts nor cool an account under distributed attack.
  void RecordSuccess(const std::string& account, const std::string& ip);

 private:
  struct Entry {
    int failures = 0;
    int64_t window_start_ms = 0;
    int64_t locked_until_ms = 0;
    int lockouts = 0;
  };
  int64_t Wait(const std::string& key, int64_t now) REQUIRES(mu_);
  bool RecentlyFailed(const std::string& key, int64_t now) REQUIRES(mu_);
  void Fail(const std::string& key, int limit, int64_t now) REQUIRES(mu_);

  const Clock& clock_;
  ThrottleOptions options_;
  Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ GUARDED_BY(mu_);
};

}  // namespace centinela::auth
