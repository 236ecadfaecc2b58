#include "tools/stack/stack.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace hattama::stack {
namespace {

// The inodes of the sockets listening on TCP `port` (IPv4 or IPv6, any address), from the kernel's
// tables /proc/net/tcp and tcp6: "sl local_address rem_address st ... inode", the port in hex after
// the local address's colon, state 0A for LISTEN.
std::set<std::string> ListenerInodes(int port) {
  std::set<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeouts, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeouts >> inode;
      auto colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos) continue;
      if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) inodes.insert(inode);
    }
  }
  return inodes;
}

// True if `pid` or one of its descendants (down to great-grandchildren: a shell's server, say)
// holds one of `inodes` among its open descriptors.
bool HoldsSocket(pid_t pid, const std::set<std::string>& inodes, int depth = 0) {
  std::error_code error;
  for (const auto& fd :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    std::string target = std::filesystem::read_symlink(fd.path(), error).string();
    if (target.starts_with("socket:[") && inodes.contains(target.substr(8, target.size() - 9))) {
      return true;
    }
  }
  if (depth >= 3) return false;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::ifstream children(task.path() / "children");
    pid_t child = 0;
    while (children >> child) {
      if (HoldsSocket(child, inodes, depth + 1)) return true;
    }
  }
  return false;
}

}  // namespace

