#include "store/sqlite/env_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string_view>

namespace centinela::store::sqlite {

struct EnvVfs::Impl {
  sqlite3_vfs vfs{};  // vfs.pAppData points back here
  sqlite3_vfs* base = nullptr;
  Env* env = nullptr;
  std::string name;
};

namespace {

//! Our file object: SQLite allocates szOsFile bytes for it; the wrapped VFS's own file
//! object lives right after this header.
struct EnvFile {
  sqlite3_file header;  // pMethods = our forwarding table
  sqlite3_file* real;
  EnvVfs::Impl* owner;
  const char* path;  // SQLite keeps the name valid until xClose (null for temp files)
};

EnvVfs::Impl* Owner(sqlite3_vfs* vfs) { return static_cast<EnvVfs::Impl*>(vfs->pAppData); }
sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<EnvFile*>(f)->real; }
const sqlite3_io_methods* RealMethods(sqlite3_file* f) { return Real(f)->pMethods; }

// ----- file methods: forward to the wrapped file, except xSync which asks the Env -----

int FileClose(sqlite3_file* f) {
  sqlite3_file* real = Real(f);
  return real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
}
int FileRead(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return RealMethods(f)->xRead(Real(f), buf, n, off);
}
int FileWrite(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return RealMethods(f)->xWrite(Real(f), buf, n, off);
}
int FileTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return RealMethods(f)->xTruncate(Real(f), size);
}
int FileSync(sqlite3_file* f, int flags) {
  auto* file = reinterpret_cast<EnvFile*>(f);
  int rc = SQLITE_OK;
  Status s = file->owner->env->Sync(file->path ? file->path : "", [&] {
    rc = RealMethods(f)->xSync(Real(f), flags);
    return rc == SQLITE_OK ? Status::Ok() : Internal("sqlite xSync failed");
  });
  if (s.ok()) return SQLITE_OK;
  return rc != SQLITE_OK ? rc : SQLITE_IOERR_FSYNC;
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return RealMethods(f)->xFileSize(Real(f), size);
}
int FileLock(sqlite3_file* f, int level) { return RealMethods(f)->xLock(Real(f), level); }
int FileUnlock(sqlite3_file* f, int level) { return RealMethods(f)->xUnlock(Real(f), level); }
int FileCheckReservedLock(sqlite3_file* f, int* out) {
  return RealMethods(f)->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return RealMethods(f)->xFileControl(Real(f), op, arg);
}
int FileSectorSize(sqlite3_file* f) { return RealMethods(f)->xSectorSize(Real(f)); }
int FileDeviceCharacteristics(sqlite3_file* f) {
  return RealMethods(f)->xDeviceCharacteristics(Real(f));
}
int FileShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return RealMethods(f)->xShmMap(Real(f), region, size, extend, out);
}
int FileShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return RealMethods(f)->xShmLock(Real(f), offset, n, flags);
}
void FileShmBarrier(sqlite3_file* f) { RealMethods(f)->xShmBarrier(Real(f)); }
int FileShmUnmap(sqlite3_file* f, int del) { return RealMethods(f)->xShmUnmap(Real(f), del); }
int FileFetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return RealMethods(f)->xFetch(Real(f), off, n, out);
}
int FileUnfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return RealMethods(f)->xUnfetch(Real(f), off, p);
}

// Version 1 has no shared memory (WAL needs it) and version 2 no memory mapping: the table
// a file gets matches the version of the wrapped file's own.
sqlite3_io_methods MakeMethods(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = FileClose;
  m.xRead = FileRead;
  m.xWrite = FileWrite;
  m.xTruncate = FileTruncate;
  m.xSync = FileSync;
  m.xFileSize = FileSize;
  m.xLock = FileLock;
  m.xUnlock = FileUnlock;
  m.xCheckReservedLock = FileCheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = FileSectorSize;
  m.xDeviceCharacteristics = FileDeviceCharacteristics;
  if (version >= 2) {
    m.xShmMap = FileShmMap;
    m.xShmLock = FileShmLock;
    m.xShmBarrier = FileShmBarrier;
    m.xShmUnmap = FileShmUnmap;
  }
  if (version >= 3) {
    m.xFetch = FileFetch;
    m.xUnfetch = FileUnfetch;
  }
  return m;
}

