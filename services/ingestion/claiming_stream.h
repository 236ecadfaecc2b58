// The hub stream whose messages carry ids claimed in the authority every replica shares
// (claims.h): a message is written only once its claim lets it, and answered from the confirm that
// follows Kafka's. Submissions and deployment events are its two kinds (submission_stream.h,
// deployment_stream.h).
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/kafka/topics.h"
#include "common/metrics/service_metrics.h"
#include "services/ingestion/acking_stream.h"
#include "services/ingestion/claims.h"
#include "services/ingestion/ingestion_environment.h"

namespace hattama::ingestion {

// Thread-safety as AckingStream's.
template <typename Request, typename Ack>
class ClaimingStream : public AckingStream<Request, Ack> {
 protected:
  ClaimingStream(std::shared_ptr<IngestionEnvironment> env, grpc::CallbackServerContext* context,
                 const domain::Hub* hub)
      : AckingStream<Request, Ack>(env, context, hub), shared_(std::move(env)) {}

  // A claim or confirm Redis could not make: the stream ends UNAVAILABLE, as when Kafka fails, and
  // the hub resends (a resend meets the same claim, so it is safe).
  void FailClaim(const Status& status) {
    this->Fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, status.message()));
  }

  // Writes one record of a message whose claim (kind, id, digest) is new or pending with this
  // content; once Kafka confirmed it, confirms the claim and answers `accepted` if this copy made
  // the claim durable, `duplicate` if another copy did. A write Kafka does not confirm fails the
  // stream UNAVAILABLE and leaves the claim pending: the hub resends and that copy goes through.
  // The confirm runs even when the hub has gone, so that its resend is answered DUPLICATE.
  void WriteThenConfirm(const char* topic, int32_t partition, const std::string& key,
                        const std::string& value, IdKind kind, std::string id, std::string digest,
                        Ack accepted, Ack duplicate) {
    std::weak_ptr<ClaimingStream> weak =
        std::static_pointer_cast<ClaimingStream>(this->shared_from_this());
    Claims* claims = shared_->claims;
    Ack if_not_queued = accepted;  // `accepted` moves into the callback.
    Status queued = this->env_->writer->Produce(
        topic, partition, key, value,
        [weak, claims, kind, id = std::move(id), digest = std::move(digest),
         value_bytes = key.size() + value.size(), accepted = std::move(accepted),
         duplicate = std::move(duplicate), queued_at = std::chrono::steady_clock::now()](
            const Status& status, int32_t, int64_t) mutable {
          metrics::RecordProduce(std::chrono::steady_clock::now() - queued_at, status.ok());
          if (!status.ok()) {
            // REJECTED RECORD_TOO_LARGE for a record the log will never take, else UNAVAILABLE.
            if (auto stream = weak.lock()) {
              stream->WriteFailed(std::move(accepted), status, value_bytes);
            }
            return;
          }
          // Off the delivery thread: the confirm waits for Redis on the claims worker.
          claims->Confirm(kind, id, digest,
                          [weak, id, accepted = std::move(accepted),
                           duplicate = std::move(duplicate)](Result<bool> made) mutable {
                            auto stream = weak.lock();
                            if (!stream) return;
                            if (!made.ok()) {
                              // Redis lost this claim and other content took the id meanwhile:
                              // the resend is answered by that claim (REJECTED ID_REUSED).
                              spdlog::warn("id {} written but not confirmed: {}", id,
                                           made.status().message());
                              stream->FailClaim(made.status());
                              return;
                            }
                            stream->Answer(*made ? std::move(accepted) : std::move(duplicate));
                          });
        });
    if (!queued.ok())
      this->WriteFailed(std::move(if_not_queued), queued, key.size() + value.size());
  }

  // Rejects `message` (the submission or event of a request): writes its rejection record to
  // hattama.rejections.v1 (RejectionRecordValue: bounded, the raw message only within
  // --max-message-bytes, the authenticated hub's id) and answers REJECTED with `reasons` once
  // Kafka confirmed it, so that nothing a hub sent is silently lost.
  template <typename Message>
  void Reject(const Message& message, const std::vector<v1::Reason>& reasons) {
    const std::string& id = IdOfMessage(message);
    const std::string& hub_id = this->hub_ ? this->hub_->hub_id : message.hub_id();
    spdlog::info("{} {} for station {} from hub {} rejected: {} ({} reasons)",
                 Message::descriptor()->name(), Utf8Prefix(id, 128),
                 Utf8Prefix(StationOf(message), 128), Utf8Prefix(hub_id, 128),
                 reasons.empty() ? "" : Utf8Prefix(reasons.front().message(), 256), reasons.size());
    this->Produce(kafka::kRejectionsTopic, -1, id,
                  RejectionRecordValue(message, hub_id, reasons, this->limits_.max_message_bytes),
                  this->RejectedAck(id, reasons), nullptr);
  }

  // A message above --max-message-bytes is rejected as a malformed one is (its record leaves the
  // raw message out).
  void HandleTooLong(Request& request, v1::Reason reason) override {
    Reject(MessageOf(request), {std::move(reason)});
  }

  const std::shared_ptr<IngestionEnvironment> shared_;

 private:
  static const v1::Submission& MessageOf(const v1::StreamSubmissionsRequest& request) {
    return request.submission();
  }
  static const v1::DeploymentEvent& MessageOf(const v1::StreamDeploymentEventsRequest& request) {
    return request.event();
  }
  static const std::string& IdOfMessage(const v1::Submission& submission) {
    return submission.submission_id();
  }
  static const std::string& IdOfMessage(const v1::DeploymentEvent& event) {
    return event.event_id();
  }
  static const std::string& StationOf(const v1::Submission& submission) {
    return submission.protocol().station_id();
  }
  static const std::string& StationOf(const v1::DeploymentEvent& event) {
    return event.station_id();
  }
};

}  // namespace hattama::ingestion
