#include "services/ingestion/ingestion_service.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/digest.h"
#include "common/domain/checks.h"
#include "common/domain/partition.h"
#include "common/metrics/service_metrics.h"
#include "hattama/v1/records.pb.h"
#include "services/ingestion/acking_stream.h"

namespace hattama::ingestion {

// The environment every stream needs, plus what submissions and deployment events are checked
// against.
struct IngestionService::Shared : StreamEnvironment {
  std::shared_ptr<const domain::Registry> registry;
  Claims* claims;  // Outlives the producer, hence every delivery callback (IngestionServer).
  int32_t partition_count;
  ServiceOptions options;

  Shared(std::shared_ptr<const domain::Registry> registry, kafka::Producer* producer,
         Claims* claims, int32_t partition_count, ServiceOptions options)
      : registry(std::move(registry)),
        claims(claims),
        partition_count(partition_count),
        options(options) {
    this->producer = producer;
    limits = options.Limits();
    default_hub_rate = options.default_hub_rate;
  }
};

namespace {

// SHA-256 of a message's deterministic serialization.
std::string DeterministicDigest(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return Sha256(bytes);
}

}  // namespace

std::string SubmissionDigest(const v1::Submission& submission) {
  return DeterministicDigest(submission);
}

namespace {

using domain::MakeReason;

v1::SubmissionAck MakeAck(const std::string& submission_id, v1::Outcome outcome,
                          const std::vector<v1::Reason>& reasons) {
  v1::SubmissionAck ack;
  ack.set_submission_id(submission_id);
  ack.set_outcome(outcome);
  for (const auto& reason : reasons) *ack.add_reasons() = reason;
  return ack;
}

// The hub a stream's token belongs to; nullptr when the service runs unauthenticated.
Result<const domain::Hub*> Authenticate(const IngestionService::Shared& shared,
                                        grpc::CallbackServerContext* context) {
  if (!shared.options.hubs) return static_cast<const domain::Hub*>(nullptr);
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(kAuthorizationHeader);
  if (it == metadata.end())
    return Status::Error("no hub token: send 'authorization: Bearer <token>'");
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (!value.starts_with(kBearer))
    return Status::Error("the authorization must be 'Bearer <token>'");
  const domain::Hub* hub = shared.options.hubs->Authenticate(value.substr(kBearer.size()));
  if (hub == nullptr) return Status::Error("unknown hub token");
  return hub;
}

// The authorisation checks every message of an authenticated hub passes: it names its own hub,
// and a station of one of its regions. Empty when allowed (or unauthenticated).
std::vector<v1::Reason> HubReasons(const domain::Registry& registry, const domain::Hub* hub,
                                   const std::string& hub_id, const v1::Station& station,
                                   const std::string& station_field) {
  std::vector<v1::Reason> reasons;
  if (hub == nullptr) return reasons;
  if (hub_id != hub->hub_id) {
    reasons.push_back(MakeReason(
        "hub_id", v1::REASON_CODE_HUB_MISMATCH,
        "names hub '" + hub_id + "' but the stream is authenticated as '" + hub->hub_id + "'"));
  }
  const v1::Area* region_area = registry.RegionOf(station);
  const std::string region = region_area ? region_area->area_id() : "";
  if (!hub->MaySubmitFor(region)) {
    reasons.push_back(MakeReason(station_field, v1::REASON_CODE_REGION_NOT_ALLOWED,
                                 "station " + station.station_id() + " is in region " + region +
                                     ", which hub " + hub->hub_id + " may not submit for"));
  }
  return reasons;
}

// A stream whose messages carry ids claimed in the shared authority (claims.h): a message is
// written only once its claim lets it, and answered from the confirm that follows Kafka's.
template <typename Request, typename Ack>
class ClaimingStream : public AckingStream<Request, Ack> {
 protected:
  ClaimingStream(std::shared_ptr<IngestionService::Shared> shared,
                 grpc::CallbackServerContext* context, const domain::Hub* hub)
      : AckingStream<Request, Ack>(shared, context, hub), shared_(std::move(shared)) {}

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
    Status queued = this->env_->producer->Produce(
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

  const std::shared_ptr<IngestionService::Shared> shared_;
};

class SubmissionStream final
    : public ClaimingStream<v1::StreamSubmissionsRequest, v1::SubmissionAck> {
 public:
  SubmissionStream(std::shared_ptr<IngestionService::Shared> shared,
                   grpc::CallbackServerContext* context, const domain::Hub* hub)
      : ClaimingStream(std::move(shared), context, hub) {}

 private:
  void Handle(v1::StreamSubmissionsRequest& request) override {
    v1::Submission submission = std::move(*request.mutable_submission());
    // A hub that leaves its id out is the hub its token says.
    if (hub_ != nullptr && submission.hub_id().empty()) submission.set_hub_id(hub_->hub_id);
    const std::string id = submission.submission_id();  // A copy: `submission` moves on below.
    domain::Validation validation =
        domain::Validate(submission, *shared_->registry, domain::Clock::now());
    if (validation.rejected()) {
      Reject(submission, validation.rejections);
      return;
    }
    // Validation found the station, so it exists.
    const v1::Station& station =
        *shared_->registry->FindStation(submission.protocol().station_id());
    if (auto refused = HubReasons(*shared_->registry, hub_, submission.hub_id(), station,
                                  "protocol.station_id");
        !refused.empty()) {
      Reject(submission, refused);
      return;
    }
    // Only a submission that passed every check claims its id: a malformed one owns nothing.
    std::string digest = SubmissionDigest(submission);
    std::weak_ptr<SubmissionStream> weak =
        std::static_pointer_cast<SubmissionStream>(shared_from_this());
    shared_->claims->Claim(IdKind::kSubmission, id, digest,
                           [weak, submission = std::move(submission), digest,
                            flags = std::move(validation.flags)](Result<ClaimState> claim) mutable {
                             auto stream = weak.lock();
                             if (!stream)
                               return;  // The hub went away; its resend meets the same claim.
                             stream->Claimed(claim, std::move(submission), std::move(digest),
                                             std::move(flags));
                           });
  }

  // Carries on with a submission once its id claim answered (on the claims worker).
  void Claimed(const Result<ClaimState>& claim, v1::Submission submission, std::string digest,
               std::vector<v1::Reason> flags) {
    const std::string id = submission.submission_id();
    if (!claim.ok()) {
      FailClaim(claim.status());
      return;
    }
    switch (*claim) {
      case ClaimState::kReused:
        Reject(submission, {MakeReason("submission_id", v1::REASON_CODE_ID_REUSED,
                                       "submission id '" + id +
                                           "' was already used for a different submission")});
        return;
      case ClaimState::kDurableSame:
        spdlog::debug("submission {} from hub {} is a resend", id, submission.hub_id());
        Answer(MakeAck(id, v1::OUTCOME_DUPLICATE, {}));
        return;
      case ClaimState::kNew:
      case ClaimState::kPendingSame:
        break;
    }

    const v1::Protocol& protocol = submission.protocol();
    const int32_t partition = domain::PartitionOf(protocol.station_id(), shared_->partition_count);
    const std::string key = domain::SubmissionKey(protocol.station_id(), protocol.contest_id());
    v1::SubmissionAck accepted =
        MakeAck(id, flags.empty() ? v1::OUTCOME_ACCEPTED : v1::OUTCOME_ACCEPTED_WITH_FLAGS, flags);
    v1::SubmissionRecord record;
    for (const auto& flag : flags) *record.add_flags() = flag;
    *record.mutable_accepted_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    record.set_digest(digest);
    *record.mutable_submission() = std::move(submission);

    spdlog::debug("submission {} for station {} contest {} from hub {}: writing to partition {}",
                  id, protocol.station_id(), protocol.contest_id(), record.submission().hub_id(),
                  partition);
    WriteThenConfirm(kafka::kSubmissionsTopic, partition, key, record.SerializeAsString(),
                     IdKind::kSubmission, id, std::move(digest), std::move(accepted),
                     MakeAck(id, v1::OUTCOME_DUPLICATE, {}));
  }

  // Rejections are written to their own topic before the hub hears of them: nothing a hub sent is
  // silently lost.
  void Reject(const v1::Submission& submission, const std::vector<v1::Reason>& reasons) {
    const std::string& id = submission.submission_id();
    spdlog::info("submission {} for station {} from hub {} rejected: {} ({} reasons)",
                 Utf8Prefix(id, 128), Utf8Prefix(submission.protocol().station_id(), 128),
                 Utf8Prefix(submission.hub_id(), 128),
                 reasons.empty() ? "" : Utf8Prefix(reasons.front().message(), 256), reasons.size());
    // Bounded whatever the hub sent (wire.h), so that it always fits the log. The authenticated
    // hub, not the one the submission claims.
    Produce(kafka::kRejectionsTopic, -1, id,
            RejectionRecordValue(submission, hub_ ? hub_->hub_id : submission.hub_id(), reasons,
                                 limits_.max_message_bytes),
            MakeAck(id, v1::OUTCOME_REJECTED, reasons), nullptr);
  }

  // A message above --max-message-bytes is rejected like a malformed one (its record leaves the
  // raw submission out).
  void HandleTooLong(v1::StreamSubmissionsRequest& request, v1::Reason reason) override {
    Reject(request.submission(), {std::move(reason)});
  }
};

class DeploymentStream final
    : public ClaimingStream<v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck> {
 public:
  DeploymentStream(std::shared_ptr<IngestionService::Shared> shared,
                   grpc::CallbackServerContext* context, const domain::Hub* hub)
      : ClaimingStream(std::move(shared), context, hub) {}

 private:
  static v1::DeploymentEventAck MakeEventAck(const std::string& id, v1::Outcome outcome,
                                             const std::vector<v1::Reason>& reasons) {
    v1::DeploymentEventAck ack;
    ack.set_event_id(id);
    ack.set_outcome(outcome);
    for (const auto& reason : reasons) *ack.add_reasons() = reason;
    return ack;
  }

  void Handle(v1::StreamDeploymentEventsRequest& request) override {
    v1::DeploymentEvent event = std::move(*request.mutable_event());
    if (hub_ != nullptr && event.hub_id().empty()) event.set_hub_id(hub_->hub_id);
    const std::string id = event.event_id();
    const domain::Registry& registry = *shared_->registry;
    std::vector<v1::Reason> reasons =
        domain::ValidateDeploymentEvent(event, registry, domain::Clock::now());
    if (const v1::Station* station = registry.FindStation(event.station_id()); station != nullptr) {
      auto refused = HubReasons(registry, hub_, event.hub_id(), *station, "station_id");
      reasons.insert(reasons.end(), refused.begin(), refused.end());
    }
    if (!reasons.empty()) {
      spdlog::info("deployment event {} from hub {} rejected: {}", id, hub_id(),
                   reasons.front().message());
      Answer(MakeEventAck(id, v1::OUTCOME_REJECTED, reasons));
      return;
    }
    // The event as the hub sent it, before ingestion fills in a missing time: a resend of it has
    // the same digest.
    std::string digest = DeterministicDigest(event);
    std::weak_ptr<DeploymentStream> weak =
        std::static_pointer_cast<DeploymentStream>(shared_from_this());
    shared_->claims->Claim(
        IdKind::kEvent, id, digest,
        [weak, event = std::move(event), digest](Result<ClaimState> claim) mutable {
          auto stream = weak.lock();
          if (!stream) return;
          stream->Claimed(claim, std::move(event), std::move(digest));
        });
  }

  void Claimed(const Result<ClaimState>& claim, v1::DeploymentEvent event, std::string digest) {
    const std::string id = event.event_id();
    if (!claim.ok()) {
      FailClaim(claim.status());
      return;
    }
    switch (*claim) {
      case ClaimState::kReused:
        spdlog::info("deployment event {} from hub {} rejected: id reused", id, hub_id());
        Answer(
            MakeEventAck(id, v1::OUTCOME_REJECTED,
                         {MakeReason("event_id", v1::REASON_CODE_ID_REUSED,
                                     "event id '" + id + "' was already used for another event")}));
        return;
      case ClaimState::kDurableSame:
        Answer(MakeEventAck(id, v1::OUTCOME_DUPLICATE, {}));
        return;
      case ClaimState::kNew:
      case ClaimState::kPendingSame:
        break;
    }
    if (!event.has_time())
      *event.mutable_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    WriteThenConfirm(kafka::kDeploymentTopic, -1, event.station_id(), event.SerializeAsString(),
                     IdKind::kEvent, id, std::move(digest),
                     MakeEventAck(id, v1::OUTCOME_ACCEPTED, {}),
                     MakeEventAck(id, v1::OUTCOME_DUPLICATE, {}));
  }
};

template <typename Stream>
RawReactor* Open(std::shared_ptr<IngestionService::Shared> shared,
                 grpc::CallbackServerContext* context) {
  auto hub = Authenticate(*shared, context);
  if (!hub.ok()) {
    spdlog::warn("stream from {} refused: {}", context->peer(), hub.status().message());
    return new Refusal(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, hub.status().message()));
  }
  auto stream = std::make_shared<Stream>(std::move(shared), context, *hub);
  stream->Start();
  return stream.get();
}

}  // namespace

IngestionService::IngestionService(std::shared_ptr<const domain::Registry> registry,
                                   kafka::Producer& producer, Claims& claims,
                                   int32_t partition_count, ServiceOptions options)
    : shared_(std::make_shared<Shared>(std::move(registry), &producer, &claims, partition_count,
                                       options)) {}

IngestionService::~IngestionService() = default;

RawReactor* IngestionService::StreamSubmissions(grpc::CallbackServerContext* context) {
  return Open<SubmissionStream>(shared_, context);
}

RawReactor* IngestionService::StreamDeploymentEvents(grpc::CallbackServerContext* context) {
  return Open<DeploymentStream>(shared_, context);
}

void IngestionService::Drain() {
  std::vector<std::shared_ptr<Drainable>> open = shared_->StartDraining();
  spdlog::info("draining {} open streams", open.size());
  for (auto& stream : open) stream->Drain();
}

}  // namespace hattama::ingestion
