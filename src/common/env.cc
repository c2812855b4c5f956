#include "common/env.h"

namespace centinela {

Status Env::Sync(std::string_view /*path*/, const std::function<Status()>& sync) {
  return sync();
}

Env* Env::Default() {
  static Env default_env;  // Env holds no state: destroying it at exit is harmless
  return &default_env;
}

}  // namespace centinela
