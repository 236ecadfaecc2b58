// A publication instance: the read model (PublishedStore over a Redis connection pool), the gRPC
// server with the publication, deployment, analysis and health services, the HTTP gateway (portal,
// HTTP/JSON mirror, /export, /v1/Watch), and with a change feed the totals cache and the watch
// hub; and their shutdown in the one order that lets each part finish. main.cc runs it through
// this class.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/redis/client.h"
#include "services/publication/analysis_service.h"
#include "services/publication/change_feed.h"
#include "services/publication/deployment_service.h"
#include "services/publication/export.h"
#include "services/publication/http_gateway.h"
#include "services/publication/night_progress.h"
#include "services/publication/publication_service.h"
#include "services/publication/published_store.h"
#include "services/publication/snapshot_publisher.h"
#include "services/publication/tlog_watcher.h"
#include "services/publication/totals_cache.h"
#include "services/publication/watch.h"

namespace hattama::publication {

// Each field is a flag of hattama-publication (main.cc, README).
struct ServerConfig {
  // One server or a Redis Cluster; its timeout bounds connecting, each read, and the wait for a
  // free pooled client.
  redis::ClientOptions redis;
  // Enough for the handler threads of one replica; requests beyond it wait for a free client up
  // to redis.timeout, then answer UNAVAILABLE.
  size_t redis_connections = 8;
  // Bulk reads (a whole contest or large area at once: PublishedStore::LimitBulkReads) running at
  // once; 0: no bound. Below redis_connections, so that they never hold every connection; above
  // publication's own bulk readers (the snapshot files' two lanes, and the night-progress sampler
  // with a PVT sample of more than 2,000 stations), so that without a flood nobody waits for one.
  size_t max_bulk_reads = 4;
  // gRPC host:port; port 0 picks a free one (see PublicationServer::port).
  std::string listen = "0.0.0.0:7003";
  // HTTP host:port of the portal and the HTTP/JSON API; port 0 picks a free one.
  std::string http_listen = "0.0.0.0:8080";
  // Bootstrap servers of the totals change feed (hattama.totals.v1). Empty: no feed, so no totals
  // cache, Watch answers FAILED_PRECONDITION and every request reads Redis.
  std::string kafka_bootstrap;
  HttpLimits http;
  WatchHub::Options watch;
  // How long an /export file is served before it is produced again without a change.
  std::chrono::milliseconds export_max_age{5000};
  // GetStationResults' reads queued or running at once, in all and from one client address; its
  // workers are redis_connections (StationReads, whose `threads` is ignored here).
  StationReads::Options station_reads;
  // The bounds of a GetStationResults answer (PublicationService::LimitVersions).
  int station_max_versions = kMaxVersionsPerContest;
  size_t station_max_version_bytes = kMaxVersionBytes;
  // Static files served beside the API (the portal, PortalFiles()).
  StaticFiles files;
  // The snapshot files nginx serves (snapshot_publisher.h); an empty dir: none.
  SnapshotOptions snapshots;
  // hattama-tlog's gRPC host:port, polled for checkpoints (TlogWatcher). Empty: totals state tree
  // size 0 and GetLogCheckpoint answers UNAVAILABLE.
  std::string tlog_address;
  // The log's public HTTP base URL and note verifier key text, handed out by GetLogCheckpoint;
  // the key also checks every checkpoint polled (empty: taken unchecked).
  std::string tlog_url;
  std::string tlog_verifier_key;
  // How often the night's progress is sampled (GetNightProgress, night_progress.h).
  std::chrono::milliseconds progress_interval = kDefaultProgressInterval;
  // The PVT sample drawn before the night (--pvt-sample, pvt_sample.h); null: none.
  std::shared_ptr<const PvtSample> pvt_sample;
};

// A started gRPC server, and a thread of its own that waits on a completion queue the server polls
// often. Publication serves callback methods (GetAreaTotals, GetStationResults, Watch) beside
// synchronous ones (GetElection, ListStations, the health service, ...). In such a server gRPC
// 1.51 lets the synchronous methods' queues poll nothing: the callback methods' threads read every
// socket, and when no callback call came for a second they sleep 100 ms. A client calling only
// synchronous methods then waited up to 100 ms about once a second (README, "What limits it");
// this thread keeps one poller always waiting, so such a call is read at once.
class GrpcServer {
 public:
  // Builds and starts a server from `builder` (its services and ports already added); nullptr
  // when gRPC could not start it.
  static std::unique_ptr<GrpcServer> Start(grpc::ServerBuilder& builder);
  ~GrpcServer();  // Shuts the server down (no grace) if not done yet, then stops the thread.

