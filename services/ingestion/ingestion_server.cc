#include "services/ingestion/ingestion_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

namespace hattama::ingestion {

Result<std::unique_ptr<IngestionServer>> IngestionServer::Start(
    std::shared_ptr<const domain::Registry> registry, const ServerConfig& config) {
  std::unique_ptr<IngestionServer> server(new IngestionServer());
  auto producer = kafka::Producer::Create(config.kafka_bootstrap, config.kafka_overrides);
  if (!producer.ok()) return producer.status();
  server->producer_ = std::move(producer).value();

  // Submissions are placed by PartitionOf over the topic's real partition count, so it is read
  // once here; both topics must exist, or nothing could be answered.
  constexpr auto kMetadataTimeout = std::chrono::seconds(10);
  auto partitions = server->producer_->PartitionCount(kafka::kSubmissionsTopic, kMetadataTimeout);
  if (!partitions.ok()) return Status::Error("cannot start: " + partitions.status().message());
  if (auto rejections =
          server->producer_->PartitionCount(kafka::kRejectionsTopic, kMetadataTimeout);
      !rejections.ok()) {
    return Status::Error("cannot start: " + rejections.status().message());
  }
  server->partition_count_ = *partitions;

  server->service_ = std::make_unique<IngestionService>(std::move(registry), *server->producer_,
                                                        server->partition_count_, config.service);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return Status::Error("cannot listen on " + config.listen);
  }
  spdlog::info("ingestion listening on {} (port {}), kafka {} with {} submission partitions",
               config.listen, server->port_, config.kafka_bootstrap, server->partition_count_);
  return server;
}

IngestionServer::~IngestionServer() { Shutdown(std::chrono::seconds(1)); }

void IngestionServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_ || !server_) return;  // Never started, or already stopped.
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  if (Status flushed = producer_->Flush(std::chrono::seconds(10)); !flushed.ok()) {
    spdlog::warn("shutdown: {}", flushed.message());
  }
  spdlog::info("ingestion stopped");
}

}  // namespace hattama::ingestion
