// What a writer of records promises, apart from how it reaches the log: the seam between the code
// that writes records (ingestion's stream reactor) and the Kafka producer (producer.h), so that
// the reactor's backpressure and ordering can be tested with deliveries that complete when a test
// says, without a broker.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace hattama::kafka {

// Implementations are safe to call from any thread.
class RecordWriter {
 public:
  // Runs exactly once per Produce that returned Ok, on the writer's own thread (never inside
  // Produce). `status` is Ok only when the log took the record at `offset` of `partition` (a
  // success the producer only inferred, without an offset, is kUnavailable). Its code says what
  // failed: kInvalidArgument for this one record, which the log will never take (larger than
  // message.max.bytes or the topic's limit: writing it again fails again); kUnavailable when the
  // brokers did not confirm it (timeout, no broker, a fatal producer error: retry later).
  using DeliveryCallback =
      std::function<void(const Status& status, int32_t partition, int64_t offset)>;

  virtual ~RecordWriter() = default;

  // Queues one record for `partition` (-1: the writer picks by key). Returns an error without
  // calling `done` when the record cannot be queued: kInvalidArgument when it is larger than the
  // log takes, kResourceExhausted when the local queue is full, kUnavailable otherwise.
  virtual Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                         std::string_view value, DeliveryCallback done) = 0;
};

}  // namespace hattama::kafka
