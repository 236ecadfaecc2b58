// hattama-ingestion: receives submissions from regional hubs over gRPC, validates them, writes
// them to Kafka and answers each once its outcome is durable. The steps: read the flags, build the
// server's options from them (the registry, the hub registry), start the server and the
// operators' endpoint, and shut down in order on SIGTERM or SIGINT.
#include <signal.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "common/base/result.h"
#include "common/base/stop_signals.h"
#include "common/config/config.h"
#include "common/domain/hubs.h"
#include "common/domain/observers.h"
#include "common/domain/registry.h"
#include "common/kafka/producer.h"
#include "common/kafka/topics.h"
#include "common/log/log.h"
#include "common/metrics/grpc_metrics.h"
#include "common/metrics/health.h"
#include "common/redis/client_flags.h"
#include "services/ingestion/ingestion_server.h"

namespace hattama::ingestion {
namespace {

// Everything the command line sets: the server's configuration and what main does around it.
struct Flags {
  std::string election_path;
  std::string stations_path;
  ServerConfig config;
  int message_timeout_ms = 30000;
  int shutdown_grace_ms = 10000;
  std::string metrics_listen;
  std::string hub_registry_path;
  bool allow_unauthenticated = false;
  std::string log_format = "auto";
  std::string log_level = "info";
};

void AddFlags(CLI::App& app, Flags& flags) {
  ServerConfig& config = flags.config;
  config::AddFlag(app, "election", flags.election_path, "Election JSON (hattama.v1.Election)")
      ->required();
  config::AddFlag(
      app, "stations", flags.stations_path,
      "Station registry CSV; organisations.csv and observers.csv beside it register the observers "
      "(without them any observer id is accepted: README \"Organisations and observers\")")
      ->required();
  config::AddFlag(app, "kafka-bootstrap", config.kafka_bootstrap, "Kafka bootstrap servers");
  config::AddFlag(app, "listen", config.listen, "gRPC listening address (host:port)");
  config::AddFlag(app, "max-in-flight", config.service.limits.max_in_flight,
                  "Unanswered submissions per stream before reading pauses")
      ->check(CLI::PositiveNumber);
  config::AddFlag(app, "max-in-flight-bytes", config.service.limits.max_in_flight_bytes,
                  "Bytes of unanswered messages (and their answers) per stream before reading "
                  "pauses")
      ->check(CLI::PositiveNumber);
  config::AddFlag(app, "max-streams-per-hub", config.service.limits.max_streams_per_hub,
                  "Streams one hub may have open at once; more are refused RESOURCE_EXHAUSTED")
      ->check(CLI::PositiveNumber);
  config::AddFlag(app, "max-streams", config.service.limits.max_streams,
                  "Streams open at once over all hubs; more are refused RESOURCE_EXHAUSTED")
      ->check(CLI::PositiveNumber);
  redis::AddClientFlags(app, config.redis,
                        "the submission and event id claims, shared by every ingestion replica "
                        "(the same Redis as aggregation's; persistent)");
  config::AddFlag(app, "kafka-message-timeout-ms", flags.message_timeout_ms,
                  "How long Kafka may take to confirm a write before the stream fails UNAVAILABLE")
      ->check(CLI::PositiveNumber);
  config::AddFlag(app, "shutdown-grace-ms", flags.shutdown_grace_ms,
                  "On SIGTERM, how long open streams get to end before they are cancelled")
      ->check(CLI::NonNegativeNumber);
  config::AddFlag(app, "hub-registry", flags.hub_registry_path,
                  "Hub registry CSV (hub_id,token_sha256,regions[,max_submissions_per_second]): "
                  "who may stream, for which regions");
  app.add_flag("--allow-unauthenticated", flags.allow_unauthenticated,
               "Without --hub-registry: let every stream in, for every region (local development "
               "only)")
      ->envname(config::EnvName("allow-unauthenticated"));
  config::AddFlag(app, "hub-rate-limit", config.service.default_hub_rate,
                  "Submissions per second per hub unless the hub registry says otherwise; 0: none")
      ->check(CLI::NonNegativeNumber);
  config::AddFlag(app, "max-message-bytes", config.service.limits.max_message_bytes,
                  "Largest message handled; up to 4x it is answered REJECTED TOO_LONG, above "
                  "that the stream ends RESOURCE_EXHAUSTED")
      ->check(CLI::Range(1024, 256 << 20));  // 4x of it must fit gRPC's int.
  config::AddFlag(app, "tls-cert", config.tls_cert, "PEM certificate chain: serve TLS");
  config::AddFlag(app, "tls-key", config.tls_key, "PEM private key of --tls-cert");
  config::AddFlag(app, "tls-client-ca", config.tls_client_ca,
                  "PEM CA: require hub client certificates signed by it (mTLS)");
  config::AddFlag(app, "metrics-listen", flags.metrics_listen,
                  "HTTP host:port of /metrics, /healthz (ready), /livez; empty: none");
  config::AddFlag(app, "log-format", flags.log_format, "Log format: auto, json or text")
      ->check(CLI::IsMember({"auto", "json", "text"}));
  config::AddFlag(app, "log-level", flags.log_level, "Log level: trace, debug, info, warn, error");
}

Result<std::shared_ptr<const domain::Registry>> LoadRegistry(const Flags& flags) {
  auto registry = domain::Registry::Load(flags.election_path, flags.stations_path);
  if (!registry.ok()) {
    return Status::Error("cannot load the registry: " + registry.status().message());
  }
  spdlog::info("registry loaded: election {}, {} stations, {} contests",
               (*registry)->election().election_id(), (*registry)->stations().size(),
               (*registry)->election().contests_size());
  spdlog::log((*registry)->observers() ? spdlog::level::info : spdlog::level::warn, "{}",
              domain::DescribeObserverRegistry((*registry)->observers()));
  return registry;
}

// Who may stream: the hub registry, whose regions must be the election's and whose hubs must
// include every hub the observer registry names. Refusing to start
// without one is the safe default: a forgotten flag must not open the election's intake to anyone
// who can reach the port.
Result<std::shared_ptr<const domain::HubRegistry>> LoadHubs(const Flags& flags,
                                                            const domain::Registry& registry) {
  if (flags.hub_registry_path.empty()) {
    if (flags.allow_unauthenticated) return std::shared_ptr<const domain::HubRegistry>();
    return Status::Error(
        "no --hub-registry: refusing to accept unauthenticated hubs; pass --hub-registry FILE, or "
        "--allow-unauthenticated for local development");
  }
  std::set<std::string> regions;
  for (const auto& area : registry.election().areas()) {
    if (area.kind() == v1::AREA_KIND_REGION) regions.insert(area.area_id());
  }
  auto hubs = domain::HubRegistry::Load(flags.hub_registry_path, &regions);
  if (!hubs.ok()) return Status::Error("cannot load the hub registry: " + hubs.status().message());
  // Every reference is checked at start (README "Organisations and observers"), the observers'
  // hubs too.
  if (registry.observers() != nullptr) {
    if (Status known = domain::CheckObserverHubs(*registry.observers(), **hubs); !known.ok()) {
      return Status::Error("the observer registry does not match the hub registry " +
                           flags.hub_registry_path + ": " + known.message());
    }
  }
  return std::shared_ptr<const domain::HubRegistry>(*hubs);
}

// The server's configuration: the flags' own, with what main derived from the other flags.
Result<ServerConfig> ServerConfigFrom(const Flags& flags, const domain::Registry& registry) {
  ServerConfig config = flags.config;
  if (Status valid = redis::ValidateClientOptions(config.redis); !valid.ok()) return valid;
  config.kafka_overrides["message.timeout.ms"] = std::to_string(flags.message_timeout_ms);
  auto hubs = LoadHubs(flags, registry);
  if (!hubs.ok()) return hubs.status();
  config.service.hubs = *hubs;
  return config;
}

// /metrics and the health checks. Ready ("" on the gRPC health service) only while Kafka answers
// metadata requests for the submissions topic and the id claims' Redis answers PING (without
// either no submission can be answered); "liveness" stays SERVING while the process runs, so that
// an outage takes replicas out of the Service without restarting them. Start checked Kafka and
// Redis once; this keeps checking, with a producer of its own.
Result<std::unique_ptr<metrics::Operations>> StartOperations(const Flags& flags,
                                                             const ServerConfig& config,
                                                             IngestionServer& server) {
  auto kafka_probe = kafka::Producer::Create(config.kafka_bootstrap);
  if (!kafka_probe.ok()) return kafka_probe.status();
  std::shared_ptr<kafka::Producer> probe = std::move(kafka_probe).value();
  const redis::ClientOptions redis = config.redis;
  return metrics::Operations::Start(
      flags.metrics_listen,
      [probe, redis]() -> Status {
        auto partitions = probe->PartitionCount(kafka::kSubmissionsTopic, std::chrono::seconds(3));
        if (!partitions.ok()) return partitions.status();
        return redis::Ping(redis, std::chrono::seconds(2));
      },
      metrics::ServeReadiness(server.health()));
}

// Starts everything, serves until a stop signal, then shuts down in order. The exit code.
int Run(const Flags& flags, const sigset_t& stop_signals) {
  auto registry = LoadRegistry(flags);
  if (!registry.ok()) {
    spdlog::error("{}", registry.status().message());
    return 1;
  }
  auto config = ServerConfigFrom(flags, **registry);
  if (!config.ok()) {
    spdlog::error("{}", config.status().message());
    return 1;
  }
  auto server = IngestionServer::Start(*registry, *config);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  auto operations = StartOperations(flags, *config, **server);
  if (!operations.ok()) {
    spdlog::error("{}", operations.status().message());
    return 1;
  }
  const int signal = WaitForSignal(stop_signals);
  spdlog::info("signal {}: shutting down", signal);
  (*server)->Shutdown(std::chrono::milliseconds(flags.shutdown_grace_ms));
  return 0;
}

}  // namespace
}  // namespace hattama::ingestion

int main(int argc, char** argv) {
  using namespace hattama;
  CLI::App app{"Hattama ingestion: validates hub submissions and writes them to Kafka.",
               "hattama-ingestion"};
  ingestion::Flags flags;
  ingestion::AddFlags(app, flags);
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("ingestion", log::ParseFormat(flags.log_format), flags.log_level);
  const sigset_t stop_signals = BlockStopSignals();
  return ingestion::Run(flags, stop_signals);
}
