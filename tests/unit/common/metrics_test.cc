#include "common/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace centinela {
namespace {

TEST(MetricsTest, CounterAndGaugeRender) {
  Metrics m;
  m.Describe("requests_total", "counter", "Requests served.");
  m.Inc("requests_total", {{"code", "200"}});
  m.Inc("requests_total", {{"code", "200"}}, 2);
  m.Inc("requests_total", {{"code", "404"}});
  m.Set("queue_depth", {}, 7);
  EXPECT_EQ(m.Value("requests_total", {{"code", "200"}}), 3);
  EXPECT_EQ(m.Value("requests_total", {{"code", "500"}}), 0);
  EXPECT_EQ(m.Value("missing"), 0);
  EXPECT_EQ(m.Render(),
            "# TYPE queue_depth gauge\n"
            "queue_depth 7\n"
            "# HELP requests_total Requests served.\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\"} 3\n"
            "requests_total{code=\"404\"} 1\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInclusive) {
  Metrics m;
  m.Describe("batch", "histogram", "Batch sizes.", {1, 2, 4});
  m.Observe("batch", {{"backend", "sqlite"}}, 1);  // le="1" includes 1
  m.Observe("batch", {{"backend", "sqlite"}}, 3);
  m.Observe("batch", {{"backend", "sqlite"}}, 5);  // only +Inf
  EXPECT_EQ(m.Count("batch", {{"backend", "sqlite"}}), 3u);
  EXPECT_EQ(m.Render(),
            "# HELP batch Batch sizes.\n"
            "# TYPE batch histogram\n"
            "batch_bucket{backend=\"sqlite\",le=\"1\"} 1\n"
            "batch_bucket{backend=\"sqlite\",le=\"2\"} 1\n"
            "batch_bucket{backend=\"sqlite\",le=\"4\"} 2\n"
            "batch_bucket{backend=\"sqlite\",le=\"+Inf\"} 3\n"
            "batch_sum{backend=\"sqlite\"} 9\n"
            "batch_count{backend=\"sqlite\"} 3\n");
}

TEST(MetricsTest, UndescribedHistogramUsesLatencyBuckets) {
  Metrics m;
  m.Observe("latency_seconds", {}, 0.003);
  const std::string text = m.Render();
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.0025\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_count 1\n"), std::string::npos) << text;
  EXPECT_EQ(Metrics::LatencyBuckets().size(), 14u);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m;
  m.Inc("odd_total", {{"path", "a\"b\\c\nd"}});
  EXPECT_EQ(m.Render(),
            "# TYPE odd_total counter\n"
            "odd_total{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsTest, RedescribeIsANoOp) {
  Metrics m;
  m.Describe("x", "gauge", "first");
  m.Describe("x", "counter", "second");
  m.Set("x", {}, 1);
  EXPECT_EQ(m.Render(), "# HELP x first\n# TYPE x gauge\nx 1\n");
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) m.Inc("n_total");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.Value("n_total"), 40000);
}

}  // namespace
}  // namespace centinela
