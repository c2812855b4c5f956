#include "crime/incident_index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace centinela::crime {

namespace {

constexpr uint8_t kInformal = 1, kRestricted = 2, kDateUnknown = 4, kLocated = 8;
constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kMaxDenseCells = size_t{1} << 22;  // 16 MiB of uint32 counters

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int32_t ToE7(double deg) { return static_cast<int32_t>(std::llround(deg * 1e7)); }

}  // namespace

struct IncidentIndex::Segment {
  std::vector<int64_t> time;
  std::vector<int32_t> lat, lon;  // 1e-7 degrees; 0 when not located
  std::vector<uint16_t> cat;
  std::vector<uint8_t> flags;
  std::vector<uint32_t> areaset;
  bool sorted = true;  // by time
  bool any_located = false;
  int32_t min_lat = std::numeric_limits<int32_t>::max(),
          max_lat = std::numeric_limits<int32_t>::min();
  int32_t min_lon = std::numeric_limits<int32_t>::max(),
          max_lon = std::numeric_limits<int32_t>::min();

  size_t size() const { return time.size(); }
  void Reserve(size_t n) {
    time.reserve(n);
    lat.reserve(n);
    lon.reserve(n);
    cat.reserve(n);
    flags.reserve(n);
    areaset.reserve(n);
  }
  void Push(const Segment& s, size_t i) {
    time.push_back(s.time[i]);
    lat.push_back(s.lat[i]);
    lon.push_back(s.lon[i]);
    cat.push_back(s.cat[i]);
    flags.push_back(s.flags[i]);
    areaset.push_back(s.areaset[i]);
    if (s.flags[i] & kLocated) Extend(s.lat[i], s.lon[i]);
  }
  void Extend(int32_t la, int32_t lo) {
    any_located = true;
    min_lat = std::min(min_lat, la);
    max_lat = std::max(max_lat, la);
    min_lon = std::min(min_lon, lo);
    max_lon = std::max(max_lon, lo);
  }
};

struct IncidentIndex::Dict {
  std::vector<std::string> categories, families;  // by category id
  std::map<std::string, uint16_t> category_ids;
  std::vector<std::vector<std::string>> areasets;  // by area-set id; 0 = no area
  std::map<std::vector<std::string>, uint32_t> areaset_ids;
  Dict() {
    areasets.emplace_back();
    areaset_ids[{}] = 0;
  }
};

struct IncidentIndex::Snapshot {
  std::shared_ptr<const Segment> main, tail;
  std::shared_ptr<const Dict> dict;
};

