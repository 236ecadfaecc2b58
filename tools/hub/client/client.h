// The hub client: streams submissions to the ingestion service over one bidi stream per hub and
// collects one answer per submission. Survives a broken connection by reconnecting and resending
// whatever was not answered yet: ingestion answers a resend of a durable submission as a
// duplicate, so a resend never counts twice.
//
// A submission that resending cannot help is set aside, reported (AckRecord::not_sent) and never
// costs the others their answers: one larger than max_message_bytes is not sent at all; one that
// ingestion could not read (it ends the stream INVALID_ARGUMENT naming the message's position,
// e.g. a string that is not UTF-8) is not sent again, and the rest are resent on a new stream; one
// larger than ingestion's own receive limit (gRPC ends the stream RESOURCE_EXHAUSTED "larger than
// max (A vs. B)") is set aside with every other unanswered one above B.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"
#include "tools/hub/client/stream_options.h"

namespace hattama::hub {

// The trailing metadata in which ingestion names the message it could not read (its 1-based
// position in the stream) when it ends a stream INVALID_ARGUMENT; the same as ingestion's
// kUnreadableMessageHeader (services/ingestion/acking_stream.h).
inline constexpr char kUnreadableMessageHeader[] = "hattama-unreadable-message";

// The answer to one submission.
struct AckRecord {
  bool answered = false;
  v1::Outcome outcome = v1::OUTCOME_UNSPECIFIED;
  std::vector<v1::Reason> reasons;
  // It was sent again on a new stream after a broken one, so a DUPLICATE may stand for the
  // original's lost answer.
  bool resent_after_reconnect = false;
  // Not empty when there is no answer and resending would not get one: why the submission was
  // not sent (larger than max_message_bytes) or not sent again (ingestion could not read it).
  std::string not_sent;
};

struct StreamReport {
  // Aligned with the submissions streamed: acks[i] answers submissions[i].
  std::vector<AckRecord> acks;
  int64_t accepted = 0;
  int64_t flagged = 0;
  int64_t duplicate = 0;
  int64_t rejected = 0;
  // Set aside without an answer (AckRecord::not_sent).
  int64_t not_sent = 0;
  int64_t reconnects = 0;
  // Streams the service ended RESOURCE_EXHAUSTED (over the hub's rate limit), then resumed.
  int64_t throttled = 0;
  double seconds = 0;
  // The best one-second window of ACCEPTED + ACCEPTED_WITH_FLAGS answers.
  double peak_accepted_per_second = 0;
  // Answers that named no submission in flight: a server bug worth reporting.
  std::vector<std::string> unexpected_acks;
};

// Streams `submissions` (grouped by hub_id, one stream each, in their order within a hub) and
// waits for every answer. Two submissions with the same id on one stream are never in flight
// together: the second waits for the first's answer, so a resend is answered DUPLICATE, not
// raced. An error means the service refused the stream (e.g. UNAUTHENTICATED) or never answered
// within give_up_after; answers received until then are lost with it. The submissions are the
// caller's (pointers, so that they may live inside larger records) and must stay unchanged until
// it returns. Blocking: it runs a thread per hub and one for progress, and calls the options'
// callbacks from those; calls on separate threads are independent (each has its own channels).
Result<StreamReport> StreamSubmissions(std::span<const v1::Submission* const> submissions,
                                       const StreamOptions& options);

}  // namespace hattama::hub
