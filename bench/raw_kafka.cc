#include "bench/raw_kafka.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "bench/load.h"
#include "bench/say.h"
// Only for kFetchWaitMs, so that the latency row follows the fetch wait Hattama's consumers use.
#include "common/kafka/client_common.h"
#include "common/kafka/topics.h"
#include "tools/stack/stack.h"

namespace hattama::bench {
namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

// Delivery reports of the producer: a record counts only with its place in the log, as
// common/kafka counts it.
struct Deliveries {
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed{0};
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* deliveries = static_cast<Deliveries*>(opaque);
  const bool ok = message->err == RD_KAFKA_RESP_ERR_NO_ERROR && message->offset >= 0;
  (ok ? deliveries->delivered : deliveries->failed).fetch_add(1, std::memory_order_relaxed);
}

struct ClientDeleter {
  void operator()(rd_kafka_t* rk) const {
    if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER) rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
using Client = std::unique_ptr<rd_kafka_t, ClientDeleter>;

Result<Client> NewClient(rd_kafka_type_t type, const Settings& settings,
                         Deliveries* deliveries = nullptr) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::Error("kafka setting " + key + "=" + value + ": " + errstr);
    }
  }
  if (deliveries != nullptr) {
    rd_kafka_conf_set_opaque(conf, deliveries);
    rd_kafka_conf_set_dr_msg_cb(conf, &OnDelivery);
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Error(std::string("cannot create a kafka client: ") + errstr);
  }
  if (type == RD_KAFKA_CONSUMER) rd_kafka_poll_set_consumer(rk);
  return Client(rk);
}

// The producer: idempotent with acks=all as ingestion's, and batching at least as much (ingestion
// lingers 5 ms with librdkafka's default batch sizes). A local queue deep enough that the loop
// never waits on it while the broker keeps up; five requests in flight per broker, the most
// idempotence allows.
Settings ProducerSettings(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap},
          {"enable.idempotence", "true"},
          {"acks", "all"},
          {"linger.ms", "5"},
          {"batch.num.messages", "10000"},
          {"batch.size", "4000000"},
          {"queue.buffering.max.messages", "1000000"},
          {"queue.buffering.max.kbytes", "2097151"},
          {"max.in.flight.requests.per.connection", "5"},
          {"message.timeout.ms", "30000"}};
}

Settings ConsumerSettings(const std::string& bootstrap, const std::string& fetch_wait_ms) {
  return {{"bootstrap.servers", bootstrap},
          {"group.id", "hattama-bench-raw"},
          {"enable.auto.commit", "false"},
          {"enable.partition.eof", "false"},
          {"fetch.wait.max.ms", fetch_wait_ms}};
}

// Queues one record, serving delivery reports while the local queue is full.
Status Produce(rd_kafka_t* producer, const KafkaRecord& record) {
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(kafka::kSubmissionsTopic),
        RD_KAFKA_V_KEY(record.key.data(), record.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
        RD_KAFKA_V_END);  // no copy: the records outlive the producer's queue
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return Status::Error(std::string("cannot produce: ") + rd_kafka_err2str(err));
    }
    rd_kafka_poll(producer, 1);
  }
}

