// The gRPC side of ingestion: one reactor per hub stream that validates each submission, claims its
// id in the authority every replica shares (claims.h), writes it to Kafka, and answers it only once
// its outcome is durable: ACCEPTED once per id ever, DUPLICATE for an exact resend, REJECTED
// (REASON_CODE_ID_REUSED) for an id reused with other content, whichever replica it reaches.
// The streams themselves: submission_stream.h and deployment_stream.h, on the reactor of
// acking_stream.h; who may open one: hub_auth.h.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>

#include "common/domain/registry.h"
#include "common/kafka/record_writer.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "services/ingestion/claims.h"
#include "services/ingestion/content_digest.h"
#include "services/ingestion/ingestion_environment.h"
#include "services/ingestion/service_options.h"

namespace hattama::ingestion {

// Both methods are raw (ByteBuffer in and out): the stream reactor parses each message itself, so
// that one it cannot read ends the stream INVALID_ARGUMENT naming it (acking_stream.h).
class IngestionService final
    : public v1::IngestionService::WithRawCallbackMethod_StreamSubmissions<
          v1::IngestionService::WithRawCallbackMethod_StreamDeploymentEvents<
              v1::IngestionService::Service>> {
 public:
  // `writer` (Kafka's producer) must outlive every stream this service opens (stop the gRPC
  // server first), and `claims` must outlive the writer (its delivery callbacks confirm claims).
  // `partition_count` is the partition count of the submissions topic.
  IngestionService(std::shared_ptr<const domain::Registry> registry, kafka::RecordWriter& writer,
                   Claims& claims, int32_t partition_count, ServiceOptions options);
  ~IngestionService() override;

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StreamSubmissions(
      grpc::CallbackServerContext* context) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StreamDeploymentEvents(
      grpc::CallbackServerContext* context) override;

  // Graceful stop: refuses new streams UNAVAILABLE, and makes every open stream stop reading,
  // answer everything it already took once Kafka confirmed it, then end UNAVAILABLE so the hub
  // resends the rest elsewhere. Returns at once; streams end as their writes are confirmed.
  void Drain();

 private:
  // What the streams share; delivery callbacks hold it, as they may run after the service is gone.
  std::shared_ptr<IngestionEnvironment> env_;
};

}  // namespace hattama::ingestion
