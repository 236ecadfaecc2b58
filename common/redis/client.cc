#include "common/redis/client.h"

#include "common/redis/cluster.h"

namespace hattama::redis {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const auto& part : parts) joined += (joined.empty() ? "" : ",") + part;
  return joined;
}

class ServerClient final : public Client {
 public:
  ServerClient(std::unique_ptr<Connection> connection, std::string address)
      : connection_(std::move(connection)), address_(std::move(address)) {}
  Result<Reply> Run(const Command& command) override { return connection_->Run(command); }
  Result<std::vector<Reply>> Pipeline(const std::vector<Command>& commands) override {
    return connection_->Pipeline(commands);
  }
  Result<std::vector<Reply>> RunScript(const Script& script,
                                       const std::vector<Command>& calls) override {
    return script.RunPipelined(*connection_, calls);
  }
  Status LoadScript(const Script& script) override { return script.Load(*connection_); }
  std::string Describe() const override { return "redis " + address_; }

 private:
  std::unique_ptr<Connection> connection_;
  std::string address_;
};

class ClusterClient final : public Client {
 public:
  ClusterClient(std::unique_ptr<ClusterConnection> cluster, std::string seeds)
      : cluster_(std::move(cluster)), seeds_(std::move(seeds)) {}
  Result<Reply> Run(const Command& command) override { return cluster_->Run(command); }
  Result<std::vector<Reply>> Pipeline(const std::vector<Command>& commands) override {
    return cluster_->Pipeline(commands);
  }
  Result<std::vector<Reply>> RunScript(const Script& script,
                                       const std::vector<Command>& calls) override {
    return cluster_->RunScript(script, calls);
  }
  Status LoadScript(const Script& script) override {
    auto replies = cluster_->RunOnEveryMaster({"SCRIPT", "LOAD", script.source()});
    if (!replies.ok()) return replies.status();
    for (const auto& reply : *replies) {
      if (reply.is_error()) return Status::Error("SCRIPT LOAD failed: " + reply.str);
    }
    return Status::Ok();
  }
  std::string Describe() const override { return "redis cluster " + seeds_; }

 private:
  std::unique_ptr<ClusterConnection> cluster_;
  std::string seeds_;
};

}  // namespace

std::vector<std::string> SplitSeeds(const std::string& list) {
  std::vector<std::string> seeds;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string seed = list.substr(start, comma - start);
    const size_t first = seed.find_first_not_of(' ');
    const size_t last = seed.find_last_not_of(' ');
    if (first != std::string::npos) seeds.push_back(seed.substr(first, last - first + 1));
    start = comma + 1;
  }
  return seeds;
}

Result<std::unique_ptr<Client>> ConnectClient(const ClientOptions& options) {
  if (!options.cluster()) {
    if (options.replica_acks > 0) {
      return Status::InvalidArgument(
          "replica acknowledgements (--redis-replica-acks) need a Redis Cluster "
          "(--redis-cluster-seeds)");
    }
    auto connection = Connection::Connect(options.address, options.timeout);
    if (!connection.ok()) return connection.status();
    return std::unique_ptr<Client>(
        std::make_unique<ServerClient>(std::move(connection).value(), options.address));
  }
  ClusterConnection::Options cluster_options;
  cluster_options.timeout = options.timeout;
  cluster_options.retry_for = options.retry_for;
  cluster_options.replica_acks = options.replica_acks;
  cluster_options.replica_ack_timeout = options.replica_ack_timeout;
  auto cluster = ClusterConnection::Connect(options.cluster_seeds, cluster_options);
  if (!cluster.ok()) return cluster.status();
  return std::unique_ptr<Client>(
      std::make_unique<ClusterClient>(std::move(cluster).value(), Join(options.cluster_seeds)));
}

}  // namespace hattama::redis
