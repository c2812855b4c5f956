// Times the pure hotspot functions on a city-sized synthetic input (seeded, so every run sees
// the same data): 650,000 events (the size of the CDMX file) drawn from 40 Gaussian clusters
// plus a uniform background over 50 km x 40 km, binned on 250 m cells (200 x 160); then
//   - DefaultDistanceBand (k-NN band over the non-empty cells),
//   - Gi* with that band and the FDR bins,
//   - the quartic KDE with a 750 m bandwidth from the 650,000 points,
//   - the Knox test on the first 100,000 events (200 m, 14 days, 99 permutations).
// Prints one Markdown row per step: the median of 3 runs, wall clock and process CPU, in ms.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <vector>

#include "analytics/hotspots.h"
#include "analytics/kde.h"
#include "analytics/knox.h"

namespace {

using centinela::analytics::Raster;

// Median wall-clock ms of 3 runs; *cpu_ms = median process CPU ms (what a loaded machine
// does not inflate: the functions are single-threaded).
double TimeMs(const std::function<void()>& f, double* cpu_ms) {
  std::vector<double> t, c;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu = std::clock();
    f();
    c.push_back(1000.0 * static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC);
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
  }
  std::sort(t.begin(), t.end());
  std::sort(c.begin(), c.end());
  *cpu_ms = c[1];
  return t[1];
}

}  // namespace

int main() {
  namespace a = centinela::analytics;
  constexpr double kWidth = 50'000, kHeight = 40'000, kCell = 250;
  std::mt19937_64 rng(20261123);
  std::uniform_real_distribution<double> ux(0, kWidth), uy(0, kHeight), uday(0, 1095);
  std::normal_distribution<double> n01(0, 1);
  std::vector<std::pair<double, double>> centres;
  for (int c = 0; c < 40; ++c) centres.emplace_back(ux(rng), uy(rng));
  std::vector<a::PointEvent> points;
  std::vector<a::SpaceTimeEvent> events;
  points.reserve(650'000);
  while (points.size() < 650'000) {
    double x, y;
    if (rng() % 10 < 6) {
      const auto& [cx, cy] = centres[rng() % centres.size()];
      x = cx + 600 * n01(rng);
      y = cy + 600 * n01(rng);
      if (x < 0 || y < 0 || x >= kWidth || y >= kHeight) continue;
    } else {
      x = ux(rng);
      y = uy(rng);
    }
    points.push_back({x, y, 1});
    if (events.size() < 100'000) events.push_back({x, y, uday(rng)});
  }
  Raster counts = a::MakeRaster(static_cast<int32_t>(kWidth / kCell),
                                static_cast<int32_t>(kHeight / kCell), kCell);
  for (const auto& p : points)
    counts.at(static_cast<int32_t>(p.x / kCell), static_cast<int32_t>(p.y / kCell)) += 1;

  std::printf("| step | input | wall ms | CPU ms | result |\n|---|---|---|---|---|\n");
  double band = 0, min_ms = 0;
  double ms = TimeMs([&] { band = *a::DefaultDistanceBand(counts); }, &min_ms);
  std::printf("| DefaultDistanceBand | %d x %d cells | %.1f | %.1f | band %.0f m |\n", counts.width,
              counts.height, ms, min_ms, band);
  int hot99 = 0;
  ms = TimeMs(
      [&] {
        auto g = a::GetisOrdGiStar(counts, a::GiOptions{.band_m = band});
        hot99 = static_cast<int>(std::count(g->bin.begin(), g->bin.end(), 3));
      },
      &min_ms);
  std::printf("| Gi* + FDR bins | %d cells, band %.0f m | %.1f | %.1f | %d cells hot at 99 %% |\n",
              static_cast<int>(counts.size()), band, ms, min_ms, hot99);
  double mass = 0;
  ms = TimeMs(
      [&] {
        auto d = a::KernelDensity(points, counts, 750);
        mass = 0;
        for (double v : d->values) mass += v * (kCell / 1000) * (kCell / 1000);
      },
      &min_ms);
  std::printf("| KDE quartic, h = 750 m | %zu points | %.1f | %.1f | integral %.0f |\n",
              points.size(), ms, min_ms, mass);
  a::KnoxResult k;
  ms = TimeMs(
      [&] {
        k = *a::KnoxTest(events, a::KnoxOptions{.distance_m = 200, .days = 14, .permutations = 99});
      },
      &min_ms);
  std::printf("| Knox, 200 m / 14 d, 99 permutations | %zu events | %.1f | %.1f | %lld close in "
              "space, ratio %.3f, p %.2f |\n",
              events.size(), ms, min_ms, static_cast<long long>(k.close_space), k.ratio, k.p_value);
  return 0;
}
