#include "store/store.h"

#include <future>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace centinela::store {

Status Store::WriteSync(WriteFn fn, std::vector<Event>* events) {
  std::promise<std::pair<Status, std::vector<Event>>> promise;
  auto future = promise.get_future();
  Write(std::move(fn), [&promise](Status s, std::vector<Event> evs) {
    promise.set_value({std::move(s), std::move(evs)});
  });
  auto [status, evs] = future.get();
  if (events) *events = std::move(evs);
  return status;
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    if (path.empty()) return InvalidArgument("sqlite URL needs a path: sqlite:PATH");
    return OpenSqliteStore(path, options);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return OpenPostgresStore(url, options);
  }
  return InvalidArgument("unknown database URL (want sqlite:PATH or postgresql://...): " +
                         url.substr(0, url.find(':')));
}

}  // namespace centinela::store
