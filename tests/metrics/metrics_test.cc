// The metrics registry's text format, as Prometheus parses it, and the HTTP endpoint serving it.
#include "common/metrics/metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "common/metrics/health.h"
#include "common/metrics/http_endpoint.h"
#include "tests/testing/eventually.h"

namespace hattama::metrics {
namespace {

using namespace std::chrono_literals;

TEST(Registry, RendersCountersByLabelWithHelpAndType) {
  Registry registry;
  registry
      .GetCounter("hattama_submissions_total", "Submissions answered", {{"outcome", "accepted"}})
      .Increment(3);
  registry
      .GetCounter("hattama_submissions_total", "Submissions answered", {{"outcome", "rejected"}})
      .Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP hattama_submissions_total Submissions answered\n"
            "# TYPE hattama_submissions_total counter\n"
            "hattama_submissions_total{outcome=\"accepted\"} 3\n"
            "hattama_submissions_total{outcome=\"rejected\"} 1\n");
}

TEST(Registry, SameNameAndLabelsIsTheSameMetric) {
  Registry registry;
  Counter& first = registry.GetCounter("c_total", "c", {{"a", "1"}});
  Counter& again = registry.GetCounter("c_total", "c", {{"a", "1"}});
  EXPECT_EQ(&first, &again);
}

TEST(Registry, RendersGaugesWithFractions) {
  Registry registry;
  registry.GetGauge("lag", "Consumer lag").Set(12);
  registry.GetGauge("ratio", "A fraction").Set(0.25);
  EXPECT_EQ(registry.Render(),
            "# HELP lag Consumer lag\n# TYPE lag gauge\nlag 12\n"
            "# HELP ratio A fraction\n# TYPE ratio gauge\nratio 0.25\n");
}

TEST(Registry, RendersHistogramBucketsCumulativelyWithInfSumAndCount) {
  Registry registry;
  Histogram& h = registry.GetHistogram("latency_seconds", "Latency", {0.1, 1}, {{"m", "x"}});
  h.Observe(0.05);
  h.Observe(0.1);  // A value equal to a bound falls in that bucket (le = less or equal).
  h.Observe(0.5);
  h.Observe(7);
  EXPECT_EQ(registry.Render(),
            "# HELP latency_seconds Latency\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{m=\"x\",le=\"0.10000000000000001\"} 2\n"
            "latency_seconds_bucket{m=\"x\",le=\"1\"} 3\n"
            "latency_seconds_bucket{m=\"x\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{m=\"x\"} 7.6500000000000004\n"
            "latency_seconds_count{m=\"x\"} 4\n");
}

TEST(Registry, EscapesLabelValues) {
  Registry registry;
  registry.GetCounter("c_total", "help", {{"why", "a \"quoted\"\\path\nnext"}}).Increment();
  EXPECT_NE(registry.Render().find("c_total{why=\"a \\\"quoted\\\"\\\\path\\nnext\"} 1\n"),
            std::string::npos)
      << registry.Render();
}

TEST(Registry, CountsEveryIncrementFromManyThreads) {
  Registry registry;
  Counter& counter = registry.GetCounter("c_total", "c");
  Histogram& histogram = registry.GetHistogram("h", "h", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.Increment();
        histogram.Observe(0.5);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 40000);
  EXPECT_EQ(histogram.snapshot().count, 40000u);
  EXPECT_EQ(histogram.snapshot().sum, 20000);
}

TEST(HttpEndpoint, ServesTheRegistryAndHealth) {
  Registry registry;
  registry.GetCounter("served_total", "s").Increment(5);
  std::atomic<bool> healthy{false};
  auto endpoint = HttpEndpoint::Start("127.0.0.1:0", registry, [&] { return healthy.load(); });
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().message();
  httplib::Client client("127.0.0.1", (*endpoint)->port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("served_total 5\n"), std::string::npos);
  EXPECT_EQ(metrics->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);

  auto unhealthy = client.Get("/healthz");
  ASSERT_TRUE(unhealthy);
  EXPECT_EQ(unhealthy->status, 503);
  healthy = true;
  auto ok = client.Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto live = client.Get("/livez");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
}

TEST(HttpEndpoint, RefusesAnAddressInUse) {
  Registry registry;
  auto first = HttpEndpoint::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(first.ok());
  auto second = HttpEndpoint::Start("127.0.0.1:" + std::to_string((*first)->port()), registry);
  EXPECT_FALSE(second.ok());
}

TEST(HttpEndpoint, EmptyAddressServesNothing) {
  Registry registry;
  auto none = HttpEndpoint::Start("", registry);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
}

TEST(HttpEndpoint, RefusesAnAddressWithoutPort) {
  Registry registry;
  EXPECT_FALSE(HttpEndpoint::Start("localhost", registry).ok());
}

TEST(HealthWatch, ReportsTheFirstCheckAtOnceAndLaterChanges) {
  std::atomic<bool> up{false};
  std::vector<bool> changes;
  std::mutex mutex;
  HealthWatch watch([&] { return up.load() ? Status::Ok() : Status::Error("redis down"); }, 10ms,
                    [&](bool healthy) {
                      std::lock_guard lock(mutex);
                      changes.push_back(healthy);
                    });
  EXPECT_FALSE(watch.healthy());
  up = true;
  EXPECT_TRUE(testing::Eventually([&] { return watch.healthy(); }, 1s, 5ms));
  std::lock_guard lock(mutex);
  EXPECT_EQ(changes, (std::vector<bool>{false, true}));
}

}  // namespace
}  // namespace hattama::metrics
