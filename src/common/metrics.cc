#include "common/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace centinela {

const std::vector<double>& Metrics::LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                               0.05,   0.1,   0.25,   0.5,   1,    2.5,
                                               5,      10};
  return kBuckets;
}

void Metrics::Describe(const std::string& name, const std::string& type,
                       const std::string& help, std::vector<double> buckets) {
  MutexLock lock(mu_);
  Family& f = families_[name];
  if (!f.type.empty()) return;
  f.type = type;
  f.help = help;
  if (type != "histogram") return;
  if (buckets.empty()) {
    f.bounds = LatencyBuckets();
  } else {
    f.bounds = std::move(buckets);
  }
}

Metrics::Family& Metrics::FamilyFor(const std::string& name, const char* default_type) {
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = default_type;
    if (f.type == "histogram") f.bounds = LatencyBuckets();
  }
  return f;
}

void Metrics::Inc(const std::string& name, const Labels& labels, double by) {
  MutexLock lock(mu_);
  FamilyFor(name, "counter").series[labels].value += by;
}

void Metrics::Set(const std::string& name, const Labels& labels, double value) {
  MutexLock lock(mu_);
  FamilyFor(name, "gauge").series[labels].value = value;
}

void Metrics::Observe(const std::string& name, const Labels& labels, double value) {
  MutexLock lock(mu_);
  Family& f = FamilyFor(name, "histogram");
  Series& s = f.series[labels];
  if (s.buckets.empty()) s.buckets.assign(f.bounds.size(), 0);
  auto it = std::lower_bound(f.bounds.begin(), f.bounds.end(), value);
  if (it != f.bounds.end()) s.buckets[static_cast<size_t>(it - f.bounds.begin())]++;
  s.sum += value;
  s.count++;
}

double Metrics::Value(const std::string& name, const Labels& labels) const {
  MutexLock lock(mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto s = f->second.series.find(labels);
  return s == f->second.series.end() ? 0 : s->second.value;
}

uint64_t Metrics::Count(const std::string& name, const Labels& labels) const {
  MutexLock lock(mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto s = f->second.series.find(labels);
  return s == f->second.series.end() ? 0 : s->second.count;
}

namespace {

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra_key = {},
                      const std::string& extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += fmt::format("{}=\"{}\"", k, EscapeLabel(v));
  }
  if (!extra_key.empty()) {
    if (!first) out += ",";
    out += fmt::format("{}=\"{}\"", extra_key, extra_value);
  }
  return out + "}";
}

}  // namespace

std::string Metrics::Render() const {
  MutexLock lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += fmt::format("# HELP {} {}\n", name, f.help);
    out += fmt::format("# TYPE {} {}\n", name, f.type);
    for (const auto& [labels, s] : f.series) {
      if (f.type != "histogram") {
        out += fmt::format("{}{} {}\n", name, LabelText(labels), s.value);
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += i < s.buckets.size() ? s.buckets[i] : 0;
        out += fmt::format("{}_bucket{} {}\n", name,
                           LabelText(labels, "le", fmt::format("{}", f.bounds[i])), cumulative);
      }
      out += fmt::format("{}_bucket{} {}\n", name, LabelText(labels, "le", "+Inf"), s.count);
      out += fmt::format("{}_sum{} {}\n", name, LabelText(labels), s.sum);
      out += fmt::format("{}_count{} {}\n", name, LabelText(labels), s.count);
    }
  }
  return out;
}

}  // namespace centinela
