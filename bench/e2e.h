// The end-to-end benchmark of one registry size: a synthetic registry of N stations, the whole
// stack (redis-server or a Redis Cluster of E2eOptions::redis_masters masters, the embedded Kafka,
// ingestion, aggregation, publication, and hattama-tlog logging every accepted record) started on
// it, then two runs of the simulated night through it:
//   1. paced at ten times election night's peak rate, measuring how long a protocol takes from
//      being sent to being visible in publication (freshness);
//   2. flat out (as fast as the hub windows allow), measuring accepted protocols per second at
//      ingestion and counted protocols per second visible in publication's totals.
// The transparency log is held against the flat-out run (bench/tlog.h). Then, optionally, issue
// #6's read benchmark and the log's inclusion proofs on the loaded stack, and every part's peak
// RSS.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "bench/load.h"
#include "bench/read.h"
#include "bench/tlog.h"
#include "common/base/result.h"

namespace hattama::bench {

// Election night's shape: protocols arrive in a bell around two hours after polls close, with a
// standard deviation of 30 minutes, so the busiest minute carries 1/(sqrt(2 pi) * 30) = 1.33 % of
// the night's protocols.
inline constexpr double kPeakMinuteShare = 0.0133;

struct E2eOptions {
  int64_t stations = 10'000;
  // The registry of each size is generated once into <work_dir>/stations-<N> and reused.
  std::string work_dir;
  int partitions = 12;
  // 1: one redis-server. More: a Redis Cluster of that many masters (without replicas, so that
  // the figure is the masters' alone), which every service speaks to (--redis-cluster-seeds).
  int redis_masters = 1;
  // Members of aggregation's consumer group, each a process (the deployment runs several, KEDA
  // scaling them on the group's lag; on this benchmark's two cores one did as well: README).
  int aggregation_members = 1;
  int streams = 4;
  int64_t window = 1024;
  // The paced run: how long it sends at `peak_factor` times the peak rate (0: no paced run).
  double paced_seconds = 20;
  double peak_factor = 10;
  // The paced run's hubs wake once a tick and send what fell due within it together (LoadOptions).
  std::chrono::milliseconds send_tick{5};
  // The flat-out run sends at most this many of the rest of the night (0: all of it).
  int64_t send_limit = 0;
  // The night sent covers at most this many stations, every k-th of the registry (0: all). The
  // services still load the whole registry; drawing a night of a million stations in the bench
  // process alone takes minutes and over 10 GiB.
  int64_t night_stations = 100'000;
  // Send -> visible samples per run (every n-th submission is watched).
  int64_t samples = 2'000;
  bool read = true;
  ReadOptions read_options;
};

struct PhaseFigures {
  int64_t sent = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
  double rate = 0;                 // offered, submissions per second (0: flat out)
  double send_tick_ms = 0;         // paced: each stream sent what fell due in ticks this long
  double answered_per_second = 0;  // ingestion's answers
  double accepted_per_second = 0;  // ingestion's acceptances (durably in Kafka)
  // Counted protocols per second, from the first send until publication's national totals
  // reported every accepted protocol of the run (flat-out run only).
  double visible_per_second = 0;
  double answer_p50_ms = 0, answer_p99_ms = 0;
  double visible_p50_ms = 0, visible_p99_ms = 0, visible_max_ms = 0;
  int64_t samples = 0;
  int64_t samples_not_visible = 0;
  double resolution_ms = 0;
};

struct E2eFigures {
  int64_t stations = 0;
  int64_t night_protocols = 0;       // station x contest protocols of the whole night
  int64_t night_stations = 100'000;  // stations the night sent covers
  int redis_masters = 1;             // E2eOptions::redis_masters
  int aggregation_members = 1;       // E2eOptions::aggregation_members
  double peak_per_second = 0;        // election night's busiest minute, per second
  std::optional<PhaseFigures> paced;
  PhaseFigures flat;
  // The transparency log against the flat-out run; inclusion proofs only with the reads.
  TlogFigures tlog;
  // Peak RSS in KiB per part: redis, devkafka, ingestion, aggregation, publication, tlog (with a
  // cluster, redis-server is the sum over its nodes, as are its CPU seconds, keys and memory).
  std::map<std::string, int64_t> peak_rss_kb;
  // CPU seconds (user + system) each part used over the whole run: where the two cores went.
  std::map<std::string, double> cpu_seconds;
  int64_t redis_keys = 0;
  int64_t redis_used_memory = 0;  // bytes
  std::optional<ReadRates> read;
};

Result<E2eFigures> RunEndToEnd(const E2eOptions& options);

}  // namespace hattama::bench
