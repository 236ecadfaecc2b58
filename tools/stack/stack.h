// The whole Hattama stack on one machine: a real redis-server on a free port with a temporary
// directory (or a Redis Cluster, redis_cluster.h), the embedded Kafka (devkafka), and the three
// services, each a child process. Used by the end-to-end tests, the demo and the benchmark;
// everything started is stopped when the Stack goes away.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/redis/client.h"
#include "tools/stack/process.h"
#include "tools/stack/redis_cluster.h"

namespace hattama::stack {

// Paths of the project's binaries. Defaults come from the build directory this library was built
// in (HATTAMA_BUILD_DIR), overridable by the HATTAMA_BIN_DIR environment variable.
std::string BinaryPath(const std::string& name);  // e.g. "hattama-ingestion"

// Waits until `process` (or a child of it) accepts connections on 127.0.0.1:port, failing early
// if it ends. Another program listening there instead does not count: it is named in the error.
Status WaitUntilListening(Process& process, int port, std::chrono::milliseconds timeout);

class RedisServer {
 public:
  // Starts redis-server on a free port, data in a temporary directory; waits until it answers.
  // `appendonly` turns on AOF persistence.
  static Result<std::unique_ptr<RedisServer>> Start(bool appendonly = false);
  const std::string& address() const { return address_; }  // "127.0.0.1:<port>"
  int port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }
  // Stops and starts again on the same port and directory (persistence kept when appendonly).
  Status Restart();
  Process& process() { return *process_; }

 private:
  RedisServer() = default;
  Status Launch();
  TempDir dir_{"hattama-redis"};
  int port_ = 0;
  bool appendonly_ = false;
  std::string address_;
  std::unique_ptr<Process> process_;
};

class DevKafka {
 public:
  // Starts hattama-devkafka with `partitions` partitions per topic on `brokers` mock brokers;
  // waits for its bootstrap line. SIGUSR1 to its process() injects broker errors.
  static Result<std::unique_ptr<DevKafka>> Start(int partitions, const std::string& log_path = "",
                                                 int brokers = 1);
  const std::string& bootstrap() const { return bootstrap_; }
  Process& process() { return *process_; }

 private:
  DevKafka() = default;
  std::string bootstrap_;
  std::unique_ptr<Process> process_;
};

// Redis (one server or a cluster), the embedded Kafka and the three services, started in that
// order on free ports.
class Stack {
 public:
  struct Options {
    // Directory holding election.json and stations.csv (the registry every service loads).
    std::string registry_dir;
    int partitions = 12;
    // Where each part's log goes (<dir>/<part>.log); empty: a temporary directory.
    std::string log_dir;
    bool redis_appendonly = false;
    // 0: one redis-server. N > 0: a Redis Cluster of N masters with redis_cluster_replicas each,
    // which every service speaks to through --redis-cluster-seeds (all its nodes).
    int redis_cluster_masters = 0;
    int redis_cluster_replicas = 1;
    // A running cluster to use instead of starting one (a suite's, shared by its cases): the Stack
    // neither flushes nor stops it.
    RedisCluster* shared_redis_cluster = nullptr;
    // --redis-replica-acks of every service (a cluster only).
    int redis_replica_acks = 0;
    // Hub registry ingestion loads (see common/domain/hubs.h); empty: ingestion runs with
    // --allow-unauthenticated.
    std::string hub_registry;
    // Extra flags for every ingestion instance, e.g. {"--hub-rate-limit", "100"}.
    std::vector<std::string> ingestion_flags;
    // Ingestion replicas, each on its own port, all sharing the Redis of the id claims and the
    // Kafka (logs ingestion.log, ingestion-2.log, ...).
    int ingestion_instances = 1;
    // Aggregation instances in the consumer group (logs aggregation.log, aggregation-2.log, ...).
    int aggregation_instances = 1;
    // Extra flags for every aggregation instance (e.g. a short --session-timeout-ms).
    std::vector<std::string> aggregation_args;
    int kafka_brokers = 1;
    // Also run hattama-tlog, the transparency log writer, with a log key generated for the run
    // (named hattama/<election_id>) and its tiles in <log_dir>/tlog-tiles; it starts before
    // publication, which follows it (--tlog-address, --tlog-url, --tlog-verifier-key).
    bool tlog = false;
    // Extra flags for hattama-tlog.
    std::vector<std::string> tlog_flags;
    // Extra flags for hattama-publication (e.g. {"--snapshot-dir", dir}).
    std::vector<std::string> publication_flags;
  };

