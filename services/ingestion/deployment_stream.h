// A hub's stream of deployment events (StreamDeploymentEvents): each is validated against the
// registry and the hub's regions, its id claimed (claims.h), written to hattama.deployment.v1 and
// answered ACCEPTED once Kafka and the claim made it durable; an exact resend is answered
// DUPLICATE, a reused id and a malformed event REJECTED, each rejection recorded in
// hattama.rejections.v1 (RejectionRecord.raw_deployment_event) before the hub hears of it, as a
// submission's is.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/domain/hubs.h"
#include "hattama/v1/ingestion.pb.h"
#include "services/ingestion/claiming_stream.h"
#include "services/ingestion/claims.h"
#include "services/ingestion/ingestion_environment.h"

namespace hattama::ingestion {

// Thread-safety as AckingStream's.
class DeploymentStream final
    : public ClaimingStream<v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck> {
 public:
  DeploymentStream(std::shared_ptr<IngestionEnvironment> shared,
                   grpc::CallbackServerContext* context, const domain::Hub* hub)
      : ClaimingStream(std::move(shared), context, hub) {}

 private:
  void Handle(v1::StreamDeploymentEventsRequest& request) override;

  // Carries on with an event once its id claim answered (on the claims worker).
  void Claimed(const Result<ClaimState>& claim, v1::DeploymentEvent event, std::string digest);
};

}  // namespace hattama::ingestion
