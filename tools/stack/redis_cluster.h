// A real Redis Cluster on this machine, for the tests, the demo and the benchmark: `masters`
// redis-server processes with --cluster-enabled yes and `replicas` replicas each, on free ports
// with a temporary directory each, joined by `redis-cli --cluster create`. No persistence: a node
// restarted after its replica took over comes back empty and syncs from its successor as its
// replica. Everything is stopped and removed when the object goes away. Used by one thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/redis/redis.h"
#include "tools/stack/process.h"

namespace hattama::stack {

class RedisCluster {
 public:
  struct Node {
    std::string address;  // "127.0.0.1:<port>"
    int port = 0;
    int bus_port = 0;
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<Process> process;  // null while killed
  };

  // `node_timeout` is cluster-node-timeout: how long a silent master takes to be declared failed
  // (its replica is promoted some hundreds of milliseconds later). Returns once WaitUntilHealthy.
  static Result<std::unique_ptr<RedisCluster>> Start(
      int masters = 3, int replicas = 1,
      std::chrono::milliseconds node_timeout = std::chrono::milliseconds(1000));

  // Every node's "host:port", masters first as created (a failover changes who is master).
  std::vector<std::string> addresses() const;
  // Each node's directory (its redis.log, nodes.conf), in the order of addresses().
  std::vector<std::string> dirs() const;
  // The running nodes' processes, for their memory and CPU.
  std::vector<Process*> processes() const;

  // One command on one node over a plain connection (no redirection followed).
  static Result<redis::Reply> RunOn(const std::string& address, const redis::Command& command);
  static std::string NodeId(const std::string& address);
  // "host:port" of the first replica of the master at `address`; empty when it has none.
  static std::string ReplicaOf(const std::string& address);
  // Whether the node at `address` answers ROLE with "master".
  static bool IsMaster(const std::string& address);

  // SIGKILL, as a machine lost: no goodbye to the cluster, no flush. Its directory stays.
  void Kill(const std::string& address);
  // Starts a killed node again on its ports and directory: it rejoins the cluster from its
  // nodes.conf. Restart a master only once its replica was promoted (IsMaster): back before that,
  // it would be a master again, and empty.
  Status Restart(const std::string& address);

  // Every running node says cluster_state:ok, every running replica has its link to its master up
  // with the initial sync done, and every master's replicas acknowledge its writes, within
  // `timeout`.
  Status WaitUntilHealthy(std::chrono::milliseconds timeout);

 private:
  RedisCluster() = default;
  Status Launch(Node& node);
  // The reason the cluster is not healthy yet; empty when it is.
  std::string Unhealthy();

  std::chrono::milliseconds node_timeout_{1000};
  std::vector<Node> nodes_;
};

}  // namespace hattama::stack
