#include "events/follower.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <string_view>
#include <utility>

namespace centinela::events {

namespace {

constexpr const char* kPublished = "centinela_follower_published_total";
constexpr const char* kNotifications = "centinela_follower_notifications_total";
constexpr const char* kReconnects = "centinela_follower_reconnects_total";
constexpr const char* kReadErrors = "centinela_follower_read_errors_total";
constexpr const char* kLag = "centinela_follower_lag_events";
constexpr const char* kDelay = "centinela_follower_delay_seconds";

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void AtLeast(std::atomic<int64_t>& a, int64_t v) {
  int64_t cur = a.load();
  while (cur < v && !a.compare_exchange_weak(cur, v)) {
  }
}

}  // namespace

LogFollower::LogFollower(store::Store& store, Bus& bus, FollowerOptions options)
    : store_(store), options_(options) {
  options_.poll_ms = std::max(10, options_.poll_ms);
  options_.read_batch = std::max(1, options_.read_batch);
  options_.min_backoff_ms = std::max(1, options_.min_backoff_ms);
  options_.max_backoff_ms = std::max(options_.min_backoff_ms, options_.max_backoff_ms);
  core_->bus = &bus;
  core_->metrics = options_.metrics;
  if (Metrics* m = options_.metrics) {
    m->Describe(kPublished, "counter",
                "Events the log follower published to the bus, by source (local commit or log read)");
    m->Describe(kNotifications, "counter", "Commit notifications (LISTEN/NOTIFY) received");
    m->Describe(kReconnects, "counter", "LISTEN connections reopened after a loss");
    m->Describe(kReadErrors, "counter", "Failed reads of the event log by the follower");
    m->Describe(kLag, "gauge", "Events committed (as far as this node knows) but not yet published");
    m->Describe(kDelay, "histogram",
                "Time from an event's commit to its publication on this node, for events read "
                "from the log (other nodes' commits)",
                Metrics::LatencyBuckets());
  }
}

LogFollower::~LogFollower() { Stop(); }

Status LogFollower::Start() {
  if (started_) return Status::Ok();
  int64_t head = options_.start_after;
  if (head < 0) {
    auto last = store_.LastSeq();
    if (!last.ok()) return last.status();
    head = *last;
  }
  {
    MutexLock lock(core_->mu);
    core_->last = head;
  }
  AtLeast(core_->known_head, head);
  // The listener holds the core, not the follower: a call still running on the writer
  // thread after Stop finds `stopped` and returns without touching the follower.
  std::weak_ptr<Core> weak = core_;
  store_.SetCommitListener([weak, this](const std::vector<store::Event>& events) {
    auto core = weak.lock();
    if (!core || events.empty()) return;
    MutexLock lock(core->mu);
    if (core->stopped) return;
    OnLocalCommit(*core, events);
    if (core->behind.load()) Wake();
  });
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void LogFollower::Stop() {
  if (!started_) return;
  started_ = false;
  store_.SetCommitListener({});
  {
    MutexLock lock(core_->mu);
    core_->stopped = true;
  }
  {
    MutexLock lock(run_mu_);
    stop_ = true;
  }
  run_cv_.notify_all();
  {
    MutexLock lock(feed_mu_);
    if (feed_for_wake_) feed_for_wake_->Wake();
  }
  if (thread_.joinable()) thread_.join();
}

int64_t LogFollower::Published() const {
  MutexLock lock(core_->mu);
  return core_->last;
}

void LogFollower::OnLocalCommit(Core& core, const std::vector<store::Event>& events) {
  AtLeast(core.known_head, events.back().seq);
  if (core.behind.load() || events.back().seq <= core.last) {
    // Already behind (the thread will read these from the log), or already read from it.
    if (events.back().seq > core.last) core.behind = true;
    return;
  }
  if (PublishContinuation(core, events, "local") == 0) core.behind = true;  // a gap
  UpdateLag(core);
}

size_t LogFollower::PublishContinuation(Core& core, const std::vector<store::Event>& events,
                                        const char* source) {
  const bool from_log = std::string_view(source) == "log";
  size_t first = 0;
  while (first < events.size() && events[first].seq <= core.last) ++first;
  if (first == events.size()) return 0;
  if (events[first].seq != core.last + 1) {
    if (!from_log) return 0;
    // The log itself has a hole (it never should: seq is gap-free by construction). Say so
    // loudly and go on rather than stall every subscriber forever.
    spdlog::error("log follower: event log jumps from seq {} to {}", core.last,
                  events[first].seq);
  }
  for (size_t i = first + 1; i < events.size(); ++i) {
    if (events[i].seq != events[i - 1].seq + 1) {
      spdlog::error("log follower: batch is not consecutive at seq {}", events[i].seq);
      break;
    }
  }
  const size_t n = events.size() - first;
  if (Metrics* m = core.metrics) {  // before Publish, so a subscriber sees them counted
    m->Inc(kPublished, {{"source", source}}, static_cast<double>(n));
    if (from_log) {
      const int64_t now = WallMs();
      for (size_t i = first; i < events.size(); ++i) {
        m->Observe(kDelay, {},
                   static_cast<double>(std::max<int64_t>(0, now - events[i].time_ms)) / 1000.0);
      }
    }
  }
  core.last = events.back().seq;
  try {
    if (first == 0) {
      core.bus->Publish(events);
    } else {
      core.bus->Publish(std::vector<store::Event>(events.begin() + static_cast<long>(first),
                                                  events.end()));
    }
  } catch (const std::exception& e) {
    spdlog::error("log follower: a bus subscriber threw: {}", e.what());
  } catch (...) {
    spdlog::error("log follower: a bus subscriber threw");
  }
  return n;
}

void LogFollower::UpdateLag(Core& core) {
  if (!core.metrics) return;
  core.metrics->Set(kLag, {},
                    static_cast<double>(std::max<int64_t>(0, core.known_head.load() - core.last)));
}

Status LogFollower::CatchUp() {
  MutexLock catchup(catchup_mu_);
  core_->behind = false;
  for (;;) {
    int64_t after = 0;
    {
      MutexLock lock(core_->mu);
      if (core_->stopped) return Status::Ok();
      after = core_->last;
    }
    auto events = store_.ReadEvents(after, options_.read_batch);
    if (!events.ok()) {
      core_->behind = true;  // try again on the next wake-up
      if (options_.metrics) options_.metrics->Inc(kReadErrors);
      spdlog::warn("log follower: reading the event log after seq {}: {}", after,
                   events.status().message());
      return events.status();
    }
    if (events->empty()) break;
    AtLeast(core_->known_head, events->back().seq);
    {
      MutexLock lock(core_->mu);
      if (core_->stopped) return Status::Ok();
      PublishContinuation(*core_, *events, "log");
      UpdateLag(*core_);
    }
    if (events->size() < static_cast<size_t>(options_.read_batch)) break;
  }
  MutexLock lock(core_->mu);
  UpdateLag(*core_);
  return Status::Ok();
}

void LogFollower::Wake() {
  {
    MutexLock lock(run_mu_);
    wake_flag_ = true;
  }
  run_cv_.notify_all();
  MutexLock lock(feed_mu_);
  if (feed_for_wake_) feed_for_wake_->Wake();
}

void LogFollower::SleepFor(int ms) {
  MutexLock lock(run_mu_);
  run_cv_.wait_for(lock.Native(), std::chrono::milliseconds(ms), [&] {
    run_mu_.AssertHeld();
    return stop_ || wake_flag_;
  });
  wake_flag_ = false;
}

void LogFollower::Run() {
  using Clock = std::chrono::steady_clock;
  bool feed_supported = true;
  bool had_feed = false;
  int backoff_ms = options_.min_backoff_ms;
  Clock::time_point next_open = Clock::now();
  uint64_t notifications_seen = 0;
  Clock::time_point last_read = Clock::now();  // last catch-up read, for the safety poll
  auto stopping = [&] {
    MutexLock lock(run_mu_);
    return stop_;
  };
  auto drop_feed = [&] {
    {
      MutexLock lock(feed_mu_);
      feed_for_wake_ = nullptr;
    }
    feed_.reset();
  };

  (void)CatchUp();
  while (!stopping()) {
    if (!feed_ && feed_supported && Clock::now() >= next_open) {
      auto opened = store_.OpenCommitFeed();
      if (opened.ok() && *opened) {
        feed_ = std::move(opened).value();
        notifications_seen = 0;
        {
          MutexLock lock(feed_mu_);
          feed_for_wake_ = feed_.get();
        }
        if (had_feed) {
          reconnects_.fetch_add(1);
          if (options_.metrics) options_.metrics->Inc(kReconnects);
          spdlog::info("log follower: LISTEN connection reopened; catching up from the log");
        }
        had_feed = true;
        backoff_ms = options_.min_backoff_ms;
        (void)CatchUp();  // whatever committed while nobody listened
      } else if (opened.ok()) {
        feed_supported = false;  // single-process backend: local commits and the poll suffice
      } else {
        spdlog::warn("log follower: cannot LISTEN ({}); retrying in {} ms",
                     opened.status().message(), backoff_ms);
        next_open = Clock::now() + std::chrono::milliseconds(backoff_ms);
        backoff_ms = std::min(backoff_ms * 2, options_.max_backoff_ms);
      }
    }

    if (!feed_) {
      int ms = options_.poll_ms;
      if (feed_supported) {
        const auto until_open =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_open - Clock::now()).count();
        ms = static_cast<int>(std::clamp<int64_t>(until_open, 1, options_.poll_ms));
      }
      SleepFor(ms);
      if (stopping()) break;
      (void)CatchUp();
      continue;
    }

    const auto poll_due = last_read + std::chrono::milliseconds(options_.poll_ms);
    const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             poll_due - Clock::now()).count();
    auto heard = feed_->Wait(static_cast<int>(std::clamp<int64_t>(wait_ms, 0, options_.poll_ms)));
    {
      MutexLock lock(run_mu_);
      wake_flag_ = false;
    }
    if (stopping()) break;
    const uint64_t total = feed_->Notifications();
    if (total > notifications_seen && options_.metrics) {
      options_.metrics->Inc(kNotifications, {}, static_cast<double>(total - notifications_seen));
    }
    notifications_seen = total;
    if (!heard.ok()) {
      spdlog::warn("log follower: {}; reconnecting in {} ms", heard.status().message(),
                   backoff_ms);
      drop_feed();
      next_open = Clock::now() + std::chrono::milliseconds(backoff_ms);
      backoff_ms = std::min(backoff_ms * 2, options_.max_backoff_ms);
      (void)CatchUp();
      continue;
    }
    if (*heard > 0) AtLeast(core_->known_head, *heard);
    // Read the log for news from another node, a local commit that could not be published
    // in order (a wake-up), or the safety poll; not for wake-ups with nothing new.
    if (*heard > Published() || core_->behind.load() || Clock::now() >= poll_due) {
      (void)CatchUp();
      last_read = Clock::now();
    }
  }
  drop_feed();
}

}  // namespace centinela::events
