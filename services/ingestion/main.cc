// hattama-ingestion: receives submissions from regional hubs over gRPC, validates them, writes
// them to Kafka and answers each once its outcome is durable.
#include <signal.h>

#include "common/config/config.h"
#include "common/domain/registry.h"
#include "common/log/log.h"
#include "services/ingestion/ingestion_server.h"

int main(int argc, char** argv) {
  using namespace hattama;
  CLI::App app{"Hattama ingestion: validates hub submissions and writes them to Kafka.",
               "hattama-ingestion"};
  std::string election_path;
  std::string stations_path;
  ingestion::ServerConfig config;
  int message_timeout_ms = 30000;
  int shutdown_grace_ms = 10000;
  std::string log_format = "auto";
  std::string log_level = "info";
  config::AddFlag(app, "election", election_path, "Election JSON (hattama.v1.Election)")
      ->required();
  config::AddFlag(app, "stations", stations_path, "Station registry CSV")->required();
  config::AddFlag(app, "kafka-bootstrap", config.kafka_bootstrap, "Kafka bootstrap servers");
  config::AddFlag(app, "listen", config.listen, "gRPC listening address (host:port)");
  config::AddFlag(app, "max-in-flight", config.service.max_in_flight,
                  "Unanswered submissions per stream before reading pauses")
      ->check(CLI::PositiveNumber);
  config::AddFlag(app, "remembered-ids", config.service.remembered_ids,
                  "Submission ids remembered to answer resends DUPLICATE (oldest forgotten)")
      ->check(CLI::PositiveNumber);
  config::AddFlag(app, "kafka-message-timeout-ms", message_timeout_ms,
                  "How long Kafka may take to confirm a write before the stream fails UNAVAILABLE")
      ->check(CLI::PositiveNumber);
  config::AddFlag(app, "shutdown-grace-ms", shutdown_grace_ms,
                  "On SIGTERM, how long open streams get to end before they are cancelled")
      ->check(CLI::NonNegativeNumber);
  config::AddFlag(app, "log-format", log_format, "Log format: auto, json or text")
      ->check(CLI::IsMember({"auto", "json", "text"}));
  config::AddFlag(app, "log-level", log_level, "Log level: trace, debug, info, warn, error");
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("ingestion", log::ParseFormat(log_format), log_level);
  config.kafka_overrides["message.timeout.ms"] = std::to_string(message_timeout_ms);

  // Taken synchronously by sigwait; blocked before any thread starts, so all inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto registry = domain::Registry::Load(election_path, stations_path);
  if (!registry.ok()) {
    spdlog::error("cannot load the registry: {}", registry.status().message());
    return 1;
  }
  spdlog::info("registry loaded: election {}, {} stations, {} contests",
               (*registry)->election().election_id(), (*registry)->stations().size(),
               (*registry)->election().contests_size());
  auto server = ingestion::IngestionServer::Start(*registry, config);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: shutting down", signal);
  (*server)->Shutdown(std::chrono::milliseconds(shutdown_grace_ms));
  return 0;
}
