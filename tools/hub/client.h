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

#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"
#include "tools/hub/planned_submission.h"

namespace hattama::hub {

// The trailing metadata in which ingestion names the message it could not read (its 1-based
// position in the stream) when it ends a stream INVALID_ARGUMENT; the same as ingestion's
// kUnreadableMessageHeader (services/ingestion/acking_stream.h).
inline constexpr char kUnreadableMessageHeader[] = "hattama-unreadable-message";

struct StreamProgress {
  int64_t acked = 0;
  int64_t total = 0;
  // Answers received during the last reporting interval, per second.
  double acks_per_second = 0;
  double elapsed_seconds = 0;
  int64_t reconnects = 0;
};

struct StreamOptions {
  std::string ingestion_address = "127.0.0.1:7001";
  // Submissions sent and not answered yet, per stream: bounds memory and what a reconnect resends.
  int64_t window = 2048;
  // Gives up when no answer arrived for this long across reconnects.
  std::chrono::milliseconds give_up_after{60'000};
  // Called about once a second while streaming, and once at the end.
  std::function<void(const StreamProgress&)> on_progress;
  // hub_id -> token, sent as "authorization: Bearer <token>"; a hub without one sends none.
  std::map<std::string, std::string> tokens;
  // TLS to ingestion: the CA that signed its certificate (PEM file). Empty: plaintext. With a
  // client certificate and key as well: mTLS.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // Called from the hub's reader thread for every answer, as it arrives (e.g. to journal it).
  std::function<void(size_t index, const v1::SubmissionAck& ack)> on_answer;
  // The largest message sent: a submission whose StreamSubmissionsRequest serializes to more is
  // not sent (reported in AckRecord::not_sent). Ingestion's --max-message-bytes, whose default
  // this is; above it ingestion answers REJECTED TOO_LONG, above 4x it ends the stream.
  int64_t max_message_bytes = 256 << 10;
};

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
// within give_up_after; answers received until then are lost with it.
// Plaintext, TLS or mTLS credentials from the options' PEM files.
Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(const StreamOptions& options);

Result<StreamReport> StreamSubmissions(std::span<const PlannedSubmission> submissions,
                                       const StreamOptions& options);

}  // namespace hattama::hub
