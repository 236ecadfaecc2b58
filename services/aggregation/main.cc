// hattama-aggregation: applies accepted submissions from Kafka to the totals in Redis.
#include <csignal>
#include <thread>

#include "common/config/config.h"
#include "common/domain/registry.h"
#include "common/kafka/producer.h"
#include "common/kafka/topics.h"
#include "common/log/log.h"
#include "common/metrics/health.h"
#include "common/redis/client_flags.h"
#include "services/aggregation/aggregator.h"
#include "services/aggregation/deployment_applier.h"
#include "services/aggregation/rebuild.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void RequestStop(int) { g_stop.store(true); }

}  // namespace

int main(int argc, char** argv) {
  using namespace hattama;
  CLI::App app("Hattama aggregation: applies accepted submissions to the totals in Redis");
  std::string election_path;
  std::string stations_path;
  std::string log_format = "auto";
  std::string log_level = "info";
  std::string metrics_listen;
  aggregation::AggregatorOptions options;
  int rebuild_lanes = aggregation::DefaultRebuildLanes();
  config::AddFlag(app, "election", election_path, "Election JSON (hattama.v1.Election)")
      ->required();
  config::AddFlag(app, "stations", stations_path, "Station registry CSV")->required();
  config::AddFlag(app, "kafka-bootstrap", options.kafka_bootstrap, "Kafka bootstrap servers");
  redis::AddClientFlags(app, options.redis, "the totals and the deployment table");
  config::AddFlag(app, "group", options.group, "Kafka consumer group");
  config::AddFlag(app, "batch-size", options.batch_size,
                  "Most submissions polled and applied to Redis as one batch")
      ->check(CLI::Range(1, 100000));
  config::AddFlag(app, "state-cache-entries", options.state_cache_entries,
                  "Stations and submission ids a member remembers between batches (about 1 KiB "
                  "each) so they need no Redis reads; 0: read everything every batch");
  config::AddFlag(app, "session-timeout-ms", options.session_timeout_ms,
                  "How long a crashed member keeps its partitions before the group moves them")
      ->check(CLI::Range(1000, 300000));
  app.add_flag("--rebuild", options.rebuild,
               "Replay the submissions log from the beginning into Redis (e.g. after Redis lost "
               "its data), then exit once caught up")
      ->envname(config::EnvName("rebuild"));
  config::AddFlag(app, "rebuild-lanes", rebuild_lanes,
                  "With --rebuild: members replaying the log side by side, each a thread with "
                  "its own share of the partitions (default: one a core)")
      ->check(CLI::Range(1, 256));
  config::AddFlag(app, "publish-changes", options.publish_changes,
                  "Write each change of an area total to hattama.totals.v1");
  config::AddFlag(app, "metrics-listen", metrics_listen,
                  "HTTP host:port of /metrics, /healthz (ready), /livez; empty: none");
  config::AddFlag(app, "log-format", log_format, "auto, json or text");
  config::AddFlag(app, "log-level", log_level, "trace, debug, info, warn or error");
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("aggregation", log::ParseFormat(log_format), log_level);
  if (Status valid = redis::ValidateClientOptions(options.redis); !valid.ok()) {
    spdlog::error("{}", valid.message());
    return 1;
  }

  auto registry = domain::Registry::Load(election_path, stations_path);
  if (!registry.ok()) {
    spdlog::error("cannot load the registry: {}", registry.status().message());
    return 1;
  }
  // A rebuild runs its lanes' members itself (rebuild.h).
  std::unique_ptr<aggregation::Aggregator> aggregator;
  if (!options.rebuild) {
    auto created = aggregation::Aggregator::Create(options, *registry);
    if (!created.ok()) {
      spdlog::error("cannot start: {}", created.status().message());
      return 1;
    }
    aggregator = std::move(created).value();
  }
  // Aggregation serves no gRPC, so its readiness is HTTP: /healthz answers 200 while Kafka
  // metadata and Redis PING both answer (checked every 5 s on their own connections).
  auto kafka_probe = kafka::Producer::Create(options.kafka_bootstrap);
  if (!kafka_probe.ok()) {
    spdlog::error("cannot start: {}", kafka_probe.status().message());
    return 1;
  }
  auto operations = metrics::Operations::Start(metrics_listen, [&]() -> Status {
    auto partitions =
        (*kafka_probe)->PartitionCount(kafka::kSubmissionsTopic, std::chrono::seconds(3));
    if (!partitions.ok()) return partitions.status();
    return redis::Ping(options.redis, std::chrono::seconds(2));
  });
  if (!operations.ok()) {
    spdlog::error("cannot start: {}", operations.status().message());
    return 1;
  }
  std::signal(SIGTERM, RequestStop);
  std::signal(SIGINT, RequestStop);
  spdlog::info("consuming {} as group {} from {}, applying to {}", kafka::kSubmissionsTopic,
               options.group, options.kafka_bootstrap, redis::Describe(options.redis));
  // The deployment table runs beside the totals, as a consumer group of its own on its own topic,
  // so that neither holds the other up; a rebuild replays submissions only.
  std::unique_ptr<aggregation::DeploymentApplier> deployment;
  if (!options.rebuild) {
    auto created =
        aggregation::DeploymentApplier::Create({.kafka_bootstrap = options.kafka_bootstrap,
                                                .redis = options.redis,
                                                .group = options.group + "-deployment"},
                                               *registry);
    if (!created.ok()) {
      spdlog::error("cannot start the deployment table: {}", created.status().message());
      return 1;
    }
    deployment = std::move(created).value();
  }
  std::thread deployment_thread([&] {
    if (!deployment) return;
    if (Status status = deployment->Run(g_stop); !status.ok()) {
      spdlog::error("deployment table stopped: {}", status.message());
    }
  });
  Status status = Status::Ok();
  if (aggregator != nullptr) {
    status = aggregator->Run(g_stop);
  } else {
    auto rebuilt = aggregation::RunRebuild(options, *registry, rebuild_lanes, g_stop);
    if (rebuilt.ok()) {
      spdlog::info(
          "rebuild: {} lanes applied {} submissions ({} counted, {} duplicates, {} skipped)",
          rebuild_lanes, rebuilt->applied, rebuilt->counted, rebuilt->duplicates, rebuilt->skipped);
    }
    status = rebuilt.ok() ? Status::Ok() : rebuilt.status();
  }
  g_stop.store(true);
  deployment_thread.join();
  if (!status.ok()) {
    spdlog::error("stopped: {}", status.message());
    return 1;
  }
  return 0;  // The Aggregator's destructor leaves the consumer group.
}
