// hattama-publication: serves totals and station results from Redis over gRPC, read-only.
#include <pthread.h>

#include <csignal>

#include "common/config/config.h"
#include "common/domain/registry.h"
#include "common/log/log.h"
#include "services/publication/connection_pool.h"
#include "services/publication/deployment_service.h"
#include "services/publication/publication_service.h"

namespace {

// Enough for the handler threads of one replica; requests beyond it wait for a free connection.
constexpr size_t kRedisConnections = 8;
constexpr std::chrono::seconds kRedisTimeout{2};
constexpr std::chrono::seconds kShutdownGrace{5};

}  // namespace

int main(int argc, char** argv) {
  using namespace hattama;
  CLI::App app("Hattama publication: read-only totals and station results over gRPC");
  std::string election_path;
  std::string stations_path;
  std::string redis_address = "127.0.0.1:6379";
  std::string listen = "0.0.0.0:7003";
  std::string log_format = "auto";
  std::string log_level = "info";
  config::AddFlag(app, "election", election_path, "Election JSON (hattama.v1.Election)")
      ->required();
  config::AddFlag(app, "stations", stations_path, "Station registry CSV")->required();
  config::AddFlag(app, "redis-address", redis_address, "Redis host:port");
  config::AddFlag(app, "listen", listen, "gRPC listen address host:port");
  config::AddFlag(app, "log-format", log_format, "auto, json or text");
  config::AddFlag(app, "log-level", log_level, "trace, debug, info, warn or error");
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("publication", log::ParseFormat(log_format), log_level);

  auto registry = domain::Registry::Load(election_path, stations_path);
  if (!registry.ok()) {
    spdlog::error("cannot load the registry: {}", registry.status().message());
    return 1;
  }
  // Blocked before gRPC starts its threads, so that they inherit the mask and the signals wait
  // for sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto pool = std::make_shared<publication::ConnectionPool>(redis_address, kRedisConnections,
                                                            kRedisTimeout);
  publication::PublicationService service(*registry, pool);
  publication::DeploymentService deployment(*registry, pool);
  auto server = publication::StartServer(listen, &service, &deployment);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  spdlog::info("serving election {} on {}, reading redis {}", (*registry)->election().election_id(),
               listen, redis_address);

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: finishing requests in flight", signal);
  (*server)->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  return 0;
}
