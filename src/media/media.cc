#include "media/media.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/hash.h"
#include "community/membership.h"
#include "events/types.h"
#include "media/metadata.h"
#include "store/row_map.h"

namespace centinela::media {

namespace json = boost::json;

namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Internal(what + " " + path + ": " + std::strerror(errno));
}

//! fsync(2) of the open `fd` through the Env (common/env.h).
Status Fsync(Env& env, int fd, const std::string& path) {
  return env.Sync(path, [&] { return ::fsync(fd) == 0 ? Status::Ok() : Errno("cannot fsync", path); });
}

Status FsyncPath(Env& env, const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  Status s = Fsync(env, fd, path);
  ::close(fd);
  return s;
}

// Creates dir (and missing parents), fsyncing the parent of each directory it creates so
// the new entries survive a crash.
Status MakeDirsDurable(Env& env, const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.empty() || std::filesystem::exists(dir, ec)) return Status::Ok();
  if (ec) return Internal("cannot inspect " + dir.string() + ": " + ec.message());
  Status s = MakeDirsDurable(env, dir.parent_path());
  if (!s.ok()) return s;
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST)
    return Errno("cannot create", dir.string());
  return FsyncPath(env, dir.parent_path().string(), O_RDONLY | O_DIRECTORY);
}

Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::string> ReadWhole(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

const store::RowMap<MediaInfo> kInfoRow(
    "id, owner_id, content_type, bytes, sha256, stripped_sha256, created_ms",
    {&MediaInfo::id, &MediaInfo::owner_id, &MediaInfo::content_type, &MediaInfo::bytes,
     &MediaInfo::sha256, &MediaInfo::stripped_sha256, &MediaInfo::created_ms});

}  // namespace

MediaAccess ProofsOfResidenceFirst(store::Store& store, const areas::AreaService& areas,
                                   MediaAccess others) {
  return [&store, &areas, others = std::move(others)](const auth::Principal& p,
                                                      const std::string& media_id, bool* original) {
    static const std::vector<auth::Role> kReviewers = {auth::Role::kOperator, auth::Role::kAdmin};
    Result<std::vector<std::string>> rows = community::ProofMediaAreas(store, media_id);
    if (!rows.ok()) {
      spdlog::warn("media: proof check for {} failed: {}", media_id, rows.status().message());
      return false;
    }
    if (rows->empty()) return others && others(p, media_id, original);
    for (const std::string& area : *rows) {
      if (auth::Authorize(p, kReviewers, areas.Path(area))) {
        *original = true;
        return true;
      }
    }
    return false;
  };
}

MediaService::MediaService(store::Store& store, const Clock& clock, MediaOptions options,
                           MediaAccess access)
    : store_(store), clock_(clock), options_(std::move(options)), access_(std::move(access)) {
  worker_ = std::thread([this] { Run(); });
}

MediaService::~MediaService() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

Status MediaService::Open() {
  std::error_code ec;
  if (options_.dir.empty()) return InvalidArgument("media directory is not set");
  Status s = MakeDirsDurable(options_.env ? *options_.env : *Env::Default(),
                             std::filesystem::absolute(options_.dir, ec));
  if (!s.ok()) return Status(Code::kUnavailable, "media store: " + s.message());
  return Status::Ok();
}

size_t MediaService::MaxUploadBytes() const {
  return std::max({options_.max_image_bytes, options_.max_video_bytes, options_.max_audio_bytes});
}

std::string MediaService::PathFor(const std::string& sha256) const {
  return options_.dir + "/" + sha256.substr(0, 2) + "/" + sha256.substr(2, 2) + "/" + sha256;
}

