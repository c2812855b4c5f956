#include "auth/principal_cache.h"

#include <algorithm>
#include <mutex>

namespace centinela::auth {

PrincipalCache::PrincipalCache(size_t max_entries) : max_entries_(std::max<size_t>(1, max_entries)) {}

bool PrincipalCache::Get(const std::string& key, int64_t now_ms, Principal* out) const {
  ReaderLock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.valid_until_ms <= now_ms) return false;
  *out = it->second.principal;
  return true;
}

void PrincipalCache::Put(const std::string& key, Principal p, int64_t valid_until_ms,
                         uint64_t epoch, int64_t now_ms) {
  if (valid_until_ms <= now_ms) return;
  WriterLock lock(mu_);
  if (ChangedSinceLocked(epoch, p.user_id, key)) return;
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    it->second = Entry{std::move(p), valid_until_ms};
    return;
  }
  if (entries_.size() >= max_entries_) MakeRoomLocked(now_ms);
  keys_by_user_[p.user_id].push_back(key);
  entries_.emplace(key, Entry{std::move(p), valid_until_ms});
}

void PrincipalCache::EraseKey(const std::string& key) {
  WriterLock lock(mu_);
  NoteChangeLocked(key);
  auto it = entries_.find(key);
  if (it != entries_.end()) EraseLocked(it);
}

void PrincipalCache::InvalidateUser(const std::string& user_id) {
  WriterLock lock(mu_);
  NoteChangeLocked(user_id);
  auto u = keys_by_user_.find(user_id);
  if (u == keys_by_user_.end()) return;
  std::vector<std::string> keys = std::move(u->second);
  keys_by_user_.erase(u);
  for (const std::string& k : keys) entries_.erase(k);
}

void PrincipalCache::UpdateProfile(const std::string& user_id,
                                   const std::optional<std::string>& display_name,
                                   const std::optional<std::string>& locale) {
  WriterLock lock(mu_);
  NoteChangeLocked(user_id);
  auto u = keys_by_user_.find(user_id);
  if (u == keys_by_user_.end()) return;
  for (const std::string& k : u->second) {
    auto it = entries_.find(k);
    if (it == entries_.end()) continue;
    if (display_name) it->second.principal.display_name = *display_name;
    if (locale) it->second.principal.locale = *locale;
  }
}

size_t PrincipalCache::size() const {
  ReaderLock lock(mu_);
  return entries_.size();
}

void PrincipalCache::NoteChangeLocked(const std::string& what) {
  const uint64_t e = epoch_.load(std::memory_order_relaxed) + 1;
  epoch_.store(e, std::memory_order_release);
  changes_.emplace_back(e, what);
  if (changes_.size() > kChangeLog) changes_.pop_front();
}

bool PrincipalCache::ChangedSinceLocked(uint64_t epoch, const std::string& user_id,
                                        const std::string& key) const {
  if (epoch_.load(std::memory_order_relaxed) == epoch) return false;
  // Changes epoch+1 .. now must all still be in the log to prove none concerns us.
  if (changes_.empty() || changes_.front().first > epoch + 1) return true;
  for (auto it = changes_.rbegin(); it != changes_.rend() && it->first > epoch; ++it)
    if (it->second == user_id || it->second == key) return true;
  return false;
}

PrincipalCache::Map::iterator PrincipalCache::EraseLocked(Map::iterator it) {
  auto u = keys_by_user_.find(it->second.principal.user_id);
  if (u != keys_by_user_.end()) {
    auto& keys = u->second;
    keys.erase(std::remove(keys.begin(), keys.end(), it->first), keys.end());
    if (keys.empty()) keys_by_user_.erase(u);
  }
  return entries_.erase(it);
}

void PrincipalCache::MakeRoomLocked(int64_t now_ms) {
  for (auto it = entries_.begin(); it != entries_.end();)
    it = it->second.valid_until_ms <= now_ms ? EraseLocked(it) : std::next(it);
  // Still full of live entries: drop an arbitrary tenth; they are re-read on next use.
  size_t drop = entries_.size() >= max_entries_ ? std::max<size_t>(1, max_entries_ / 10) : 0;
  for (auto it = entries_.begin(); it != entries_.end() && drop > 0; --drop) it = EraseLocked(it);
}

}  // namespace centinela::auth
