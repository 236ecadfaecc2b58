// The leaf entry of Hattama's transparency log: the bytes one record of hattama.submissions.v1
// becomes, hashed into the tree as SHA-256(0x00 || entry) (hash.h) and stored in the C2SP entry
// bundles (tile.h), which hold at most 65,535 bytes an entry. The one codec of the format: the log
// writer (services/tlog) encodes with it, hattama-verify and the tests decode with it; the README's
// "The leaf entry", the test vectors of tests/common/tlog/entry_test.cc and the Go interop test
// hold it to the format from outside. Version 1, all integers big-endian:
//
//   offset  size  field
//   0       1     version: 0x01
//   1       4     source partition: the record's partition of hattama.submissions.v1 (int32)
//   5       8     source offset: the record's offset in that partition (int64)
//   13      32    SHA-256 of the record's value: the serialized hattama.v1.SubmissionRecord
//                 exactly as ingestion wrote it to Kafka
//   45      1     record included: 1 when the value follows in full, 0 when it does not fit
//   46      2     L: the length of the submission id in bytes
//   48      L     the submission id (record.submission.submission_id, UTF-8); empty when the
//                 value does not parse as a SubmissionRecord or the id is longer than 1,024 bytes
//   48 + L  rest  when included: the value, to the end of the entry
//
// The value is included exactly when 48 + L + its length is at most 65,535 bytes. A real
// protocol's record is a few hundred bytes; ingestion bounds a submission at --max-message-bytes
// (256 KiB by default), more than an entry holds, so a record above about 64 KiB is logged by its
// SHA-256, id and source only. So anyone holding a record can derive its entry, and a recount can
// read the figures from the entries themselves.
//
// Pure functions, safe from any thread.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "hattama/v1/records.pb.h"

namespace hattama::tlog {

inline constexpr std::uint8_t kLeafEntryVersion = 1;
inline constexpr std::size_t kLeafEntryHeaderSize = 48;
inline constexpr std::size_t kMaxLeafEntryIdBytes = 1024;

// Where a record stands in hattama.submissions.v1.
struct SourcePosition {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  friend auto operator<=>(const SourcePosition&, const SourcePosition&) = default;
};

struct LeafEntry {
  SourcePosition source;
  std::string record_sha256;  // 32 bytes
  std::string submission_id;  // empty when the value is no SubmissionRecord or the id too long
  // The record's value when the entry includes it; nullopt when it did not fit.
  std::optional<std::string> record;
};

// The entry of the record at `source` whose Kafka value is `value`. The submission id is read
// from the value (empty if it does not parse).
std::string EncodeLeafEntry(const SourcePosition& source, std::string_view value);

// The entry `bytes` hold; InvalidArgument naming what is wrong (another version, cut short, a
// record whose SHA-256 is not the one stated, trailing bytes after an omitted record).
Result<LeafEntry> DecodeLeafEntry(std::string_view bytes);

// The SubmissionRecord an entry includes; nullopt when the entry does not include its record;
// InvalidArgument when the included value does not parse as one.
Result<std::optional<v1::SubmissionRecord>> ParseLeafRecord(const LeafEntry& entry);

}  // namespace hattama::tlog
