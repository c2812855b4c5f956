#pragma once
#include <memory>
#include <string>

#include "store/store.h"

namespace centinela::store {

//! PostgreSQL backend (libpq): one writer connection that group-commits queued WriteFns in
//! one transaction (a savepoint each; the event_head row is locked FOR UPDATE so several
//! nodes keep one gap-free chain), synchronous_commit on; a pool of reader connections.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const StoreOptions& options);

}  // namespace centinela::store