  static Result<std::unique_ptr<Stack>> Start(Options options);
  ~Stack();  // Stops the services, then Kafka, then Redis.

  // "127.0.0.1:<port>" of ingestion replica `instance`.
  const std::string& ingestion_address(size_t instance = 0) const {
    return ingestion_addresses_.at(instance);
  }
  size_t ingestion_count() const { return ingestions_.size(); }
  const std::string& publication_address() const { return publication_address_; }
  // The portal and the HTTP/JSON API of publication.
  const std::string& publication_http_address() const { return publication_http_address_; }
  const std::string& log_dir() const { return log_dir_; }
  // The one redis-server (without Options::redis_cluster_masters).
  RedisServer& redis() { return *redis_; }
  // The Redis Cluster (with Options::redis_cluster_masters or shared_redis_cluster).
  RedisCluster& redis_cluster() { return *redis_cluster_; }
  // What the services were told of Redis: for a test's own client (ConnectClient).
  redis::ClientOptions redis_options() const;
  // The same as flags: --redis-address or --redis-cluster-seeds and --redis-replica-acks.
  std::vector<std::string> redis_flags() const;
  DevKafka& kafka() { return *kafka_; }
  Process& ingestion(size_t instance = 0) { return *ingestions_.at(instance); }
  Process& aggregation(size_t instance = 0) { return *aggregations_[instance]; }
  size_t aggregation_count() const { return aggregations_.size(); }
  Process& publication() { return *publication_; }

  // Starts aggregation again after it was stopped or killed; it resumes from its group's
  // committed offsets.
  Status RestartAggregation(size_t instance = 0);
  // Starts ingestion replica `instance` again on the same port after it was stopped or killed (or
  // stops it first when it still runs); hubs reconnect.
  Status RestartIngestion(size_t instance = 0);
  // Runs `hattama-aggregation --rebuild` to its end (it exits once caught up with the log).
  Status RunRebuild(std::chrono::milliseconds timeout);

  // hattama-tlog (Options::tlog): its gRPC and HTTP addresses, tiles directory, log key file and
  // verifier key (the text of <key>.pub, without its newline).
  const std::string& tlog_address() const { return tlog_address_; }
  const std::string& tlog_http_address() const { return tlog_http_address_; }
  const std::string& tlog_tiles_dir() const { return tlog_tiles_dir_; }
  const std::string& tlog_key_path() const { return tlog_key_path_; }
  const std::string& tlog_verifier_key() const { return tlog_verifier_key_; }
  Process& tlog() { return *tlog_; }
  // Starts hattama-tlog again (stopping it first when it runs) on the same ports, key and tiles
  // directory; it rebuilds its log from Kafka and goes on.
  Status RestartTlog();

 private:
  Stack() = default;
  Result<std::unique_ptr<Process>> StartService(const std::string& name, int port,
                                                const std::vector<std::string>& extra = {},
                                                const std::string& log_name = "");
  // Writes a log key for hattama-tlog (Options::tlog) into the log directory.
  Status GenerateTlogKey();

  Options options_;
  std::unique_ptr<TempDir> temp_logs_;
  std::string log_dir_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisCluster> owned_redis_cluster_;
  RedisCluster* redis_cluster_ = nullptr;  // owned or shared; null with one redis-server
  std::unique_ptr<DevKafka> kafka_;
  std::vector<std::unique_ptr<Process>> aggregations_;
  std::vector<int> ingestion_ports_;
  std::vector<std::unique_ptr<Process>> ingestions_;
  std::vector<std::string> ingestion_addresses_;
  std::unique_ptr<Process> publication_;
  std::string publication_address_;
  std::string publication_http_address_;
  std::unique_ptr<Process> tlog_;
  std::string tlog_address_;
  std::string tlog_http_address_;
  std::string tlog_tiles_dir_;
  std::string tlog_key_path_;
  std::string tlog_verifier_key_;
};

}  // namespace hattama::stack
