#include "common/redis/client.h"

#include "common/redis/cluster.h"

namespace hattama::redis {
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
    return std::unique_ptr<Client>(std::move(connection).value());
  }
  ClusterConnection::Options cluster_options;
  cluster_options.timeout = options.timeout;
  cluster_options.retry_for = options.retry_for;
  cluster_options.replica_acks = options.replica_acks;
  cluster_options.replica_ack_timeout = options.replica_ack_timeout;
  auto cluster = ClusterConnection::Connect(options.cluster_seeds, cluster_options);
  if (!cluster.ok()) return cluster.status();
  return std::unique_ptr<Client>(std::move(cluster).value());
}

}  // namespace hattama::redis