namespace {

// A filter resolved against one dictionary: byte masks by id and a flags test.
struct Compiled {
  std::vector<uint8_t> cat_ok;   // empty = every category
  std::vector<uint8_t> area_ok;  // empty = no area condition
  uint8_t flag_mask = 0, flag_want = 0;
  bool windowed = false;
  int64_t from = std::numeric_limits<int64_t>::min(), to = std::numeric_limits<int64_t>::max();
  bool nothing = false;  // a filter no row can pass
};

template <typename DictT>
Compiled Compile(const DictT& d, const IncidentFilter& f) {
  Compiled c;
  if (!f.categories.empty() || !f.families.empty()) {
    c.cat_ok.assign(d.categories.size(), 0);
    bool any = false;
    for (size_t i = 0; i < d.categories.size(); ++i) {
      bool by_code = f.categories.empty() || std::find(f.categories.begin(), f.categories.end(),
                                                       d.categories[i]) != f.categories.end();
      bool by_family = f.families.empty() || std::find(f.families.begin(), f.families.end(),
                                                       d.families[i]) != f.families.end();
      c.cat_ok[i] = by_code && by_family;
      any = any || c.cat_ok[i];
    }
    if (!any) c.nothing = true;
  }
  if (f.areas) {
    c.area_ok.assign(d.areasets.size(), 0);
    bool any = false;
    for (size_t i = 0; i < d.areasets.size(); ++i) {
      for (const std::string& code : d.areasets[i]) {
        if (std::find(f.areas->begin(), f.areas->end(), code) != f.areas->end()) {
          c.area_ok[i] = 1;
          any = true;
          break;
        }
      }
    }
    if (!any) c.nothing = true;
  }
  if (f.source == SourceFilter::kFormal) {
    c.flag_mask |= kInformal;
  } else if (f.source == SourceFilter::kInformal) {
    c.flag_mask |= kInformal;
    c.flag_want |= kInformal;
  }
  if (f.from_ms || f.to_ms) {
    c.windowed = true;
    c.flag_mask |= kDateUnknown;
    if (f.from_ms) c.from = *f.from_ms;
    if (f.to_ms) c.to = *f.to_ms;
    if (c.from >= c.to) c.nothing = true;
  }
  return c;
}

// Calls fn(segment, row) for every row of the snapshot passing the compiled filter.
template <typename Seg, typename Fn>
void ScanSegment(const Seg& s, const Compiled& c, Fn&& fn) {
  size_t begin = 0, end = s.size();
  if (c.windowed && s.sorted) {
    begin = static_cast<size_t>(std::lower_bound(s.time.begin(), s.time.end(), c.from) -
                                s.time.begin());
    end =
        static_cast<size_t>(std::lower_bound(s.time.begin(), s.time.end(), c.to) - s.time.begin());
  }
  const bool check_time = c.windowed && !s.sorted;
  const uint8_t* flags = s.flags.data();
  const uint16_t* cat = s.cat.data();
  const uint32_t* areaset = s.areaset.data();
  const uint8_t* cat_ok = c.cat_ok.empty() ? nullptr : c.cat_ok.data();
  const uint8_t* area_ok = c.area_ok.empty() ? nullptr : c.area_ok.data();
  const size_t ncat = c.cat_ok.size(), narea = c.area_ok.size();
  for (size_t i = begin; i < end; ++i) {
    if ((flags[i] & c.flag_mask) != c.flag_want) continue;
    if (cat_ok && (cat[i] >= ncat || !cat_ok[cat[i]])) continue;
    if (area_ok && (areaset[i] >= narea || !area_ok[areaset[i]])) continue;
    if (check_time && (s.time[i] < c.from || s.time[i] >= c.to)) continue;
    fn(s, i);
  }
}

template <typename Snap, typename Fn>
void Scan(const Snap& snap, const Compiled& c, Fn&& fn) {
  if (c.nothing) return;
  ScanSegment(*snap.main, c, fn);
  ScanSegment(*snap.tail, c, fn);
}

}  // namespace

IncidentIndex::IncidentIndex() {
  auto s = std::make_shared<Snapshot>();
  s->main = std::make_shared<Segment>();
  auto tail = std::make_shared<Segment>();
  tail->sorted = false;
  s->tail = tail;
  s->dict = std::make_shared<Dict>();
  snapshot_ = s;
}

IncidentIndex::~IncidentIndex() = default;

std::shared_ptr<const IncidentIndex::Snapshot> IncidentIndex::Current() const {
  MutexLock lock(mu_);
  return snapshot_;
}

size_t IncidentIndex::size() const {
  auto s = Current();
  return s->main->size() + s->tail->size();
}

