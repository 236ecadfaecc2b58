// What a service needs of Redis, whether it is one server or a Redis Cluster: commands, pipelines
// and Lua scripts, each routed where its keys live. Aggregation, ingestion's claims and publication
// hold a Client and never ask which kind it is; ConnectClient picks the kind from the flags
// (--redis-address for one server, --redis-cluster-seeds for a cluster).
//
// Every Hattama key that is written together with others carries its Kafka partition's hash tag
// ({p<N>}, common/redis/layout.h), so a pipeline, a MULTI ... EXEC group or a script whose keys
// share a tag lands on one node as one request in either kind.
//
// Client itself is declared in redis.h, beside the one-server Connection that implements it;
// ClusterConnection (cluster.h) is the other. A Client is used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/redis/redis.h"

namespace hattama::redis {

struct ClientOptions {
  // One Redis server, "host:port"; used when cluster_seeds is empty.
  std::string address = "127.0.0.1:6379";
  // Any nodes of a Redis Cluster, "host:port" each; when given the client speaks Redis Cluster
  // (cluster.h) and `address` is not used.
  std::vector<std::string> cluster_seeds;
  // Connect, read and write timeout of each connection.
  std::chrono::milliseconds timeout{2000};
  // Cluster only: how long one call keeps retrying through a failover (ClusterConnection::Options).
  std::chrono::milliseconds retry_for{10000};
  // Cluster only: replicas of each master that must hold a call's writes before it succeeds (WAIT);
  // 0: none. With 1, an acknowledged write survives the loss of its master.
  int replica_acks = 0;
  std::chrono::milliseconds replica_ack_timeout{1000};

  bool cluster() const { return !cluster_seeds.empty(); }
};

// kInvalidArgument naming the flag when `options` cannot work: replica_acks asked of one server.
Status ValidateClientOptions(const ClientOptions& options);

// Connects to the server or the cluster `options` name. Fails when none answers, when the
// cluster's slot map does not cover every slot, or when `options` are not valid.
Result<std::unique_ptr<Client>> ConnectClient(const ClientOptions& options);

// "redis host:port" or "redis cluster host:port,...", as Client::Describe says it once connected.
std::string Describe(const ClientOptions& options);

// A readiness check on fresh connections: one server answers PING; of a cluster, the first seed
// that answers says cluster_state:ok (every slot served).
Status Ping(const ClientOptions& options, std::chrono::milliseconds timeout);

// Splits "host:port,host:port" (spaces allowed around commas) into seed addresses.
std::vector<std::string> SplitSeeds(const std::string& list);

}  // namespace hattama::redis