const sqlite3_io_methods kMethods[3] = {MakeMethods(1), MakeMethods(2), MakeMethods(3)};

// ----- VFS methods: xOpen wraps the file; everything else goes to the wrapped VFS -----

int VfsOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  EnvVfs::Impl* owner = Owner(vfs);
  auto* file = reinterpret_cast<EnvFile*>(f);
  file->header.pMethods = nullptr;
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->owner = owner;
  file->path = name;
  const int rc = owner->base->xOpen(owner->base, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK || file->real->pMethods == nullptr) return rc;
  const int version = std::clamp(file->real->pMethods->iVersion, 1, 3);
  file->header.pMethods = &kMethods[version - 1];
  return SQLITE_OK;
}
int VfsDelete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Owner(vfs)->base->xDelete(Owner(vfs)->base, name, sync_dir);
}
int VfsAccess(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Owner(vfs)->base->xAccess(Owner(vfs)->base, name, flags, out);
}
int VfsFullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Owner(vfs)->base->xFullPathname(Owner(vfs)->base, name, n, out);
}
void* VfsDlOpen(sqlite3_vfs* vfs, const char* name) {
  return Owner(vfs)->base->xDlOpen(Owner(vfs)->base, name);
}
void VfsDlError(sqlite3_vfs* vfs, int n, char* out) {
  Owner(vfs)->base->xDlError(Owner(vfs)->base, n, out);
}
void (*VfsDlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Owner(vfs)->base->xDlSym(Owner(vfs)->base, handle, symbol);
}
void VfsDlClose(sqlite3_vfs* vfs, void* handle) {
  Owner(vfs)->base->xDlClose(Owner(vfs)->base, handle);
}
int VfsRandomness(sqlite3_vfs* vfs, int n, char* out) {
  return Owner(vfs)->base->xRandomness(Owner(vfs)->base, n, out);
}
int VfsSleep(sqlite3_vfs* vfs, int micros) {
  return Owner(vfs)->base->xSleep(Owner(vfs)->base, micros);
}
int VfsCurrentTime(sqlite3_vfs* vfs, double* out) {
  return Owner(vfs)->base->xCurrentTime(Owner(vfs)->base, out);
}
int VfsGetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return Owner(vfs)->base->xGetLastError(Owner(vfs)->base, n, out);
}
int VfsCurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Owner(vfs)->base->xCurrentTimeInt64(Owner(vfs)->base, out);
}

std::atomic<int> vfs_counter{0};

}  // namespace

Result<std::unique_ptr<EnvVfs>> EnvVfs::Register(Env* env) {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) return Internal("sqlite: no default VFS");
  auto impl = std::make_unique<Impl>();
  impl->base = base;
  impl->env = env;
  impl->name = "centinela-env-" + std::to_string(++vfs_counter);
  sqlite3_vfs& v = impl->vfs;
  // Version 2 adds xCurrentTimeInt64; version 3's system-call hooks are left out (only
  // SQLite's own tests use them).
  v.iVersion = std::min(base->iVersion, 2);
  v.szOsFile = static_cast<int>(sizeof(EnvFile)) + base->szOsFile;
  v.mxPathname = base->mxPathname;
  v.zName = impl->name.c_str();
  v.pAppData = impl.get();
  v.xOpen = VfsOpen;
  v.xDelete = VfsDelete;
  v.xAccess = VfsAccess;
  v.xFullPathname = VfsFullPathname;
  v.xDlOpen = VfsDlOpen;
  v.xDlError = VfsDlError;
  v.xDlSym = VfsDlSym;
  v.xDlClose = VfsDlClose;
  v.xRandomness = VfsRandomness;
  v.xSleep = VfsSleep;
  v.xCurrentTime = VfsCurrentTime;
  v.xGetLastError = VfsGetLastError;
  if (v.iVersion >= 2) v.xCurrentTimeInt64 = VfsCurrentTimeInt64;
  if (sqlite3_vfs_register(&v, /*makeDflt=*/0) != SQLITE_OK)
    return Internal("sqlite: cannot register the Env VFS");
  return std::unique_ptr<EnvVfs>(new EnvVfs(std::move(impl)));
}

EnvVfs::EnvVfs(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), name_(impl_->name) {}

EnvVfs::~EnvVfs() { sqlite3_vfs_unregister(&impl_->vfs); }

}  // namespace centinela::store::sqlite