std::string BinaryPath(const std::string& name) {
  if (const char* dir = std::getenv("HATTAMA_BIN_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/" + name;
  }
  return std::string(HATTAMA_BUILD_DIR) + "/bin/" + name;
}

Status WaitUntilListening(Process& process, int port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool someone_else = false;
  while (true) {
    // Read from the kernel's tables, not by connecting: a connection could reach another program
    // that took the port first (so that this one cannot bind), and would be talked to in its
    // place; a probe of a port in the ephemeral range could even connect to itself.
    if (auto inodes = ListenerInodes(port); !inodes.empty()) {
      if (HoldsSocket(process.pid(), inodes)) return Status::Ok();
      someone_else = true;
    }
    const std::string taken =
        someone_else ? " (another program listens on it: the port was taken)" : "";
    if (!process.running()) {
      return Status::Error("process exited before listening on port " + std::to_string(port) +
                           taken);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Error("nothing of this process listens on port " + std::to_string(port) +
                           taken);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<std::unique_ptr<RedisServer>> RedisServer::Start(bool appendonly) {
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->appendonly_ = appendonly;
  server->port_ = FreePort();
  server->address_ = "127.0.0.1:" + std::to_string(server->port_);
  auto launched = server->Launch();
  if (!launched.ok()) return launched;
  return server;
}

Status RedisServer::Launch() {
  auto process =
      Process::Start({.argv = {"redis-server", "--port", std::to_string(port_), "--bind",
                               "127.0.0.1", "--dir", dir_.path(), "--save", "", "--appendonly",
                               appendonly_ ? "yes" : "no", "--appendfsync", "always", "--daemonize",
                               "no", "--logfile", dir_.path() + "/redis.log"}});
  if (!process.ok()) return Status::Error("redis-server: " + process.status().message());
  process_ = std::move(process).value();
  auto up = WaitUntilListening(*process_, port_, std::chrono::seconds(10));
  if (!up.ok()) {
    return Status::Error("redis-server did not start (is it installed?): " + up.message());
  }
  return Status::Ok();
}

Status RedisServer::Restart() {
  process_->Stop();
  return Launch();
}

Result<std::unique_ptr<DevKafka>> DevKafka::Start(int partitions, const std::string& log_path,
                                                  int brokers) {
  std::unique_ptr<DevKafka> kafka(new DevKafka());
  auto process =
      Process::Start({.argv = {BinaryPath("hattama-devkafka"), "--partitions",
                               std::to_string(partitions), "--brokers", std::to_string(brokers)},
                      .log_path = log_path,
                      .capture_stdout = true});
  if (!process.ok()) return process.status();
  kafka->process_ = std::move(process).value();
  auto line = kafka->process_->ReadLine(std::chrono::seconds(20));
  if (!line.ok())
    return Status::Error("hattama-devkafka gave no bootstrap address: " + line.status().message());
  kafka->bootstrap_ = *line;
  return kafka;
}

Result<std::unique_ptr<Stack>> Stack::Start(Options options) {
  std::unique_ptr<Stack> stack(new Stack());
  stack->options_ = std::move(options);
  if (stack->options_.log_dir.empty()) {
    stack->temp_logs_ = std::make_unique<TempDir>("hattama-logs");
    stack->log_dir_ = stack->temp_logs_->path();
  } else {
    stack->log_dir_ = stack->options_.log_dir;
    std::filesystem::create_directories(stack->log_dir_);
  }
  if (stack->options_.shared_redis_cluster != nullptr) {
    stack->redis_cluster_ = stack->options_.shared_redis_cluster;
  } else if (stack->options_.redis_cluster_masters > 0) {
    auto cluster = RedisCluster::Start(stack->options_.redis_cluster_masters,
                                       stack->options_.redis_cluster_replicas);
    if (!cluster.ok()) return cluster.status();
    stack->owned_redis_cluster_ = std::move(cluster).value();
    stack->redis_cluster_ = stack->owned_redis_cluster_.get();
  } else {
    auto redis = RedisServer::Start(stack->options_.redis_appendonly);
    if (!redis.ok()) return redis.status();
    stack->redis_ = std::move(redis).value();
  }
  auto kafka = DevKafka::Start(stack->options_.partitions, stack->log_dir_ + "/devkafka.log",
                               stack->options_.kafka_brokers);
  if (!kafka.ok()) return kafka.status();
  stack->kafka_ = std::move(kafka).value();

  stack->aggregations_.resize(std::max(stack->options_.aggregation_instances, 1));
  for (size_t i = 0; i < stack->aggregations_.size(); ++i) {
    auto started = stack->RestartAggregation(i);
    if (!started.ok()) return started;
  }
  const size_t ingestions = std::max(stack->options_.ingestion_instances, 1);
  stack->ingestions_.resize(ingestions);
  for (size_t i = 0; i < ingestions; ++i) {
    const int port = FreePort();
    stack->ingestion_ports_.push_back(port);
    stack->ingestion_addresses_.push_back("127.0.0.1:" + std::to_string(port));
    auto started = stack->RestartIngestion(i);
    if (!started.ok()) return started;
  }
  // The log before publication, which follows it: its totals state the log's tree sizes.
  std::vector<std::string> publication_flags;
  if (stack->options_.tlog) {
    if (Status key = stack->GenerateTlogKey(); !key.ok()) return key;
    stack->tlog_address_ = "127.0.0.1:" + std::to_string(FreePort());
    stack->tlog_http_address_ = "127.0.0.1:" + std::to_string(FreePort());
    stack->tlog_tiles_dir_ = stack->log_dir_ + "/tlog-tiles";
    // A kept log directory may hold the tiles of an earlier run's log, which this cluster's log
    // would rightly refuse to extend.
    std::filesystem::remove_all(stack->tlog_tiles_dir_);
    if (Status started = stack->RestartTlog(); !started.ok()) return started;
    publication_flags = {"--tlog-address",      stack->tlog_address_,
                         "--tlog-url",          "http://" + stack->tlog_http_address_,
                         "--tlog-verifier-key", "@" + stack->tlog_key_path_ + ".pub"};
  }
  publication_flags.insert(publication_flags.end(), stack->options_.publication_flags.begin(),
                           stack->options_.publication_flags.end());
  int publication_port = FreePort();
  auto publication = stack->StartService("publication", publication_port, publication_flags);
  if (!publication.ok()) return publication.status();
  stack->publication_ = std::move(publication).value();
  stack->publication_address_ = "127.0.0.1:" + std::to_string(publication_port);
  return stack;
}

Stack::~Stack() {
  // Front to back: nothing new comes in while the parts behind drain.
  for (auto& ingestion : ingestions_) {
    if (ingestion) ingestion->Stop();
  }
  if (publication_) publication_->Stop();
  if (tlog_) tlog_->Stop();
  for (auto& aggregation : aggregations_) {
    if (aggregation) aggregation->Stop();
  }
  kafka_.reset();
  redis_.reset();
  owned_redis_cluster_.reset();
}

redis::ClientOptions Stack::redis_options() const {
  redis::ClientOptions options;
  if (redis_cluster_) {
    options.cluster_seeds = redis_cluster_->addresses();
    options.replica_acks = options_.redis_replica_acks;
  } else {
    options.address = redis_->address();
  }
  return options;
}

std::vector<std::string> Stack::redis_flags() const {
  const redis::ClientOptions options = redis_options();
  if (!options.cluster()) return {"--redis-address", options.address};
  std::string seeds;
  for (const std::string& seed : options.cluster_seeds) seeds += (seeds.empty() ? "" : ",") + seed;
  return {"--redis-cluster-seeds", seeds, "--redis-replica-acks",
          std::to_string(options.replica_acks)};
}

Result<std::unique_ptr<Process>> Stack::StartService(const std::string& name, int port,
                                                     const std::vector<std::string>& extra,
                                                     const std::string& log_name) {
  const std::string& dir = options_.registry_dir;
  std::vector<std::string> argv = {BinaryPath("hattama-" + name),
                                   "--election",
                                   dir + "/election.json",
                                   "--stations",
                                   dir + "/stations.csv",
                                   "--log-format",
                                   "json"};
  argv.insert(argv.end(), {"--kafka-bootstrap", kafka_->bootstrap()});
  const std::vector<std::string> redis = redis_flags();
  argv.insert(argv.end(), redis.begin(), redis.end());
  if (port != 0) argv.insert(argv.end(), {"--listen", "127.0.0.1:" + std::to_string(port)});
  if (name == "ingestion") {
    if (options_.hub_registry.empty()) {
      argv.push_back("--allow-unauthenticated");
    } else {
      argv.insert(argv.end(), {"--hub-registry", options_.hub_registry});
    }
    argv.insert(argv.end(), options_.ingestion_flags.begin(), options_.ingestion_flags.end());
  }
  if (name == "publication") {
    publication_http_address_ = "127.0.0.1:" + std::to_string(FreePort());
    argv.insert(argv.end(), {"--http-listen", publication_http_address_});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  const std::string log = log_dir_ + "/" + (log_name.empty() ? name : log_name) + ".log";
  auto process = Process::Start({.argv = argv, .log_path = log});
  if (!process.ok()) return process.status();
  if (port != 0) {
    // A million-station registry takes a service about 30 s to load on two busy cores.
    auto up = WaitUntilListening(**process, port, std::chrono::seconds(120));
    if (!up.ok()) {
      return Status::Error("hattama-" + name + " did not start (see " + log + "): " + up.message());
    }
  }
  if (name == "publication") {
    // Its HTTP server starts after its gRPC one: a caller's first HTTP request right after Start
    // was refused once (PublicSide.MalformedReadsAreRefusedAndClosedStreamsFreeTheirSlot in CI).
    const int http_port =
        std::stoi(publication_http_address_.substr(publication_http_address_.rfind(':') + 1));
    auto up = WaitUntilListening(**process, http_port, std::chrono::seconds(120));
    if (!up.ok()) {
      return Status::Error("hattama-publication's HTTP did not start (see " + log +
                           "): " + up.message());
    }
  }
  return process;
}

Status Stack::RestartAggregation(size_t instance) {
  auto& slot = aggregations_.at(instance);
  if (slot) slot->Stop();
  auto aggregation =
      StartService("aggregation", 0, options_.aggregation_args,
                   instance == 0 ? "aggregation" : "aggregation-" + std::to_string(instance + 1));
  if (!aggregation.ok()) return aggregation.status();
  slot = std::move(aggregation).value();
  return Status::Ok();
}

Status Stack::RestartIngestion(size_t instance) {
  auto& slot = ingestions_.at(instance);
  if (slot) slot->Stop();
  auto ingestion =
      StartService("ingestion", ingestion_ports_.at(instance), {},
                   instance == 0 ? "ingestion" : "ingestion-" + std::to_string(instance + 1));
  if (!ingestion.ok()) return ingestion.status();
  slot = std::move(ingestion).value();
  return Status::Ok();
}

Status Stack::RunRebuild(std::chrono::milliseconds timeout) {
  // A short session timeout keeps a fresh group from ever being assigned in the mock cluster;
  // the rebuild is the only member of its group, so it gains nothing from one.
  std::vector<std::string> extra;
  for (size_t i = 0; i < options_.aggregation_args.size(); ++i) {
    if (options_.aggregation_args[i] == "--session-timeout-ms") {
      ++i;
      continue;
    }
    extra.push_back(options_.aggregation_args[i]);
  }
  extra.push_back("--rebuild");
  auto rebuild = StartService("aggregation", 0, extra, "aggregation-rebuild");
  if (!rebuild.ok()) return rebuild.status();
  auto code = (*rebuild)->Wait(timeout);
  if (!code.ok()) return Status::Error("the rebuild did not finish: " + code.status().message());
  if (*code != 0) return Status::Error("the rebuild exited with " + std::to_string(*code));
  return Status::Ok();
}

Status Stack::GenerateTlogKey() {
  tlog_key_path_ = log_dir_ + "/tlog.key";
  std::filesystem::remove(tlog_key_path_);
  auto keygen =
      Process::Start({.argv = {BinaryPath("hattama-tlog"), "--generate-key", tlog_key_path_,
                               "--election", options_.registry_dir + "/election.json"},
                      .log_path = log_dir_ + "/tlog-keygen.log"});
  if (!keygen.ok()) return keygen.status();
  auto code = (*keygen)->Wait(std::chrono::seconds(20));
  if (!code.ok() || *code != 0) {
    return Status::Error("hattama-tlog --generate-key failed (see " + log_dir_ +
                         "/tlog-keygen.log)");
  }
  std::ifstream pub(tlog_key_path_ + ".pub");
  if (!std::getline(pub, tlog_verifier_key_) || tlog_verifier_key_.empty()) {
    return Status::Error("hattama-tlog --generate-key wrote no " + tlog_key_path_ + ".pub");
  }
  return Status::Ok();
}

Status Stack::RestartTlog() {
  if (tlog_) tlog_->Stop();
  const int http_port = std::stoi(tlog_http_address_.substr(tlog_http_address_.rfind(':') + 1));
  std::vector<std::string> argv = {BinaryPath("hattama-tlog"),
                                   "--kafka-bootstrap",
                                   kafka_->bootstrap(),
                                   "--tiles-dir",
                                   tlog_tiles_dir_,
                                   "--log-key",
                                   tlog_key_path_,
                                   "--listen",
                                   tlog_address_,
                                   "--http-listen",
                                   tlog_http_address_,
                                   "--log-format",
                                   "json"};
  argv.insert(argv.end(), options_.tlog_flags.begin(), options_.tlog_flags.end());
  const std::string log = log_dir_ + "/tlog.log";
  auto process = Process::Start({.argv = argv, .log_path = log});
  if (!process.ok()) return process.status();
  auto up = WaitUntilListening(**process, http_port, std::chrono::seconds(60));
  if (!up.ok())
    return Status::Error("hattama-tlog did not start (see " + log + "): " + up.message());
  tlog_ = std::move(process).value();
  return Status::Ok();
}

}  // namespace hattama::stack
