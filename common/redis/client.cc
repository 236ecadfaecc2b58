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

Status ValidateClientOptions(const ClientOptions& options) {
  if (!options.cluster() && options.replica_acks > 0) {
    return Status::InvalidArgument(
        "replica acknowledgements (--redis-replica-acks) need a Redis Cluster "
        "(--redis-cluster-seeds)");
  }
  if (options.replica_acks < 0) {
    return Status::InvalidArgument("--redis-replica-acks must not be negative");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Client>> ConnectClient(const ClientOptions& options) {
  if (Status valid = ValidateClientOptions(options); !valid.ok()) return valid;
  if (!options.cluster()) {
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

std::string Describe(const ClientOptions& options) {
  if (!options.cluster()) return "redis " + options.address;
  std::string seeds;
  for (const std::string& seed : options.cluster_seeds) seeds += (seeds.empty() ? "" : ",") + seed;
  return "redis cluster " + seeds;
}

Status Ping(const ClientOptions& options, std::chrono::milliseconds timeout) {
  if (!options.cluster()) return Ping(options.address, timeout);
  // Any node knows whether the cluster serves every slot; the first seed that answers is asked.
  std::string failures;
  for (const std::string& seed : options.cluster_seeds) {
    auto connection = Connection::Connect(seed, timeout);
    if (!connection.ok()) {
      failures += " " + seed + ": " + connection.status().message() + ";";
      continue;
    }
    auto info = (*connection)->Run({"CLUSTER", "INFO"});
    if (!info.ok() || info->is_error()) {
      failures += " " + seed + ": " + (info.ok() ? info->str : info.status().message()) + ";";
      continue;
    }
    if (info->str.find("cluster_state:ok") == std::string::npos) {
      return Status::Unavailable("redis cluster: " + seed + " says the cluster is not ok");
    }
    return Status::Ok();
  }
  return Status::Unavailable("redis cluster: no seed answers:" + failures);
}

}  // namespace hattama::redis
