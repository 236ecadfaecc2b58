#include "common/kafka/kafka.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <utility>

namespace hattama::kafka {
namespace {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const {
    rd_kafka_metadata_destroy(metadata);
  }
};

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// librdkafka's own diagnostics go to the service's log, so that a broker that went away shows up
// beside the submission ids it delayed. Syslog levels: 0 emergency .. 7 debug.
void LogToSpdlog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  spdlog::level::level_enum spd_level = level <= 3   ? spdlog::level::err
                                        : level == 4 ? spdlog::level::warn
                                        : level <= 6 ? spdlog::level::info
                                                     : spdlog::level::debug;
  spdlog::log(spd_level, "kafka {} {}: {}", rd_kafka_name(rk), facility, message);
}

void ErrorToSpdlog(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  // Transport errors (a broker down) are retried by librdkafka; only fatal ones are final.
  const bool fatal = err == RD_KAFKA_RESP_ERR__FATAL;
  spdlog::log(fatal ? spdlog::level::err : spdlog::level::warn, "kafka {} {}: {}",
              rd_kafka_name(rk), rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

Status Set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    return Status::Error("kafka property " + key + "=" + value + ": " + errstr);
  }
  return Status::Ok();
}

// How long a broker may hold a fetch that found nothing new. A real broker answers as soon as a
// record arrives, whatever this is; librdkafka's mock cluster (the embedded broker) holds the
// fetch for the whole time even when one arrives meanwhile: with the default 500 ms a submission
// waited about half a second between Kafka and Redis (bench: 502 ms produce to consume, 6 ms
// with 5 ms). 20 ms keeps that small at the cost of some fifty empty fetches per second per
// broker of an idle consumer.
constexpr char kFetchWaitMs[] = "20";

// Hattama's defaults first, then the caller's overrides, so any default can be replaced.
Result<ConfPtr> MakeConf(const Properties& defaults, const Properties& overrides) {
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto* properties : {&defaults, &overrides}) {
    for (const auto& [key, value] : *properties) {
      if (Status status = Set(conf.get(), key, value); !status.ok()) return status;
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), LogToSpdlog);
  rd_kafka_conf_set_error_cb(conf.get(), ErrorToSpdlog);
  return conf;
}

Status ErrorStatus(const std::string& what, rd_kafka_resp_err_t err) {
  return Status::Error(what + ": " + rd_kafka_err2str(err) + " (" + rd_kafka_err2name(err) + ")");
}

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

// Up to `max_messages` messages from a consumer handle, waiting at most `timeout` for the first.
// Shared by the group Consumer and the group-less Reader. Errors the client recovers from by
// itself are logged; a fatal error, or an offset that fell out of the log (auto.offset.reset
// "error"), is returned, since reading on would silently skip records.
Result<std::vector<Message>> PollMessages(rd_kafka_t* rk, size_t max_messages,
                                          std::chrono::milliseconds timeout) {
  std::vector<Message> messages;
  int wait_ms = static_cast<int>(timeout.count());
  while (messages.size() < max_messages) {
    rd_kafka_message_t* raw = rd_kafka_consumer_poll(rk, wait_ms);
    if (raw == nullptr) break;
    wait_ms = 0;  // Only the first message is waited for; the rest is what is ready now.
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> message(
        raw, &rd_kafka_message_destroy);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      char errstr[512];
      if (rd_kafka_fatal_error(rk, errstr, sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::Error(std::string("kafka consumer failed for good: ") + errstr);
      }
      if (message->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
        return Status::Error(std::string("kafka consumer lost its position: ") +
                             rd_kafka_message_errstr(message.get()));
      }
      spdlog::warn("kafka consumer: {}", rd_kafka_message_errstr(message.get()));
      continue;
    }
    Message& out = messages.emplace_back();
    out.topic = rd_kafka_topic_name(message->rkt);
    out.partition = message->partition;
    out.offset = message->offset;
    if (message->key != nullptr) {
      out.key.assign(static_cast<const char*>(message->key), message->key_len);
    }
    if (message->payload != nullptr) {
      out.value.assign(static_cast<const char*>(message->payload), message->len);
    }
  }
  return messages;
}

