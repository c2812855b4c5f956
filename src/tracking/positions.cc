#include "tracking/positions.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "common/hash.h"
#include "dispatch/unit_rows.h"
#include "events/types.h"
#include "store/sql.h"
#include "tracking/coords.h"

namespace centinela::tracking {

namespace {

namespace json = boost::json;

constexpr int64_t kYear2000Ms = 946'684'800'000;
constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr uint64_t kSweepEvery = 500;  // writes between retention sweeps

store::Value Opt(const std::optional<double>& v) { return v ? store::Value(*v) : store::Value(); }

// Rows per multi-row INSERT: the largest of 64, 16, 4, 1 that fits what is left.
size_t ChunkSize(size_t left) {
  for (size_t n : {64, 16, 4})
    if (left >= n) return n;
  return 1;
}

// The multi-row INSERT for `rows` fixes. one_unit: every row has the same unit (a device's
// batch, the usual case): the unit id and the receive time are bound once ($1, $2) and each
// row takes six parameters; otherwise each row takes all eight.
const std::string& InsertSql(size_t rows, bool one_unit) {
  static const auto kTexts = [] {
    std::map<std::pair<size_t, bool>, std::string> m;
    for (bool shared : {false, true}) {
      for (size_t n : {1, 4, 16, 64}) {
        std::string sql =
            "INSERT INTO positions (unit_id, time_ms, lat, lon, speed_mps, heading, accuracy_m, "
            "received_ms) VALUES ";
        if (!shared) sql += store::ValueRows(n, 8);
        for (size_t r = 0; shared && r < n; ++r) {
          const size_t b = 3 + r * 6;
          sql += fmt::format("{}($1, ${}, ${}, ${}, ${}, ${}, ${}, $2)", r ? ", " : "", b, b + 1,
                             b + 2, b + 3, b + 4, b + 5);
        }
        sql += " ON CONFLICT DO NOTHING";
        m.emplace(std::make_pair(n, shared), std::move(sql));
      }
    }
    return m;
  }();
  return kTexts.at({rows, one_unit});
}

}  // namespace

Status ValidateFix(const Fix& f, int64_t now_ms) {
  if (!std::isfinite(f.lat) || std::fabs(f.lat) > 90)
    return Unprocessable("'lat' must be in [-90, 90]");
  if (!std::isfinite(f.lon) || std::fabs(f.lon) > 180)
    return Unprocessable("'lon' must be in [-180, 180]");
  if (f.time_ms < kYear2000Ms || f.time_ms > now_ms + kDayMs)
    return Unprocessable("fix time must be after 2000-01-01 and at most one day ahead");
  if (f.speed_mps && (!std::isfinite(*f.speed_mps) || *f.speed_mps < 0 || *f.speed_mps > 500))
    return Unprocessable("'speed' must be 0 to 500 m/s");
  if (f.heading && (!std::isfinite(*f.heading) || *f.heading < 0 || *f.heading > 360))
    return Unprocessable("'heading' must be 0 to 360 degrees");
  if (f.accuracy_m &&
      (!std::isfinite(*f.accuracy_m) || *f.accuracy_m < 0 || *f.accuracy_m > 100'000))
    return Unprocessable("'accuracy' must be 0 to 100000 metres");
  return Status::Ok();
}

PositionService::PositionService(store::Store& store, PositionIndex& index, PositionOptions options)
    : store_(store),
      index_(index),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : system_clock_),
      writes_(store) {}

PositionService::~PositionService() {
  {
    MutexLock lock(stale_mu_);
    stopping_ = true;
  }
  sweeper_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  writes_.Drain();
}

Result<int> PositionService::SweepStale(int64_t stale_after_ms) {
  const int64_t now = clock_.NowMs();
  std::vector<LatestFix> stale;
  {
    MutexLock lock(stale_mu_);
    for (const LatestFix& f : index_.All())
      if (now - f.received_ms > stale_after_ms && !flagged_stale_.count(f.unit_id))
        stale.push_back(f);
  }
  if (stale.empty()) return 0;
  auto scope_for = options_.scope_for;
  Status s = store_.WriteSync([&stale, scope_for, now](store::Tx& tx) -> Status {
    for (const LatestFix& f : stale) {
      json::object o{{"unit_id", f.unit_id},
                     {"last_fix_at", FormatIsoTime(f.time_ms)},
                     {"silent_s", (now - f.received_ms) / 1000}};
      auto e = tx.Append({events::type::kUnitStale, "system", "unit:" + f.unit_id,
                          scope_for ? scope_for(f.unit_id) : std::string(events::scope::kAdmin),
                          json::serialize(o)});
      if (!e.ok()) return e.status();
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  MutexLock lock(stale_mu_);
  for (const LatestFix& f : stale) {
    // A fix that arrived meanwhile wins: flag only what is still silent.
    auto latest = index_.Get(f.unit_id);
    if (latest && latest->received_ms == f.received_ms) flagged_stale_.insert(f.unit_id);
  }
  return static_cast<int>(stale.size());
}

void PositionService::StartStaleSweeper(int64_t stale_after_ms, int interval_ms) {
  sweeper_ = std::thread([this, stale_after_ms, interval_ms] {
    MutexLock lock(stale_mu_);
    while (!stopping_) {
      sweeper_cv_.wait_for(lock.Native(), std::chrono::milliseconds(interval_ms));
      if (stopping_) break;
      lock.Unlock();
      auto n = SweepStale(stale_after_ms);
      if (!n.ok()) spdlog::warn("stale sweep: {}", n.status().ToString());
      lock.Lock();
    }
  });
}

Status PositionService::Load() {
  auto devices =
      store_.Query("SELECT unit_id, external_id, key_hash FROM devices WHERE revoked_ms IS NULL");
  if (!devices.ok()) return devices.status();
  {
    WriterLock lock(mu_);
    for (size_t i = 0; i < devices->size(); ++i) {
      unit_by_key_hash_[devices->Text(i, "key_hash")] = devices->Text(i, "unit_id");
      if (!devices->Null(i, "external_id"))
        unit_by_external_[devices->Text(i, "external_id")] = devices->Text(i, "unit_id");
    }
  }
  auto latest = store_.Query(
      "SELECT p.unit_id, p.time_ms, p.lat, p.lon, p.received_ms FROM positions p JOIN "
      "(SELECT unit_id, MAX(time_ms) AS t FROM positions GROUP BY unit_id) m "
      "ON m.unit_id = p.unit_id AND m.t = p.time_ms");
  if (!latest.ok()) return latest.status();
  for (size_t i = 0; i < latest->size(); ++i)
    index_.Update({latest->Text(i, "unit_id"), latest->Real(i, "lat"), latest->Real(i, "lon"),
                   latest->Int(i, "time_ms"), latest->Int(i, "received_ms")});
  return Status::Ok();
}

void PositionService::AddDevice(std::string unit_id, std::string external_id, std::string label,
                                std::string actor, std::function<void(Result<NewDevice>)> done) {
  if (external_id.size() > 64 || label.size() > 100)
    return done(Unprocessable("'external_id' is at most 64 bytes, 'label' at most 100"));
  auto device = std::make_shared<NewDevice>();
  device->id = NewId();
  device->key = Base64Url(RandomBytes(32));
  const std::string hash = Sha256Hex(device->key);
  writes_.Submit(
      [device, unit_id, external_id, label, actor, hash](store::Tx& tx) -> Status {
        auto unit = dispatch::UnitHomeArea(tx, unit_id);
        if (!unit.ok()) return unit.status();
        if (!*unit) return NotFound("no unit '" + unit_id + "'");
        if (!external_id.empty()) {
          auto taken = tx.Exec("SELECT id FROM devices WHERE external_id = $1", {external_id});
          if (!taken.ok()) return taken.status();
          if (!taken->empty()) return Conflict("device id '" + external_id + "' is registered");
        }
        auto ins = tx.Exec(
            "INSERT INTO devices (id, unit_id, external_id, key_hash, label, created_ms) VALUES "
            "($1, $2, $3, $4, $5, $6)",
            {device->id, unit_id, external_id.empty() ? store::Value() : store::Value(external_id),
             hash, label.empty() ? store::Value() : store::Value(label), tx.NowMs()});
        if (!ins.ok()) return ins.status();
        json::object o{{"device_id", device->id}, {"unit_id", unit_id}};
        if (!external_id.empty()) o["external_id"] = external_id;
        auto e = tx.Append({events::type::kDeviceRegistered, actor, "unit:" + unit_id,
                            events::scope::StaffArea(**unit), json::serialize(o)});
        if (!e.ok()) return e.status();
        return Status::Ok();
      },
      [this, device, unit_id, external_id, hash, done = std::move(done)](
          Status s, std::vector<store::Event>) {
        if (!s.ok()) return done(s);
        {
          WriterLock lock(mu_);
          unit_by_key_hash_[hash] = unit_id;
          if (!external_id.empty()) unit_by_external_[external_id] = unit_id;
        }
        done(*device);
      });
}

std::optional<std::string> PositionService::UnitForKey(const std::string& key) const {
  if (key.empty() || key.size() > 128) return std::nullopt;
  const std::string hash = Sha256Hex(key);
  ReaderLock lock(mu_);
  auto it = unit_by_key_hash_.find(hash);
  if (it == unit_by_key_hash_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> PositionService::UnitForExternalId(
    const std::string& external_id) const {
  ReaderLock lock(mu_);
  auto it = unit_by_external_.find(external_id);
  if (it == unit_by_external_.end()) return std::nullopt;
  return it->second;
}

void PositionService::Ingest(std::vector<Fix> fixes, std::function<void(Result<int>)> done) {
  if (fixes.empty()) return done(Unprocessable("no fixes"));
  if (fixes.size() > kMaxFixesPerBatch) return done(Unprocessable("at most 1000 fixes per batch"));
  const int64_t now = clock_.NowMs();
  for (size_t i = 0; i < fixes.size(); ++i) {
    Status v = ValidateFix(fixes[i], now);
    if (!v.ok()) return done(Status(v.code(), fmt::format("fix {}: {}", i, v.message())));
  }
  auto batch = std::make_shared<std::vector<Fix>>(std::move(fixes));
  auto stored = std::make_shared<int>(0);
  const bool sweep = writes_count_.fetch_add(1) % kSweepEvery == 0;
  const int64_t retention = options_.retention_ms;
  auto scope_for = options_.scope_for;
  auto received = std::make_shared<int64_t>(0);
  // The newest fix of each unit in the batch (a device's batch is usually one unit's).
  auto newest = std::make_shared<std::unordered_map<std::string, const Fix*>>();
  writes_.Submit(
      [batch, stored, sweep, retention, scope_for, received, newest](store::Tx& tx) -> Status {
        auto& latest = *newest;
        latest.clear();  // a retried write starts over
        *stored = 0;
        const int64_t now = tx.NowMs();
        *received = now;
        if (sweep && retention > 0) {
          auto del = tx.Exec("DELETE FROM positions WHERE time_ms < $1", {now - retention});
          if (!del.ok()) return del.status();
        }
        // Multi-row INSERTs of up to 64 fixes: one statement step per chunk instead of per
        // fix (fixed chunk sizes, so the writer's statement cache holds eight texts).
        const std::vector<Fix>& fixes = *batch;
        for (size_t i = 0; i < fixes.size();) {
          const size_t n = ChunkSize(fixes.size() - i);
          bool one_unit = true;
          for (size_t k = i + 1; k < i + n && one_unit; ++k)
            one_unit = fixes[k].unit_id == fixes[i].unit_id;
          store::Params params;
          params.reserve(one_unit ? 2 + n * 6 : n * 8);
          if (one_unit) {
            params.emplace_back(fixes[i].unit_id);
            params.emplace_back(now);
          }
          for (size_t k = i; k < i + n; ++k) {
            const Fix& f = fixes[k];
            if (!one_unit) params.emplace_back(f.unit_id);
            params.emplace_back(f.time_ms);
            params.emplace_back(f.lat);
            params.emplace_back(f.lon);
            params.push_back(Opt(f.speed_mps));
            params.push_back(Opt(f.heading));
            params.push_back(Opt(f.accuracy_m));
            if (!one_unit) params.emplace_back(now);
          }
          auto ins = tx.Exec(InsertSql(n, one_unit), params);
          if (!ins.ok()) return ins.status();
          *stored += static_cast<int>(ins->affected);
          i += n;
        }
        for (const Fix& f : fixes) {
          auto& l = latest[f.unit_id];
          if (!l || l->time_ms < f.time_ms) l = &f;
        }
        for (const auto& [unit, f] : latest) {
          json::object o{{"unit_id", unit}, {"at", FormatIsoTime(f->time_ms)}};
          if (f->speed_mps) o["speed_mps"] = *f->speed_mps;
          if (f->heading) o["heading"] = *f->heading;
          auto e = tx.Append({events::type::kUnitMoved, "device", "unit:" + unit,
                              scope_for ? scope_for(unit) : std::string(events::scope::kAdmin),
                              WithPlainCoords(o, f->lat, f->lon)});
          if (!e.ok()) return e.status();
        }
        return Status::Ok();
      },
      [this, batch, stored, received, newest, done = std::move(done)](Status s,
                                                                      std::vector<store::Event>) {
        if (!s.ok()) return done(s);
        std::vector<LatestFix> fresh;
        fresh.reserve(newest->size());
        for (const auto& [unit, f] : *newest)
          fresh.push_back({unit, f->lat, f->lon, f->time_ms, *received});
        index_.UpdateMany(fresh);
        {
          MutexLock lock(stale_mu_);
          if (!flagged_stale_.empty())
            for (const auto& [unit, f] : *newest) flagged_stale_.erase(unit);
        }
        done(*stored);
      });
}

Result<std::vector<Fix>> PositionService::Trail(const std::string& unit_id, int64_t from_ms,
                                                int64_t to_ms) {
  auto rows = store_.Query(
      "SELECT time_ms, lat, lon, speed_mps, heading, accuracy_m FROM positions WHERE unit_id = "
      "$1 AND time_ms >= $2 AND time_ms <= $3 ORDER BY time_ms LIMIT " +
          std::to_string(kMaxTrailPoints),
      {unit_id, from_ms, to_ms});
  if (!rows.ok()) return rows.status();
  std::vector<Fix> out;
  out.reserve(rows->size());
  for (size_t i = 0; i < rows->size(); ++i) {
    Fix f;
    f.unit_id = unit_id;
    f.time_ms = rows->Int(i, "time_ms");
    f.lat = rows->Real(i, "lat");
    f.lon = rows->Real(i, "lon");
    if (!rows->Null(i, "speed_mps")) f.speed_mps = rows->Real(i, "speed_mps");
    if (!rows->Null(i, "heading")) f.heading = rows->Real(i, "heading");
    if (!rows->Null(i, "accuracy_m")) f.accuracy_m = rows->Real(i, "accuracy_m");
    out.push_back(f);
  }
  return out;
}

}  // namespace centinela::tracking
