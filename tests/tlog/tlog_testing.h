// What the transparency log's tests share: records and their entries, a log key, a log in memory
// published into a directory.
#pragma once

#include <string>

#include "common/crypto/ed25519.h"
#include "common/tlog/note_key.h"
#include "hattama/v1/records.pb.h"
#include "services/tlog/entry.h"

namespace hattama::transparency::testing {

// The Kafka value of a SubmissionRecord with `submission_id` (and a station and contest).
inline std::string RecordValue(const std::string& submission_id) {
  v1::SubmissionRecord record;
  record.mutable_submission()->set_submission_id(submission_id);
  record.mutable_submission()->mutable_protocol()->set_station_id("UIK-00001");
  record.mutable_submission()->mutable_protocol()->set_contest_id("mazhilis");
  record.mutable_accepted_time()->set_seconds(1760000000);
  return record.SerializeAsString();
}

// The entry of the record with `submission_id` at (partition, offset).
inline std::string EntryOf(const std::string& submission_id, int32_t partition, int64_t offset) {
  return EncodeEntry({.partition = partition, .offset = offset}, RecordValue(submission_id));
}

// A fixed log key (seed byte `seed` repeated) named `origin`.
inline tlog::NoteSigner TestSigner(const std::string& origin = "hattama/test", char seed = 7) {
  auto key = crypto::Ed25519PrivateKey::FromSeed(std::string(32, seed));
  return tlog::NoteSigner::Create(origin, tlog::NoteKeyType::kEd25519, key.value()).value();
}

}  // namespace hattama::transparency::testing