// The number of partitions of `topic`, from broker metadata.
Result<int32_t> TopicPartitionCount(rd_kafka_t* rk, const std::string& bootstrap,
                                    const std::string& topic, std::chrono::milliseconds timeout) {
  // Metadata for all topics: asking for one topic by name would let a broker with automatic
  // topic creation invent it with the wrong partition count.
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 1, nullptr, &raw, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ErrorStatus("cannot read topic metadata from " + bootstrap, err);
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& t = metadata->topics[i];
    if (topic != t.topic) continue;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) return ErrorStatus("topic " + topic, t.err);
    if (t.partition_cnt <= 0) return Status::Error("topic " + topic + " has no partitions");
    return static_cast<int32_t>(t.partition_cnt);
  }
  return Status::Error("topic " + topic + " does not exist on " + bootstrap +
                       " (create it, or start hattama-devkafka)");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Producer

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

// ---------------------------------------------------------------------------------------------
// Consumer

class Consumer::Impl {
 public:
  explicit Impl(RebalanceCallback on_rebalance) : on_rebalance_(std::move(on_rebalance)) {}

  ~Impl() {
    if (rk_ == nullptr) return;
    // The owner is going away: revocation during close must not call back into it.
    closing_ = true;
    if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_); err) {
      spdlog::warn("kafka consumer close: {}", rd_kafka_err2str(err));
    }
    rd_kafka_destroy(rk_);
  }

  void set_handle(rd_kafka_t* rk) { rk_ = rk; }
  rd_kafka_t* handle() { return rk_; }

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    static_cast<Impl*>(opaque)->Rebalance(rk, err, partitions);
  }

  Result<std::vector<Message>> Poll(size_t max_messages, std::chrono::milliseconds timeout) {
    return PollMessages(rk_, max_messages, timeout);
  }

  Status Commit(const std::vector<Message>& applied) {
    if (applied.empty()) return Status::Ok();
    std::map<std::pair<std::string, int32_t>, int64_t> next;
    for (const auto& message : applied) {
      int64_t& offset = next[{message.topic, message.partition}];
      offset = std::max(offset, message.offset + 1);
    }
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
    for (const auto& [where, offset] : next) {
      rd_kafka_topic_partition_list_add(list.get(), where.first.c_str(), where.second)->offset =
          offset;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.get(), /*async=*/0); err) {
      return ErrorStatus("offset commit failed", err);
    }
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return ErrorStatus("offset commit failed for " + std::string(list->elems[i].topic) + "/" +
                               std::to_string(list->elems[i].partition),
                           list->elems[i].err);
      }
    }
    return Status::Ok();
  }

  std::map<std::string, std::vector<int32_t>> Assignment() {
    std::map<std::string, std::vector<int32_t>> result;
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return result;
    PartitionListPtr list(raw);
    for (int i = 0; i < list->cnt; ++i) {
      result[list->elems[i].topic].push_back(list->elems[i].partition);
    }
    return result;
  }

  int64_t Lag() {
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    PartitionListPtr list(raw);
    // Positions: the offset of the next message this member will read, per partition.
    if (rd_kafka_position(rk_, list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    int64_t lag = 0;
    for (int i = 0; i < list->cnt; ++i) {
      const auto& elem = list->elems[i];
      int64_t low = 0;
      int64_t high = 0;
      // Cached from the last fetch response: no round trip to the broker.
      if (rd_kafka_get_watermark_offsets(rk_, elem.topic, elem.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      int64_t position = elem.offset >= 0 ? elem.offset : low;
      lag += std::max<int64_t>(0, high - position);
    }
    return lag;
  }

 private:
  void Rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                 rd_kafka_topic_partition_list_t* partitions) {
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    std::vector<int32_t> ids;
    for (int i = 0; i < partitions->cnt; ++i) ids.push_back(partitions->elems[i].partition);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (cooperative) {
        if (rd_kafka_error_t* error = rd_kafka_incremental_assign(rk, partitions)) {
          spdlog::error("kafka incremental assign: {}", rd_kafka_error_string(error));
          rd_kafka_error_destroy(error);
        }
      } else {
        rd_kafka_assign(rk, partitions);
      }
      spdlog::info("kafka consumer assigned {} partitions", ids.size());
      if (on_rebalance_ && !closing_) on_rebalance_(ids, {});
    } else {
      if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        spdlog::warn("kafka rebalance error: {}", rd_kafka_err2str(err));
      }
      // The callback runs before the partitions are let go, so the owner can finish (and commit)
      // what it holds of them.
      if (on_rebalance_ && !closing_) on_rebalance_({}, ids);
      if (cooperative) {
        if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, partitions)) {
          spdlog::error("kafka incremental unassign: {}", rd_kafka_error_string(error));
          rd_kafka_error_destroy(error);
        }
      } else {
        rd_kafka_assign(rk, nullptr);
      }
      spdlog::info("kafka consumer revoked {} partitions", ids.size());
    }
  }

  rd_kafka_t* rk_ = nullptr;
  RebalanceCallback on_rebalance_;
  bool closing_ = false;
};

