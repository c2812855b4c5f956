#pragma once
// A SQLite VFS that wraps the default one and sends every xSync of its files through an Env
// (common/env.h), so a test can make an fsync of the database or its WAL fail and watch the
// store answer the write with an error. Only registered for stores opened with an Env other
// than Env::Default(): production connections use SQLite's own VFS directly.

#include <memory>
#include <string>

#include "common/env.h"
#include "common/status.h"

namespace centinela::store::sqlite {

//! One registration of the wrapping VFS, under a name of its own. Unregisters on
//! destruction: destroy it only after every connection opened with Name() is closed.
class EnvVfs {
 public:
  static Result<std::unique_ptr<EnvVfs>> Register(Env* env);
  ~EnvVfs();
  EnvVfs(const EnvVfs&) = delete;
  EnvVfs& operator=(const EnvVfs&) = delete;

  //! The name to pass to sqlite3_open_v2.
  const char* Name() const { return name_.c_str(); }

  struct Impl;

 private:
  explicit EnvVfs(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string name_;
};

}  // namespace centinela::store::sqlite
