// An ingestion instance: the Kafka producer, the gRPC server with the ingestion and health
// services, and their orderly shutdown. main.cc and the tests both run it through this class.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/kafka/producer.h"
#include "common/kafka/properties.h"
#include "common/redis/client.h"
#include "services/ingestion/ingestion_service.h"

namespace hattama::ingestion {

struct ServerConfig {
  std::string kafka_bootstrap = "127.0.0.1:9092";
  // The Redis holding the id claims (claims.h), one server or a cluster: the same for every
  // replica, and persistent (AOF), as the claims are what makes a resend DUPLICATE and a reused id
  // REJECTED. Its timeout bounds connecting and each claim round trip; past it the stream ends
  // UNAVAILABLE.
  redis::ClientOptions redis;
  // host:port; port 0 picks a free one (see IngestionServer::port).
  std::string listen = "0.0.0.0:7001";
  ServiceOptions service;
  // librdkafka properties over the producer's defaults, e.g. {"message.timeout.ms", "5000"}.
  kafka::Properties kafka_overrides;
  // TLS: PEM files of the server's certificate chain and key. Both empty: plaintext (behind a
  // TLS-terminating proxy, or local). With tls_client_ca as well, hubs must present a client
  // certificate signed by that CA (mTLS), on top of their token.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
};

// Room kept between max_message_bytes and Kafka's message.max.bytes for what a record adds to a
// submission: the bounded reasons (wire.h), ids, digest and times.
inline constexpr int kKafkaRecordHeadroom = 64 << 10;
// gRPC's receive limit is this many times max_message_bytes (see StreamLimits).
inline constexpr int kHardMessageLimitFactor = 4;

class IngestionServer {
 public:
  // Connects to Kafka, checks that Hattama's topics exist and that Redis answers, and starts
  // serving. Fails with a message naming what is missing (a topic, Redis, the listening address).
  static Result<std::unique_ptr<IngestionServer>> Start(
      std::shared_ptr<const domain::Registry> registry, const ServerConfig& config);
  ~IngestionServer();  // Shutdown with a short grace if not done yet.
  IngestionServer(const IngestionServer&) = delete;
  IngestionServer& operator=(const IngestionServer&) = delete;

  // The port actually listened on.
  int port() const { return port_; }
  int32_t partition_count() const { return partition_count_; }
  // The standard gRPC health service, for main to report readiness on.
  grpc::HealthCheckServiceInterface* health() { return server_->GetHealthCheckService(); }

  // Reports NOT_SERVING on health checks, refuses new streams, makes every open stream stop
  // reading and end once all it took is answered (after Kafka confirmed each), gives them `grace`
  // to do so (then cancels them), and waits for Kafka to confirm what is queued. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  IngestionServer() = default;

  // Declared in destruction order reversed: the server goes first, then the producer, the claims
  // last, so that no stream outlives the producer it writes to and no delivery callback the
  // claims it confirms.
  std::unique_ptr<Claims> claims_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<IngestionService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int32_t partition_count_ = 0;
  bool shut_down_ = false;
};

}  // namespace hattama::ingestion
