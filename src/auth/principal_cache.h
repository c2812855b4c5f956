#pragma once
// The in-memory map from token hash to resolved principal that lets Authenticate answer
// most requests without the store (private to src/auth).
//
// Thread-safe. Lookups take a shared lock; changes take it exclusively. A lookup that
// misses reads the store without the lock and offers its result back with Put; Put drops
// the offer if the user (or the token) changed after the miss began, so a slow read can
// never put back a principal that a logout, grant or profile update just replaced.

#include <atomic>
#include <cstdint>
#include <deque>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auth/roles.h"
#include "common/mutex.h"

namespace centinela::auth {

class PrincipalCache {
 public:
  //! How many changes Put can look back over; older misses are not cached.
  static constexpr size_t kChangeLog = 256;

  explicit PrincipalCache(size_t max_entries);

  //! Copies the principal for `key` into *out when its entry is still valid at `now_ms`.
  bool Get(const std::string& key, int64_t now_ms, Principal* out) const;
  //! Marks the start of a miss: pass the value to Put.
  uint64_t Epoch() const { return epoch_.load(std::memory_order_acquire); }
  //! Caches `p` under `key` until `valid_until_ms`, unless its user or key changed since
  //! `epoch`. Makes room (expired first, then arbitrary entries) when full.
  void Put(const std::string& key, Principal p, int64_t valid_until_ms, uint64_t epoch,
           int64_t now_ms);
  //! Forgets one token (logout).
  void EraseKey(const std::string& key);
  //! Forgets every token of a user (grants changed, account disabled).
  void InvalidateUser(const std::string& user_id);
  //! Applies a committed profile change to every cached token of the user.
  void UpdateProfile(const std::string& user_id, const std::optional<std::string>& display_name,
                     const std::optional<std::string>& locale);

  size_t size() const;

 private:
  struct Entry {
    Principal principal;
    int64_t valid_until_ms = 0;
  };
  using Map = std::unordered_map<std::string, Entry>;

  void NoteChangeLocked(const std::string& what) REQUIRES(mu_);
  bool ChangedSinceLocked(uint64_t epoch, const std::string& user_id, const std::string& key) const
      REQUIRES_SHARED(mu_);
  Map::iterator EraseLocked(Map::iterator it) REQUIRES(mu_);
  void MakeRoomLocked(int64_t now_ms) REQUIRES(mu_);

  const size_t max_entries_;
  mutable SharedMutex mu_;
  Map entries_ GUARDED_BY(mu_);
  std::unordered_map<std::string, std::vector<std::string>> keys_by_user_ GUARDED_BY(mu_);
  std::deque<std::pair<uint64_t, std::string>> changes_ GUARDED_BY(mu_);  // (epoch, user id or key)
  std::atomic<uint64_t> epoch_{0};  // written under mu_; bumped by every change
};

}  // namespace centinela::auth
