#include "common/metrics/service_metrics.h"

#include "common/metrics/metrics.h"

namespace hattama::metrics {
namespace {

double Seconds(Duration duration) { return std::chrono::duration<double>(duration).count(); }

}  // namespace

void RecordAnswer(const std::string& kind, const std::string& outcome) {
  DefaultRegistry()
      .GetCounter("hattama_ingestion_answers_total",
                  "Answers sent to hubs, by message kind and outcome",
                  {{"kind", kind}, {"outcome", outcome}})
      .Increment();
}

void RecordProduce(Duration queued_to_confirmed, bool ok) {
  static Histogram& latency = DefaultRegistry().GetHistogram(
      "hattama_ingestion_produce_seconds", "Time from queueing a record to Kafka confirming it",
      LatencyBuckets());
  static Counter& failures = DefaultRegistry().GetCounter(
      "hattama_ingestion_produce_failures_total", "Records Kafka did not confirm");
  if (ok) {
    latency.Observe(Seconds(queued_to_confirmed));
  } else {
    failures.Increment();
  }
}

void RecordBatch(size_t submissions) {
  static Histogram& sizes = DefaultRegistry().GetHistogram(
      "hattama_aggregation_batch_size", "Submissions applied per Redis round trip", SizeBuckets());
  sizes.Observe(static_cast<double>(submissions));
}

void RecordRedisRoundTrip(const std::string& service, Duration round_trip) {
  DefaultRegistry()
      .GetHistogram("hattama_redis_round_trip_seconds", "Time of one pipelined round trip to Redis",
                    LatencyBuckets(), {{"service", service}})
      .Observe(Seconds(round_trip));
}

void RecordApplyLatency(double seconds) {
  static Histogram& latency = DefaultRegistry().GetHistogram(
      "hattama_aggregation_apply_latency_seconds",
      "Time from ingestion accepting a submission to aggregation applying it in Redis",
      LatencyBuckets());
  latency.Observe(seconds);
}

void RecordApplied(const std::string& outcome, int64_t count) {
  DefaultRegistry()
      .GetCounter("hattama_aggregation_applied_total", "Submissions applied to Redis, by outcome",
                  {{"outcome", outcome}})
      .Increment(static_cast<double>(count));
}

void RecordConsumerLag(int64_t messages) {
  static Gauge& lag = DefaultRegistry().GetGauge(
      "hattama_aggregation_consumer_lag",
      "Messages in this member's partitions of hattama.submissions.v1 not read yet");
  lag.Set(static_cast<double>(messages));
}

void RecordTotalsCache(bool hit) {
  static Counter& hits = DefaultRegistry().GetCounter(
      "hattama_publication_totals_cache_total", "Totals answered from memory or read from Redis",
      {{"result", "hit"}});
  static Counter& misses = DefaultRegistry().GetCounter(
      "hattama_publication_totals_cache_total", "Totals answered from memory or read from Redis",
      {{"result", "miss"}});
  (hit ? hits : misses).Increment();
}

void RecordChangeFeedReady(bool ready) {
  static Gauge& gauge = DefaultRegistry().GetGauge(
      "hattama_publication_change_feed_ready",
      "1 while the totals change feed is read to its end and the totals cache is in use");
  gauge.Set(ready ? 1 : 0);
}

void RecordWatchers(int64_t open) {
  static Gauge& gauge =
      DefaultRegistry().GetGauge("hattama_publication_watchers", "Open Watch streams");
  gauge.Set(static_cast<double>(open));
}

void RecordReady(bool ready) {
  static Gauge& gauge = DefaultRegistry().GetGauge(
      "hattama_ready", "1 when the service's dependencies answered its last health check");
  gauge.Set(ready ? 1 : 0);
}

}  // namespace hattama::metrics
