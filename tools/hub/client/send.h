// hattama-hub send: a real hub's command. Streams the submissions of a JSON Lines file (one
// hattama.v1.Submission per line, protobuf's JSON mapping) to ingestion, journals every answer as
// it arrives, and writes the answers that are not a plain acceptance, with their reasons, to a
// file. Resumable: a rerun skips what the journal shows answered and resends the rest; ingestion
// answers a resend of something already durable DUPLICATE, so nothing counts twice.
#pragma once

#include <string>

#include "common/base/result.h"
#include "tools/hub/client/client.h"

namespace hattama::hub {

struct SendOptions {
  std::string file;
  // Every answer, one SubmissionAck JSON a line, appended as it arrives. Default:
  // FILE.answers.jsonl
  std::string journal;
  // The answers other than ACCEPTED (flags, duplicates, rejections) with reasons, rewritten at the
  // end of each run from the journal, then the submissions of this run that got no answer and
  // were set aside (too large to send, or unreadable to ingestion): a SubmissionAck with no outcome
  // whose one reason says why. Default: FILE.not-accepted.jsonl
  std::string not_accepted;
  // Given to submissions that name no hub.
  std::string hub_id;
  // The hub's token, for every hub id in the file.
  std::string token;
  // A private key file (hattama-hub keygen): every submission of the file is signed with it
  // (common/domain/signature.h) before it is sent, replacing any signature it carried. Ed25519 is
  // deterministic, so a rerun signs a resend to the same bytes.
  std::string sign_key;
  StreamOptions stream;
};

struct SendSummary {
  int64_t submissions = 0;
  // Answered in an earlier run (per the journal), not sent again.
  int64_t already_answered = 0;
  int64_t accepted = 0;
  int64_t flagged = 0;
  int64_t duplicate = 0;
  int64_t rejected = 0;
  // Set aside in this run without an answer (StreamReport::not_sent); a rerun tries them again.
  int64_t not_sent = 0;
  int64_t reconnects = 0;
  double seconds = 0;
};

// An error for an unreadable file or line (naming it), or a stream ingestion refused; answers
// received until then are in the journal.
Result<SendSummary> SendFile(const SendOptions& options);

}  // namespace hattama::hub
