#pragma once
// An Env (common/env.h) that fails the fsyncs a test chooses, as a failing disk would: every
// sync of a path containing the armed fragment answers an I/O error without syncing, until
// the test disarms it. Counts every sync it sees, so a test can also prove the seam is used.
// Thread-safe: the store's writer thread and the media worker call it.

#include <string>
#include <string_view>

#include "common/env.h"
#include "common/mutex.h"

namespace centinela::test {

class FaultyEnv final : public Env {
 public:
  Status Sync(std::string_view path, const std::function<Status()>& sync) override {
    {
      MutexLock lock(mu_);
      ++syncs_;
      if (!fragment_.empty() && path.find(fragment_) != std::string_view::npos) {
        ++failed_;
        return Internal("injected fsync failure on " + std::string(path));
      }
    }
    return sync();
  }

  //! Every later sync of a path containing `fragment` fails ("" disarms).
  void FailSyncsOf(std::string fragment) {
    MutexLock lock(mu_);
    fragment_ = std::move(fragment);
  }
  int syncs() {
    MutexLock lock(mu_);
    return syncs_;
  }
  int failed() {
    MutexLock lock(mu_);
    return failed_;
  }

 private:
  Mutex mu_;
  std::string fragment_ GUARDED_BY(mu_);
  int syncs_ GUARDED_BY(mu_) = 0;
  int failed_ GUARDED_BY(mu_) = 0;
};

}  // namespace centinela::test