Result<std::unique_ptr<Consumer>> Consumer::Create(const std::string& bootstrap_servers,
                                                   const std::string& group_id,
                                                   const std::vector<std::string>& topics,
                                                   const Properties& overrides,
                                                   RebalanceCallback on_rebalance) {
  const Properties defaults = {
      {"bootstrap.servers", bootstrap_servers},
      {"group.id", group_id},
      {"client.id", "hattama"},
      // Offsets move only through Commit, after the caller applied the messages.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "false"},
      {"fetch.wait.max.ms", kFetchWaitMs},
  };
  auto conf = MakeConf(defaults, overrides);
  if (!conf.ok()) return conf.status();
  auto impl = std::make_unique<Impl>(std::move(on_rebalance));
  rd_kafka_conf_set_opaque(conf->get(), impl.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Impl::OnRebalance);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof errstr);
  if (rk == nullptr) return Status::Error(std::string("cannot create kafka consumer: ") + errstr);
  conf->release();
  impl->set_handle(rk);
  // All events, rebalances included, come through consumer_poll on the caller's thread.
  rd_kafka_poll_set_consumer(rk);

  PartitionListPtr subscription(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& topic : topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, subscription.get()); err) {
    return ErrorStatus("cannot subscribe", err);
  }
  return std::unique_ptr<Consumer>(new Consumer(std::move(impl)));
}

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Consumer::~Consumer() = default;

Result<std::vector<Message>> Consumer::Poll(size_t max_messages,
                                            std::chrono::milliseconds timeout) {
  return impl_->Poll(max_messages, timeout);
}

Status Consumer::Commit(const std::vector<Message>& applied) { return impl_->Commit(applied); }

std::map<std::string, std::vector<int32_t>> Consumer::Assignment() { return impl_->Assignment(); }

int64_t Consumer::Lag() { return impl_->Lag(); }

// ---------------------------------------------------------------------------------------------
// Reader

class Reader::Impl {
 public:
  Impl(rd_kafka_t* rk, std::string bootstrap, std::string topic)
      : rk_(rk), bootstrap_(std::move(bootstrap)), topic_(std::move(topic)) {}

  ~Impl() {
    rd_kafka_assign(rk_, nullptr);
    // No group to leave; closing only stops the fetchers.
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  Status AssignAtEnd(std::chrono::milliseconds timeout) {
    auto count = TopicPartitionCount(rk_, bootstrap_, topic_, timeout);
    if (!count.ok()) return count.status();
    std::vector<int32_t> partitions;
    for (int32_t p = 0; p < *count; ++p) partitions.push_back(p);
    auto ends = Ends(partitions, timeout);
    if (!ends.ok()) return ends.status();
    PartitionListPtr list(rd_kafka_topic_partition_list_new(*count));
    for (const auto& [partition, end] : *ends) {
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = end;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list.get()); err) {
      return ErrorStatus("cannot assign " + topic_, err);
    }
    positions_ = std::move(ends).value();
    return Status::Ok();
  }

