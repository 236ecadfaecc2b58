#include "tools/stack/stack.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

namespace hattama::stack {
namespace {

// True once something accepts TCP connections on 127.0.0.1:port.
bool Listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
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
  while (!Listening(port)) {
    if (!process.running()) {
      return Status::Error("process exited before listening on port " + std::to_string(port));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Error("nothing listens on port " + std::to_string(port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Ok();
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
  auto process = Process::Start({.argv = {"redis-server", "--port", std::to_string(port_),
                                          "--bind", "127.0.0.1", "--dir", dir_.path(),
                                          "--save", "", "--appendonly",
                                          appendonly_ ? "yes" : "no", "--appendfsync",
                                          "always", "--daemonize", "no", "--logfile",
                                          dir_.path() + "/redis.log"}});
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

Result<std::unique_ptr<DevKafka>> DevKafka::Start(int partitions, const std::string& log_path) {
  std::unique_ptr<DevKafka> kafka(new DevKafka());
  auto process = Process::Start({.argv = {BinaryPath("hattama-devkafka"), "--partitions",
                                          std::to_string(partitions)},
                                 .log_path = log_path,
                                 .capture_stdout = true});
  if (!process.ok()) return process.status();
  kafka->process_ = std::move(process).value();
  auto line = kafka->process_->ReadLine(std::chrono::seconds(20));
  if (!line.ok()) return Status::Error("hattama-devkafka gave no bootstrap address: " +
                                       line.status().message());
  kafka->bootstrap_ = *line;
  return kafka;
}

}  // namespace hattama::stack
