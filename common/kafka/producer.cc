#include "common/kafka/producer.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>
#include <utility>

#include "common/kafka/client_common.h"

namespace hattama::kafka {

using internal::MakeConf;
using internal::TopicPartitionCount;

namespace {

// The kind of a failure to write one record, so that a caller can tell a record the log will never
// take (kInvalidArgument: retrying cannot help, answer it on its own) from a full local queue
// (kResourceExhausted) and from brokers that did not confirm it (kUnavailable: retry later).
Status ProduceStatus(const std::string& what, rd_kafka_resp_err_t err) {
  const std::string message =
      what + ": " + rd_kafka_err2str(err) + " (" + rd_kafka_err2name(err) + ")";
  switch (err) {
    // Larger than message.max.bytes (librdkafka's own check when queueing), or than the topic's
    // max.message.bytes (the broker's MESSAGE_TOO_LARGE, the same code); a record the broker
    // finds invalid.
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return Status::InvalidArgument(message);
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return Status::ResourceExhausted(message);
    default:
      return Status::Unavailable(message);
  }
}

}  // namespace

class Producer::Impl {
 public:
  Impl(rd_kafka_t* rk, std::string bootstrap) : rk_(rk), bootstrap_(std::move(bootstrap)) {
    poller_ = std::thread([this] {
      while (!stopping_.load(std::memory_order_acquire)) rd_kafka_poll(rk_, 100);
    });
  }

  ~Impl() {
    if (Status status = Flush(std::chrono::seconds(5)); !status.ok()) {
      spdlog::warn("kafka producer closing with undelivered records: {}", status.message());
    }
    // Whatever is still queued fails now, so that every callback runs exactly once and nothing
    // waits forever for an answer that cannot come.
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    WaitForEmptyQueue(std::chrono::seconds(5));
    stopping_.store(true, std::memory_order_release);
    poller_.join();
    rd_kafka_poll(rk_, 0);  // Delivery reports that arrived after the last poll.
    rd_kafka_destroy(rk_);
  }

  // A record counts as delivered only with its place in the log. The idempotent producer also
  // reports success without one ("implicit ack"): when a request failed and a later one for the
  // same partition succeeded, it infers that the broker kept the first, since a real broker
  // refuses a sequence gap. librdkafka's mock cluster (the embedded broker) does not check
  // sequences outside transactions, so there the inference is false and the record is lost. Taken
  // as undelivered, the record is written again (the hub resends it); where the first copy was
  // kept after all, the second is a duplicate that aggregation counts once.
  static Status DeliveryStatus(const rd_kafka_message_t* message) {
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return ProduceStatus("delivery failed", message->err);
    }
    if (message->offset < 0) {
      return Status::Unavailable(
          "delivery reported without a log offset (acknowledged only by inference after a "
          "failed request); not taken as written");
    }
    return Status::Ok();
  }

  static void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* /*opaque*/) {
    std::unique_ptr<DeliveryCallback> done(static_cast<DeliveryCallback*>(message->_private));
    if (!done || !*done) return;
    (*done)(DeliveryStatus(message), message->partition, message->offset);
  }

  Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                 std::string_view value, DeliveryCallback done) {
    auto callback = std::make_unique<DeliveryCallback>(std::move(done));
    rd_kafka_resp_err_t err =
        rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
                          RD_KAFKA_V_KEY(key.data(), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_OPAQUE(callback.get()), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char errstr[512];
        rd_kafka_fatal_error(rk_, errstr, sizeof errstr);
        return Status::Unavailable(std::string("kafka producer failed for good: ") + errstr);
      }
      return ProduceStatus("cannot queue record for " + topic, err);
    }
    callback.release();  // Owned by librdkafka until OnDelivery.
    return Status::Ok();
  }

  // Delivery callbacks run only on the poller thread (as documented), so flushing waits for the
  // queue to drain rather than polling itself.
  Status Flush(std::chrono::milliseconds timeout) {
    if (!WaitForEmptyQueue(timeout)) {
      return Status::Error(std::to_string(rd_kafka_outq_len(rk_)) +
                           " records still undelivered after " + std::to_string(timeout.count()) +
                           " ms");
    }
    return Status::Ok();
  }

  Result<int32_t> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout) {
    return TopicPartitionCount(rk_, bootstrap_, topic, timeout);
  }

 private:
  bool WaitForEmptyQueue(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (rd_kafka_outq_len(rk_) > 0) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  rd_kafka_t* rk_;
  std::string bootstrap_;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

Result<std::unique_ptr<Producer>> Producer::Create(const std::string& bootstrap_servers,
                                                   const Properties& overrides) {
  const Properties defaults = {
      {"bootstrap.servers", bootstrap_servers},
      {"client.id", "hattama"},
      // Idempotence implies acks=all: a record reported delivered is on every in-sync replica,
      // written once and in order, even when librdkafka retried it.
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"message.timeout.ms", "30000"},
  };
  auto conf = MakeConf(defaults, overrides);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::Impl::OnDelivery);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr);
  if (rk == nullptr) return Status::Error(std::string("cannot create kafka producer: ") + errstr);
  conf->release();  // rd_kafka_new took ownership.
  return std::unique_ptr<Producer>(new Producer(std::make_unique<Impl>(rk, bootstrap_servers)));
}

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Producer::~Producer() = default;

Status Producer::Produce(const std::string& topic, int32_t partition, std::string_view key,
                         std::string_view value, DeliveryCallback done) {
  return impl_->Produce(topic, partition, key, value, std::move(done));
}

Status Producer::Flush(std::chrono::milliseconds timeout) { return impl_->Flush(timeout); }

Result<int32_t> Producer::PartitionCount(const std::string& topic,
                                         std::chrono::milliseconds timeout) {
  return impl_->PartitionCount(topic, timeout);
}

}  // namespace hattama::kafka
