#include "services/ingestion/deployment_stream.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "common/base/now.h"
#include "common/domain/checks.h"
#include "common/kafka/topics.h"
#include "services/ingestion/content_digest.h"
#include "services/ingestion/hub_auth.h"

namespace hattama::ingestion {
namespace {

using domain::MakeReason;

v1::DeploymentEventAck MakeEventAck(const std::string& id, v1::Outcome outcome,
                                    const std::vector<v1::Reason>& reasons) {
  v1::DeploymentEventAck ack;
  ack.set_event_id(id);
  ack.set_outcome(outcome);
  for (const auto& reason : reasons) *ack.add_reasons() = reason;
  return ack;
}

}  // namespace

void DeploymentStream::Handle(v1::StreamDeploymentEventsRequest& request) {
  v1::DeploymentEvent event = std::move(*request.mutable_event());
  if (hub_ != nullptr && event.hub_id().empty()) event.set_hub_id(hub_->hub_id);
  const std::string id = event.event_id();
  const domain::Registry& registry = *shared_->registry;
  std::vector<v1::Reason> reasons =
      domain::ValidateDeploymentEvent(event, registry, domain::Clock::now());
  if (const domain::Station* station = registry.FindStation(event.station_id());
      station != nullptr) {
    auto refused = HubReasons(registry, hub_, event.hub_id(), *station, "station_id");
    reasons.insert(reasons.end(), refused.begin(), refused.end());
  }
  if (!reasons.empty()) {
    Reject(event, reasons);
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

void DeploymentStream::Claimed(const Result<ClaimState>& claim, v1::DeploymentEvent event,
                               std::string digest) {
  const std::string id = event.event_id();
  if (!claim.ok()) {
    FailClaim(claim.status());
    return;
  }
  switch (*claim) {
    case ClaimState::kReused:
      Reject(event, {MakeReason("event_id", v1::REASON_CODE_ID_REUSED,
                                "event id '" + id + "' was already used for another event")});
      return;
    case ClaimState::kDurableSame:
      Answer(MakeEventAck(id, v1::OUTCOME_DUPLICATE, {}));
      return;
    case ClaimState::kNew:
    case ClaimState::kPendingSame:
      break;
  }
  if (!event.has_time()) *event.mutable_time() = NowTimestamp();
  WriteThenConfirm(kafka::kDeploymentTopic, -1, event.station_id(), event.SerializeAsString(),
                   IdKind::kEvent, id, std::move(digest),
                   MakeEventAck(id, v1::OUTCOME_ACCEPTED, {}),
                   MakeEventAck(id, v1::OUTCOME_DUPLICATE, {}));
}

}  // namespace hattama::ingestion
