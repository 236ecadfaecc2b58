#include "services/ingestion/ingestion_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "common/kafka/topics.h"
#include "common/metrics/grpc_metrics.h"
#include "common/redis/redis.h"

namespace hattama::ingestion {
namespace {

Result<std::string> ReadPem(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const ServerConfig& config) {
  if (config.tls_cert.empty() && config.tls_key.empty()) {
    if (!config.tls_client_ca.empty()) {
      return Status::Error("a client CA (mTLS) needs the server's TLS certificate and key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (config.tls_cert.empty() || config.tls_key.empty()) {
    return Status::Error("TLS needs both a certificate and a key");
  }
  auto cert = ReadPem(config.tls_cert);
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(config.tls_key);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options(
      config.tls_client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                   : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!config.tls_client_ca.empty()) {
    auto ca = ReadPem(config.tls_client_ca);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
  }
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

// A rejection record holds the raw submission: if the largest message handled does not leave
// room under what the producer may write, rejections of large messages would be refused by the
// log (answered REJECTED RECORD_TOO_LARGE, but not recorded).
void WarnUnlessRecordsFit(const ServerConfig& config) {
  int64_t kafka_max = 1'000'000;  // librdkafka's message.max.bytes default.
  if (auto it = config.kafka_overrides.find("message.max.bytes");
      it != config.kafka_overrides.end()) {
    kafka_max = std::stoll(it->second);
  }
  const int64_t max_message_bytes = config.service.limits.max_message_bytes;
  if (max_message_bytes + kKafkaRecordHeadroom > kafka_max) {
    spdlog::warn(
        "--max-message-bytes {} leaves less than {} bytes under Kafka's message.max.bytes {}: "
        "records of the largest messages will be refused by the log",
        max_message_bytes, kKafkaRecordHeadroom, kafka_max);
  }
}

}  // namespace

Result<std::unique_ptr<IngestionServer>> IngestionServer::Start(
    std::shared_ptr<const domain::Registry> registry, const ServerConfig& config) {
  std::unique_ptr<IngestionServer> server(new IngestionServer());
  server->claims_ = std::make_unique<Claims>(Claims::Options{.redis = config.redis});
  auto producer = kafka::Producer::Create(config.kafka_bootstrap, config.kafka_overrides);
  if (!producer.ok()) return producer.status();
  server->producer_ = std::move(producer).value();

  // Submissions are placed by PartitionOf over the topic's real partition count, so it is read
  // once here; both topics must exist, or nothing could be answered.
  constexpr auto kMetadataTimeout = std::chrono::seconds(10);
  auto partitions = server->producer_->PartitionCount(kafka::kSubmissionsTopic, kMetadataTimeout);
  if (!partitions.ok()) return Status::Error("cannot start: " + partitions.status().message());
  for (const char* topic : {kafka::kRejectionsTopic, kafka::kDeploymentTopic}) {
    if (auto other = server->producer_->PartitionCount(topic, kMetadataTimeout); !other.ok()) {
      return Status::Error("cannot start: " + other.status().message());
    }
  }
  server->partition_count_ = *partitions;
  // Without the id claims no submission could be answered: a Redis missing at start is named now
  // rather than in every stream's error.
  if (Status redis = redis::Ping(config.redis, config.redis.timeout); !redis.ok()) {
    return Status::Unavailable("cannot start: the id claims' Redis: " + redis.message());
  }

  WarnUnlessRecordsFit(config);
  server->service_ =
      std::make_unique<IngestionService>(std::move(registry), *server->producer_, *server->claims_,
                                         server->partition_count_, config.service);
  auto credentials = ServerCredentials(config);
  if (!credentials.ok()) return credentials.status();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // Up to 4x the limit a message is still read, to be answered REJECTED TOO_LONG on its own;
  // beyond that gRPC ends the stream RESOURCE_EXHAUSTED (the hub client refuses to send those).
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(kHardMessageLimitFactor * config.service.limits.max_message_bytes));
  // A port already taken is an error, never a port shared with another process: gRPC's default
  // SO_REUSEPORT would let a server bound later silently take half of the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.listen, *credentials, &server->port_);
  builder.RegisterService(server->service_.get());
  metrics::AddGrpcMetrics(builder);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return Status::Error("cannot listen on " + config.listen);
  }
  spdlog::info(
      "ingestion listening on {} (port {}, {}), kafka {} with {} submission partitions, id "
      "claims in {}, {}",
      config.listen, server->port_,
      config.tls_cert.empty() ? "plaintext" : (config.tls_client_ca.empty() ? "TLS" : "mTLS"),
      config.kafka_bootstrap, server->partition_count_, redis::Describe(config.redis),
      config.service.hubs
          ? fmt::format("{} hubs authenticated by token", config.service.hubs->hubs().size())
          : std::string("UNAUTHENTICATED (every stream let in)"));
  return server;
}

IngestionServer::~IngestionServer() { Shutdown(std::chrono::seconds(1)); }

void IngestionServer::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_ || !server_) return;  // Never started, or already stopped.
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  // Streams stop reading first: what they took is answered while the server still runs.
  service_->Drain();
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  // Every stream has ended, so no claim is made from now on; one made before may still write.
  claims_->WaitIdle();
  if (Status flushed = producer_->Flush(std::chrono::seconds(10)); !flushed.ok()) {
    spdlog::warn("shutdown: {}", flushed.message());
  }
  spdlog::info("ingestion stopped");
}

}  // namespace hattama::ingestion
