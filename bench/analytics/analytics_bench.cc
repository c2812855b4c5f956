// analytics_bench: loads the CDMX complaints file through the shipped mapping into an
// IncidentIndex, scales it up to --total incidents with a seeded generator, and times the
// crime map's 250 m grid aggregation for a one-month window and for the whole range, and
// Gi* (default distance band, FDR bins; crime/hotspot_grid.h, what GET
// /api/v1/analytics/hotspots runs) on each of those grids over the rectangle around their
// non-empty cells.
//
// Synthetic scale-up (documented in docs/benchmarks.md): each extra incident copies a real
// one picked uniformly at random (mt19937_64, --seed), keeps its category, moves it by a
// normal offset of 150 m (sd) in each axis and by a uniform -15..+15 days in time, clamped
// to the real range. So the extra rows have the real spatial and seasonal mix.
//
// --csv FILE writes every incident (real and synthetic) as `t_ms,lat,lon,category` for the
// PostGIS anchor run.sh loads with COPY.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "community/categories.h"
#include "crime/csv_reader.h"
#include "crime/hotspot_grid.h"
#include "crime/incident_index.h"
#include "crime/mapping.h"
#include "geo/grid.h"

using namespace centinela;
using SteadyClock = std::chrono::steady_clock;

namespace {

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Timing {
  double median = 0, p95 = 0, min = 0;
};

template <typename Fn>
Timing Time(int runs, Fn&& fn) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto a = SteadyClock::now();
    fn();
    t.push_back(Ms(SteadyClock::now() - a));
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2],
          t[std::min(t.size() - 1, static_cast<size_t>(std::ceil(t.size() * 0.95)) - 1)], t[0]};
}

}  // namespace