void IncidentIndex::Add(const std::vector<IncidentInput>& batch) {
  if (batch.empty()) return;
  MutexLock writer(write_mu_);
  auto old = Current();

  // Intern new category codes and area sets (copy-on-write of the dictionary).
  std::shared_ptr<const Dict> dict = old->dict;
  std::shared_ptr<Dict> grown;
  auto mutable_dict = [&]() -> Dict& {
    if (!grown) grown = std::make_shared<Dict>(*dict);
    return *grown;
  };
  Segment rows;
  rows.sorted = false;
  rows.Reserve(batch.size());
  for (const IncidentInput& in : batch) {
    const Dict& d = grown ? *grown : *dict;
    uint16_t cat_id;
    if (auto it = d.category_ids.find(in.category); it != d.category_ids.end()) {
      cat_id = it->second;
    } else {
      Dict& m = mutable_dict();
      if (m.categories.size() >= std::numeric_limits<uint16_t>::max())
        continue;  // not reachable with real codes
      cat_id = static_cast<uint16_t>(m.categories.size());
      m.categories.push_back(in.category);
      m.families.push_back(in.family);
      m.category_ids[in.category] = cat_id;
    }
    uint32_t set_id = 0;
    if (!in.areas.empty()) {
      std::vector<std::string> key = in.areas;
      std::sort(key.begin(), key.end());
      key.erase(std::unique(key.begin(), key.end()), key.end());
      const Dict& d2 = grown ? *grown : *dict;
      if (auto it = d2.areaset_ids.find(key); it != d2.areaset_ids.end()) {
        set_id = it->second;
      } else {
        Dict& m = mutable_dict();
        set_id = static_cast<uint32_t>(m.areasets.size());
        m.areaset_ids[key] = set_id;
        m.areasets.push_back(std::move(key));
      }
    }
    uint8_t flags = 0;
    if (in.informal) flags |= kInformal;
    if (in.restricted) flags |= kRestricted;
    if (!in.date_known) flags |= kDateUnknown;
    int32_t la = 0, lo = 0;
    if (in.located && std::isfinite(in.lat) && std::isfinite(in.lon) && std::abs(in.lat) <= 90 &&
        std::abs(in.lon) <= 180) {
      flags |= kLocated;
      la = ToE7(in.lat);
      lo = ToE7(in.lon);
      rows.Extend(la, lo);
    }
    rows.time.push_back(in.time_ms);
    rows.lat.push_back(la);
    rows.lon.push_back(lo);
    rows.cat.push_back(cat_id);
    rows.flags.push_back(flags);
    rows.areaset.push_back(set_id);
  }
  if (grown) dict = grown;

  auto next = std::make_shared<Snapshot>();
  next->dict = dict;
  const Segment& tail = *old->tail;
  if (tail.size() + rows.size() <= kMaxTail) {
    auto t = std::make_shared<Segment>(tail);
    for (size_t i = 0; i < rows.size(); ++i) t->Push(rows, i);
    next->main = old->main;
    next->tail = t;
  } else {
    // Merge: the tail and the batch sorted by time, then merged with the sorted main.
    for (size_t i = 0; i < tail.size(); ++i) rows.Push(tail, i);
    std::vector<uint32_t> order(rows.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return rows.time[a] < rows.time[b]; });
    const Segment& main = *old->main;
    auto merged = std::make_shared<Segment>();
    merged->Reserve(main.size() + rows.size());
    size_t i = 0, j = 0;
    while (i < main.size() || j < order.size()) {
      if (j == order.size() || (i < main.size() && main.time[i] <= rows.time[order[j]])) {
        merged->Push(main, i++);
      } else {
        merged->Push(rows, order[j++]);
      }
    }
    auto empty_tail = std::make_shared<Segment>();
    empty_tail->sorted = false;
    next->main = merged;
    next->tail = empty_tail;
  }
  MutexLock lock(mu_);
  snapshot_ = next;
}

GridCounts IncidentIndex::Grid(const geo::Grid& grid, const IncidentFilter& filter) const {
  auto snap = Current();
  Compiled c = Compile(*snap->dict, filter);
  GridCounts out;

  // Cell of a row: ix = floor(lon_e7 * ax + bx), iy = floor(lat_e7 * ay + by).
  const double ax = 1e-7 / grid.cell_dlon(), bx = -grid.projection().lon0() / grid.cell_dlon();
  const double ay = 1e-7 / grid.cell_dlat(), by = -grid.projection().lat0() / grid.cell_dlat();
  auto cell_x = [&](int32_t lo) { return static_cast<int64_t>(std::floor(lo * ax + bx)); };
  auto cell_y = [&](int32_t la) { return static_cast<int64_t>(std::floor(la * ay + by)); };

  // Dense counters over the cells the data can reach when that is small; a hash map else.
  int64_t ix0 = 0, iy0 = 0, nx = 0, ny = 0;
  bool any = false;
  for (const Segment* s : {snap->main.get(), snap->tail.get()}) {
    if (!s->any_located) continue;
    int64_t x0 = cell_x(s->min_lon), x1 = cell_x(s->max_lon), y0 = cell_y(s->min_lat),
            y1 = cell_y(s->max_lat);
    if (!any) {
      ix0 = x0, iy0 = y0, nx = x1, ny = y1;  // nx/ny hold the max index until below
      any = true;
    } else {
      ix0 = std::min(ix0, x0), iy0 = std::min(iy0, y0), nx = std::max(nx, x1),
      ny = std::max(ny, y1);
    }
  }
  nx = any ? nx - ix0 + 1 : 0;
  ny = any ? ny - iy0 + 1 : 0;
  const bool dense = any && nx > 0 && ny > 0 &&
                     static_cast<uint64_t>(nx) * static_cast<uint64_t>(ny) <= kMaxDenseCells;
  std::vector<uint32_t> counts;
  std::unordered_map<uint64_t, uint32_t> sparse;
  if (dense) counts.assign(static_cast<size_t>(nx * ny), 0);

  uint64_t matched = 0, unlocated = 0;
  Scan(*snap, c, [&](const Segment& s, size_t i) {
    ++matched;
    if (!(s.flags[i] & kLocated)) {
      ++unlocated;
      return;
    }
    int64_t ix = cell_x(s.lon[i]), iy = cell_y(s.lat[i]);
    if (dense) {
      ++counts[static_cast<size_t>((iy - iy0) * nx + (ix - ix0))];
    } else {
      ++sparse[(static_cast<uint64_t>(static_cast<uint32_t>(iy)) << 32) |
               static_cast<uint32_t>(ix)];
    }
  });
  out.matched = matched;
  out.unlocated = unlocated;
  if (dense) {
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        if (uint32_t n = counts[static_cast<size_t>(y * nx + x)]) {
          out.cells.push_back({static_cast<int32_t>(x + ix0), static_cast<int32_t>(y + iy0), n});
        }
      }
    }
  } else {
    out.cells.reserve(sparse.size());
    for (const auto& [key, n] : sparse)
      out.cells.push_back(
          {static_cast<int32_t>(static_cast<uint32_t>(key)), static_cast<int32_t>(key >> 32), n});
    std::sort(out.cells.begin(), out.cells.end(), [](const CellCount& a, const CellCount& b) {
      return a.iy != b.iy ? a.iy < b.iy : a.ix < b.ix;
    });
  }
  return out;
}

