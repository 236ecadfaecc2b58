// Every metric the services export beyond gRPC's, named in one place: these names are what
// dashboards and alerts (README, "What to watch") are written against.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hattama::metrics {

using Duration = std::chrono::steady_clock::duration;

// ingestion: hattama_ingestion_answers_total{kind="SubmissionAck",outcome="OUTCOME_ACCEPTED"}.
void RecordAnswer(const std::string& kind, const std::string& outcome);
// ingestion: hattama_ingestion_produce_seconds (queued -> Kafka confirmed) and
// hattama_ingestion_produce_failures_total.
void RecordProduce(Duration queued_to_confirmed, bool ok);

// aggregation: hattama_aggregation_batch_size and hattama_redis_round_trip_seconds{service=...}.
void RecordBatch(size_t submissions);
void RecordRedisRoundTrip(const std::string& service, Duration round_trip);
// aggregation: hattama_aggregation_apply_latency_seconds, from ingestion's accepted time to
// applied in Redis (what a hub waits, past its ack, to see its protocol counted).
void RecordApplyLatency(double seconds);
// aggregation: hattama_aggregation_applied_total{outcome="counted"}.
void RecordApplied(const std::string& outcome, int64_t count = 1);
// aggregation: hattama_aggregation_consumer_lag, messages in its partitions not yet read.
void RecordConsumerLag(int64_t messages);

// publication: hattama_publication_totals_cache_total{result="hit"|"miss"}, totals answered from
// the change-feed cache or read from Redis.
void RecordTotalsCache(bool hit);
// publication: hattama_publication_change_feed_ready (1 while the change feed is read to its end
// and the totals cache is in use) and hattama_publication_watchers (open Watch streams).
void RecordChangeFeedReady(bool ready);
void RecordWatchers(int64_t open);

// every service: hattama_ready (1 when its dependencies answered the last health check).
void RecordReady(bool ready);

}  // namespace hattama::metrics
