#include "realtime/hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <unordered_map>
#include <utility>

#include "events/types.h"
#include "geo/geometry.h"

namespace centinela::realtime {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
namespace json = boost::json;
using std::chrono::steady_clock;

namespace {

constexpr char kSessions[] = "centinela_stream_sessions";
constexpr char kQueued[] = "centinela_stream_queued_messages";
constexpr char kDeliveries[] = "centinela_stream_deliveries_total";
constexpr char kDropped[] = "centinela_stream_dropped_total";
constexpr char kFanout[] = "centinela_stream_fanout_seconds";
constexpr char kReplays[] = "centinela_stream_replays_total";

constexpr double kMetresPerDegree = 111'320.0;
constexpr int kReplayPage = 500;

using Point = bg::model::point<double, 2, bg::cs::cartesian>;  // (lon, lat) degrees
using Box = bg::model::box<Point>;

Box CircleBox(const Circle& c) {
  const double dlat = c.radius_m / kMetresPerDegree;
  const double dlon = c.radius_m / (kMetresPerDegree * std::max(0.01, std::cos(c.lat * M_PI / 180)));
  return Box(Point(c.lon - dlon, c.lat - dlat), Point(c.lon + dlon, c.lat + dlat));
}

// The user an event changes the subscriptions of ("" when none).
std::string AffectedUser(const store::Event& e) {
  auto starts = [](const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; };
  if (starts(e.type, "family.") && starts(e.scope, "user:")) return e.scope.substr(5);
  if (starts(e.type, "grant.") && starts(e.subject, "user:")) return e.subject.substr(5);
  if (starts(e.type, "membership.")) {
    boost::system::error_code ec;
    json::value v = json::parse(e.payload, ec);
    if (!ec && v.is_object())
      if (auto* u = v.get_object().if_contains("user"); u && u->is_string())
        return std::string(u->get_string());
  }
  return {};
}

}  // namespace

struct Hub::Session {
  SessionId id = 0;
  std::string name;
  SubscriberInfo info;
  std::shared_ptr<Sink> sink;
  std::optional<Circle> near;
  bool admin = false;
  // Resume: while catching_up, live matches wait in `pending` (seq > replay_upto).
  bool catching_up = false;
  int64_t since = 0;
  int64_t replay_upto = 0;
  int64_t skip_upto = 0;  // never deliver seq <= this (a client ahead of this node)
  std::vector<MessagePtr> pending;
  int64_t seen = -1;  // last event seq this session was a candidate for (dedupe)
  uint64_t touched = 0;  // the fan-out chunk that last queued to this session
  int64_t near_hit = -1;  // a broadcast's seq this session's near-me circle lies in
  bool dropped = false;
};

struct Hub::Index {
  using Entry = std::pair<Box, SessionId>;
  std::unordered_map<SessionId, std::unique_ptr<Session>> sessions;
  std::unordered_map<std::string, std::vector<Session*>> by_user, by_family, by_neighbourhood,
      by_staff;
  std::vector<Session*> admins;
  bgi::rtree<Entry, bgi::quadratic<16>> near;

  static void Put(std::unordered_map<std::string, std::vector<Session*>>& m, const std::string& k,
                  Session* s) {
    auto& v = m[k];
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  }
  static void Take(std::unordered_map<std::string, std::vector<Session*>>& m, const std::string& k,
                   Session* s) {
    auto it = m.find(k);
    if (it == m.end()) return;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), s), v.end());
    if (v.empty()) m.erase(it);
  }

  void Add(Session* s) {
    const community::Viewer& v = s->info.viewer;
    Put(by_user, v.user_id, s);
    for (const auto& f : s->info.family_of) Put(by_family, f, s);
    for (const auto& n : v.neighbourhoods) Put(by_neighbourhood, n, s);
    s->admin = false;
    for (const auth::Grant& g : v.grants) {
      if (auth::IsStaffRole(g.role) && !g.area_code.empty()) Put(by_staff, g.area_code, s);
      if (g.role == auth::Role::kAdmin && g.area_code == auth::kAllAreas) s->admin = true;
    }
    if (s->admin) admins.push_back(s);
    if (s->near) near.insert(Entry(CircleBox(*s->near), s->id));
  }

  void Remove(Session* s) {
    const community::Viewer& v = s->info.viewer;
    Take(by_user, v.user_id, s);
    for (const auto& f : s->info.family_of) Take(by_family, f, s);
    for (const auto& n : v.neighbourhoods) Take(by_neighbourhood, n, s);
    for (const auth::Grant& g : v.grants)
      if (auth::IsStaffRole(g.role) && !g.area_code.empty()) Take(by_staff, g.area_code, s);
    admins.erase(std::remove(admins.begin(), admins.end(), s), admins.end());
    if (s->near) near.remove(Entry(CircleBox(*s->near), s->id));
  }

  size_t SessionsOf(const std::string& user) const {
    auto it = by_user.find(user);
    return it == by_user.end() ? 0 : it->second.size();
  }
};