void MediaService::Upload(std::string owner_id, std::string content_type, std::string body,
                          std::function<void(Result<MediaInfo>)> done) {
  if (body.empty())
    return done(Status(Code::kUnsupportedMedia, "empty body: send the file's bytes"));
  std::optional<SniffedType> type = Sniff(body);
  if (!type)
    return done(Status(Code::kUnsupportedMedia,
                       "unrecognised file type (accepted: JPEG, PNG, WebP, MP4, MP3, AAC)"));
  if (!ContentTypeAgrees(content_type, *type)) {
    return done(Status(Code::kUnsupportedMedia, "Content-Type '" + content_type +
                                                    "' does not match the file, which is " +
                                                    std::string(type->content_type)));
  }
  const size_t limit = type->kind == MediaKind::kImage   ? options_.max_image_bytes
                       : type->kind == MediaKind::kVideo ? options_.max_video_bytes
                                                         : options_.max_audio_bytes;
  if (body.size() > limit) {
    return done(Status(Code::kPayloadTooLarge, std::string(type->content_type) +
                                                   " files may have at most " +
                                                   std::to_string(limit) + " bytes"));
  }
  // Stripping and hashing (tens of milliseconds for a large file) happen on the worker,
  // not on the io thread that called us.
  Job job;
  job.info.id = NewId();
  job.info.owner_id = std::move(owner_id);
  job.info.content_type = std::string(type->content_type);
  job.info.bytes = static_cast<int64_t>(body.size());
  job.info.created_ms = clock_.NowMs();
  job.original = std::move(body);
  job.done = std::move(done);
  {
    MutexLock lock(mu_);
    if (!stopping_ && queue_.size() < options_.max_pending_uploads) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job.done(Unavailable("too many uploads in progress; retry shortly"));
}

void MediaService::Run() {
  for (;;) {
    Job job;
    {
      MutexLock lock(mu_);
      cv_.wait(lock.Native(), [this] {
        mu_.AssertHeld();
        return stopping_ || !queue_.empty();
      });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Process(std::move(job));
  }
}

void MediaService::Process(Job job) {
  Result<std::string> stripped = StripMetadata(job.info.content_type, job.original);
  if (!stripped.ok()) return job.done(stripped.status());
  if (*stripped != job.original) job.stripped = std::move(stripped).value();
  job.info.sha256 = Sha256Hex(job.original);
  if (!job.stripped.empty()) job.info.stripped_sha256 = Sha256Hex(job.stripped);

  Status s = WriteOnce(job.info.sha256, job.original);
  if (s.ok() && !job.stripped.empty()) s = WriteOnce(job.info.stripped_sha256, job.stripped);
  if (!s.ok()) {
    spdlog::error("media: storing upload {} failed: {}", job.info.id, s.message());
    return job.done(Unavailable("could not store the file; retry later"));
  }
  MediaInfo info = job.info;
  json::object payload{{"id", info.id},
                       {"content_type", info.content_type},
                       {"bytes", info.bytes},
                       {"sha256", info.sha256},
                       {"stripped", !info.stripped_sha256.empty()}};
  store::EventDraft event{events::type::kMediaUploaded, info.owner_id, "media:" + info.id,
                          events::scope::User(info.owner_id), json::serialize(payload)};
  store_.Write(
      [info, event = std::move(event)](store::Tx& tx) -> Status {
        Result<store::Rows> r = tx.Exec(
            "INSERT INTO media (id, owner_id, content_type, bytes, sha256, stripped_sha256, "
            "created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            {info.id, info.owner_id, info.content_type, info.bytes, info.sha256,
             info.stripped_sha256.empty() ? store::Value() : store::Value(info.stripped_sha256),
             info.created_ms});
        if (!r.ok()) return r.status();
        Result<store::Event> e = tx.Append(event);
        return e.ok() ? Status::Ok() : e.status();
      },
      [info, done = std::move(job.done)](Status st, std::vector<store::Event>) {
        if (!st.ok()) {
          spdlog::error("media: recording upload {} failed: {}", info.id, st.message());
          return done(st.code() == Code::kUnavailable ? st
                                                      : Unavailable("could not record the upload"));
        }
        done(info);
      });
}

Status MediaService::WriteOnce(const std::string& sha256, const std::string& data) {
  MutexLock lock(write_mu_);
  const std::string path = PathFor(sha256);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == data.size())
    return Status::Ok();  // the same bytes are already durable (content-addressed)
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  Env& env = options_.env ? *options_.env : *Env::Default();
  Status s = MakeDirsDurable(env, dir);
  if (!s.ok()) return s;
  const std::string tmp = dir.string() + "/.tmp-" + NewId();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Errno("cannot create", tmp);
  s = WriteAll(fd, data, tmp);
  if (s.ok()) s = Fsync(env, fd, tmp);
  if (::close(fd) != 0 && s.ok()) s = Errno("cannot close", tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = Errno("cannot rename to", path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncPath(env, dir.string(), O_RDONLY | O_DIRECTORY);
}

Result<MediaInfo> MediaService::Get(const std::string& id) {
  Result<store::Rows> r =
      store_.Query("SELECT " + kInfoRow.Select() + " FROM media WHERE id = $1", {id});
  if (!r.ok()) return r.status();
  if (r->empty()) return NotFound("no such media");
  return kInfoRow.Read(*r, 0);
}

Result<MediaContent> MediaService::Fetch(const auth::Principal& p, const std::string& id) {
  Result<MediaInfo> info = Get(id);
  if (!info.ok()) return info.status();
  bool original = info->owner_id == p.user_id;
  if (!original && !(access_ && access_(p, id, &original))) return NotFound("no such media");
  const std::string& hash =
      original || info->stripped_sha256.empty() ? info->sha256 : info->stripped_sha256;
  if (!IsHex64(hash)) return Internal("media " + id + " has a malformed hash");
  Result<std::string> data = ReadWhole(PathFor(hash));
  if (!data.ok()) {
    spdlog::error("media: {}", data.status().message());
    return Internal("media file missing");
  }
  MediaContent c;
  c.content_type = info->content_type;
  c.sha256 = hash;
  c.data = std::move(data).value();
  c.original = original;
  return c;
}

}  // namespace centinela::media
