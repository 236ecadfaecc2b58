// The leaf entry, byte for byte as the README defines it: what the log writer writes and
// hattama-verify reads.
#include "common/tlog/entry.h"

#include <gtest/gtest.h>

#include "common/base/digest.h"
#include "common/tlog/tile.h"
#include "hattama/v1/records.pb.h"

namespace hattama::tlog {
namespace {

std::string RecordValue(const std::string& submission_id, std::size_t padding = 0) {
  v1::SubmissionRecord record;
  record.mutable_submission()->set_submission_id(submission_id);
  record.mutable_submission()->set_observer_id(std::string(padding, 'o'));
  record.mutable_submission()->mutable_protocol()->set_station_id("UIK-00001");
  record.mutable_accepted_time()->set_seconds(1760000000);
  return record.SerializeAsString();
}

TEST(TlogEntry, IsTheDocumentedBytes) {
  const std::string value = RecordValue("s-1");
  const std::string entry = EncodeLeafEntry({.partition = 3, .offset = 258}, value);
  const std::string expected = std::string("\x01", 1) +                              // version
                               std::string("\x00\x00\x00\x03", 4) +                  // partition
                               std::string("\x00\x00\x00\x00\x00\x00\x01\x02", 8) +  // offset
                               Sha256(value) +                       // record SHA-256
                               std::string("\x01", 1) +              // record included
                               std::string("\x00\x03", 2) + "s-1" +  // the id
                               value;
  EXPECT_EQ(Hex(entry), Hex(expected));
}

TEST(TlogEntry, DecodesToWhatWasEncoded) {
  const std::string value = RecordValue("s-42");
  auto entry =
      DecodeLeafEntry(EncodeLeafEntry({.partition = 11, .offset = 1'000'000'000'000}, value));
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  EXPECT_EQ(entry->source, (SourcePosition{.partition = 11, .offset = 1'000'000'000'000}));
  EXPECT_EQ(entry->record_sha256, Sha256(value));
  EXPECT_EQ(entry->submission_id, "s-42");
  ASSERT_TRUE(entry->record.has_value());
  EXPECT_EQ(*entry->record, value);
  auto record = ParseLeafRecord(*entry);
  ASSERT_TRUE(record.ok()) << record.status().message();
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->submission().submission_id(), "s-42");
  EXPECT_EQ((*record)->submission().protocol().station_id(), "UIK-00001");
}

TEST(TlogEntry, ARecordTooLargeForABundleIsLoggedByItsHashAlone) {
  const std::string value = RecordValue("s-big", 70'000);
  const std::string bytes = EncodeLeafEntry({.partition = 0, .offset = 7}, value);
  EXPECT_EQ(bytes.size(), kLeafEntryHeaderSize + 5);
  EXPECT_LE(bytes.size(), kMaxEntrySize);
  auto entry = DecodeLeafEntry(bytes);
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  EXPECT_FALSE(entry->record.has_value());
  EXPECT_EQ(entry->record_sha256, Sha256(value));
  EXPECT_EQ(entry->submission_id, "s-big");
  auto record = ParseLeafRecord(*entry);
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->has_value()) << "no record to read the figures from";
}

TEST(TlogEntry, TheLargestRecordThatFitsIsIncluded) {
  // Grow the record until the entry is exactly 65,535 bytes.
  std::size_t padding = 65'000;
  std::string value = RecordValue("s", padding);
  while (kLeafEntryHeaderSize + 1 + value.size() < kMaxEntrySize) {
    value = RecordValue("s", ++padding);
  }
  ASSERT_EQ(kLeafEntryHeaderSize + 1 + value.size(), kMaxEntrySize);
  auto fits = DecodeLeafEntry(EncodeLeafEntry({}, value));
  ASSERT_TRUE(fits.ok());
  EXPECT_TRUE(fits->record.has_value());
  auto too_large = DecodeLeafEntry(EncodeLeafEntry({}, RecordValue("s", padding + 1)));
  ASSERT_TRUE(too_large.ok());
  EXPECT_FALSE(too_large->record.has_value());
}

TEST(TlogEntry, AValueThatIsNoRecordHasNoId) {
  const std::string garbage = "\xff\xff\xff";
  auto entry = DecodeLeafEntry(EncodeLeafEntry({.partition = 1, .offset = 2}, garbage));
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->submission_id, "");
  EXPECT_EQ(entry->record, garbage);
  EXPECT_NE(ParseLeafRecord(*entry).status().message().find("partition 1 offset 2 is no"),
            std::string::npos);
}

TEST(TlogEntry, MalformedEntriesAreRefusedSayingWhy) {
  const std::string good = EncodeLeafEntry({.partition = 1, .offset = 2}, RecordValue("s-1"));
  EXPECT_FALSE(DecodeLeafEntry(good.substr(0, 47)).ok());
  std::string other_version = good;
  other_version[0] = 2;
  EXPECT_NE(DecodeLeafEntry(other_version).status().message().find("version 2"), std::string::npos);
  std::string altered = good;
  altered.back() ^= 1;
  EXPECT_NE(DecodeLeafEntry(altered).status().message().find("does not hash"), std::string::npos);
  std::string omitted = good.substr(0, kLeafEntryHeaderSize + 3);
  omitted[45] = 0;
  EXPECT_TRUE(DecodeLeafEntry(omitted).ok());
  EXPECT_FALSE(DecodeLeafEntry(omitted + "x").ok());
  std::string long_id = good;
  long_id[46] = '\xff';
  EXPECT_FALSE(DecodeLeafEntry(long_id).ok());
}

}  // namespace
}  // namespace hattama::tlog