// Delivers one record: the producer id, metadata and connection are one-off costs, paid before
// any clock starts.
Status DeliverFirst(rd_kafka_t* producer, Deliveries& deliveries, const KafkaRecord& record) {
  if (Status queued = Produce(producer, record); !queued.ok()) return queued;
  if (rd_kafka_flush(producer, 30'000) != RD_KAFKA_RESP_ERR_NO_ERROR || deliveries.failed > 0) {
    return Status::Error("the embedded Kafka did not take a first record within 30 s");
  }
  return Status::Ok();
}

// Produces `count` records (cycling `samples`) and waits for every delivery report; records per
// second from the first produce to the last report.
Result<double> ProduceRate(rd_kafka_t* producer, Deliveries& deliveries,
                           std::span<const KafkaRecord> samples, int64_t count) {
  const int64_t before = deliveries.delivered.load();
  const auto start = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    if (Status queued = Produce(producer, samples[static_cast<size_t>(i) % samples.size()]);
        !queued.ok()) {
      return queued;
    }
    if (i % 1024 == 0) rd_kafka_poll(producer, 0);
  }
  if (rd_kafka_flush(producer, 300'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error("records still undelivered after 5 minutes");
  }
  const double seconds = Seconds(Clock::now() - start);
  if (deliveries.failed > 0) {
    return Status::Error(std::to_string(deliveries.failed.load()) + " records not delivered");
  }
  return static_cast<double>(deliveries.delivered.load() - before) / seconds;
}

// Up to `max` records read from `queue` within `timeout`; errors other than records are skipped
// (a consumer reports transient broker trouble that way and recovers by itself).
int64_t ConsumeBatch(rd_kafka_queue_t* queue, int timeout_ms,
                     std::vector<rd_kafka_message_t*>& buf) {
  const ssize_t n = rd_kafka_consume_batch_queue(queue, timeout_ms, buf.data(), buf.size());
  int64_t records = 0;
  for (ssize_t i = 0; i < n; ++i) {
    if (buf[static_cast<size_t>(i)]->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++records;
    rd_kafka_message_destroy(buf[static_cast<size_t>(i)]);
  }
  return records;
}

using QueuePtr = std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)>;

QueuePtr ConsumerQueue(rd_kafka_t* consumer) {
  return QueuePtr(rd_kafka_queue_get_consumer(consumer), &rd_kafka_queue_destroy);
}

// Assigns every partition of `topic` to `consumer` at `offset_of(partition)`, replacing what it
// held.
template <typename OffsetOf>
Status AssignAll(rd_kafka_t* consumer, const char* topic, int partitions, OffsetOf offset_of) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic, p)->offset = offset_of(p);
  }
  const rd_kafka_resp_err_t err = rd_kafka_assign(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error(std::string("cannot assign partitions: ") + rd_kafka_err2str(err));
  }
  return Status::Ok();
}

// A consumer made ready before the records to read are produced: connected to the broker and
// fetching another (empty) topic, so that neither its connection nor a prefetch of the records
// produced meanwhile is part of the rate.
Result<Client> ReadyConsumer(const std::string& bootstrap, int partitions) {
  auto consumer = NewClient(RD_KAFKA_CONSUMER, ConsumerSettings(bootstrap, "100"));
  if (!consumer.ok()) return consumer.status();
  if (Status assigned = AssignAll(consumer->get(), kafka::kRejectionsTopic, partitions,
                                  [](int) { return int64_t{0}; });
      !assigned.ok()) {
    return assigned;
  }
  // An empty poll while it connects (on loopback, well within the wait).
  auto queue = ConsumerQueue(consumer->get());
  std::vector<rd_kafka_message_t*> buf(1);
  ConsumeBatch(queue.get(), 200, buf);
  return consumer;
}