  Result<std::vector<Message>> Poll(size_t max_messages, std::chrono::milliseconds timeout) {
    auto messages = PollMessages(rk_, max_messages, timeout);
    if (messages.ok()) {
      for (const auto& message : *messages) positions_[message.partition] = message.offset + 1;
    }
    return messages;
  }

  Result<std::map<int32_t, int64_t>> EndOffsets(std::chrono::milliseconds timeout) {
    std::vector<int32_t> partitions;
    for (const auto& [partition, position] : positions_) partitions.push_back(partition);
    return Ends(partitions, timeout);
  }

  const std::map<int32_t, int64_t>& Positions() const { return positions_; }

 private:
  // The high watermarks of `partitions`, in one ListOffsets round trip per leader. Asked with
  // offsets_for_times (timestamp -1: the latest offset) rather than query_watermark_offsets,
  // which before librdkafka 2.3 ignores its timeout while the leader is down (librdkafka #2588).
  Result<std::map<int32_t, int64_t>> Ends(const std::vector<int32_t>& partitions,
                                          std::chrono::milliseconds timeout) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (int32_t p : partitions) {
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset =
          RD_KAFKA_OFFSET_END;
    }
    const std::string where = topic_ + " on " + bootstrap_;
    if (rd_kafka_resp_err_t err =
            rd_kafka_offsets_for_times(rk_, list.get(), static_cast<int>(timeout.count()));
        err) {
      return ErrorStatus("cannot read the end of " + where, err);
    }
    std::map<int32_t, int64_t> ends;
    for (int i = 0; i < list->cnt; ++i) {
      const auto& elem = list->elems[i];
      if (elem.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return ErrorStatus("cannot read the end of " + where + "/" + std::to_string(elem.partition),
                           elem.err);
      }
      if (elem.offset < 0) {
        return Status::Error("no end offset for " + where + "/" + std::to_string(elem.partition));
      }
      ends[elem.partition] = elem.offset;
    }
    return ends;
  }

  rd_kafka_t* rk_;
  std::string bootstrap_;
  std::string topic_;
  std::map<int32_t, int64_t> positions_;
};

Result<std::unique_ptr<Reader>> Reader::Create(const std::string& bootstrap_servers,
                                               const std::string& topic,
                                               const Properties& overrides) {
  const Properties defaults = {
      {"bootstrap.servers", bootstrap_servers},
      // librdkafka (before 2.x's group-less consumers) needs a group id to assign partitions at
      // all; a Reader never joins it (no subscribe) and never commits to it, so the broker keeps
      // no offsets or membership for it.
      {"group.id", "hattama.reader.uncommitted"},
      {"client.id", "hattama-reader"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      // A position that fell out of the log is an error for the owner, never a silent jump.
      {"auto.offset.reset", "error"},
      {"enable.partition.eof", "false"},
      {"fetch.wait.max.ms", kFetchWaitMs},
  };
  auto conf = MakeConf(defaults, overrides);
  if (!conf.ok()) return conf.status();
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof errstr);
  if (rk == nullptr) return Status::Error(std::string("cannot create kafka reader: ") + errstr);
  conf->release();
  rd_kafka_poll_set_consumer(rk);
  return std::unique_ptr<Reader>(new Reader(std::make_unique<Impl>(rk, bootstrap_servers, topic)));
}

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::~Reader() = default;

Status Reader::AssignAtEnd(std::chrono::milliseconds timeout) {
  return impl_->AssignAtEnd(timeout);
}

Result<std::vector<Message>> Reader::Poll(size_t max_messages, std::chrono::milliseconds timeout) {
  return impl_->Poll(max_messages, timeout);
}

Result<std::map<int32_t, int64_t>> Reader::EndOffsets(std::chrono::milliseconds timeout) {
  return impl_->EndOffsets(timeout);
}

const std::map<int32_t, int64_t>& Reader::Positions() const { return impl_->Positions(); }

}  // namespace hattama::kafka