int main(int argc, char** argv) {
  std::string file, mapping_path, csv_out;
  size_t total = 10'000'000;
  uint64_t seed = 42;
  int runs = 15;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--file")
      file = next();
    else if (a == "--mapping")
      mapping_path = next();
    else if (a == "--total")
      total = std::stoull(next());
    else if (a == "--seed")
      seed = std::stoull(next());
    else if (a == "--runs")
      runs = std::stoi(next());
    else if (a == "--csv")
      csv_out = next();
    else {
      std::cerr
          << "usage: analytics_bench --file CDMX.csv.gz --mapping mappings/cdmx_carpetas.toml "
             "[--total N] [--seed S] [--runs R] [--csv OUT]\n";
      return 2;
    }
  }
  std::map<std::string, std::string> families;
  for (const auto& c : community::SeedCategories()) families[c.code] = c.family;
  std::ifstream min(mapping_path);
  std::stringstream mtext;
  mtext << min.rdbuf();
  auto mapping = crime::ParseMapping(mtext.str(), families);
  if (!mapping.ok()) {
    std::cerr << mapping.status().message() << "\n";
    return 1;
  }
  auto reader = crime::CsvReader::Open(file, mapping->delimiter);
  if (!reader.ok()) {
    std::cerr << reader.status().message() << "\n";
    return 1;
  }
  std::vector<std::string_view> fields;
  (*reader)->Next(fields);
  auto conv = crime::RowConverter::Make(*mapping, fields, families);
  if (!conv.ok()) {
    std::cerr << conv.status().message() << "\n";
    return 1;
  }
  auto t0 = SteadyClock::now();
  std::vector<crime::IncidentInput> real;
  while ((*reader)->Next(fields)) {
    auto r = conv->Complaint(fields);
    if (!r.ok() || !r->lat) continue;
    crime::IncidentInput in;
    in.time_ms = r->occurred_ms;
    in.located = true;
    in.lat = *r->lat;
    in.lon = *r->lon;
    in.category = r->category;
    in.family = r->family;
    real.push_back(std::move(in));
  }
  const double parse_ms = Ms(SteadyClock::now() - t0);
  int64_t tmin = INT64_MAX, tmax = INT64_MIN;
  for (const auto& in : real) tmin = std::min(tmin, in.time_ms), tmax = std::max(tmax, in.time_ms);

  std::vector<crime::IncidentInput> all = real;
  all.reserve(std::max(total, real.size()));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, real.size() - 1);
  std::normal_distribution<double> jitter(0, 150.0);
  std::uniform_int_distribution<int64_t> shift(-15 * 86'400'000LL, 15 * 86'400'000LL);
  const double m_per_deg = geo::kEarthRadiusMeters * M_PI / 180;
  while (all.size() < total) {
    crime::IncidentInput in = real[pick(rng)];
    in.lat += jitter(rng) / m_per_deg;
    in.lon += jitter(rng) / (m_per_deg * std::cos(in.lat * M_PI / 180));
    in.time_ms = std::clamp(in.time_ms + shift(rng), tmin, tmax);
    all.push_back(std::move(in));
  }
  auto t1 = SteadyClock::now();
  crime::IncidentIndex index;
  index.Add(all);
  const double build_ms = Ms(SteadyClock::now() - t1);

  if (!csv_out.empty()) {
    std::ofstream out(csv_out);
    char line[160];
    for (const auto& in : all) {
      int n =
          std::snprintf(line, sizeof line, "%lld,%.7f,%.7f,%s\n",
                        static_cast<long long>(in.time_ms), in.lat, in.lon, in.category.c_str());
      out.write(line, n);
    }
  }

  auto grid = geo::Grid::Make(19.40, -99.13, 250);
  // One month: June 2020 in Mexico City local time (-06:00).
  crime::IncidentFilter month;
  month.from_ms = 1590969600000LL + 6 * 3600000LL;  // 2020-06-01T06:00Z
  month.to_ms = 1593561600000LL + 6 * 3600000LL;    // 2020-07-01T06:00Z
  crime::IncidentFilter full;
  crime::GridCounts gm, gf;
  Timing tm = Time(runs, [&] { gm = index.Grid(*grid, month); });
  Timing tf = Time(std::max(3, runs / 3), [&] { gf = index.Grid(*grid, full); });
  // Gi* on each grid result: the study area is the rectangle around the non-empty cells
  // (no polygon mask), the band the default (K-th nearest non-empty cell), FDR on.
  auto gi = [&](const crime::GridCounts& counts, crime::HotspotGrid* out) {
    auto study = crime::StudyAreaOfCells(counts);
    if (!study.ok()) {
      std::cerr << study.status().message() << "\n";
      std::exit(1);
    }
    auto h = crime::GridHotspots(*grid, counts, *study, crime::HotspotOptions{});
    if (!h.ok()) {
      std::cerr << h.status().message() << "\n";
      std::exit(1);
    }
    *out = std::move(*h);
  };
  crime::HotspotGrid hm, hf;
  // Cells with |z| >= 2.5758 (99 % without FDR): what the SQL anchor counts too.
  auto z99 = [](const crime::HotspotGrid& h) {
    long long n = 0;
    for (size_t i = 0; i < h.gi.z.size(); ++i)
      if ((h.study.mask.empty() || h.study.mask[i]) && std::abs(h.gi.z[i]) >= 2.5758) ++n;
    return n;
  };
  Timing gm_t = Time(std::max(3, runs / 3), [&] { gi(gm, &hm); });
  Timing gf_t = Time(std::max(3, runs / 3), [&] { gi(gf, &hf); });
  std::printf(
      "{\"real_rows\":%zu,\"total_rows\":%zu,\"seed\":%llu,\"parse_ms\":%.0f,\"index_build_ms\":%."
      "0f,"
      "\"month_rows\":%llu,\"month_cells\":%zu,\"month_ms_median\":%.2f,\"month_ms_p95\":%.2f,"
      "\"month_ms_min\":%.2f,"
      "\"full_rows\":%llu,\"full_cells\":%zu,\"full_ms_median\":%.1f,\"full_ms_p95\":%.1f,\"full_"
      "ms_min\":%.1f,"
      "\"gi_month_study_cells\":%lld,\"gi_month_band_m\":%.0f,\"gi_month_hot\":%lld,"
      "\"gi_month_cold\":%lld,\"gi_month_ms_median\":%.2f,\"gi_month_ms_p95\":%.2f,"
      "\"gi_full_study_cells\":%lld,\"gi_full_band_m\":%.0f,\"gi_full_hot\":%lld,"
      "\"gi_full_cold\":%lld,\"gi_full_ms_median\":%.2f,\"gi_full_ms_p95\":%.2f,"
      "\"gi_month_z99\":%lld,\"gi_full_z99\":%lld,"
      "\"gi_month_x0\":%d,\"gi_month_y0\":%d,\"gi_month_w\":%d,\"gi_month_h\":%d,"
      "\"grid_lat0\":19.40,\"grid_lon0\":-99.13,\"cell_dlat\":%.12f,\"cell_dlon\":%.12f,"
      "\"month_from_ms\":%lld,\"month_to_ms\":%lld}\n",
      real.size(), all.size(), static_cast<unsigned long long>(seed), parse_ms, build_ms,
      static_cast<unsigned long long>(gm.matched), gm.cells.size(), tm.median, tm.p95, tm.min,
      static_cast<unsigned long long>(gf.matched), gf.cells.size(), tf.median, tf.p95, tf.min,
      static_cast<long long>(hm.gi.n), hm.band_m, static_cast<long long>(hm.Hot()),
      static_cast<long long>(hm.Cold()), gm_t.median, gm_t.p95, static_cast<long long>(hf.gi.n),
      hf.band_m, static_cast<long long>(hf.Hot()), static_cast<long long>(hf.Cold()), gf_t.median,
      gf_t.p95, z99(hm), z99(hf), hm.study.ix0, hm.study.iy0, hm.study.width, hm.study.height, grid->cell_dlat(),
      grid->cell_dlon(), static_cast<long long>(*month.from_ms),
      static_cast<long long>(*month.to_ms));
  return 0;
}
