// The raw limits of the parts on this machine, measured without Hattama's logic in between:
// Redis running apply.lua itself (redis-benchmark, pipelined), Redis GET, the embedded Kafka's
// produce and consume rate through common/kafka, and gRPC streaming with ingestion's message shape.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/base/result.h"
#include "hattama/v1/protocol.pb.h"

namespace hattama::bench {

struct RedisBenchmarkOptions {
  int port = 0;
  int64_t requests = 200'000;
  int clients = 8;
  int pipeline = 16;
};

// Requests per second of redis-benchmark against 127.0.0.1:port for `command` (passed as argv
// after the options; __rand_int__ is replaced as redis-benchmark does).
Result<double> RunRedisBenchmark(const RedisBenchmarkOptions& options,
                                 const std::vector<std::string>& command);
// redis-benchmark's own GET test.
Result<double> RunRedisBenchmarkGet(const RedisBenchmarkOptions& options);

// apply.lua (services/aggregation) loaded into a fresh redis-server and called by EVALSHA with
// the keys and arguments aggregation passes for `sample` (a station's first protocol: every call
// names a new station and submission, and moves the totals of one district, region and nation).
// Script calls per second.
Result<double> RedisApplyScriptRate(const v1::Submission& sample, int64_t requests);

struct KafkaRates {
  double produce_per_second = 0;  // acknowledged by the broker (acks=all, idempotent)
  double consume_per_second = 0;  // read by one consumer-group member
  int64_t produced = 0;
  int64_t consumed = 0;
  // One record at a time, produce -> consumed, milliseconds: the floor a protocol's freshness
  // pays for Kafka. With the consumer settings aggregation uses (common/kafka's defaults), and
  // with fetch.wait.max.ms=5 (how long the broker may hold a fetch that found no data).
  double latency_p50_ms = 0, latency_p99_ms = 0;
  double short_wait_latency_p50_ms = 0, short_wait_latency_p99_ms = 0;
};
// Produces `count` records of the size of `samples`' records (keyed station|contest, as ingestion
// does) to a fresh embedded Kafka, then consumes them.
// `latency_records` records are sent one at a time for each latency figure.
Result<KafkaRates> KafkaRate(std::span<const v1::Submission> samples, int64_t count, int partitions,
                             int latency_records = 50);

// Answers per second of an in-process echo service of ingestion's stream shape, streamed with
// the same streams and window as the end-to-end run.
Result<double> GrpcEchoRate(std::span<const v1::Submission> submissions, int streams,
                            int64_t window);

}  // namespace hattama::bench