struct Hub::Flusher {
  Mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<Sink>> work GUARDED_BY(mu);
  bool stop GUARDED_BY(mu) = false;
  std::thread thread;
};

Hub::Hub(EventSource& source, HubOptions options)
    : source_(source),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : system_clock_),
      index_(std::make_unique<Index>()) {
  if (!options_.area_path)
    options_.area_path = [](const std::string& code) { return std::vector<std::string>{code}; };
  if (options_.replay_threads < 1) options_.replay_threads = 1;
  if (options_.max_queue < 2) options_.max_queue = 2;
  if (Metrics* m = options_.metrics) {
    m->Describe(kSessions, "gauge", "Open live-stream sessions (WebSocket and SSE).");
    m->Describe(kQueued, "gauge", "Messages queued to stream sessions and not yet written.");
    m->Describe(kDeliveries, "counter", "Event messages queued to stream sessions.");
    m->Describe(kDropped, "counter",
                "Stream sessions closed by the hub, by reason (too_slow: past stream.max_queue; revoked: signed out).");
    m->Describe(kFanout, "histogram",
                "Fan-out latency by stage: commit_to_enqueue (commit published to every "
                "session's queue), enqueue_to_write (queued to written to the socket).",
                Metrics::LatencyBuckets());
    m->Describe(kReplays, "counter", "Stream resumes by outcome (replay, refetch).");
  }
}

Hub::~Hub() { Stop(); }

Status Hub::Start() {
  if (started_) return Internal("hub already started");
  auto last = source_.LastSeq();
  if (!last.ok()) return last.status();
  {
    MutexLock lock(mu_);
    last_seq_ = *last;
  }
  started_ = true;
  int flushers = options_.flush_threads;
  if (flushers <= 0) flushers = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8);
  for (int i = 0; i < flushers; ++i) {
    flushers_.push_back(std::make_unique<Flusher>());
    Flusher* f = flushers_.back().get();
    f->thread = std::thread([this, f] { FlushLoop(*f); });
  }
  fanout_ = std::thread([this] { FanOutLoop(); });
  for (int i = 0; i < options_.replay_threads; ++i) replayers_.emplace_back([this] { ReplayLoop(); });
  return Status::Ok();
}

