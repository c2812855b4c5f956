#pragma once
// Photos, videos and audio attached to reports: uploaded as a raw body, typed by their
// magic bytes, stored content-addressed on disk, and served only to who may see them.
//
// On disk: <dir>/ab/cd/<sha256 hex> (the first two byte pairs of the hash as directories),
// written to a temporary file, fsynced, renamed, and the directory fsynced, so a file is
// complete and durable before its row commits; identical bytes are stored once. A row in
// `media` has a random id (not the hash), so two people uploading the same photo each own
// their own media id. For JPEG, PNG and WebP, a second file holds the copy without Exif/XMP
// metadata (GPS position, camera serial; see metadata.h): that copy is what anyone but the
// uploader and staff get. MP4 and audio files are served as uploaded.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "areas/areas.h"
#include "auth/roles.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/mutex.h"
#include "common/status.h"
#include "media/sniff.h"
#include "store/store.h"

namespace centinela::media {

struct MediaOptions {
  std::string dir;                     //!< <data_dir>/media; created if missing
  size_t max_image_bytes = 10u << 20;  //!< JPEG, PNG, WebP (413 beyond)
  size_t max_video_bytes = 50u << 20;  //!< MP4
  size_t max_audio_bytes = 10u << 20;  //!< MP3, AAC
  size_t max_pending_uploads = 32;     //!< uploads waiting for the disk (503 beyond)
  Env* env = nullptr;                  //!< where the fsyncs go (common/env.h); null = real disk
};

//! A `media` row.
struct MediaInfo {
  std::string id;
  std::string owner_id;
  std::string content_type;
  int64_t bytes = 0;
  std::string sha256;           //!< of the original
  std::string stripped_sha256;  //!< of the copy without metadata; empty = same as original
  int64_t created_ms = 0;
};

//! What GET answers: the bytes of the copy the caller may have.
struct MediaContent {
  std::string content_type;
  std::string sha256;  //!< of `data` (the ETag)
  std::string data;
  bool original = false;
};

//! Decides whether `p` (not the owner: the owner always gets the original) may fetch media
//! `media_id`, and, when it may, whether it gets the original (*original = true) or the copy
//! without metadata. Called on an HTTP io thread; may read the store. The app wires the
//! report and timeline visibility rules in here (app/media_access.h).
using MediaAccess =
    std::function<bool(const auth::Principal& p, const std::string& media_id, bool* original)>;

//! Proof-of-residence media (the proof_media_id of a neighbourhood membership) is for the
//! reviewers only: operators and admins whose grant covers the membership's area get the
//! original; nobody else does, whatever report links it (`others` is not asked). Every other
//! media is decided by `others`. Reads memberships.proof_media_id.
MediaAccess ProofsOfResidenceFirst(store::Store& store, const areas::AreaService& areas,
                                   MediaAccess others);

//! Thread-safe. Upload checks type and size on the caller's thread; stripping, hashing and
//! the disk writes happen on one worker thread owned by the service (a bounded queue), then
//! the row is committed through the store. `done` runs on the store's writer thread, on the
//! worker (a file too malformed to strip, a disk error) or at once (type, size, full queue).
//! The destructor finishes queued uploads.
class MediaService {
 public:
  MediaService(store::Store& store, const Clock& clock, MediaOptions options, MediaAccess access);
  ~MediaService();
  MediaService(const MediaService&) = delete;
  MediaService& operator=(const MediaService&) = delete;

  //! Creates the media directory; call once before serving.
  Status Open();

  //! Largest body any upload may have (the route's body limit).
  size_t MaxUploadBytes() const;

  //! Stores `body` for `owner_id`: 415 when the type is unknown or `content_type` (the
  //! request header, may be empty) disagrees with it, 413 past the type's limit, 422 for an
  //! image too malformed to strip, 503 when the disk queue is full. On success the row and a
  //! "media.uploaded" event (scope user:<owner>, no content) are durable.
  void Upload(std::string owner_id, std::string content_type, std::string body,
              std::function<void(Result<MediaInfo>)> done);

  //! The row, or 404.
  Result<MediaInfo> Get(const std::string& id);

  //! The bytes `p` may fetch: the owner gets the original; others what the MediaAccess
  //! allows. 404 (never 403) when the caller may not see it, so existence is not revealed.
  Result<MediaContent> Fetch(const auth::Principal& p, const std::string& id);

  //! Where the file with this hash lives.
  std::string PathFor(const std::string& sha256) const;

 private:
  struct Job {
    MediaInfo info;
    std::string original;
    std::string stripped;  // empty when there is no separate copy
    std::function<void(Result<MediaInfo>)> done;
  };
  void Run();
  void Process(Job job);
  Status WriteOnce(const std::string& sha256, const std::string& data);

  store::Store& store_;
  const Clock& clock_;
  const MediaOptions options_;
  const MediaAccess access_;

  Mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  Mutex write_mu_;    // serialises writes of one hash (dedupe on the worker)
  std::thread worker_;
};

}  // namespace centinela::media
