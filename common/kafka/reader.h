// A group-less follower of one Kafka topic (publication's change feed): a thin RAII wrapper over
// librdkafka.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/kafka/message.h"
#include "common/kafka/properties.h"

namespace hattama::kafka {

// Reads every partition of one topic from its end, without a consumer group: partitions are
// assigned at explicit offsets and nothing is ever committed. librdkafka needs a group id to
// assign partitions; the Reader's placeholder is never joined and never committed to, so the
// broker holds no membership or offsets for it. For read-only followers of a feed (publication).
// Not thread-safe: one thread calls every method.
class Reader {
 public:
  static Result<std::unique_ptr<Reader>> Create(const std::string& bootstrap_servers,
                                                const std::string& topic,
                                                const Properties& overrides = {});
  ~Reader();

  // Asks the broker for the end (high watermark) of every partition of the topic and assigns each
  // partition at that explicit offset: every record produced after this returns Ok is read by
  // Poll, and none produced before it. Replaces any earlier assignment.
  Status AssignAtEnd(std::chrono::milliseconds timeout);
  // Assigns each partition of `offsets` (partition -> offset) at that explicit offset, so that
  // Poll reads each from there (the transparency log's writer resumes where its log ends). An
  // offset before the start of a partition's log is an error of Poll, never a silent jump.
  // Replaces any earlier assignment.
  Status Assign(const std::map<int32_t, int64_t>& offsets);
  // The number of partitions of the topic, from broker metadata.
  Result<int32_t> PartitionCount(std::chrono::milliseconds timeout);
  // As Consumer::Poll. An error when the client failed for good or a position fell out of the log
  // (records would have been skipped): AssignAtEnd again to go on.
  Result<std::vector<Message>> Poll(size_t max_messages, std::chrono::milliseconds timeout);
  // The broker's current end of every assigned partition, asked now (one round trip a
  // partition): an error when the broker cannot be reached within `timeout`.
  Result<std::map<int32_t, int64_t>> EndOffsets(std::chrono::milliseconds timeout);
  // The offset of the next record Poll returns, per assigned partition.
  const std::map<int32_t, int64_t>& Positions() const;

  class Impl;

 private:
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hattama::kafka
