// The transparency log writer's metrics, named in one place (README, "Checking Hattama's figures
// yourself", lists them for dashboards and alerts). They go to metrics::DefaultRegistry(), and
// like every metric there may be recorded from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace hattama::transparency {

// hattama_tlog_leaves: leaves in the tree; hattama_tlog_checkpoint_size: leaves in the latest
// signed checkpoint.
void RecordLeaves(std::int64_t leaves);
void RecordCheckpointSize(std::int64_t leaves);
// hattama_tlog_checkpoint_delay_seconds: from ingestion accepting a record to the first signed
// checkpoint that holds its leaf.
void RecordCheckpointDelay(double seconds);
// hattama_tlog_skipped_records_total{reason="duplicate_source"|"malformed"}: records of
// hattama.tlog.v1 that are no leaf by the log's rule.
void RecordSkippedRecord(const std::string& reason);
// hattama_tlog_appended_total: leaf entries the writer confirmed written to hattama.tlog.v1;
// hattama_tlog_produce_failures_total: writes Kafka did not confirm (each leads to a resync).
void RecordAppendWritten();
void RecordProduceFailure();
// hattama_tlog_resyncs_total: times the writer re-read the log to find where to resume.
void RecordResync();

}  // namespace hattama::transparency