void Hub::Stop(uint16_t code) {
  {
    MutexLock lock(queue_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  {
    MutexLock lock(replay_mu_);
  }
  replay_cv_.notify_all();
  if (fanout_.joinable()) fanout_.join();
  for (auto& f : flushers_) {
    {
      MutexLock lock(f->mu);
      f->stop = true;
    }
    f->cv.notify_one();
    f->thread.join();
  }
  flushers_.clear();
  for (auto& t : replayers_) t.join();
  replayers_.clear();
  CloseAll(code, "server shutting down");
}

void Hub::OnCommit(const std::vector<store::Event>& events) {
  if (events.empty()) return;
  Batch b{std::make_shared<const std::vector<store::Event>>(events), steady_clock::now()};
  {
    MutexLock lock(queue_mu_);
    if (stopping_) return;
    queue_.push_back(std::move(b));
  }
  queue_cv_.notify_one();
}

void Hub::FanOutLoop() {
  auto last_gauges = steady_clock::now();
  for (;;) {
    std::deque<Batch> work;
    {
      MutexLock lock(queue_mu_);
      queue_cv_.wait_for(lock.Native(), std::chrono::seconds(1), [this] {
        queue_mu_.AssertHeld();
        return stopping_ || !queue_.empty();
      });
      if (stopping_) return;
      work.swap(queue_);
    }
    for (const Batch& b : work) {
      try {
        Deliver(*b.events);
      } catch (const std::exception& e) {
        spdlog::error("stream: fan-out of a batch failed: {}", e.what());
      }
      if (options_.metrics)
        options_.metrics->Observe(kFanout, {{"stage", "commit_to_enqueue"}},
                                  std::chrono::duration<double>(steady_clock::now() - b.queued).count());
    }
    if (steady_clock::now() - last_gauges > std::chrono::seconds(1)) {
      last_gauges = steady_clock::now();
      MutexLock lock(mu_);
      RecordGauges(/*queues=*/true);
    }
  }
}

std::vector<std::string> Hub::BroadcastReach(Audience& a) const {
  std::vector<std::string> staff;
  if (a.kind != Audience::Kind::kBroadcast) return staff;
  std::vector<std::string> reach = a.areas;
  if (options_.area_descendants)
    for (const std::string& code : a.areas)
      for (std::string& d : options_.area_descendants(code)) reach.push_back(std::move(d));
  if (a.polygon.size() >= 4 && options_.areas_meeting)
    for (std::string& code : options_.areas_meeting(a.polygon)) reach.push_back(std::move(code));
  std::sort(reach.begin(), reach.end());
  reach.erase(std::unique(reach.begin(), reach.end()), reach.end());
  for (const std::string& code : reach)
    for (std::string& up : options_.area_path(code)) staff.push_back(std::move(up));
  std::sort(staff.begin(), staff.end());
  staff.erase(std::unique(staff.begin(), staff.end()), staff.end());
  a.reach = std::move(reach);
  return staff;
}

bool Hub::NearInBroadcast(const Circle& c, const Audience& a) const {
  if (a.polygon.size() >= 4) {
    bg::model::polygon<Point> shape;
    for (const auto& [lat, lon] : a.polygon) shape.outer().emplace_back(lon, lat);
    bg::correct(shape);
    if (bg::covered_by(Point(c.lon, c.lat), shape)) return true;
  }
  if (a.areas.empty() || !options_.areas_at) return false;
  for (const std::string& code : options_.areas_at(c.lat, c.lon))
    if (std::binary_search(a.reach.begin(), a.reach.end(), code)) return true;
  return false;
}

std::optional<ReportInfo> Hub::LookupReport(const std::string& id) {
  auto it = reports_.find(id);
  if (it != reports_.end()) return it->second;
  if (options_.report_lookup) return options_.report_lookup(id);
  return std::nullopt;
}

void Hub::Deliver(const std::vector<store::Event>& events) {
  std::vector<std::shared_ptr<Sink>> touched;
  size_t next = 0;
  while (next < events.size()) {
    touched.clear();
    next = DeliverChunk(events, next, touched);
    // Socket writes happen off the hub lock, one write per session for the chunk, spread
    // over the flush threads and this one. Order holds without waiting for them: a Flush
    // writes whatever its session has queued, in queue order, under the session's lock.
    constexpr size_t kInline = 32;  // fewer than this: not worth a hand-over
    size_t begin = 0;
    if (!flushers_.empty() && touched.size() > kInline) {
      const size_t parts = flushers_.size() + 1;
      const size_t per = (touched.size() + parts - 1) / parts;
      for (auto& f : flushers_) {
        const size_t end = std::min(touched.size(), begin + per);
        if (begin >= end) break;
        {
          MutexLock lock(f->mu);
          f->work.insert(f->work.end(), touched.begin() + static_cast<std::ptrdiff_t>(begin),
                         touched.begin() + static_cast<std::ptrdiff_t>(end));
        }
        f->cv.notify_one();
        begin = end;
      }
    }
    for (size_t i = begin; i < touched.size(); ++i) touched[i]->Flush();
  }
}

void Hub::FlushLoop(Flusher& f) {
  std::vector<std::shared_ptr<Sink>> work;
  for (;;) {
    {
      MutexLock lock(f.mu);
      f.cv.wait(lock.Native(), [&] {
        f.mu.AssertHeld();
        return f.stop || !f.work.empty();
      });
      if (f.stop && f.work.empty()) return;
      work.swap(f.work);
    }
    for (const std::shared_ptr<Sink>& sink : work) sink->Flush();
    work.clear();
  }
}

size_t Hub::DeliverChunk(const std::vector<store::Event>& events, size_t begin,
                         std::vector<std::shared_ptr<Sink>>& touched) {
  // A chunk ends after the event that brings its queued messages past this bound, so that
  // the first recipients of a large batch are written without waiting for the whole batch.
  constexpr uint64_t kChunkMessages = 8192;
  const ReportLookup lookup = [this](const std::string& id) { return LookupReport(id); };
  std::vector<Session*> cands;
  std::vector<Session*> drops;
  std::vector<Index::Entry> near_hits;
  uint64_t delivered = 0;
  MutexLock lock(mu_);
  ++chunk_epoch_;
  Index& ix = *index_;
  size_t i = begin;
  while (i < events.size() && delivered < kChunkMessages) {
    const store::Event& e = events[i++];
    if (e.seq <= last_seq_) continue;
    if (e.seq != last_seq_ + 1)
      spdlog::warn("stream: event seq {} follows {}: a gap in the bus", e.seq, last_seq_);
    PreparedEvent pe(e, lookup);
    if (auto created = pe.CreatedReport()) {
      if (reports_.emplace(pe.audience().target, *created).second) {
        report_order_.push_back(pe.audience().target);
        if (report_order_.size() > options_.report_cache) {
          reports_.erase(report_order_.front());
          report_order_.pop_front();
        }
      }
    }
    const Audience& a = pe.audience();
    cands.clear();
    const int64_t seq = e.seq;
    auto add_list = [&](const std::vector<Session*>& v) {
      for (Session* s : v) {
        if (s->seen != seq) {
          s->seen = seq;
          cands.push_back(s);
        }
      }
    };
    auto add_key = [&](const std::unordered_map<std::string, std::vector<Session*>>& m,
                       const std::string& k) {
      auto it = m.find(k);
      if (it != m.end()) add_list(it->second);
    };
    std::vector<std::string> path;
    switch (a.kind) {
      case Audience::Kind::kNone:
        break;
      case Audience::Kind::kPublic:
        for (auto& [id, s] : ix.sessions) {
          if (s->seen != seq) {
            s->seen = seq;
            cands.push_back(s.get());
          }
        }
        break;
      case Audience::Kind::kUser:
        add_key(ix.by_user, a.target);
        break;
      case Audience::Kind::kAdmin:
        add_list(ix.admins);
        break;
      case Audience::Kind::kStaffArea:
        path = options_.area_path(a.target);
        for (const auto& code : path) add_key(ix.by_staff, code);
        add_key(ix.by_staff, std::string(auth::kAllAreas));
        break;
      case Audience::Kind::kBroadcast:
        path = BroadcastReach(pe.mutable_audience());
        for (const auto& code : a.reach) add_key(ix.by_neighbourhood, code);
        for (const auto& code : path) add_key(ix.by_staff, code);
        add_key(ix.by_staff, std::string(auth::kAllAreas));
        for (auto& [id, s] : ix.sessions) {
          if (s->near && s->seen != seq && NearInBroadcast(*s->near, a)) {
            s->seen = seq;
            s->near_hit = seq;
            cands.push_back(s.get());
          }
        }
        break;
      case Audience::Kind::kReport:
        if (!a.report) break;
        add_key(ix.by_user, a.report->facts.reporter_id);
        add_key(ix.by_family, a.report->facts.reporter_id);
        for (const auto& code : a.report->facts.areas) {
          add_key(ix.by_neighbourhood, code);
          add_key(ix.by_staff, code);
        }
        add_key(ix.by_staff, std::string(auth::kAllAreas));
        if (!ix.near.empty()) {
          near_hits.clear();
          const Point p(a.report->lon, a.report->lat);
          ix.near.query(bgi::intersects(p), std::back_inserter(near_hits));
          for (const auto& [box, id] : near_hits) {
            auto it = ix.sessions.find(id);
            if (it == ix.sessions.end()) continue;
            Session* s = it->second.get();
            if (s->seen == seq || !s->near) continue;
            if (geo::HaversineMeters(s->near->lat, s->near->lon, a.report->lat, a.report->lon) >
                s->near->radius_m)
              continue;
            s->seen = seq;
            cands.push_back(s);
          }
        }
        break;
    }
    for (Session* s : cands) {
      if (s->dropped || seq <= s->skip_upto) continue;
      std::optional<Variant> v =
          s->near_hit == seq ? std::optional<Variant>(Variant::kAsIs) : Match(s->info, a, path);
      if (!v) continue;
      if (DeliverTo(*s, pe.For(*v), &touched))
        ++delivered;
      else
        drops.push_back(s);
    }
    last_seq_ = seq;
    for (Session* s : drops) Drop(*s);
    drops.clear();
    Refresh(e);
    Revoke(e);
  }
  if (options_.metrics && delivered > 0)
    options_.metrics->Inc(kDeliveries, {}, static_cast<double>(delivered));
  return i;
}

bool Hub::DeliverTo(Session& s, const MessagePtr& m, std::vector<std::shared_ptr<Sink>>* touched) {
  if (s.dropped) return false;
  if (s.catching_up) {
    s.pending.push_back(m);
    if (s.pending.size() <= options_.max_queue) return true;
    s.sink->Close(kCloseTooSlow, "too slow: resume with since");
    return false;
  }
  if (!touched) return s.sink->Send(m);
  if (!s.sink->Enqueue(m)) return false;
  if (s.touched != chunk_epoch_) {
    s.touched = chunk_epoch_;
    touched->push_back(s.sink);
  }
  return true;
}

void Hub::Drop(Session& s) {
  if (s.dropped) return;
  s.dropped = true;
  if (options_.metrics) options_.metrics->Inc(kDropped, {{"reason", "too_slow"}});
  s.sink->Close(kCloseTooSlow, "too slow: resume with since");
  index_->Remove(&s);
  index_->sessions.erase(s.id);
  RecordGauges();
}

void Hub::Refresh(const store::Event& e) {
  if (!options_.refresh) return;
  if (e.type.rfind("family.", 0) != 0 && e.type.rfind("grant.", 0) != 0 &&
      e.type.rfind("membership.", 0) != 0)
    return;
  const std::string user = AffectedUser(e);
  if (user.empty() || index_->SessionsOf(user) == 0) return;
  Result<SubscriberInfo> info = options_.refresh(user);
  if (!info.ok()) {
    spdlog::warn("stream: could not reload the subscriptions of a user: {}", info.status().message());
    return;
  }
  std::vector<Session*> mine = index_->by_user[user];
  for (Session* s : mine) {
    index_->Remove(s);
    s->info = *info;
    index_->Add(s);
  }
}

void Hub::Revoke(const store::Event& e) {
  if (e.type != events::type::kSessionRevoked) return;
  boost::system::error_code ec;
  json::value v = json::parse(e.payload, ec);
  if (ec || !v.is_object()) return;
  const json::value* user = v.get_object().if_contains("user_id");
  const json::value* key = v.get_object().if_contains("session");
  if (!user || !user->is_string() || !key || !key->is_string() || key->get_string().empty()) return;
  auto it = index_->by_user.find(std::string(user->get_string()));
  if (it == index_->by_user.end()) return;
  std::vector<Session*> gone;
  for (Session* s : it->second)
    if (s->info.session_key == key->get_string()) gone.push_back(s);
  for (Session* s : gone) {
    s->dropped = true;
    if (options_.metrics) options_.metrics->Inc(kDropped, {{"reason", "revoked"}});
    s->sink->Close(kCloseRevoked, "the session was signed out");
    index_->Remove(s);
    index_->sessions.erase(s->id);
  }
  if (!gone.empty()) RecordGauges();
}

void Hub::RecordGauges(bool queues) {
  if (!options_.metrics) return;
  options_.metrics->Set(kSessions, {}, static_cast<double>(index_->sessions.size()));
  if (!queues) return;
  size_t queued = 0;  // O(sessions): once a second from the fan-out loop
  for (const auto& [id, s] : index_->sessions) queued += s->sink->Depth() + s->pending.size();
  options_.metrics->Set(kQueued, {}, static_cast<double>(queued));
}

Result<Hub::SessionId> Hub::Open(SubscriberInfo info, std::shared_ptr<Sink> sink,
                                 std::optional<int64_t> since) {
  SessionId id = 0;
  {
    MutexLock lock(mu_);
    if (closed_) return Unavailable("the server is shutting down");
    if (options_.max_sessions_per_user > 0 &&
        index_->SessionsOf(info.viewer.user_id) >=
            static_cast<size_t>(options_.max_sessions_per_user))
      return RateLimited("too many open streams for this user (stream.max_sessions_per_user = " +
                         std::to_string(options_.max_sessions_per_user) + ")");
    id = next_id_++;
    auto s = std::make_unique<Session>();
    s->id = id;
    s->name = "s" + std::to_string(id);
    s->info = std::move(info);
    s->sink = std::move(sink);
    s->sink->Send(HelloMessage(last_seq_, s->name));
    if (since && *since < last_seq_) {
      s->catching_up = true;
      s->since = std::max<int64_t>(0, *since);
      s->replay_upto = last_seq_;
    } else if (since) {
      s->skip_upto = *since;
    }
    const bool replay = s->catching_up;
    index_->Add(s.get());
    index_->sessions.emplace(id, std::move(s));
    RecordGauges();
    if (!replay) return id;
  }
  {
    MutexLock lock(replay_mu_);
    replays_.push_back(id);
  }
  replay_cv_.notify_one();
  return id;
}

Status Hub::SetNear(SessionId id, std::optional<Circle> circle) {
  if (circle) {
    const Circle& c = *circle;
    if (!std::isfinite(c.lat) || !std::isfinite(c.lon) || std::fabs(c.lat) > 90 ||
        std::fabs(c.lon) > 180)
      return Unprocessable("'lat' must be in [-90, 90] and 'lon' in [-180, 180]");
    if (!std::isfinite(c.radius_m) || c.radius_m <= 0 || c.radius_m > options_.max_near_radius_m)
      return Unprocessable("'radius_m' must be more than 0 and at most " +
                           std::to_string(static_cast<int>(options_.max_near_radius_m)));
  }
  MutexLock lock(mu_);
  auto it = index_->sessions.find(id);
  if (it == index_->sessions.end()) return NotFound("no such session");
  Session* s = it->second.get();
  index_->Remove(s);
  s->near = circle;
  index_->Add(s);
  return Status::Ok();
}

Status Hub::SetNearByName(const std::string& user_id, const std::string& name,
                          std::optional<Circle> circle) {
  if (name.size() < 2 || name[0] != 's') return NotFound("no such stream session");
  SessionId id = 0;
  for (char c : name.substr(1)) {
    if (c < '0' || c > '9' || id > (UINT64_MAX - 9) / 10) return NotFound("no such stream session");
    id = id * 10 + static_cast<SessionId>(c - '0');
  }
  {
    MutexLock lock(mu_);
    auto it = index_->sessions.find(id);
    if (it == index_->sessions.end() || it->second->info.viewer.user_id != user_id)
      return NotFound("no such stream session");
  }
  return SetNear(id, circle);
}

void Hub::Close(SessionId id) {
  MutexLock lock(mu_);
  auto it = index_->sessions.find(id);
  if (it == index_->sessions.end()) return;
  index_->Remove(it->second.get());
  index_->sessions.erase(it);
  RecordGauges();
}

void Hub::CloseAll(uint16_t code, const std::string& reason) {
  MutexLock lock(mu_);
  closed_ = true;
  for (auto& [id, s] : index_->sessions) s->sink->Close(code, reason);
  index_ = std::make_unique<Index>();
  RecordGauges();
}

int64_t Hub::last_seq() const {
  MutexLock lock(mu_);
  return last_seq_;
}

size_t Hub::session_count() const {
  MutexLock lock(mu_);
  return index_->sessions.size();
}

void Hub::ReplayLoop() {
  for (;;) {
    SessionId id = 0;
    {
      MutexLock lock(replay_mu_);
      replay_cv_.wait(lock.Native(), [this] {
        replay_mu_.AssertHeld();
        MutexLock q(queue_mu_);
        return stopping_ || !replays_.empty();
      });
      {
        MutexLock q(queue_mu_);
        if (stopping_) return;
      }
      id = replays_.front();
      replays_.pop_front();
    }
    try {
      Replay(id);
    } catch (const std::exception& e) {
      spdlog::error("stream: replay failed: {}", e.what());
    }
  }
}

void Hub::Replay(SessionId id) {
  SubscriberInfo info;
  std::shared_ptr<Sink> sink;
  int64_t since = 0, upto = 0;
  {
    MutexLock lock(mu_);
    auto it = index_->sessions.find(id);
    if (it == index_->sessions.end()) return;
    info = it->second->info;
    sink = it->second->sink;
    since = it->second->since;
    upto = it->second->replay_upto;
  }
  std::string refetch;
  if (upto - since > options_.replay_max_events) {
    refetch = "more than " + std::to_string(options_.replay_max_events) + " events were missed";
  } else {
    std::unordered_map<std::string, ReportInfo> seen_reports;
    const ReportLookup lookup = [&](const std::string& rid) -> std::optional<ReportInfo> {
      auto it = seen_reports.find(rid);
      if (it != seen_reports.end()) return it->second;
      if (options_.report_lookup) return options_.report_lookup(rid);
      return std::nullopt;
    };
    const int64_t oldest = clock_.NowMs() - options_.replay_max_age_ms;
    int64_t cursor = since;
    bool first = true;
    while (cursor < upto && refetch.empty()) {
      auto page = source_.ReadEvents(cursor, static_cast<int>(std::min<int64_t>(kReplayPage, upto - cursor)));
      if (!page.ok()) {
        refetch = "the event log could not be read";
        break;
      }
      if (page->empty()) break;
      for (const store::Event& e : *page) {
        if (e.seq > upto) break;
        cursor = e.seq;
        if (first && e.time_ms < oldest) {
          refetch = "the missed events are older than the replay window";
          break;
        }
        first = false;
        PreparedEvent pe(e, lookup);
        if (auto created = pe.CreatedReport()) seen_reports.emplace(pe.audience().target, *created);
        std::vector<std::string> path;
        if (pe.audience().kind == Audience::Kind::kStaffArea) path = options_.area_path(pe.audience().target);
        if (pe.audience().kind == Audience::Kind::kBroadcast) path = BroadcastReach(pe.mutable_audience());
        std::optional<Variant> v = Match(info, pe.audience(), path);
        if (!v) continue;
        // Flow control: a replay never fills more than half of the session's queue.
        while (sink->Depth() >= options_.max_queue / 2 && !sink->Closed()) {
          {
            MutexLock q(queue_mu_);
            if (stopping_) return;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (sink->Closed() || !sink->Send(pe.For(*v))) return;  // the session ends itself
      }
    }
  }
  if (!refetch.empty()) sink->Send(RefetchMessage(upto, refetch));
  if (options_.metrics)
    options_.metrics->Inc(kReplays, {{"outcome", refetch.empty() ? "replay" : "refetch"}});
  MutexLock lock(mu_);
  auto it = index_->sessions.find(id);
  if (it == index_->sessions.end()) return;
  Session& s = *it->second;
  s.catching_up = false;
  std::vector<MessagePtr> pending = std::move(s.pending);
  s.pending.clear();
  for (const MessagePtr& m : pending) {
    if (!s.sink->Send(m)) {
      Drop(s);
      return;
    }
  }
}

}  // namespace centinela::realtime
