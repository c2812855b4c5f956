#include "community/rate_limit.h"

#include <algorithm>
#include <iterator>

namespace centinela::community {

std::optional<int> RateLimiter::Reserve(const std::string& user_id) {
  constexpr int64_t kMinute = 60'000, kDay = 24 * 3600'000;
  const int64_t now = clock_.NowMs();
  MutexLock lock(mu_);
  std::deque<int64_t>& q = reserved_[user_id];
  while (!q.empty() && q.front() <= now - kDay) q.pop_front();
  if (max_per_day_ > 0 && static_cast<int>(q.size()) >= max_per_day_)
    return std::max(1, static_cast<int>((q.front() + kDay - now + 999) / 1000));
  if (max_per_minute_ > 0) {
    auto first_in_minute = std::upper_bound(q.begin(), q.end(), now - kMinute);
    if (q.end() - first_in_minute >= max_per_minute_)
      return std::max(1, static_cast<int>((*first_in_minute + kMinute - now + 999) / 1000));
  }
  q.push_back(now);
  // Bound the map: drop users whose window emptied (cheap, amortised over reservations).
  if (reserved_.size() > 100'000) {
    for (auto it = reserved_.begin(); it != reserved_.end();)
      it = (it->second.empty() || it->second.back() <= now - kDay) ? reserved_.erase(it)
                                                                   : std::next(it);
  }
  return std::nullopt;
}

void RateLimiter::Release(const std::string& user_id) {
  MutexLock lock(mu_);
  auto it = reserved_.find(user_id);
  if (it != reserved_.end() && !it->second.empty()) it->second.pop_back();
}

}  // namespace centinela::community
