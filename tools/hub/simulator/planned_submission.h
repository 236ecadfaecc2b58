// One submission the simulator will send, with what it is meant to be and the answer it must get.
#pragma once

#include <span>

#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"
#include "hattama/v1/protocol.pb.h"
#include "tools/hub/client/client.h"

namespace hattama::hub {

enum class SubmissionKind {
  // A consistent protocol: accepted and counted.
  kClean,
  // Breaks one control relation: accepted with flags and counted.
  kBroken,
  // Unknown station or option, a missing or a negative figure: rejected, not counted. Always an
  // extra submission, never a station's only protocol.
  kMalformed,
  // The same bytes as an earlier clean or broken submission: a duplicate, counted once. It always
  // comes after its original in the send order.
  kResend,
};

struct PlannedSubmission {
  v1::Submission submission;
  SubmissionKind kind = SubmissionKind::kClean;
  v1::Outcome expected_outcome = v1::OUTCOME_ACCEPTED;
  // kBroken (and a resend of one): the one flag its protocol carries; kMalformed: a rejection
  // reason it must get (others may come with it); otherwise REASON_CODE_UNSPECIFIED.
  v1::ReasonCode expected_code = v1::REASON_CODE_UNSPECIFIED;
};

// The hub client's StreamSubmissions over the planned submissions' protocols: report.acks[i]
// answers planned[i].
Result<StreamReport> StreamSubmissions(std::span<const PlannedSubmission> planned,
                                       const StreamOptions& options);

}  // namespace hattama::hub
