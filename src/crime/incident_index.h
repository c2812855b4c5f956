#pragma once
// IncidentIndex: every formal complaint and informal report as a point in memory, stored by
// column and sorted by time, so that the crime map's aggregations (cells of a metric grid,
// per-area counts, hour x weekday matrix, daily series) scan only the rows of the time
// window and touch a dozen bytes per row:
//   time_ms (int64), lat/lon in 1e-7 degrees (int32; ~1 cm), category id (uint16),
//   flags (uint8: informal, restricted, date unknown, located), area-set id (uint32).
// Category codes and the sets of area codes containing a point are interned in dictionaries.
//
// Writes: rows added in small batches go to an unsorted tail (at most kMaxTail rows) that
// queries scan whole; a bigger batch, or a full tail, is merged into a new sorted segment.
// Thread-safety: any thread may call anything. Queries take a snapshot (two shared_ptrs)
// under a mutex and scan without locks; writers are serialised and swap snapshots in.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "geo/grid.h"

namespace centinela::crime {

struct IncidentInput {
  int64_t time_ms = 0;
  bool located = false;
  double lat = 0, lon = 0;
  std::string category;
  std::string family;
  bool informal = false;           //!< a neighbour's report (else a formal complaint)
  bool restricted = false;         //!< of a restricted category (never located for the community)
  bool date_known = true;          //!< false: the source has no date (time_ms is a placeholder)
  std::vector<std::string> areas;  //!< codes of every area containing it (ancestors too)
};

enum class SourceFilter { kBoth, kFormal, kInformal };

struct IncidentFilter {
  std::optional<int64_t> from_ms, to_ms;  //!< [from, to); any bound excludes date-unknown rows
  std::vector<std::string> categories;    //!< empty: all
  std::vector<std::string> families;      //!< empty: all
  SourceFilter source = SourceFilter::kBoth;
  //! Only incidents inside at least one of these areas; nullopt: no area condition.
  std::optional<std::vector<std::string>> areas;
};

struct CellCount {
  int32_t ix = 0, iy = 0;
  uint32_t count = 0;
};

struct GridCounts {
  std::vector<CellCount> cells;  //!< non-empty cells, by iy then ix
  uint64_t matched = 0;          //!< incidents passing the filter
  uint64_t unlocated = 0;        //!< of those, without coordinates (area-level only)
};

//! Hour-of-day x day-of-week counts: [weekday 0 = Monday .. 6 = Sunday][hour 0..23].
using WeekMatrix = std::array<std::array<uint64_t, 24>, 7>;

class IncidentIndex {
 public:
  static constexpr size_t kMaxTail = 16'384;

  IncidentIndex();
  ~IncidentIndex();
  IncidentIndex(const IncidentIndex&) = delete;
  IncidentIndex& operator=(const IncidentIndex&) = delete;

  //! Adds incidents (any time order).
  void Add(const std::vector<IncidentInput>& batch);
  //! Rows held.
  size_t size() const;

  //! Counts per grid cell of the located incidents passing the filter.
  GridCounts Grid(const geo::Grid& grid, const IncidentFilter& filter) const;
  //! Incidents passing the filter per area code (an incident counts once in each area that
  //! contains it, so a parent's figure includes its children's). Every area of a matching
  //! incident's set is in the answer, also areas outside filter.areas: callers pick theirs.
  std::map<std::string, uint64_t> PerArea(const IncidentFilter& filter) const;
  //! Weekday x hour in local time (utc_offset_minutes east of UTC); date-unknown rows are
  //! always left out (their weekday is not known).
  WeekMatrix Matrix(const IncidentFilter& filter, int utc_offset_minutes) const;
  //! Counts per local day from `first_day` (days since 1970-01-01 in local time) for `days`
  //! days; the filter's own bounds also apply. Date-unknown rows are left out.
  std::vector<uint64_t> Daily(const IncidentFilter& filter, int64_t first_day, int days,
                              int utc_offset_minutes) const;
  //! Number of incidents passing the filter.
  uint64_t Count(const IncidentFilter& filter) const;
  //! Bounding box of the located incidents (nullopt when none).
  std::optional<std::array<double, 4>> Bounds() const;  // min_lat, min_lon, max_lat, max_lon

  struct Segment;
  struct Dict;
  struct Snapshot;

 private:
  std::shared_ptr<const Snapshot> Current() const;

  mutable Mutex mu_;
  // The pointer, not what it points to: a snapshot is immutable once published.
  std::shared_ptr<const Snapshot> snapshot_ GUARDED_BY(mu_);
  Mutex write_mu_;  // serialises Add
};

}  // namespace centinela::crime
