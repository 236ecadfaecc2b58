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
  int32_t partition_count;
  ServiceOptions options;
  SeenIds seen;
  SeenIds seen_events;

  Shared(std::shared_ptr<const domain::Registry> registry, kafka::Producer* producer,
         int32_t partition_count, ServiceOptions options)
      : registry(std::move(registry)),
        partition_count(partition_count),
        options(options),
        seen(options.remembered_ids),
        seen_events(options.remembered_ids) {
    this->producer = producer;
    max_in_flight = options.max_in_flight;
    default_hub_rate = options.default_hub_rate;
  }
};

std::string SubmissionDigest(const v1::Submission& submission) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    submission.SerializeToCodedStream(&coded);
  }
  return Sha256(bytes);
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

// The region area of a station (the enclosing area of kind REGION), or "".
std::string RegionOf(const domain::Registry& registry, const v1::Station& station) {
  for (const v1::Area* area : registry.EnclosingAreas(station)) {
    if (area->kind() == v1::AREA_KIND_REGION) return area->area_id();
  }
  return "";
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
  const std::string region = RegionOf(registry, station);
  if (!hub->MaySubmitFor(region)) {
    reasons.push_back(MakeReason(station_field, v1::REASON_CODE_REGION_NOT_ALLOWED,
                                 "station " + station.station_id() + " is in region " + region +
                                     ", which hub " + hub->hub_id + " may not submit for"));
  }
  return reasons;
}

class SubmissionStream final
    : public AckingStream<v1::StreamSubmissionsRequest, v1::SubmissionAck> {
 public:
  SubmissionStream(std::shared_ptr<IngestionService::Shared> shared,
                   grpc::CallbackServerContext* context, const domain::Hub* hub)
      : AckingStream(shared, context, hub), shared_(std::move(shared)) {}

 private:
  const std::shared_ptr<IngestionService::Shared> shared_;

  void Handle(v1::StreamSubmissionsRequest& request) override {
    v1::Submission submission = std::move(*request.mutable_submission());
    // A hub that leaves its id out is the hub its token says.
    if (hub_ != nullptr && submission.hub_id().empty()) submission.set_hub_id(hub_->hub_id);
    const std::string& id = submission.submission_id();
    domain::Validation validation = domain::Validate(submission, *shared_->registry);
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
    std::string digest = SubmissionDigest(submission);
    if (std::optional<std::string> seen = shared_->seen.Find(id)) {
      if (*seen == digest) {
        spdlog::debug("submission {} from hub {} is a resend", id, submission.hub_id());
        Answer(MakeAck(id, v1::OUTCOME_DUPLICATE, {}));
        return;
      }
      Reject(submission, {MakeReason("submission_id", v1::REASON_CODE_ID_REUSED,
                                     "submission id '" + id +
                                         "' was already used for a different submission")});
      return;
    }

    const v1::Protocol& protocol = submission.protocol();
    const int32_t partition = domain::PartitionOf(protocol.station_id(), shared_->partition_count);
    const std::string key = domain::SubmissionKey(protocol.station_id(), protocol.contest_id());
    v1::SubmissionAck ack = MakeAck(
        id, validation.flags.empty() ? v1::OUTCOME_ACCEPTED : v1::OUTCOME_ACCEPTED_WITH_FLAGS,
        validation.flags);
    v1::SubmissionRecord record;
    for (const auto& flag : validation.flags) *record.add_flags() = flag;
    *record.mutable_accepted_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    record.set_digest(digest);
    *record.mutable_submission() = std::move(submission);

    spdlog::debug("submission {} for station {} contest {} from hub {}: writing to partition {}",
                  id, protocol.station_id(), protocol.contest_id(), record.submission().hub_id(),
                  partition);
    auto shared = shared_;
    Produce(kafka::kSubmissionsTopic, partition, key, record.SerializeAsString(), std::move(ack),
            [shared, id, digest = std::move(digest)] { shared->seen.Insert(id, digest); });
  }

  // Rejections are written to their own topic before the hub hears of them: nothing a hub sent is
  // silently lost.
  void Reject(const v1::Submission& submission, const std::vector<v1::Reason>& reasons) {
    const std::string& id = submission.submission_id();
    spdlog::info("submission {} for station {} from hub {} rejected: {} ({} reasons)", id,
                 submission.protocol().station_id(), submission.hub_id(),
                 reasons.empty() ? "" : reasons.front().message(), reasons.size());
    v1::RejectionRecord record;
    record.set_raw_submission(submission.SerializeAsString());
    // The authenticated hub, not the one the submission claims.
    record.set_hub_id(hub_ ? hub_->hub_id : submission.hub_id());
    for (const auto& reason : reasons) *record.add_reasons() = reason;
    *record.mutable_rejected_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    Produce(kafka::kRejectionsTopic, -1, id, record.SerializeAsString(),
            MakeAck(id, v1::OUTCOME_REJECTED, reasons), nullptr);
  }
};

