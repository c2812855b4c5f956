#pragma once
#include <memory>
#include <string>

#include "store/store.h"

namespace centinela::store {

//! SQLite backend: WAL mode; one writer thread that group-commits queued WriteFns in one
//! transaction (a savepoint each) with synchronous=FULL, so the commit is fsynced before any
//! completion runs; a pool of read-only connections for Query/ReadEvents.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& options);

}  // namespace centinela::store
