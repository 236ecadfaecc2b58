// The raw limits of the parts on this machine, each measured alone by a plain client with nothing
// of Hattama in between (bench/raw_grpc.h, raw_kafka.h, raw_redis.h), and beside them Hattama's
// aggregation's fold and write step (bench/apply_script.h), one of Hattama's parts, never a limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/base/result.h"

namespace hattama::bench {

struct RawOptions {
  bool quick = false;  // smaller runs of every part
  int partitions = 12;
  // The end-to-end run's hub streams and window, for the stream echo.
  int streams = 4;
  int64_t window = 1024;
  // How long each read-path ceiling (unary echo, Redis GET) runs.
  std::chrono::milliseconds read_duration{5'000};
};

struct RawFigures {
  // The write path, per protocol (a submission, a record, a protocol's writes) per second.
  double grpc_stream_echo = 0;
  double kafka_produce = 0;
  double kafka_consume = 0;
  double redis_protocol_writes = 0;
  int redis_commands_per_protocol = 0;
  // The read path, requests per second from the read benchmark's client threads.
  double grpc_unary_echo = 0;
  double redis_get = 0;
  // One record at a time through Kafka, ms.
  double kafka_latency_p50_ms = 0, kafka_latency_p99_ms = 0;
  double kafka_short_wait_p50_ms = 0, kafka_short_wait_p99_ms = 0;
  // Hattama's own part, for comparison with the raw Redis writes.
  double apply_script = 0;  // aggregation's fold and write step, protocols per second
  // hattama-aggregation --rebuild of the sample records into an empty Redis, records per second,
  // with one lane and with its default lanes (one a core), and how many records it replayed.
  double rebuild = 0;
  double rebuild_lanes = 0;
  // CPU a record of the one-lane rebuild, µs: the rebuilding process and redis-server.
  double rebuild_member_cpu_us = 0;
  double rebuild_redis_cpu_us = 0;
  int rebuild_lane_count = 1;
  int64_t rebuild_records = 0;

  struct Part {
    const char* name;
    double rate;
  };
  // "The slowest raw part": the smallest rate of the write path's raw limits.
  Part Slowest() const;
};

// Runs every raw benchmark in turn, printing each figure as it comes.
Result<RawFigures> RunRaw(const RawOptions& options);
// The read path's raw limits only (unary echo, Redis GET), for `hattama-bench read`: the other
// figures stay 0 (not measured).
Result<RawFigures> RunRawReads(std::chrono::milliseconds duration);

}  // namespace hattama::bench
