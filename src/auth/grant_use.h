#pragma once
// When each grant was last exercised (a request authorised through it), kept in memory on
// the request path and written to grants.last_used_ms in batches, for `centinela access
// review`. Private to src/auth (Accounts owns one).
//
// Thread-safe. Note() is on the hot path: a shared lock and one map lookup when the grant was
// already noted within the current minute (the granularity kept), an exclusive lock otherwise.

#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <vector>

#include "auth/roles.h"
#include "common/mutex.h"

namespace centinela::auth {

class GrantUseTracker {
 public:
  //! Uses closer together than this are one use: the minute a grant was last used is enough
  //! for a 90-day review, and it keeps Note() to a read lock for busy staff.
  static constexpr int64_t kGranularityMs = 60'000;
  //! Bound on grants remembered between flushes; past it new ones are dropped until a flush
  //! (each staff member holds a handful of grants, so this is tens of thousands of staff).
  static constexpr size_t kMaxPending = 100'000;

  struct Use {
    std::string user_id;
    Grant grant;
    int64_t last_used_ms = 0;
  };

  //! Records that `user_id` was authorised through `grant` at `now_ms`.
  void Note(const std::string& user_id, const Grant& grant, int64_t now_ms);
  //! Takes the uses noted since the last Take (each grant once, with its latest time).
  std::vector<Use> Take();

 private:
  using Key = std::tuple<std::string, Role, std::string>;  // user, role, area
  mutable SharedMutex mu_;
  std::map<Key, int64_t> pending_ GUARDED_BY(mu_);  // noted since the last Take
};

}  // namespace centinela::auth
