// A hub's stream of submissions (StreamSubmissions): each is validated against the registry and
// the hub's regions, its id claimed (claims.h), written to hattama.submissions.v1 and answered
// ACCEPTED (or ACCEPTED_WITH_FLAGS) once Kafka and the claim made it durable; an exact resend is
// answered DUPLICATE, a reused id and a malformed submission REJECTED, each rejection recorded in
// hattama.rejections.v1 before the hub hears of it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/hubs.h"
#include "hattama/v1/ingestion.pb.h"
#include "services/ingestion/claiming_stream.h"
#include "services/ingestion/claims.h"
#include "services/ingestion/ingestion_environment.h"

namespace hattama::ingestion {

// Thread-safety as AckingStream's.
class SubmissionStream final
    : public ClaimingStream<v1::StreamSubmissionsRequest, v1::SubmissionAck> {
 public:
  SubmissionStream(std::shared_ptr<IngestionEnvironment> shared,
                   grpc::CallbackServerContext* context, const domain::Hub* hub)
      : ClaimingStream(std::move(shared), context, hub) {}

 private:
  void Handle(v1::StreamSubmissionsRequest& request) override;

  // Carries on with a submission once its id claim answered (on the claims worker).
  void Claimed(const Result<ClaimState>& claim, v1::Submission submission, std::string digest,
               std::vector<v1::Reason> flags);
};

}  // namespace hattama::ingestion
