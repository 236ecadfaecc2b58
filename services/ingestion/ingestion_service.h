// The gRPC side of ingestion: one reactor per hub stream that validates each submission, writes it
// to Kafka, and answers it only once its outcome is durable.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

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
};

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

  // What the streams share; delivery callbacks hold it, as they may run after the service is gone.
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace hattama::ingestion
