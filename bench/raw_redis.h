// The raw limits of Redis (a fresh redis-server started as the stack starts it), measured by plain
// hiredis loops (bench/redis_pipeline.h):
//   - the writes one counted protocol needs, pipelined, as protocols per second: the figures
//     aggregation writes for a station's first protocol, without the fold that decides them;
//   - GET, one request in flight per client thread, for the read benchmark's ratio.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"

namespace hattama::bench {

// A sample protocol with what the Redis benchmarks write for it computed once, so that the loops
// spend their time on Redis rather than on protobuf.
struct PreparedProtocol {
  std::string contest_id;
  std::string observer_id;
  std::string record;          // SubmissionRecord bytes, as ingestion writes them
  std::string digest;          // the submission's digest (tells a resend from a reused id)
  std::string figures_digest;  // common/domain/dispute.h FiguresDigest
  // The figures as hash fields and values (common/redis/figures.h ToFields).
  std::vector<std::pair<std::string, std::string>> fields;
};
std::vector<PreparedProtocol> PrepareProtocols(std::span<const v1::Submission> samples,
                                               size_t at_most);

// Who unit `unit` of a Redis benchmark is: every unit a new station and submission (the path every
// protocol of a night takes), spread over the partitions' hash tags, counted into one of 100
// districts in one of 10 regions of one nation.
struct ProtocolNames {
  int32_t partition = 0;
  std::string station_id;
  std::string submission_id;
  std::vector<std::string> areas;  // district, region, nation (as Registry::EnclosingAreas)
};
ProtocolNames NamesOf(int64_t unit, int partitions);

struct RedisWriteOptions {
  int64_t protocols = 100'000;
  int partitions = 12;
  int connections = 4;
  int depth = 16;  // protocols per round trip of each connection
};

struct RedisWriteRate {
  double protocols_per_second = 0;
  int commands_per_protocol = 0;  // of the first sample; every sample writes about as many
};

// The writes of one counted protocol (AppendProtocolWrites in raw_redis.cc lists them), pipelined
// into a fresh redis-server: the best of three rounds, each a third of `protocols`, all new.
Result<RedisWriteRate> RawRedisProtocolWrites(std::span<const PreparedProtocol> samples,
                                              const RedisWriteOptions& options);

// GET of one of 1,000 short strings, one request in flight per client, from `clients` threads
// (each its own connection) for `duration`, against a fresh redis-server.
Result<double> RawRedisGetRate(int clients, std::chrono::milliseconds duration);

}  // namespace hattama::bench
