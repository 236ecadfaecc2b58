// hattama-verify's entry decoder, written from the README, reads what the log writer
// (services/tlog/entry.h) writes, and refuses entries whose bytes do not hold up.
#include "tools/verify/log_entry.h"

#include <gtest/gtest.h>

#include "services/tlog/entry.h"

namespace hattama::verify {
namespace {

std::string RecordValue(const std::string& id, int padding = 0) {
  v1::SubmissionRecord record;
  record.mutable_submission()->set_submission_id(id);
  record.mutable_submission()->set_observer_id("obs-1");
  record.mutable_submission()->mutable_protocol()->set_station_id(std::string(padding, 's'));
  return record.SerializeAsString();
}

TEST(VerifyLogEntry, ReadsWhatTheWriterWrites) {
  const std::string value = RecordValue("sub-42");
  const std::string bytes = transparency::EncodeEntry({.partition = 3, .offset = 1234}, value);
  auto entry = DecodeLogEntry(bytes);
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  EXPECT_EQ(entry->source, (SourcePosition{.partition = 3, .offset = 1234}));
  EXPECT_EQ(entry->submission_id, "sub-42");
  ASSERT_TRUE(entry->record.has_value());
  EXPECT_EQ(*entry->record, value);
  auto record = ParseRecord(*entry);
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->submission().observer_id(), "obs-1");
}

TEST(VerifyLogEntry, ARecordTooLargeToIncludeIsLoggedByItsIdAlone) {
  const std::string bytes =
      transparency::EncodeEntry({.partition = 0, .offset = 7}, RecordValue("big", 70'000));
  auto entry = DecodeLogEntry(bytes);
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  EXPECT_EQ(entry->submission_id, "big");
  EXPECT_FALSE(entry->record.has_value());
  auto record = ParseRecord(*entry);
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->has_value());
}

TEST(VerifyLogEntry, RefusesAlteredOrCutEntries) {
  const std::string bytes =
      transparency::EncodeEntry({.partition = 1, .offset = 2}, RecordValue("x"));
  std::string altered = bytes;
  altered.back() ^= 1;
  EXPECT_FALSE(DecodeLogEntry(altered).ok()) << "a record that no longer hashes to its SHA-256";
  EXPECT_FALSE(DecodeLogEntry(bytes.substr(0, 40)).ok());
  std::string version = bytes;
  version[0] = 2;
  EXPECT_FALSE(DecodeLogEntry(version).ok());
}

}  // namespace
}  // namespace hattama::verify
