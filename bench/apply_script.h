// One of Hattama's own parts, measured beside the raw limits but never one of them: aggregation's
// fold and write step (services/aggregation/batch_applier.h), one member applying batches of
// protocols to a fresh redis-server over two connections (reads, and the write steps sent while
// the next partition is folded), as the aggregation loop does. The same
// sample protocols as the raw protocol writes (bench/raw_redis.h), each a new station and
// submission, so the two rates compare what aggregation writes and decides with the bare writes.
#pragma once

#include <span>
#include <string>

#include "bench/raw_redis.h"
#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"

namespace hattama::bench {

struct FoldStepOptions {
  int64_t protocols = 50'000;
  int partitions = 12;
  int batch = 500;  // aggregation's --batch-size default
  // The registry the samples were drawn from (SampleSubmissions), whose areas the totals are of.
  int64_t registry_stations = 20'000;
};

// Protocols per second through BatchApplier::Apply (the fold in C++, then one compare-and-set step
// per partition and batch), each a station's first protocol, so every one counts and moves the
// totals of its district, region and nation. What aggregation does before (parsing the record,
// computing the figures digest) is done before the clock starts, as the raw loops do.
struct FoldStepFigures {
  double protocols_per_second = 0;
  // Heap bytes the member's state cache holds per entry (a station or a submission id) once every
  // protocol is applied (malloc's count of bytes in use, before and after).
  double cache_bytes_per_entry = 0;
};
Result<FoldStepFigures> FoldStepRate(std::span<const PreparedProtocol> samples,
                                     const FoldStepOptions& options);

// One run of RebuildRates: records a second, from the rebuild's start until it returns, caught up;
// and the CPU it cost a record, in this process (the lanes and their Kafka readers) and in
// redis-server (each from /proc/<pid>/stat, as the end-to-end run reads every process's), in
// microseconds.
struct RebuildFigures {
  double records_per_second = 0;
  double member_cpu_us = 0;
  double redis_cpu_us = 0;
  // redis-server's busiest commands of the run: "name µs a record", most first.
  std::string redis_commands;
};

// `hattama-aggregation --rebuild` in this process (aggregation::RunRebuild, its defaults
// otherwise): `samples` (a night of the registry SampleSubmissions drew, `registry_stations`
// stations) written as ingestion writes them into a fresh embedded Kafka of `partitions`
// partitions, then replayed into an empty redis-server once for each entry of `lanes`, with that
// many lanes.
Result<std::vector<RebuildFigures>> RebuildRates(std::span<const v1::Submission> samples,
                                                 int partitions, int64_t registry_stations,
                                                 const std::vector<int>& lanes);

}  // namespace hattama::bench
