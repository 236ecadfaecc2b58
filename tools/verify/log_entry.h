// Reading Hattama's leaf entries (version 1), as the README's "The leaf entry" defines them, for
// checkers that hold nothing but the log's bytes. The writer's own encoder is
// services/tlog/entry.h; this decoder is written from the README so that hattama-verify does not
// depend on the service it checks. All integers big-endian:
//
//   0       1     version 0x01
//   1       4     source partition (int32)
//   5       8     source offset (int64)
//   13      32    SHA-256 of the record's value
//   45      1     record included (1) or not (0)
//   46      2     L, the length of the submission id
//   48      L     the submission id
//   48 + L  rest  when included: the record's value (a serialized hattama.v1.SubmissionRecord)
//
// Pure functions, safe from any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "hattama/v1/records.pb.h"

namespace hattama::verify {

// Where a record stands in hattama.submissions.v1.
struct SourcePosition {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  friend auto operator<=>(const SourcePosition&, const SourcePosition&) = default;
};

struct LogEntry {
  SourcePosition source;
  std::string record_sha256;  // 32 bytes
  std::string submission_id;  // empty when the value is no SubmissionRecord or the id too long
  // The record's value when the entry includes it; nullopt when it did not fit.
  std::optional<std::string> record;
};

// The entry `bytes` hold; InvalidArgument naming what is wrong (another version, cut short, a
// record whose SHA-256 is not the one stated, bytes after an omitted record).
Result<LogEntry> DecodeLogEntry(std::string_view bytes);

// The SubmissionRecord an entry includes; nullopt when the entry does not include its record;
// InvalidArgument when the included value does not parse as one.
Result<std::optional<v1::SubmissionRecord>> ParseRecord(const LogEntry& entry);

}  // namespace hattama::verify
