#include "bench/raw.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include "bench/apply_script.h"
#include "bench/raw_grpc.h"
#include "bench/raw_kafka.h"
#include "bench/raw_redis.h"
#include "bench/read.h"
#include "bench/samples.h"
#include "bench/say.h"
#include "services/aggregation/rebuild.h"

namespace hattama::bench {
namespace {

std::vector<KafkaRecord> KafkaRecords(std::span<const v1::Submission> samples, size_t at_most) {
  std::vector<KafkaRecord> records;
  for (const auto& submission : samples.first(std::min(samples.size(), at_most))) {
    // Keyed as ingestion keys them.
    const auto& protocol = submission.protocol();
    records.push_back(
        {protocol.station_id() + "|" + protocol.contest_id(), RecordBytes(submission)});
  }
  return records;
}

}  // namespace

RawFigures::Part RawFigures::Slowest() const {
  const std::vector<Part> parts = {{"gRPC stream echo", grpc_stream_echo},
                                   {"Kafka produce", kafka_produce},
                                   {"Kafka consume", kafka_consume},
                                   {"Redis writes of a protocol", redis_protocol_writes}};
  return *std::min_element(parts.begin(), parts.end(),
                           [](const Part& a, const Part& b) { return a.rate < b.rate; });
}

Result<RawFigures> RunRaw(const RawOptions& options) {
  const bool quick = options.quick;
  RawFigures raw;
  const auto samples = SampleSubmissions(quick ? 2'000 : 20'000);
  if (samples.empty()) return Status::Error("cannot draw sample submissions");
  std::cout << "== raw limits (" << samples.size() << " sample submissions of "
            << samples[0].ByteSizeLong() << " bytes)\n"
            << std::flush;

  auto stream = GrpcStreamEchoRate(samples, options.streams, options.window);
  if (!stream.ok()) return Status::Error("gRPC stream echo: " + stream.status().message());
  raw.grpc_stream_echo = *stream;
  Say(fmt::format("gRPC stream echo {:.0f}/s", raw.grpc_stream_echo));

  auto kafka = RawKafkaRates(KafkaRecords(samples, 1'000), {.partitions = options.partitions,
                                                            .records = quick ? 50'000 : 120'000,
                                                            .latency_records = quick ? 10 : 50});
  if (!kafka.ok()) return Status::Error("Kafka: " + kafka.status().message());
  raw.kafka_produce = kafka->produce_per_second;
  raw.kafka_consume = kafka->consume_per_second;
  raw.kafka_latency_p50_ms = kafka->latency_p50_ms;
  raw.kafka_latency_p99_ms = kafka->latency_p99_ms;
  raw.kafka_short_wait_p50_ms = kafka->short_wait_latency_p50_ms;
  raw.kafka_short_wait_p99_ms = kafka->short_wait_latency_p99_ms;
  Say(fmt::format("Kafka produce {:.0f}/s, consume {:.0f}/s ({} records)", raw.kafka_produce,
                  raw.kafka_consume, kafka->consumed));

  const auto protocols = PrepareProtocols(samples, 1'000);
  const RedisWriteOptions writes{.protocols = quick ? 20'000 : 100'000,
                                 .partitions = options.partitions};
  auto redis = RawRedisProtocolWrites(protocols, writes);
  if (!redis.ok()) return Status::Error("Redis writes: " + redis.status().message());
  raw.redis_protocol_writes = redis->protocols_per_second;
  raw.redis_commands_per_protocol = redis->commands_per_protocol;
  Say(fmt::format("Redis writes of a protocol {:.0f}/s ({} commands each)",
                  raw.redis_protocol_writes, raw.redis_commands_per_protocol));
  auto reads = RunRawReads(options.read_duration);
  if (!reads.ok()) return reads.status();
  raw.grpc_unary_echo = reads->grpc_unary_echo;
  raw.redis_get = reads->redis_get;

  auto fold = FoldStepRate(protocols, {.protocols = quick ? 10'000 : 50'000,
                                       .partitions = options.partitions,
                                       .registry_stations = quick ? 2'000 : 20'000});
  if (!fold.ok()) return Status::Error("aggregation's fold step: " + fold.status().message());
  raw.apply_script = fold->protocols_per_second;
  Say(fmt::format(
      "Hattama's aggregation fold and write step {:.0f} protocols/s; its state cache {:.0f} "
      "bytes an entry",
      raw.apply_script, fold->cache_bytes_per_entry));
  raw.rebuild_lane_count = aggregation::DefaultRebuildLanes();
  auto rebuild = RebuildRates(samples, options.partitions, quick ? 2'000 : 20'000,
                              {1, raw.rebuild_lane_count});
  if (!rebuild.ok()) return Status::Error("aggregation's rebuild: " + rebuild.status().message());
  const RebuildFigures& one_lane = (*rebuild)[0];
  raw.rebuild = one_lane.records_per_second;
  raw.rebuild_lanes = (*rebuild)[1].records_per_second;
  raw.rebuild_member_cpu_us = one_lane.member_cpu_us;
  raw.rebuild_redis_cpu_us = one_lane.redis_cpu_us;
  raw.rebuild_records = static_cast<int64_t>(samples.size());
  Say(fmt::format(
      "Hattama's hattama-aggregation --rebuild of {} records into an empty Redis: {:.0f} "
      "records/s with one lane, {:.0f} with {} (one a core)",
      samples.size(), raw.rebuild, raw.rebuild_lanes, raw.rebuild_lane_count));
  Say(fmt::format(
      "  CPU a record, one lane: {:.1f} µs rebuilding, {:.1f} µs in redis-server (its busiest "
      "commands, µs a record: {})",
      one_lane.member_cpu_us, one_lane.redis_cpu_us, one_lane.redis_commands));
  return raw;
}

Result<RawFigures> RunRawReads(std::chrono::milliseconds duration) {
  RawFigures raw;
  auto unary = GrpcUnaryEchoRate(kReadClients, duration);
  if (!unary.ok()) return Status::Error("gRPC unary echo: " + unary.status().message());
  raw.grpc_unary_echo = *unary;
  auto get = RawRedisGetRate(kReadClients, duration);
  if (!get.ok()) return Status::Error("Redis GET: " + get.status().message());
  raw.redis_get = *get;
  Say(fmt::format("read path, {} client threads: gRPC unary echo {:.0f}/s, Redis GET {:.0f}/s",
                  kReadClients, raw.grpc_unary_echo, raw.redis_get));
  return raw;
}

}  // namespace hattama::bench
