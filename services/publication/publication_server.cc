#include "services/publication/publication_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "common/metrics/grpc_metrics.h"

namespace hattama::publication {

std::unique_ptr<GrpcServer> GrpcServer::Start(grpc::ServerBuilder& builder) {
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->queue_ = builder.AddCompletionQueue(/*is_frequently_polled=*/true);
  server->server_ = builder.BuildAndStart();
  // Nothing is ever asked of the queue: Next returns only once it is shut down and empty. Started
  // even when the server did not start, so that the destructor has one way to drain the queue.
  server->poller_ = std::thread([queue = server->queue_.get()] {
    void* tag = nullptr;
    bool ok = false;
    while (queue->Next(&tag, &ok)) {
    }
  });
  if (server->server_ == nullptr) return nullptr;
  return server;
}

GrpcServer::~GrpcServer() {
  // gRPC's order: the server first, then its queues, drained (by the poller's last Next).
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  queue_->Shutdown();
  poller_.join();
}

Result<std::unique_ptr<GrpcServer>> StartGrpcServer(const std::string& listen,
                                                    const std::vector<grpc::Service*>& services,
                                                    int* port) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound = 0;
  // A port already taken is an error, never a port shared with another process: gRPC's default
  // SO_REUSEPORT would let a server bound later silently take half of the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &bound);
  for (grpc::Service* service : services) builder.RegisterService(service);
  metrics::AddGrpcMetrics(builder);
  std::unique_ptr<GrpcServer> server = GrpcServer::Start(builder);
  if (server == nullptr || bound == 0) return Status::Error("cannot listen on " + listen);
  if (port != nullptr) *port = bound;
  return server;
}

Result<std::unique_ptr<PublicationServer>> PublicationServer::Start(
    std::shared_ptr<const domain::Registry> registry, const ServerConfig& config) {
  std::unique_ptr<PublicationServer> server(new PublicationServer());
  server->BuildReadModel(registry, config);
  if (!config.snapshots.dir.empty()) {
    server->snapshots_ = std::make_unique<SnapshotPublisher>(registry, config.snapshots);
  }
  if (!config.kafka_bootstrap.empty()) server->FollowChangeFeed(registry, config);
  if (!config.tlog_address.empty()) {
    if (Status followed = server->FollowTransparencyLog(config); !followed.ok()) return followed;
  }
  if (Status grpc = server->ServeGrpc(config); !grpc.ok()) return grpc;
  spdlog::info("serving election {} on {}, reading {}", registry->election().election_id(),
               config.listen, redis::Describe(config.redis));
  if (Status http = server->ServeHttp(config); !http.ok()) return http;
  spdlog::info("portal and HTTP/JSON API on http://{}/", config.http_listen);
  if (server->snapshots_) {
    Status started =
        server->snapshots_->Start(server->server_->InProcessChannel(grpc::ChannelArguments()),
                                  [store = server->store_.get()](const TotalsKey& key) {
                                    return store->ReadTotalsJson(key);
                                  });
    if (!started.ok()) return started;
  }
  return server;
}

void PublicationServer::BuildReadModel(std::shared_ptr<const domain::Registry> registry,
                                       const ServerConfig& config) {
  auto pool =
      std::make_shared<ConnectionPool>(config.redis, std::max<size_t>(1, config.redis_connections));
  store_ = std::make_shared<PublishedStore>(std::move(registry), std::move(pool));
  store_->LimitBulkReads(config.max_bulk_reads, config.redis.timeout);
  checkpoints_ = std::make_unique<CheckpointHistory>();
  // Each contest's export produced once per change (or per export_max_age) and shared by every
  // download of it.
  exports_ = std::make_unique<ExportCache>(
      [store = store_.get()](const std::string& contest_id, ExportFormat format) {
        return ExportContest(*store, contest_id, format);
      },
      config.export_max_age);
}