// Moves the ready `consumer` to every partition of the submissions topic from its start and reads
// until `count` records came (one consumer holding every partition, as one aggregation member
// holding them all); records per second from the assignment on.
Result<double> ConsumeRate(rd_kafka_t* consumer, int partitions, int64_t count) {
  auto queue = ConsumerQueue(consumer);
  std::vector<rd_kafka_message_t*> buf(10'000);
  const auto start = Clock::now();
  if (Status assigned =
          AssignAll(consumer, kafka::kSubmissionsTopic, partitions, [](int) { return int64_t{0}; });
      !assigned.ok()) {
    return assigned;
  }
  int64_t consumed = 0;
  auto progress = start;
  while (consumed < count && Clock::now() - progress < std::chrono::seconds(10)) {
    const int64_t got = ConsumeBatch(queue.get(), 200, buf);
    if (got > 0) progress = Clock::now();
    consumed += got;
  }
  if (consumed < count) {
    return Status::Error("consumed only " + std::to_string(consumed) + " of " +
                         std::to_string(count) +
                         " records (librdkafka's mock cluster keeps about 5 MB a partition)");
  }
  return static_cast<double>(consumed) / Seconds(Clock::now() - start);
}

// Produces one record at a time and waits until a consumer with `fetch_wait_ms`, positioned at
// the end of every partition, reads it; the latencies in milliseconds.
Result<std::vector<double>> OneAtATime(rd_kafka_t* producer, const std::string& bootstrap,
                                       int partitions, const KafkaRecord& record,
                                       const std::string& fetch_wait_ms, int n) {
  auto consumer = NewClient(RD_KAFKA_CONSUMER, ConsumerSettings(bootstrap, fetch_wait_ms));
  if (!consumer.ok()) return consumer.status();
  // Explicit end offsets, so no record produced before the first fetch is skipped.
  std::vector<int64_t> ends(static_cast<size_t>(partitions));
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0;
    if (rd_kafka_query_watermark_offsets(consumer->get(), kafka::kSubmissionsTopic, p, &low,
                                         &ends[static_cast<size_t>(p)],
                                         10'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Error("cannot read the end offsets of the submissions topic");
    }
  }
  if (Status assigned = AssignAll(consumer->get(), kafka::kSubmissionsTopic, partitions,
                                  [&](int p) { return ends[static_cast<size_t>(p)]; });
      !assigned.ok()) {
    return assigned;
  }
  auto queue = ConsumerQueue(consumer->get());
  std::vector<rd_kafka_message_t*> buf(100);
  std::vector<double> latencies;
  // The first record, not counted, waits for the consumer's first fetch.
  for (int i = 0; i <= n; ++i) {
    const auto start = Clock::now();
    if (Status queued = Produce(producer, record); !queued.ok()) return queued;
    for (int64_t read = 0; read == 0;) {
      rd_kafka_poll(producer, 0);
      read = ConsumeBatch(queue.get(), 1, buf);
      if (read == 0 && Clock::now() - start > std::chrono::seconds(10)) {
        return Status::Error("a record was not consumed within 10 s");
      }
    }
    if (i > 0) latencies.push_back(Millis(Clock::now() - start));
  }
  return latencies;
}

}  // namespace

Result<KafkaRawRates> RawKafkaRates(std::span<const KafkaRecord> samples,
                                    const KafkaRawOptions& options) {
  if (samples.empty()) return Status::Error("no sample records");
  auto kafka = stack::DevKafka::Start(options.partitions);
  if (!kafka.ok()) return kafka.status();
  const std::string& bootstrap = (*kafka)->bootstrap();
  Deliveries deliveries;
  auto producer = NewClient(RD_KAFKA_PRODUCER, ProducerSettings(bootstrap), &deliveries);
  if (!producer.ok()) return producer.status();

  if (Status first = DeliverFirst(producer->get(), deliveries, samples[0]); !first.ok()) {
    return first;
  }
  auto consumer = ReadyConsumer(bootstrap, options.partitions);
  if (!consumer.ok()) return consumer.status();

  KafkaRawRates rates;
  auto produced = ProduceRate(producer->get(), deliveries, samples, options.records);
  if (!produced.ok()) return produced.status();
  rates.produce_per_second = *produced;
  rates.produced = deliveries.delivered.load() - 1;  // without the first

  auto consumed = ConsumeRate(consumer->get(), options.partitions, rates.produced + 1);
  if (!consumed.ok()) return consumed.status();
  rates.consume_per_second = *consumed;
  rates.consumed = rates.produced;

  auto latencies = OneAtATime(producer->get(), bootstrap, options.partitions, samples[0],
                              kafka::internal::kFetchWaitMs, options.latency_records);
  if (!latencies.ok()) return Status::Error("one at a time: " + latencies.status().message());
  rates.latency_p50_ms = Quantile(*latencies, 0.5);
  rates.latency_p99_ms = Quantile(*latencies, 0.99);
  latencies = OneAtATime(producer->get(), bootstrap, options.partitions, samples[0], "5",
                         options.latency_records);
  if (!latencies.ok()) return Status::Error("short wait: " + latencies.status().message());
  rates.short_wait_latency_p50_ms = Quantile(*latencies, 0.5);
  rates.short_wait_latency_p99_ms = Quantile(*latencies, 0.99);
  return rates;
}

}  // namespace hattama::bench