std::map<std::string, uint64_t> IncidentIndex::PerArea(const IncidentFilter& filter) const {
  auto snap = Current();
  Compiled c = Compile(*snap->dict, filter);
  std::vector<uint64_t> by_set(snap->dict->areasets.size(), 0);
  Scan(*snap, c, [&](const Segment& s, size_t i) { ++by_set[s.areaset[i]]; });
  std::map<std::string, uint64_t> out;
  for (size_t i = 1; i < by_set.size(); ++i) {
    if (by_set[i] == 0) continue;
    for (const std::string& code : snap->dict->areasets[i]) out[code] += by_set[i];
  }
  return out;
}

WeekMatrix IncidentIndex::Matrix(const IncidentFilter& filter, int utc_offset_minutes) const {
  auto snap = Current();
  Compiled c = Compile(*snap->dict, filter);
  c.flag_mask |= kDateUnknown;
  WeekMatrix m{};
  const int64_t offset = int64_t{utc_offset_minutes} * 60'000;
  Scan(*snap, c, [&](const Segment& s, size_t i) {
    int64_t local = s.time[i] + offset;
    int64_t day = FloorDiv(local, kDayMs);
    int64_t hour = (local - day * kDayMs) / 3'600'000;
    int64_t weekday = ((day % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday (3, Monday = 0)
    ++m[static_cast<size_t>(weekday)][static_cast<size_t>(hour)];
  });
  return m;
}

std::vector<uint64_t> IncidentIndex::Daily(const IncidentFilter& filter, int64_t first_day,
                                           int days, int utc_offset_minutes) const {
  std::vector<uint64_t> out(static_cast<size_t>(std::max(days, 0)), 0);
  if (days <= 0) return out;
  const int64_t offset = int64_t{utc_offset_minutes} * 60'000;
  IncidentFilter f = filter;
  int64_t from = first_day * kDayMs - offset, to = (first_day + days) * kDayMs - offset;
  f.from_ms = filter.from_ms ? std::max(*filter.from_ms, from) : from;
  f.to_ms = filter.to_ms ? std::min(*filter.to_ms, to) : to;
  auto snap = Current();
  Compiled c = Compile(*snap->dict, f);
  Scan(*snap, c, [&](const Segment& s, size_t i) {
    int64_t day = FloorDiv(s.time[i] + offset, kDayMs) - first_day;
    if (day >= 0 && day < days) ++out[static_cast<size_t>(day)];
  });
  return out;
}

uint64_t IncidentIndex::Count(const IncidentFilter& filter) const {
  auto snap = Current();
  Compiled c = Compile(*snap->dict, filter);
  uint64_t n = 0;
  Scan(*snap, c, [&](const Segment&, size_t) { ++n; });
  return n;
}

std::optional<std::array<double, 4>> IncidentIndex::Bounds() const {
  auto snap = Current();
  std::optional<std::array<double, 4>> b;
  for (const Segment* s : {snap->main.get(), snap->tail.get()}) {
    if (!s->any_located) continue;
    std::array<double, 4> v{s->min_lat * 1e-7, s->min_lon * 1e-7, s->max_lat * 1e-7,
                            s->max_lon * 1e-7};
    if (!b) {
      b = v;
    } else {
      (*b)[0] = std::min((*b)[0], v[0]);
      (*b)[1] = std::min((*b)[1], v[1]);
      (*b)[2] = std::max((*b)[2], v[2]);
      (*b)[3] = std::max((*b)[3], v[3]);
    }
  }
  return b;
}

}  // namespace centinela::crime
