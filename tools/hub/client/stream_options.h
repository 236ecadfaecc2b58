// How a hub streams to ingestion: where, how much in flight, how long before giving up, which
// token and TLS files, and what to call with progress and answers. Shared by the submission and
// the deployment-event streams.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "hattama/v1/ingestion.pb.h"

namespace hattama::hub {

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

}  // namespace hattama::hub