void PublicationServer::FollowChangeFeed(std::shared_ptr<const domain::Registry> registry,
                                         const ServerConfig& config) {
  // Totals from a cache the feed invalidates, and Watch. Both read through the store, so a
  // streamed total is exactly what GetAreaTotals answers.
  cache_ = std::make_unique<TotalsCache>();
  store_->UseTotalsCache(cache_.get());
  watch_ = std::make_unique<WatchHub>(
      std::move(registry),
      [store = store_.get()](const TotalsKey& key) { return store->ReadTotals(key); },
      config.watch);
  ChangeFeed::Options options;
  options.bootstrap_servers = config.kafka_bootstrap;
  feed_ = std::make_unique<ChangeFeed>(
      options, cache_.get(),
      [watch = watch_.get(), exports = exports_.get(),
       snapshots = snapshots_.get()](const TotalsKey& key) {
        watch->Changed(key);
        exports->Changed(key.contest_id);
        if (snapshots) snapshots->Changed(key);
      },
      [watch = watch_.get(), snapshots = snapshots_.get()](bool ready) {
        watch->SetFeedReady(ready);
        if (snapshots) snapshots->FeedReady(ready);
      });
}

Status PublicationServer::FollowTransparencyLog(const ServerConfig& config) {
  TlogWatcherOptions options{.address = config.tlog_address,
                             .verifier_key = config.tlog_verifier_key};
  // A total watched before the log held it is sent again once a checkpoint holds it.
  if (watch_ != nullptr) {
    options.on_new_checkpoint = [watch = watch_.get()] { watch->CheckpointAdded(); };
  }
  auto watcher = TlogWatcher::Start(std::move(options), checkpoints_.get());
  if (!watcher.ok()) return watcher.status();
  tlog_ = std::move(watcher).value();
  store_->UseCheckpoints(checkpoints_.get());
  spdlog::info("following the transparency log {} ({})", config.tlog_address,
               config.tlog_url.empty() ? "no --tlog-url" : config.tlog_url);
  return Status::Ok();
}

Status PublicationServer::ServeGrpc(const ServerConfig& config) {
  publication_ = std::make_unique<PublicationService>(store_);
  publication_->LimitVersions(std::max(1, config.station_max_versions),
                              config.station_max_version_bytes);
  publication_->UseWatchHub(watch_.get());
  StationReads::Options station_reads = config.station_reads;
  station_reads.threads = config.redis_connections;
  station_reads_ = std::make_unique<StationReads>(station_reads);
  publication_->UseStationReads(station_reads_.get());
  if (tlog_ != nullptr) {
    publication_->UseTransparencyLog(checkpoints_.get(), config.tlog_url, config.tlog_verifier_key);
  }
  deployment_ = std::make_unique<DeploymentService>(store_);
  analysis_ = std::make_unique<AnalysisService>(store_, config.pvt_sample);
  night_progress_ = std::make_unique<NightProgress>(
      store_->registry(),
      [store = store_.get()](const TotalsKey& key) { return store->ReadTotals(key); },
      [analysis = analysis_.get()](const std::string& contest_id) {
        return analysis->EstimatePvt(contest_id);
      },
      NightProgress::Options{
          .interval = config.progress_interval,
          // A point comes up to an interval after the change that caused it: the snapshot of
          // GetNightProgress follows it then, not at the next change or sweep.
          .on_point = [snapshots = snapshots_.get(),
                       nation = store_->registry().nation_id()](const std::string& contest_id) {
            if (snapshots) snapshots->Changed({nation, contest_id, /*official=*/false});
          }});
  publication_->UseNightProgress(night_progress_.get());
  auto server = StartGrpcServer(config.listen,
                                {publication_.get(), deployment_.get(), analysis_.get()}, &port_);
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  return Status::Ok();
}

Status PublicationServer::ServeHttp(const ServerConfig& config) {
  // The HTTP mirror calls the same services through an in-process channel: one implementation.
  auto gateway = HttpGateway::Start(
      config.http_listen, server_->InProcessChannel(grpc::ChannelArguments()), config.files,
      [exports = exports_.get()](const std::string& contest_id, bool csv) {
        return exports->Get(contest_id, csv ? ExportFormat::kCsv : ExportFormat::kJsonLines);
      },
      config.http,
      [store = store_.get()](const TotalsKey& key) { return store->ReadTotalsJson(key); });
  if (!gateway.ok()) return gateway.status();
  gateway_ = std::move(gateway).value();
  return Status::Ok();
}

PublicationServer::~PublicationServer() { Shutdown(std::chrono::seconds(1)); }

void PublicationServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_) return;
  shut_down_ = true;
  gateway_.reset();
  if (snapshots_) snapshots_->Stop();
  if (watch_) watch_->Stop();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + grace);
  if (night_progress_) night_progress_->Stop();
  feed_.reset();
  tlog_.reset();
}

}  // namespace hattama::publication
