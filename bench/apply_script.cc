#include "bench/apply_script.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bench/say.h"
#include "common/domain/dispute.h"
#include "common/domain/partition.h"
#include "common/kafka/producer.h"
#include "common/kafka/topics.h"
#include "common/redis/redis.h"
#include "services/aggregation/aggregator.h"
#include "services/aggregation/batch_applier.h"
#include "services/aggregation/rebuild.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/stack/stack.h"

// jemalloc's control call, there when the process allocates with it: hattama-bench does, as the
// services do (cmake/HattamaHelpers.cmake), so that its in-process aggregation costs what the
// service's does; a sanitizer build keeps the sanitizer's malloc and has none.
extern "C" int mallctl(const char* name, void* old_value, size_t* old_size, void* new_value,
                       size_t new_size) __attribute__((weak));

namespace hattama::bench {
namespace {

// Bytes the process holds allocated, as jemalloc counts them; 0 without jemalloc.
size_t AllocatedBytes() {
  if (mallctl == nullptr) return 0;
  uint64_t epoch = 1;
  size_t size = sizeof epoch;
  mallctl("epoch", &epoch, &size, &epoch, size);  // Refreshes the statistics.
  size_t allocated = 0;
  size = sizeof allocated;
  return mallctl("stats.allocated", &allocated, &size, nullptr, 0) == 0 ? allocated : 0;
}

// redis-server's commands by the microseconds they took since the last CONFIG RESETSTAT (its
// INFO commandstats), most first.
std::vector<std::pair<int64_t, std::string>> RedisCommandMicros(redis::Connection& connection) {
  std::vector<std::pair<int64_t, std::string>> commands;
  auto info = connection.Run({"INFO", "commandstats"});
  if (!info.ok()) return commands;
  std::istringstream lines(info->str);
  for (std::string line; std::getline(lines, line);) {
    // cmdstat_hset:calls=1,usec=2,usec_per_call=2.00,...
    if (line.rfind("cmdstat_", 0) != 0) continue;
    const size_t colon = line.find(':');
    const size_t usec = line.find(",usec=");
    if (colon == std::string::npos || usec == std::string::npos) continue;
    commands.emplace_back(std::stoll(line.substr(usec + 6)), line.substr(8, colon - 8));
  }
  std::sort(commands.rbegin(), commands.rend());
  return commands;
}

// Unit `unit` as aggregation's Prepare would give it: a new station and submission (NamesOf), in
// the areas of one of the registry's stations, at the next offset of its partition.
aggregation::PreparedRecord Record(const PreparedProtocol& protocol, const ProtocolNames& names,
                                   const domain::Registry& registry, int64_t unit, int64_t offset) {
  aggregation::PreparedRecord record;
  record.partition = names.partition;
  record.offset = offset;
  record.digest = protocol.digest + names.submission_id;
  record.bytes = protocol.record;
  record.contest_id = protocol.contest_id;
  record.station_id = names.station_id;
  record.version = {.submission_id = names.submission_id,
                    .observer_id = protocol.observer_id,
                    .figures_digest = protocol.figures_digest};
  for (const auto& [field, value] : protocol.fields) {
    if (!record.figures_text.empty()) record.figures_text += '\n';
    record.figures_text += field + "=" + value;
  }
  const auto& stations = registry.stations();
  for (const v1::Area* area :
       registry.EnclosingAreas(stations[static_cast<size_t>(unit) % stations.size()])) {
    record.areas.push_back(area->area_id());
  }
  return record;
}

}  // namespace

Result<FoldStepFigures> FoldStepRate(std::span<const PreparedProtocol> samples,
                                     const FoldStepOptions& options) {
  if (samples.empty()) return Status::Error("no sample protocols");
  auto registry = hub::GenerateRegistry({.stations = options.registry_stations, .seed = 2021});
  if (!registry.ok()) return registry.status();
  std::vector<aggregation::PreparedRecord> records;
  records.reserve(static_cast<size_t>(options.protocols));
  std::map<int32_t, int64_t> offsets;
  for (int64_t unit = 0; unit < options.protocols; ++unit) {
    const ProtocolNames names = NamesOf(unit, options.partitions);
    records.push_back(Record(samples[static_cast<size_t>(unit) % samples.size()], names, **registry,
                             unit, offsets[names.partition]++));
  }
  auto server = stack::RedisServer::Start();
  if (!server.ok()) return server.status();
  auto redis = redis::Connection::Connect((*server)->address(), std::chrono::seconds(30));
  if (!redis.ok()) return redis.status();
  // The write steps on a second connection, while the next partition is folded, as the loop does.
  auto writer = redis::Connection::Connect((*server)->address(), std::chrono::seconds(30));
  if (!writer.ok()) return writer.status();
  const size_t heap_before = AllocatedBytes();
  aggregation::BatchApplier member(*registry, /*cache_entries=*/500'000);

  const auto started = std::chrono::steady_clock::now();
  for (size_t at = 0; at < records.size(); at += static_cast<size_t>(options.batch)) {
    const size_t size = std::min(records.size() - at, static_cast<size_t>(options.batch));
    auto applied = member.Apply(**redis, std::span(records.data() + at, size), {}, writer->get());
    if (!applied.ok()) return applied.status();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  FoldStepFigures figures;
  figures.protocols_per_second = static_cast<double>(records.size()) / elapsed.count();
  const size_t entries = member.cache().entries();
  if (entries > 0) {
    figures.cache_bytes_per_entry =
        static_cast<double>(AllocatedBytes() - heap_before) / static_cast<double>(entries);
  }
  return figures;
}

Result<std::vector<RebuildFigures>> RebuildRates(std::span<const v1::Submission> samples,
                                                 int partitions, int64_t registry_stations,
                                                 const std::vector<int>& lanes) {
  auto registry = hub::GenerateRegistry({.stations = registry_stations, .seed = 2021});
  if (!registry.ok()) return registry.status();
  auto kafka = stack::DevKafka::Start(partitions);
  if (!kafka.ok()) return kafka.status();
  auto producer = kafka::Producer::Create((*kafka)->bootstrap());
  if (!producer.ok()) return producer.status();
  std::atomic<int64_t> failed{0};
  for (const auto& submission : samples) {
    const auto& protocol = submission.protocol();
    v1::SubmissionRecord record;
    *record.mutable_submission() = submission;
    record.set_digest(domain::FiguresDigest(protocol.figures()) + submission.submission_id());
    auto queued = (*producer)->Produce(
        kafka::kSubmissionsTopic, domain::PartitionOf(protocol.station_id(), partitions),
        domain::SubmissionKey(protocol.station_id(), protocol.contest_id()),
        record.SerializeAsString(), [&failed](const Status& status, int32_t, int64_t) {
          if (!status.ok()) failed.fetch_add(1);
        });
    if (!queued.ok()) return queued;
  }
  if (Status flushed = (*producer)->Flush(std::chrono::seconds(60)); !flushed.ok()) return flushed;
  if (failed.load() > 0) return Status::Error("the embedded Kafka refused sample records");
  std::vector<RebuildFigures> runs;
  for (int lane_count : lanes) {
    auto server = stack::RedisServer::Start();  // Empty each time.
    if (!server.ok()) return server.status();
    auto info = redis::Connection::Connect((*server)->address(), std::chrono::seconds(5));
    if (!info.ok()) return info.status();
    if (auto reset = (*info)->Run({"CONFIG", "RESETSTAT"}); !reset.ok()) return reset.status();
    const pid_t redis_pid = (*server)->process().pid();
    const double redis_before = CpuSeconds(redis_pid);
    const double member_before = CpuSeconds(getpid());
    const auto started = std::chrono::steady_clock::now();
    aggregation::AggregatorOptions options;
    options.kafka_bootstrap = (*kafka)->bootstrap();
    options.redis.address = (*server)->address();
    options.rebuild = true;
    const std::atomic<bool> stop{false};
    auto rebuilt = aggregation::RunRebuild(options, *registry, lane_count, stop);
    if (!rebuilt.ok()) return rebuilt.status();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    if (rebuilt->applied != static_cast<int64_t>(samples.size())) {
      return Status::Error("the rebuild applied " + std::to_string(rebuilt->applied) + " of " +
                           std::to_string(samples.size()) + " records");
    }
    const double records = static_cast<double>(rebuilt->applied);
    RebuildFigures figures{.records_per_second = records / elapsed.count(),
                           .member_cpu_us = (CpuSeconds(getpid()) - member_before) * 1e6 / records,
                           .redis_cpu_us = (CpuSeconds(redis_pid) - redis_before) * 1e6 / records};
    const auto commands = RedisCommandMicros(**info);
    for (size_t i = 0; i < commands.size() && i < 5; ++i) {
      const auto& [usec, name] = commands[i];
      figures.redis_commands +=
          fmt::format("{}{} {:.1f}", i == 0 ? "" : ", ", name, static_cast<double>(usec) / records);
    }
    runs.push_back(std::move(figures));
  }
  return runs;
}

}  // namespace hattama::bench
