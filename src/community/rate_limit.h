#pragma once
// Per-user sliding-window rate limit (a minute and a day window), shared by reports and
// comments. Reservations are taken before a write and given back when it created nothing.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/mutex.h"

namespace centinela::community {

//! Thread-safe. Keeps one timestamp per reservation younger than a day; users whose
//! window emptied are dropped once more than 100,000 are tracked.
class RateLimiter {
 public:
  //! A limit of 0 (or less) disables that window. `clock` must outlive the limiter.
  RateLimiter(int max_per_minute, int max_per_day, const Clock& clock)
      : max_per_minute_(max_per_minute), max_per_day_(max_per_day), clock_(clock) {}

  //! Reserves one action of the user's budget; nullopt when allowed, else the seconds to
  //! wait (≥ 1), for a Retry-After header.
  std::optional<int> Reserve(const std::string& user_id);
  //! Gives the latest reservation back (the request created nothing).
  void Release(const std::string& user_id);

 private:
  const int max_per_minute_;
  const int max_per_day_;
  const Clock& clock_;
  Mutex mu_;
  std::unordered_map<std::string, std::deque<int64_t>> reserved_ GUARDED_BY(mu_);
};

}  // namespace centinela::community
