#pragma once
// Positions: fixes from the units' devices. A device (a phone running the crew app, a
// Traccar Client, a tracker) is bound to one unit and holds a key, of which only the
// SHA-256 is stored; OsmAnd devices are known by their external id. Each batch of fixes is
// one Store write (the trail rows plus one "unit.moved" event per unit with its latest
// fix), acknowledged only once durable; the latest fix of each unit then goes to the
// PositionIndex. Trail rows older than the retention are swept now and then.

#include <atomic>
#include <cstdint>
#include <functional>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "store/inflight.h"
#include "store/store.h"
#include "tracking/position_index.h"

namespace centinela::tracking {

inline constexpr size_t kMaxFixesPerBatch = 1000;
inline constexpr int kMaxTrailPoints = 10'000;

struct Fix {
  std::string unit_id;
  int64_t time_ms = 0;
  double lat = 0, lon = 0;
  std::optional<double> speed_mps;
  std::optional<double> heading;
  std::optional<double> accuracy_m;
};

//! Coordinates in range, time after 2000-01-01 and at most 1 day ahead of `now_ms`,
//! speed 0-500 m/s, heading 0-360, accuracy 0-100 km. 422 names the problem. Pure.
Status ValidateFix(const Fix& f, int64_t now_ms);

struct PositionOptions {
  int64_t retention_ms = 30LL * 24 * 3600 * 1000;  //!< tracking.retention_days
  const Clock* clock = nullptr;                    //!< SystemClock when null
  //! Scope of a unit's "unit.moved" event (e.g. staff of its home area); "admin" when null.
  std::function<std::string(const std::string& unit_id)> scope_for;
};

struct NewDevice {
  std::string id;   //!< the device id
  std::string key;  //!< the secret, shown once
};

//! Thread-safe. Callbacks run on the store's writer thread after the durable commit.
class PositionService {
 public:
  PositionService(store::Store& store, PositionIndex& index, PositionOptions options);
  ~PositionService();
  PositionService(const PositionService&) = delete;
  PositionService& operator=(const PositionService&) = delete;

  //! Loads the devices and every unit's latest fix into the index. Call once at start.
  Status Load();

  //! Registers a device for `unit_id` (external_id: the OsmAnd/Traccar id, optional,
  //! unique -> 409). The key is returned once.
  void AddDevice(std::string unit_id, std::string external_id, std::string label,
                 std::string actor, std::function<void(Result<NewDevice>)> done);
  //! The unit a device key belongs to, or nullopt (unknown or revoked).
  std::optional<std::string> UnitForKey(const std::string& key) const;
  //! The unit an OsmAnd device id belongs to, or nullopt.
  std::optional<std::string> UnitForExternalId(const std::string& external_id) const;

  //! Validates every fix (any bad one refuses the whole batch, nothing stored) and stores
  //! them; `done` gets how many were new (a repeated (unit, time) is kept once).
  void Ingest(std::vector<Fix> fixes, std::function<void(Result<int>)> done);

  //! Fixes of a unit with time in [from, to], oldest first, at most kMaxTrailPoints.
  Result<std::vector<Fix>> Trail(const std::string& unit_id, int64_t from_ms, int64_t to_ms);

  //! Writes one "unit.stale" event for each unit whose latest fix arrived more than
  //! `stale_after_ms` ago and that was not flagged since its last fix; returns how many.
  //! A fresh fix clears the flag (its unit.moved event says the unit is back).
  Result<int> SweepStale(int64_t stale_after_ms);
  //! Runs SweepStale every `interval_ms` on a thread of its own until destruction.
  void StartStaleSweeper(int64_t stale_after_ms, int interval_ms);

  const PositionIndex& index() const { return index_; }
  int64_t NowMs() const { return clock_.NowMs(); }

 private:
  store::Store& store_;
  PositionIndex& index_;
  PositionOptions options_;
  SystemClock system_clock_;
  const Clock& clock_;
  std::atomic<uint64_t> writes_count_{0};
  mutable SharedMutex mu_;
  std::map<std::string, std::string> unit_by_key_hash_ GUARDED_BY(mu_);
  std::map<std::string, std::string> unit_by_external_ GUARDED_BY(mu_);
  Mutex stale_mu_;
  std::set<std::string> flagged_stale_ GUARDED_BY(stale_mu_);
  std::condition_variable sweeper_cv_;
  bool stopping_ GUARDED_BY(stale_mu_) = false;
  std::thread sweeper_;
  store::InflightWrites writes_;
};

}  // namespace centinela::tracking
