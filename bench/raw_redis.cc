#include "bench/raw_redis.h"

#include <algorithm>

#include "bench/redis_pipeline.h"
#include "bench/samples.h"
#include "common/domain/dispute.h"
#include "common/redis/figures.h"
#include "common/redis/layout.h"
#include "tools/stack/stack.h"

namespace hattama::bench {
namespace {

namespace layout = redis::layout;

// The change feed's stand-in: today aggregation publishes changed totals to the Kafka topic
// hattama.totals.v1; kept in Redis with the other writes (issue #14 item 2), it would be a stream
// per partition, bounded, that readers follow.
std::string ChangesKey(int32_t partition) {
  return "hattama:" + layout::PartitionTag(partition) + ":changes";
}

// What one counted protocol (a station's first) must leave in Redis for publication to show it
// and for a replay to skip it, the same fields aggregation writes:
//   SET     seen:<submission>                 the applied-id marker (its digest)
//   RPUSH   versions:<contest>:<station>      the SubmissionRecord, kept as a version
//   HSET    station:<contest>:<station>       the counted figures, submission id, digest, ...
//   HINCRBY totals:<contest>:<area> ...       each figure, stations_reporting and version, for
//                                             the district, the region and the nation
//   XADD    changes                           one change entry a total moved (area, version)
// Not the dispute state (backers, figures by digest) that aggregation also keeps: an aggregation
// member holding its stations' state in memory (issue #14 item 2) needs it only to rebuild that
// state, which the versions allow.
// Returns the number of commands.
int AppendProtocolWrites(const PreparedProtocol& protocol, const ProtocolNames& names, int64_t unit,
                         std::string& out) {
  const int32_t p = names.partition;
  const std::string& contest = protocol.contest_id;
  int commands = 0;
  AppendCommand(out, {"SET", layout::SeenKey(p, names.submission_id), protocol.digest});
  AppendCommand(out, {"RPUSH", layout::VersionsKey(p, contest, names.station_id), protocol.record});
  const std::string station_key = layout::StationKey(p, contest, names.station_id);
  std::vector<std::string_view> station = {"HSET",
                                           station_key,
                                           layout::kCountedSubmission,
                                           names.submission_id,
                                           layout::kCountedDigest,
                                           protocol.figures_digest,
                                           layout::kConfirmations,
                                           "1",
                                           layout::kVariants,
                                           "1",
                                           layout::kDisputed,
                                           "0",
                                           layout::kFlagged,
                                           "0"};
  for (const auto& [field, value] : protocol.fields) {
    station.push_back(field);
    station.push_back(value);
  }
  AppendCommand(out, station);
  commands += 3;
  for (const std::string& area : names.areas) {
    const std::string totals = layout::TotalsKey(p, contest, area);
    for (const auto& [field, value] : protocol.fields) {
      AppendCommand(out, {"HINCRBY", totals, field, value});
    }
    AppendCommand(out, {"HINCRBY", totals, layout::kStationsReporting, "1"});
    AppendCommand(out, {"HINCRBY", totals, layout::kTotalsVersion, "1"});
    commands += static_cast<int>(protocol.fields.size()) + 2;
  }
  const std::string changes = ChangesKey(p);
  const std::string version = std::to_string(unit);
  for (const std::string& area : names.areas) {
    AppendCommand(out, {"XADD", changes, "MAXLEN", "~", "100000", "*", "area", area, "contest",
                        contest, "version", version});
    ++commands;
  }
  return commands;
}

}  // namespace

std::vector<PreparedProtocol> PrepareProtocols(std::span<const v1::Submission> samples,
                                               size_t at_most) {
  std::vector<PreparedProtocol> out;
  for (const auto& submission : samples.first(std::min(samples.size(), at_most))) {
    const auto& protocol = submission.protocol();
    PreparedProtocol prepared{.contest_id = protocol.contest_id(),
                              .observer_id = submission.observer_id(),
                              .record = RecordBytes(submission),
                              .digest = std::string(32, 'd'),
                              .figures_digest = domain::FiguresDigest(protocol.figures())};
    for (const auto& [field, value] : redis::ToFields(protocol.figures())) {
      prepared.fields.emplace_back(field, std::to_string(value));
    }
    out.push_back(std::move(prepared));
  }
  return out;
}

// Rounds of the protocol writes; the best is the figure.
constexpr int64_t kWriteRounds = 3;

ProtocolNames NamesOf(int64_t unit, int partitions) {
  const int64_t district = unit % 100;
  return {.partition = static_cast<int32_t>(unit % partitions),
          .station_id = "UIK-bench-" + std::to_string(unit),
          .submission_id = "sub-bench-" + std::to_string(unit),
          .areas = {"district-" + std::to_string(district),
                    "region-" + std::to_string(district % 10), "nation"}};
}

Result<RedisWriteRate> RawRedisProtocolWrites(std::span<const PreparedProtocol> samples,
                                              const RedisWriteOptions& options) {
  if (samples.empty()) return Status::Error("no sample protocols");
  auto server = stack::RedisServer::Start();
  if (!server.ok()) return server.status();
  RedisWriteRate rate;
  {
    std::string ignored;
    rate.commands_per_protocol =
        AppendProtocolWrites(samples[0], NamesOf(0, options.partitions), 0, ignored);
  }
  // A ceiling: the best of a few rounds, each of new protocols, so that one moment of a busy
  // machine does not pass for the part's limit.
  const int64_t per_round = std::max<int64_t>(1, options.protocols / kWriteRounds);
  for (int64_t round = 0; round < kWriteRounds; ++round) {
    auto protocols = PipelinedRate({.port = (*server)->port(),
                                    .units = per_round,
                                    .connections = options.connections,
                                    .depth = options.depth},
                                   [&](int64_t unit, std::string& out) {
                                     const int64_t protocol = round * per_round + unit;
                                     return AppendProtocolWrites(
                                         samples[static_cast<size_t>(protocol) % samples.size()],
                                         NamesOf(protocol, options.partitions), protocol, out);
                                   });
    if (!protocols.ok()) return protocols.status();
    rate.protocols_per_second = std::max(rate.protocols_per_second, *protocols);
  }
  return rate;
}

Result<double> RawRedisGetRate(int clients, std::chrono::milliseconds duration) {
  auto server = stack::RedisServer::Start();
  if (!server.ok()) return server.status();
  constexpr int kKeys = 1'000;
  auto key = [](int64_t n) { return "bench:get:" + std::to_string(n % kKeys); };
  auto set = PipelinedRate({.port = (*server)->port(), .units = kKeys, .connections = 1},
                           [&](int64_t n, std::string& out) {
                             AppendCommand(out, {"SET", key(n), std::string(32, 'v')});
                             return 1;
                           });
  if (!set.ok()) return set.status();
  return UnpipelinedRate((*server)->port(), clients, duration, [&](int64_t n, std::string& out) {
    AppendCommand(out, {"GET", key(n * 7919)});
  });
}

}  // namespace hattama::bench
