// The one Kafka client of Hattama: a thin RAII wrapper over librdkafka, used by every service.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace hattama::kafka {

// Topic names; the version is part of the name.
inline constexpr char kSubmissionsTopic[] = "hattama.submissions.v1";
inline constexpr char kRejectionsTopic[] = "hattama.rejections.v1";
inline constexpr char kDeploymentTopic[] = "hattama.deployment.v1";
inline constexpr char kTotalsTopic[] = "hattama.totals.v1";

// librdkafka configuration properties layered over Hattama's defaults ("key" -> "value").
using Properties = std::map<std::string, std::string>;

// An idempotent producer with acks=all: a delivery reported as successful is durably in the log.
class Producer {
 public:
  // Runs on the producer's own delivery thread, exactly once per Produce that returned Ok.
  // `status` is Ok when the broker acknowledged the record at an offset of the log (a success
  // the producer only inferred, without an offset, is kUnavailable). Its code says what failed:
  // kInvalidArgument for this one record, which the log will never take (larger than
  // message.max.bytes or the topic's limit: writing it again fails again); kUnavailable when the
  // brokers did not confirm it (timeout, no broker, a fatal producer error: retry later).
  using DeliveryCallback =
      std::function<void(const Status& status, int32_t partition, int64_t offset)>;

  static Result<std::unique_ptr<Producer>> Create(const std::string& bootstrap_servers,
                                                  const Properties& overrides = {});
  ~Producer();  // Flushes what is queued (bounded), then stops the delivery thread.

  // Queues one record for `partition` (-1: librdkafka's partitioner picks by key). Returns an
  // error without calling `done` when the record cannot be queued: kInvalidArgument when it is
  // larger than message.max.bytes, kResourceExhausted when the local queue is full
  // (queue.buffering.max.messages / .kbytes), kUnavailable otherwise.
  Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                 std::string_view value, DeliveryCallback done);
  // Waits until every queued record has been delivered or failed, at most `timeout`.
  Status Flush(std::chrono::milliseconds timeout);
  // The number of partitions of `topic`, from broker metadata.
  Result<int32_t> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout);

  class Impl;

 private:
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct Message {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
};

// A consumer-group member with manual offset commits: the caller commits only what it has applied,
// so a crash replays, never skips.
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
  // Synchronously commits, for each partition of `applied`, the offset after its last message.
  Status Commit(const std::vector<Message>& applied);
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
