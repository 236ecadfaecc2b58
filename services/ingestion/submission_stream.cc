#include "services/ingestion/submission_stream.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "common/base/now.h"
#include "common/domain/checks.h"
#include "common/domain/partition.h"
#include "common/kafka/topics.h"
#include "hattama/v1/records.pb.h"
#include "services/ingestion/content_digest.h"
#include "services/ingestion/hub_auth.h"

namespace hattama::ingestion {
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

}  // namespace

void SubmissionStream::Handle(v1::StreamSubmissionsRequest& request) {
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
  const domain::Station& station =
      *shared_->registry->FindStation(submission.protocol().station_id());
  if (auto refused =
          HubReasons(*shared_->registry, hub_, submission.hub_id(), station, "protocol.station_id");
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

void SubmissionStream::Claimed(const Result<ClaimState>& claim, v1::Submission submission,
                               std::string digest, std::vector<v1::Reason> flags) {
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
  *record.mutable_accepted_time() = NowTimestamp();
  record.set_digest(digest);
  *record.mutable_submission() = std::move(submission);

  spdlog::debug("submission {} for station {} contest {} from hub {}: writing to partition {}", id,
                protocol.station_id(), protocol.contest_id(), record.submission().hub_id(),
                partition);
  WriteThenConfirm(kafka::kSubmissionsTopic, partition, key, record.SerializeAsString(),
                   IdKind::kSubmission, id, std::move(digest), std::move(accepted),
                   MakeAck(id, v1::OUTCOME_DUPLICATE, {}));
}

}  // namespace hattama::ingestion