  void Shutdown(std::chrono::system_clock::time_point deadline) { server_->Shutdown(deadline); }
  void Shutdown() { server_->Shutdown(); }
  std::shared_ptr<grpc::Channel> InProcessChannel(const grpc::ChannelArguments& arguments) {
    return server_->InProcessChannel(arguments);
  }
  grpc::HealthCheckServiceInterface* GetHealthCheckService() {
    return server_->GetHealthCheckService();
  }

 private:
  GrpcServer() = default;
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::unique_ptr<grpc::Server> server_;
  std::thread poller_;
};

class PublicationServer {
 public:
  // Builds every part and starts serving gRPC and HTTP. Fails with a message naming what could not
  // be bound. Redis need not answer yet: reads answer UNAVAILABLE until it does.
  static Result<std::unique_ptr<PublicationServer>> Start(
      std::shared_ptr<const domain::Registry> registry, const ServerConfig& config);
  ~PublicationServer();  // Shutdown with a short grace if not done yet.
  PublicationServer(const PublicationServer&) = delete;
  PublicationServer& operator=(const PublicationServer&) = delete;

  // The ports actually listened on.
  int port() const { return port_; }
  int http_port() const { return gateway_->port(); }
  // The standard gRPC health service, for main to report readiness on.
  grpc::HealthCheckServiceInterface* health() { return server_->GetHealthCheckService(); }

  // Stops in the order each part needs: the HTTP gateway first (its calls go through the gRPC
  // server), then the watch hub's streams (they never end by themselves, and Shutdown would wait
  // out its grace for them), then the gRPC server with `grace` for requests in flight, then the
  // change feed (before the hub, cache and export cache it calls) and the transparency log's
  // watcher. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  PublicationServer() = default;
  // The steps of Start, in order.
  void BuildReadModel(std::shared_ptr<const domain::Registry> registry, const ServerConfig& config);
  void FollowChangeFeed(std::shared_ptr<const domain::Registry> registry,
                        const ServerConfig& config);
  // Polls the transparency log; an error when its verifier key is not one.
  Status FollowTransparencyLog(const ServerConfig& config);
  Status ServeGrpc(const ServerConfig& config);
  Status ServeHttp(const ServerConfig& config);

  // Declared in the order they are built; destroyed in reverse, so that each part goes before
  // what it calls: the gateway before the gRPC server, the server before its services and the
  // hub, the feed before the hub and the caches, everything before the store.
  // The checkpoints go after everything that reads them (the store) and the watcher adding them.
  std::unique_ptr<CheckpointHistory> checkpoints_;
  std::shared_ptr<PublishedStore> store_;
  std::unique_ptr<TotalsCache> cache_;
  std::unique_ptr<ExportCache> exports_;
  // Told of changes by the feed, reads through the gRPC server: stopped before the server shuts
  // down, destroyed after the feed.
  std::unique_ptr<SnapshotPublisher> snapshots_;
  std::unique_ptr<WatchHub> watch_;
  std::unique_ptr<ChangeFeed> feed_;
  // Adds to the checkpoints and tells the watch hub: goes before both.
  std::unique_ptr<TlogWatcher> tlog_;
  std::unique_ptr<PublicationService> publication_;
  // Answers through publication_, for the gRPC server: destroyed between them.
  std::unique_ptr<StationReads> station_reads_;
  std::unique_ptr<DeploymentService> deployment_;
  std::unique_ptr<AnalysisService> analysis_;
  // Samples through analysis_ and the store; answers through publication_.
  std::unique_ptr<NightProgress> night_progress_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<HttpGateway> gateway_;
  int port_ = 0;
  bool shut_down_ = false;
};

// Builds and starts a GrpcServer on `listen` ("host:port") serving `services`, the standard
// health service and server reflection (so that grpcurl works without the .proto files); `port`,
// when given, gets the port bound. An error when the address cannot be bound.
Result<std::unique_ptr<GrpcServer>> StartGrpcServer(const std::string& listen,
                                                    const std::vector<grpc::Service*>& services,
                                                    int* port = nullptr);

}  // namespace hattama::publication
