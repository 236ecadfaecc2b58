// hattama-publication: serves totals and station results from Redis over gRPC, read-only.
#include <pthread.h>

#include <csignal>

#include "common/config/config.h"
#include "common/domain/registry.h"
#include "common/log/log.h"
#include "common/metrics/grpc_metrics.h"
#include "common/metrics/health.h"
#include "common/redis/redis.h"
#include "services/publication/analysis_service.h"
#include "services/publication/change_feed.h"
#include "services/publication/connection_pool.h"
#include "services/publication/deployment_service.h"
#include "services/publication/export.h"
#include "services/publication/http_gateway.h"
#include "services/publication/portal.h"
#include "services/publication/publication_service.h"

namespace {

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
  std::string http_listen = "0.0.0.0:8080";
  std::string metrics_listen;
  std::string kafka_bootstrap;
  int http_max_streams = 256;
  publication::HttpLimits http;
  int http_workers = static_cast<int>(http.workers);
  int http_max_connections_per_address = static_cast<int>(http.max_connections_per_address);
  double http_request_timeout = 10;
  double http_keep_alive_timeout = 5;
  int http_keep_alive_max_requests = static_cast<int>(http.keep_alive_max_requests);
  int64_t http_max_body_bytes = static_cast<int64_t>(http.max_body_bytes);
  int64_t http_max_header_bytes = static_cast<int64_t>(http.max_header_bytes);
  publication::WatchHub::Options watch_options;
  int watch_max_streams = static_cast<int>(watch_options.max_streams);
  int watch_max_streams_per_address = static_cast<int>(watch_options.max_streams_per_address);
  double export_max_age = 5;
  // Enough for the handler threads of one replica; requests beyond it wait for a free connection.
  int redis_connections = 8;
  int station_max_versions = publication::kMaxVersionsPerContest;
  int64_t station_max_version_bytes = static_cast<int64_t>(publication::kMaxVersionBytes);
  std::string log_format = "auto";
  std::string log_level = "info";
  config::AddFlag(app, "election", election_path, "Election JSON (hattama.v1.Election)")
      ->required();
  config::AddFlag(app, "stations", stations_path, "Station registry CSV")->required();
  config::AddFlag(app, "redis-address", redis_address, "Redis host:port");
  config::AddFlag(app, "redis-connections", redis_connections,
                  "Redis connections publication keeps at most; a read waits up to 2 s for a free "
                  "one, then answers UNAVAILABLE (503)");
  config::AddFlag(app, "kafka-bootstrap", kafka_bootstrap,
                  "Kafka bootstrap servers of the totals change feed (hattama.totals.v1), read "
                  "without a consumer group and never committed or written to: enables Watch, "
                  "/v1/Watch and the totals cache; empty: every request reads Redis and Watch "
                  "answers FAILED_PRECONDITION");
  config::AddFlag(app, "listen", listen, "gRPC listen address host:port");
  config::AddFlag(app, "http-listen", http_listen,
                  "HTTP address (host:port) of the portal and the HTTP/JSON API (/v1/<Method>)");
  config::AddFlag(app, "http-max-streams", http_max_streams,
                  "Most /v1/Watch event streams open at once (each holds an HTTP worker thread); "
                  "beyond it /v1/Watch answers 503");
  config::AddFlag(app, "http-workers", http_workers,
                  "HTTP worker threads besides those of event streams (unary API, /export, the "
                  "portal's files)");
  config::AddFlag(app, "http-max-connections-per-address", http_max_connections_per_address,
                  "Most HTTP connections open at once from one client address; beyond it a "
                  "connection is answered 503 and closed; 0: no cap (behind a reverse proxy, "
                  "where every client has the proxy's address)");
  config::AddFlag(app, "http-request-timeout", http_request_timeout,
                  "Seconds from a request's first byte to the end of its body; a slower request "
                  "(slowloris) is dropped");
  config::AddFlag(app, "http-keep-alive-timeout", http_keep_alive_timeout,
                  "Seconds a connection may wait for its (next) request before it is closed");
  config::AddFlag(app, "http-keep-alive-max-requests", http_keep_alive_max_requests,
                  "Requests served on one HTTP connection before it is closed");
  config::AddFlag(app, "http-max-body-bytes", http_max_body_bytes,
                  "Largest HTTP request body; larger: 413 before the body is read (chunked "
                  "request bodies: 411)");
  config::AddFlag(app, "http-max-header-bytes", http_max_header_bytes,
                  "Most bytes of one HTTP request's line and headers; more: the connection is "
                  "dropped");
  config::AddFlag(app, "watch-max-streams", watch_max_streams,
                  "Most gRPC Watch streams open at once from network clients; beyond it Watch "
                  "answers RESOURCE_EXHAUSTED; 0: no cap (/v1/Watch has --http-max-streams)");
  config::AddFlag(app, "watch-max-streams-per-address", watch_max_streams_per_address,
                  "Most gRPC Watch streams open at once from one client address; beyond it "
                  "Watch answers RESOURCE_EXHAUSTED; 0: no cap");
  config::AddFlag(app, "export-max-age", export_max_age,
                  "Seconds an /export file is served before it is produced again even without a "
                  "change from the change feed (without --kafka-bootstrap: how stale it may be)");
  config::AddFlag(app, "station-max-versions", station_max_versions,
                  "Most versions of one contest in a GetStationResults answer (the counted one "
                  "always, then the newest)");
  config::AddFlag(app, "station-max-version-bytes", station_max_version_bytes,
                  "Most bytes of versions in one GetStationResults answer (the counted one always, "
                  "then the newest that fit): keeps answers under gRPC clients' 4 MB limit");
  config::AddFlag(app, "metrics-listen", metrics_listen,
                  "HTTP host:port of /metrics, /healthz (ready), /livez; empty: none");
  config::AddFlag(app, "log-format", log_format, "auto, json or text");
  config::AddFlag(app, "log-level", log_level, "trace, debug, info, warn or error");
  if (auto code = config::Parse(app, argc, argv)) return *code;
  auto seconds = [](double value) {
    return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.001, value) * 1000));
  };
  http.max_event_streams = static_cast<size_t>(std::max(1, http_max_streams));
  http.workers = static_cast<size_t>(std::max(1, http_workers));
  http.max_connections_per_address =
      static_cast<size_t>(std::max(0, http_max_connections_per_address));
  http.request_timeout = seconds(http_request_timeout);
  http.keep_alive_timeout = seconds(http_keep_alive_timeout);
  http.keep_alive_max_requests = static_cast<size_t>(std::max(1, http_keep_alive_max_requests));
  http.max_body_bytes = static_cast<size_t>(std::max<int64_t>(0, http_max_body_bytes));
  http.max_header_bytes = static_cast<size_t>(std::max<int64_t>(1024, http_max_header_bytes));
  watch_options.max_streams = static_cast<size_t>(std::max(0, watch_max_streams));
  watch_options.max_streams_per_address =
      static_cast<size_t>(std::max(0, watch_max_streams_per_address));
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

  auto pool = std::make_shared<publication::ConnectionPool>(
      redis_address, static_cast<size_t>(std::max(1, redis_connections)), kRedisTimeout);
  publication::PublicationService service(*registry, pool);
  service.LimitVersions(std::max(1, station_max_versions),
                        static_cast<size_t>(std::max<int64_t>(0, station_max_version_bytes)));
  // Each contest's export produced once per change (or per --export-max-age) and shared by every
  // download of it.
  publication::ExportCache exports(
      [&registry, &service](const std::string& contest_id, publication::ExportFormat format) {
        return publication::ExportContest(**registry, service, contest_id, format);
      },
      seconds(export_max_age));
  // With a change feed: totals from a cache it invalidates, and Watch. Both read through the
  // service, so a streamed total is exactly what GetAreaTotals answers.
  std::unique_ptr<publication::TotalsCache> cache;
  std::unique_ptr<publication::WatchHub> watch;
  std::unique_ptr<publication::ChangeFeed> feed;
  if (!kafka_bootstrap.empty()) {
    cache = std::make_unique<publication::TotalsCache>();
    watch = std::make_unique<publication::WatchHub>(
        *registry,
        [&service](const publication::TotalsKey& key) { return service.ReadTotals(key); },
        watch_options);
    service.UseChangeFeed(cache.get(), watch.get());
    publication::ChangeFeed::Options feed_options;
    feed_options.bootstrap_servers = kafka_bootstrap;
    feed = std::make_unique<publication::ChangeFeed>(
        feed_options, cache.get(),
        [&watch, &exports](const publication::TotalsKey& key) {
          watch->Changed(key);
          exports.Changed(key.contest_id);
        },
        [&watch](bool ready) { watch->SetFeedReady(ready); });
  }
  publication::DeploymentService deployment(*registry, pool);
  publication::AnalysisService analysis(*registry, &service);
  auto server = publication::StartServer(listen, &service, {&deployment, &analysis});
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  spdlog::info("serving election {} on {}, reading redis {}", (*registry)->election().election_id(),
               listen, redis_address);
  // The HTTP mirror calls the same service through an in-process channel: one implementation.
  auto gateway = publication::HttpGateway::Start(
      http_listen, (*server)->InProcessChannel(grpc::ChannelArguments()),
      publication::PortalFiles(),
      [&exports](const std::string& contest_id, bool csv) {
        return exports.Get(contest_id, csv ? publication::ExportFormat::kCsv
                                           : publication::ExportFormat::kJsonLines);
      },
      http);
  if (!gateway.ok()) {
    spdlog::error("{}", gateway.status().message());
    return 1;
  }
  spdlog::info("portal and HTTP/JSON API on http://{}/", http_listen);

  // Ready only while Redis answers PING.
  auto operations = metrics::Operations::Start(
      metrics_listen, [&] { return redis::Ping(redis_address, kRedisTimeout); },
      metrics::ServeReadiness((*server)->GetHealthCheckService()));
  if (!operations.ok()) {
    spdlog::error("{}", operations.status().message());
    return 1;
  }

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: finishing requests in flight", signal);
  gateway->reset();  // HTTP first: its calls go through the gRPC server.
  // Watch streams never end by themselves: end them, or Shutdown would wait out its grace.
  if (watch) watch->Stop();
  (*server)->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  feed.reset();  // Before the hub and cache it calls.
  return 0;
}
