// A Kafka consumer-group member (aggregation's): a thin RAII wrapper over librdkafka.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/kafka/message.h"
#include "common/kafka/properties.h"

namespace hattama::kafka {

// A consumer-group member with manual offset commits: the caller commits only what it has applied,
// so a crash replays, never skips. Not thread-safe: one thread calls every method (rebalances are
// reported from Poll, on that thread).
class Consumer {
 public:
  // Called from Poll when the group assigns or revokes partitions.
  using RebalanceCallback = std::function<void(const std::vector<int32_t>& assigned,
                                               const std::vector<int32_t>& revoked)>;

  // Starts from the earliest offset when the group has no committed offset.
  static Result<std::unique_ptr<Consumer>> Create(const std::string& bootstrap_servers,
                                                  const std::string& group_id,
                                                  const std::vector<std::string>& topics,
                                                  const Properties& overrides = {},
                                                  RebalanceCallback on_rebalance = nullptr);
  ~Consumer();  // Leaves the group.

  // Up to `max_messages` messages, waiting at most `timeout` for the first; fewer (or none) when
  // no more are ready. Errors that the client recovers from by itself are logged, not returned.
  Result<std::vector<Message>> Poll(size_t max_messages, std::chrono::milliseconds timeout);
  // Commits, for each partition of `applied`, the offset after its last message. Synchronously,
  // or with `async` only queued: a failure is then logged by a later Poll, and a later commit
  // covers the same offsets.
  Status Commit(const std::vector<Message>& applied, bool async = false);
  // Reads `partition` of `topic` again from `offset`: the next Poll returns its records from there
  // (records of it already fetched are dropped). The partition must be assigned to this member.
  Status Seek(const std::string& topic, int32_t partition, int64_t offset,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Partitions currently assigned to this member, per topic: "topic" -> partitions.
  std::map<std::string, std::vector<int32_t>> Assignment();
  // Messages in the assigned partitions not yet read by this member (high watermark minus
  // position), from the client's cached watermarks: cheap enough to call after every poll.
  int64_t Lag();

  class Impl;

 private:
  explicit Consumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hattama::kafka