bool IsProtocolEvent(v1::DeploymentEventKind kind) {
  return kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED ||
         kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_REFUSED ||
         kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_CONFISCATED;
}

class DeploymentStream final
    : public AckingStream<v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck> {
 public:
  DeploymentStream(std::shared_ptr<IngestionService::Shared> shared,
                   grpc::CallbackServerContext* context, const domain::Hub* hub)
      : AckingStream(shared, context, hub), shared_(std::move(shared)) {}

 private:
  const std::shared_ptr<IngestionService::Shared> shared_;

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
    std::vector<v1::Reason> reasons;
    if (id.empty())
      reasons.push_back(MakeReason("event_id", v1::REASON_CODE_MISSING, "no event id"));
    if (event.kind() == v1::DEPLOYMENT_EVENT_KIND_UNSPECIFIED ||
        !v1::DeploymentEventKind_IsValid(event.kind())) {
      reasons.push_back(MakeReason("kind", v1::REASON_CODE_INVALID_VALUE, "no known event kind"));
    }
    const v1::Station* station = registry.FindStation(event.station_id());
    if (station == nullptr) {
      reasons.push_back(MakeReason("station_id", v1::REASON_CODE_UNKNOWN_STATION,
                                   "unknown station '" + event.station_id() + "'"));
    } else {
      if (IsProtocolEvent(event.kind())) {
        if (registry.FindContest(event.contest_id()) == nullptr) {
          reasons.push_back(MakeReason("contest_id", v1::REASON_CODE_UNKNOWN_CONTEST,
                                       "unknown contest '" + event.contest_id() + "'"));
        } else if (std::find(station->contest_ids().begin(), station->contest_ids().end(),
                             event.contest_id()) == station->contest_ids().end()) {
          reasons.push_back(MakeReason(
              "contest_id", v1::REASON_CODE_CONTEST_NOT_AT_STATION,
              "contest " + event.contest_id() + " is not held at " + station->station_id()));
        }
      }
      auto refused = HubReasons(registry, hub_, event.hub_id(), *station, "station_id");
      reasons.insert(reasons.end(), refused.begin(), refused.end());
    }
    if (!reasons.empty()) {
      spdlog::info("deployment event {} from hub {} rejected: {}", id, hub_id(),
                   reasons.front().message());
      Answer(MakeEventAck(id, v1::OUTCOME_REJECTED, reasons));
      return;
    }
    const std::string digest = event.SerializeAsString();
    if (auto seen = shared_->seen_events.Find(id)) {
      if (*seen == digest) {
        Answer(MakeEventAck(id, v1::OUTCOME_DUPLICATE, {}));
      } else {
        Answer(MakeEventAck(id, v1::OUTCOME_REJECTED,
                            {MakeReason("event_id", v1::REASON_CODE_ID_REUSED,
                                        "event id '" + id +
                                            "' was already used for another "
                                            "event")}));
      }
      return;
    }
    if (!event.has_time())
      *event.mutable_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    auto shared = shared_;
    Produce(kafka::kDeploymentTopic, -1, event.station_id(), event.SerializeAsString(),
            MakeEventAck(id, v1::OUTCOME_ACCEPTED, {}),
            [shared, id, digest] { shared->seen_events.Insert(id, digest); });
  }
};

template <typename Stream, typename Request, typename Ack>
grpc::ServerBidiReactor<Request, Ack>* Open(std::shared_ptr<IngestionService::Shared> shared,
                                            grpc::CallbackServerContext* context) {
  auto hub = Authenticate(*shared, context);
  if (!hub.ok()) {
    spdlog::warn("stream from {} refused: {}", context->peer(), hub.status().message());
    return new Refusal<Request, Ack>(
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED, hub.status().message()));
  }
  auto stream = std::make_shared<Stream>(std::move(shared), context, *hub);
  stream->Start();
  return stream.get();
}

}  // namespace

IngestionService::IngestionService(std::shared_ptr<const domain::Registry> registry,
                                   kafka::Producer& producer, int32_t partition_count,
                                   ServiceOptions options)
    : shared_(std::make_shared<Shared>(std::move(registry), &producer, partition_count, options)) {}

IngestionService::~IngestionService() = default;

grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck>*
IngestionService::StreamSubmissions(grpc::CallbackServerContext* context) {
  return Open<SubmissionStream, v1::StreamSubmissionsRequest, v1::SubmissionAck>(shared_, context);
}

grpc::ServerBidiReactor<v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck>*
IngestionService::StreamDeploymentEvents(grpc::CallbackServerContext* context) {
  return Open<DeploymentStream, v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck>(shared_,
                                                                                           context);
}

void IngestionService::Drain() {
  std::vector<std::shared_ptr<Drainable>> open = shared_->StartDraining();
  spdlog::info("draining {} open streams", open.size());
  for (auto& stream : open) stream->Drain();
}

}  // namespace hattama::ingestion
