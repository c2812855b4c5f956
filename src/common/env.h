#pragma once
// The seam where Centinela's durable data meets the disk. Every fsync of a durable file goes
// through an Env: the media files and their directories (media/media.cc), and, when a store
// is opened with an Env other than the default, SQLite's database and WAL (through a VFS that
// forwards every xSync here, see store/sqlite/env_vfs.h). Production uses Env::Default(),
// which just runs the real call; a test passes an Env that fails chosen syncs, as a failing
// disk would, and proves the write is answered with an error and never acknowledged.

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace centinela {

class Env {
 public:
  virtual ~Env() = default;

  //! Makes the data written to `path` durable by running `sync` (fsync(2), or SQLite's own
  //! xSync) and answers its result. The default runs `sync` and nothing else.
  virtual Status Sync(std::string_view path, const std::function<Status()>& sync);

  //! The process-wide Env that touches the real disk. Never null, never destroyed.
  static Env* Default();
};

}  // namespace centinela
