// Hattama's one Kafka producer: a thin RAII wrapper over librdkafka, used by every service.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/kafka/properties.h"
#include "common/kafka/record_writer.h"

namespace hattama::kafka {

// An idempotent producer with acks=all: a delivery reported as successful is durably in the log.
// Thread-safe: every method may be called from any thread. Delivery callbacks run on the
// producer's own delivery thread, so a callback must not wait for one that comes after it.
class Producer final : public RecordWriter {
 public:
  // As RecordWriter's. A record counts as delivered only with its place in the log: the
  // idempotent producer's success without an offset (inferred after a failed request) is
  // reported kUnavailable (producer.cc, DeliveryStatus, says why).
  using DeliveryCallback = RecordWriter::DeliveryCallback;

  static Result<std::unique_ptr<Producer>> Create(const std::string& bootstrap_servers,
                                                  const Properties& overrides = {});
  ~Producer() override;  // Flushes what is queued (bounded), then stops the delivery thread.

  // Queues one record for `partition` (-1: librdkafka's partitioner picks by key). Returns an
  // error without calling `done` when the record cannot be queued: kInvalidArgument when it is
  // larger than message.max.bytes, kResourceExhausted when the local queue is full
  // (queue.buffering.max.messages / .kbytes), kUnavailable otherwise.
  Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                 std::string_view value, DeliveryCallback done) override;
  // Waits until every queued record has been delivered or failed, at most `timeout`.
  Status Flush(std::chrono::milliseconds timeout);
  // The number of partitions of `topic`, from broker metadata.
  Result<int32_t> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout);

  class Impl;

 private:
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hattama::kafka
