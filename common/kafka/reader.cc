#include "common/kafka/reader.h"

#include <librdkafka/rdkafka.h>

#include <utility>

#include "common/kafka/client_common.h"

namespace hattama::kafka {

using internal::ErrorStatus;
using internal::kFetchWaitMs;
using internal::MakeConf;
using internal::PartitionListPtr;
using internal::PollMessages;
using internal::TopicPartitionCount;

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

  Status Assign(const std::map<int32_t, int64_t>& offsets) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [partition, offset] : offsets) {
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = offset;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list.get()); err) {
      return ErrorStatus("cannot assign " + topic_, err);
    }
    positions_ = offsets;
    return Status::Ok();
  }

  Result<int32_t> PartitionCount(std::chrono::milliseconds timeout) {
    return TopicPartitionCount(rk_, bootstrap_, topic_, timeout);
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

Status Reader::Assign(const std::map<int32_t, int64_t>& offsets) { return impl_->Assign(offsets); }

Result<int32_t> Reader::PartitionCount(std::chrono::milliseconds timeout) {
  return impl_->PartitionCount(timeout);
}

Result<std::vector<Message>> Reader::Poll(size_t max_messages, std::chrono::milliseconds timeout) {
  return impl_->Poll(max_messages, timeout);
}

Result<std::map<int32_t, int64_t>> Reader::EndOffsets(std::chrono::milliseconds timeout) {
  return impl_->EndOffsets(timeout);
}

const std::map<int32_t, int64_t>& Reader::Positions() const { return impl_->Positions(); }

}  // namespace hattama::kafka
