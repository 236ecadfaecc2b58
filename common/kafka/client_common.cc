#include "common/kafka/client_common.h"

#include <spdlog/spdlog.h>

namespace hattama::kafka::internal {
namespace {

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const {
    rd_kafka_metadata_destroy(metadata);
  }
};

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

}  // namespace

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

}  // namespace hattama::kafka::internal
