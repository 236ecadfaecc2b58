// The raw limits of the embedded Kafka (librdkafka's mock cluster in hattama-devkafka, started as
// the stack starts it): how fast a plain librdkafka loop produces to it and consumes from it, and
// how long one record takes from produce to consumed. Plain librdkafka, not common/kafka's
// wrappers, with settings at least as fast as Hattama's own (idempotent, acks=all), so that a raw
// row is a ceiling for what ingestion and aggregation achieve through the same broker.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/base/result.h"

namespace hattama::bench {

struct KafkaRecord {
  std::string key;
  std::string value;
};

struct KafkaRawOptions {
  int partitions = 12;
  // Records produced (then consumed) for the rates, cycling through the samples. All of them must
  // stay in the log: librdkafka's mock cluster keeps about 5 MB a partition.
  int64_t records = 120'000;
  // Records sent one at a time for each latency figure.
  int latency_records = 50;
};

struct KafkaRawRates {
  double produce_per_second = 0;  // acknowledged with a log offset (idempotent, acks=all)
  double consume_per_second = 0;  // read from every partition by one consumer
  int64_t produced = 0;
  int64_t consumed = 0;
  // One record at a time, produce -> consumed, milliseconds: the floor a protocol's freshness
  // pays for Kafka. With the fetch wait Hattama's consumers use (common/kafka), and with 5 ms
  // (how long the broker may hold a fetch that found no data).
  double latency_p50_ms = 0, latency_p99_ms = 0;
  double short_wait_latency_p50_ms = 0, short_wait_latency_p99_ms = 0;
};

// Starts a fresh hattama-devkafka with `options.partitions` partitions, produces
// `options.records` of `samples` (cycled) to the submissions topic, consumes them back, then
// measures the latencies. Thread-compatible: runs on the caller's thread (and librdkafka's).
Result<KafkaRawRates> RawKafkaRates(std::span<const KafkaRecord> samples,
                                    const KafkaRawOptions& options);

}  // namespace hattama::bench
