#include "tools/stack/redis_cluster.h"

#include <signal.h>

#include <thread>

#include "tools/stack/stack.h"

namespace hattama::stack {

Result<std::unique_ptr<RedisCluster>> RedisCluster::Start(int masters, int replicas,
                                                          std::chrono::milliseconds node_timeout) {
  std::unique_ptr<RedisCluster> cluster(new RedisCluster());
  cluster->node_timeout_ = node_timeout;
  std::vector<std::string> create = {"redis-cli", "--cluster", "create"};
  for (int i = 0; i < masters * (1 + replicas); ++i) {
    Node node;
    node.dir = std::make_unique<TempDir>("hattama-redis-cluster");
    node.port = FreePort();
    // The bus port is chosen too: the default, port + 10000, may not exist above 55535.
    node.bus_port = FreePort();
    node.address = "127.0.0.1:" + std::to_string(node.port);
    if (Status launched = cluster->Launch(node); !launched.ok()) return launched;
    create.push_back(node.address);
    cluster->nodes_.push_back(std::move(node));
  }
  create.insert(create.end(), {"--cluster-replicas", std::to_string(replicas), "--cluster-yes"});
  const std::string log = cluster->nodes_.front().dir->path() + "/create.log";
  auto creating = Process::Start({.argv = create, .log_path = log});
  if (!creating.ok()) return Status::Error("redis-cli: " + creating.status().message());
  auto exit = (*creating)->Wait(std::chrono::seconds(30));
  if (!exit.ok() || *exit != 0) {
    return Status::Error("redis-cli --cluster create failed (see " + log + ")");
  }
  if (Status healthy = cluster->WaitUntilHealthy(std::chrono::seconds(20)); !healthy.ok()) {
    return healthy;
  }
  return cluster;
}

Status RedisCluster::Launch(Node& node) {
  // Redis 7's default diskless-sync delay (5 s) is kept: with it at 0 (a cluster healthy in about
  // 2 s instead of 7), ClusterFaultTest's killed master had, in 2 of about 12 runs, a promoted
  // replica holding none of its writes (CI at 58b03c1: 252 of 970 lost, the first among them).
  auto process = Process::Start({.argv = {"redis-server",
                                          "--port",
                                          std::to_string(node.port),
                                          "--bind",
                                          "127.0.0.1",
                                          "--cluster-enabled",
                                          "yes",
                                          "--cluster-port",
                                          std::to_string(node.bus_port),
                                          "--cluster-config-file",
                                          "nodes.conf",
                                          "--cluster-node-timeout",
                                          std::to_string(node_timeout_.count()),
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
  auto up = WaitUntilListening(*node.process, node.port, std::chrono::seconds(10));
  if (!up.ok()) return Status::Error("redis-server (cluster) did not start: " + up.message());
  return Status::Ok();
}

std::vector<std::string> RedisCluster::addresses() const {
  std::vector<std::string> all;
  for (const auto& node : nodes_) all.push_back(node.address);
  return all;
}

std::vector<std::string> RedisCluster::dirs() const {
  std::vector<std::string> all;
  for (const auto& node : nodes_) all.push_back(node.dir->path());
  return all;
}

std::vector<Process*> RedisCluster::processes() const {
  std::vector<Process*> all;
  for (const auto& node : nodes_) {
    if (node.process) all.push_back(node.process.get());
  }
  return all;
}

Result<redis::Reply> RedisCluster::RunOn(const std::string& address,
                                         const redis::Command& command) {
  auto connection = redis::Connection::Connect(address, std::chrono::seconds(2));
  if (!connection.ok()) return connection.status();
  return (*connection)->Run(command);
}

std::string RedisCluster::NodeId(const std::string& address) {
  auto id = RunOn(address, {"CLUSTER", "MYID"});
  return id.ok() ? id->str : std::string();
}

std::string RedisCluster::ReplicaOf(const std::string& address) {
  auto info = RunOn(address, {"INFO", "replication"});
  if (!info.ok()) return "";
  const size_t at = info->str.find("slave0:ip=");
  const size_t port = info->str.find(",port=", at);
  if (at == std::string::npos || port == std::string::npos) return "";
  const std::string ip = info->str.substr(at + 10, port - at - 10);
  return ip + ":" + info->str.substr(port + 6, info->str.find(',', port + 6) - port - 6);
}

bool RedisCluster::IsMaster(const std::string& address) {
  auto role = RunOn(address, {"ROLE"});
  return role.ok() && !role->elements.empty() && role->elements[0].str == "master";
}

void RedisCluster::Kill(const std::string& address) {
  for (auto& node : nodes_) {
    if (node.address != address || !node.process) continue;
    node.process->Signal(SIGKILL);
    (void)node.process->Wait(std::chrono::seconds(5));
    node.process.reset();
  }
}

Status RedisCluster::Restart(const std::string& address) {
  for (auto& node : nodes_) {
    if (node.address != address) continue;
    if (node.process) return Status::Error(address + " still runs");
    return Launch(node);
  }
  return Status::Error(address + " is not a node of this cluster");
}

Status RedisCluster::WaitUntilHealthy(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = Unhealthy();
  while (!last.empty()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("Redis Cluster not healthy: " + last);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    last = Unhealthy();
  }
  return Status::Ok();
}

std::string RedisCluster::Unhealthy() {
  for (const auto& node : nodes_) {
    if (!node.process) continue;
    auto info = RunOn(node.address, {"CLUSTER", "INFO"});
    if (!info.ok() || info->str.find("cluster_state:ok") == std::string::npos) {
      return node.address + " is not cluster_state:ok";
    }
    auto replication = RunOn(node.address, {"INFO", "replication"});
    if (!replication.ok()) return node.address + " does not answer";
    const std::string& text = replication->str;
    if (text.find("role:slave") != std::string::npos &&
        (text.find("master_link_status:up") == std::string::npos ||
         text.find("master_sync_in_progress:0") == std::string::npos)) {
      return node.address + " is a replica not yet in sync";
    }
    // After the initial sync a master streams its writes to a replica only once the replica has
    // acknowledged (up to a second later): until then a killed master takes every write with
    // it. WAIT proves the stream flows.
    const size_t connected = text.find("connected_slaves:");
    const size_t replicas =
        connected == std::string::npos ? 0 : std::stoul(text.substr(connected + 17));
    if (text.find("role:master") != std::string::npos && replicas > 0) {
      auto acked = RunOn(node.address, {"WAIT", std::to_string(replicas), "100"});
      if (!acked.ok() || acked->integer < static_cast<int64_t>(replicas)) {
        return node.address + "'s replicas do not acknowledge its writes yet";
      }
    }
  }
  return "";
}

}  // namespace hattama::stack
