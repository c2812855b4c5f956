#pragma once
// The Hub: the subscription index of this process's live-stream sessions and the fan-out
// of committed events to them. Beast-free: sessions are Sinks (stream_server.cc implements
// them over WebSocket and Server-Sent Events; tests use fakes).
//
//   Bus::Publish (store writer thread) ── OnCommit: push the batch, O(1) ──> queue
//   fan-out thread: for each event in seq order → PreparedEvent (audience + variants)
//       → candidates from the index (user, family, neighbourhood, staff area, near-me
//         R-tree, admins, all) → Match (community::Decide) → the variant's shared message
//         → Sink::Send (or the session's catch-up buffer)
//   replay threads: a resuming session's events after `since` from the log, then live.
//
// Resume without loss: Open() registers the session in catch-up mode under the hub lock
// and notes L = the last seq fanned out. Live matches of later events (seq > L) are
// buffered for it. A replay thread reads (since, L] from the log, delivers what the
// session may see, then, under the hub lock, delivers the buffer and marks the session
// live. Every seq is delivered once, in order, with no gap.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "common/status.h"
#include "realtime/audience.h"
#include "realtime/message.h"
#include "store/event.h"
#include "store/store.h"

namespace centinela::realtime {

//! Close codes of the stream (WebSocket close frames; SSE sends them in a "close" event).
inline constexpr uint16_t kCloseGoingAway = 1001;   //!< server shutting down
inline constexpr uint16_t kCloseIdle = 4001;        //!< no traffic within the idle timeout
inline constexpr uint16_t kCloseTooSlow = 4008;     //!< send queue past its bound; resume with since
inline constexpr uint16_t kCloseRevoked = 4003;     //!< the session's token was revoked (logout)

//! A session's outbound side. Implementations must be thread-safe and never block.
class Sink {
 public:
  virtual ~Sink() = default;
  //! Queues a message. False when the session is closed or just went past its queue bound
  //! (the sink then closes itself with kCloseTooSlow); the hub drops the session.
  virtual bool Send(MessagePtr m) = 0;
  //! Like Send, but the message may wait for Flush() before it is written (the fan-out
  //! thread queues every message of a chunk of events, then flushes each touched session
  //! once: one socket write for all of them). Default: Send.
  virtual bool Enqueue(MessagePtr m) { return Send(std::move(m)); }
  //! Writes what Enqueue queued. Called by the fan-out thread without the hub lock; never
  //! blocks (a session whose socket cannot take everything hands the rest to its writer).
  virtual void Flush() {}
  //! Messages queued and not yet written.
  virtual size_t Depth() const = 0;
  //! Asks the session to close with `code` (non-blocking).
  virtual void Close(uint16_t code, const std::string& reason) = 0;
  virtual bool Closed() const = 0;
};

//! Where replays read the log from (the Store in production, a fake in tests).
class EventSource {
 public:
  virtual ~EventSource() = default;
  virtual Result<std::vector<store::Event>> ReadEvents(int64_t after_seq, int limit) = 0;
  virtual Result<int64_t> LastSeq() = 0;
};

//! EventSource over a Store.
class StoreEventSource : public EventSource {
 public:
  explicit StoreEventSource(store::Store& s) : store_(s) {}
  Result<std::vector<store::Event>> ReadEvents(int64_t after_seq, int limit) override {
    return store_.ReadEvents(after_seq, limit);
  }
  Result<int64_t> LastSeq() override { return store_.LastSeq(); }

 private:
  store::Store& store_;
};

//! A "near me" circle (WGS84 degrees, metres).
struct Circle {
  double lat = 0, lon = 0, radius_m = 0;
};

struct HubOptions {
  size_t max_queue = 1024;                       //!< stream.max_queue
  int64_t replay_max_events = 10'000;            //!< stream.replay_max_events
  int64_t replay_max_age_ms = 24 * 3600 * 1000;  //!< stream.replay_max_age_ms
  int max_sessions_per_user = 8;                 //!< stream.max_sessions_per_user
  double max_near_radius_m = 5000;               //!< the near-me circle's largest radius
  int replay_threads = 2;
  //! Threads that write touched sessions' sockets beside the fan-out thread (0: one per core,
  //! at most 8). Socket writes are most of a delivery's cost; they run in parallel.
  int flush_threads = 0;
  size_t report_cache = 100'000;  //!< reports whose facts are kept for later events
  //! An area code with its ancestors, nearest first (staff:area scopes). Default: {code}.
  std::function<std::vector<std::string>(const std::string&)> area_path;
  //! Broadcast reach (each may be empty): an area's descendants (a warning to a precinct
  //! reaches its comunas' neighbours), the areas a drawn (lat, lon) ring meets, and the
  //! areas containing a point (near-me circles).
  std::function<std::vector<std::string>(const std::string&)> area_descendants;
  std::function<std::vector<std::string>(const std::vector<std::pair<double, double>>&)> areas_meeting;
  std::function<std::vector<std::string>(double lat, double lon)> areas_at;
  //! Facts of a report not seen created by this hub (may be empty).
  ReportLookup report_lookup;
  //! The subscriptions of a user, reloaded after family/membership/grant events about them
  //! (may be empty: then sessions keep what they opened with).
  std::function<Result<SubscriberInfo>(const std::string& user_id)> refresh;
  Metrics* metrics = nullptr;
  //! Wall clock for the replay age bound (SystemClock when null).
  const Clock* clock = nullptr;
};

//! Thread-safe. Start() once; Stop() (or the destructor) joins the threads.
class Hub {
 public:
  using SessionId = uint64_t;

