#pragma once
// Prometheus-style metrics: counters, gauges and histograms with labels, rendered as the
// text exposition format. Thread-safe; recording takes one short mutex-protected update.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"

namespace centinela {

using Labels = std::vector<std::pair<std::string, std::string>>;

//! A registry of metric families. Pass it to the subsystems that record (no global).
class Metrics {
 public:
  //! Default latency buckets in seconds (0.5 ms .. 10 s).
  static const std::vector<double>& LatencyBuckets();

  //! Declares a family; `type` is "counter", "gauge" or "histogram". Re-declaring is a no-op.
  void Describe(const std::string& name, const std::string& type, const std::string& help,
                std::vector<double> buckets = {});
  void Inc(const std::string& name, const Labels& labels = {}, double by = 1.0);
  void Set(const std::string& name, const Labels& labels, double value);
  void Observe(const std::string& name, const Labels& labels, double value);

  //! Value of a counter or gauge series (0 when absent); for tests.
  double Value(const std::string& name, const Labels& labels = {}) const;
  //! Observation count of a histogram series (0 when absent); for tests.
  uint64_t Count(const std::string& name, const Labels& labels = {}) const;

  //! The whole registry in Prometheus text format 0.0.4.
  std::string Render() const;

 private:
  struct Series {
    double value = 0;                // counter / gauge
    std::vector<uint64_t> buckets;   // histogram, cumulative at render time
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    std::string type;
    std::string help;
    std::vector<double> bounds;
    std::map<Labels, Series> series;
  };
  Family& FamilyFor(const std::string& name, const char* default_type) REQUIRES(mu_);

  mutable Mutex mu_;
  std::map<std::string, Family> families_ GUARDED_BY(mu_);
};

}  // namespace centinela
