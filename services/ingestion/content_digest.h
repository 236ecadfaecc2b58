// What an id claim (claims.h) compares to tell an exact resend from other content under the same
// id: SHA-256 of the message's deterministic protobuf serialization. Pure: safe from any thread.
#pragma once

#include <google/protobuf/message_lite.h>

#include <string>

#include "hattama/v1/protocol.pb.h"

namespace hattama::ingestion {

// SHA-256 (hex) of `message`'s deterministic serialization (map entries in key order).
std::string DeterministicDigest(const google::protobuf::MessageLite& message);

// A submission's digest: equal for a resend, different for another submission under the same id.
std::string SubmissionDigest(const v1::Submission& submission);

}  // namespace hattama::ingestion
