// A real Redis Cluster for tests: `masters` redis-server processes with --cluster-enabled yes and
// `replicas` replicas each, on free ports with a temporary directory each, joined by
// `redis-cli --cluster create`. Everything is stopped and removed when the object goes away.
// Header-only; link hattama_stack and hattama_redis. Used by one test thread.
#pragma once

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/redis/redis.h"
#include "tests/testing/eventually.h"
#include "tools/stack/process.h"
#include "tools/stack/stack.h"

namespace hattama::testing {

class RedisCluster {
 public:
  struct Node {
    std::string address;  // "127.0.0.1:<port>"
    std::unique_ptr<stack::TempDir> dir;
    std::unique_ptr<stack::Process> process;
  };

  // `node_timeout` is cluster-node-timeout: how long a silent master takes to be declared failed
  // (its replica is promoted some hundreds of milliseconds later).
  static Result<std::unique_ptr<RedisCluster>> Start(
      int masters = 3, int replicas = 1,
      std::chrono::milliseconds node_timeout = std::chrono::milliseconds(1000)) {
    std::unique_ptr<RedisCluster> cluster(new RedisCluster());
    std::vector<std::string> create = {"redis-cli", "--cluster", "create"};
    for (int i = 0; i < masters * (1 + replicas); ++i) {
      Node node;
      node.dir = std::make_unique<stack::TempDir>("hattama-redis-cluster");
      const int port = stack::FreePort();
      node.address = "127.0.0.1:" + std::to_string(port);
      // The bus port is chosen too: the default, port + 10000, may not exist above 55535.
      auto process = stack::Process::Start({.argv = {"redis-server",
                                                     "--port",
                                                     std::to_string(port),
                                                     "--bind",
                                                     "127.0.0.1",
                                                     "--cluster-enabled",
                                                     "yes",
                                                     "--cluster-port",
                                                     std::to_string(stack::FreePort()),
                                                     "--cluster-config-file",
                                                     "nodes.conf",
                                                     "--cluster-node-timeout",
                                                     std::to_string(node_timeout.count()),
                                                     "--dir",
                                                     node.dir->path(),
                                                     "--appendonly",
                                                     "no",
                                                     "--save",
                                                     "",
                                                     "--daemonize",
                                                     "no",
                                                     "--logfile",
                                                     node.dir->path() + "/redis.log"}});
      if (!process.ok()) return Status::Error("redis-server: " + process.status().message());
      node.process = std::move(process).value();
      auto up = stack::WaitUntilListening(*node.process, port, std::chrono::seconds(10));
      if (!up.ok()) return Status::Error("redis-server (cluster) did not start: " + up.message());
      create.push_back(node.address);
      cluster->nodes_.push_back(std::move(node));
    }
    create.insert(create.end(), {"--cluster-replicas", std::to_string(replicas), "--cluster-yes"});
    const std::string log = cluster->nodes_.front().dir->path() + "/create.log";
    auto creating = stack::Process::Start({.argv = create, .log_path = log});
    if (!creating.ok()) return Status::Error("redis-cli: " + creating.status().message());
    auto exit = (*creating)->Wait(std::chrono::seconds(30));
    if (!exit.ok() || *exit != 0) {
      return Status::Error("redis-cli --cluster create failed (see " + log + ")");
    }
    auto healthy = cluster->WaitUntilHealthy(std::chrono::seconds(20));
    if (!healthy.ok()) return healthy;
    return cluster;
  }

  std::vector<std::string> addresses() const {
    std::vector<std::string> all;
    for (const auto& node : nodes_) all.push_back(node.address);
    return all;
  }

  // Each node's directory (its redis.log, nodes.conf), in the order of addresses().
  std::vector<std::string> dirs() const {
    std::vector<std::string> all;
    for (const auto& node : nodes_) all.push_back(node.dir->path());
    return all;
  }

  // One command on one node over a plain connection (no redirection followed).
  static Result<redis::Reply> RunOn(const std::string& address, const redis::Command& command) {
    auto connection = redis::Connection::Connect(address, std::chrono::seconds(2));
    if (!connection.ok()) return connection.status();
    return (*connection)->Run(command);
  }

  static std::string NodeId(const std::string& address) {
    auto id = RunOn(address, {"CLUSTER", "MYID"});
    return id.ok() ? id->str : std::string();
  }

  // "host:port" of the first replica of the master at `address`; empty when it has none.
  static std::string ReplicaOf(const std::string& address) {
    auto info = RunOn(address, {"INFO", "replication"});
    if (!info.ok()) return "";
    const size_t at = info->str.find("slave0:ip=");
    const size_t port = info->str.find(",port=", at);
    if (at == std::string::npos || port == std::string::npos) return "";
    const std::string ip = info->str.substr(at + 10, port - at - 10);
    return ip + ":" + info->str.substr(port + 6, info->str.find(',', port + 6) - port - 6);
  }

  // SIGKILL, as a machine lost: no goodbye to the cluster, no flush.
  void Kill(const std::string& address) {
    for (auto& node : nodes_) {
      if (node.address != address || !node.process) continue;
      node.process->Signal(SIGKILL);
      (void)node.process->Wait(std::chrono::seconds(5));
      node.process.reset();
    }
  }

  // Every running node says cluster_state:ok, every running replica has its link to its master up
  // with the initial sync done, and every master's replicas acknowledge its writes, within
  // `timeout`.
  Status WaitUntilHealthy(std::chrono::milliseconds timeout) {
    std::string last;
    const bool healthy = Eventually(
        [&] {
          for (const auto& node : nodes_) {
            if (!node.process) continue;
            auto info = RunOn(node.address, {"CLUSTER", "INFO"});
            if (!info.ok() || info->str.find("cluster_state:ok") == std::string::npos) {
              last = node.address + " is not cluster_state:ok";
              return false;
            }
            auto replication = RunOn(node.address, {"INFO", "replication"});
            if (!replication.ok()) return false;
            const std::string& text = replication->str;
            if (text.find("role:slave") != std::string::npos &&
                (text.find("master_link_status:up") == std::string::npos ||
                 text.find("master_sync_in_progress:0") == std::string::npos)) {
              last = node.address + " is a replica not yet in sync";
              return false;
            }
            // After the initial sync a master streams its writes to a replica only once the
            // replica has acknowledged (up to a second later): until then a killed master takes
            // every write with it. WAIT proves the stream flows.
            const size_t replicas =
                text.find("connected_slaves:") == std::string::npos
                    ? 0
                    : std::stoul(text.substr(text.find("connected_slaves:") + 17));
            if (text.find("role:master") != std::string::npos && replicas > 0) {
              auto acked = RunOn(node.address, {"WAIT", std::to_string(replicas), "100"});
              if (!acked.ok() || acked->integer < static_cast<int64_t>(replicas)) {
                last = node.address + "'s replicas do not acknowledge its writes yet";
                return false;
              }
            }
          }
          return true;
        },
        timeout, std::chrono::milliseconds(50));
    return healthy ? Status::Ok() : Status::Unavailable("Redis Cluster not healthy: " + last);
  }

 private:
  RedisCluster() = default;
  std::vector<Node> nodes_;
};

}  // namespace hattama::testing
