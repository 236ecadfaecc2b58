// The gRPC side of ingestion: one reactor per hub stream that validates each submission, writes it
// to Kafka, and answers it only once its outcome is durable.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/domain/hubs.h"
#include "common/domain/registry.h"
#include "common/kafka/kafka.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "services/ingestion/seen_ids.h"

namespace hattama::ingestion {

struct ServiceOptions {
  // Submissions read from one stream and not yet answered; reading pauses at this many, so a hub
  // that sends faster than Kafka confirms is slowed down instead of filling memory.
  int max_in_flight = 1000;
  // Submission ids remembered to answer resends DUPLICATE (see SeenIds).
  size_t remembered_ids = 1'000'000;
  // Who may stream: a stream must carry "authorization: Bearer <token>" of a hub listed here, and
  // may only submit for that hub's regions. nullptr: every stream is let in, unauthenticated, and
  // may submit for any region (local development only; main.cc requires a flag for it).
  std::shared_ptr<const domain::HubRegistry> hubs;
  // Submissions (and deployment events) per second per hub, over all of its streams, unless the
  // hub registry sets the hub's own; 0: unlimited. Over the limit the stream stops reading,
  // answers what it took, and ends RESOURCE_EXHAUSTED: the hub backs off and resends the rest.
  double default_hub_rate = 0;
};

// The metadata key a hub's token travels in, as "Bearer <token>".
inline constexpr char kAuthorizationHeader[] = "authorization";

// SHA-256 of the submission's deterministic protobuf serialization: equal for a resend, different
// for another submission under the same id.
std::string SubmissionDigest(const v1::Submission& submission);

class IngestionService final : public v1::IngestionService::CallbackService {
 public:
  // `producer` must outlive every stream this service opens (stop the gRPC server first).
  // `partition_count` is the partition count of the submissions topic.
  IngestionService(std::shared_ptr<const domain::Registry> registry, kafka::Producer& producer,
                   int32_t partition_count, ServiceOptions options);
  ~IngestionService() override;

  grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck>* StreamSubmissions(
      grpc::CallbackServerContext* context) override;
  grpc::ServerBidiReactor<v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck>*
  StreamDeploymentEvents(grpc::CallbackServerContext* context) override;

  // Graceful stop: refuses new streams UNAVAILABLE, and makes every open stream stop reading,
  // answer everything it already took once Kafka confirmed it, then end UNAVAILABLE so the hub
  // resends the rest elsewhere. Returns at once; streams end as their writes are confirmed.
  void Drain();

  // What the streams share; delivery callbacks hold it, as they may run after the service is gone.
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace hattama::ingestion
