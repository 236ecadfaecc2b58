#include "services/tlog/tlog_metrics.h"

#include "common/metrics/metrics.h"

namespace hattama::transparency {

using metrics::DefaultRegistry;

void RecordLeaves(std::int64_t leaves) {
  static metrics::Gauge& gauge =
      DefaultRegistry().GetGauge("hattama_tlog_leaves", "Leaves in the transparency log's tree");
  gauge.Set(static_cast<double>(leaves));
}

void RecordCheckpointSize(std::int64_t leaves) {
  static metrics::Gauge& gauge = DefaultRegistry().GetGauge(
      "hattama_tlog_checkpoint_size", "Leaves in the latest signed checkpoint");
  gauge.Set(static_cast<double>(leaves));
}

void RecordCheckpointDelay(double seconds) {
  static metrics::Histogram& delay = DefaultRegistry().GetHistogram(
      "hattama_tlog_checkpoint_delay_seconds",
      "Time from ingestion accepting a record to the first signed checkpoint holding its leaf",
      metrics::LatencyBuckets());
  delay.Observe(seconds);
}

void RecordSkippedRecord(const std::string& reason) {
  DefaultRegistry()
      .GetCounter("hattama_tlog_skipped_records_total",
                  "Records of hattama.tlog.v1 that are no leaf by the log's rule, by reason",
                  {{"reason", reason}})
      .Increment();
}

void RecordAppendWritten() {
  static metrics::Counter& counter = DefaultRegistry().GetCounter(
      "hattama_tlog_appended_total", "Leaf entries confirmed written to hattama.tlog.v1");
  counter.Increment();
}

void RecordProduceFailure() {
  static metrics::Counter& counter =
      DefaultRegistry().GetCounter("hattama_tlog_produce_failures_total",
                                   "Leaf entry writes Kafka did not confirm (each: a resync)");
  counter.Increment();
}

void RecordResync() {
  static metrics::Counter& counter = DefaultRegistry().GetCounter(
      "hattama_tlog_resyncs_total", "Times the writer re-read the log to find where to resume");
  counter.Increment();
}

}  // namespace hattama::transparency
