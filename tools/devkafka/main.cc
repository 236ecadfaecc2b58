// hattama-devkafka: an embedded Kafka for local runs and tests. It hosts librdkafka's mock cluster
// in this process, creates Hattama's topics, prints the bootstrap address as the only line on
// stdout, and serves until SIGTERM or SIGINT.
//
// Fault injection for the chaos tests (tests/chaos): each SIGUSR1 makes the cluster answer the
// next produce and fetch requests with retriable broker errors (not leader, not enough replicas)
// and, with more than one broker, moves the leadership of every partition to the next broker.
// Clients must ride through all of it without losing or duplicating a record.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "common/base/stop_signals.h"
#include "common/config/config.h"
#include "common/kafka/topics.h"
#include "common/log/log.h"

namespace {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct MockClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const {
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace hattama;
  CLI::App app{
      "Embedded Kafka for local runs and tests: librdkafka's mock cluster with Hattama's topics.\n"
      "Prints the bootstrap address (host:port[,host:port...]) as one line on stdout, then serves\n"
      "until SIGTERM/SIGINT. Data lives in memory only, and the mock keeps the last 5 MiB (or\n"
      "100,000 produce batches, whichever is less) of each partition, dropping older batches:\n"
      "about 17,000 submissions a partition, a whole 10,000-station night at 12 partitions.",
      "hattama-devkafka"};
  int partitions = 12;
  int brokers = 1;
  std::string log_format = "auto";
  std::string log_level = "warn";
  config::AddFlag(app, "partitions", partitions, "Partitions of every topic")
      ->check(CLI::Range(1, 10000));
  config::AddFlag(app, "brokers", brokers, "Mock brokers in the cluster")->check(CLI::Range(1, 16));
  config::AddFlag(app, "log-format", log_format, "Log format: auto, json or text")
      ->check(CLI::IsMember({"auto", "json", "text"}));
  config::AddFlag(app, "log-level", log_level, "Log level: trace, debug, info, warn, error");
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("devkafka", log::ParseFormat(log_format), log_level);

  // Taken by sigwait below; blocked before librdkafka starts its threads, which inherit the mask.
  const sigset_t signals = BlockStopSignals({SIGUSR1});

  char errstr[512];
  // The mock cluster needs a client instance to live in; this one sends nothing, so its warning
  // about having no bootstrap servers is noise: only errors are logged.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  std::unique_ptr<rd_kafka_t, KafkaDeleter> host(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr));
  if (!host) {
    spdlog::error("cannot create the mock cluster's host client: {}", errstr);
    return 1;
  }
  std::unique_ptr<rd_kafka_mock_cluster_t, MockClusterDeleter> cluster(
      rd_kafka_mock_cluster_new(host.get(), brokers));
  if (!cluster) {
    spdlog::error("cannot start the mock Kafka cluster");
    return 1;
  }
  const int replication = std::min(brokers, 3);
  for (const char* topic : {kafka::kSubmissionsTopic, kafka::kRejectionsTopic,
                            kafka::kDeploymentTopic, kafka::kTotalsTopic}) {
    if (rd_kafka_resp_err_t err =
            rd_kafka_mock_topic_create(cluster.get(), topic, partitions, replication)) {
      spdlog::error("cannot create topic {}: {}", topic, rd_kafka_err2str(err));
      return 1;
    }
  }
  // The transparency log's one order lives in one partition (services/tlog).
  if (rd_kafka_resp_err_t err =
          rd_kafka_mock_topic_create(cluster.get(), kafka::kTlogTopic, 1, replication)) {
    spdlog::error("cannot create topic {}: {}", kafka::kTlogTopic, rd_kafka_err2str(err));
    return 1;
  }
  const char* bootstrap = rd_kafka_mock_cluster_bootstraps(cluster.get());
  std::printf("%s\n", bootstrap);
  std::fflush(stdout);
  spdlog::info("mock kafka serving at {} ({} brokers, {} partitions per topic)", bootstrap, brokers,
               partitions);

  int signal = 0;
  int round = 0;
  while (sigwait(&signals, &signal) == 0 && signal == SIGUSR1) {
    ++round;
    constexpr int kProduce = 0, kFetch = 1;  // Kafka protocol ApiKeys.
    rd_kafka_mock_push_request_errors(
        cluster.get(), kProduce, 6, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
    rd_kafka_mock_push_request_errors(
        cluster.get(), kFetch, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE);
    int moved = 0;
    if (brokers > 1) {
      for (const char* topic : {kafka::kSubmissionsTopic, kafka::kTotalsTopic}) {
        for (int p = 0; p < partitions; ++p) {
          // Mock broker ids start at 1.
          const int leader = 1 + (p + round) % brokers;
          if (rd_kafka_mock_partition_set_leader(cluster.get(), topic, p, leader) == 0) ++moved;
        }
      }
    }
    spdlog::warn("injected broker errors (6 produce, 4 fetch) and moved {} partition leaders",
                 moved);
  }
  spdlog::info("stopping on signal {}", signal);
  return 0;
}
