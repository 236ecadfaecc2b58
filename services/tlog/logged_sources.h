// Which records of hattama.submissions.v1 the log already holds, by source position, and where
// the writer resumes reading each partition: what makes "never a leaf twice, never a record
// missing" hold across restarts and failed writes.
//
// The writer reads each partition in offset order, so what is logged is almost always one run of
// offsets per partition; a write that failed and was redone later leaves a hole that closes when
// the record is logged again. The set is kept as runs [first, end), so it costs a few bytes per
// partition, not per record.
//
// Not thread-safe: its owner (LogTree) serialises access.
#pragma once

#include <cstdint>
#include <map>

#include "common/tlog/entry.h"

namespace hattama::transparency {

class LoggedSources {
 public:
  // Records `source` as logged; false (and nothing changes) if it already was.
  bool Add(const tlog::SourcePosition& source);
  bool Contains(const tlog::SourcePosition& source) const;

  // Where reading `partition` resumes: its lowest offset not logged yet. Offsets above it that
  // are logged already are to be skipped as they are read again (Contains).
  std::int64_t ResumeOffset(std::int32_t partition) const;
  // One past the highest partition any position was logged from (0 when none).
  std::int32_t PartitionsSeen() const;

  // How many positions are logged in all.
  std::int64_t size() const { return size_; }

 private:
  // Per partition: run start -> run end (exclusive); runs neither overlap nor touch.
  std::map<std::int32_t, std::map<std::int64_t, std::int64_t>> runs_;
  std::int64_t size_ = 0;
};

}  // namespace hattama::transparency
