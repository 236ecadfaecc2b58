#include "common/kafka/consumer.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/kafka/client_common.h"

namespace hattama::kafka {

using internal::ErrorStatus;
using internal::kFetchWaitMs;
using internal::MakeConf;
using internal::PartitionListPtr;
using internal::PollMessages;

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

  Status Commit(const std::vector<Message>& applied, bool async) {
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
    if (rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.get(), async ? 1 : 0); err) {
      return ErrorStatus("offset commit failed", err);
    }
    if (async) return Status::Ok();  // The per-partition results are not known yet.
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return ErrorStatus("offset commit failed for " + std::string(list->elems[i].topic) + "/" +
                               std::to_string(list->elems[i].partition),
                           list->elems[i].err);
      }
    }
    return Status::Ok();
  }

  Status Seek(const std::string& topic, int32_t partition, int64_t offset,
              std::chrono::milliseconds timeout) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
    if (rd_kafka_error_t* error =
            rd_kafka_seek_partitions(rk_, list.get(), static_cast<int>(timeout.count()))) {
      Status status = Status::Error("seek of " + topic + "/" + std::to_string(partition) +
                                    " failed: " + rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
      return status;
    }
    if (list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return ErrorStatus("seek of " + topic + "/" + std::to_string(partition) + " failed",
                         list->elems[0].err);
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
  // Reports the outcome of asynchronous commits (Commit with async), from a later Poll.
  rd_kafka_conf_set_offset_commit_cb(conf->get(), [](rd_kafka_t*, rd_kafka_resp_err_t err,
                                                     rd_kafka_topic_partition_list_t*, void*) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      spdlog::warn("offset commit failed: {} (a later commit covers these offsets)",
                   rd_kafka_err2str(err));
    }
  });
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

Status Consumer::Commit(const std::vector<Message>& applied, bool async) {
  return impl_->Commit(applied, async);
}

Status Consumer::Seek(const std::string& topic, int32_t partition, int64_t offset,
                      std::chrono::milliseconds timeout) {
  return impl_->Seek(topic, partition, offset, timeout);
}

std::map<std::string, std::vector<int32_t>> Consumer::Assignment() { return impl_->Assignment(); }

int64_t Consumer::Lag() { return impl_->Lag(); }

}  // namespace hattama::kafka