  Hub(EventSource& source, HubOptions options);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  //! Reads the log head and starts the fan-out and replay threads.
  Status Start();
  //! Closes every session with `code` and joins the threads.
  void Stop(uint16_t code = kCloseGoingAway);

  //! The Bus subscriber body: queues the batch for the fan-out thread and returns (O(1) in
  //! the number of sessions; copies the batch). Events already fanned out are ignored.
  void OnCommit(const std::vector<store::Event>& events);

  //! Registers a session and sends it {"type":"hello","seq":L,...}. With `since`, the
  //! events after it are replayed first (or {"type":"refetch"} past the replay bound).
  //! kRateLimited past max_sessions_per_user; kUnavailable once stopped.
  Result<SessionId> Open(SubscriberInfo info, std::shared_ptr<Sink> sink,
                         std::optional<int64_t> since);
  //! Sets (or, with nullopt, clears) the session's near-me circle. kUnprocessable for a
  //! radius outside (0, max_near_radius_m] or coordinates out of range.
  Status SetNear(SessionId id, std::optional<Circle> circle);
  //! SetNear for the session named `name` (the "session" of its hello, e.g. "s12") when it
  //! belongs to `user_id` (SSE clients cannot send messages: they move their circle over
  //! HTTP). kNotFound for an unknown name or another user's session.
  Status SetNearByName(const std::string& user_id, const std::string& name,
                       std::optional<Circle> circle);
  //! Unregisters (the session closed). Unknown ids are ignored.
  void Close(SessionId id);

  //! Last seq fanned out.
  int64_t last_seq() const;
  size_t session_count() const;
  //! Closes every session with `code` (drain on SIGTERM); new Opens are refused.
  void CloseAll(uint16_t code, const std::string& reason);

 private:
  struct Session;
  struct Index;
  struct Batch {
    std::shared_ptr<const std::vector<store::Event>> events;
    std::chrono::steady_clock::time_point queued;
  };

  struct Flusher;
  void FanOutLoop();
  void FlushLoop(Flusher& f);
  void ReplayLoop();
  void Deliver(const std::vector<store::Event>& events);
  uint64_t chunk_epoch_ = 0;  // fan-out thread: marks sessions touched in the current chunk
  void Replay(SessionId id);
  //! Queues m for s (or its catch-up buffer); adds s's sink to `touched` once per chunk.
  bool DeliverTo(Session& s, const MessagePtr& m,
                 std::vector<std::shared_ptr<Sink>>* touched = nullptr) REQUIRES(mu_);
  //! Fans out events[begin, end) under the hub lock; returns the next index to do (a chunk
  //! ends early once enough messages are queued, so that sockets are written soon).
  size_t DeliverChunk(const std::vector<store::Event>& events, size_t begin,
                      std::vector<std::shared_ptr<Sink>>& touched);
  void Drop(Session& s) REQUIRES(mu_);
  void Refresh(const store::Event& e) REQUIRES(mu_);
  void Revoke(const store::Event& e) REQUIRES(mu_);
  std::optional<ReportInfo> LookupReport(const std::string& id);  // fan-out thread
  //! A broadcast's reach into a.reach; returns the staff codes that cover it (every reached
  //! area with its ancestors). Other audiences: nothing.
  std::vector<std::string> BroadcastReach(Audience& a) const;
  //! Whether a near-me circle's centre lies in a broadcast's reach or polygon.
  bool NearInBroadcast(const Circle& c, const Audience& a) const;
  //! The sessions gauge (O(1)); with `queues`, also the queued-messages gauge (O(sessions)).
  void RecordGauges(bool queues = false) REQUIRES(mu_);

  EventSource& source_;
  HubOptions options_;
  SystemClock system_clock_;
  const Clock& clock_;

  Mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Batch> queue_ GUARDED_BY(queue_mu_);
  bool stopping_ GUARDED_BY(queue_mu_) = false;  // (and read under mu_ via closed_)

  mutable Mutex mu_;
  std::unique_ptr<Index> index_ GUARDED_BY(mu_) PT_GUARDED_BY(mu_);
  int64_t last_seq_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;  // no new sessions
  SessionId next_id_ GUARDED_BY(mu_) = 1;

  Mutex replay_mu_;
  std::condition_variable replay_cv_;
  std::deque<SessionId> replays_ GUARDED_BY(replay_mu_);

  // Reports' facts seen created, for later events about them (fan-out thread only).
  std::unordered_map<std::string, ReportInfo> reports_;
  std::deque<std::string> report_order_;

  std::vector<std::unique_ptr<Flusher>> flushers_;
  std::thread fanout_;
  std::vector<std::thread> replayers_;
  bool started_ = false;
};

}  // namespace centinela::realtime
