#include "auth/grant_use.h"

namespace centinela::auth {

void GrantUseTracker::Note(const std::string& user_id, const Grant& grant, int64_t now_ms) {
  Key key{user_id, grant.role, grant.area_code};
  {
    ReaderLock lock(mu_);
    auto it = pending_.find(key);
    if (it != pending_.end() && now_ms - it->second < kGranularityMs) return;
  }
  WriterLock lock(mu_);
  auto [it, inserted] = pending_.try_emplace(key, now_ms);
  if (inserted) {
    if (pending_.size() > kMaxPending) pending_.erase(it);
    return;
  }
  if (now_ms > it->second) it->second = now_ms;
}

std::vector<GrantUseTracker::Use> GrantUseTracker::Take() {
  std::map<Key, int64_t> taken;
  {
    WriterLock lock(mu_);
    taken.swap(pending_);
  }
  std::vector<Use> out;
  out.reserve(taken.size());
  for (auto& [key, ms] : taken)
    out.push_back(Use{std::get<0>(key), Grant{std::get<1>(key), std::get<2>(key)}, ms});
  return out;
}

}  // namespace centinela::auth
