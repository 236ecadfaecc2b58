// The gRPC side of ingestion: one reactor per hub stream that validates each submission, claims its
// id in the authority every replica shares (claims.h), writes it to Kafka, and answers it only once
// its outcome is durable: ACCEPTED once per id ever, DUPLICATE for an exact resend, REJECTED
// (REASON_CODE_ID_REUSED) for an id reused with other content, whichever replica it reaches.
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
#include "services/ingestion/claims.h"
#include "services/ingestion/stream_environment.h"

namespace hattama::ingestion {

struct ServiceOptions {
  // Submissions read from one stream and not yet answered; reading pauses at this many, so a hub
  // that sends faster than Kafka confirms is slowed down instead of filling memory.
  int max_in_flight = 1000;
  // The same in bytes: messages read from one stream and not yet answered, counted from read until
  // their answer is written (with the answer's own bytes once it is ready). A hub that does not
  // read its answers holds at most this much (plus one message) before its stream stops being read.
  int64_t max_in_flight_bytes = 4 << 20;
  // The largest message handled; above it (up to 4x, gRPC's receive limit) a message is answered
  // REJECTED REASON_CODE_TOO_LONG. IngestionServer sets it from ServerConfig::max_message_bytes.
  int64_t max_message_bytes = 256 << 10;
  // Streams (submissions and deployment events together) one hub may have open at once; more are
  // refused RESOURCE_EXHAUSTED. Without a hub registry a "hub" is the hub id the client names in
  // its "hattama-hub-id" metadata, else its address (stream_environment.h, HubKey).
  int max_streams_per_hub = 8;
  // Streams open at once over all hubs; more are refused RESOURCE_EXHAUSTED. With the bytes above
  // this bounds what hubs can make ingestion hold: about
  // max_streams x (max_in_flight_bytes + 4 x max_message_bytes).
  int max_streams = 128;
  // Who may stream: a stream must carry "authorization: Bearer <token>" of a hub listed here, and
  // may only submit for that hub's regions. nullptr: every stream is let in, unauthenticated, and
  // may submit for any region (local development only; main.cc requires a flag for it).
  std::shared_ptr<const domain::HubRegistry> hubs;
  // Submissions (and deployment events) per second per hub, over all of its streams, unless the
  // hub registry sets the hub's own; 0: unlimited. Over the limit the stream stops reading,
  // answers what it took, and ends RESOURCE_EXHAUSTED: the hub backs off and resends the rest.
  double default_hub_rate = 0;

  StreamLimits Limits() const {
    return {.max_in_flight = max_in_flight,
            .max_in_flight_bytes = max_in_flight_bytes,
            .max_message_bytes = max_message_bytes,
            .max_streams_per_hub = max_streams_per_hub,
            .max_streams = max_streams};
  }
};

// The metadata key a hub's token travels in, as "Bearer <token>".
inline constexpr char kAuthorizationHeader[] = "authorization";

// SHA-256 of the submission's deterministic protobuf serialization: equal for a resend, different
// for another submission under the same id.
std::string SubmissionDigest(const v1::Submission& submission);

// Both methods are raw (ByteBuffer in and out): the stream reactor parses each message itself, so
// that one it cannot read ends the stream INVALID_ARGUMENT naming it (acking_stream.h).
class IngestionService final
    : public v1::IngestionService::WithRawCallbackMethod_StreamSubmissions<
          v1::IngestionService::WithRawCallbackMethod_StreamDeploymentEvents<
              v1::IngestionService::Service>> {
 public:
  // `producer` must outlive every stream this service opens (stop the gRPC server first), and
  // `claims` must outlive the producer (its delivery callbacks confirm claims).
  // `partition_count` is the partition count of the submissions topic.
  IngestionService(std::shared_ptr<const domain::Registry> registry, kafka::Producer& producer,
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

  // What the streams share; delivery callbacks hold it, as they may run after the service is gone.
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace hattama::ingestion
