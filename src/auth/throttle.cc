#include "auth/throttle.h"

#include <algorithm>
#include <vector>

namespace centinela::auth {

namespace {

// Pair, account and IP keys share one map; the prefixes keep an account named like an IP
// apart, and '\n' (never in a normalised login) separates a pair's two halves.
constexpr std::string_view kPairPrefix = "p:";
constexpr std::string_view kAccountPrefix = "a:";
constexpr std::string_view kIpPrefix = "i:";

std::string Key(std::string_view prefix, const std::string& value) {
  std::string k;
  k.reserve(prefix.size() + value.size());
  k.append(prefix).append(value);
  return k;
}

std::string PairKey(const std::string& account, const std::string& ip) {
  return Key(kPairPrefix, account + "\n" + ip);
}

int64_t CeilSeconds(int64_t ms) { return ms <= 0 ? 0 : (ms + 999) / 1000; }

}  // namespace

LoginThrottle::LoginThrottle(const Clock& clock, ThrottleOptions options)
    : clock_(clock), options_(options) {
  options_.max_failures_per_account = std::max(1, options_.max_failures_per_account);
  options_.max_failures_per_ip = std::max(1, options_.max_failures_per_ip);
  options_.max_failures_per_account_all_addresses =
      std::max(1, options_.max_failures_per_account_all_addresses);
  options_.window_ms = std::max<int64_t>(1, options_.window_ms);
  options_.base_lockout_ms = std::clamp<int64_t>(options_.base_lockout_ms, 1, kMaxLockoutMs);
  options_.max_keys = std::max<size_t>(2, options_.max_keys);
}

int64_t LoginThrottle::RetryAfterSeconds(const std::string& account, const std::string& ip) {
  const int64_t now = clock_.NowMs();
  MutexLock lock(mu_);
  int64_t wait = 0;
  if (!account.empty()) wait = std::max(wait, Wait(PairKey(account, ip), now));
  if (!ip.empty()) {
    const std::string ip_key = Key(kIpPrefix, ip);
    wait = std::max(wait, Wait(ip_key, now));
    // A distributed guesser: the account is hot, and this address has failed lately.
    if (!account.empty() && RecentlyFailed(ip_key, now))
      wait = std::max(wait, Wait(Key(kAccountPrefix, account), now));
  }
  return CeilSeconds(wait);
}

void LoginThrottle::RecordFailure(const std::string& account, const std::string& ip) {
  const int64_t now = clock_.NowMs();
  MutexLock lock(mu_);
  if (!account.empty()) {
    Fail(PairKey(account, ip), options_.max_failures_per_account, now);
    Fail(Key(kAccountPrefix, account), options_.max_failures_per_account_all_addresses, now);
  }
  if (!ip.empty()) Fail(Key(kIpPrefix, ip), options_.max_failures_per_ip, now);
}

void LoginThrottle::RecordSuccess(const std::string& account, const std::string& ip) {
  MutexLock lock(mu_);
  if (!account.empty()) entries_.erase(PairKey(account, ip));
}

// An entry is stale, and may be forgotten with its lockout history, once it is neither
// locked nor inside a failure window, and a whole window has passed since its last lockout
// ended. A new burst of failures sooner than that doubles the next lockout.
static bool Stale(int64_t now, int64_t window_ms, int64_t window_start_ms, int64_t locked_until_ms) {
  return now >= window_start_ms + window_ms && now >= locked_until_ms + window_ms;
}

int64_t LoginThrottle::Wait(const std::string& key, int64_t now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  return std::max<int64_t>(0, it->second.locked_until_ms - now);
}

// The address failed within the current window, or is backing off.
bool LoginThrottle::RecentlyFailed(const std::string& key, int64_t now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  const Entry& e = it->second;
  return e.locked_until_ms > now || (e.failures > 0 && now - e.window_start_ms < options_.window_ms);
}

void LoginThrottle::Fail(const std::string& key, int limit, int64_t now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_keys) {
      // Sweep what may be forgotten; if that is not enough, drop the least recently
      // active tenth so the sweep is paid for rarely.
      for (auto e = entries_.begin(); e != entries_.end();) {
        if (Stale(now, options_.window_ms, e->second.window_start_ms, e->second.locked_until_ms))
          e = entries_.erase(e);
        else
          ++e;
      }
      if (entries_.size() >= options_.max_keys) {
        std::vector<int64_t> activity;
        activity.reserve(entries_.size());
        for (const auto& [k, e] : entries_)
          activity.push_back(std::max(e.window_start_ms, e.locked_until_ms));
        const size_t drop = std::max<size_t>(1, entries_.size() / 10);
        std::nth_element(activity.begin(), activity.begin() + static_cast<ptrdiff_t>(drop - 1),
                         activity.end());
        const int64_t cutoff = activity[drop - 1];
        size_t dropped = 0;
        for (auto e = entries_.begin(); e != entries_.end() && dropped < drop;) {
          if (std::max(e->second.window_start_ms, e->second.locked_until_ms) <= cutoff) {
            e = entries_.erase(e);
            ++dropped;
          } else {
            ++e;
          }
        }
      }
    }
    it = entries_.emplace(key, Entry{0, now, 0, 0}).first;
  }
  Entry& e = it->second;
  if (Stale(now, options_.window_ms, e.window_start_ms, e.locked_until_ms)) e = Entry{0, now, 0, 0};
  if (e.locked_until_ms > now) return;  // already locked: attempts are refused, not counted
  if (now - e.window_start_ms >= options_.window_ms) {
    e.failures = 0;
    e.window_start_ms = now;
  }
  if (++e.failures < limit) return;
  ++e.lockouts;
  int64_t lockout = options_.base_lockout_ms;
  for (int i = 1; i < e.lockouts && lockout < kMaxLockoutMs; ++i) lockout *= 2;
  e.locked_until_ms = now + std::min(lockout, kMaxLockoutMs);
  e.failures = 0;
  e.window_start_ms = now;
}

}  // namespace centinela::auth
