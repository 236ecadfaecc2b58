// Internal to common/kafka: what the producer, the consumer and the reader share over librdkafka —
// building a configuration over Hattama's defaults, turning librdkafka's errors into a Status,
// polling messages, and reading a topic's partition count. Not for callers outside this folder:
// they include producer.h, consumer.h or reader.h.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/kafka/message.h"
#include "common/kafka/properties.h"

namespace hattama::kafka::internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// How long a broker may hold a fetch that found nothing new. A real broker answers as soon as a
// record arrives, whatever this is; librdkafka's mock cluster (the embedded broker) holds the
// fetch for the whole time even when one arrives meanwhile: with the default 500 ms a submission
// waited about half a second between Kafka and Redis (bench: 502 ms produce to consume, 6 ms
// with 5 ms). 20 ms keeps that small at the cost of some fifty empty fetches per second per
// broker of an idle consumer.
inline constexpr char kFetchWaitMs[] = "20";

// Hattama's defaults first, then the caller's overrides, so any default can be replaced. The
// client's own diagnostics go to the service's log.
Result<ConfPtr> MakeConf(const Properties& defaults, const Properties& overrides);

// "<what>: <librdkafka's description> (<error name>)".
Status ErrorStatus(const std::string& what, rd_kafka_resp_err_t err);

// Up to `max_messages` messages from a consumer handle, waiting at most `timeout` for the first.
// Shared by the group Consumer and the group-less Reader. Errors the client recovers from by
// itself are logged; a fatal error, or an offset that fell out of the log (auto.offset.reset
// "error"), is returned, since reading on would silently skip records.
Result<std::vector<Message>> PollMessages(rd_kafka_t* rk, size_t max_messages,
                                          std::chrono::milliseconds timeout);

// The number of partitions of `topic`, from broker metadata (`bootstrap` only names the cluster
// in errors).
Result<int32_t> TopicPartitionCount(rd_kafka_t* rk, const std::string& bootstrap,
                                    const std::string& topic, std::chrono::milliseconds timeout);

}  // namespace hattama::kafka::internal
